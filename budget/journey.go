package budget

import (
	"fmt"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Member is a journey's member SLO, the share of its budget left and its
// share of what the journey spent; each nil when the backend has no figure
// for it.
type Member struct {
	Service, SLO, Threshold string
	Remaining               *float64
	// Share is the member's part of what the journey spent over its
	// period, from 0 to 1: in an events journey its errors among the
	// members' (as their rules record them over their own periods, at the
	// pace of the journey's: memberErrors), in a weighted one its error
	// ratio over the journey's period times its weight among theirs, in a
	// worst one that ratio among theirs. Nil for every member while one
	// has no figure, or nothing was spent.
	Share *float64
	// BurnRate is how fast the member burns its own budget over
	// BurnWindow, the journey's exhaustion window (the long window of its
	// fastest page tier), its worst objective or group's: which member a
	// journey's page comes from.
	BurnRate   *float64
	BurnWindow string
}

// PeriodTotalsQuery reads the events every SLO recorded over its own
// period (the window of its remaining budget), for the members of the
// events journeys of services: a member's errors, its share of the
// spending (State.Members), are these times its error ratio (the rules
// record no period errors of their own). Empty when there is no such
// journey.
func PeriodTotalsQuery(services []*slo.Service) string {
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.SLI.Kind == slo.Journey && !s.SLI.ReadsRatios() {
				return fmt.Sprintf("%s and on (%s, %s, %s) %s", series.Total, series.ServiceLabel, series.SLOLabel, series.WindowLabel, series.BudgetRemaining)
			}
		}
	}
	return ""
}

// memberSeries are what the backend records of one member SLO: its
// remaining budget, error ratios and events over the journey's period.
type memberSeries struct{ remaining, ratios, totals, burns model.Vector }

// journeyMembers are a journey's members with the least budget any of
// their objectives (and groups named) has left, and their shares of what
// the journey spent, from the series of every SLO the backend records,
// served or not.
func journeyMembers(s *slo.SLO, recorded func(service, name string) memberSeries) []Member {
	if s.SLI.Kind != slo.Journey {
		return nil
	}
	out := make([]Member, len(s.SLI.Members))
	spent := make([]*float64, len(s.SLI.Members))
	for i, m := range s.SLI.Members {
		out[i] = Member{Service: m.Service, SLO: m.SLO}
		if m.Threshold > 0 {
			out[i].Threshold = series.ThresholdValue(m.Threshold)
		}
		rec := recorded(m.Service, m.SLO)
		for _, v := range memberValues(m, rec.remaining, "") {
			if out[i].Remaining == nil || v < *out[i].Remaining {
				out[i].Remaining = &v
			}
		}
		if w := s.Alerting.ExhaustionWindow(); w > 0 {
			out[i].BurnWindow = series.WindowValue(w)
			for _, v := range memberValues(m, rec.burns, out[i].BurnWindow) {
				if out[i].BurnRate == nil || v > *out[i].BurnRate {
					out[i].BurnRate = &v
				}
			}
		}
		if !s.SLI.ReadsRatios() {
			spent[i] = memberErrors(m, rec, s.BudgetWindow())
			continue
		}
		// As the journey's rules read it: the worst group's ratio.
		for _, r := range memberValues(m, rec.ratios, s.BudgetWindow()) {
			if spent[i] == nil || r > *spent[i] {
				spent[i] = &r
			}
		}
	}
	for i, share := range s.SLI.SpendingShares(spent) {
		out[i].Share = share
	}
	return out
}

// memberValues are the finite values in v of a journey member's series
// (its threshold's, the groups it names, over window when not empty), by
// their labels but the name.
func memberValues(m slo.JourneyMember, v model.Vector, window string) map[model.Fingerprint]float64 {
	out := map[model.Fingerprint]float64{}
next:
	for _, smp := range v {
		x, finite := series.Finite(smp.Value)
		if !finite || m.Threshold > 0 && string(smp.Metric[series.ThresholdLabel]) != series.ThresholdValue(m.Threshold) ||
			window != "" && string(smp.Metric[series.WindowLabel]) != window {
			continue
		}
		for k, want := range m.Groups {
			if string(smp.Metric[model.LabelName(k)]) != want {
				continue next
			}
		}
		labels := smp.Metric.Clone()
		delete(labels, model.MetricNameLabel)
		out[labels.Fingerprint()] = x
	}
	return out
}

// memberErrors are the errors an events journey's member recorded over
// its own period (each group's ratio times its events, the groups named
// added up, all of them without), at the pace of the journey's period
// when the two differ (a 28-day member of a 30-day journey); nil when
// the member has none recorded, or periods without a length (calendar
// ones).
func memberErrors(m slo.JourneyMember, rec memberSeries, journeyWindow string) *float64 {
	if len(rec.remaining) == 0 {
		return nil
	}
	window := string(rec.remaining[0].Metric[series.WindowLabel])
	own, err1 := model.ParseDuration(window)
	journey, err2 := model.ParseDuration(journeyWindow)
	if err1 != nil || err2 != nil || own == 0 {
		return nil
	}
	var errors *float64
	totals := memberValues(m, rec.totals, window)
	for k, r := range memberValues(m, rec.ratios, window) {
		if t, ok := totals[k]; ok {
			errors = addTo(errors, r*t)
		}
	}
	if errors != nil {
		*errors *= float64(journey) / float64(own)
	}
	return errors
}

func addTo(sum *float64, v float64) *float64 {
	if sum == nil {
		return &v
	}
	*sum += v
	return sum
}
