package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slokit/slokit/serve"
)

const gateSynopsis = `gate check --server URL --service NAME [--change normal|rollback|hotfix|security] [--fail-open] [--json]

Asks slokit serve whether a change may ship. Exit codes: 0 allow or warn
(the warning is printed), 1 deny, 2 the gate could not decide (unless
--fail-open, which allows with the reason).`

// Exit codes of gate check, which pipelines act on.
const (
	gateAllow     = 0
	gateDeny      = 1
	gateUndecided = 2
)

func runGate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintf(stderr, "Usage: slokit %s\n", gateSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return exitOK
		}
		return exitUsage
	}
	fs := newFlagSet("gate check", gateSynopsis, stderr)
	server := fs.String("server", "http://127.0.0.1:8080", "slokit serve's URL")
	service := fs.String("service", "", "the service to check")
	change := fs.String("change", "normal", "the kind of change: normal, rollback, hotfix or security")
	failOpen := fs.Bool("fail-open", false, "exit 0 when the gate cannot decide, printing why")
	asJSON := fs.Bool("json", false, "print the gate's JSON answer")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the gate")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usageError(err)
	}
	if len(rest) > 0 || *service == "" {
		fmt.Fprintln(stderr, "slokit gate check: --service is required and takes no other arguments")
		return exitUsage
	}
	undecided := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		if *failOpen {
			fmt.Fprintf(stdout, "allow (fail-open): %s: %s\n", *service, msg)
			return gateAllow
		}
		fmt.Fprintf(stderr, "slokit gate check: could not decide for %s: %s\n", *service, msg)
		return gateUndecided
	}
	u := strings.TrimRight(*server, "/") + "/api/v1/gate/" + url.PathEscape(*service) + "?change=" + url.QueryEscape(*change)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintf(stderr, "slokit gate check: --server: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return undecided("asking %s: %v", *server, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return undecided("reading the answer of %s: %v", *server, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(body))
		}
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound {
			fmt.Fprintf(stderr, "slokit gate check: %s answered %d: %s\n", *server, resp.StatusCode, e.Error)
			return gateUndecided
		}
		return undecided("%s answered %d: %s", *server, resp.StatusCode, e.Error)
	}
	var g serve.GateResponse
	if err := json.Unmarshal(body, &g); err != nil {
		return undecided("the answer of %s is not a gate decision: %v", *server, err)
	}
	if *asJSON {
		stdout.Write(body)
	} else {
		fmt.Fprintf(stdout, "%s: %s, %s change (budget data %.0fs old)\n", g.Decision.Decision, g.Service, g.Change, g.DataAgeSeconds)
		for _, r := range g.Reasons {
			fmt.Fprintf(stdout, "  - %s\n", r.Message)
		}
	}
	switch g.Decision.Decision {
	case "allow", "warn":
		return gateAllow
	case "deny":
		return gateDeny
	}
	return undecided("unknown decision %q", g.Decision.Decision)
}
