package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/secret"
	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store/files"
	"github.com/slokit/slokit/store/postgres"
)

const reportSynopsis = `report (--prometheus-url URL | --demo[=SCENARIO]) [--month 2026-11 | --last 30d] [--timezone ZONE]
       [--format markdown|csv|json|html] [-o FILE|-] [--data-dir DIR | --store postgres://...] [PATH...]

Reports, per service, SLO and objective over a month or the last stretch
of time: the events, the SLI achieved and whether it met the objective,
the share of the error budget spent, how long the budget was exhausted,
and the pages and tickets that fired (from ALERTS). With serve's store
(--data-dir of a single serve, or --store), also the gate's denials, the
overrides and the maintenance windows per service. With --prometheus-url
and no PATH, the SLOs are discovered in the backend. With --demo instead,
the specs' rules run on the embedded engine over a scenario's synthetic
traffic (super-bowl, or --demo=NAME), as slokit serve's demo does, and the
report's title says so.`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	rf := newReportFlags(stderr)
	backendOpts, demo, maxBytes := rf.backend, rf.demo, rf.maxBytes
	month, last, zone, format, out := &rf.month, &rf.last, &rf.zone, &rf.format, &rf.out
	dataDir, storeURL, storePwFile, storePwEnv := &rf.dataDir, &rf.storeURL, &rf.storePwFile, &rf.storePwEnv
	paths, err := parseInterspersed(rf.fs, args)
	if err != nil {
		return usageError(err)
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slokit report: "+format+"\n", a...)
		return exitUsage
	}
	paths = demo.resolve(paths)
	f := report.Format(*format)
	if why := reportFlagsConflict(backendOpts, demo.on, f, *month, *last, *dataDir, *storeURL, len(paths)); why != "" {
		if why == noBackend("report") {
			fmt.Fprintln(stderr, why)
			return exitUsage
		}
		return usage("%s", why)
	}
	loc, err := slo.LoadZone(*zone)
	if err != nil {
		return usage("--timezone %q is not an IANA time zone such as Europe/Berlin", *zone)
	}
	if *out != "-" {
		// Before the report is built, which may take a while.
		if err := checkReplaceable(*out, report.Written); err != nil {
			fmt.Fprintf(stderr, "slokit report: %v\n", err)
			return exitInvalid
		}
	}
	now := time.Now().UTC().Truncate(report.Step)
	var sc *scenario.Scenario
	if *backendOpts.url == "" {
		if sc, err = demoScenario(demo.scenario, *maxBytes); err != nil {
			return usage("%v", err)
		}
		if *last == "" && *month == "" {
			*last = sc.Duration.String()
		}
	}
	from, to, err := reportRange(*month, *last, loc, now)
	if err != nil {
		return usage("%v", err)
	}

	var services []*slo.Service
	if len(paths) > 0 {
		var ok bool
		if services, ok = load(paths, specReading{maxFileBytes: *maxBytes}, stderr); !ok {
			return exitInvalid
		}
	}
	o := report.Options{Services: services, From: from, To: to}
	closeBackend, code := reportBackend(ctx, &o, backendOpts, sc, now, stderr)
	if code != exitOK {
		return code
	}
	defer closeBackend()
	activity, closeStore, code := reportActivity(ctx, *dataDir, *storeURL, *storePwFile, *storePwEnv, stderr)
	if code != exitOK {
		return code
	}
	defer closeStore()
	o.Store = activity
	r, err := report.Build(ctx, o)
	if err == nil {
		err = writeReport(r, f, *out, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "slokit report: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

// reportActivity is where the gate's activity is read: the audit log of a
// single slokit serve's data folder, the PostgreSQL of its replicas, or
// nowhere.
func reportActivity(ctx context.Context, dataDir, storeURL, pwFile, pwEnv string, stderr io.Writer) (report.ActivitySource, func(), int) {
	switch {
	case dataDir != "":
		return files.AuditActivity{Dir: dataDir}, func() {}, exitOK
	case storeURL != "":
		pg, code := openReportStore(ctx, storeURL, pwFile, pwEnv, stderr)
		if code != exitOK {
			return nil, nil, code
		}
		return pg, func() { pg.Close() }, exitOK
	}
	return nil, func() {}, exitOK
}

// reportFlags are slokit report's flags.
type reportFlags struct {
	fs                                         *flag.FlagSet
	backend                                    *backendFlags
	demo                                       *demoChoice
	maxBytes                                   *int64
	month, last, zone, format, out             string
	dataDir, storeURL, storePwFile, storePwEnv string
}

func newReportFlags(stderr io.Writer) *reportFlags {
	f := &reportFlags{fs: newFlagSet("report", reportSynopsis, stderr)}
	fs := f.fs
	f.backend = addBackendFlags(fs, "Prometheus-compatible HTTP API that evaluates the SLOs' rules; without it, the embedded engine over --scenario")
	fs.StringVar(&f.month, "month", "", "report on a calendar month, YYYY-MM (to now, for the current month)")
	fs.StringVar(&f.last, "last", "", "report on the stretch of time up to now, such as 30d or 7d (default 30d, or the scenario's length)")
	fs.StringVar(&f.zone, "timezone", "UTC", "with --month: the IANA time zone the month starts in")
	fs.StringVar(&f.format, "format", string(report.Markdown), "markdown, csv, json or html")
	fs.StringVar(&f.out, "o", "-", "file to write the report to, or - for standard output")
	fs.StringVar(&f.dataDir, "data-dir", "", "the data folder of a single slokit serve: adds the gate's activity from its audit log")
	fs.StringVar(&f.storeURL, "store", "", "the PostgreSQL of slokit serve's replicas: adds the gate's activity")
	fs.StringVar(&f.storePwFile, "store-password-file", "", "file holding the PostgreSQL password")
	fs.StringVar(&f.storePwEnv, "store-password-env", "", "environment variable holding the PostgreSQL password")
	f.demo = addDemoFlags(fs)
	f.maxBytes = maxFileBytesFlag(fs)
	return f
}

// reportBackend sets where the report reads the SLOs' series (and, with a
// backend and no specs, which SLOs): the backend's API, or the embedded
// engine replaying the scenario, which closing removes.
func reportBackend(ctx context.Context, o *report.Options, b *backendFlags, sc *scenario.Scenario, now time.Time, stderr io.Writer) (func(), int) {
	if *b.url != "" {
		hq, err := b.querier()
		if err != nil {
			fmt.Fprintf(stderr, "slokit report: %v\n", err)
			return nil, exitUsage
		}
		o.Querier, o.Source = hq, hq.URL()
		if o.Services, err = orDiscovered(ctx, o.Services, hq, o.To, stderr); err != nil {
			fmt.Fprintf(stderr, "slokit report: %v\n", err)
			return nil, exitInvalid
		}
		return func() {}, exitOK
	}
	eq, closeEngine, err := replayForReport(ctx, o.Services, sc, now, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "slokit report: %v\n", err)
		return nil, exitInvalid
	}
	o.Querier, o.Source, o.Demo = eq, "the embedded engine, scenario "+sc.Name, sc.Name
	return closeEngine, exitOK
}

// demoScenario is the scenario the embedded engine replays, when the
// binary has the engine.
func demoScenario(name string, maxBytes int64) (*scenario.Scenario, error) {
	if !embeddedEngine {
		return nil, fmt.Errorf("%s: give --prometheus-url", errNoEngine)
	}
	return scenario.LookupWith(name, maxBytes)
}

// orDiscovered are the services of the specs, or without specs those the
// backend evaluates rules of at t.
func orDiscovered(ctx context.Context, services []*slo.Service, q budget.Querier, t time.Time, stderr io.Writer) ([]*slo.Service, error) {
	if len(services) > 0 {
		return services, nil
	}
	return discoverForReport(ctx, q, t, stderr)
}

// discoverForReport are the SLOs the backend evaluates rules of at t, the
// problems of the others warned of.
func discoverForReport(ctx context.Context, q budget.Querier, t time.Time, stderr io.Writer) ([]*slo.Service, error) {
	found, problems, err := budget.Discover(ctx, q, t)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "warning: %s\n", p)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("the backend evaluates no slokit rules at %s: give spec PATHs", t.Format(time.RFC3339))
	}
	return found, nil
}

// replayForReport runs the specs' rules over the scenario on the embedded
// engine, in a folder of its own that closing removes.
func replayForReport(ctx context.Context, services []*slo.Service, sc *scenario.Scenario, now time.Time, stderr io.Writer) (budget.Querier, func(), error) {
	dir, err := os.MkdirTemp("", "slokit-report-")
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "running the specs' rules over the %s scenario on the embedded engine...\n", sc.Name)
	eq, closeEngine, err := embeddedHistory(ctx, services, sc, filepath.Join(dir, "engine"), now)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return eq, func() { closeEngine(); os.RemoveAll(dir) }, nil
}

// writeReport writes the report in format f to out, or standard output.
func writeReport(r *report.Report, f report.Format, out string, stdout, stderr io.Writer) error {
	var buf bytes.Buffer
	if err := r.Write(&buf, f); err != nil {
		return err
	}
	if out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := writeOwnFile(out, buf.Bytes(), report.Written); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote the report to %s\n", out)
	return nil
}

// reportRange is the report's stretch: a calendar month in loc (up to now,
// for the current month), or the last stretch up to now (default 30 days).
func reportRange(month, last string, loc *time.Location, now time.Time) (from, to time.Time, err error) {
	if month != "" {
		m, err := time.ParseInLocation("2006-01", month, loc)
		if err != nil {
			return from, to, fmt.Errorf("--month must be a month such as 2026-11, got %q", month)
		}
		from, to = m, m.AddDate(0, 1, 0)
		if !from.Before(now) {
			return from, to, fmt.Errorf("--month %s has not started", month)
		}
		if to.After(now) {
			to = now
		}
		return from.UTC(), to.UTC(), nil
	}
	if last == "" {
		last = "30d"
	}
	md, err := model.ParseDuration(last)
	d := time.Duration(md)
	if err != nil || d < report.Step {
		return from, to, fmt.Errorf("--last must be a duration of a minute or more, such as 30d, got %q", last)
	}
	if d > report.MaxRange {
		return from, to, fmt.Errorf("--last %s is longer than a report covers (%s)", last, model.Duration(report.MaxRange))
	}
	d = d.Truncate(report.Step)
	return now.Add(-d), now, nil
}

// reportFlagsConflict says what is wrong with the flags together, or "".
func reportFlagsConflict(b *backendFlags, demo bool, f report.Format, month, last, dataDir, storeURL string, paths int) string {
	switch {
	case *b.url == "" && !demo:
		return noBackend("report")
	case *b.url != "" && demo:
		return "give --prometheus-url or --demo, not both"
	case !slices.Contains(report.Formats(), f):
		return fmt.Sprintf("--format must be markdown, csv, json or html, got %q", string(f))
	case month != "" && last != "":
		return "give --month or --last, not both"
	case dataDir != "" && storeURL != "":
		return "give --data-dir or --store, not both"
	case demo && paths == 0:
		return "no spec paths given: the demo runs the specs' rules (give PATH)"
	case *b.url == "" && len(b.headers) > 0:
		return "--backend-header is sent to --prometheus-url, and none is given"
	}
	return ""
}

// openReportStore opens the PostgreSQL of slokit serve's replicas, for the
// gate's activity.
func openReportStore(ctx context.Context, url, pwFile, pwEnv string, stderr io.Writer) (*postgres.Store, int) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		fmt.Fprintln(stderr, "slokit report: --store must be a postgres:// URL")
		return nil, exitUsage
	}
	password, err := secret.Read("store password", pwFile, pwEnv)
	if err != nil {
		fmt.Fprintf(stderr, "slokit report: %v\n", err)
		return nil, exitUsage
	}
	pg, err := postgres.Open(ctx, postgres.Options{URL: url, Password: password})
	if err != nil {
		fmt.Fprintf(stderr, "slokit report: %v\n", err)
		return nil, exitInvalid
	}
	return pg, exitOK
}
