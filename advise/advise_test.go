package advise_test

import (
	"testing"
	"time"

	"github.com/slokit/slokit/advise"
	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scorecard"
)

// Sixty days of hours at 1000 requests, 0.05% failing, and one hour at
// 20% on day 45.
func sixtyDays() advise.Input {
	c := scorecard.Counts{Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Step: time.Hour, Bad: make([]float64, 1440), Total: make([]float64, 1440)}
	for i := range c.Total {
		c.Total[i], c.Bad[i] = 1000, 0.5
	}
	c.Bad[1080] = 200
	period := 30 * 24 * time.Hour
	return advise.Input{Service: "order-api", SLO: "availability", Objective: 99.9, Period: period, Tiers: burnrate.DefaultTiers(period, time.Minute), Counts: c}
}

func TestAdviceAsComputedByHand(t *testing.T) {
	a := advise.Advise(sixtyDays(), advise.DefaultCandidates)
	// 31 rolling periods a day apart; the 15 ending after day 45 hold the
	// outage: 559.5 bad of 720000 (99.9222%), the others 360 (99.95%).
	if a.Achieved != (advise.Spread{Periods: 31, Min: 99.9222, P10: 99.9222, Median: 99.95}) || a.Partial {
		t.Errorf("achieved %+v partial %v", a.Achieved, a.Partial)
	}
	if len(a.Periods) != 2 || *a.Periods[0].Achieved != 99.95 || *a.Periods[0].Met != 99.95 || *a.Periods[1].Achieved != 99.9222 || *a.Periods[1].Met != 99.9 || a.Periods[1].Events != 720000 ||
		!a.Periods[1].To.Equal(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("periods %+v", a.Periods)
	}
	want := map[float64]advise.Candidate{
		99.9:  {Objective: 99.9, PeriodsMet: 1, WorstSpent: 0.7771, Pages: 1, PagesPerWeek: 0.1167},
		99.95: {Objective: 99.95, PeriodsMet: 0.5161, WorstSpent: 1.5542, Pages: 1, PagesPerWeek: 0.1167},
		99.99: {Objective: 99.99, PeriodsMet: 0, WorstSpent: 7.7708, Pages: 1, PagesPerWeek: 0.1167},
	}
	if len(a.Candidates) != 5 {
		t.Fatalf("%d candidates: %+v", len(a.Candidates), a.Candidates)
	}
	for _, c := range a.Candidates {
		if w, ok := want[c.Objective]; ok && c != w {
			t.Errorf("candidate %v: %+v, want %+v", c.Objective, c, w)
		}
	}
	if a.Recommended == nil || *a.Recommended != 99.9 {
		t.Errorf("recommended %v, want 99.9", a.Recommended)
	}
}

// A history shorter than the period is one period, said to be partial;
// a spec's objective that is not a candidate is added. A period without
// events achieved nothing.
func TestAShortHistoryIsOnePartialPeriod(t *testing.T) {
	in := sixtyDays()
	in.Objective = 99.92
	in.Counts.Bad, in.Counts.Total = in.Counts.Bad[:240], in.Counts.Total[:240]
	a := advise.Advise(in, []float64{99})
	if !a.Partial || a.Achieved.Periods != 1 || len(a.Periods) != 1 || len(a.Candidates) != 2 || a.Candidates[1].Objective != 99.92 || *a.Recommended != 99.92 {
		t.Errorf("%+v", a)
	}
	in.Counts.Bad, in.Counts.Total = make([]float64, 240), make([]float64, 240)
	if a := advise.Advise(in, []float64{99}); a.Achieved.Periods != 0 || a.Periods[0].Achieved != nil || a.Periods[0].Met != nil || a.Recommended != nil {
		t.Errorf("no events: %+v", a)
	}
}

// Ninety days of minutes, the longest history advise is asked for by
// default, over the default candidates.
func BenchmarkAdvise90DaysOfMinutes(b *testing.B) {
	in := sixtyDays()
	n := 90 * 24 * 60
	in.Counts.Step, in.Counts.Bad, in.Counts.Total = time.Minute, make([]float64, n), make([]float64, n)
	for i := range in.Counts.Total {
		in.Counts.Total[i], in.Counts.Bad[i] = 1000, 0.5
	}
	for b.Loop() {
		if a := advise.Advise(in, advise.DefaultCandidates); a.Recommended == nil {
			b.Fatal("no recommendation")
		}
	}
}
