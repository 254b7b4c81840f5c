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
	"runtime/debug"
	"syscall"
)

// oneShotGCPercent is the garbage collector's target for commands that run
// once and exit: they keep little alive (generate streams each file out as
// it is built), so letting the heap grow to five times that before a
// collection costs a few tens of megabytes and saves a fifth of generate's
// CPU on 1,000 SLOs (BenchmarkGenerate1000SLOs). serve runs for weeks and
// keeps Go's default.
const oneShotGCPercent = 400

func main() {
	if len(os.Args) > 1 && os.Args[1] != "serve" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(oneShotGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
