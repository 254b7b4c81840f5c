package canary

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// order is the order API's availability objective, 99.95%, judged
// against the Workbook's page tier.
var order = Criteria{Budget: 0.0005, MaxBurnRate: 14.4, Confidence: DefaultConfidence}

// split is ten minutes of 100 requests a second, 95% to the baseline and
// 5% to the canary, at the error ratios given.
func split(baselineRatio, canaryRatio float64) (canary, baseline Events) {
	return Events{Total: 3000, Bad: math.Round(3000 * canaryRatio)}, Events{Total: 57000, Bad: math.Round(57000 * baselineRatio)}
}

func judge(t *testing.T, canary, baseline Events, c Criteria) Judgement {
	t.Helper()
	j, err := Judge(canary, baseline, c)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestVerdicts(t *testing.T) {
	tenX, tenXBase := split(0.0002, 0.002)
	equal, equalBase := split(0.0002, 0.0002)
	incident, incidentBase := split(0.02, 0.02)
	// An hour of it: enough to tell 0.04% from 0.005%.
	slightly, slightlyBase := Events{Total: 30000, Bad: 12}, Events{Total: 570000, Bad: 28}
	for _, tc := range []struct {
		name             string
		canary, baseline Events
		want             Verdict
		reason           string
	}{
		{"a canary with 10x the errors fails", tenX, tenXBase, Fail, "significantly above the baseline's"},
		{"an equal canary passes", equal, equalBase, Pass, "stays under the page tier's burn rate 14.4x"},
		{"3 requests and 1 error is no evidence", Events{Total: 3, Bad: 1}, equalBase, Inconclusive, "not enough canary requests: 3 of the 747"},
		{"the baseline burning is not the canary's doing", incident, incidentBase, Inconclusive, "an incident, not the canary's doing"},
		{"worse than the baseline but within the budget's pace passes", slightly, slightlyBase, Pass, "within the budget's even pace"},
		// Significantly worse (2 against none, at 99%), at 0.04x the
		// budget's pace: not a fail.
		{"a rare error more than a clean baseline passes", Events{Total: 100000, Bad: 2}, Events{Total: 1900000}, Pass, "within the budget's even pace"},
		{"between the bounds, more requests tell", Events{Total: 800, Bad: 1}, equalBase, Inconclusive, "more requests will tell"},
		{"without a baseline, a clean canary passes", Events{Total: 1000}, Events{}, Pass, "stays under"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := judge(t, tc.canary, tc.baseline, order)
			if j.Verdict != tc.want || !strings.Contains(j.Reason, tc.reason) {
				t.Errorf("%s: %s, want %s saying %q (%+v)", tc.name, j.Verdict, tc.want, tc.reason, j)
			}
		})
	}
}

// A hotfix is judged by whether it mends the incident: while the
// baseline burns 4% of requests, a hotfix canary at 2% passes (any other
// change is inconclusive until the incident is over), one as bad as the
// baseline stays inconclusive, and one worse fails.
func TestAHotfixPassesWhenItMendsTheIncident(t *testing.T) {
	hotfix := order
	hotfix.Hotfix = true
	mends, burning := Events{Total: 20000, Bad: 400}, Events{Total: 380000, Bad: 15200}
	for _, tc := range []struct {
		name   string
		canary Events
		c      Criteria
		want   Verdict
		reason string
	}{
		{"a hotfix that halves the errors", mends, hotfix, Pass, "it mends the incident"},
		{"a normal change meanwhile", mends, order, Inconclusive, "an incident, not the canary's doing"},
		{"a hotfix as bad as the baseline", Events{Total: 20000, Bad: 800}, hotfix, Inconclusive, "an incident"},
		{"a hotfix that makes it worse", Events{Total: 20000, Bad: 1600}, hotfix, Fail, "significantly above the baseline's"},
	} {
		j := judge(t, tc.canary, burning, tc.c)
		if j.Verdict != tc.want || !strings.Contains(j.Reason, tc.reason) {
			t.Errorf("%s: %s, want %s saying %q (%+v)", tc.name, j.Verdict, tc.want, tc.reason, j)
		}
		if !(j.DifferenceLower <= j.CanaryRatio-j.BaselineRatio && j.CanaryRatio-j.BaselineRatio <= j.DifferenceUpper) {
			t.Errorf("%s: the difference %v is outside its interval [%v, %v]", tc.name, j.CanaryRatio-j.BaselineRatio, j.DifferenceLower, j.DifferenceUpper)
		}
	}
}

// The judge holds its stated confidence: over binomial draws of a 5%
// canary at 100 requests a second, an equal canary is failed in under 1%
// of analyses, and a canary with 10x the errors in most of those of 30
// minutes (the power at 10 minutes is lower: about 7 in 10).
func TestFailRatesOverDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(n, p float64) Events {
		bad := 0.0
		for range int(n) {
			if rng.Float64() < p {
				bad++
			}
		}
		return Events{Total: n, Bad: bad}
	}
	const trials = 300
	fails := func(minutes, canaryRatio float64) int {
		n := 0
		for range trials {
			if judge(t, draw(300*minutes, canaryRatio), draw(5700*minutes, 0.0002), order).Verdict == Fail {
				n++
			}
		}
		return n
	}
	t.Logf("10x canary failed in %d of %d 10-minute analyses", fails(10, 0.002), trials)
	f := fails(10, 0.0002)
	t.Logf("equal canary failed in %d of %d 10-minute analyses", f, trials)
	if f > trials/100 {
		t.Errorf("an equal canary failed %d times in %d", f, trials)
	}
	f = fails(30, 0.002)
	t.Logf("10x canary failed in %d of %d 30-minute analyses", f, trials)
	if f < trials*9/10 {
		t.Errorf("a canary with 10x the errors failed only %d times in %d over 30 minutes", f, trials)
	}
}

func TestWilsonAgainstKnownValues(t *testing.T) {
	// 1 error in 3 at z = 1.96: (0.0615, 0.7923), as tabulated by
	// Newcombe (1998) for the score interval.
	lo, hi := wilson(Events{Total: 3, Bad: 1}, 1.959964)
	if math.Abs(lo-0.0615) > 5e-4 || math.Abs(hi-0.7923) > 5e-4 {
		t.Errorf("Wilson 1/3: (%.4f, %.4f)", lo, hi)
	}
	if z := zOf(0.975); math.Abs(z-1.959964) > 1e-6 {
		t.Errorf("z(0.975) = %v", z)
	}
}

func TestBadInputIsAnError(t *testing.T) {
	for _, tc := range []struct {
		canary, baseline Events
		c                Criteria
	}{
		{Events{Total: 1, Bad: 2}, Events{}, order},
		{Events{Total: -1}, Events{}, order},
		{Events{Total: math.NaN()}, Events{}, order},
		{Events{}, Events{Total: math.Inf(1)}, order},
		{Events{}, Events{}, Criteria{Budget: 99.95, MaxBurnRate: 14.4, Confidence: 0.99}},
		{Events{}, Events{}, Criteria{Budget: 0.001, MaxBurnRate: 0, Confidence: 0.99}},
		{Events{}, Events{}, Criteria{Budget: 0.001, MaxBurnRate: 1, Confidence: 1}},
	} {
		if _, err := Judge(tc.canary, tc.baseline, tc.c); err == nil {
			t.Errorf("%+v %+v %+v: no error", tc.canary, tc.baseline, tc.c)
		}
	}
}
