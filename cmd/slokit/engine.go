//go:build !noengine

package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

// embeddedEngine says this binary holds the embedded Prometheus engine:
// slokit simulate, and serve's embedded demo backend. Build with
// -tags noengine for a binary without them (noengine.go), about half the
// size, for a gate service or CI job that reads a real backend.
const embeddedEngine = true

// startEmbedded writes the scenario's history into the embedded engine and
// computes the rules over it.
func startEmbedded(ctx context.Context, services []*slo.Service, sc *scenario.Scenario, dataDir string, logger *slog.Logger) (serve.Backend, error) {
	dir := filepath.Join(dataDir, embeddedDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	started := time.Now()
	logger.Info("embedded backend: writing the scenario's history and computing the rules", "scenario", sc.Name, "history", sc.Duration.String())
	emb, err := simulate.StartLive(ctx, services, sc, dir, time.Now())
	if err != nil {
		return nil, err
	}
	for _, w := range emb.Warnings() {
		logger.Warn(w)
	}
	logger.Info("embedded backend ready", "took", time.Since(started).Round(time.Millisecond))
	return embeddedBackend{emb, dir}, nil
}

// embeddedBackend removes the engine's folder when it closes.
type embeddedBackend struct {
	*simulate.Live
	dir string
}

func (e embeddedBackend) Close() error {
	return errors.Join(e.Live.Close(), os.RemoveAll(e.dir))
}

// embeddedHistory runs the specs' rules over the scenario's whole history,
// ending now, on the embedded engine in dir, alerts included, for slokit
// report.
func embeddedHistory(ctx context.Context, services []*slo.Service, sc *scenario.Scenario, dir string, now time.Time) (budget.Querier, func() error, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	b, err := simulate.History(ctx, services, sc, dir, now)
	if err != nil {
		return nil, nil, err
	}
	return engine.ModelQuerier{Engine: b.Engine}, b.Close, nil
}
