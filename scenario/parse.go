package scenario

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/inputfile"
	"github.com/slokit/slokit/internal/strictyaml"
)

// Kind is the document kind of a scenario file.
const Kind = "Scenario"

// APIVersion is the version of the scenario format this release reads.
const APIVersion = "slokit.dev/v1"

// Defaults for fields a scenario leaves out.
const (
	DefaultScrapeInterval     = 15 * time.Second
	DefaultEvaluationInterval = time.Minute
	DefaultSeries             = 10
	DefaultPeakHour           = 19 // dinner time, for a food-delivery platform
)

// DefaultLatency is used when a scenario gives none: a healthy service's
// requests, mostly fast with a tail, whose p99 is half of a common 500ms
// objective, so that a p99 < 500ms SLO spends its budget only on the
// scenario's errors (too slow, for a latency SLI), not on the distribution
// itself: 0.01% of requests are over 500ms, 0.00001% over 2s.
func DefaultLatency() Latency {
	return Latency{Median: 80 * time.Millisecond, P99: 250 * time.Millisecond}
}

type spec struct {
	APIVersion         string               `yaml:"apiVersion"`
	Kind               string               `yaml:"kind"`
	Name               string               `yaml:"name"`
	Description        string               `yaml:"description"`
	Duration           *strictyaml.Duration `yaml:"duration"`
	ScrapeInterval     *strictyaml.Duration `yaml:"scrapeInterval"`
	EvaluationInterval *strictyaml.Duration `yaml:"evaluationInterval"`
	Seed               *float64             `yaml:"seed"`
	Series             *float64             `yaml:"series"`
	Live               *strictyaml.Duration `yaml:"live"`
	Traffic            *specTraffic         `yaml:"traffic"`
	Errors             *specErrors          `yaml:"errors"`
	Latency            *specLatency         `yaml:"latency"`
	Incidents          []specWindow         `yaml:"incidents"`
	MonitoringGaps     []specGap            `yaml:"monitoringGaps"`
	Regions            []specRegion         `yaml:"regions"`
	Failovers          []specGap            `yaml:"failovers"`
	Maintenance        []specMaintenance    `yaml:"maintenance"`
	Expect             *specExpect          `yaml:"expect"`
}

type specMaintenance struct {
	Start    *strictyaml.Duration `yaml:"start"`
	Duration *strictyaml.Duration `yaml:"duration"`
	Service  string               `yaml:"service"`
	SLO      string               `yaml:"slo"`
}

type specExpect struct {
	PageWithin     *strictyaml.Duration `yaml:"pageWithin"`
	NoPage         bool                 `yaml:"noPage"`
	NoFalseFirings bool                 `yaml:"noFalseFirings"`
}

type specTraffic struct {
	Rate         *float64    `yaml:"rate"`
	PeakToTrough *float64    `yaml:"peakToTrough"`
	PeakHour     *float64    `yaml:"peakHour"`
	Surges       []specSurge `yaml:"surges"`
}

type specWindow struct {
	Start    *strictyaml.Duration `yaml:"start"`
	Duration *strictyaml.Duration `yaml:"duration"`
}

// specGap is a window of one region (failovers) or of one or all
// (monitoring gaps).
type specGap struct {
	Start    *strictyaml.Duration `yaml:"start"`
	Duration *strictyaml.Duration `yaml:"duration"`
	Region   string               `yaml:"region"`
}

type specRegion struct {
	Name  string   `yaml:"name"`
	Share *float64 `yaml:"share"`
}

type specSurge struct {
	Start    *strictyaml.Duration `yaml:"start"`
	Duration *strictyaml.Duration `yaml:"duration"`
	Factor   *float64             `yaml:"factor"`
}

type specLevel struct {
	Ratio *float64 `yaml:"ratio"`
	Burn  *float64 `yaml:"burn"`
}

type specErrors struct {
	Baseline *specLevel  `yaml:"baseline"`
	Events   []specEvent `yaml:"events"`
}

type specEvent struct {
	Kind     string               `yaml:"kind"`
	Start    *strictyaml.Duration `yaml:"start"`
	Duration *strictyaml.Duration `yaml:"duration"`
	Ratio    *float64             `yaml:"ratio"`
	Burn     *float64             `yaml:"burn"`
	Every    *strictyaml.Duration `yaml:"every"`
	Length   *strictyaml.Duration `yaml:"length"`
	Service  string               `yaml:"service"`
	Region   string               `yaml:"region"`
}

type specLatency struct {
	Median *strictyaml.Duration `yaml:"median"`
	P99    *strictyaml.Duration `yaml:"p99"`
}

// Parse reads a scenario file's single document. Errors name line, column
// and field path, all of them.
func Parse(data []byte) (*Scenario, diag.Diagnostics) {
	var (
		out   *Scenario
		diags diag.Diagnostics
		docs  int
	)
	readDiags := strictyaml.ReadDocuments(data, func(root *yaml.Node) {
		docs++
		if docs > 1 {
			diags = append(diags, &diag.Diagnostic{Line: root.Line, Column: root.Column, Message: "a scenario file holds one scenario; put others in their own files"})
			return
		}
		var s spec
		d := strictyaml.Decode(root, &s)
		if !d.TooLarge() {
			out = convert(d, &s)
		}
		diags = append(diags, d.Diags...)
	})
	diags = append(diags, readDiags...)
	diags.Sort()
	if diags.Errors() != nil {
		return nil, diags
	}
	return out, diags
}

// ParseFile reads a scenario file, naming it in every diagnostic. Only a
// regular file is read, of at most 16 MiB.
func ParseFile(file string) (*Scenario, diag.Diagnostics) {
	return parseFile(file, 0)
}

func parseFile(file string, maxBytes int64) (*Scenario, diag.Diagnostics) {
	data, err := inputfile.Read(file, maxBytes)
	if err != nil {
		return nil, diag.Diagnostics{{File: file, Message: fmt.Sprintf("cannot read scenario: %v", inputfile.Cause(err))}}
	}
	s, diags := Parse(data)
	for _, d := range diags {
		d.File = file
	}
	return s, diags
}

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// Builtins returns the built-in scenarios, by name order.
func Builtins() []*Scenario {
	entries, err := fs.ReadDir(builtinFiles, "builtin")
	if err != nil {
		panic(err) // the files are compiled in
	}
	var out []*Scenario
	for _, e := range entries {
		data, err := builtinFiles.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic(err)
		}
		s, diags := Parse(data)
		if err := diags.Errors(); err != nil {
			panic(fmt.Sprintf("built-in scenario %s: %v", e.Name(), err)) // caught by the tests
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Lookup returns the built-in scenario called name, or reads the scenario
// file at name when it is not a built-in's name.
func Lookup(name string) (*Scenario, error) {
	return LookupWith(name, 0)
}

// LookupWith is Lookup reading a scenario file of at most maxFileBytes
// (0: 16 MiB).
func LookupWith(name string, maxFileBytes int64) (*Scenario, error) {
	var names []string
	for _, s := range Builtins() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("unknown scenario %q: not a built-in (%s) and not a readable file", name, strings.Join(names, ", "))
	}
	s, diags := parseFile(name, maxFileBytes)
	if err := diags.Errors(); err != nil {
		return nil, err
	}
	return s, nil
}

func convert(d *strictyaml.Document, in *spec) *Scenario {
	if !d.CheckHeader(in.APIVersion, in.Kind, APIVersion, Kind) {
		return nil
	}
	s := &Scenario{
		Name:               in.Name,
		Description:        in.Description,
		ScrapeInterval:     DefaultScrapeInterval,
		EvaluationInterval: DefaultEvaluationInterval,
		Seed:               1,
		Series:             DefaultSeries,
		Latency:            DefaultLatency(),
	}
	if in.Name == "" {
		d.Fail("name", "missing: a scenario needs a name")
	}
	if in.Duration == nil || in.Duration.Value <= 0 {
		d.Fail("duration", "missing or not positive: how long the scenario runs, such as 6h or 30d")
	} else {
		s.Duration = in.Duration.Value
	}
	if in.ScrapeInterval != nil {
		s.ScrapeInterval = in.ScrapeInterval.Value
		if s.ScrapeInterval < time.Second {
			d.Fail("scrapeInterval", "must be at least 1s, got %s", in.ScrapeInterval.Text)
		}
	}
	if in.EvaluationInterval != nil {
		s.EvaluationInterval = in.EvaluationInterval.Value
		if s.EvaluationInterval < time.Second {
			d.Fail("evaluationInterval", "must be at least 1s, got %s", in.EvaluationInterval.Text)
		}
	}
	if in.Seed != nil {
		if *in.Seed < 0 || *in.Seed != math.Trunc(*in.Seed) {
			d.Fail("seed", "must be a whole number, got %v", *in.Seed)
		}
		s.Seed = uint64(*in.Seed)
	}
	if in.Series != nil {
		if *in.Series < 1 || *in.Series > 100_000 || *in.Series != math.Trunc(*in.Series) {
			d.Fail("series", "must be a whole number from 1 to 100000, got %v", *in.Series)
		}
		s.Series = int(*in.Series)
	}
	if in.Live != nil {
		s.Live = in.Live.Value
		if s.Live <= 0 || (s.Duration > 0 && s.Live > s.Duration) {
			d.Fail("live", "must be within the scenario's duration, got %s", in.Live.Text)
		}
	}
	convertExpect(d, s, in)
	convertRegions(d, s, in)
	convertTraffic(d, s, in.Traffic)
	convertErrors(d, s, in.Errors)
	if in.Latency != nil {
		if in.Latency.Median == nil || in.Latency.P99 == nil || in.Latency.Median.Value <= 0 || in.Latency.P99.Value <= in.Latency.Median.Value {
			d.Fail("latency", "set median and p99, with p99 above the median")
		} else {
			s.Latency = Latency{Median: in.Latency.Median.Value, P99: in.Latency.P99.Value}
		}
	}
	convertWindows(d, s, in)
	return s
}

// convertExpect reads what a backtest of the scenario must find.
func convertExpect(d *strictyaml.Document, s *Scenario, in *spec) {
	e := in.Expect
	if e == nil {
		return
	}
	s.Expect = Expect{NoPage: e.NoPage, NoFalseFirings: e.NoFalseFirings}
	if e.PageWithin != nil {
		s.Expect.PageWithin = e.PageWithin.Value
		if e.PageWithin.Value <= 0 {
			d.Fail("expect.pageWithin", "must be positive, got %s", e.PageWithin.Text)
		}
		if e.NoPage {
			d.Fail("expect.noPage", "contradicts expect.pageWithin: give one of them")
		}
		if len(in.Incidents) == 0 {
			d.Fail("expect.pageWithin", "counts from the first incident: list the incidents")
		}
	}
}

// convertWindows reads the scenario's incidents, monitoring gaps (which may
// not overlap, nor start with it) and maintenance windows.
func convertWindows(d *strictyaml.Document, s *Scenario, in *spec) {
	for i, w := range in.Incidents {
		if win, ok := window(d, fmt.Sprintf("incidents[%d]", i), w.Start, w.Duration, s.Duration); ok {
			s.Incidents = append(s.Incidents, win)
		}
	}
	for i, w := range in.MonitoringGaps {
		p := fmt.Sprintf("monitoringGaps[%d]", i)
		win, ok := window(d, p, w.Start, w.Duration, s.Duration)
		overlaps := func(o Gap) bool {
			return win.Start < o.End() && o.Start < win.End() && (o.Region == "" || w.Region == "" || o.Region == w.Region)
		}
		switch {
		case !ok:
		case win.Start <= 0:
			// The history before a gap is what it tests.
			d.Fail(p+".start", "must be after the scenario's start")
		case w.Region != "" && !knownRegion(d, s, p+".region", w.Region):
		case slices.ContainsFunc(s.MonitoringGaps, overlaps):
			d.Fail(p, "overlaps another monitoring gap of the same Prometheus")
		default:
			s.MonitoringGaps = append(s.MonitoringGaps, Gap{Window: win, Region: w.Region})
		}
	}
	for i, m := range in.Maintenance {
		p := fmt.Sprintf("maintenance[%d]", i)
		if m.Service == "" {
			d.Fail(p+".service", "missing: the service the window is for, as slokit serve's API takes it")
			continue
		}
		if win, ok := window(d, p, m.Start, m.Duration, s.Duration); ok {
			s.Maintenance = append(s.Maintenance, Maintenance{Window: win, Service: m.Service, SLO: m.SLO})
		}
	}
}

func convertTraffic(d *strictyaml.Document, s *Scenario, in *specTraffic) {
	if in == nil || in.Rate == nil {
		d.Fail("traffic.rate", "missing: requests per second, such as 20")
		return
	}
	s.Traffic = Traffic{Rate: *in.Rate, PeakHour: DefaultPeakHour}
	if *in.Rate <= 0 {
		d.Fail("traffic.rate", "must be positive, got %v", *in.Rate)
	}
	if in.PeakToTrough != nil {
		s.Traffic.PeakToTrough = *in.PeakToTrough
		if *in.PeakToTrough < 1 {
			d.Fail("traffic.peakToTrough", "must be at least 1 (1 is constant traffic), got %v", *in.PeakToTrough)
		}
	}
	if in.PeakHour != nil {
		s.Traffic.PeakHour = *in.PeakHour
		if *in.PeakHour < 0 || *in.PeakHour >= 24 {
			d.Fail("traffic.peakHour", "must be an hour of the day from 0 to 24, got %v", *in.PeakHour)
		}
	}
	for i, sg := range in.Surges {
		p := fmt.Sprintf("traffic.surges[%d]", i)
		w, ok := window(d, p, sg.Start, sg.Duration, s.Duration)
		if sg.Factor == nil || *sg.Factor <= 0 {
			d.Fail(p+".factor", "missing or not positive: how many times the usual traffic, such as 10")
			ok = false
		}
		if ok {
			s.Traffic.Surges = append(s.Traffic.Surges, Surge{Window: w, Factor: *sg.Factor})
		}
	}
}

func level(d *strictyaml.Document, p string, ratio, burn *float64) (Level, bool) {
	switch {
	case ratio != nil && burn != nil:
		d.Fail(p+".burn", "set ratio or burn, not both")
	case ratio != nil:
		if *ratio < 0 || *ratio > 1 {
			d.Fail(p+".ratio", "must be an error ratio from 0 to 1, got %v", *ratio)
			return Level{}, false
		}
		return Level{Ratio: *ratio}, true
	case burn != nil:
		if *burn < 0 {
			d.Fail(p+".burn", "must not be negative, got %v", *burn)
			return Level{}, false
		}
		return Level{Burn: *burn}, true
	default:
		d.Fail(p, "missing: an error ratio (ratio: 0.01) or a burn rate (burn: 14.4)")
	}
	return Level{}, false
}

func convertErrors(d *strictyaml.Document, s *Scenario, in *specErrors) {
	if in == nil {
		return // no errors at all
	}
	if in.Baseline != nil {
		s.Errors.Baseline, _ = level(d, "errors.baseline", in.Baseline.Ratio, in.Baseline.Burn)
	}
	for i, e := range in.Events {
		p := fmt.Sprintf("errors.events[%d]", i)
		w, ok := window(d, p, e.Start, e.Duration, s.Duration)
		lv, lok := level(d, p, e.Ratio, e.Burn)
		ev := ErrorEvent{Kind: EventKind(e.Kind), Window: w, Level: lv, Service: e.Service, Region: e.Region}
		if e.Region != "" && !knownRegion(d, s, p+".region", e.Region) {
			ok = false
		}
		switch ev.Kind {
		case Step, Ramp:
			if e.Every != nil || e.Length != nil {
				d.Fail(p+".every", "every and length belong to bursts only")
				ok = false
			}
		case Burst:
			if e.Every == nil || e.Length == nil || e.Length.Value <= 0 || e.Every.Value <= e.Length.Value {
				d.Fail(p+".every", "a burst needs every and length, with length shorter than every (every: 10m, length: 1m)")
				ok = false
			} else {
				ev.Every, ev.Length = e.Every.Value, e.Length.Value
			}
		default:
			d.Fail(p+".kind", "must be step, burst or ramp, got %q", e.Kind)
			ok = false
		}
		if ok && lok {
			s.Errors.Events = append(s.Errors.Events, ev)
		}
	}
}

// convertRegions reads the scenario's regions and their failovers: names
// unique, shares positive, and a region serving at every moment.
func convertRegions(d *strictyaml.Document, s *Scenario, in *spec) {
	for i, r := range in.Regions {
		p := fmt.Sprintf("regions[%d]", i)
		switch {
		case r.Name == "":
			d.Fail(p+".name", "missing: the region's name, as its Prometheus labels its series (eu-west-1)")
		case slices.ContainsFunc(s.Regions, func(o Region) bool { return o.Name == r.Name }):
			d.Fail(p+".name", "region %s is listed twice", r.Name)
		case r.Share == nil || *r.Share <= 0:
			d.Fail(p+".share", "missing or not positive: the region's part of the traffic, a weight such as 0.4")
		default:
			s.Regions = append(s.Regions, Region{Name: r.Name, Share: *r.Share})
		}
	}
	for i, f := range in.Failovers {
		p := fmt.Sprintf("failovers[%d]", i)
		w, ok := window(d, p, f.Start, f.Duration, s.Duration)
		if f.Region == "" {
			d.Fail(p+".region", "missing: the region whose traffic moves to the others")
			continue
		}
		if ok && knownRegion(d, s, p+".region", f.Region) {
			s.Failovers = append(s.Failovers, Failover{Window: w, Region: f.Region})
		}
	}
	// The regions failed over change only as a failover starts: if every
	// region is out at some moment, they are at a start.
	for _, f := range s.Failovers {
		served := false
		for _, r := range s.Regions {
			served = served || s.Share(r.Name, f.Start) > 0
		}
		if !served {
			d.Fail("failovers", "every region is failed over at %s: one must serve the traffic", model.Duration(f.Start))
			return
		}
	}
}

// knownRegion reports whether the scenario lists region, failing p when
// it does not.
func knownRegion(d *strictyaml.Document, s *Scenario, p, region string) bool {
	if slices.ContainsFunc(s.Regions, func(r Region) bool { return r.Name == region }) {
		return true
	}
	if len(s.Regions) == 0 {
		d.Fail(p, "names region %s, but the scenario lists no regions: add them under regions, with their shares of the traffic", region)
	} else {
		names := make([]string, len(s.Regions))
		for i, r := range s.Regions {
			names[i] = r.Name
		}
		d.Fail(p, "unknown region %s (the scenario's regions: %s)", region, strings.Join(names, ", "))
	}
	return false
}

// window checks a start/duration pair against the scenario's duration.
func window(d *strictyaml.Document, p string, start, dur *strictyaml.Duration, total time.Duration) (Window, bool) {
	if start == nil || dur == nil {
		d.Fail(p, "needs start and duration, as offsets such as start: 3h, duration: 15m")
		return Window{}, false
	}
	w := Window{Start: start.Value, Duration: dur.Value}
	if w.Duration <= 0 {
		d.Fail(p+".duration", "must be positive, got %s", dur.Text)
		return w, false
	}
	if total > 0 && w.End() > total {
		d.Fail(p+".duration", "ends at %s, after the scenario's %s", model.Duration(w.End()), model.Duration(total))
		return w, false
	}
	return w, true
}
