package report_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo/slotest"
)

// The outage scenario, with the rules evaluated live (so ALERTS exist) from
// 2h50m to its end at 6h: the report over that stretch counts the events
// the raw counters counted, one firing of each alert tier, and the minutes
// the budget was spent as the recorded series show them.
func TestReportOfAnOutage(t *testing.T) {
	t.Parallel()
	svcs := slotest.Services(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{
		SLOYAML: "alerting:\n  page: {severity: critical}",
	}))
	b, from := simtest.Replayed(t, svcs, "outage", 0, 2*time.Hour+50*time.Minute)
	ctx := context.Background()
	to := b.Start().Add(6 * time.Hour)
	for at := from.Add(time.Minute); !at.After(to); at = at.Add(time.Minute) {
		if _, err := b.Engine.Eval(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	q := engine.ModelQuerier{Engine: b.Engine}
	r, err := report.Build(ctx, report.Options{Services: svcs, From: from, To: to, Querier: q, Source: "embedded"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 {
		t.Fatalf("rows: %+v", r.Rows)
	}
	row := r.Rows[0]
	t.Logf("%+v", row)

	// The raw counters' growth over the stretch, summed over the series:
	// what the rules' increments add up to.
	raw := func(selector string) float64 {
		v, err := q.Query(ctx, `sum(`+selector+`) - sum(`+selector+` offset 3h10m)`, to)
		if err != nil || len(v) != 1 {
			t.Fatalf("%s: %v %v", selector, v, err)
		}
		return float64(v[0].Value)
	}
	events, bad := raw(`http_requests_total{job="order-api"}`), raw(`http_requests_total{job="order-api",code=~"5.."}`)
	if math.Abs(row.Events-events) > 0.005*events || math.Abs(row.BadEvents-bad) > 0.005*bad {
		t.Errorf("events %.0f and bad %.0f, the raw counters grew %.0f and %.0f", row.Events, row.BadEvents, events, bad)
	}
	if row.SLI == nil || math.Abs(*row.SLI-(1-bad/events)) > 0.001 || *row.Met {
		t.Errorf("SLI %v (met %v), want about %.4f, missed", row.SLI, row.Met, 1-bad/events)
	}
	if row.BudgetSpent == nil || math.Abs(*row.BudgetSpent-bad/events/0.001) > 0.01*bad/events/0.001 {
		t.Errorf("budget spent %v, want about %.1f", row.BudgetSpent, bad/events/0.001)
	}
	// Both page tiers and both ticket tiers fired once.
	if row.Pages != 2 || row.Tickets != 2 || row.PagingSeconds < 10*60 {
		t.Errorf("pages %d, tickets %d, paging %.0fs: want 2, 2 and the outage's quarter hour or more", row.Pages, row.Tickets, row.PagingSeconds)
	}
	// The minutes the recorded remaining budget was at or under 0.
	m, err := b.Engine.QueryRange(ctx, series.BudgetRemaining+" <= 0", from.Add(time.Minute), to, time.Minute)
	if err != nil || len(m) != 1 {
		t.Fatalf("remaining: %v %v", m, err)
	}
	if want := float64(len(m[0].Floats)) * 60; row.ExhaustedSeconds != want || want < 2*3600 {
		t.Errorf("exhausted %.0fs, want %.0fs", row.ExhaustedSeconds, want)
	}
}

// everyAnswer answers every query with one series carrying every label
// the report groups by, at value v.
type everyAnswer struct {
	metric model.Metric
	v      model.SampleValue
}

func (a everyAnswer) Query(context.Context, string, time.Time) (model.Vector, error) {
	return model.Vector{{Metric: a.metric, Value: a.v}}, nil
}

// A backend that answers NaN or ±Inf for every figure of the report gives
// a report without events, in every format, never a NaN (which JSON
// cannot hold) or a count made of one.
func TestNonFiniteAnswersAreNoEvents(t *testing.T) {
	svcs := slotest.Services(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{}))
	s := svcs[0].SLOs[0]
	metric := model.Metric{series.ServiceLabel: "order-api", series.SLOLabel: model.LabelValue(s.Name), series.ObjectiveLabel: "99.9",
		series.AlertNameLabel: model.LabelValue(s.Alerting.Name), series.SeverityLabel: "page", series.WindowLabel: "1h"}
	to := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		r, err := report.Build(context.Background(), report.Options{Services: svcs, From: to.Add(-24 * time.Hour), To: to, Querier: everyAnswer{metric, model.SampleValue(v)}})
		if err != nil {
			t.Fatal(err)
		}
		row := r.Rows[0]
		if row.Events != 0 || row.SLI != nil || row.BudgetSpent != nil || row.ExhaustedSeconds != 0 || row.Pages != 0 || row.PagingSeconds != 0 {
			t.Errorf("%v: %+v, want no events, nothing exhausted, no page", v, row)
		}
		for _, f := range report.Formats() {
			var out strings.Builder
			if err := r.Write(&out, f); err != nil || strings.Contains(out.String(), "NaN") || strings.Contains(out.String(), "Inf") {
				t.Errorf("%v as %s: %v\n%s", v, f, err, out.String())
			}
		}
	}
}

// A journey's rows name its members with their shares of what it spent,
// from the members' own rows: their bad events in an events journey,
// their error ratios by weight in a weighted one.
func TestReportOfAJourney(t *testing.T) {
	t.Parallel()
	svcs := slotest.Services(t, `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'http_requests_total{job="order-api",code=~"5.."}', total: 'http_requests_total{job="order-api"}'}}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: payment
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'payment_requests_total{job="payment",code=~"5.."}', total: 'payment_requests_total{job="payment"}'}}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-placement
slos:
  - name: events
    objective: 99.9
    sli: {journey: {members: [{service: order-api, slo: availability}, {service: payment, slo: availability}]}}
  - name: weighted
    objective: 99.9
    sli: {journey: {aggregation: weighted, members: [{service: order-api, slo: availability, weight: 3}, {service: payment, slo: availability}]}}
`)
	b, from := simtest.Replayed(t, svcs, "outage", 0, 2*time.Hour+50*time.Minute)
	to := b.Start().Add(6 * time.Hour)
	ctx := context.Background()
	for at := from.Add(time.Minute); !at.After(to); at = at.Add(time.Minute) {
		if _, err := b.Engine.Eval(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	r, err := report.Build(ctx, report.Options{Services: svcs, From: from, To: to, Querier: engine.ModelQuerier{Engine: b.Engine}, Source: "embedded"})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]report.Row{}
	for _, row := range r.Rows {
		rows[row.Service+"/"+row.SLO] = row
	}
	orders, pay := rows["order-api/availability"], rows["payment/availability"]
	if orders.BadEvents == 0 || pay.BadEvents == 0 || orders.Members != nil {
		t.Fatalf("members' rows: %+v, %+v", orders, pay)
	}
	ratio := func(r report.Row) float64 { return r.BadEvents / r.Events }
	for name, want := range map[string][2]float64{
		"order-placement/events":   {orders.BadEvents / (orders.BadEvents + pay.BadEvents), pay.BadEvents / (orders.BadEvents + pay.BadEvents)},
		"order-placement/weighted": {3 * ratio(orders) / (3*ratio(orders) + ratio(pay)), ratio(pay) / (3*ratio(orders) + ratio(pay))},
	} {
		m := rows[name].Members
		if len(m) != 2 || m[0].Share == nil || m[1].Share == nil || m[0].Service != "order-api" ||
			math.Abs(*m[0].Share-want[0]) > 1e-9 || math.Abs(*m[1].Share-want[1]) > 1e-9 {
			t.Errorf("%s's members %+v, want shares %v", name, m, want)
			continue
		}
		t.Logf("%s: order API %.3f, payment %.3f", name, *m[0].Share, *m[1].Share)
	}
}

// A report read from a global evaluator of an SLO tracked by region counts
// its events once: those of the series for all regions, not the regions'
// series again.
func TestReportOfAnSLOTrackedByRegion(t *testing.T) {
	svcs := slotest.Services(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{ServiceYAML: "regions: {expected: [eu-west-1, us-east-1]}"}))
	to := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	e := simtest.Regional(t, svcs, to, 2*24*time.Hour, map[string]simtest.Region{
		"eu-west-1": {PerMinute: 50, Ratio: 1, Burn: to.Add(-10 * time.Minute)},
		"us-east-1": {PerMinute: 950},
	})
	r, err := report.Build(context.Background(), report.Options{Services: svcs, From: to.Add(-24 * time.Hour), To: to, Querier: engine.ModelQuerier{Engine: e}})
	if err != nil {
		t.Fatal(err)
	}
	// A day of minutes of both regions; eu-west-1's last ten failed,
	// which paged that region and not the whole (a 5% error ratio for
	// ten minutes stays below the pages' factors over their windows).
	if len(r.Rows) != 3 {
		t.Fatalf("rows %+v: want the SLO over all regions, then eu-west-1 and us-east-1", r.Rows)
	}
	for i, want := range []struct {
		region            string
		events, bad       float64
		paged, exhaustion bool
	}{
		{"", 24 * 60 * 1000, 500, false, false},
		{"eu-west-1", 24 * 60 * 50, 500, true, true},
		{"us-east-1", 24 * 60 * 950, 0, false, false},
	} {
		row := r.Rows[i]
		if row.Region != want.region || math.Abs(row.Events-want.events) > 0.001*want.events || math.Abs(row.BadEvents-want.bad) > 50 ||
			(row.Pages > 0) != want.paged || (row.ExhaustedSeconds > 0) != want.exhaustion {
			t.Errorf("row %d: %+v, want region %q with about %.0f events, %.0f bad, paged %v, exhausted %v", i, row, want.region, want.events, want.bad, want.paged, want.exhaustion)
		}
	}
	var md bytes.Buffer
	if err := r.Write(&md, report.Markdown); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| order-api | availability in eu-west-1 | 99.9% |") {
		t.Errorf("the Markdown report names no region's row:\n%s", md.String())
	}
}
