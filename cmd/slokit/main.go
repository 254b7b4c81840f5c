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

// generateGCPercent is the garbage collector's target for generate: it
// keeps little alive (each file is streamed out as it is built), so letting
// the heap grow to five times that before a collection costs about 20 MB on
// 1,000 SLOs and saves a fifth of its CPU (BenchmarkGenerate1000SLOs). The
// other commands keep Go's default: serve runs for weeks, and validate and
// import hold every document they read.
const generateGCPercent = 400

func main() {
	if len(os.Args) > 1 && os.Args[1] == "generate" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(generateGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
