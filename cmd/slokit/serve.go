package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/secret"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/postgres"
)

const serveSynopsis = `serve (--prometheus-url URL | --demo[=SCENARIO]) [flags] [PATH...]

Tracks the error budget of every SLO in the specs at PATH from the series
slokit's rules record in a Prometheus-compatible backend, and answers
deploy-gate checks over HTTP (docs/api.md describes the API). With
--prometheus-url and no PATH, it discovers the SLOs in the backend
instead, at every refresh: every SLO whose slokit rules the backend
evaluates, judged by the policy its rules record (rules generated before
slokit recorded the ` + series.Policy + ` series must be generated again). A
service is judged as soon as its rules are loaded and forgotten once they
are removed, so a platform team need not collect every team's specs. With
--demo instead, it runs the specs' rules on the embedded engine over a
scenario's synthetic traffic (super-bowl, or --demo=NAME): its history at
once, then live, reading the state every 15s unless --refresh says
otherwise; every API answer says "source": "demo", and POST
/api/v1/demo/incident (with the token) makes a service fail on demand. A
slokit built with -tags noengine has no embedded engine and needs
--prometheus-url.

With --prometheus-url and PATHs, the specs are read again on SIGHUP, on
POST /-/reload (with the token) and when a spec file changes (a mounted
ConfigMap is updated in place); an invalid file is left out with a
warning, and the other files are judged.

Every flag can also be set by an environment variable, for containers:
SLOKIT_ and the flag's name in capitals with _ for -, such as
SLOKIT_PROMETHEUS_URL or SLOKIT_LISTEN (one value per line for
--backend-header); the command line wins. --tls-cert-file and
--tls-key-file serve HTTPS, and the pair is reloaded when the files change.`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newServeCommand(stderr)
	paths, err := parseInterspersed(c.fs, args)
	if err != nil {
		return usageError(err)
	}
	if err := flagsFromEnv(c.fs, os.LookupEnv); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitUsage
	}
	paths = c.demo.resolve(paths)
	logger, code := c.check(len(paths) == 0, stderr)
	if code != exitOK {
		return code
	}
	c.opts.Logger = logger
	if c.opts.Token, err = readToken(c.tokenFile, c.tokenEnv); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitUsage
	}
	if c.tokenFile != "" {
		if mode, loose := secret.Exposed(c.tokenFile); loose {
			logger.Warn("the token file can be read by other users: chmod 600 it", "file", c.tokenFile, "mode", mode.String())
		}
	}
	c.opts.Discover = len(paths) == 0
	if !c.opts.Discover {
		specs, diags, err := gateSpecs(paths, *c.maxBytes)
		for _, d := range diags {
			if d.Warning {
				fmt.Fprintln(stderr, d.Error())
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitInvalid
		}
		c.opts.Services, c.opts.Skipped = specs.Services, specs.Skipped
	}
	if code := c.storeOptions(stderr); code != exitOK {
		return code
	}
	if c.tlsCert != "" {
		c.opts.TLS = &serve.TLSFiles{CertFile: c.tlsCert, KeyFile: c.tlsKey}
	}
	backend, story, code := c.backendOptions(paths, stderr)
	if c.hup != nil {
		defer signal.Stop(c.hup)
	}
	if code != exitOK {
		return code
	}
	if c.opts.Token == "" {
		logger.Warn("no --token-file or --token-env: overrides are disabled")
	}
	if c.opts.Discover {
		logger.Info("starting: the SLOs are discovered in the backend at every refresh", "backend", backend)
	} else {
		logger.Info("starting", "backend", backend, "slos", countSLOs(c.opts.Services))
	}
	c.opts.Started = func(addr net.Addr) {
		if c.opts.StartBackend != nil {
			scheme := "http://"
			if c.opts.TLS != nil {
				scheme = "https://"
			}
			printTry(stdout, scheme+addr.String(), c.opts.Services, story, tokenHint(c.tokenFile, c.tokenEnv))
		}
	}
	if err := serve.Run(ctx, c.opts); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

// serveCommand is slokit serve's flags, bound to the service's options
// where they are options of it, and the rest it reads to set them.
type serveCommand struct {
	fs      *flag.FlagSet
	opts    serve.RunOptions
	backend *backendFlags
	demo    *demoChoice
	// --store and its password, PostgreSQL's bounds.
	storeURL, storePwFile, storePwEnv string
	storeKnownFor, storeRetention     time.Duration
	tokenFile, tokenEnv, logFormat    string
	tlsCert, tlsKey                   string
	maxBytes                          *int64
	// hup receives SIGHUP while the specs can reload.
	hup chan os.Signal
}

func newServeCommand(stderr io.Writer) *serveCommand {
	c := &serveCommand{fs: newFlagSet("serve", serveSynopsis, stderr), opts: serve.DefaultRunOptions()}
	fs, o := c.fs, &c.opts
	fs.StringVar(&o.Listen, "listen", o.Listen, "address to listen on (loopback only by default; :8080 for every interface)")
	c.backend = addBackendFlags(fs, "Prometheus-compatible HTTP API: Prometheus, Thanos Query, Mimir, or VictoriaMetrics' /prometheus path; without it, the embedded demo backend")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "folder for overrides, the audit log and the embedded backend's data")
	fs.StringVar(&c.storeURL, "store", "", "PostgreSQL that replicas share for overrides, the audit trail and the decision log, postgres://USER@HOST:PORT/DB; without it, files in --data-dir (one instance)")
	fs.StringVar(&c.storePwFile, "store-password-file", "", "file holding the PostgreSQL password")
	fs.StringVar(&c.storePwEnv, "store-password-env", "", "environment variable holding the PostgreSQL password")
	fs.DurationVar(&c.storeKnownFor, "store-known-for", postgres.DefaultKnownFor, "with --store: how long the gate decides on the overrides last read while PostgreSQL is unreachable, before it cannot decide")
	fs.DurationVar(&c.storeRetention, "store-retention", postgres.DefaultRetention, "with --store: how long decision records are kept (override audit records are kept for good)")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding the token that guards overrides")
	fs.StringVar(&c.tokenEnv, "token-env", "", "environment variable holding the token that guards overrides")
	fs.DurationVar(&o.RefreshInterval, "refresh", o.RefreshInterval, "how often budget state is read (15s with the embedded backend)")
	fs.DurationVar(&o.StaleAfter, "stale-after", o.StaleAfter, "data age beyond which the gate answers 503 and /readyz fails")
	fs.BoolVar(&o.FailOpen, "fail-open", false, "allow changes, with the reason, when the gate cannot decide")
	fs.DurationVar(&o.MaxOverride, "max-override", o.MaxOverride, "longest an override may last")
	fs.IntVar(&o.MaxConnections, "max-connections", o.MaxConnections, "connections held at once; at the cap the longest-idle one is closed, or else the one sending its request the longest, and when all are serving requests new ones get 503")
	fs.DurationVar(&o.IdleTimeout, "idle-timeout", o.IdleTimeout, "keep-alive connections idle this long are closed")
	fs.Int64Var(&o.AuditBounds.MaxBytes, "audit-max-bytes", o.AuditBounds.MaxBytes, "size at which the audit log is rotated")
	fs.IntVar(&o.AuditBounds.MaxFiles, "audit-max-files", o.AuditBounds.MaxFiles, "audit log files kept, the current one included")
	c.maxBytes = maxFileBytesFlag(fs)
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	c.demo = addDemoFlags(fs)
	fs.StringVar(&c.tlsCert, "tls-cert-file", "", "serve HTTPS with this certificate (PEM, with its chain), reloaded when it changes; with --tls-key-file")
	fs.StringVar(&c.tlsKey, "tls-key-file", "", "the certificate's key (PEM)")
	return c
}

// check checks the flags together, every duration and number in its range,
// before anything starts, and returns the logger they ask for.
func (c *serveCommand) check(discover bool, stderr io.Writer) (*slog.Logger, int) {
	var logger *slog.Logger
	switch c.logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		fmt.Fprintf(stderr, "slokit serve: --log-format must be text or json, got %q\n", c.logFormat)
		return nil, exitUsage
	}
	o, b := &c.opts, c.backend
	switch {
	case *b.url == "" && !c.demo.on:
		fmt.Fprintln(stderr, noBackend("serve"))
		return nil, exitUsage
	case *b.url != "" && c.demo.on:
		fmt.Fprintln(stderr, "slokit serve: give --prometheus-url or --demo, not both")
		return nil, exitUsage
	case discover && c.demo.on:
		fmt.Fprintln(stderr, "slokit serve: no spec paths given: the demo runs the specs' rules (give PATH)")
		return nil, exitUsage
	case *b.retries < 0:
		fmt.Fprintln(stderr, "slokit serve: --backend-retries must be 0 (no retry) or more")
		return nil, exitUsage
	case (c.tlsCert == "") != (c.tlsKey == ""):
		fmt.Fprintln(stderr, "slokit serve: --tls-cert-file and --tls-key-file go together")
		return nil, exitUsage
	}
	// A zero stands for a default in the options, so zeros are refused
	// by name.
	zero := map[string]bool{"refresh": o.RefreshInterval == 0, "stale-after": o.StaleAfter == 0, "max-override": o.MaxOverride == 0, "max-connections": o.MaxConnections == 0,
		"idle-timeout": o.IdleTimeout == 0, "audit-max-bytes": o.AuditBounds.MaxBytes == 0, "audit-max-files": o.AuditBounds.MaxFiles == 0,
		"backend-timeout": *b.timeout == 0, "store-known-for": c.storeKnownFor == 0, "store-retention": c.storeRetention == 0}
	for _, name := range slices.Sorted(maps.Keys(zero)) {
		if zero[name] {
			fmt.Fprintf(stderr, "slokit serve: --%s is 0: give a positive value (leave the flag out for its default)\n", name)
			return nil, exitUsage
		}
	}
	if err := errors.Join(o.Validate(),
		budget.HTTPOptions{Timeout: *b.timeout, Retries: *b.retries}.CheckBounds(),
		postgres.Options{KnownFor: c.storeKnownFor, Retention: c.storeRetention}.CheckBounds(),
	); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil, exitUsage
	}
	return logger, exitOK
}

// storeOptions sets PostgreSQL as the store when --store asks: opened by
// Run, once the options are valid, and closed by it.
func (c *serveCommand) storeOptions(stderr io.Writer) int {
	if c.storeURL == "" {
		return exitOK
	}
	if !strings.HasPrefix(c.storeURL, "postgres://") && !strings.HasPrefix(c.storeURL, "postgresql://") {
		fmt.Fprintln(stderr, "slokit serve: --store must be a postgres:// URL")
		return exitUsage
	}
	password, err := secret.Read("store password", c.storePwFile, c.storePwEnv)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitUsage
	}
	logger := c.opts.Logger
	c.opts.OpenStore = func(ctx context.Context) (store.Store, error) {
		pg, err := postgres.Open(ctx, postgres.Options{URL: c.storeURL, Password: password, KnownFor: c.storeKnownFor, Retention: c.storeRetention, Logger: logger})
		if err != nil {
			return nil, err
		}
		logger.Info("overrides and the audit trail in PostgreSQL", "store", pg.String())
		return pg, nil
	}
	return exitOK
}

// backendOptions sets where budget state is read: the backend's API, with
// the specs reloading on SIGHUP, POST /-/reload and a changed file (a
// mounted ConfigMap is updated in place), or the embedded demo. It returns
// the backend's name, and for the demo what its scenario has in store.
func (c *serveCommand) backendOptions(paths []string, stderr io.Writer) (string, []string, int) {
	o, logger := &c.opts, c.opts.Logger
	if *c.backend.url != "" {
		hq, err := c.backend.querier()
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return "", nil, exitUsage
		}
		o.Querier = hq
		if !o.Discover {
			o.Reload = func() (serve.Specs, error) {
				specs, _, err := gateSpecs(paths, *c.maxBytes)
				return specs, err
			}
			o.WatchPaths = paths
			c.hup = make(chan os.Signal, 1)
			signal.Notify(c.hup, syscall.SIGHUP)
			o.ReloadSignals = c.hup
		}
		return hq.URL(), nil, exitOK
	}
	if len(c.backend.headers) > 0 {
		fmt.Fprintln(stderr, "slokit serve: --backend-header is sent to --prometheus-url, and none is given")
		return "", nil, exitUsage
	}
	if !embeddedEngine {
		fmt.Fprintf(stderr, "slokit serve: %s: give --prometheus-url\n", errNoEngine)
		return "", nil, exitUsage
	}
	sc, err := scenario.LookupWith(c.demo.scenario, *c.maxBytes)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return "", nil, exitUsage
	}
	o.Demo = sc.Name
	if len(sc.Regions) > 0 {
		// Read by region, as the demo's global tier records them.
		o.Services = slo.TrackedByRegion(o.Services, sc.RegionNames())
	}
	// The embedded engine is local and cheap to read: follow it at its
	// scrape interval unless told otherwise.
	if !flagSet(c.fs, "refresh") {
		o.RefreshInterval = sc.ScrapeInterval
	}
	services, dataDir := o.Services, o.DataDir
	o.StartBackend = func(ctx context.Context) (serve.Backend, error) {
		return startEmbedded(ctx, services, sc, dataDir, logger)
	}
	return "embedded:" + sc.Name, upcoming(sc), exitOK
}

// gateSpecs reads the specs the gate judges: a file with an error is left
// out, named with its first error, and every other file judged, so that
// one team's broken file does not stop every team's gate. Reading
// nothing valid is an error. It returns every diagnostic too.
func gateSpecs(paths []string, maxBytes int64) (serve.Specs, diag.Diagnostics, error) {
	services, diags := slo.Load(paths, slo.LoadOptions{MaxFileBytes: maxBytes, SkipInvalidFiles: true})
	services, left := slo.WithoutDatadog(services)
	diags = append(diags, left...)
	var specs serve.Specs
	seen := map[string]bool{}
	for _, d := range diags {
		if !d.Warning && !seen[d.File] {
			seen[d.File] = true
			specs.Skipped = append(specs.Skipped, d.Error())
		}
	}
	if len(services) == 0 {
		if err := diags.Errors(); err != nil {
			return specs, diags, fmt.Errorf("no valid spec in %s: %w", strings.Join(paths, ", "), err)
		}
		return specs, diags, fmt.Errorf("no SLO in %s", strings.Join(paths, ", "))
	}
	specs.Services = services
	return specs, diags, nil
}

// embeddedDir is the embedded backend's TSDB folder in the data folder:
// removed at every start, so a killed process leaves nothing behind for
// longer than until the next start.
const embeddedDir = "embedded-tsdb"

// upcoming tells what a scenario played live has in store, from where
// the service joins it.
func upcoming(sc *scenario.Scenario) []string {
	var out []string
	in := func(at time.Duration) string { return model.Duration(at - sc.Live).String() }
	for _, s := range sc.Traffic.Surges {
		if s.Start >= sc.Live {
			out = append(out, fmt.Sprintf("in %s: %gx traffic for %s", in(s.Start), s.Factor, model.Duration(s.Duration)))
		}
	}
	for _, e := range sc.Errors.Events {
		if e.Start >= sc.Live {
			who := "every service"
			if e.Service != "" {
				who = e.Service
			}
			out = append(out, fmt.Sprintf("in %s: %s errors on %s for %s", in(e.Start), e.Kind, who, model.Duration(e.Duration)))
		}
	}
	return out
}

// tokenHint is how the printed examples pass the override token, without
// ever showing it.
func tokenHint(file, env string) string {
	switch {
	case file != "":
		return "$(cat " + file + ")"
	case env != "":
		return "$" + env
	}
	return ""
}

// printTry prints the commands to try against a freshly started service
// on the embedded demo backend, which takes injected incidents.
func printTry(w io.Writer, base string, services []*slo.Service, story []string, token string) {
	svc := services[0].Name
	for _, s := range services {
		if s.Name == "order-api" { // the example specs' star
			svc = s.Name
		}
	}
	for _, line := range story {
		fmt.Fprintf(w, "scenario: %s\n", line)
	}
	fmt.Fprintf(w, "the web UI: %s/\n", base)
	fmt.Fprintf(w, "try:\n  curl %s/api/v1/slos\n  curl '%s/api/v1/gate/%s?change=normal'\n  %s gate check --server %s --service %s\n",
		base, base, svc, os.Args[0], base, svc)
	if token == "" {
		return
	}
	auth := fmt.Sprintf(`-H "Authorization: Bearer %s"`, token)
	fmt.Fprintf(w, "  curl -X POST %s -d '{\"service\":\"%s\",\"duration\":\"20m\",\"ratio\":0.5}' %s/api/v1/demo/incident   # an incident now\n", auth, svc, base)
	fmt.Fprintf(w, "  SLOKIT_TOKEN=%s %s override create --server %s --service %s --reason 'fix for the incident' --author you --duration 1h\n",
		token, os.Args[0], base, svc)
}

// flagSet reports whether a flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func countSLOs(services []*slo.Service) int {
	n := 0
	for _, svc := range services {
		n += len(svc.SLOs)
	}
	return n
}

// readToken reads the override token from a file or an environment
// variable; it is never taken from the command line.
func readToken(file, env string) (string, error) {
	t, err := secret.Read("token", file, env)
	if err == nil && t != "" && len(t) < 16 {
		err = errors.New("the token is shorter than 16 characters")
	}
	return t, err
}
