package engine_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/engine"
)

const rules = `groups:
  - name: test
    interval: 1m
    rules:
      - record: job:requests:increase1m
        expr: sum(increase(requests_total[1m]))
      - record: job:requests:increase5m
        expr: sum_over_time(job:requests:increase1m[4m30s])
      - alert: Busy
        expr: job:requests:increase5m > 100
`

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// open returns an engine with the test rules and two hours of a counter
// growing by 1 every 15 s until 01:00 and by 10 after.
func open(t *testing.T) *engine.Engine {
	return openWith(t, fromFile)
}

// fromFile loads the test rules as a server does, from a rule file.
func fromFile(t *testing.T, e *engine.Engine) error {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	return e.LoadRules(file)
}

// fromMemory loads the test rules from parsed groups.
func fromMemory(t *testing.T, e *engine.Engine) error {
	parsed, errs := rulefmt.Parse([]byte(rules), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var groups []engine.Group
	for _, g := range parsed.Groups {
		groups = append(groups, engine.Group{File: "memory", RuleGroup: g})
	}
	return e.LoadGroups(groups...)
}

func openWith(t *testing.T, load func(*testing.T, *engine.Engine) error) *engine.Engine {
	t.Helper()
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := load(t, e); err != nil {
		t.Fatal(err)
	}
	app := e.Appender(context.Background())
	ls := labels.FromStrings("__name__", "requests_total", "instance", "a")
	v := 0.0
	for ts := start; !ts.After(start.Add(2 * time.Hour)); ts = ts.Add(15 * time.Second) {
		if ts.After(start.Add(time.Hour)) {
			v += 10
		} else if ts.After(start) {
			v++
		}
		if err := app.Add(ls, ts.UnixMilli(), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBackfillRecordsWhatLiveEvaluationRecords(t *testing.T) {
	live, backfilled := open(t), open(t)
	end := start.Add(2 * time.Hour)
	var samples int64
	for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
		n, err := live.Eval(context.Background(), ts)
		if err != nil {
			t.Fatal(err)
		}
		samples = n
	}
	if err := backfilled.Backfill(context.Background(), start, end); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"job:requests:increase1m", "job:requests:increase5m"} {
		a, err := live.QueryRange(context.Background(), q, start, end, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		b, err := backfilled.QueryRange(context.Background(), q, start, end, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 1 || len(b) != 1 || len(a[0].Floats) != len(b[0].Floats) || len(a[0].Floats) < 100 {
			t.Fatalf("%s: live %v, backfilled %v", q, a, b)
		}
		for i := range a[0].Floats {
			if a[0].Floats[i] != b[0].Floats[i] {
				t.Fatalf("%s differs at %d: live %v, backfilled %v", q, i, a[0].Floats[i], b[0].Floats[i])
			}
		}
	}
	// One increase over 4 raw samples, one sum over 5 recorded ones, one
	// instant read for the alert.
	if samples != 4+5+1 {
		t.Errorf("an evaluation read %d samples, want 10", samples)
	}
	var firing []string
	for _, a := range live.Alerts() {
		if a.Firing {
			firing = append(firing, a.Name)
		}
	}
	if strings.Join(firing, ",") != "Busy" {
		t.Errorf("firing alerts %v, want Busy (the counter grows by 200 in 5m after 01:00)", firing)
	}
}

// Groups loaded from memory are the groups a rule file gives: the same
// recorded series and the same alerts at every step.
func TestGroupsFromMemoryEvaluateAsFromAFile(t *testing.T) {
	file, memory := open(t), openWith(t, fromMemory)
	if len(memory.Groups()) != len(file.Groups()) || len(memory.Groups()) == 0 {
		t.Fatalf("%d groups from memory, %d from the file", len(memory.Groups()), len(file.Groups()))
	}
	for ts := start; !ts.After(start.Add(2 * time.Hour)); ts = ts.Add(time.Minute) {
		for _, e := range []*engine.Engine{file, memory} {
			if _, err := e.Eval(context.Background(), ts); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{"job:requests:increase5m", "ALERTS"} {
			a, _, errA := file.Query(context.Background(), q, ts)
			b, _, errB := memory.Query(context.Background(), q, ts)
			if errA != nil || errB != nil || fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("%s at %s: from the file %v (%v), from memory %v (%v)", q, ts, a, errA, b, errB)
			}
		}
	}
	if len(memory.Alerts()) == 0 {
		t.Error("no alert fired: the comparison proves little")
	}
}

// CatchUp leaves an engine where one evaluated every minute would be:
// the same recorded series, and ALERTS at the last step.
func TestCatchUpIsLiveEvaluation(t *testing.T) {
	live, caught := open(t), open(t)
	end := start.Add(90 * time.Minute)
	for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
		if _, err := live.Eval(context.Background(), ts); err != nil {
			t.Fatal(err)
		}
	}
	if err := caught.CatchUp(context.Background(), start, end); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"job:requests:increase5m", `ALERTS{alertname="Busy"}`} {
		a, _, err := live.Query(context.Background(), q, end)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := caught.Query(context.Background(), q, end)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 1 || len(b) != 1 || a[0].F != b[0].F {
			t.Errorf("%s at the end: live %v, caught up %v", q, a, b)
		}
	}
}

func TestQueryCountsSamples(t *testing.T) {
	e := open(t)
	v, st, err := e.Query(context.Background(), "sum_over_time(requests_total[5m])", start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || st.Samples != 20 {
		t.Errorf("got %v reading %d samples, want one series from 20 samples", v, st.Samples)
	}
}

func TestLoadRulesNamesTheBrokenFile(t *testing.T) {
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	path := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(path, []byte("groups:\n  - name: x\n    rules:\n      - record: y\n        expr: sum(\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadRules(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("want an error naming %s, got %v", path, err)
	}
}

// A time-ordered run cuts blocks as a server does and reads across them.
func TestTimeOrderedRunCompactsAndReadsAcrossBlocks(t *testing.T) {
	dir := t.TempDir()
	e, err := engine.OpenWith(dir, engine.Options{TimeOrdered: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadRules(file); err != nil {
		t.Fatal(err)
	}
	ls := labels.FromStrings("__name__", "requests_total", "instance", "a")
	v := 0.0
	end := start.Add(8 * time.Hour)
	for ts := start.Add(time.Minute); !ts.After(end); ts = ts.Add(time.Minute) {
		app := e.Appender(context.Background())
		for k := 3; k >= 0; k-- {
			v++
			if err := app.Add(ls, ts.Add(-time.Duration(k)*15*time.Second).UnixMilli(), v); err != nil {
				t.Fatal(err)
			}
		}
		if err := app.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Eval(context.Background(), ts); err != nil {
			t.Fatal(err)
		}
		if ts.Minute() == 0 {
			if err := e.Compact(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	blocks, _ := filepath.Glob(filepath.Join(dir, "01*"))
	if len(blocks) == 0 {
		t.Error("eight hours in, no block was cut")
	}
	m, err := e.QueryRange(context.Background(), "job:requests:increase1m", start.Add(2*time.Minute), end, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || len(m[0].Floats) != int(end.Sub(start)/time.Minute)-1 {
		t.Fatalf("recorded series across blocks: %v", m)
	}
	for _, p := range m[0].Floats {
		if p.F < 3.9 || p.F > 4.1 {
			t.Fatalf("increase over a minute of 4 increments is %v at %v", p.F, time.UnixMilli(p.T).UTC())
		}
	}
}

// A group whose server is down records nothing then, by live evaluation
// or backfill alike, while the other groups go on.
func TestAGroupDownIsNotEvaluatedWhileOthersAre(t *testing.T) {
	from, to := start.Add(30*time.Minute), start.Add(40*time.Minute)
	dark := func(ts time.Time) bool { return !ts.Before(from) && ts.Before(to) }
	load := func(t *testing.T, e *engine.Engine) error {
		parsed, errs := rulefmt.Parse([]byte(rules), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		up := parsed.Groups[0]
		down := up
		down.Name = "down"
		down.Rules = []rulefmt.Rule{{Record: "job:requests:dark", Expr: "sum(increase(requests_total[1m]))"}}
		return e.LoadGroups(engine.Group{File: "a", RuleGroup: up}, engine.Group{File: "b", RuleGroup: down, Down: dark})
	}
	live, backfilled := openWith(t, load), openWith(t, load)
	end := start.Add(time.Hour)
	for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
		if _, err := live.Eval(context.Background(), ts); err != nil {
			t.Fatal(err)
		}
	}
	if err := backfilled.Backfill(context.Background(), start, end); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]*engine.Engine{"live": live, "backfilled": backfilled} {
		for q, want := range map[string]float64{"count_over_time(job:requests:dark[1h])": 50, "count_over_time(job:requests:increase1m[1h])": 60} {
			v, _, err := e.Query(context.Background(), q, end)
			if err != nil || len(v) != 1 || v[0].F != want {
				t.Errorf("%s: %s = %v (%v), want %v", name, q, v, err, want)
			}
		}
	}
}
