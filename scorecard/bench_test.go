package scorecard_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scorecard"
)

// thirtyDays is a month of minutes at 1000 requests, errors at a tenth of
// the budget with a half-hour outage in each of its four weeks.
func thirtyDays() scorecard.Objective {
	n := 30 * 24 * 60
	c := scorecard.Counts{Start: start, Step: time.Minute, Bad: make([]float64, n), Total: make([]float64, n)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range c.Total {
		c.Total[i] = 1000
		c.Bad[i] = float64(rng.IntN(3)) / 10
		if i%(7*24*60) > 3000 && i%(7*24*60) < 3030 {
			c.Bad[i] = 200
		}
	}
	return scorecard.Objective{Counts: c, Budget: 0.001, Period: 30 * 24 * time.Hour}
}

func BenchmarkIncidents30DaysOfMinutes(b *testing.B) {
	o := thirtyDays()
	for b.Loop() {
		if got := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions); len(got) != 4 {
			b.Fatalf("%d incidents", len(got))
		}
	}
}

func BenchmarkPyrraTiersScored30DaysOfMinutes(b *testing.B) {
	o := thirtyDays()
	incidents := scorecard.Incidents(o.Counts, o.Budget, o.Period, scorecard.DefaultDefinitions)
	p := scorecard.Policy{Name: "pyrra", Tiers: burnrate.PyrraTiers(o.Period)}
	for b.Loop() {
		scorecard.PolicyRows(p, incidents, o)
	}
}
