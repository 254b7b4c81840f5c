// Command slokit compiles SLO specs into Prometheus multi-window,
// multi-burn-rate rules and Grafana dashboards, imports other tools'
// specs, backtests rules on the embedded Prometheus engine, and serves
// error budgets and deploy-gate decisions. Run slokit --help for the
// commands. The package only parses flags and wires the others together;
// built with -tags noengine it leaves out the embedded engine (simulate,
// and serve's demo backend).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
