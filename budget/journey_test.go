package budget_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// seriesByQuery is a backend that seriesByQuery each query with its series.
type seriesByQuery map[string]model.Vector

func (a seriesByQuery) Query(_ context.Context, expr string, _ time.Time) (model.Vector, error) {
	return a[expr], nil
}

// Two members recorded by another team's rules (no spec here): the order
// API fails 1% of its 1,000,000 events over the period, payment 10% of
// its 10,000, or for payment's stripe group alone 20% of 2,000.
func TestJourneyMembersShareTheSpending(t *testing.T) {
	const specs = `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: checkout
slos:
  - name: events
    objective: 99
    sli: {journey: {members: [{service: order-api, slo: availability}, {service: payment, slo: availability, groups: {provider: stripe}}]}}
  - name: weighted
    objective: 99
    sli: {journey: {aggregation: weighted, members: [{service: order-api, slo: availability, weight: 3}, {service: payment, slo: availability}]}}
  - name: worst
    objective: 99
    sli: {journey: {aggregation: worst, members: [{service: order-api, slo: availability}, {service: payment, slo: availability}]}}
`
	svcs, diags := slo.Parse([]byte(specs))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	sample := func(service string, v float64, extra ...string) *model.Sample {
		m := model.Metric{series.ServiceLabel: model.LabelValue(service), series.SLOLabel: "availability", series.WindowLabel: "30d"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[model.LabelName(extra[i])] = model.LabelValue(extra[i+1])
		}
		return &model.Sample{Metric: m, Value: model.SampleValue(v)}
	}
	q := seriesByQuery{
		budget.ReadQueries.Remaining:   model.Vector{sample("order-api", 0.2), sample("payment", -1, "provider", "stripe"), sample("payment", 0.5, "provider", "adyen")},
		budget.ReadQueries.ErrorRatios: model.Vector{sample("order-api", 0.01), sample("payment", 0.2, "provider", "stripe"), sample("payment", 0.075, "provider", "adyen")},
		budget.PeriodTotalsQuery(svcs): model.Vector{sample("order-api", 1e6), sample("payment", 2000, "provider", "stripe"), sample("payment", 8000, "provider", "adyen")},
	}
	states, err := budget.Read(context.Background(), q, svcs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{
		// 10,000 errors and 400: the order API counts for 96%.
		"events": {10000.0 / 10400, 400.0 / 10400},
		// 3 x 1% against 1 x 20% (payment's worst group).
		"weighted": {0.03 / 0.23, 0.2 / 0.23},
		// 1% against 20%.
		"worst": {0.01 / 0.21, 0.2 / 0.21},
	}
	for _, st := range states {
		w := want[st.SLO]
		if len(st.Members) != 2 || st.Members[0].Share == nil || st.Members[1].Share == nil {
			t.Errorf("%s: members %+v, want both shares", st.SLO, st.Members)
			continue
		}
		for i := range 2 {
			if math.Abs(*st.Members[i].Share-w[i]) > 1e-9 {
				t.Errorf("%s: %s's share %.4f, want %.4f", st.SLO, st.Members[i].Service, *st.Members[i].Share, w[i])
			}
		}
	}
	// Without one member's figure, no share is given: a part would mislead.
	delete(q, budget.PeriodTotalsQuery(svcs))
	states, err = budget.Read(context.Background(), q, svcs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		if st.SLO == "events" && (st.Members[0].Share != nil || st.Members[1].Share != nil) {
			t.Errorf("events journey without its members' events: %+v", st.Members)
		}
	}
}
