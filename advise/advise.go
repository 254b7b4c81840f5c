// Package advise tells what objective a service actually meets: from an
// SLO objective's exact counts over a stretch of history, the SLI it
// achieved over every rolling period (min, tenth percentile, median), the
// objective it met in each calendar-free period, and for each candidate
// objective the share of periods it would have met, the most of its
// budget a period would have spent, and the pages its tiers would have
// sent. It is pure arithmetic over counts: simulate reads them from a
// backend's past or a scenario.
package advise

import (
	"math"
	"slices"
	"time"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scorecard"
)

// Input is one SLO objective's history.
type Input struct {
	Service   string
	SLO       string
	Objective float64 // the spec's, in percent
	Threshold string  // a latency SLI's threshold, for tables
	Period    time.Duration
	// Tiers are the SLO's alert tiers; their pages are counted for every
	// candidate objective.
	Tiers  []burnrate.Tier
	Counts scorecard.Counts
}

// DefaultCandidates are the objectives compared unless told.
var DefaultCandidates = []float64{99, 99.5, 99.9, 99.95, 99.99}

// MetShare is the share of rolling periods a candidate must be met in to
// be recommended: nine periods in ten.
const MetShare = 0.9

// RollingStep is how far apart rolling periods start.
const RollingStep = 24 * time.Hour

// Advice is one SLO objective's.
type Advice struct {
	Service   string  `json:"service"`
	SLO       string  `json:"slo"`
	Objective float64 `json:"objective"`
	Threshold string  `json:"threshold,omitempty"`
	// PeriodSeconds is the SLO's period; HistorySeconds how much history
	// the counts cover. A history shorter than a period gives one
	// rolling period, the whole history (Partial).
	PeriodSeconds  float64 `json:"periodSeconds"`
	HistorySeconds float64 `json:"historySeconds"`
	Partial        bool    `json:"partial"`
	// Achieved is the SLI (percent) over the rolling periods, a day
	// apart, each a period long.
	Achieved Spread `json:"achieved"`
	// Periods are consecutive periods ending with the history, oldest
	// first.
	Periods    []Period    `json:"periods"`
	Candidates []Candidate `json:"candidates"`
	// Recommended is the strictest candidate met in at least MetShare of
	// the rolling periods; null when none is.
	Recommended *float64 `json:"recommended"`
}

// Spread summarises the SLI achieved over rolling periods.
type Spread struct {
	Periods int     `json:"periods"`
	Min     float64 `json:"min"`
	P10     float64 `json:"p10"`
	Median  float64 `json:"median"`
}

// Period is one period's events, achieved SLI and the strictest
// candidate it met; a period without events achieved nothing (null).
type Period struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Events   float64   `json:"events"`
	Achieved *float64  `json:"achieved"`
	Met      *float64  `json:"met"`
}

// Candidate is what one objective would have meant.
type Candidate struct {
	Objective float64 `json:"objective"`
	// PeriodsMet is the share of rolling periods whose SLI met it.
	PeriodsMet float64 `json:"periodsMet"`
	// WorstSpent is the most of its budget a rolling period spent (1 is
	// all of it).
	WorstSpent float64 `json:"worstSpent"`
	// Pages are the pages the SLO's page tiers would have sent over the
	// history (a page of any page tier, overlapping ones once).
	Pages        int     `json:"pages"`
	PagesPerWeek float64 `json:"pagesPerWeek"`
}

// Advise works out one SLO objective's advice over candidates (the
// spec's objective is always among them).
func Advise(in Input, candidates []float64) Advice {
	c := in.Counts
	a := Advice{Service: in.Service, SLO: in.SLO, Objective: in.Objective, Threshold: in.Threshold,
		PeriodSeconds: in.Period.Seconds(), HistorySeconds: float64(len(c.Total)) * c.Step.Seconds(), Candidates: []Candidate{}, Periods: []Period{}}
	candidates = slices.Sorted(slices.Values(append(slices.Clone(candidates), in.Objective)))
	candidates = slices.Compact(candidates)
	n := max(int(in.Period/c.Step), 1)
	a.Partial = len(c.Total) < n
	running := c.Running()
	rolling := rollingRatios(running, len(c.Total), n, max(int(RollingStep/c.Step), 1))
	achieved := make([]float64, len(rolling))
	for i, r := range rolling {
		achieved[i] = percent(1 - r)
	}
	sorted := slices.Sorted(slices.Values(achieved))
	if len(sorted) > 0 {
		a.Achieved = Spread{Periods: len(sorted), Min: sorted[0], P10: sorted[int(0.1*float64(len(sorted)-1))], Median: sorted[len(sorted)/2]}
	}
	for end := len(c.Total); end > 0; end -= n {
		bad, total := running.Over(end-1, n)
		p := Period{From: c.At(max(end-n, 0)).Add(-c.Step), To: c.At(end - 1), Events: total}
		if total > 0 {
			achieved := percent(1 - bad/total)
			p.Achieved, p.Met = &achieved, strictestMet(candidates, achieved)
		}
		a.Periods = append([]Period{p}, a.Periods...)
	}
	weeks := a.HistorySeconds / (7 * 24 * 3600)
	for _, obj := range candidates {
		cand := Candidate{Objective: obj}
		budget := 1 - obj/100
		for i, r := range rolling {
			if achieved[i] >= obj {
				cand.PeriodsMet++
			}
			cand.WorstSpent = max(cand.WorstSpent, r/budget)
		}
		if len(rolling) > 0 {
			cand.PeriodsMet = round(cand.PeriodsMet / float64(len(rolling)))
		}
		cand.WorstSpent = round(cand.WorstSpent)
		cand.Pages = pages(in, budget)
		if weeks > 0 {
			cand.PagesPerWeek = round(float64(cand.Pages) / weeks)
		}
		a.Candidates = append(a.Candidates, cand)
		if cand.PeriodsMet >= MetShare {
			v := obj
			a.Recommended = &v
		}
	}
	return a
}

// rollingRatios are the error ratios of every period of n steps ending
// every step steps back from the end (at least one: the whole counts
// when they are shorter than a period).
func rollingRatios(running scorecard.Running, steps, n, step int) []float64 {
	var out []float64
	for end := steps; end >= min(n, steps) && end > 0; end -= step {
		bad, total := running.Over(end-1, n)
		if total > 0 {
			out = append(out, bad/total)
		}
	}
	slices.Reverse(out)
	return out
}

// pages counts the pages the tiers would have sent at a budget.
func pages(in Input, budget float64) int {
	o := scorecard.Objective{Counts: in.Counts, Budget: budget, Period: in.Period}
	var fired []scorecard.Interval
	for _, t := range in.Tiers {
		if t.Severity == burnrate.Page && t.CanFire(budget) {
			fired = append(fired, scorecard.Evaluate(t, o)...)
		}
	}
	return len(scorecard.Union(fired))
}

// strictestMet is the highest candidate at or below achieved.
func strictestMet(candidates []float64, achieved float64) *float64 {
	var met *float64
	for _, c := range candidates {
		if achieved >= c {
			v := c
			met = &v
		}
	}
	return met
}

// percent turns a ratio into a percentage with four decimals, floored so
// that 99.94999 does not read as meeting 99.95.
func percent(r float64) float64 {
	return burnrate.Clean(math.Floor(r*1e6) / 1e4)
}

func round(f float64) float64 { return burnrate.Clean(math.Round(f*1e4) / 1e4) }
