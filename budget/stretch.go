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

// ObjectiveKey names an objective of an SLO.
type ObjectiveKey struct {
	Service, SLO, Threshold, Objective string // Threshold as series.ThresholdValue writes it
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
// events, and two more per region label of SLOs tracked by region). NaN or ±Inf from the backend is no data.
func Stretch(ctx context.Context, q Querier, services []*slo.Service, to time.Time, span, step time.Duration) (map[ObjectiveKey]ObjectiveStretch, error) {
	rng, res := model.Duration(span).String(), model.Duration(step).String()
	query := func(expr string) (model.Vector, error) {
		v, err := q.Query(ctx, expr, to)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", expr, err)
		}
		return v, nil
	}
	counts, err := eventCounts(query, services, rng)
	if err != nil {
		return nil, err
	}
	byObjective := append(slices.Clone(byVariant), series.ObjectiveLabel)
	exhausted, err := query(fmt.Sprintf(`sum_over_time((max by (%s) (%s) <= bool 0)[%s:%s])`, strings.Join(byObjective, ", "), series.BudgetRemaining, rng, res))
	if err != nil {
		return nil, err
	}
	byAlert := strings.Join(append(slices.Clone(byObjective), series.AlertNameLabel, series.SeverityLabel, series.WindowLabel), ", ")
	firing := fmt.Sprintf(`count by (%s) (ALERTS{alertstate="firing"})`, byAlert)
	before := fmt.Sprintf(`count by (%s) (ALERTS{alertstate="firing"} offset %s)`, byAlert, res)
	starts, err := query(fmt.Sprintf(`sum_over_time((%s unless %s)[%s:%s])`, firing, before, rng, res))
	if err != nil {
		return nil, err
	}
	steps, err := query(fmt.Sprintf(`sum_over_time(%s[%s:%s])`, firing, rng, res))
	if err != nil {
		return nil, err
	}
	exhaustedBy, startsBy, stepsBy := groupBy(exhausted, byObjective), groupBy(starts, byObjective), groupBy(steps, byObjective)

	out := map[ObjectiveKey]ObjectiveStretch{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			for _, o := range s.Objectives {
				k := KeyOf(s, o)
				c := counts[strings.Join([]string{k.Service, k.SLO, k.Threshold}, "\x00")]
				st := ObjectiveStretch{Events: c[0], BadEvents: c[1]}
				id := strings.Join([]string{k.Service, k.SLO, k.Threshold, k.Objective}, "\x00")
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
	return out, nil
}

// byVariant are the labels that tell an objective's SLI (its threshold's,
// for latency) apart.
var byVariant = []string{series.ServiceLabel, series.SLOLabel, series.ThresholdLabel}

// eventCounts are the events and bad events of every variant's base
// increments over the range, by key of byVariant: bases differ between
// SLOs, so one query per base and count.
func eventCounts(query func(string) (model.Vector, error), services []*slo.Service, rng string) (map[string][2]float64, error) {
	counts := map[string][2]float64{}
	bases := map[string]bool{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			bases[series.WindowValue(s.BaseWindow)] = true
		}
	}
	// An SLO tracked by region has a series per region and one for all of
	// them (without the region label), whose events are its events: it is
	// counted again from those alone.
	regional := map[string]string{} // service and SLO, to its region label
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.Regions != nil {
				regional[s.Service+"\x00"+s.Name] = s.Regions.Label
			}
		}
	}
	labels := slices.Sorted(maps.Values(regional))
	for _, base := range slices.Sorted(maps.Keys(bases)) {
		for i, name := range []string{series.Total, series.Errors} {
			for _, region := range append([]string{""}, slices.Compact(labels)...) {
				sel := fmt.Sprintf(`%s{%s=%q}`, name, series.WindowLabel, base)
				if region != "" {
					sel = fmt.Sprintf(`%s{%s=%q,%s=""}`, name, series.WindowLabel, base, region)
				}
				v, err := query(fmt.Sprintf(`sum by (%s) (sum_over_time(%s[%s]))`, strings.Join(byVariant, ", "), sel, rng))
				if err != nil {
					return nil, err
				}
				for _, smp := range v {
					id := string(smp.Metric[series.ServiceLabel]) + "\x00" + string(smp.Metric[series.SLOLabel])
					if f, ok := series.Finite(smp.Value); ok && regional[id] == region {
						k := key(smp.Metric, byVariant)
						c := counts[k]
						c[i] = f
						counts[k] = c
					}
				}
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
