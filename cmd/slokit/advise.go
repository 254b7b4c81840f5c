//go:build !noengine

package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/advise"
	"github.com/slokit/slokit/internal/scratch"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate"
)

const adviseSynopsis = `advise --prometheus-url URL [--since 90d] [--until TIME] [--objective 99.9...] PATH... [--format table|json|markdown]
       slokit advise --scenario NAME|FILE [--objective 99.9...] PATH...

Tells what objective each SLO actually meets, from the backend's real
past (the raw series its SLI reads, over --since) or a scenario's
traffic: the SLI achieved over every rolling period (a period long, a
day apart: min, 10th percentile, median), each period's SLI and the
strictest candidate it met, and for each candidate objective the share
of rolling periods it would have met, the most of its budget a period
would have spent and the pages the SLO's page tiers would have sent. The
recommendation is the strictest candidate met in nine rolling periods in
ten.`

func runAdvise(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("advise", adviseSynopsis, stderr)
	maxBytes := maxFileBytesFlag(fs)
	backend := addBackendFlags(fs, "read the SLOs' raw series over --since from this backend (Prometheus-compatible HTTP API)").addRemoteRead(fs)
	past := addPastFlags(fs, "90d", "with --prometheus-url: how much history to judge by, such as 30d; three periods or more tell best")
	name := fs.String("scenario", "", "judge a scenario's traffic instead (built-in name or file): to try advise without a backend")
	format := fs.String("format", "table", "table, json or markdown (a section for a report)")
	maxSamples := fs.Float64("max-samples", simulate.DefaultMaxSamples, "most raw samples read or written, which the engine holds in memory")
	var candidates listFlag
	fs.Var(&candidates, "objective", "candidate objective in percent, such as 99.95 (repeatable; default 99, 99.5, 99.9, 99.95, 99.99; the spec's is always one)")
	specs, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	objectives, err := adviseFlags(*backend.url, *name, *format, candidates, specs)
	var from, to time.Time
	if err == nil && *backend.url != "" {
		from, to, err = past.window(time.Now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "slokit advise: %v\n", err)
		return exitUsage
	}
	services, ok := load(specs, specReading{maxFileBytes: *maxBytes}, stderr)
	if !ok {
		return exitInvalid
	}
	o := simulate.Options{Services: services, MaxSamples: *maxSamples}
	if *name != "" {
		if o.Scenario, err = scenario.LookupWith(*name, *maxBytes); err != nil {
			fmt.Fprintf(stderr, "slokit advise: %v\n", err)
			return exitInvalid
		}
	} else {
		source, _, err := historySource(backend)
		if err != nil {
			fmt.Fprintf(stderr, "slokit advise: %v\n", err)
			return exitUsage
		}
		o.Past = &simulate.Past{Source: source, From: from, To: to}
	}
	advice, err := adviseOn(ctx, o, objectives, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "slokit advise: %v\n", err)
		return exitInvalid
	}
	if err := writeAdvice(stdout, advice, *format); err != nil {
		fmt.Fprintf(stderr, "slokit advise: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

// adviseFlags checks advise's flags and reads the candidate objectives.
func adviseFlags(url, name, format string, candidates, specs []string) ([]float64, error) {
	switch {
	case (url == "") == (name == ""):
		return nil, fmt.Errorf("give --prometheus-url (the backend's past) or --scenario, one of them")
	case len(specs) == 0:
		return nil, fmt.Errorf("give the spec PATHs to advise on")
	case !slices.Contains([]string{"table", "json", "markdown"}, format):
		return nil, fmt.Errorf("--format %q: give table, json or markdown", format)
	}
	if len(candidates) == 0 {
		return advise.DefaultCandidates, nil
	}
	var out []float64
	for _, c := range candidates {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || !(v > 0 && v < 100) {
			return nil, fmt.Errorf("--objective %q: give a percentage between 0 and 100, such as 99.9", c)
		}
		out = append(out, v)
	}
	return out, nil
}

// adviseOn reads every SLO objective's counts in a scratch engine and
// works out its advice.
func adviseOn(ctx context.Context, o simulate.Options, candidates []float64, stderr io.Writer) ([]advise.Advice, error) {
	dir, remove, err := scratch.New("slokit-advise")
	if err != nil {
		return nil, err
	}
	defer remove()
	o.Dir = dir
	if isTerminal(stderr) {
		o.Progress = func(step string) { fmt.Fprintf(stderr, "slokit advise: %s\n", step) }
	}
	counted, warnings, err := simulate.ObjectiveCounts(ctx, o)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "slokit advise: warning: %s\n", w)
	}
	if len(counted) == 0 {
		return nil, fmt.Errorf("no SLO has events to judge: check the specs' selectors against the backend")
	}
	var out []advise.Advice
	for _, c := range counted {
		in := advise.Input{Service: c.SLO.Service, SLO: c.SLO.Name, Objective: c.Objective.Target, Period: c.SLO.Period, Tiers: c.SLO.Alerting.Tiers, Counts: c.Counts}
		if c.Objective.Threshold > 0 {
			in.Threshold = series.ThresholdValue(c.Objective.Threshold)
		}
		out = append(out, advise.Advise(in, candidates))
	}
	return out, nil
}

// writeAdvice writes the advice as tables, JSON or a markdown section.
func writeAdvice(w io.Writer, advice []advise.Advice, format string) error {
	if format == "json" {
		return jsonIndented(w, struct {
			Advice []advise.Advice `json:"advice"`
		}{advice})
	}
	md := format == "markdown"
	if md {
		fmt.Fprintln(w, "## Objective advice")
	}
	for _, a := range advice {
		name := a.Service + "/" + a.SLO
		if a.Threshold != "" {
			name += " under " + a.Threshold
		}
		history := model.Duration(time.Duration(a.HistorySeconds) * time.Second)
		recommended := "none of the candidates"
		if a.Recommended != nil {
			recommended = pct(*a.Recommended)
		}
		head := fmt.Sprintf("%s, objective %s over %s: %s of history; achieved over %d rolling period(s): min %s, p10 %s, median %s; recommended %s",
			name, pct(a.Objective), model.Duration(time.Duration(a.PeriodSeconds)*time.Second), history, a.Achieved.Periods, pct(a.Achieved.Min), pct(a.Achieved.P10), pct(a.Achieved.Median), recommended)
		if a.Partial {
			head += " (the history is shorter than a period: one partial period)"
		}
		if md {
			fmt.Fprintf(w, "\n### %s\n\n%s.\n\n", name, head)
		} else {
			fmt.Fprintf(w, "\n%s\n", head)
		}
		writeTable(w, md, []string{"PERIOD", "ACHIEVED", "MET"}, func(row func(...string)) {
			for _, p := range a.Periods {
				achieved, met := "no events", "-"
				if p.Achieved != nil {
					achieved, met = pct(*p.Achieved), "none"
				}
				if p.Met != nil {
					met = pct(*p.Met)
				}
				row(p.From.UTC().Format("2006-01-02 15:04")+" to "+p.To.UTC().Format("2006-01-02 15:04"), achieved, met)
			}
		})
		writeTable(w, md, []string{"CANDIDATE", "PERIODS MET", "WORST PERIOD SPENT", "PAGES", "PAGES A WEEK"}, func(row func(...string)) {
			for _, c := range a.Candidates {
				mark := ""
				if c.Objective == a.Objective {
					mark = " (spec)"
				}
				row(pct(c.Objective)+mark, fmt.Sprintf("%.0f%%", c.PeriodsMet*100), fmt.Sprintf("%.0f%% of its budget", c.WorstSpent*100), strconv.Itoa(c.Pages), strconv.FormatFloat(c.PagesPerWeek, 'g', 4, 64))
			}
		})
	}
	return nil
}

// writeTable writes rows under a header, aligned for a terminal or as a
// markdown table.
func writeTable(w io.Writer, md bool, header []string, rows func(row func(...string))) {
	if md {
		fmt.Fprintf(w, "\n| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
		rows(func(cells ...string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) })
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\n", strings.Join(header, "\t"))
	rows(func(cells ...string) { fmt.Fprintf(tw, "  %s\n", strings.Join(cells, "\t")) })
	tw.Flush()
}

func pct(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }
