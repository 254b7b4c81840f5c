package scorecard_test

import (
	"testing"
	"time"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scorecard"
)

var start = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func minute(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }

// day is a day of minutes at 1000 requests: 30 minutes at 10% errors
// from 10:00, then from 20:00 a night at one request a minute, two of
// which fail at 21:40 and 21:41.
func day() scorecard.Objective {
	c := scorecard.Counts{Start: start, Step: time.Minute, Bad: make([]float64, 1440), Total: make([]float64, 1440)}
	for i := range c.Total {
		c.Total[i] = 1000
		if i >= 1200 {
			c.Total[i] = 1
		}
	}
	for i := 600; i < 630; i++ {
		c.Bad[i] = 100
	}
	c.Bad[1300], c.Bad[1301] = 1, 1
	return scorecard.Objective{Counts: c, Budget: 0.001, Period: 30 * 24 * time.Hour}
}

func TestIncidentsAreWindowsThatSpentTheShareTrimmedToTheirBadSteps(t *testing.T) {
	o := day()
	got := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions)
	// The night's two failures are 2 of 60 requests in the hour: no
	// incident with fewer than 100 events.
	want := []scorecard.Interval{{From: minute(600), To: minute(630)}}
	if len(got) != 1 || got[0] != want[0] {
		t.Fatalf("incidents %v, want %v", got, want)
	}
	// 3000 bad of a month at the day's mean traffic (833.5 a minute)
	// allowing 0.1%: 3000/36007.2.
	if s := scorecard.WithSpent(got, o)[0].Spent; s != 0.0833 {
		t.Errorf("spent %v, want 0.0833", s)
	}
	// 10% in 3 days: the day holds 8% of a month's budget, no incident
	// (the window cut short by the start of the counts spends what it
	// covers, not three days at its burn rate).
	if got := scorecard.Incidents(o.Counts, o.Budget, o.Period, []scorecard.Definition{{Share: 0.10, Window: 72 * time.Hour}}); len(got) != 0 {
		t.Errorf("10%%/3d: %v", got)
	}
}

// At night, five failed requests of 180 in an hour are 28 times the
// error ratio the budget allows, but five events of the 36,000 a month's
// budget holds at the day's traffic: no incident.
func TestFailuresAtNightAreNoIncidentForTheirRatio(t *testing.T) {
	o := day()
	for i := 1200; i < 1440; i++ {
		o.Counts.Total[i] = 3
	}
	for i := 1300; i < 1305; i++ {
		o.Counts.Bad[i] = 1
	}
	if got := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions); len(got) != 1 || got[0].From != minute(600) {
		t.Errorf("incidents %v, want the outage only", got)
	}
}

// A burst too small to matter 40 minutes before the outage (100 bad, a
// tenth of a minute's requests: 0.28% of the budget) falls within the
// windows that met 2%/1h, and burned at 14.4x over five minutes, but is
// not part of the incident, nor one of its own.
func TestABurstOfNoiseBeforeAnIncidentIsNotPartOfIt(t *testing.T) {
	o := day()
	o.Counts.Bad[560] = 100
	got := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions)
	if len(got) != 1 || got[0] != (scorecard.Interval{From: minute(600), To: minute(630)}) {
		t.Errorf("incidents %v, want 10:00 to 10:30", got)
	}
	// Ten times that is 2.8% of the budget: an incident of its own.
	o.Counts.Bad[560] = 1000
	if got := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions); len(got) != 2 || got[0] != (scorecard.Interval{From: minute(560), To: minute(561)}) {
		t.Errorf("incidents %v, want 9:20 to 9:21 and the outage", got)
	}
}

func TestWorkbookTiersScoreAsComputedByHand(t *testing.T) {
	o := day()
	incidents := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions)
	tiers, _ := burnrate.NamedTiers("workbook", o.Period)
	rows := scorecard.PolicyRows(scorecard.Policy{Name: "workbook", Tiers: tiers}, incidents, o)
	f := func(v float64) *float64 { return &v }
	type want struct {
		alert                   string
		firings, falseFirings   int
		precision               *float64
		detection, reset, spent *float64
		perWeek                 float64
	}
	wants := []want{
		// 900 bad (9 minutes) put the hour over 14.4 x 0.1%: fires at
		// 10:09 having spent 900/36007.2 (the day's mean traffic); the 5m window clears at 10:34,
		// resolved at the next step. At night, 1 error of 60 requests in
		// the hour: a false page.
		{"page 14.4x 1h/5m", 2, 1, f(0.5), f(540), f(300), f(0.025), 14},
		// 2200 of 360000 in 6h over 0.6%: 22 minutes; the 30m window
		// holds two bad minutes until 10:58.
		{"page 6x 6h/30m", 1, 0, f(1), f(1320), f(1740), f(0.0611), 7},
		// The day so far over 0.1% at the 7th bad minute (700 > 607);
		// 6h window over 0.1% while it holds four bad minutes, to 16:26.
		{"ticket 1x 3d/6h", 1, 0, f(1), f(420), f(21420), f(0.0194), 7},
		{"any page", 2, 1, f(0.5), f(540), f(1740), f(0.025), 14},
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	for i, w := range wants {
		r := rows[i]
		if r.Alert != w.alert || r.Firings != w.firings || r.FalseFirings != w.falseFirings || r.PerWeek != w.perWeek ||
			!same(r.Precision, w.precision) || !same(r.DetectionSeconds, w.detection) || !same(r.ResetSeconds, w.reset) || !same(r.BudgetSpentBeforeFiring, w.spent) {
			t.Errorf("row %d: %s firings %d false %d precision %v detection %v reset %v spent %v per week %v\nwant %+v",
				i, r.Alert, r.Firings, r.FalseFirings, str(r.Precision), str(r.DetectionSeconds), str(r.ResetSeconds), str(r.BudgetSpentBeforeFiring), r.PerWeek, w)
		}
		if r.Recall == nil || *r.Recall != 1 || r.Detected != 1 {
			t.Errorf("row %d: recall %v detected %d, want 1", i, str(r.Recall), r.Detected)
		}
	}
}

func same(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func str(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}

func TestDefinitionsParse(t *testing.T) {
	d, err := scorecard.ParseDefinition("2%/1h")
	if err != nil || d != (scorecard.Definition{Share: 0.02, Window: time.Hour}) || d.String() != "2%/1h" {
		t.Errorf("2%%/1h: %+v %v", d, err)
	}
	for _, bad := range []string{"2/1h", "2%", "0%/1h", "101%/1h", "2%/0s", "x%/1h", "2%/soon"} {
		if _, err := scorecard.ParseDefinition(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
