package budget

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// discoveryQuery asks for every series that describes an SLO rather than
// measures it, in one round trip.
var discoveryQuery = fmt.Sprintf(`{__name__=~%q}`, strings.Join([]string{series.Info, series.Objective, series.Period, series.Policy}, "|"))

// Discover returns the SLOs whose rules the backend evaluates at t, built
// from the series those rules record about them (the SLO's labels, its
// objectives, its period and its policy), so that a server can track
// every team's SLOs without their spec files. A discovered SLO carries
// what Read and the gate use; its SLI and its alert tiers stay in the
// rules, except the tier whose window times the budget's exhaustion.
//
// An SLO the backend describes only in part (rules of a slokit older than
// the Policy series, or a series with an invalid value) is left out and
// named in the problems, as is an SLO two rule sets describe differently
// (the first, in label order, is kept). An error means the backend could
// not be read.
func Discover(ctx context.Context, q Querier, t time.Time) (services []*slo.Service, problems []string, err error) {
	v, err := q.Query(ctx, discoveryQuery, t)
	if err != nil {
		return nil, nil, fmt.Errorf("query %s: %w", discoveryQuery, err)
	}
	// The same SLO may come from several rule sets (HA pairs, Thanos
	// replicas, a rollout halfway through): in label order, so that every
	// replica of slokit serve picks the same one.
	slices.SortFunc(v, func(a, b *model.Sample) int { return cmp.Compare(a.Metric.String(), b.Metric.String()) })
	byKey, keys := collect(v)
	slices.SortFunc(keys, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	bySvc := map[string]*slo.Service{}
	for _, key := range keys {
		f := byKey[key]
		name := key[0] + "/" + key[1]
		if !slo.ValidName(key[0]) || !slo.ValidName(key[1]) {
			name = strconv.Quote(name) // as it is, but on one line of the log
		}
		s, err := f.slo(key)
		if err != nil {
			problems = append(problems, fmt.Sprintf("SLO %s: left out: %v", name, err))
			continue
		}
		slices.Sort(f.problems)
		for _, p := range slices.Compact(f.problems) {
			problems = append(problems, fmt.Sprintf("SLO %s: %s", name, p))
		}
		slices.SortFunc(s.Objectives, func(a, b slo.Objective) int {
			return cmp.Or(cmp.Compare(a.Threshold, b.Threshold), cmp.Compare(a.Target, b.Target))
		})
		svc := bySvc[s.Service]
		if svc == nil {
			svc = &slo.Service{Name: s.Service}
			bySvc[s.Service] = svc
			services = append(services, svc)
		}
		svc.SLOs = append(svc.SLOs, s)
	}
	return services, problems, nil
}

// samePolicy reports whether two Policy series say the same, whatever
// other labels (a replica's external labels) they carry.
func samePolicy(a, b model.Metric) bool {
	for _, l := range slo.PolicyLabelNames() {
		if a[model.LabelName(l)] != b[model.LabelName(l)] {
			return false
		}
	}
	return true
}

// discoveredObjective reads an objective from the labels of its Objective
// series.
func discoveredObjective(m model.Metric) (slo.Objective, error) {
	label := string(m[series.ObjectiveLabel])
	target, err := strconv.ParseFloat(label, 64)
	if err != nil || !(target > 0 && target < 100) {
		return slo.Objective{}, fmt.Errorf("objective %q is not a percentage between 0 and 100", label)
	}
	var threshold time.Duration
	if t, ok := m[series.ThresholdLabel]; ok {
		if threshold, err = time.ParseDuration(string(t)); err != nil || threshold <= 0 {
			return slo.Objective{}, fmt.Errorf("threshold %q is not a duration", t)
		}
	}
	o := slo.NewObjective(target, threshold)
	if o.Label() != label {
		// 99.90 would not match the label of the SLO's other series.
		return slo.Objective{}, fmt.Errorf("objective %q is not written as slokit writes it", label)
	}
	return o, nil
}

// found is what the discovery query returned for one SLO.
type found struct {
	labels     map[string]string
	period     time.Duration
	policy     model.Metric
	objectives []slo.Objective
	problems   []string
}

// setPeriod records the SLO's period, or a problem if it is no period or
// another than one found before.
func (f *found) setPeriod(d time.Duration) {
	switch {
	case d < time.Minute || d > 366*24*time.Hour:
		f.problems = append(f.problems, fmt.Sprintf("%s is not a period", series.WindowValue(d)))
	case f.period == 0:
		f.period = d
	case f.period != d:
		f.problems = append(f.problems, fmt.Sprintf("two periods, %s and %s", series.WindowValue(f.period), series.WindowValue(d)))
	}
}

// collect sorts the discovery query's samples by SLO, in the order the SLOs
// first come.
func collect(v model.Vector) (map[[2]string]*found, [][2]string) {
	byKey := map[[2]string]*found{}
	var keys [][2]string
	for _, smp := range v {
		m := smp.Metric
		key := [2]string{string(m[series.ServiceLabel]), string(m[series.SLOLabel])}
		if key[0] == "" || key[1] == "" {
			continue
		}
		f := byKey[key]
		if f == nil {
			f = &found{}
			byKey[key] = f
			keys = append(keys, key)
		}
		switch m[model.MetricNameLabel] {
		case series.Info:
			ls := map[string]string{}
			for k, val := range m {
				if k != model.MetricNameLabel && k != series.ServiceLabel && k != series.SLOLabel {
					ls[string(k)] = string(val)
				}
			}
			if f.labels == nil {
				f.labels = ls
			}
		case series.Period: // rules generated before 0.1.0
			f.setPeriod(time.Duration(float64(smp.Value) * float64(time.Second)))
		case series.Policy:
			if f.policy == nil {
				f.policy = m
			} else if !samePolicy(f.policy, m) {
				f.problems = append(f.problems, "two different policies")
			}
		case series.Objective:
			o, err := discoveredObjective(m)
			if err != nil {
				f.problems = append(f.problems, err.Error())
				continue
			}
			if !slices.ContainsFunc(f.objectives, func(x slo.Objective) bool { return x.Label() == o.Label() && x.Threshold == o.Threshold }) {
				f.objectives = append(f.objectives, o)
			}
		}
	}

	return byKey, keys
}

// slo is the SLO found under key, or why it is left out.
func (f *found) slo(key [2]string) (*slo.SLO, error) {
	s := &slo.SLO{Service: key[0], Name: key[1], Labels: f.labels, Period: f.period, Objectives: f.objectives}
	switch {
	case !slo.ValidName(key[0]) || !slo.ValidName(key[1]):
		return nil, fmt.Errorf("not a service and SLO name slokit writes (letters, digits, '.', '_' and '-', at most %d)", slo.MaxNameLength)
	case f.policy == nil:
		return nil, fmt.Errorf("no %s series (rules generated by an older slokit? generate them again)", series.Policy)
	case len(f.objectives) == 0:
		return nil, fmt.Errorf("no valid %s series", series.Objective)
	}
	ls := make(map[string]string, len(f.policy))
	for k, v := range f.policy {
		ls[string(k)] = string(v)
	}
	s.Period = 0
	if err := slo.ApplyPolicyLabels(s, ls); err != nil {
		return nil, err
	}
	switch {
	case s.Period == 0 && f.period == 0:
		return nil, fmt.Errorf("no %s label of %s (nor a %s series)", series.PeriodLabel, series.Policy, series.Period)
	case s.Period == 0: // rules generated before 0.1.0
		s.Period = f.period
	case f.period != 0 && f.period != s.Period:
		f.problems = append(f.problems, fmt.Sprintf("two periods, %s and %s", series.WindowValue(f.period), series.WindowValue(s.Period)))
	}
	return s, nil
}
