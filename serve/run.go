package serve

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oklog/run"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/files"
)

// Backend is a source of budget state that has to be started and kept
// going, as the embedded engine does: it writes traffic and evaluates the
// rules in real time until its context ends.
type Backend interface {
	budget.Querier
	Run(ctx context.Context) error
	Close() error
}

// RunOptions configure Run; zero values take the defaults.
type RunOptions struct {
	Options
	// Listen is the address to listen on; default 127.0.0.1:8080, so
	// that nothing outside the machine reaches the service by accident.
	Listen string
	// Listener, when set, is used instead of listening on Listen.
	Listener net.Listener
	// TLS, when set, serves HTTPS with this certificate and key, reloaded
	// when the files change.
	TLS *TLSFiles
	// DataDir holds the overrides and the audit log; default slokit-data.
	// Options.Store, or the store OpenStore opens, is used instead.
	DataDir string
	// OpenStore, when set, opens the store (PostgreSQL, in slokit serve):
	// inside Run, once the options are valid, and closed by it.
	OpenStore func(ctx context.Context) (store.Store, error)
	// AuditBounds bound the audit log's files.
	AuditBounds files.AuditOptions
	// StartBackend, when set, starts the backend once the service
	// listens; until it returns, the service is alive (/healthz) but not
	// ready (/readyz answers "warming"). A backend that implements
	// Injector also takes injected incidents.
	StartBackend func(ctx context.Context) (Backend, error)
	// MaxConnections caps the connections held at once; default
	// DefaultMaxConnections.
	MaxConnections int
	// IdleTimeout closes keep-alive connections idle that long; default 30s.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for requests in flight at shutdown;
	// default 10s.
	ShutdownTimeout time.Duration
	// Logger receives what the service has to say; default none.
	Logger *slog.Logger
	// Started, when set, is called once the service listens.
	Started func(addr net.Addr)
	// WatchPaths are the spec files and folders whose changes reload the
	// specs (with Options.Reload), polled every WatchInterval (default
	// DefaultWatchInterval).
	WatchPaths    []string
	WatchInterval time.Duration
	// ReloadSignals reload the specs (SIGHUP, in slokit serve).
	ReloadSignals <-chan os.Signal
}

// Validate reports the settings out of their ranges, the service's
// (Options.Validate) and the server's, naming each by its slokit serve
// flag. Zero values stand for the defaults.
func (o RunOptions) Validate() error {
	return errors.Join(
		o.Options.Validate(),
		bounds.Number("--max-connections", o.MaxConnections, 1, 1<<20),
		bounds.Duration("--idle-timeout", o.IdleTimeout, time.Second, time.Hour),
		bounds.Duration("the shutdown timeout", o.ShutdownTimeout, time.Second, 10*time.Minute),
		bounds.Number("--audit-max-bytes", o.AuditBounds.MaxBytes, 4096, 1<<40),
		bounds.Number("--audit-max-files", o.AuditBounds.MaxFiles, 1, 1000),
	)
}

// DefaultRunOptions are the defaults that a zero option takes, in Run and
// New, and that slokit serve's flags show: one place for each.
func DefaultRunOptions() RunOptions {
	return RunOptions{
		Options: Options{
			RefreshInterval: time.Minute,
			StaleAfter:      5 * time.Minute,
			MaxOverride:     24 * time.Hour,
		},
		// Loopback: nothing outside the machine reaches the service by
		// accident.
		Listen:          "127.0.0.1:8080",
		DataDir:         "slokit-data",
		AuditBounds:     files.AuditOptions{MaxBytes: files.DefaultAuditMaxBytes, MaxFiles: files.DefaultAuditMaxFiles},
		MaxConnections:  DefaultMaxConnections,
		IdleTimeout:     30 * time.Second,
		ShutdownTimeout: 10 * time.Second,
	}
}

// Run runs the service until ctx ends (a signal, in slokit serve) or one
// of its parts fails: the HTTP server, the backend (when started here),
// its ticker, and the refresher that reads budget state. They run as one
// oklog/run group, so the first to stop stops the others, and the durable
// state and the backend are closed only after every part has returned.
func Run(ctx context.Context, o RunOptions) (err error) {
	// Run owns the store it is given (and the file store it opens): closed
	// on every return, an early one included.
	defer func() {
		if o.Store != nil {
			err = errors.Join(err, o.Store.Close())
		}
	}()
	if err := o.Validate(); err != nil {
		return err
	}
	d := DefaultRunOptions()
	o.Listen = cmp.Or(o.Listen, d.Listen)
	o.DataDir = cmp.Or(o.DataDir, d.DataDir)
	o.MaxConnections = cmp.Or(o.MaxConnections, d.MaxConnections)
	o.IdleTimeout = cmp.Or(o.IdleTimeout, d.IdleTimeout)
	o.ShutdownTimeout = cmp.Or(o.ShutdownTimeout, d.ShutdownTimeout)
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	// The durable state first: a damaged file or an unreachable database
	// is reported at once, before a backend that may take a while to
	// start.
	if o.Store, err = openStore(ctx, o, log); err != nil {
		return err
	}
	srv, err := New(o.Options)
	if err != nil {
		return err
	}
	srv.log = log
	for _, why := range o.Skipped {
		log.Warn("a spec file is invalid and left out: the other specs are judged", "problem", why)
	}

	ln, err := listen(o, log)
	if err != nil {
		return err
	}
	limited := limitConnections(ln, o.MaxConnections)
	httpSrv := newHTTPServer(srv, limited, o.IdleTimeout, log)
	if o.Started != nil {
		o.Started(ln.Addr())
	}

	var g run.Group
	addHTTP(ctx, &g, httpSrv, limited, o.ShutdownTimeout)

	// The backend starts, then its ticker runs; the refresher waits for
	// it. backend is read only after g.Run has returned.
	var backend Backend
	started := addBackend(&g, o, srv, &backend)
	defer func() {
		if backend != nil {
			err = errors.Join(err, backend.Close())
		}
	}()
	addRefresh(&g, o, srv, started, log)

	scheme := "http://"
	if o.TLS != nil {
		scheme = "https://"
	}
	log.Info("serving", "listen", scheme+ln.Addr().String(), "data_dir", o.DataDir, "max_connections", o.MaxConnections)
	err = g.Run()
	c := limited.counts()
	log.Info("stopped", "connections_open", c.open, "idle_connections_closed_at_the_cap", c.evictedIdle,
		"unfinished_requests_closed_at_the_cap", c.evictedUnfinished, "connections_refused", c.refused)
	return err
}

// addHTTP adds to g the HTTP server, and the end of ctx (the signals) as a
// clean stop: requests in flight get shutdown to finish.
func addHTTP(ctx context.Context, g *run.Group, httpSrv *http.Server, ln net.Listener, shutdown time.Duration) {
	sctx, stop := context.WithCancel(ctx)
	g.Add(func() error {
		<-sctx.Done()
		return nil
	}, func(error) { stop() })
	g.Add(func() error {
		if err := httpSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving HTTP: %w", err)
		}
		return nil
	}, func(error) {
		sctx, cancel := context.WithTimeout(context.Background(), shutdown)
		defer cancel()
		if err := httpSrv.Shutdown(sctx); err != nil {
			httpSrv.Close()
		}
	})
}

// addRefresh adds to g the refresher, which reads budget state once the
// backend has started, and the watcher of the spec files when they reload.
func addRefresh(g *run.Group, o RunOptions, srv *Server, started <-chan struct{}, log *slog.Logger) {
	rctx, cancel := context.WithCancel(context.Background())
	g.Add(func() error {
		select {
		case <-started:
		case <-rctx.Done():
			return nil
		}
		srv.refreshLoop(rctx, log)
		return nil
	}, func(error) { cancel() })
	if o.Reload != nil {
		wctx, cancel := context.WithCancel(context.Background())
		g.Add(func() error {
			interval := o.WatchInterval
			if interval <= 0 {
				interval = DefaultWatchInterval
			}
			srv.watchSpecs(wctx, o.WatchPaths, interval, o.ReloadSignals)
			return nil
		}, func(error) { cancel() })
	}
}

// addBackend adds to g the backend StartBackend starts, if any, and returns
// a channel closed once the server has a backend to read: at once without
// StartBackend (a Querier is given), else once it has started. *backend is
// set then, for Run to close.
func addBackend(g *run.Group, o RunOptions, srv *Server, backend *Backend) <-chan struct{} {
	started := make(chan struct{})
	if o.StartBackend == nil {
		close(started)
		return started
	}
	bctx, cancel := context.WithCancel(context.Background())
	g.Add(func() error {
		b, err := o.StartBackend(bctx)
		if err != nil {
			return fmt.Errorf("starting the backend: %w", err)
		}
		*backend = b
		inj, _ := b.(Injector)
		srv.SetBackend(b, inj)
		close(started)
		if err := b.Run(bctx); err != nil {
			return fmt.Errorf("backend: %w", err)
		}
		return nil
	}, func(error) { cancel() })
	return started
}

// openStore is the store Run keeps its durable state in: the one given,
// the one OpenStore opens, or the data folder's.
func openStore(ctx context.Context, o RunOptions, log *slog.Logger) (store.Store, error) {
	if o.Store != nil {
		return o.Store, nil
	}
	if o.OpenStore != nil {
		return o.OpenStore(ctx)
	}
	fs, err := files.OpenFileStore(o.DataDir, o.AuditBounds)
	if err != nil {
		return nil, err
	}
	if st, serr := os.Stat(o.DataDir); serr == nil && st.Mode().Perm()&0o002 != 0 {
		log.Warn("the data folder is world-writable: anyone on the machine can change the overrides", "data_dir", o.DataDir, "mode", st.Mode().Perm().String())
	}
	if fs.Repaired() > 0 {
		log.Warn("the audit log ended in a torn record (a crash while writing): cut it off", "bytes", fs.Repaired())
	}
	return fs, nil
}

// listen is the listener Run serves on: the one given or one on Listen,
// with TLS when asked.
func listen(o RunOptions, log *slog.Logger) (net.Listener, error) {
	ln := o.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", o.Listen); err != nil {
			return nil, err
		}
	}
	if o.TLS != nil {
		certs, err := newCertReloader(*o.TLS, log)
		if err != nil {
			ln.Close()
			return nil, err
		}
		// Inside the connection limit, so that it counts the TLS
		// connections the HTTP server reports on.
		ln = tls.NewListener(ln, certs.tlsConfig())
	}
	return ln, nil
}

// newHTTPServer bounds every phase of a request: headers, body, answer,
// and idle keep-alive connections.
func newHTTPServer(srv *Server, limited *connLimit, idle time.Duration, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           limited.Whole(srv.Handler()),
		ConnContext:       limited.ConnContext,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       idle,
		MaxHeaderBytes:    16 << 10,
		ConnState:         limited.ConnState,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// refreshLog bounds how often a failing backend is logged: the first
// failure, then one line a minute while it lasts, then its recovery.
const refreshLog = time.Minute

// refreshLoop reads budget state every RefreshInterval until ctx ends,
// and syncs the store as often (the audit log's repeat counts, and a shared
// store's changes made by other replicas).
func (s *Server) refreshLoop(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(s.opts.RefreshInterval)
	defer t.Stop()
	var failures int
	var lastLog time.Time
	first := true
	var known, problems []string // discovered services and problems, as last logged
	for {
		start := time.Now()
		err := s.Refresh(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			failures++
			if failures == 1 || time.Since(lastLog) >= refreshLog {
				log.Error("reading the budget state failed; the gate decides on the last state until it is too old", "err", err, "failures", failures)
				lastLog = time.Now()
			}
		case failures > 0:
			log.Info("reading the budget state works again", "after_failures", failures)
			failures = 0
		case first:
			log.Info("budget state read: ready", "took", time.Since(start).Round(time.Millisecond))
			first = false
		}
		if s.opts.Discover && err == nil {
			known, problems = s.logDiscovery(log, known, problems)
		}
		if err := s.opts.Store.Sync(ctx); err != nil && ctx.Err() == nil {
			log.Error("syncing the store failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.refreshNow:
		}
	}
}

// logDiscovery logs the services that joined or left the gate since the
// last refresh, and discovery's problems when they change, so that the log
// tells when a team's rules were picked up and why an SLO was not.
func (s *Server) logDiscovery(log *slog.Logger, known, problems []string) ([]string, []string) {
	now := s.Services()
	if known == nil {
		log.Info("SLOs discovered in the backend", "services", len(now))
	} else {
		var joined, left []string
		for _, svc := range now {
			if _, found := slices.BinarySearch(known, svc); !found {
				joined = append(joined, svc)
			}
		}
		for _, svc := range known {
			if _, found := slices.BinarySearch(now, svc); !found {
				left = append(left, svc)
			}
		}
		if len(joined) > 0 {
			log.Info("services joined: their rules are in the backend", "services", namesForLog(joined))
		}
		if len(left) > 0 {
			log.Info("services left: the backend has their rules no more", "services", namesForLog(left))
		}
	}
	if len(now) == 0 && (known == nil || len(known) > 0) {
		log.Warn("the backend describes no SLO: are slokit's rules loaded there, and generated by this version? Every gate check answers 404 until they are")
	}
	if now == nil {
		now = []string{}
	}
	p := s.Problems()
	if !slices.Equal(p, problems) {
		for _, msg := range p[:min(len(p), maxLoggedProblems)] {
			log.Warn("discovery left an SLO out or found it described twice", "problem", msg)
		}
		if len(p) > maxLoggedProblems {
			log.Warn("more discovery problems not logged", "count", len(p)-maxLoggedProblems)
		}
		problems = p
	}
	return now, problems
}

// maxLoggedProblems bounds the lines one change of discovery's problems
// logs: a backend full of old rules must not flood the log.
const maxLoggedProblems = 20

// namesForLog is a list of names for one log line, bounded.
func namesForLog(names []string) string {
	if len(names) > maxLoggedProblems {
		return strings.Join(names[:maxLoggedProblems], ",") + fmt.Sprintf(" and %d more", len(names)-maxLoggedProblems)
	}
	return strings.Join(names, ",")
}
