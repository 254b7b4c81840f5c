package simtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Region is one region's traffic as its edge tier sends it: events per
// minute, all good, or a ratio of them bad from Burn on; none from Stop
// on, when Stop is set.
type Region struct {
	PerMinute, Ratio float64
	Burn, Stop       time.Time
}

// GlobalEngine is an empty engine with the global tier of the services'
// rules loaded through a rule file, as a global evaluator reads them. It
// is closed when the test ends.
func GlobalEngine(t testing.TB, svcs []*slo.Service) *engine.Engine {
	t.Helper()
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	var rules bytes.Buffer
	if err := promrules.Write(&rules, promrules.Output{Format: promrules.FormatPrometheus, Tier: promrules.TierGlobal}, svcs); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "global.yaml")
	if err := os.WriteFile(file, rules.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadRules(file); err != nil {
		t.Fatal(err)
	}
	return e
}

// Regional is a global evaluator's engine, with the global tier of the
// first SLO of svcs loaded and brought to end (engine.CatchUp) over what
// each region's edge tier sent every minute since end less span, labelled
// with its region. It is closed when the test ends.
func Regional(t testing.TB, svcs []*slo.Service, end time.Time, span time.Duration, regions map[string]Region) *engine.Engine {
	t.Helper()
	e := GlobalEngine(t, svcs)
	var err error
	s := svcs[0].SLOs[0]
	start := end.Add(-span)
	app := e.Appender(context.Background())
	for name, r := range regions {
		id := []string{series.ServiceLabel, s.Service, series.SLOLabel, s.Name, series.WindowLabel, series.WindowValue(s.BaseWindow),
			s.RegionsOrDefault().Label, name}
		total := labels.FromStrings(append([]string{labels.MetricName, series.EdgeTotal}, id...)...)
		errs := labels.FromStrings(append([]string{labels.MetricName, series.EdgeErrors}, id...)...)
		var tref, eref storage.SeriesRef
		for ts := start; !ts.After(end); ts = ts.Add(s.BaseWindow) {
			if !r.Stop.IsZero() && !ts.Before(r.Stop) {
				break
			}
			bad := 0.0
			if !r.Burn.IsZero() && !ts.Before(r.Burn) {
				bad = r.PerMinute * r.Ratio
			}
			if tref, err = app.AddRef(tref, total, ts.UnixMilli(), r.PerMinute); err != nil {
				t.Fatal(err)
			}
			if eref, err = app.AddRef(eref, errs, ts.UnixMilli(), bad); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.CatchUp(context.Background(), start, end); err != nil {
		t.Fatal(err)
	}
	return e
}
