// Package engine is slokit's embedded Prometheus: the real TSDB, the real
// PromQL engine and the real rule evaluator from the Prometheus module,
// in process. Tests use it to evaluate generated rules on synthetic series,
// benchmarks use its query statistics to count the samples rules read, and
// the simulator (and through it serve's demo backend) builds on it. Only
// those link it: it brings the TSDB and, with it, service discovery and
// cloud SDKs. ModelQuerier lets code written for a remote Prometheus read
// it without importing it.
//
// It differs from a Prometheus server in what it leaves out: no scraping
// (series are appended directly), no notifications (alerts are read from
// the rule groups) and no wall clock (the caller says at which timestamps
// rules are evaluated, so simulated months run in seconds).
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// Engine is an in-process TSDB with a PromQL engine and rule groups.
type Engine struct {
	db     *tsdb.DB
	query  *promql.Engine
	parser parser.Parser
	groups []*rules.Group
	// down holds the groups loaded with a Down of their own.
	down map[*rules.Group]func(time.Time) bool
	// samples counts the samples read by rule queries since the last
	// Eval started: the cost figure slokit is judged by.
	samples int64
}

// QueryStats is the cost of one query as the PromQL engine counts it.
type QueryStats struct {
	// Samples is the number of samples the query read.
	Samples int64
}

// Options choose how the engine stores samples.
type Options struct {
	// TimeOrdered is for callers that append and evaluate strictly in time
	// order, step by step, such as a simulation. The TSDB then cuts
	// two-hour blocks as a Prometheus server does (call Compact), so each
	// evaluation reads only recent chunks. Otherwise the whole history
	// stays in one head block as long as a year, which Backfill needs to
	// write recorded series into the past, but which every query scans
	// chunk by chunk.
	TimeOrdered bool
}

// Open creates an engine storing its TSDB in dir, which must exist and be
// empty or hold an earlier engine's data.
func Open(dir string) (*Engine, error) {
	return OpenWith(dir, Options{})
}

// OpenWith is Open with options.
func OpenWith(dir string, o Options) (*Engine, error) {
	opts := tsdb.DefaultOptions()
	if !o.TimeOrdered {
		// Backfilled rules write new series into the past. A head block
		// as long as a year holds all of it in memory and accepts those
		// appends; a server's two-hour head would reject anything older
		// than an hour.
		opts.MinBlockDuration = (400 * 24 * time.Hour).Milliseconds()
		opts.MaxBlockDuration = opts.MinBlockDuration
	}
	// Isolation keeps concurrent readers from seeing half an append; the
	// engine appends and reads in turn, and with isolation on every chunk
	// iterator walks all head chunks of its series, which makes month-long
	// heads quadratic to read.
	opts.IsolationDisabled = true
	db, err := tsdb.Open(dir, slog.New(slog.DiscardHandler), nil, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("engine: open TSDB in %s: %w", dir, err)
	}
	// Compaction runs when the caller says (Compact), so that runs are
	// deterministic and never race a background goroutine.
	db.DisableCompactions()
	p := parser.NewParser(parser.Options{})
	return &Engine{
		db: db,
		query: promql.NewEngine(promql.EngineOpts{
			Logger:             slog.New(slog.DiscardHandler),
			MaxSamples:         math.MaxInt32,
			Timeout:            time.Hour,
			LookbackDelta:      5 * time.Minute,
			EnableAtModifier:   true,
			EnablePerStepStats: true,
			Parser:             p,
		}),
		parser: p,
	}, nil
}

// Compact persists head data old enough to leave the head, as a server's
// background compaction would, keeping queries over recent data fast in
// long time-ordered runs.
func (e *Engine) Compact(ctx context.Context) error {
	return e.db.Compact(ctx)
}

// Close releases the TSDB.
func (e *Engine) Close() error {
	return e.db.Close()
}

// Storage is the engine's TSDB, for callers that append or read series
// directly.
func (e *Engine) Storage() storage.Storage {
	return e.db
}

// Appender batches samples for the TSDB.
type Appender struct {
	app storage.AppenderV2
}

// Appender starts a batch of samples; call Commit to store them.
func (e *Engine) Appender(ctx context.Context) *Appender {
	return &Appender{app: e.db.AppenderV2(ctx)}
}

// Add appends one float sample at t (milliseconds since the epoch).
func (a *Appender) Add(ls labels.Labels, t int64, v float64) error {
	_, err := a.app.Append(0, ls, 0, t, v, nil, nil, storage.AOptions{})
	return err
}

// AddRef is Add for callers that append many samples to the same series:
// pass the reference the previous call returned (0 the first time) to skip
// the series lookup.
func (a *Appender) AddRef(ref storage.SeriesRef, ls labels.Labels, t int64, v float64) (storage.SeriesRef, error) {
	return a.app.Append(ref, ls, 0, t, v, nil, nil, storage.AOptions{})
}

// Commit stores the batch.
func (a *Appender) Commit() error {
	return a.app.Commit()
}

// Rollback drops the batch. Every path that gives up on a batch calls it:
// an appender left open keeps the head's pending samples and series
// references, and blocks the head from being truncated.
func (a *Appender) Rollback() error {
	return a.app.Rollback()
}

// Query runs an instant query at t and reports what it cost.
func (e *Engine) Query(ctx context.Context, q string, t time.Time) (promql.Vector, QueryStats, error) {
	qry, err := e.query.NewInstantQuery(ctx, e.db, promql.NewPrometheusQueryOpts(true, 0, nil), q, t)
	if err != nil {
		return nil, QueryStats{}, err
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	var st QueryStats
	if s := qry.Stats(); s != nil && s.Samples != nil {
		st.Samples = s.Samples.TotalSamples
	}
	if res.Err != nil {
		return nil, st, res.Err
	}
	// Close hands the result's memory back to the engine's pools, so
	// what the caller keeps must be copied first.
	switch v := res.Value.(type) {
	case promql.Vector:
		return slices.Clone(v), st, nil
	case promql.Scalar:
		return promql.Vector{{T: v.T, F: v.V, Metric: labels.EmptyLabels()}}, st, nil
	}
	return nil, st, errors.New("engine: query result is not a vector or scalar")
}

// QueryMatrix runs an instant query whose result is a range vector (a
// bare range selector, such as {__name__=~".+"}[1d]) at t: the raw
// samples, to export what the engine holds.
func (e *Engine) QueryMatrix(ctx context.Context, q string, t time.Time) (promql.Matrix, error) {
	qry, err := e.query.NewInstantQuery(ctx, e.db, nil, q, t)
	if err != nil {
		return nil, err
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	m, ok := res.Value.(promql.Matrix)
	if !ok {
		return nil, errors.New("engine: query result is not a range vector")
	}
	return copyMatrix(m), nil
}

// copyMatrix copies a query's matrix out of the engine: closing the query
// hands its points back to the engine's pools.
func copyMatrix(m promql.Matrix) promql.Matrix {
	out := make(promql.Matrix, len(m))
	for i, s := range m {
		out[i] = promql.Series{Metric: s.Metric, Floats: slices.Clone(s.Floats), Histograms: slices.Clone(s.Histograms)}
	}
	return out
}

// ModelQuerier answers instant queries with the types of Prometheus' HTTP
// API (model.Vector), as a remote backend does, so that code written for
// a remote Prometheus (the budget reader) reads the engine unchanged and
// needs none of the engine's packages.
type ModelQuerier struct {
	Engine *Engine
}

// Query runs the query on the engine and converts the result.
func (q ModelQuerier) Query(ctx context.Context, query string, ts time.Time) (model.Vector, error) {
	v, _, err := q.Engine.Query(ctx, query, ts)
	if err != nil {
		return nil, err
	}
	out := make(model.Vector, 0, len(v))
	for _, s := range v {
		out = append(out, &model.Sample{Metric: modelMetric(s.Metric), Value: model.SampleValue(s.F), Timestamp: model.Time(s.T)})
	}
	return out, nil
}

// QueryRange runs a range query on the engine and converts the result.
func (q ModelQuerier) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	m, err := q.Engine.QueryRange(ctx, query, start, end, step)
	if err != nil {
		return nil, err
	}
	out := make(model.Matrix, 0, len(m))
	for _, s := range m {
		ss := &model.SampleStream{Metric: modelMetric(s.Metric), Values: make([]model.SamplePair, len(s.Floats))}
		for i, p := range s.Floats {
			ss.Values[i] = model.SamplePair{Timestamp: model.Time(p.T), Value: model.SampleValue(p.F)}
		}
		out = append(out, ss)
	}
	return out, nil
}

// modelMetric is a series' labels as the HTTP API's types hold them.
func modelMetric(ls labels.Labels) model.Metric {
	m := make(model.Metric, ls.Len())
	ls.Range(func(l labels.Label) { m[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	return m
}

// QueryRange runs a range query from start to end at step.
func (e *Engine) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) (promql.Matrix, error) {
	qry, err := e.query.NewRangeQuery(ctx, e.db, nil, q, start, end, step)
	if err != nil {
		return nil, err
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	m, err := res.Matrix()
	if err != nil {
		return nil, err
	}
	return copyMatrix(m), nil
}

// ruleQuery is the rules' query function: the engine's own, counting
// samples (rules.EngineQueryFunc drops query statistics).
func (e *Engine) ruleQuery(ctx context.Context, q string, t time.Time) (promql.Vector, error) {
	v, st, err := e.Query(ctx, q, t)
	e.samples += st.Samples
	return v, err
}

// LoadRules loads Prometheus rule files, as a Prometheus server would, and
// replaces the engine's rule groups with theirs, in file order.
func (e *Engine) LoadRules(files ...string) error {
	var all []Group
	for _, f := range files {
		parsed, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, e.parser, slog.New(slog.DiscardHandler))
		if len(errs) > 0 {
			return fmt.Errorf("engine: load rules: %w", errors.Join(errs...))
		}
		for _, rg := range parsed.Groups {
			all = append(all, Group{File: f, RuleGroup: rg})
		}
	}
	return e.LoadGroups(all...)
}

// Group is a rule group and the file it is named after (which need not
// exist: a server tells groups apart by file and name).
type Group struct {
	File string
	rulefmt.RuleGroup
	// Down, when set, reports the times the server evaluating this group
	// is down while others run (a region's Prometheus, beside a global
	// one): the group is not evaluated then, by Eval, Backfill or CatchUp.
	Down func(time.Time) bool
}

// LoadGroups replaces the engine's rule groups with these, in order, as a
// Prometheus server builds them from its rule files: generated rules go
// to the engine from memory, without a YAML round trip. Groups without an
// interval are evaluated every minute, a server's default.
func (e *Engine) LoadGroups(groups ...Group) error {
	opts := &rules.ManagerOptions{
		QueryFunc:    e.ruleQuery,
		AppendableV2: e.db,
		Queryable:    e.db,
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       slog.New(slog.DiscardHandler),
		Parser:       e.parser,
	}
	rules.NewManager(opts) // fills in the options' defaults, as for a server's groups
	loaded := make([]*rules.Group, 0, len(groups))
	down := map[*rules.Group]func(time.Time) bool{}
	for _, g := range groups {
		interval := time.Minute
		if g.Interval != 0 {
			interval = time.Duration(g.Interval)
		}
		rs := make([]rules.Rule, 0, len(g.Rules))
		for _, r := range g.Rules {
			expr, err := e.parser.ParseExpr(r.Expr)
			if err != nil {
				return fmt.Errorf("engine: load rules: group %s, rule %s%s: %w", g.Name, r.Record, r.Alert, err)
			}
			ls := rules.FromMaps(g.Labels, r.Labels)
			if r.Alert == "" {
				rs = append(rs, rules.NewRecordingRule(r.Record, expr, ls))
				continue
			}
			// Restored from the start: a server that has just loaded a
			// group waits for a restore from ALERTS_FOR_STATE before
			// writing ALERTS; the engine has no earlier state to restore.
			rs = append(rs, rules.NewAlertingRule(r.Alert, expr, time.Duration(r.For), time.Duration(r.KeepFiringFor),
				ls, labels.FromMap(r.Annotations), labels.EmptyLabels(), "", true, opts.Logger))
		}
		opts.RuleDependencyController.AnalyseRules(rs)
		rg := rules.NewGroup(rules.GroupOptions{
			Name:        g.Name,
			File:        g.File,
			Interval:    interval,
			Limit:       g.Limit,
			Rules:       rs,
			Opts:        opts,
			QueryOffset: (*time.Duration)(g.QueryOffset),
		})
		if g.Down != nil {
			down[rg] = g.Down
		}
		loaded = append(loaded, rg)
	}
	e.groups, e.down = loaded, down
	return nil
}

// GroupDown reports whether the server evaluating g is down at t, as its
// Group.Down says.
func (e *Engine) GroupDown(g *rules.Group, t time.Time) bool {
	down := e.down[g]
	return down != nil && down(t)
}

// Groups are the loaded rule groups, in evaluation order.
func (e *Engine) Groups() []*rules.Group {
	return e.groups
}

// Eval evaluates every rule group at t, in order, and returns the samples
// their queries read. Rules within a group run in order and see the samples
// earlier rules recorded at the same t, as in Prometheus.
func (e *Engine) Eval(ctx context.Context, t time.Time) (int64, error) {
	e.samples = 0
	var errs []error
	for _, g := range e.groups {
		if e.GroupDown(g, t) {
			continue
		}
		g.Eval(ctx, t)
		for _, r := range g.Rules() {
			if err := r.LastError(); err != nil {
				errs = append(errs, fmt.Errorf("group %s, rule %s at %s: %w", g.Name(), r.Name(), t.UTC().Format(time.RFC3339), err))
			}
		}
	}
	return e.samples, errors.Join(errs...)
}

// Backfill computes the recording rules of every group from start to end at
// each group's interval, with range queries, rule by rule in group order so
// that each rule reads what the rules before it recorded. This is how
// promtool backfills rules, and it is orders of magnitude faster than
// evaluating every step, so months of history are ready in seconds. Alerts
// are not backfilled; evaluate them with Eval from end on.
func (e *Engine) Backfill(ctx context.Context, start, end time.Time) error {
	return e.BackfillExcept(ctx, start, end, nil)
}

// BackfillExcept is Backfill with no evaluation at the times down reports
// (a monitoring gap, as while a server restarts): nothing is recorded
// then, and the evaluations after it read what the gap left.
func (e *Engine) BackfillExcept(ctx context.Context, start, end time.Time, down func(time.Time) bool) error {
	for _, g := range e.groups {
		groupDown := down
		if e.down[g] != nil {
			groupDown = func(t time.Time) bool { return (down != nil && down(t)) || e.GroupDown(g, t) }
		}
		for _, r := range g.Rules() {
			rr, ok := r.(*rules.RecordingRule)
			if !ok {
				continue
			}
			if err := e.backfillRule(ctx, rr, g.Interval(), start, end, groupDown); err != nil {
				return fmt.Errorf("engine: backfill group %s, rule %s: %w", g.Name(), rr.Name(), err)
			}
		}
	}
	return nil
}

// CatchUp brings the rules to where a server evaluating them since from
// would be at t: recording rules backfilled up to the evaluation before
// t, then every rule, alerts included, evaluated at t (so ALERTS exist at
// t, which a backfill alone does not give). The step is the shortest
// group interval.
func (e *Engine) CatchUp(ctx context.Context, from, t time.Time) error {
	return e.CatchUpExcept(ctx, from, t, nil)
}

// CatchUpExcept is CatchUp with no evaluation at the times down reports
// (BackfillExcept).
func (e *Engine) CatchUpExcept(ctx context.Context, from, t time.Time, down func(time.Time) bool) error {
	step := time.Duration(0)
	for _, g := range e.groups {
		if step == 0 || g.Interval() < step {
			step = g.Interval()
		}
	}
	if step > 0 && t.Sub(from) >= step {
		if err := e.BackfillExcept(ctx, from, t.Add(-step), down); err != nil {
			return err
		}
	}
	if down != nil && down(t) {
		return nil
	}
	_, err := e.Eval(ctx, t)
	return err
}

// backfillChunk bounds the memory of one range query.
const backfillChunk = 7 * 24 * time.Hour

func (e *Engine) backfillRule(ctx context.Context, r *rules.RecordingRule, step time.Duration, start, end time.Time, down func(time.Time) bool) error {
	for from := start; !from.After(end); from = from.Add(backfillChunk) {
		to := from.Add(backfillChunk - step)
		if to.After(end) {
			to = end
		}
		m, err := e.QueryRange(ctx, r.Query().String(), from, to, step)
		if err != nil {
			return err
		}
		app := e.Appender(ctx)
		for _, series := range m {
			lb := labels.NewBuilder(series.Metric)
			lb.Set(labels.MetricName, r.Name())
			r.Labels().Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
			ls := lb.Labels()
			var ref storage.SeriesRef
			for _, p := range series.Floats {
				if down != nil && down(time.UnixMilli(p.T)) {
					continue
				}
				if ref, err = app.AddRef(ref, ls, p.T, p.F); err != nil {
					return errors.Join(err, app.Rollback())
				}
			}
		}
		if err := app.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Alert is an alert as a rule group holds it after an evaluation.
type Alert struct {
	Name     string
	Labels   labels.Labels
	Firing   bool // false while pending its for: duration
	ActiveAt time.Time
	FiredAt  time.Time
	Value    float64
}

// Alerts returns the pending and firing alerts of every group after the
// last Eval.
func (e *Engine) Alerts() []Alert {
	var out []Alert
	for _, g := range e.groups {
		for _, r := range g.Rules() {
			ar, ok := r.(*rules.AlertingRule)
			if !ok {
				continue
			}
			for _, a := range ar.ActiveAlerts() {
				out = append(out, Alert{
					Name:     ar.Name(),
					Labels:   a.Labels,
					Firing:   a.State == rules.StateFiring,
					ActiveAt: a.ActiveAt,
					FiredAt:  a.FiredAt,
					Value:    a.Value,
				})
			}
		}
	}
	return out
}
