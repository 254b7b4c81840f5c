// Command slokit compiles SLO specs into Prometheus multi-window,
// multi-burn-rate rules. Run slokit --help for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// slokit runs for a fraction of a second: halving garbage collection
	// work is worth the extra few megabytes (measured in
	// BenchmarkGenerate1000SLOs).
	debug.SetGCPercent(200)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
