// Package canary judges a canary by the SLO: from the events the canary
// and the baseline served over an analysis window, whether the canary
// passes, fails or cannot be told apart from noise yet.
//
// The judgement, for one objective of one SLI (a latency SLI judges the
// share of requests slower than each objective's threshold the same way):
//
//  1. Enough evidence first. A verdict needs as many canary requests as
//     it takes a canary without a single error to pass: before that, a
//     pass is impossible, and a fail on a handful of requests (3 with 1
//     error) would be a verdict on noise. The judge says inconclusive,
//     with how many requests it needs.
//  2. The canary's error ratio is bounded with the Wilson score interval
//     at the stated confidence (one-sided on each side): it stays close
//     to its nominal coverage at the small counts and the ratios near 0
//     that canaries have, where the normal approximation does not.
//  3. The comparison with the baseline is Newcombe's hybrid score
//     interval for the difference of the two ratios (his method 10),
//     built from the two Wilson intervals: the canary is significantly
//     worse when the interval's lower end is above 0.
//  4. Fail when the canary is significantly worse than the baseline and
//     its error ratio is, at that confidence, above the budget's even
//     pace (a burn rate above 1): a real regression that spends budget.
//     A canary that burns faster than the page tier's factor while the
//     baseline burns alike is an incident, not the canary's doing:
//     inconclusive. Pass when the canary's error ratio is, at that
//     confidence, below the page tier's burn rate (MaxBurnRate), and it
//     did not fail. Anything between is inconclusive: more requests
//     would tell.
//  5. A hotfix (Criteria.Hotfix) is meant to mend an incident: when the
//     baseline burns past the page tier, a hotfix canary significantly
//     better than it (the difference's upper end below 0) passes.
package canary

import (
	"fmt"
	"math"
)

// Verdict is the judge's answer.
type Verdict string

const (
	Pass         Verdict = "pass"
	Fail         Verdict = "fail"
	Inconclusive Verdict = "inconclusive"
)

// Events are what one side of the analysis served over the window: all
// requests, and the bad ones (errors, or requests slower than the
// threshold).
type Events struct {
	Total float64 `json:"total"`
	Bad   float64 `json:"bad"`
}

// Ratio is the side's error ratio, 0 without requests.
func (e Events) Ratio() float64 {
	if e.Total <= 0 {
		return 0
	}
	return e.Bad / e.Total
}

// Criteria are what a canary is judged against.
type Criteria struct {
	// Budget is the objective's error budget as a fraction (0.0005 for
	// 99.95%).
	Budget float64
	// MaxBurnRate is the burn rate the canary must stay under: the page
	// tier's factor (14.4 for the Workbook's fastest).
	MaxBurnRate float64
	// Confidence is the one-sided confidence of every bound (0.99).
	Confidence float64
	// Hotfix says the canary is a fix for what burns the budget: when
	// the baseline burns past the page tier too, a canary significantly
	// better than it passes, where any other change is inconclusive
	// until the incident is over.
	Hotfix bool
}

// DefaultConfidence is the judge's confidence unless a request sets one:
// an analysis runs every minute of a rollout, and at 95% one healthy
// canary in twenty would be failed on noise.
const DefaultConfidence = 0.99

// Judgement is a verdict with the figures behind it.
type Judgement struct {
	Verdict Verdict `json:"verdict"`
	// Reason says why, in a sentence.
	Reason string `json:"reason"`
	// The canary's and the baseline's error ratios, and the canary's
	// Wilson bounds on its own.
	CanaryRatio   float64 `json:"canaryErrorRatio"`
	BaselineRatio float64 `json:"baselineErrorRatio"`
	CanaryLower   float64 `json:"canaryErrorRatioLower"`
	CanaryUpper   float64 `json:"canaryErrorRatioUpper"`
	// The burn rates of the canary and the baseline: their error ratios
	// over the budget.
	CanaryBurnRate   float64 `json:"canaryBurnRate"`
	BaselineBurnRate float64 `json:"baselineBurnRate"`
	// DifferenceLower is the lower end of the interval of the canary's
	// error ratio minus the baseline's: above 0, significantly worse.
	DifferenceLower float64 `json:"differenceLower"`
	// DifferenceUpper is its upper end: below 0, significantly better.
	DifferenceUpper float64 `json:"differenceUpper"`
	// RequestsNeeded is how many canary requests a verdict needs.
	RequestsNeeded float64 `json:"requestsNeeded"`
}

// Judge judges a canary against its baseline by the criteria.
func Judge(canary, baseline Events, c Criteria) (Judgement, error) {
	if err := c.check(); err != nil {
		return Judgement{}, err
	}
	if err := canary.check("canary"); err != nil {
		return Judgement{}, err
	}
	if err := baseline.check("baseline"); err != nil {
		return Judgement{}, err
	}
	z := zOf(c.Confidence)
	maxRatio := math.Min(1, c.MaxBurnRate*c.Budget)
	j := Judgement{
		CanaryRatio: canary.Ratio(), BaselineRatio: baseline.Ratio(),
		CanaryBurnRate: canary.Ratio() / c.Budget, BaselineBurnRate: baseline.Ratio() / c.Budget,
		RequestsNeeded: requestsToPass(maxRatio, z),
	}
	if canary.Total < j.RequestsNeeded {
		j.Verdict = Inconclusive
		j.Reason = fmt.Sprintf("not enough canary requests: %s of the %s it takes a canary without errors to pass", count(canary.Total), count(math.Ceil(j.RequestsNeeded)))
		return j, nil
	}
	j.CanaryLower, j.CanaryUpper = wilson(canary, z)
	bl, bu := wilson(baseline, z)
	// Newcombe's method 10: the difference's lower end from the canary's
	// lower bound and the baseline's upper one, its upper end from the
	// canary's upper bound and the baseline's lower one.
	d := j.CanaryRatio - j.BaselineRatio
	j.DifferenceLower = d - math.Hypot(j.CanaryRatio-j.CanaryLower, bu-j.BaselineRatio)
	j.DifferenceUpper = d + math.Hypot(j.CanaryUpper-j.CanaryRatio, j.BaselineRatio-bl)
	if baseline.Total == 0 {
		// Without a baseline, nothing is worse or better than it: the
		// widest interval a difference of two ratios has (finite, for
		// JSON).
		j.DifferenceLower, j.DifferenceUpper = -1, 1
	}
	worse := j.DifferenceLower > 0
	switch {
	case worse && j.CanaryLower > c.Budget:
		j.Verdict = Fail
		j.Reason = fmt.Sprintf("the canary's error ratio %s is significantly above the baseline's %s and burns the budget at %sx", percent(j.CanaryRatio), percent(j.BaselineRatio), rate(j.CanaryBurnRate))
		if j.CanaryLower > maxRatio {
			j.Reason += fmt.Sprintf(", faster than the page tier's %sx", rate(c.MaxBurnRate))
		}
	case j.CanaryLower > maxRatio && c.Hotfix && j.DifferenceUpper < 0:
		j.Verdict = Pass
		j.Reason = fmt.Sprintf("the hotfix canary's error ratio %s is significantly below the burning baseline's %s (%sx): it mends the incident", percent(j.CanaryRatio), percent(j.BaselineRatio), rate(j.BaselineBurnRate))
	case j.CanaryLower > maxRatio:
		j.Verdict = Inconclusive
		j.Reason = fmt.Sprintf("the canary burns at %sx, over the page tier's %sx, but the baseline burns alike (%sx): an incident, not the canary's doing", rate(j.CanaryBurnRate), rate(c.MaxBurnRate), rate(j.BaselineBurnRate))
	case j.CanaryUpper < maxRatio:
		j.Verdict = Pass
		j.Reason = fmt.Sprintf("the canary's error ratio %s stays under the page tier's burn rate %sx (at most %s at %s confidence)", percent(j.CanaryRatio), rate(c.MaxBurnRate), percent(j.CanaryUpper), percent(c.Confidence))
		if worse {
			j.Reason += fmt.Sprintf("; it is worse than the baseline's %s, but within the budget's even pace", percent(j.BaselineRatio))
		}
	default:
		j.Verdict = Inconclusive
		j.Reason = fmt.Sprintf("the canary's error ratio %s could be under or over the page tier's burn rate: more requests will tell", percent(j.CanaryRatio))
	}
	return j, nil
}

func (c Criteria) check() error {
	switch {
	case !(c.Budget > 0 && c.Budget < 1):
		return fmt.Errorf("the error budget must be between 0 and 1 (a fraction), got %v", c.Budget)
	case !(c.MaxBurnRate > 0) || math.IsInf(c.MaxBurnRate, 0):
		return fmt.Errorf("the burn rate to stay under must be above 0, got %v", c.MaxBurnRate)
	case !(c.Confidence >= 0.5 && c.Confidence < 1):
		return fmt.Errorf("the confidence must be at least 0.5 and below 1, got %v", c.Confidence)
	}
	return nil
}

func (e Events) check(side string) error {
	if !(e.Total >= 0) || !(e.Bad >= 0) || e.Bad > e.Total || math.IsInf(e.Total, 0) {
		return fmt.Errorf("the %s's events must be counts with bad ones at most all of them, got %v bad of %v", side, e.Bad, e.Total)
	}
	return nil
}

// wilson is the Wilson score interval of a side's error ratio, each end
// one-sided at the z of the confidence.
func wilson(e Events, z float64) (lower, upper float64) {
	n := e.Total
	if n <= 0 {
		return 0, 1
	}
	p := e.Bad / n
	z2 := z * z
	center := (p + z2/(2*n)) / (1 + z2/n)
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / (1 + z2/n)
	return math.Max(0, center-half), math.Min(1, center+half)
}

// requestsToPass is how many requests without an error it takes for the
// Wilson upper bound to come under maxRatio: z²(1-r)/r.
func requestsToPass(maxRatio, z float64) float64 {
	if maxRatio >= 1 {
		return 1
	}
	return z * z * (1 - maxRatio) / maxRatio
}

// zOf is the standard normal quantile of a one-sided confidence.
func zOf(confidence float64) float64 { return math.Sqrt2 * math.Erfinv(2*confidence-1) }

func percent(f float64) string { return fmt.Sprintf("%.4g%%", f*100) }

func rate(f float64) string { return fmt.Sprintf("%.3g", f) }

func count(f float64) string { return fmt.Sprintf("%.0f", f) }
