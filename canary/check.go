package canary

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/slo"
)

// Request is a canary check: which service's SLOs judge it (all of them,
// or one), how its series and the baseline's are told apart, over which
// window and at which confidence, and what kind of change the canary is
// (normal when empty).
type Request struct {
	SLO        string
	Sides      Sides
	Window     time.Duration
	Confidence float64
	Change     slo.Change
}

// Report is a check's answer: the overall verdict (the worst objective's:
// a fail, then an inconclusive one), each objective's, and the SLOs left
// out because no canary can be judged by them.
type Report struct {
	Service string  `json:"service"`
	Verdict Verdict `json:"verdict"`
	// Change is the kind of change judged; Note says how it changed the
	// verdict, if it did.
	Change     slo.Change  `json:"change"`
	Note       string      `json:"note,omitempty"`
	Window     string      `json:"window"`
	Confidence float64     `json:"confidence"`
	Objectives []Objective `json:"objectives"`
	LeftOut    []string    `json:"leftOut"`
}

// Objective is one objective's judgement, with what each side served.
type Objective struct {
	SLO       string `json:"slo"`
	Objective string `json:"objective"`
	Judgement
	Canary   Events `json:"canary"`
	Baseline Events `json:"baseline"`
}

// MaxWindow bounds an analysis window: a canary is judged on its last
// minutes or hours, and a day of increase() over every SLI is as far as
// one check should make a backend read.
const MaxWindow = 24 * time.Hour

// Check judges a canary of the service by its SLOs at at, reading both
// sides from q.
func Check(ctx context.Context, q Querier, svc *slo.Service, r Request, at time.Time) (Report, error) {
	if r.Window <= 0 || r.Window > MaxWindow {
		return Report{}, fmt.Errorf("the analysis window must be above 0 and at most %s, got %s", MaxWindow, r.Window)
	}
	if r.Change == "" {
		r.Change = slo.NormalChange
	}
	rep := Report{Service: svc.Name, Verdict: Pass, Change: r.Change, Window: model.Duration(r.Window).String(), Confidence: r.Confidence, Objectives: []Objective{}, LeftOut: []string{}}
	for _, s := range svc.SLOs {
		if r.SLO != "" && s.Name != r.SLO {
			continue
		}
		// An SLO no canary can be judged by is left out, unless it is the
		// one asked for.
		if err := Supports(s); err != nil && r.SLO == "" {
			rep.LeftOut = append(rep.LeftOut, err.Error())
			continue
		}
		observed, err := Read(ctx, q, s, r.Sides, r.Window, at)
		if err != nil {
			return Report{}, err
		}
		for _, o := range observed {
			c := Criteria{Budget: o.Objective.Budget(), MaxBurnRate: MaxBurnRate(s), Confidence: r.Confidence, Hotfix: r.Change == slo.HotfixChange}
			j, err := Judge(o.Canary, o.Baseline, c)
			if err != nil {
				return Report{}, err
			}
			rep.Objectives = append(rep.Objectives, Objective{SLO: s.Name, Objective: o.Objective.Label(), Judgement: j, Canary: o.Canary, Baseline: o.Baseline})
			switch {
			case j.Verdict == Fail:
				rep.Verdict = Fail
			case j.Verdict == Inconclusive && rep.Verdict == Pass:
				rep.Verdict = Inconclusive
			}
		}
	}
	switch {
	case len(rep.Objectives) > 0 && r.Change == slo.RollbackChange && rep.Verdict != Pass:
		// The gate always lets a rollback through: holding one back on
		// its canary would keep the change it undoes.
		rep.Note = fmt.Sprintf("a rollback passes whatever its canary shows (the objectives say %s): it undoes a change, and the gate always lets it through", rep.Verdict)
		rep.Verdict = Pass
		return rep, nil
	case len(rep.Objectives) > 0:
		return rep, nil
	case r.SLO != "":
		return Report{}, fmt.Errorf("%s has no SLO named %q", svc.Name, r.SLO)
	}
	return Report{}, fmt.Errorf("no SLO of %s can judge a canary: %s", svc.Name, strings.Join(rep.LeftOut, "; "))
}

// ParseSides reads the label matchers of the two sides, as PromQL writes
// them inside braces: rollouts_pod_template_hash="6d4f9".
func ParseSides(canary, baseline string) (Sides, error) {
	var sides Sides
	for _, s := range []struct {
		name, text string
		into       *[]*labels.Matcher
	}{{"canary", canary, &sides.Canary}, {"baseline", baseline, &sides.Baseline}} {
		if s.text == "" {
			return sides, fmt.Errorf("%s: missing: label matchers such as rollouts_pod_template_hash=\"6d4f9\"", s.name)
		}
		if len(s.text) > maxMatchers {
			return sides, fmt.Errorf("%s: %d characters, at most %d", s.name, len(s.text), maxMatchers)
		}
		ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + s.text + "}")
		if err != nil {
			return sides, fmt.Errorf("%s: %q: %v", s.name, s.text, err)
		}
		*s.into = ms
	}
	return sides, nil
}

// Strings are the sides' matchers as PromQL writes them inside braces.
func (s Sides) Strings() (canary, baseline string) {
	text := func(ms []*labels.Matcher) string {
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = m.String()
		}
		return strings.Join(parts, ",")
	}
	return text(s.Canary), text(s.Baseline)
}

// maxMatchers bounds a side's matchers' text.
const maxMatchers = 1000
