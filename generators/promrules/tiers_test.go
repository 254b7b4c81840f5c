package promrules_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/internal/race"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// tierEngine opens an engine with one tier of the spec's rules loaded,
// through a rule file as a Prometheus reads them.
func tierEngine(tb testing.TB, svcs []*slo.Service, tier promrules.Tier) *engine.Engine {
	tb.Helper()
	e, err := engine.Open(tb.TempDir())
	must(tb, err)
	tb.Cleanup(func() { _ = e.Close() })
	var buf bytes.Buffer
	must(tb, promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus, Tier: tier}, svcs))
	file := filepath.Join(tb.TempDir(), "rules.yaml")
	must(tb, os.WriteFile(file, buf.Bytes(), 0o600))
	must(tb, e.LoadRules(file))
	return e
}

// ship copies what the edge tier recorded on from into to, with extra
// labels added, as federation or remote write delivers it with a region's
// external labels.
func ship(tb testing.TB, from, to *engine.Engine, start, end time.Time, extra ...string) int {
	tb.Helper()
	q, err := from.Storage().Querier(start.UnixMilli(), end.UnixMilli())
	must(tb, err)
	defer q.Close()
	app := to.Appender(context.Background())
	n := 0
	set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, series.EdgeTotal+"|"+series.EdgeErrors))
	for set.Next() {
		b := labels.NewBuilder(set.At().Labels())
		for i := 0; i+1 < len(extra); i += 2 {
			b.Set(extra[i], extra[i+1])
		}
		ls := b.Labels()
		var ref storage.SeriesRef
		it := set.At().Iterator(nil)
		for it.Next() != 0 {
			ts, v := it.At()
			ref, err = app.AddRef(ref, ls, ts, v)
			must(tb, err)
			n++
		}
	}
	must(tb, set.Err())
	must(tb, app.Commit())
	return n
}

// Two regions, each with its own Prometheus evaluating the edge tier over
// its raw series; one region an HA pair, whose Prometheus is down for 30
// minutes of an outage. The global tier, over what both
// send, keeps each region's budget as its own traffic gives it and the
// global budget as both regions' traffic together gives it, exactly; the
// pair counts once. The cost of each tier's evaluation cycle is logged.
func TestTiersKeepABudgetPerRegionAndAGlobalOneExact(t *testing.T) {
	race.SkipComputeBound(t)
	t.Parallel()
	svcs, diags := slo.Parse([]byte(fixture.OrderAPISpec(fixture.OrderAPIOptions{
		ServiceYAML: "regions: {expected: [eu-west-1, us-east-1, ap-south-1]}", SLOYAML: "period: 7d"})))
	must(t, diags.Errors())
	start, end := epoch, epoch.Add(8*day+5*time.Hour+17*time.Minute)
	regions := map[string]traffic{
		"eu-west-1": {start: start, end: end, scrape: 15 * time.Second, rate: diurnal(10, 4), okSeries: 3, errSeries: 1,
			errorRatio: func(t time.Time) float64 {
				if t.Hour() == 3 && t.Minute() < 20 {
					return 0.05 // an outage in this region only
				}
				return 0.0002
			}},
		"us-east-1": {start: start, end: end, scrape: 15 * time.Second, rate: diurnal(30, 2), okSeries: 2, errSeries: 1,
			errorRatio: constant(0.0004)},
	}
	global := tierEngine(t, svcs, promrules.TierGlobal)
	ledgers := map[string]*ledger{}
	var edgeSamples int64
	for name, tr := range regions {
		edge := tierEngine(t, svcs, promrules.TierEdge)
		ledgers[name] = tr.load(t, edge)
		// eu-west-1's Prometheus is down for 30 minutes of its outage:
		// its edge recovers what they missed when it is back (without,
		// the global budget reads 0.5486 where it is 0.5334). It goes
		// down on the hour: the global tier then holds one increment of
		// the hour for eu-west-1 all along, and must not take every
		// evaluation for the hour's first (the region's period read 11%
		// too many events when it did). Down again ten minutes after it
		// is back: the second recovery must not count the first's events
		// again (eu-west-1's budget read 0.3591 where it is 0.4136 when
		// it did).
		darkFrom := start.Add(5*day + 3*time.Hour)
		dark := func(t time.Time) bool {
			d := t.Sub(darkFrom)
			return name == "eu-west-1" && (d >= 0 && d < 30*time.Minute || d >= 40*time.Minute && d < 50*time.Minute)
		}
		// Around the gaps the edge is evaluated step by step, as a server
		// does: a backfill computes each rule over the whole range at
		// once, so a rule cannot read what it recorded itself earlier,
		// as the recovery after the second gap does.
		live, back := darkFrom.Add(-5*time.Minute), darkFrom.Add(70*time.Minute)
		must(t, edge.BackfillExcept(context.Background(), start, live, dark))
		for ts := live.Add(time.Minute); !ts.After(back); ts = ts.Add(time.Minute) {
			if !dark(ts) {
				_, err := edge.Eval(context.Background(), ts)
				must(t, err)
			}
		}
		must(t, edge.BackfillExcept(context.Background(), back.Add(time.Minute), end, dark))
		ship(t, edge, global, start, end, "region", name, "prometheus_replica", "a")
		if name == "eu-west-1" {
			// Its HA pair's other replica sends the same increments.
			ship(t, edge, global, start, end, "region", name, "prometheus_replica", "b")
		}
		n, err := edge.Eval(context.Background(), end)
		must(t, err)
		edgeSamples = n
	}
	must(t, global.Backfill(context.Background(), start, end.Add(time.Minute)))
	at := end.Add(time.Minute)
	globalSamples, err := global.Eval(context.Background(), at.Add(time.Minute))
	must(t, err)
	t.Logf("samples per evaluation cycle: edge %d (one region, 4 raw series behind total), global %d (two regions reporting)", edgeSamples, globalSamples)

	// The budget at `at` covers the events the edge counted up to a
	// minute before (the global tier reads them half a base window late).
	from, to := at.Add(-7*day-time.Minute), at.Add(-time.Minute)
	remaining := func(region string) float64 {
		return queryValue(t, global, series.BudgetRemaining+`{region="`+region+`"}`, at)
	}
	events := func(l *ledger) (total, errs float64) {
		for i := range l.total {
			ts := l.start.Add(time.Duration(i) * l.step)
			if ts.After(from) && !ts.After(to) {
				total += l.total[i]
				errs += l.errors[i]
			}
		}
		return total, errs
	}
	for name, l := range ledgers {
		// The HA pair's events count once.
		want, _ := events(l)
		if got := queryValue(t, global, series.Total+`{window="1w",region="`+name+`"}`, at); math.Abs(got-want) > 1e-6*want {
			t.Errorf("%s: %.1f events over the period, exact %.1f", name, got, want)
		}
		exact := 1 - l.exactRatio(from, to)/0.001
		if got := remaining(name); math.Abs(got-exact) > 1e-4 {
			t.Errorf("%s: remaining budget %.4f, exact %.4f", name, got, exact)
		}
	}
	var total, errs float64
	for _, l := range ledgers {
		t, e := events(l)
		total, errs = total+t, errs+e
	}
	exact := 1 - errs/total/0.001
	got := remaining("")
	t.Logf("global remaining budget %.6f, exact %.6f; eu-west-1 %.4f, us-east-1 %.4f", got, exact, remaining("eu-west-1"), remaining("us-east-1"))
	if math.Abs(got-exact) > 1e-4 {
		t.Errorf("global remaining budget %.4f, exact %.4f", got, exact)
	}
	// Two regions report; the third expected one never did.
	for region, want := range map[string]float64{"eu-west-1": 1, "us-east-1": 1, "ap-south-1": 0} {
		if got := queryValue(t, global, series.RegionReporting+`{region="`+region+`"}`, at); got != want {
			t.Errorf("%s %s = %v, want %v", series.RegionReporting, region, got, want)
		}
	}
}
