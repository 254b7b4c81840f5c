//go:build !noengine

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/internal/scratch"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

// listFlag collects a flag given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

const simulateSynopsis = `simulate --scenario NAME|FILE (PATH... | --rules FILE... [PATH... | --total SELECTOR --errors SELECTOR]) [--json]
       slokit simulate --prometheus-url URL [--since 30d] [--until TIME] [--rules FILE...] PATH... [--json]
       slokit simulate --list

Backtests alert rules on the embedded Prometheus engine: writes the
scenario's traffic as the series the SLOs read, evaluates the rules (slokit's,
generated from --spec, or any rule file given with --rules) and reports when
each alert fired and reset, what the rules read per evaluation, and how far
the remaining budget they report is from the truth.

With --prometheus-url instead of --scenario, the traffic is the backend's
real past: the raw series the SLOs read over --since, read as stored (an
hour at a time), and every firing of the rules over it is reported; a
selector that matches nothing, data that begins late and gaps are warned
of.`

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("simulate", simulateSynopsis, stderr)
	maxBytes := maxFileBytesFlag(fs)
	pageWithin := fs.Duration("expect-page-within", 0, "fail (exit 1) unless every SLO objective pages within this long of the first incident")
	noPage := fs.Bool("expect-no-page", false, "fail (exit 1) if any page alert fires")
	noFalse := fs.Bool("expect-no-false-firing", false, "fail (exit 1) if any alert fires outside the incidents and its long window")
	maxSamples := fs.Float64("max-samples", simulate.DefaultMaxSamples, "most raw samples a scenario may write (duration / scrape interval x series), which the engine holds in memory")
	name := fs.String("scenario", "", "built-in scenario name (see --list) or scenario file")
	list := fs.Bool("list", false, "list the built-in scenarios")
	asJSON := fs.Bool("json", false, "print one JSON object instead of tables")
	var specs, ruleFiles listFlag
	fs.Var(&specs, "spec", "SLO spec file or folder, as a PATH argument is (repeatable)")
	fs.Var(&ruleFiles, "rules", "Prometheus rule file to evaluate instead of slokit's generated rules (repeatable)")
	total := fs.String("total", "", "with --rules and no --spec: selector of the counter of all requests")
	errs := fs.String("errors", "", "with --rules and no --spec: selector of the counter of failed requests")
	objective := fs.Float64("objective", 99.9, "with --total/--errors: the objective burn rates are measured against")
	cards := addScorecardFlags(fs)
	backend := addBackendFlags(fs, "replay the rules over this backend's real past instead of a scenario (Prometheus-compatible HTTP API)").addRemoteRead(fs)
	past := addPastFlags(fs, "30d", "with --prometheus-url: how far back the past replayed reaches, such as 7d")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	// Spec paths stand after the flags, as in every other command;
	// --spec PATH says the same.
	specs = append(specs, positional...)
	if *list {
		listScenarios(stdout)
		return exitOK
	}
	expect := scenario.Expect{PageWithin: *pageWithin, NoPage: *noPage, NoFalseFirings: *noFalse}
	card, err := cards.options(*backend.url != "", *maxBytes)
	if err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitUsage
	}
	if *backend.url != "" {
		return simulatePast(ctx, backend, past, *name, specs, ruleFiles, simulate.Options{MaxSamples: *maxSamples, Scorecard: card}, expect, *maxBytes, *asJSON, stdout, stderr)
	}
	if why := simulateFlagsConflict(*name, len(specs), len(ruleFiles), *total, *errs, *pageWithin, *maxSamples); why != "" {
		fmt.Fprintln(stderr, "slokit simulate: "+why)
		return exitUsage
	}
	sc, err := scenario.LookupWith(*name, *maxBytes)
	if err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitInvalid
	}
	var services []*slo.Service
	if len(specs) > 0 {
		var ok bool
		if services, ok = load(specs, specReading{maxFileBytes: *maxBytes}, stderr); !ok {
			return exitInvalid
		}
	} else if services, err = metricsSpec(sc, *objective, *total, *errs); err != nil {
		fmt.Fprintf(stderr, "slokit simulate: --total/--errors/--objective: %v\n", err)
		return exitInvalid
	}
	if expect.PageWithin == 0 {
		expect.PageWithin = sc.Expect.PageWithin
	}
	expect.NoPage = expect.NoPage || sc.Expect.NoPage
	expect.NoFalseFirings = expect.NoFalseFirings || sc.Expect.NoFalseFirings
	o := simulate.Options{Scenario: sc, Services: services, RuleFiles: ruleFiles, MaxSamples: *maxSamples, Scorecard: card}
	return simulateAndWrite(ctx, o, sc, expect, *asJSON, stdout, stderr)
}

// simulateAndWrite runs the simulation o describes in a scratch engine,
// checks the expectations and writes the result; it returns the exit
// code: 1 when the run fails or an expectation does not hold.
func simulateAndWrite(ctx context.Context, o simulate.Options, sc *scenario.Scenario, expect scenario.Expect, asJSON bool, stdout, stderr io.Writer) int {
	// The engine's TSDB: removed at the end, or by the next run when this
	// one is killed.
	dir, remove, err := scratch.New("slokit-simulate")
	if err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitInvalid
	}
	defer remove()
	o.Dir = dir
	started := time.Now()
	res, err := runWithProgress(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitInvalid
	}
	if o.Past != nil {
		// A past has no scenario incidents: those in its counts judge it.
		res.FailedExpectations = append([]string{}, res.CheckIncidents(expect)...)
	} else {
		res.FailedExpectations = append([]string{}, res.Check(expect)...)
	}
	code := exitOK
	if len(res.FailedExpectations) > 0 {
		code = exitInvalid
	}
	if err := writeSimulation(stdout, stderr, sc, res, expect, asJSON, time.Since(started)); err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitInvalid
	}
	return code
}

// simulatePast replays the rules over the backend's real past.
func simulatePast(ctx context.Context, backend *backendFlags, window *pastFlags, name string, specs, ruleFiles []string, o simulate.Options, expect scenario.Expect, maxBytes int64, asJSON bool, stdout, stderr io.Writer) int {
	from, to, err := window.window(time.Now())
	switch {
	case name != "":
		err = fmt.Errorf("give --scenario or --prometheus-url, not both")
	case err != nil:
	case len(specs) == 0:
		err = fmt.Errorf("give the spec PATHs whose raw series to read")
	}
	if err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitUsage
	}
	services, ok := load(specs, specReading{maxFileBytes: maxBytes}, stderr)
	if !ok {
		return exitInvalid
	}
	source, _, err := historySource(backend)
	if err != nil {
		fmt.Fprintf(stderr, "slokit simulate: %v\n", err)
		return exitUsage
	}
	past := &simulate.Past{Source: source, From: from, To: to}
	o.Past, o.Services, o.RuleFiles = past, services, ruleFiles
	return simulateAndWrite(ctx, o, simulate.PastScenario(past), expect, asJSON, stdout, stderr)
}

// writeSimulation writes the result, as tables or JSON, its warnings and
// whether the expectations held.
func writeSimulation(stdout, stderr io.Writer, sc *scenario.Scenario, res *simulate.Result, expect scenario.Expect, asJSON bool, took time.Duration) error {
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "slokit simulate: warning: %s\n", w)
	}
	if asJSON {
		if err := jsonIndented(stdout, res); err != nil {
			return err
		}
	} else {
		printSimulation(stdout, sc, res, took)
		printScorecards(stdout, res)
	}
	if expect != (scenario.Expect{}) {
		for _, f := range res.FailedExpectations {
			fmt.Fprintf(stderr, "slokit simulate: expectation failed: %s\n", f)
		}
		if len(res.FailedExpectations) == 0 {
			fmt.Fprintln(stderr, "slokit simulate: every expectation met")
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal, where progress lines help
// rather than litter a log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func seconds(p *float64) string {
	if p == nil {
		return "-"
	}
	return (time.Duration(*p) * time.Second).String()
}

func printSimulation(out io.Writer, sc *scenario.Scenario, res *simulate.Result, took time.Duration) {
	if sc.Series == 0 { // a past replayed: its series are the backend's
		fmt.Fprintf(out, "%s: %s\n(%s, %s evaluation; replayed in %s)\n\n",
			sc.Name, sc.Description, model.Duration(sc.Duration), model.Duration(sc.EvaluationInterval), took.Round(time.Millisecond))
	} else {
		fmt.Fprintf(out, "scenario %s: %s\n(%s, %d series, %s scrape, %s evaluation; simulated in %s)\n\n",
			sc.Name, sc.Description, model.Duration(sc.Duration), sc.Series, model.Duration(sc.ScrapeInterval), model.Duration(sc.EvaluationInterval), took.Round(time.Millisecond))
	}
	if len(sc.Regions) > 0 {
		var parts []string
		for _, r := range sc.Regions {
			parts = append(parts, fmt.Sprintf("%s (share %g)", r.Name, r.Share))
		}
		fmt.Fprintf(out, "regions: %s, each with its Prometheus evaluating the edge tier, and a global evaluator the global tier\n", strings.Join(parts, ", "))
	}
	for _, f := range sc.Failovers {
		fmt.Fprintf(out, "failover from +%s to +%s: %s serves nothing, the other regions its traffic\n", model.Duration(f.Start), model.Duration(f.End()), f.Region)
	}
	for _, g := range sc.MonitoringGaps {
		if g.Region != "" {
			fmt.Fprintf(out, "monitoring gap from +%s to +%s: %s's Prometheus is down, no scrapes there and no edge rule evaluations; the global evaluator goes on\n",
				model.Duration(g.Start), model.Duration(g.End()), g.Region)
			continue
		}
		fmt.Fprintf(out, "monitoring gap from +%s to +%s: no scrapes and no rule evaluations; the budget below tells what the rules lost\n",
			model.Duration(g.Start), model.Duration(g.End()))
	}
	if len(sc.MonitoringGaps)+len(sc.Regions) > 0 {
		fmt.Fprintln(out)
	}
	if res.Cost.Method == "checkpoints" {
		fmt.Fprintln(out, "alerts: not evaluated: the rules read too many samples to replay every step; cost measured at checkpoints only")
	} else {
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ALERT\tFIRST FIRED\tDETECTION\tRESET\tFIRINGS\tFALSE")
		for _, a := range res.Alerts {
			first := "-"
			if a.FirstFiredAt != nil {
				first = "+" + model.Duration(a.FirstFiredAt.Sub(res.Start)).String()
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", simulate.AlertName(a), first, seconds(a.DetectionSeconds), seconds(a.ResetSeconds), a.Firings, a.FalseFirings)
		}
		w.Flush()
		const width = 72
		fmt.Fprintf(out, "\ntimeline, one column per %s (^ incident, # firing):\n", model.Duration(sc.Duration/width))
		lines := simulate.Timeline(res, sc, width)
		fmt.Fprintf(out, "  %s  incidents\n", lines[0])
		for i, a := range res.Alerts {
			fmt.Fprintf(out, "  %s  %s\n", lines[i+1], simulate.AlertName(a))
		}
	}
	if len(res.Budgets) > 0 {
		fmt.Fprintln(out)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		if b := res.Budgets[0]; b.CoveredSeconds < b.PeriodSeconds {
			fmt.Fprintf(out, "the run covers %s of the %s period: budgets are of the traffic written, so -100%% is twice the errors the objective allows in %s\n",
				model.Duration(time.Duration(b.CoveredSeconds)*time.Second), model.Duration(time.Duration(b.PeriodSeconds)*time.Second), model.Duration(time.Duration(b.CoveredSeconds)*time.Second))
		}
		fmt.Fprintln(w, "BUDGET REMAINING\tOBJECTIVE\tREPORTED\tEXACT\tDIFFERENCE")
		for _, b := range res.Budgets {
			reported, diff := "-", "-"
			if b.ReportedRemaining != nil {
				reported = fmt.Sprintf("%.2f%%", *b.ReportedRemaining*100)
				diff = fmt.Sprintf("%+.2f points", (*b.ReportedRemaining-b.ExactRemaining)*100)
			}
			name := b.Service + "/" + b.SLO
			if b.Region != "" {
				name += " in " + b.Region
			}
			fmt.Fprintf(w, "%s\t%s%%\t%s\t%.2f%%\t%s\n", name, b.Objective, reported, b.ExactRemaining*100, diff)
		}
		w.Flush()
	}
	fmt.Fprintf(out, "\ncost: %.0f samples per evaluation cycle (max %.0f), %s over %d checkpoints\n",
		res.Cost.SamplesPerEvaluation.Mean, res.Cost.SamplesPerEvaluation.Max, res.Cost.Method, res.Cost.Checkpoints)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, g := range sortedGroupNames(res.Cost.ByGroup) {
		st := res.Cost.ByGroup[g]
		fmt.Fprintf(w, "  %s\t%.0f\tmax %.0f\n", g, st.Mean, st.Max)
	}
	w.Flush()
}

func sortedGroupNames(m map[string]simulate.Stat) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// listScenarios lists the built-in scenarios, a line each.
func listScenarios(stdout io.Writer) {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tDURATION\tLATENCY\tDESCRIPTION")
	for _, s := range scenario.Builtins() {
		fmt.Fprintf(w, "%s\t%s\tp50 %s, p99 %s\t%s\n", s.Name, model.Duration(s.Duration), s.Latency.Median, s.Latency.P99, s.Description)
	}
	w.Flush()
}

// simulateFlagsConflict says what is wrong with the flags together, or "".
func simulateFlagsConflict(name string, specs, ruleFiles int, total, errs string, pageWithin time.Duration, maxSamples float64) string {
	switch {
	case name == "":
		return "--scenario is required (slokit simulate --list shows the built-ins)"
	case specs == 0 && ruleFiles == 0:
		return "give spec PATHs, or --rules with PATHs or --total and --errors"
	case specs == 0 && (total == "" || errs == ""):
		return "with --rules alone, --total and --errors name the metrics to write the traffic as"
	case specs > 0 && (total != "" || errs != ""):
		return "--total and --errors replace spec PATHs; give one or the other"
	case pageWithin < 0:
		return fmt.Sprintf("--expect-page-within is %s: give a positive duration (or leave it out)", pageWithin)
	case !(maxSamples > 0 && maxSamples <= 1e12):
		return fmt.Sprintf("--max-samples is %v: give more than 0 and at most 1e12", maxSamples)
	}
	return ""
}

// metricsSpec is the one SLO --total, --errors and --objective describe,
// for rule files given with --rules.
func metricsSpec(sc *scenario.Scenario, objective float64, total, errs string) ([]*slo.Service, error) {
	spec := fmt.Sprintf("apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: simulated\nscrapeInterval: %s\nslos:\n  - name: rules\n    objective: %s\n    sli:\n      ratio:\n        errors: %s\n        total: %s\n",
		model.Duration(sc.ScrapeInterval), strconv.FormatFloat(objective, 'f', -1, 64), strconv.Quote(errs), strconv.Quote(total))
	services, diags := slo.Parse([]byte(spec))
	return services, diags.Errors()
}

// jsonIndented writes v as indented JSON.
func jsonIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runWithProgress runs the simulation, on a terminal with its progress on
// one line of stderr, rewritten in place.
func runWithProgress(ctx context.Context, opts simulate.Options, stderr io.Writer) (*simulate.Result, error) {
	started := time.Now()
	if isTerminal(stderr) {
		opts.Progress = func(step string) {
			// \r and a clearing escape: one line, rewritten in place.
			fmt.Fprintf(stderr, "\r\033[K%s: %s...", model.Duration(time.Since(started).Round(time.Second)), step)
		}
	}
	res, err := simulate.Run(ctx, opts)
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	return res, err
}
