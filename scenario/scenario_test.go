package scenario_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/scenario"
)

// goldens are this package's golden files: go test ./scenario -update rewrites them.
var goldens = golden.Flag()

func near(a, b, tolerance float64) bool { return math.Abs(a-b) <= tolerance }

func TestRate(t *testing.T) {
	diurnal := &scenario.Scenario{Traffic: scenario.Traffic{Rate: 10, PeakToTrough: 4, PeakHour: 19}}
	var sum float64
	for m := range 24 * 60 {
		sum += diurnal.Rate(time.Duration(m) * time.Minute)
	}
	if mean := sum / (24 * 60); !near(mean, 10, 1e-9) {
		t.Errorf("the mean of a diurnal day is %v, want the configured rate 10", mean)
	}
	peak, trough := diurnal.Rate(19*time.Hour), diurnal.Rate(7*time.Hour)
	if !near(peak/trough, 4, 1e-9) {
		t.Errorf("peak %v / trough %v = %v, want 4", peak, trough, peak/trough)
	}
	surge := &scenario.Scenario{Traffic: scenario.Traffic{Rate: 5, Surges: []scenario.Surge{{Window: scenario.Window{Start: time.Hour, Duration: time.Hour}, Factor: 10}}}}
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{59 * time.Minute, 5}, {time.Hour, 50}, {119 * time.Minute, 50}, {2 * time.Hour, 5}} {
		if got := surge.Rate(tc.at); got != tc.want {
			t.Errorf("rate at %s = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestErrorRatio(t *testing.T) {
	w := func(start, d time.Duration) scenario.Window { return scenario.Window{Start: start, Duration: d} }
	s := &scenario.Scenario{Errors: scenario.Errors{
		Baseline: scenario.Level{Burn: 0.5},
		Events: []scenario.ErrorEvent{
			{Kind: scenario.Step, Window: w(time.Hour, time.Hour), Level: scenario.Level{Ratio: 1}},
			{Kind: scenario.Burst, Window: w(3*time.Hour, time.Hour), Level: scenario.Level{Burn: 20}, Every: 10 * time.Minute, Length: time.Minute},
			{Kind: scenario.Ramp, Window: w(5*time.Hour, time.Hour), Level: scenario.Level{Burn: 10.5}},
			{Kind: scenario.Step, Window: w(5*time.Hour, 10*time.Minute), Level: scenario.Level{Burn: 3}},
			{Kind: scenario.Step, Window: w(7*time.Hour, time.Hour), Level: scenario.Level{Ratio: 0.5}, Service: "order-api"},
		},
	}}
	const budget = 0.001
	for _, tc := range []struct {
		service string
		at      time.Duration
		want    float64
	}{
		{"", 0, 0.0005},                         // baseline: 0.5x burn
		{"", time.Hour, 1},                      // step
		{"", 3 * time.Hour, 0.02},               // burst on
		{"", 3*time.Hour + time.Minute, 0.0005}, // burst off
		{"", 3*time.Hour + 10*time.Minute, 0.02},
		{"", 5*time.Hour + 30*time.Minute, 0.0055}, // ramp half-way from 0.5x to 10.5x
		{"", 5*time.Hour + 5*time.Minute, 0.003},   // overlapping events: the higher wins
		{"order-api", 7 * time.Hour, 0.5},          // an event for one service
		{"payment", 7 * time.Hour, 0.0005},         // leaves the others alone
		{"order-api", time.Hour, 1},                // and events for all apply to it too
	} {
		if got := s.ErrorRatio(tc.service, "", tc.at, budget); !near(got, tc.want, 1e-12) {
			t.Errorf("error ratio of %q at %s = %v, want %v", tc.service, tc.at, got, tc.want)
		}
	}
	capped := &scenario.Scenario{Errors: scenario.Errors{Baseline: scenario.Level{Burn: 2000}}}
	if got := capped.ErrorRatio("", "", 0, budget); got != 1 {
		t.Errorf("a 2000x burn at 99.9%% is capped at every request failing, got %v", got)
	}
}

func TestSlowShare(t *testing.T) {
	s := &scenario.Scenario{Latency: scenario.Latency{Median: 100 * time.Millisecond, P99: 800 * time.Millisecond}}
	for _, tc := range []struct {
		d    time.Duration
		want float64
	}{{100 * time.Millisecond, 0.5}, {800 * time.Millisecond, 0.01}} {
		if got := s.SlowShare(tc.d); !near(got, tc.want, 1e-9) {
			t.Errorf("share slower than %s = %v, want %v", tc.d, got, tc.want)
		}
	}
}

func TestBuiltinsTellTheirStories(t *testing.T) {
	byName := map[string]*scenario.Scenario{}
	for _, s := range scenario.Builtins() {
		byName[s.Name] = s
	}
	for _, name := range []string{"outage", "fast-burn", "slow-burn", "surge-10x", "low-traffic-night", "flapping", "healthy-30d"} {
		if byName[name] == nil {
			t.Errorf("built-in scenario %s is missing", name)
		}
	}
	const budget = 0.001
	outage := byName["outage"]
	if r := outage.ErrorRatio("", "", 3*time.Hour+time.Minute, budget); r != 1 || !outage.InIncident(3*time.Hour+time.Minute) {
		t.Errorf("outage: error ratio %v during the incident, want 1", r)
	}
	if r := byName["fast-burn"].ErrorRatio("", "", 4*time.Hour, budget); !near(r/budget, 20, 1e-9) {
		t.Errorf("fast-burn burns at %vx, want 20x", r/budget)
	}
	if r := byName["slow-burn"].ErrorRatio("", "", 2*24*time.Hour, budget); !near(r/budget, 2, 1e-9) {
		t.Errorf("slow-burn burns at %vx, want 2x", r/budget)
	}
	surge := byName["surge-10x"]
	if a, b := surge.Rate(18*time.Hour+time.Minute), surge.Rate(18*time.Hour-time.Minute); !near(a/b, 10, 0.01) {
		t.Errorf("surge-10x multiplies traffic by %v, want 10", a/b)
	}
	night := byName["low-traffic-night"]
	if perMinute := night.Rate(26*time.Hour) * 60; perMinute > 10 {
		t.Errorf("low-traffic-night has %v requests a minute at 02:00, want a handful", perMinute)
	}
	if s := byName["super-bowl"]; s == nil || s.Live != 29*24*time.Hour+17*time.Hour+50*time.Minute || s.Rate(s.Live+20*time.Minute) < 9*s.Rate(s.Live) || !s.InIncident(s.Live+2*time.Hour) {
		t.Errorf("super-bowl: the live point, the surge and the incident are not where the story puts them: %+v", s)
	}
	if s := byName["healthy-30d"]; s.Duration != 30*24*time.Hour || s.Series != 100 || len(s.Incidents) != 0 {
		t.Errorf("healthy-30d: %s, %d series, %d incidents", s.Duration, s.Series, len(s.Incidents))
	}
}

func TestParseFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, diags := scenario.ParseFile(f)
			var out strings.Builder
			for _, d := range diags {
				out.WriteString(d.Error() + "\n")
			}
			goldens.Assert(t, strings.TrimSuffix(f, ".yaml")+".txt", []byte(out.String()))
			if bad := strings.HasPrefix(filepath.Base(f), "bad"); bad != (s == nil) {
				t.Errorf("parsed scenario %v for %s", s, f)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	if s, err := scenario.Lookup("outage"); err != nil || s.Name != "outage" {
		t.Errorf("Lookup(outage) = %v, %v", s, err)
	}
	if s, err := scenario.Lookup("testdata/custom.yaml"); err != nil || s.Name != "lunch-rush-incident" || s.Seed != 7 || s.Series != 40 {
		t.Errorf("Lookup(file) = %+v, %v", s, err)
	}
	_, err := scenario.Lookup("superbowl")
	if err == nil || !strings.Contains(err.Error(), `unknown scenario "superbowl"`) || !strings.Contains(err.Error(), "healthy-30d") {
		t.Errorf("an unknown name must list the built-ins, got %v", err)
	}
	_, err = scenario.Lookup("testdata/bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "testdata/bad.yaml:") {
		t.Errorf("a bad file must be named with positions, got %v", err)
	}
	if _, err := os.Stat("testdata/bad.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestExpectationsAreRead(t *testing.T) {
	s, diags := scenario.ParseFile("testdata/custom.yaml")
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	if s.Expect != (scenario.Expect{PageWithin: 10 * time.Minute, NoFalseFirings: true}) {
		t.Errorf("expect: %+v", s.Expect)
	}
}

func TestMonitoringGapsAreRead(t *testing.T) {
	s, diags := scenario.ParseFile("testdata/custom.yaml")
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	want := []scenario.Gap{{Window: scenario.Window{Start: 11*time.Hour + 10*time.Minute, Duration: 30 * time.Minute}}}
	if !slices.Equal(s.MonitoringGaps, want) {
		t.Fatalf("gaps %+v, want %+v", s.MonitoringGaps, want)
	}
	for at, monitored := range map[time.Duration]bool{11 * time.Hour: true, 11*time.Hour + 10*time.Minute: false, 11*time.Hour + 39*time.Minute: false, 11*time.Hour + 40*time.Minute: true} {
		if got := s.Monitored(at); got != monitored {
			t.Errorf("monitored at %s: %v, want %v", at, got, monitored)
		}
	}
}

func TestMaintenanceWindowsAreRead(t *testing.T) {
	doc := `apiVersion: slokit.dev/v1
kind: Scenario
name: m
duration: 6h
traffic: {rate: 1}
maintenance:
  - {start: 1h, duration: 30m, service: order-api, slo: availability}
`
	if _, diags := scenario.Parse([]byte(doc + "  - {start: 2h, duration: 30m}\n")); diags.Errors() == nil || !strings.Contains(diags.Errors().Error(), "maintenance[1].service: missing") {
		t.Errorf("a window without a service: %v", diags.Errors())
	}
	s, diags := scenario.Parse([]byte(doc))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	want := []scenario.Maintenance{{Window: scenario.Window{Start: time.Hour, Duration: 30 * time.Minute}, Service: "order-api", SLO: "availability"}}
	if !slices.Equal(s.Maintenance, want) {
		t.Errorf("windows %+v, want %+v", s.Maintenance, want)
	}
}

// A scenario's regions share its traffic by weight; a failover moves a
// region's share to the others, by theirs; events and monitoring gaps of a
// region touch that region only.
func TestRegionsShareTheTrafficAndFailOver(t *testing.T) {
	s, diags := scenario.Parse([]byte(`apiVersion: slokit.dev/v1
kind: Scenario
name: r
duration: 6h
traffic: {rate: 10}
regions:
  - {name: eu-west-1, share: 2}
  - {name: us-east-1, share: 1}
  - {name: ap-south-1, share: 1}
failovers:
  - {start: 1h, duration: 1h, region: eu-west-1}
errors:
  events:
    - {kind: step, start: 30m, duration: 30m, ratio: 0.5, region: eu-west-1}
monitoringGaps:
  - {start: 3h, duration: 30m, region: us-east-1}
  - {start: 3h10m, duration: 10m, region: eu-west-1}
  - {start: 4h, duration: 10m}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		region string
		at     time.Duration
		want   float64
	}{
		{"eu-west-1", 0, 0.5}, {"us-east-1", 0, 0.25},
		{"eu-west-1", time.Hour, 0}, {"us-east-1", time.Hour, 0.5}, {"ap-south-1", 90 * time.Minute, 0.5},
		{"eu-west-1", 2 * time.Hour, 0.5}, {"nowhere", 0, 0},
	} {
		if got := s.Share(tc.region, tc.at); !near(got, tc.want, 1e-12) {
			t.Errorf("share of %s at %s = %v, want %v", tc.region, tc.at, got, tc.want)
		}
	}
	if got := (&scenario.Scenario{}).Share("", time.Hour); got != 1 {
		t.Errorf("a scenario without regions serves all its traffic in one place: share %v", got)
	}
	if eu, us := s.ErrorRatio("", "eu-west-1", 45*time.Minute, 0.001), s.ErrorRatio("", "us-east-1", 45*time.Minute, 0.001); eu != 0.5 || us != 0 {
		t.Errorf("an event of eu-west-1: error ratio %v there, %v in us-east-1; want 0.5 and 0", eu, us)
	}
	for _, tc := range []struct {
		region string
		at     time.Duration
		want   bool
	}{
		{"us-east-1", 3*time.Hour + 5*time.Minute, false}, {"eu-west-1", 3*time.Hour + 5*time.Minute, true},
		{"eu-west-1", 3*time.Hour + 15*time.Minute, false}, {"ap-south-1", 3*time.Hour + 15*time.Minute, true},
		{"ap-south-1", 4 * time.Hour, false}, {"", 4 * time.Hour, false}, {"", 3 * time.Hour, true},
	} {
		if got := s.RegionMonitored(tc.region, tc.at); got != tc.want {
			t.Errorf("%q monitored at %s: %v, want %v", tc.region, tc.at, got, tc.want)
		}
	}
	if !s.Monitored(3 * time.Hour) {
		t.Error("a region's gap stops the whole monitoring")
	}
	// Every region out at once is refused.
	doc := `apiVersion: slokit.dev/v1
kind: Scenario
name: r
duration: 6h
traffic: {rate: 10}
regions: [{name: a, share: 1}, {name: b, share: 1}]
failovers:
  - {start: 1h, duration: 2h, region: a}
  - {start: 2h, duration: 2h, region: b}
`
	if _, diags := scenario.Parse([]byte(doc)); diags.Errors() == nil || !strings.Contains(diags.Errors().Error(), "every region is failed over at 2h") {
		t.Errorf("both regions out from 2h: %v", diags.Errors())
	}
}
