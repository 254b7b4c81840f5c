package budget

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// ObjectiveStretch is what the recorded series say of one objective over
// a stretch of time (a report's): its events and bad events, how many
// steps its budget was spent, and its burn-rate alerts.
type ObjectiveStretch struct {
	// Events and BadEvents are of the objective's SLI (its threshold's,
	// for latency), recorded within the stretch; zero without data.
	Events, BadEvents float64
	// ExhaustedSteps counts the steps with the budget spent, in any group.
	ExhaustedSteps float64
	// Pages and Tickets count the burn-rate alerts that started firing
	// (firing at a step and not the step before); PagingSteps the steps a
	// page fired.
	Pages, Tickets int
	PagingSteps    float64
}

// ObjectiveKey names an objective of an SLO; for an SLO tracked by
// region, over all regions (Region empty) or in one.
type ObjectiveKey struct {
	Service, SLO, Threshold, Objective string // Threshold as series.ThresholdValue writes it
	Region                             string
}

// KeyOf is the key of objective o of s.
func KeyOf(s *slo.SLO, o slo.Objective) ObjectiveKey {
	k := ObjectiveKey{Service: s.Service, SLO: s.Name, Objective: o.Label()}
	if o.Threshold > 0 {
		k.Threshold = series.ThresholdValue(o.Threshold)
	}
	return k
}

// Stretch reads, for every objective of the services, what its recorded
// series and alerts say of the stretch that ends at to, at step: five
// queries whatever the number of SLOs (two per base window for the
// events), and as many again per region label of SLOs tracked by region,
// whose objectives have a stretch per region too (keyed with Region)
// beside the one over all regions. NaN or ±Inf from the backend is no
// data.
func Stretch(ctx context.Context, q Querier, services []*slo.Service, to time.Time, span, step time.Duration) (map[ObjectiveKey]ObjectiveStretch, error) {
	rng, res := model.Duration(span).String(), model.Duration(step).String()
	query := func(expr string) (model.Vector, error) {
		v, err := q.Query(ctx, expr, to)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", expr, err)
		}
		return v, nil
	}
	// The SLOs tracked by region, by region label; "" holds the others,
	// read without one.
	byLabel := map[string][]*slo.SLO{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			label := ""
			if s.Regions != nil {
				label = s.Regions.Label
			}
			byLabel[label] = append(byLabel[label], s)
		}
	}
	out := map[ObjectiveKey]ObjectiveStretch{}
	for _, label := range slices.Sorted(maps.Keys(byLabel)) {
		if err := stretchOf(query, byLabel[label], label, rng, res, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stretchOf reads the stretches of slos into out, grouped by region label
// when it is set.
func stretchOf(query func(string) (model.Vector, error), slos []*slo.SLO, label, rng, res string, out map[ObjectiveKey]ObjectiveStretch) error {
	variant, byObjective := slices.Clone(byVariant), append(slices.Clone(byVariant), series.ObjectiveLabel)
	if label != "" {
		variant, byObjective = append(variant, label), append(byObjective, label)
	}
	counts, err := eventCounts(query, slos, variant, rng)
	if err != nil {
		return err
	}
	exhausted, err := query(fmt.Sprintf(`sum_over_time((max by (%s) (%s) <= bool 0)[%s:%s])`, strings.Join(byObjective, ", "), series.BudgetRemaining, rng, res))
	if err != nil {
		return err
	}
	byAlert := strings.Join(append(slices.Clone(byObjective), series.AlertNameLabel, series.SeverityLabel, series.WindowLabel), ", ")
	firing := fmt.Sprintf(`count by (%s) (ALERTS{alertstate="firing"})`, byAlert)
	before := fmt.Sprintf(`count by (%s) (ALERTS{alertstate="firing"} offset %s)`, byAlert, res)
	starts, err := query(fmt.Sprintf(`sum_over_time((%s unless %s)[%s:%s])`, firing, before, rng, res))
	if err != nil {
		return err
	}
	steps, err := query(fmt.Sprintf(`sum_over_time(%s[%s:%s])`, firing, rng, res))
	if err != nil {
		return err
	}
	exhaustedBy, startsBy, stepsBy := groupBy(exhausted, byObjective), groupBy(starts, byObjective), groupBy(steps, byObjective)
	regions := map[string][]string{}
	if label != "" {
		regions = regionsOf(counts)
	}
	for _, s := range slos {
		for _, o := range s.Objectives {
			for _, region := range append([]string{""}, regions[s.Service+"\x00"+s.Name]...) {
				k := KeyOf(s, o)
				k.Region = region
				ids := []string{k.Service, k.SLO, k.Threshold}
				if label != "" {
					ids = append(ids, region)
				}
				c := counts[strings.Join(ids, "\x00")]
				st := ObjectiveStretch{Events: c[0], BadEvents: c[1]}
				id := strings.Join(slices.Insert(ids, 3, k.Objective), "\x00")
				for _, smp := range exhaustedBy[id] {
					if f, ok := series.Finite(smp.Value); ok {
						st.ExhaustedSteps = f
					}
				}
				alerts := func(v model.Vector, count func(burnrate.Severity, float64)) {
					for _, smp := range v {
						if string(smp.Metric[series.AlertNameLabel]) != s.Alerting.Name {
							continue
						}
						sev, ok := s.Alerting.SeverityOf(string(smp.Metric[series.SeverityLabel]))
						if n, finite := series.Finite(smp.Value); ok && finite {
							count(sev, n)
						}
					}
				}
				alerts(startsBy[id], func(sev burnrate.Severity, n float64) {
					if sev == burnrate.Page {
						st.Pages += int(n)
					} else {
						st.Tickets += int(n)
					}
				})
				alerts(stepsBy[id], func(sev burnrate.Severity, n float64) {
					if sev == burnrate.Page {
						st.PagingSteps += n
					}
				})
				out[k] = st
			}
		}
	}
	return nil
}

// byVariant are the labels that tell an objective's SLI (its threshold's,
// for latency) apart.
var byVariant = []string{series.ServiceLabel, series.SLOLabel, series.ThresholdLabel}

// regionsOf are the regions each SLO (by service and name) has events
// of, from event counts keyed by variant and region.
func regionsOf(counts map[string][2]float64) map[string][]string {
	regions := map[string][]string{}
	for k := range counts {
		parts := strings.Split(k, "\x00")
		if r := parts[len(parts)-1]; r != "" {
			id := parts[0] + "\x00" + parts[1]
			if !slices.Contains(regions[id], r) {
				regions[id] = append(regions[id], r)
			}
		}
	}
	return regions
}

// eventCounts are the events and bad events of every variant's base
// increments over the range, by key of the variant's labels: bases differ
// between SLOs, so one query per base and count.
func eventCounts(query func(string) (model.Vector, error), slos []*slo.SLO, variant []string, rng string) (map[string][2]float64, error) {
	counts := map[string][2]float64{}
	bases := map[string]bool{}
	read := map[string]bool{}
	for _, s := range slos {
		bases[series.WindowValue(s.BaseWindow)] = true
		read[s.Service+"\x00"+s.Name] = true
	}
	for _, base := range slices.Sorted(maps.Keys(bases)) {
		for i, name := range []string{series.Total, series.Errors} {
			v, err := query(fmt.Sprintf(`sum by (%s) (sum_over_time(%s{%s=%q}[%s]))`, strings.Join(variant, ", "), name, series.WindowLabel, base, rng))
			if err != nil {
				return nil, err
			}
			for _, smp := range v {
				f, ok := series.Finite(smp.Value)
				if !ok || !read[string(smp.Metric[series.ServiceLabel])+"\x00"+string(smp.Metric[series.SLOLabel])] {
					continue
				}
				k := key(smp.Metric, variant)
				c := counts[k]
				c[i] = f
				counts[k] = c
			}
		}
	}
	return counts, nil
}

// groupBy groups a vector's samples by the values of labels.
func groupBy(v model.Vector, labels []string) map[string]model.Vector {
	out := map[string]model.Vector{}
	for _, smp := range v {
		k := key(smp.Metric, labels)
		out[k] = append(out[k], smp)
	}
	return out
}

// key joins the values of labels of m.
func key(m model.Metric, labels []string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = string(m[model.LabelName(l)])
	}
	return strings.Join(parts, "\x00")
}
