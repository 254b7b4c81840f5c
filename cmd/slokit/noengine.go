//go:build noengine

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
)

// This binary was built with -tags noengine: without the embedded
// Prometheus engine (TSDB, rule evaluator), so without slokit simulate
// and without serve's embedded demo backend. Everything else works.
const embeddedEngine = false

const simulateSynopsis = `simulate ...

Not in this build: slokit was built with -tags noengine, without the
embedded Prometheus engine that backtests run on.`

func runSimulate(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintf(stderr, "slokit simulate: %s\n", errNoEngine)
	return exitUsage
}

const backfillSynopsis = `backfill ...

Not in this build: slokit was built with -tags noengine, without the
embedded Prometheus engine that computes the recorded series.`

func runBackfill(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintf(stderr, "slokit backfill: %s\n", errNoEngine)
	return exitUsage
}

const adviseSynopsis = `advise ...

Not in this build: slokit was built with -tags noengine, without the
embedded Prometheus engine that computes the SLOs' counts.`

func runAdvise(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintf(stderr, "slokit advise: %s\n", errNoEngine)
	return exitUsage
}

func startEmbedded(context.Context, []*slo.Service, *scenario.Scenario, string, *slog.Logger) (serve.Backend, error) {
	return nil, errNoEngine
}

func embeddedHistory(context.Context, []*slo.Service, *scenario.Scenario, string, time.Time) (budget.Querier, func() error, error) {
	return nil, nil, errNoEngine
}
