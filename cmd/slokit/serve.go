package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/secret"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
)

const serveSynopsis = `serve [--prometheus-url URL | --scenario NAME|FILE] [flags] PATH...

Tracks the error budget of every SLO in the specs at PATH from the series
slokit's rules record in a Prometheus-compatible backend, and answers
deploy-gate checks over HTTP (see the README for the API). Without
--prometheus-url it runs the specs' rules on the embedded engine over a
scenario's synthetic traffic: its history at once, then live, reading the
state every 15s unless --refresh says otherwise; POST
/api/v1/demo/incident (with the token) then makes a service fail on
demand.`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", serveSynopsis, stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	promURL := fs.String("prometheus-url", "", "Prometheus-compatible HTTP API: Prometheus, Thanos Query, Mimir, or VictoriaMetrics' /prometheus path")
	bearerFile := fs.String("backend-bearer-token-file", "", "file holding the backend's bearer token")
	bearerEnv := fs.String("backend-bearer-token-env", "", "environment variable holding the backend's bearer token")
	basicUser := fs.String("backend-basic-user", "", "user for basic auth to the backend")
	basicFile := fs.String("backend-basic-password-file", "", "file holding the backend's basic-auth password")
	basicEnv := fs.String("backend-basic-password-env", "", "environment variable holding the backend's basic-auth password")
	timeout := fs.Duration("backend-timeout", 10*time.Second, "timeout of each backend query")
	retries := fs.Int("backend-retries", 2, "retries of a failed backend query, with backoff")
	dataDir := fs.String("data-dir", "slokit-data", "folder for overrides and the audit log")
	tokenFile := fs.String("token-file", "", "file holding the token that guards overrides")
	tokenEnv := fs.String("token-env", "", "environment variable holding the token that guards overrides")
	refresh := fs.Duration("refresh", time.Minute, "how often budget state is read")
	staleAfter := fs.Duration("stale-after", 5*time.Minute, "data age beyond which the gate answers 503")
	failOpen := fs.Bool("fail-open", false, "allow changes, with the reason, when the gate cannot decide")
	maxOverride := fs.Duration("max-override", 24*time.Hour, "longest an override may last")
	scenarioName := fs.String("scenario", "super-bowl", "without --prometheus-url: the scenario the embedded backend plays (slokit simulate --list)")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	switch {
	case len(paths) == 0:
		fmt.Fprintln(stderr, "slokit serve: no spec paths given")
		return exitUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	services, ok := load(paths, false, stderr)
	if !ok {
		return exitInvalid
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var q budget.Querier
	var incidents serve.Injector
	var story []string // what the embedded scenario has in store
	backend := *promURL
	if *promURL != "" {
		hq, err := budget.NewHTTPQuerier(budget.HTTPOptions{
			URL: *promURL, Timeout: *timeout, Retries: *retries,
			BearerTokenFile: *bearerFile, BearerTokenEnv: *bearerEnv,
			BasicUser: *basicUser, BasicPasswordFile: *basicFile, BasicPassEnv: *basicEnv,
		})
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitUsage
		}
		q = hq
	} else {
		sc, err := scenario.Lookup(*scenarioName)
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitUsage
		}
		tsdb, err := os.MkdirTemp("", "slokit-serve-")
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitInvalid
		}
		defer os.RemoveAll(tsdb)
		started := time.Now()
		logger.Info("embedded backend: writing the scenario's history and computing the rules", "scenario", sc.Name, "history", sc.Duration.String())
		emb, err := serve.StartEmbedded(ctx, services, sc, tsdb, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitInvalid
		}
		defer emb.Close()
		for _, w := range emb.Warnings() {
			logger.Warn(w)
		}
		logger.Info("embedded backend ready", "took", time.Since(started).Round(time.Millisecond))
		go func() {
			if err := emb.Run(ctx); err != nil {
				logger.Error("embedded backend stopped", "err", err)
			}
		}()
		q, backend, incidents = emb, "embedded:"+sc.Name, emb
		story = upcoming(sc)
		// The embedded engine is local and cheap to read: follow it at
		// its scrape interval unless told otherwise.
		if !flagSet(fs, "refresh") {
			*refresh = sc.ScrapeInterval
		}
	}
	token, err := readToken(*tokenFile, *tokenEnv)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitUsage
	}
	overrides, err := serve.OpenOverrides(*dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitInvalid
	}
	audit, err := serve.OpenAuditLog(*dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitInvalid
	}
	defer audit.Close()
	srv, err := serve.New(serve.Options{
		Services: services, Querier: q, Overrides: overrides, Audit: audit, Token: token,
		RefreshInterval: *refresh, StaleAfter: *staleAfter, FailOpen: *failOpen, MaxOverride: *maxOverride,
		Incidents: incidents,
	})
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitInvalid
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "slokit serve: %v\n", err)
		return exitInvalid
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	if token == "" {
		logger.Warn("no --token-file or --token-env: overrides are disabled")
	}
	logger.Info("serving", "listen", "http://"+ln.Addr().String(), "backend", backend, "slos", countSLOs(services), "data_dir", *dataDir)
	printTry(stdout, "http://"+ln.Addr().String(), services, story, incidents != nil, tokenHint(*tokenFile, *tokenEnv))
	go func() { _ = srv.Run(ctx) }()
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "slokit serve: %v\n", err)
			return exitInvalid
		}
	case <-ctx.Done():
		logger.Info("shutting down")
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = httpSrv.Shutdown(sctx)
	}
	return exitOK
}

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

// printTry prints the commands to try against a freshly started service.
func printTry(w io.Writer, base string, services []*slo.Service, story []string, embedded bool, token string) {
	svc := services[0].Name
	for _, s := range services {
		if s.Name == "order-api" { // the example specs' star
			svc = s.Name
		}
	}
	for _, line := range story {
		fmt.Fprintf(w, "scenario: %s\n", line)
	}
	fmt.Fprintf(w, "try:\n  curl %s/api/v1/slos\n  curl '%s/api/v1/gate/%s?change=normal'\n  %s gate check --server %s --service %s\n",
		base, base, svc, os.Args[0], base, svc)
	if token == "" {
		return
	}
	auth := fmt.Sprintf(`-H "Authorization: Bearer %s"`, token)
	if embedded {
		fmt.Fprintf(w, "  curl -X POST %s -d '{\"service\":\"%s\",\"duration\":\"20m\",\"ratio\":0.5}' %s/api/v1/demo/incident   # an incident now\n", auth, svc, base)
	}
	fmt.Fprintf(w, "  curl -X POST %s -d '{\"service\":\"%s\",\"reason\":\"fix for the incident\",\"author\":\"%s\",\"duration\":\"1h\"}' %s/api/v1/overrides\n",
		auth, svc, "you", base)
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
