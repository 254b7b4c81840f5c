package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeManySpecs writes services spec files of slosPerService SLOs each,
// a mix of ratio, latency and bool-gauge SLIs, as a large organisation's
// spec folder would hold.
func writeManySpecs(tb testing.TB, dir string, services, slosPerService int) {
	tb.Helper()
	for s := range services {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: svc-%03d\nlabels: {team: team-%02d}\nscrapeInterval: 15s\nslos:\n", s, s%40)
		for i := range slosPerService {
			fmt.Fprintf(&b, "  - name: slo-%02d\n", i)
			switch i % 3 {
			case 0:
				fmt.Fprintf(&b, "    objective: 99.9\n    sli:\n      ratio:\n        errors: http_requests_total{job=\"svc-%03d\",handler=\"/h%d\",code=~\"5..\"}\n        total: http_requests_total{job=\"svc-%03d\",handler=\"/h%d\"}\n", s, i, s, i)
			case 1:
				fmt.Fprintf(&b, "    objective: 99\n    sli:\n      latency:\n        histogram: http_request_duration_seconds_bucket{job=\"svc-%03d\",handler=\"/h%d\"}\n        threshold: 500ms\n", s, i)
			case 2:
				fmt.Fprintf(&b, "    objective: 99.5\n    period: 28d\n    sli:\n      boolGauge:\n        selector: probe_success{job=\"blackbox\",target=\"svc-%03d-%d\"}\n", s, i)
			}
			b.WriteString("    alerting:\n      page: {labels: {priority: P1}}\n      ticket: {labels: {priority: P3}}\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("svc-%03d.yaml", s)), []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkGenerate1000SLOs runs the slokit binary on 1,000 SLOs (100
// services of 10) and reports wall time and CPU time (user and system)
// per run and the peak resident memory of the process. Sloth 0.16 takes
// about 1.0 s of CPU on the same SLOs, five times slokit's (compare the two
// pair by pair with farm-bench --vs, as the README says).
func BenchmarkGenerate1000SLOs(b *testing.B) {
	specs, out := b.TempDir(), b.TempDir()
	writeManySpecs(b, specs, 100, 10)
	var maxRSS int64
	var cpu time.Duration
	runs := 0
	for b.Loop() {
		cmd := exec.Command(slokitBin, "generate", "-o", out, specs)
		if res, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, res)
		}
		runs++
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss // kilobytes on Linux
		}
	}
	b.ReportMetric(float64(maxRSS)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(runs), "cpu-ms/op")
}
