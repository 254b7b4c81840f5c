package serve

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokit/slokit/slo"
)

// Specs are the specs the gate judges, as read again: the services, and
// the spec files left out because they are invalid, each with why. One
// team's broken file must not stop every other team's gate.
type Specs struct {
	Services []*slo.Service
	Skipped  []string
}

// SpecsLoader reads the specs again (Options.Reload). An error means
// nothing usable was read: the gate keeps the specs it has.
type SpecsLoader func() (Specs, error)

// DefaultWatchInterval is how often the spec files are checked for
// changes (RunOptions.WatchInterval): a mounted ConfigMap changes by an
// atomic swap of its ..data link, which polling sees as well as any
// notification would, on every filesystem.
const DefaultWatchInterval = 5 * time.Second

// reloadMetrics are what a reload leaves for /metrics: whether the last
// one worked, when one last worked, and the spec files it left out.
type reloadMetrics struct {
	successful prometheus.Gauge
	at         prometheus.Gauge
	skipped    prometheus.Gauge
}

func newReloadMetrics(reg *prometheus.Registry) reloadMetrics {
	m := reloadMetrics{
		successful: prometheus.NewGauge(prometheus.GaugeOpts{Name: "slokit_config_last_reload_successful", Help: "Whether the last reading of the specs worked (1) or failed and the gate kept the specs it had (0)."}),
		at:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "slokit_config_last_reload_success_timestamp_seconds", Help: "When the specs were last read successfully."}),
		skipped:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "slokit_spec_files_skipped", Help: "Spec files left out of the last successful reading because they are invalid (the log says why)."}),
	}
	m.successful.Set(1)
	reg.MustRegister(m.successful, m.at, m.skipped)
	return m
}

// loaded records specs read at start or reloaded: the log names every
// file left out.
func (s *Server) loaded(specs Specs, log *slog.Logger, trigger string) {
	s.mu.Lock()
	s.specs = specs.Services
	s.mu.Unlock()
	s.reloads.successful.Set(1)
	s.reloads.at.SetToCurrentTime()
	s.reloads.skipped.Set(float64(len(specs.Skipped)))
	for _, why := range specs.Skipped {
		log.Warn("a spec file is invalid and left out: the other specs are judged", "problem", why)
	}
	if trigger != "" {
		log.Info("specs reloaded", "trigger", trigger, "services", len(specs.Services), "skipped_files", len(specs.Skipped))
	}
}

// Reload reads the specs again (SIGHUP, POST /-/reload, a changed file)
// and has the state read for them at once. A reload that fails keeps the
// specs the gate has, and says so in the log and /metrics; /readyz is
// not affected, as the gate still decides on good specs.
func (s *Server) Reload(ctx context.Context, trigger string) error {
	if s.opts.Reload == nil {
		return errNoReload
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	specs, err := s.opts.Reload()
	if err != nil {
		s.reloads.successful.Set(0)
		s.logger().Error("reloading the specs failed: the gate keeps the specs it has", "trigger", trigger, "err", err)
		return err
	}
	s.loaded(specs, s.logger(), trigger)
	select {
	case s.refreshNow <- struct{}{}:
	default: // a refresh is asked for already
	}
	return nil
}

var errNoReload = errors.New("this service reads no spec files: the SLOs are discovered in the backend, or the demo plays the specs it started with")

// reloadHandler is POST /-/reload, for the token holder.
func (s *Server) reloadHandler(w http.ResponseWriter, r *http.Request) {
	if s.opts.Reload == nil {
		fail(w, http.StatusConflict, "%v", errNoReload)
		return
	}
	if err := s.Reload(r.Context(), "POST /-/reload"); err != nil {
		fail(w, http.StatusUnprocessableEntity, "reloading the specs failed, the gate keeps the specs it has: %v", err)
		return
	}
	s.mu.RLock()
	n := len(s.specs)
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "reloaded", "services": n})
}

// watchSpecs reloads the specs on each signal, and whenever the files
// under paths change, as polled every interval, until ctx ends.
func (s *Server) watchSpecs(ctx context.Context, paths []string, interval time.Duration, signals <-chan os.Signal) {
	last := fingerprint(paths)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-signals:
			last = fingerprint(paths)
			_ = s.Reload(ctx, sig.String())
		case <-t.C:
			if now := fingerprint(paths); now != last {
				last = now
				_ = s.Reload(ctx, "a spec file changed")
			}
		}
	}
}

// fingerprint sums what tells that the spec files under paths changed:
// each file's path, size and modification time, and where each link
// leads (a ConfigMap volume swaps its ..data link, and the files it
// shows keep their names).
func fingerprint(paths []string) string {
	h := sha256.New()
	for _, p := range paths {
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%s error\n", path)
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				target, _ := os.Readlink(path)
				fmt.Fprintf(h, "%s -> %s\n", path, target)
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), "..") {
				return filepath.SkipDir // a ConfigMap's timestamped folder: ..data tells
			}
			if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
				fmt.Fprintf(h, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
	}
	return string(h.Sum(nil))
}

// specsNow are the services the gate judges from their specs.
func (s *Server) specsNow() []*slo.Service {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clip(s.specs)
}

func (s *Server) logger() *slog.Logger {
	if s.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.log
}
