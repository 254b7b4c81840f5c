package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/slo"
)

const canarySynopsis = `canary check --prometheus-url URL --canary SELECTOR --baseline SELECTOR
       [--window 10m] [--confidence 0.99] [--slo NAME] [--format text|json] PATH...

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
inconclusive. Exit code: 0 pass, 1 fail (or an error), 3 inconclusive.`

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
	format := fs.String("format", "text", "text or json")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usageError(err)
	}
	sides, err := canarySides(*canarySel, *baselineSel)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "slokit canary check: %v\n", err)
		return exitUsage
	case *backend.url == "" || len(paths) == 0:
		fmt.Fprintln(stderr, "slokit canary check: give --prometheus-url and the service's spec")
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
	verdicts, skipped, err := judgeCanary(ctx, q, services, *only, sides, *window, *confidence)
	if err != nil {
		fmt.Fprintf(stderr, "slokit canary check: %v\n", err)
		return exitInvalid
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "slokit canary check: left out: %s\n", s)
	}
	return reportVerdicts(verdicts, *format, stdout)
}

// canarySides parses the two sides' label matchers.
func canarySides(canarySel, baselineSel string) (canary.Sides, error) {
	var sides canary.Sides
	for _, s := range []struct {
		name, text string
		into       *[]*labels.Matcher
	}{{"--canary", canarySel, &sides.Canary}, {"--baseline", baselineSel, &sides.Baseline}} {
		if s.text == "" {
			return sides, fmt.Errorf("%s: missing: label matchers such as 'rollouts_pod_template_hash=\"6d4f9\"'", s.name)
		}
		ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + s.text + "}")
		if err != nil {
			return sides, fmt.Errorf("%s: %q: %v", s.name, s.text, err)
		}
		*s.into = ms
	}
	return sides, nil
}

// verdict is one objective's judgement, named.
type verdict struct {
	Service   string `json:"service"`
	SLO       string `json:"slo"`
	Objective string `json:"objective"`
	canary.Judgement
	Canary   canary.Events `json:"canary"`
	Baseline canary.Events `json:"baseline"`
}

// judgeCanary judges every objective of the services' SLOs (or of one).
func judgeCanary(ctx context.Context, q canary.Querier, services []*slo.Service, only string, sides canary.Sides, window time.Duration, confidence float64) (out []verdict, skipped []string, err error) {
	now := time.Now()
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if only != "" && s.Name != only {
				continue
			}
			// An SLO no canary can be judged by is left out, unless it
			// is the one asked for.
			if err := canary.Supports(s); err != nil && only == "" {
				skipped = append(skipped, err.Error())
				continue
			}
			observed, err := canary.Read(ctx, q, s, sides, window, now)
			if err != nil {
				return nil, nil, err
			}
			for _, o := range observed {
				c := canary.Criteria{Budget: o.Objective.Budget(), MaxBurnRate: s.Alerting.UrgentTiers()[0].Factor, Confidence: confidence}
				j, err := canary.Judge(o.Canary, o.Baseline, c)
				if err != nil {
					return nil, nil, err
				}
				out = append(out, verdict{Service: svc.Name, SLO: s.Name, Objective: o.Objective.Label(), Judgement: j, Canary: o.Canary, Baseline: o.Baseline})
			}
		}
	}
	if len(out) == 0 && only != "" {
		return nil, nil, fmt.Errorf("no SLO named %q", only)
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("no SLO of the specs can judge a canary: %s", strings.Join(skipped, "; "))
	}
	return out, skipped, nil
}

// reportVerdicts prints the verdicts and returns the exit code of the
// worst: a fail, then an inconclusive one, then a pass.
func reportVerdicts(verdicts []verdict, format string, stdout io.Writer) int {
	code := exitOK
	for _, v := range verdicts {
		switch {
		case v.Verdict == canary.Fail:
			code = exitInvalid
		case v.Verdict == canary.Inconclusive && code == exitOK:
			code = exitInconclusive
		}
	}
	if format == "json" {
		overall := map[int]canary.Verdict{exitOK: canary.Pass, exitInvalid: canary.Fail, exitInconclusive: canary.Inconclusive}[code]
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			Verdict    canary.Verdict `json:"verdict"`
			Objectives []verdict      `json:"objectives"`
		}{overall, verdicts})
		return code
	}
	for _, v := range verdicts {
		fmt.Fprintf(stdout, "%-12s %s/%s %s%%: %s (canary %.0f requests, %.0f bad; baseline %.0f, %.0f)\n",
			v.Verdict, v.Service, v.SLO, v.Objective, v.Reason, v.Canary.Total, v.Canary.Bad, v.Baseline.Total, v.Baseline.Bad)
	}
	return code
}
