// Package report builds SLO reports over a stretch of time, for a month's
// review or an audit: per service, SLO and objective, the events and bad
// events, the SLI achieved, the share of the stretch's error budget spent,
// how long the budget was exhausted, and the pages and tickets that fired;
// with slokit serve's store, the gate's denials and the overrides per
// service. Everything is read from the series slokit's rules record and
// from ALERTS, with a few instant queries for all SLOs at once, so the
// backend does the summing.
package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Step is the resolution at which the report follows the budget and the
// alerts: a minute, the rules' default evaluation interval.
const Step = time.Minute

// MaxRange bounds a report's stretch: the backend sums a minute per
// sample over it.
const MaxRange = 400 * 24 * time.Hour

// Activity is what slokit serve's store tells of one service over the
// report's stretch.
type Activity struct {
	// Denies counts the gate's deny decisions.
	Denies int `json:"denies"`
	// Overrides counts the overrides created.
	Overrides int `json:"overrides"`
	// Maintenance counts the maintenance windows made through the API.
	Maintenance int `json:"maintenance"`
}

// ActivitySource reads the gate's activity per service from slokit
// serve's store.
type ActivitySource interface {
	Activity(ctx context.Context, from, to time.Time) (map[string]Activity, error)
}

// Options say what to report on.
type Options struct {
	Services []*slo.Service
	From, To time.Time
	Querier  budget.Querier
	// Source names the backend in the report.
	Source string
	// Demo, when the backend is the embedded demo's synthetic traffic,
	// is its scenario: the report's title says so.
	Demo string
	// Store, when set, adds the gate's activity per service.
	Store ActivitySource
}

// Report is an SLO report over [From, To).
type Report struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Source string    `json:"source"`
	// Demo is the scenario of the synthetic traffic the report is over,
	// when it is a demo.
	Demo string `json:"demo,omitempty"`
	Rows []Row  `json:"slos"`
	// Activity is per service, when the store was given.
	Activity map[string]Activity `json:"gate,omitempty"`
}

// Row is one SLO objective over the report's stretch.
type Row struct {
	Service   string `json:"service"`
	SLO       string `json:"slo"`
	Objective string `json:"objective"` // percent, as written: "99.9"
	Threshold string `json:"threshold,omitempty"`
	// Region is the region of an SLO tracked by region whose row this
	// is; empty for the SLO over all regions, which comes first.
	Region    string  `json:"region,omitempty"`
	Period    string  `json:"period"` // the budget's window: 30d, month
	Events    float64 `json:"events"`
	BadEvents float64 `json:"badEvents"`
	// SLI is the share of good events; nil without events.
	SLI *float64 `json:"sli"`
	// Met says whether the SLI reached the objective; nil without events.
	Met *bool `json:"met"`
	// BudgetSpent is the share of the stretch's error budget the bad
	// events spent (1 is all of it); nil without events.
	BudgetSpent *float64 `json:"budgetSpent"`
	// ExhaustedSeconds is how long the SLO's budget over its period was
	// spent, at the report's step.
	ExhaustedSeconds float64 `json:"exhaustedSeconds"`
	// Pages and Tickets count the burn-rate alerts that started firing;
	// PagingSeconds is how long a page fired.
	Pages         int     `json:"pages"`
	Tickets       int     `json:"tickets"`
	PagingSeconds float64 `json:"pagingSeconds"`
	// Members are a journey's members with their shares of what it spent
	// over the stretch; absent for an SLO that is no journey.
	Members []Member `json:"members,omitempty"`
}

// Member is a journey's member and its share of what the journey spent
// over the report's stretch, from 0 to 1: in an events journey its bad
// events among the members', in a weighted one its error ratio times its
// weight among theirs, in a worst one its error ratio among theirs. Share
// is nil for every member while one is not in the report (another team's
// SLO), names some of its groups (the report counts all of them), or had
// no events; and when nothing was spent.
type Member struct {
	Service   string   `json:"service"`
	SLO       string   `json:"slo"`
	Threshold string   `json:"threshold,omitempty"`
	Share     *float64 `json:"share"`
}

// Build reads the report from the backend (and the store).
func Build(ctx context.Context, o Options) (*Report, error) {
	if !o.To.After(o.From) {
		return nil, fmt.Errorf("the report's end %s is not after its start %s", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339))
	}
	span := o.To.Sub(o.From)
	if span > MaxRange {
		return nil, fmt.Errorf("a report covers at most %s, not %s", model.Duration(MaxRange), model.Duration(span))
	}
	if span%Step != 0 || o.From.Truncate(Step) != o.From {
		return nil, fmt.Errorf("a report starts and ends on a whole minute")
	}
	r := &Report{From: o.From.UTC(), To: o.To.UTC(), Source: o.Source, Demo: o.Demo}
	stretch, err := budget.Stretch(ctx, o.Querier, o.Services, o.To, span, Step)
	if err != nil {
		return nil, err
	}
	// An SLO tracked by region has a row over all regions, then one per
	// region its series tell of.
	regions := map[[2]string][]string{}
	for k := range stretch {
		id := [2]string{k.Service, k.SLO}
		if k.Region != "" && !slices.Contains(regions[id], k.Region) {
			regions[id] = append(regions[id], k.Region)
		}
	}
	for _, svc := range o.Services {
		for _, s := range svc.SLOs {
			for _, obj := range s.Objectives {
				for _, region := range append([]string{""}, slices.Sorted(slices.Values(regions[[2]string{s.Service, s.Name}]))...) {
					k := budget.KeyOf(s, obj)
					k.Region = region
					st := stretch[k]
					row := Row{Service: s.Service, SLO: s.Name, Objective: k.Objective, Threshold: k.Threshold, Region: region, Period: s.BudgetWindow(),
						Events: st.Events, BadEvents: st.BadEvents, ExhaustedSeconds: st.ExhaustedSteps * Step.Seconds(),
						Pages: st.Pages, Tickets: st.Tickets, PagingSeconds: st.PagingSteps * Step.Seconds()}
					if row.Events > 0 {
						// Finite counts can still overflow a ratio: no data too.
						if spent, ok := series.Finite(model.SampleValue(row.BadEvents / row.Events / obj.Budget())); ok {
							sli := 1 - row.BadEvents/row.Events
							met := sli >= obj.Ratio()
							row.SLI, row.BudgetSpent, row.Met = &sli, &spent, &met
						}
					}
					r.Rows = append(r.Rows, row)
				}
			}
		}
	}
	journeyShares(r.Rows, o.Services)
	if o.Store != nil {
		act, err := o.Store.Activity(ctx, o.From, o.To)
		if err != nil {
			return nil, err
		}
		r.Activity = map[string]Activity{}
		for _, svc := range o.Services {
			r.Activity[svc.Name] = act[svc.Name]
		}
	}
	return r, nil
}

// journeyShares gives each journey's rows its members, with their shares
// of what it spent over the stretch, from the members' own rows.
func journeyShares(rows []Row, services []*slo.Service) {
	type key struct{ service, slo, threshold string }
	byKey := map[key]*Row{}
	for i, row := range rows {
		byKey[key{row.Service, row.SLO, row.Threshold}] = &rows[i]
	}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.SLI.Kind != slo.Journey {
				continue
			}
			members := make([]Member, len(s.SLI.Members))
			spent := make([]*float64, len(s.SLI.Members))
			for i, m := range s.SLI.Members {
				members[i] = Member{Service: m.Service, SLO: m.SLO}
				if m.Threshold > 0 {
					members[i].Threshold = series.ThresholdValue(m.Threshold)
				}
				row := byKey[key{m.Service, m.SLO, members[i].Threshold}]
				switch {
				case row == nil || len(m.Groups) > 0 || row.Events == 0:
				case s.SLI.ReadsRatios():
					ratio := row.BadEvents / row.Events
					spent[i] = &ratio
				default:
					bad := row.BadEvents
					spent[i] = &bad
				}
			}
			for i, share := range s.SLI.SpendingShares(spent) {
				members[i].Share = share
			}
			for i := range rows {
				if rows[i].Service == s.Service && rows[i].SLO == s.Name {
					rows[i].Members = members
				}
			}
		}
	}
}
