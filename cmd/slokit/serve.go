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
	"github.com/slokit/slokit/store/files"
	"github.com/slokit/slokit/store/postgres"
)

const serveSynopsis = `serve (--prometheus-url URL | --demo[=SCENARIO]) [flags] [PATH...]

Tracks the error budget of every SLO in the specs at PATH from the series
slokit's rules record in a Prometheus-compatible backend, and answers
deploy-gate checks over HTTP (see the README for the API). With
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
	fs := newFlagSet("serve", serveSynopsis, stderr)
	defaults := serve.DefaultRunOptions()
	listen := fs.String("listen", defaults.Listen, "address to listen on (loopback only by default; :8080 for every interface)")
	backendOpts := addBackendFlags(fs, "Prometheus-compatible HTTP API: Prometheus, Thanos Query, Mimir, or VictoriaMetrics' /prometheus path; without it, the embedded demo backend")
	promURL, backendHeaders, retries := backendOpts.url, backendOpts.headers, backendOpts.retries
	dataDir := fs.String("data-dir", defaults.DataDir, "folder for overrides, the audit log and the embedded backend's data")
	storeURL := fs.String("store", "", "PostgreSQL that replicas share for overrides, the audit trail and the decision log, postgres://USER@HOST:PORT/DB; without it, files in --data-dir (one instance)")
	storePwFile := fs.String("store-password-file", "", "file holding the PostgreSQL password")
	storePwEnv := fs.String("store-password-env", "", "environment variable holding the PostgreSQL password")
	storeKnownFor := fs.Duration("store-known-for", postgres.DefaultKnownFor, "with --store: how long the gate decides on the overrides last read while PostgreSQL is unreachable, before it cannot decide")
	storeRetention := fs.Duration("store-retention", postgres.DefaultRetention, "with --store: how long decision records are kept (override audit records are kept for good)")
	tokenFile := fs.String("token-file", "", "file holding the token that guards overrides")
	tokenEnv := fs.String("token-env", "", "environment variable holding the token that guards overrides")
	refresh := fs.Duration("refresh", defaults.RefreshInterval, "how often budget state is read (15s with the embedded backend)")
	staleAfter := fs.Duration("stale-after", defaults.StaleAfter, "data age beyond which the gate answers 503 and /readyz fails")
	failOpen := fs.Bool("fail-open", false, "allow changes, with the reason, when the gate cannot decide")
	maxOverride := fs.Duration("max-override", defaults.MaxOverride, "longest an override may last")
	maxConns := fs.Int("max-connections", defaults.MaxConnections, "connections held at once; at the cap the longest-idle one is closed, or else the one sending its request the longest, and when all are serving requests new ones get 503")
	idleTimeout := fs.Duration("idle-timeout", defaults.IdleTimeout, "keep-alive connections idle this long are closed")
	auditMaxBytes := fs.Int64("audit-max-bytes", defaults.AuditBounds.MaxBytes, "size at which the audit log is rotated")
	auditMaxFiles := fs.Int("audit-max-files", defaults.AuditBounds.MaxFiles, "audit log files kept, the current one included")
	maxBytes := maxFileBytesFlag(fs)
	logFormat := fs.String("log-format", "text", "log format: text or json")
	demo := addDemoFlags(fs)
	tlsCert := fs.String("tls-cert-file", "", "serve HTTPS with this certificate (PEM, with its chain), reloaded when it changes; with --tls-key-file")
	tlsKey := fs.String("tls-key-file", "", "the certificate's key (PEM)")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	if err := flagsFromEnv(fs, os.LookupEnv); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitUsage
	}
	var logger *slog.Logger
	switch *logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		fmt.Fprintf(stderr, "slokit serve: --log-format must be text or json, got %q\n", *logFormat)
		return exitUsage
	}
	paths = demo.resolve(paths)
	discover := len(paths) == 0
	switch {
	case *promURL == "" && !demo.on:
		fmt.Fprintln(stderr, noBackend("serve"))
		return exitUsage
	case *promURL != "" && demo.on:
		fmt.Fprintln(stderr, "slokit serve: give --prometheus-url or --demo, not both")
		return exitUsage
	case discover && demo.on:
		fmt.Fprintln(stderr, "slokit serve: no spec paths given: the demo runs the specs' rules (give PATH)")
		return exitUsage
	case *retries < 0:
		fmt.Fprintln(stderr, "slokit serve: --backend-retries must be 0 (no retry) or more")
		return exitUsage
	case (*tlsCert == "") != (*tlsKey == ""):
		fmt.Fprintln(stderr, "slokit serve: --tls-cert-file and --tls-key-file go together")
		return exitUsage
	}
	// Every duration and number in its range, before anything starts (a
	// zero stands for a default here, so zeros are refused by name).
	bounded := serve.RunOptions{
		Options:        serve.Options{RefreshInterval: *refresh, StaleAfter: *staleAfter, MaxOverride: *maxOverride},
		MaxConnections: *maxConns, IdleTimeout: *idleTimeout,
		AuditBounds: files.AuditOptions{MaxBytes: *auditMaxBytes, MaxFiles: *auditMaxFiles},
	}
	zero := map[string]bool{"refresh": *refresh == 0, "stale-after": *staleAfter == 0, "max-override": *maxOverride == 0, "max-connections": *maxConns == 0,
		"idle-timeout": *idleTimeout == 0, "audit-max-bytes": *auditMaxBytes == 0, "audit-max-files": *auditMaxFiles == 0,
		"backend-timeout": *backendOpts.timeout == 0, "store-known-for": *storeKnownFor == 0, "store-retention": *storeRetention == 0}
	for _, name := range slices.Sorted(maps.Keys(zero)) {
		if zero[name] {
			fmt.Fprintf(stderr, "slokit serve: --%s is 0: give a positive value (leave the flag out for its default)\n", name)
			return exitUsage
		}
	}
	if err := errors.Join(bounded.Validate(),
		budget.HTTPOptions{Timeout: *backendOpts.timeout, Retries: *retries}.CheckBounds(),
		postgres.Options{KnownFor: *storeKnownFor, Retention: *storeRetention}.CheckBounds(),
	); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return exitUsage
	}
	token, err := readToken(*tokenFile, *tokenEnv)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitUsage
	}
	if *tokenFile != "" {
		if mode, loose := secret.Exposed(*tokenFile); loose {
			logger.Warn("the token file can be read by other users: chmod 600 it", "file", *tokenFile, "mode", mode.String())
		}
	}
	var services []*slo.Service
	var skipped []string
	if !discover {
		specs, diags, err := gateSpecs(paths, *maxBytes)
		for _, d := range diags {
			if d.Warning {
				fmt.Fprintln(stderr, d.Error())
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitInvalid
		}
		services, skipped = specs.Services, specs.Skipped
	}
	var storePassword string
	if *storeURL != "" {
		if !strings.HasPrefix(*storeURL, "postgres://") && !strings.HasPrefix(*storeURL, "postgresql://") {
			fmt.Fprintln(stderr, "slokit serve: --store must be a postgres:// URL")
			return exitUsage
		}
		if storePassword, err = secret.Read("store password", *storePwFile, *storePwEnv); err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitUsage
		}
	}
	opts := serve.RunOptions{
		Options: serve.Options{
			Services: services, Skipped: skipped, Discover: discover, Token: token,
			RefreshInterval: *refresh, StaleAfter: *staleAfter, FailOpen: *failOpen, MaxOverride: *maxOverride,
		},
		Listen: *listen, DataDir: *dataDir, Logger: logger,
		AuditBounds:    files.AuditOptions{MaxBytes: *auditMaxBytes, MaxFiles: *auditMaxFiles},
		MaxConnections: *maxConns, IdleTimeout: *idleTimeout,
	}
	if *tlsCert != "" {
		opts.TLS = &serve.TLSFiles{CertFile: *tlsCert, KeyFile: *tlsKey}
	}
	var backend string
	var story []string // what the embedded scenario has in store
	if *promURL != "" {
		hq, err := backendOpts.querier()
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitUsage
		}
		opts.Querier, backend = hq, hq.URL()
		if !discover {
			// The specs reload on SIGHUP, POST /-/reload and when a file
			// changes (a mounted ConfigMap is updated in place).
			opts.Reload = func() (serve.Specs, error) {
				specs, _, err := gateSpecs(paths, *maxBytes)
				return specs, err
			}
			opts.WatchPaths = paths
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			opts.ReloadSignals = hup
		}
	} else {
		if len(backendHeaders) > 0 {
			fmt.Fprintln(stderr, "slokit serve: --backend-header is sent to --prometheus-url, and none is given")
			return exitUsage
		}
		if !embeddedEngine {
			fmt.Fprintf(stderr, "slokit serve: %s: give --prometheus-url\n", errNoEngine)
			return exitUsage
		}
		sc, err := scenario.LookupWith(demo.scenario, *maxBytes)
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitUsage
		}
		backend, story = "embedded:"+sc.Name, upcoming(sc)
		opts.Demo = sc.Name
		// The embedded engine is local and cheap to read: follow it at
		// its scrape interval unless told otherwise.
		if !flagSet(fs, "refresh") {
			opts.RefreshInterval = sc.ScrapeInterval
		}
		opts.StartBackend = func(ctx context.Context) (serve.Backend, error) {
			return startEmbedded(ctx, services, sc, *dataDir, logger)
		}
	}
	if token == "" {
		logger.Warn("no --token-file or --token-env: overrides are disabled")
	}
	if discover {
		logger.Info("starting: the SLOs are discovered in the backend at every refresh", "backend", backend)
	} else {
		logger.Info("starting", "backend", backend, "slos", countSLOs(services))
	}
	opts.Started = func(addr net.Addr) {
		if opts.StartBackend != nil {
			scheme := "http://"
			if opts.TLS != nil {
				scheme = "https://"
			}
			printTry(stdout, scheme+addr.String(), services, story, tokenHint(*tokenFile, *tokenEnv))
		}
	}
	if *storeURL != "" {
		// Opened by Run, once the options are valid, and closed by it.
		opts.OpenStore = func(ctx context.Context) (store.Store, error) {
			pg, err := postgres.Open(ctx, postgres.Options{URL: *storeURL, Password: storePassword, KnownFor: *storeKnownFor, Retention: *storeRetention, Logger: logger})
			if err != nil {
				return nil, err
			}
			logger.Info("overrides and the audit trail in PostgreSQL", "store", pg.String())
			return pg, nil
		}
	}
	if err := serve.Run(ctx, opts); err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

// gateSpecs reads the specs the gate judges: a file with an error is left
// out, named with its first error, and every other file judged, so that
// one team's broken file does not stop every team's gate. Reading
// nothing valid is an error. It returns every diagnostic too.
func gateSpecs(paths []string, maxBytes int64) (serve.Specs, diag.Diagnostics, error) {
	services, diags := slo.Load(paths, slo.LoadOptions{MaxFileBytes: maxBytes, SkipInvalidFiles: true})
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
