package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/slo"
)

const canarySynopsis = `canary check --prometheus-url URL --canary SELECTOR --baseline SELECTOR
       [--window 10m] [--confidence 0.99] [--slo NAME] [--change normal]
       [--format text|json] PATH...

Judges a canary by the service's SLOs: for each objective it reads the
canary's and the baseline's events over the window from the SLI's raw
series (the SLI's selectors with the --canary or --baseline matchers
added, such as 'rollouts_pod_template_hash="6d4f9"'), and answers pass,
fail or inconclusive with the figures. A verdict needs as many canary
requests as a canary without errors needs to pass; the canary fails when
it is significantly worse than the baseline (Newcombe's score interval at
the confidence) and burns its budget faster than the even pace, and
passes when its error ratio is, at that confidence, under the page
tier's burn rate. A canary burning with its baseline is an incident:
inconclusive, unless the change is a hotfix significantly better than
that baseline, which passes. A rollback always passes (the gate always
lets it through), its objectives' verdicts noted. Exit code: 0 pass, 1 fail (or an error), 3 inconclusive.`

// exitInconclusive is canary check's exit code for "not yet": neither
// pass nor fail, for a pipeline to wait and ask again; gate check's
// undecided has it too.
const exitInconclusive = gateUndecided

func runCanary(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintf(stderr, "Usage: slokit %s\n", canarySynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return exitOK
		}
		return exitUsage
	}
	fs := newFlagSet("canary check", canarySynopsis, stderr)
	backend := addBackendFlags(fs, "the Prometheus-compatible backend holding the SLIs' raw series")
	canarySel := fs.String("canary", "", "label matchers of the canary's series, such as 'rollouts_pod_template_hash=\"6d4f9\"'")
	baselineSel := fs.String("baseline", "", "label matchers of the baseline's series")
	window := fs.Duration("window", 10*time.Minute, "the analysis window, up to now")
	confidence := fs.Float64("confidence", canary.DefaultConfidence, "one-sided confidence of every bound, at least 0.5 and below 1")
	only := fs.String("slo", "", "judge only this SLO of the service")
	change := fs.String("change", "normal", "the kind of change: normal, rollback, hotfix or security")
	format := fs.String("format", "text", "text or json")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usageError(err)
	}
	sides, err := canary.ParseSides(*canarySel, *baselineSel)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "slokit canary check: %v\n", err)
		return exitUsage
	case *backend.url == "" || len(paths) == 0:
		fmt.Fprintln(stderr, "slokit canary check: give --prometheus-url and the service's spec")
		return exitUsage
	case !slices.Contains(slo.Changes(), slo.Change(*change)):
		fmt.Fprintf(stderr, "slokit canary check: --change: %q is not normal, rollback, hotfix or security\n", *change)
		return exitUsage
	case *format != "text" && *format != "json":
		fmt.Fprintf(stderr, "slokit canary check: --format: %q is not text or json\n", *format)
		return exitUsage
	}
	services, ok := load(paths, specReading{maxFileBytes: *maxBytes}, stderr)
	if !ok {
		return exitInvalid
	}
	q, err := backend.querier()
	if err != nil {
		fmt.Fprintf(stderr, "slokit canary check: %v\n", err)
		return exitInvalid
	}
	var reports []canary.Report
	for _, svc := range services {
		if *only != "" && !slices.ContainsFunc(svc.SLOs, func(s *slo.SLO) bool { return s.Name == *only }) && len(services) > 1 {
			continue
		}
		rep, err := canary.Check(ctx, q, svc, canary.Request{SLO: *only, Sides: sides, Window: *window, Confidence: *confidence, Change: slo.Change(*change)}, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "slokit canary check: %v\n", err)
			return exitInvalid
		}
		reports = append(reports, rep)
	}
	if len(reports) == 0 {
		fmt.Fprintf(stderr, "slokit canary check: no SLO named %q in the specs\n", *only)
		return exitInvalid
	}
	return reportVerdicts(reports, *format, stdout, stderr)
}

// reportVerdicts prints the reports and returns the exit code of the
// worst verdict: a fail, then an inconclusive one, then a pass.
func reportVerdicts(reports []canary.Report, format string, stdout, stderr io.Writer) int {
	code := exitOK
	for _, r := range reports {
		switch {
		case r.Verdict == canary.Fail:
			code = exitInvalid
		case r.Verdict == canary.Inconclusive && code == exitOK:
			code = exitInconclusive
		}
		for _, l := range r.LeftOut {
			fmt.Fprintf(stderr, "slokit canary check: left out: %s\n", l)
		}
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(stderr, "slokit canary check: %v\n", err)
			return exitInvalid
		}
		return code
	}
	for _, r := range reports {
		if r.Note != "" {
			fmt.Fprintf(stdout, "%-12s %s: %s\n", r.Verdict, r.Service, r.Note)
		}
		for _, v := range r.Objectives {
			fmt.Fprintf(stdout, "%-12s %s/%s %s%%: %s (canary %.0f requests, %.0f bad; baseline %.0f, %.0f)\n",
				v.Verdict, r.Service, v.SLO, v.Objective, v.Reason, v.Canary.Total, v.Canary.Bad, v.Baseline.Total, v.Baseline.Bad)
		}
	}
	return code
}
