package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/generators/alertmanager"
	"github.com/slokit/slokit/generators/grafana"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/generators/rollouts"
	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/internal/inputfile"
	"github.com/slokit/slokit/slo"
)

// Exit codes, the same for every command, so pipelines can tell a broken
// spec from a broken command line.
const (
	exitOK      = 0
	exitInvalid = 1 // a spec is invalid, or the output could not be written
	exitUsage   = 2 // the command line is wrong
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// usageHead introduces slokit in its usage text.
const usageHead = `slokit compiles SLO specs into Prometheus multi-window, multi-burn-rate
recording and alerting rules and Grafana dashboards, backtests the rules,
and gates deploys on error budgets.
`

// usageTail explains what every command shares.
const usageTail = `
PATH is a spec file or a folder searched recursively for *.yaml and *.yml:
slokit.dev/v1 specs, or Sloth (prometheus/v1, sloth.slok.dev/v1), Pyrra
(pyrra.dev/v1alpha1) and OpenSLO (openslo/v1, openslo/v1alpha) specs, read
as slokit import translates them.
Run 'slokit help COMMAND' or 'slokit COMMAND --help' for a command's flags.

Exit codes: 0 success, 1 invalid spec or failed output, 2 usage error
(gate check: 1 deny, 3 undecided).
`

// command is one of slokit's commands. Its synopsis starts with its
// usage line(s), which the top-level usage lists too, so that the two
// never disagree; the CLI reference (docs/cli.md) is this usage text and
// every command's help, kept in step by a test.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	noCtx := func(f func([]string, io.Writer, io.Writer) int) func(context.Context, []string, io.Writer, io.Writer) int {
		return func(_ context.Context, args []string, stdout, stderr io.Writer) int { return f(args, stdout, stderr) }
	}
	return []command{
		{"validate", validateSynopsis, noCtx(runValidate)},
		{"generate", generateSynopsis, noCtx(runGenerate)},
		{"dashboards", dashboardsSynopsis, noCtx(runDashboards)},
		{"import", importSynopsis, noCtx(runImport)},
		{"export", exportSynopsis, noCtx(runExport)},
		{"simulate", simulateSynopsis, runSimulate},
		{"backfill", backfillSynopsis, runBackfill},
		{"advise", adviseSynopsis, runAdvise},
		{"serve", serveSynopsis, runServe},
		{"report", reportSynopsis, runReport},
		{"gate", gateSynopsis, runGate},
		{"canary", canarySynopsis, runCanary},
		{"override", overrideSynopsis, runOverride},
		{"version", versionSynopsis, func(_ context.Context, args []string, stdout, stderr io.Writer) int {
			if len(args) > 0 {
				fmt.Fprintf(stderr, "Usage: slokit %s\n", versionSynopsis)
				if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
					return exitOK
				}
				return exitUsage
			}
			fmt.Fprintln(stdout, "slokit", versionString())
			return exitOK
		}},
	}
}

const versionSynopsis = `version

Prints slokit's version (also slokit --version and slokit -v).`

// usage is the top-level usage text.
func usage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	b.WriteString("\nUsage:\n")
	for _, c := range commands() {
		for _, line := range strings.Split(c.synopsis, "\n") {
			if strings.TrimSpace(line) == "" {
				break
			}
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "slokit ") && !strings.HasPrefix(line, "[") {
				line = "slokit " + line
			}
			if strings.HasPrefix(line, "[") { // a continued usage line
				line = "    " + line
			}
			b.WriteString("  " + line + "\n")
		}
	}
	b.WriteString("  slokit help [COMMAND]\n")
	b.WriteString(usageTail)
	return b.String()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			for _, c := range commands() {
				if c.name == args[1] {
					return c.run(ctx, []string{"--help"}, stdout, stdout)
				}
			}
			fmt.Fprintf(stderr, "slokit help: unknown command %q\n\n%s", args[1], usage())
			return exitUsage
		}
		fmt.Fprint(stdout, usage())
		return exitOK
	case "--version", "-version", "-v":
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "slokit: unknown command %q\n\n%s", args[0], usage())
	return exitUsage
}

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// maxFileBytesFlag adds --max-file-bytes, the bound on every spec and
// scenario file a command reads: 1 byte to 1 GiB (the flag refuses the
// rest, so that no value turns the bound off).
func maxFileBytesFlag(fs *flag.FlagSet) *int64 {
	v := fileBytes(inputfile.DefaultMaxBytes)
	fs.Var(&v, "max-file-bytes", "largest spec or scenario file read, in `bytes` (1 to 1073741824); only regular files are read")
	return (*int64)(&v)
}

// fileBytes is --max-file-bytes' value.
type fileBytes int64

func (b *fileBytes) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *fileBytes) Set(v string) error {
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		return errors.New("not a number of bytes")
	}
	if err := bounds.Number("the value", n, 1, 1<<30); err != nil || n == 0 {
		return fmt.Errorf("%d: give 1 to %d", n, 1<<30)
	}
	*b = fileBytes(n)
	return nil
}

// specReading says how a command reads specs.
type specReading struct {
	// strict makes warnings fail, as errors do (--strict).
	strict       bool
	maxFileBytes int64
	// datadog keeps the SLOs Datadog measures; commands that read
	// Prometheus leave them out, with a warning.
	datadog bool
}

// failing is what stops a command: the errors, and the warnings too when
// it runs strictly.
func (r specReading) failing(diags diag.Diagnostics) error {
	if r.strict {
		return diags.ErrorsOrWarnings()
	}
	return diags.Errors()
}

// load reads and validates specs, printing every diagnostic. It returns
// the services only when they may be used.
func load(paths []string, r specReading, stderr io.Writer) ([]*slo.Service, bool) {
	services, diags := slo.Load(paths, slo.LoadOptions{MaxFileBytes: r.maxFileBytes})
	if !r.datadog {
		var left diag.Diagnostics
		services, left = slo.WithoutDatadog(services)
		diags = append(diags, left...)
		if len(services) == 0 && len(left) > 0 {
			diags = append(diags, &diag.Diagnostic{File: left[0].File, Message: "no SLO left that Prometheus measures: the specs hold Datadog SLOs only (generate --format datadog)"})
		}
	}
	for _, d := range diags {
		fmt.Fprintln(stderr, d.Error())
	}
	if err := r.failing(diags); err != nil {
		n := 0
		for _, d := range diags {
			if !d.Warning || r.strict {
				n++
			}
		}
		fmt.Fprintf(stderr, "slokit: %d problem(s) found\n", n)
		return nil, false
	}
	return services, true
}

const validateSynopsis = `validate [--strict] [--max-file-bytes N] PATH...

Checks specs and prints every problem with file:line:column and the field
path; warnings fail only with --strict.`

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", validateSynopsis, stderr)
	strict := fs.Bool("strict", false, "treat warnings as errors")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "slokit validate: no spec paths given")
		fs.Usage()
		return exitUsage
	}
	services, ok := load(paths, specReading{strict: *strict, maxFileBytes: *maxBytes, datadog: true}, stderr)
	if !ok {
		return exitInvalid
	}
	fmt.Fprintf(stdout, "valid: %s\n", summary(services))
	return exitOK
}

const generateSynopsis = `generate [--format prometheus|prometheus-operator|victoriametrics] [-o DIR|FILE.yaml|-]
       [--namespace NS] [--label k=v]... [--annotation k=v]... [--dashboards DIR] [--check] [--strict] PATH...
       generate --format alertmanager [-o FILE.yaml|-] [--strict] PATH...
       generate --format datadog|datadog-terraform [-o FILE.json|FILE.tf|-] [--strict] PATH...
       generate --format argo-rollouts|flagger [-o FILE.yaml|-] [--slokit-url URL]
                [--service-port 80] [--namespace NS] [--label k=v]... [--annotation k=v]... PATH...

Compiles specs into multi-window, multi-burn-rate recording and alerting
rules: one file per service into a folder (files generated earlier from
the same specs that they no longer generate are removed; other files are
kept), every service into one .yaml file, or standard output. The
operator formats take a namespace, labels and annotations for every
object (--label release=kube-prometheus-stack for a default
kube-prometheus-stack). With --check, nothing is written: it exits 1,
naming each file, when the folder (and --dashboards) differs from what
the specs generate, for CI on a repository that commits its rules.

--format alertmanager writes Alertmanager routing for the alerts instead:
a route per team label (or service), pages to TEAM-pager, tickets to
TEAM-tickets (P3 tickets to TEAM-chat), timed by the priority label (P0
to P3), and inhibit rules that hold back an SLO's tickets while its page
fires. It is a complete configuration amtool check-config accepts, and a
fragment to merge into an existing one.

--format datadog writes Datadog metric SLOs and SLO alert monitors, one
burn-rate monitor per tier (burn_rate().long_window().short_window())
and one per budget alert (error_budget()), as the bodies of Datadog's
API requests, with SLO_ID in each monitor's query for the id its SLO is
given; --format datadog-terraform writes them as the Datadog provider's
datadog_service_level_objective and datadog_monitor resources. It reads
Datadog SLIs (sli.datadog), and ratio SLIs whose selectors have exact
Datadog tag filters; it names every other SLO and writes nothing. The
other formats leave Datadog SLIs out, with a warning.

--format argo-rollouts writes an Argo Rollouts AnalysisTemplate per
service (slokit-SERVICE-canary) with a web-provider metric per SLO that
can judge a canary, asking slokit serve at --slokit-url for the canary's
verdict every minute over the last 10 minutes: pass succeeds, fail aborts
the rollout, inconclusive goes on measuring (3 passes in a row succeed;
20 measurements without them pause the rollout). The Rollout gives the
canary-hash and stable-hash arguments (podTemplateHashValue Latest and
Stable). --format flagger writes a Flagger Canary per service, for a
Deployment of the service's name behind --service-port: the gate as a
confirm-rollout webhook, then a rollout webhook per SLO.`

func runGenerate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("generate", generateSynopsis, stderr)
	format := fs.String("format", string(promrules.FormatPrometheus), "output format: "+promrules.FormatList()+", "+alertmanagerFormat+" for routing, datadog, datadog-terraform for Datadog SLOs and monitors, or argo-rollouts, flagger for canary analysis")
	out := fs.String("o", "-", "folder to write one file per service into, a .yaml file to write every service into, or - for standard output")
	dashboards := fs.String("dashboards", "", "also write Grafana dashboard JSON into this folder (see slokit dashboards)")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	check := fs.Bool("check", false, "write nothing; exit 1, naming the files, when -o DIR (and --dashboards) differ from what the specs generate")
	tier := fs.String("tier", "", "with a Prometheus per region: edge (what each region evaluates over its raw series) or global (what one evaluator runs over the regions' recorded series); default: every rule, for one Prometheus")
	region := fs.String("region", "", "with --tier edge: label what the edge records with this region's name (default: the region label comes from the Prometheus' external labels)")
	objects := addObjectFlags(fs)
	slokitURL := fs.String("slokit-url", rollouts.DefaultURL, "with --format argo-rollouts or flagger: slokit serve's address as the cluster reaches it")
	servicePort := fs.Int("service-port", 80, "with --format flagger: the port of the service the Canary routes")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "slokit generate: no spec paths given")
		fs.Usage()
		return exitUsage
	}
	if *check && (*out == "-" || isFileOutput(*out)) {
		fmt.Fprintln(stderr, "slokit generate: --check compares a folder: give -o DIR")
		return exitUsage
	}
	if code, other := generateOther(*format, paths, *out, generateFlags{check: *check, dashboards: *dashboards, tier: *tier, region: *region,
		slokitURL: *slokitURL, servicePort: *servicePort, objects: objects.meta()}, specReading{strict: *strict, maxFileBytes: *maxBytes}, stdout, stderr); other {
		return code
	}
	output, ok := rulesOutput(*format, objects, promrules.Tier(*tier), *region, stderr)
	if !ok {
		return exitUsage
	}
	if *dashboards != "" && filepath.Clean(*dashboards) == filepath.Clean(*out) {
		fmt.Fprintln(stderr, "slokit generate: --dashboards must be another folder than -o: both write SERVICE files")
		return exitUsage
	}
	services, ok := load(paths, specReading{strict: *strict, maxFileBytes: *maxBytes}, stderr)
	if !ok {
		return exitInvalid
	}
	if *check {
		folders := []outputFolder{rulesFolder(*out, output)}
		if *dashboards != "" {
			folders = append(folders, dashboardsFolder(*dashboards, grafana.Output{Format: grafana.FormatJSON}))
		}
		return checkFolders("generate", folders, services, paths, stderr)
	}
	if *dashboards != "" {
		n, err := writeDashboards(*dashboards, grafana.Output{Format: grafana.FormatJSON}, services, paths)
		if err != nil {
			fmt.Fprintf(stderr, "slokit generate: dashboards: %v\n", err)
			return exitInvalid
		}
		fmt.Fprintf(stderr, "wrote %d dashboard(s) and the fleet's SLO overview and SLO detail to %s\n", n, *dashboards)
	}
	var werr error
	switch {
	case *out == "-":
		werr = promrules.Write(stdout, output, services)
	case isFileOutput(*out):
		werr = writeOneFile(*out, output, services)
	default:
		_, werr = writeFiles(rulesFolder(*out, output), services, paths)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", werr)
		return exitInvalid
	}
	if *out != "-" {
		what, counts := written(output, services)
		fmt.Fprintf(stderr, "wrote %s rules to %s: %s\n", what, *out, counts)
	}
	return exitOK
}

// rulesOutput is the rule output --format and the object flags ask for,
// or false, having said why.
func rulesOutput(format string, objects objectFlags, tier promrules.Tier, region string, stderr io.Writer) (promrules.Output, bool) {
	f := promrules.Format(format)
	if err := promrules.Check(f, nil); err != nil {
		if !slices.Contains(strings.Split(promrules.FormatList(), ", "), format) {
			fmt.Fprintf(stderr, "slokit generate: --format: unknown format %q: use one of %s, %s\n", format, promrules.FormatList(), alertmanagerFormat)
			return promrules.Output{}, false
		}
		fmt.Fprintf(stderr, "slokit generate: --format: %v\n", err)
		return promrules.Output{}, false
	}
	if tier != promrules.TierAll && !slices.Contains(promrules.Tiers(), tier) {
		fmt.Fprintf(stderr, "slokit generate: --tier: unknown tier %q: use edge or global\n", tier)
		return promrules.Output{}, false
	}
	output := promrules.Output{Format: f, Objects: objects.meta(), Tier: tier, Region: region}
	if err := output.Check(nil); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return promrules.Output{}, false
	}
	return output, true
}

// alertmanagerFormat is generate's format for Alertmanager routing, which
// is not a rule format.
const alertmanagerFormat = "alertmanager"

// generateAlertmanager writes the Alertmanager routing for the specs'
// alerts to standard output or one file, replaced atomically.
func generateAlertmanager(paths []string, out string, reading specReading, stdout, stderr io.Writer) int {
	if out != "-" && !isFileOutput(out) {
		// A folder, as the rule formats take: the configuration is
		// DIR/alertmanager.yaml.
		if err := os.MkdirAll(out, 0o755); err != nil {
			fmt.Fprintf(stderr, "slokit generate: %v\n", err)
			return exitInvalid
		}
		out = filepath.Join(out, alertmanagerFormat+".yaml")
	}
	services, ok := load(paths, reading, stderr)
	if !ok {
		return exitInvalid
	}
	if out == "-" {
		if err := alertmanager.Write(stdout, services); err != nil {
			fmt.Fprintf(stderr, "slokit generate: %v\n", err)
			return exitInvalid
		}
		return exitOK
	}
	if err := checkReplaceable(out, generatedHead(out)); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitInvalid
	}
	var buf bytes.Buffer
	if err := alertmanager.Write(&buf, services); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitInvalid
	}
	if err := writeOwnFile(out, buf.Bytes(), generatedHead(out)); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stderr, "wrote Alertmanager routing to %s: %s\n", out, summary(services))
	return exitOK
}

func usageError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// isFileOutput reports whether -o names one file to write every service's
// rules into (a .yaml or .yml name that is not an existing folder) rather
// than a folder of one file per service.
func isFileOutput(out string) bool {
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return false
	}
	ext := filepath.Ext(out)
	return ext == ".yaml" || ext == ".yml"
}

// writeOneFile writes every service's rules into one file, replaced
// atomically; a file there that slokit did not generate is not replaced.
func writeOneFile(path string, o promrules.Output, services []*slo.Service) error {
	// Checked before the rules are rendered: a refusal costs nothing.
	if err := checkReplaceable(path, generatedHead(path)); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := promrules.Write(&buf, o, services); err != nil {
		return err
	}
	return writeOwnFile(path, buf.Bytes(), generatedHead(path))
}

// written says what generate wrote: the format and tier ("prometheus
// edge-tier"), and how much.
func written(o promrules.Output, services []*slo.Service) (what, counts string) {
	what = string(o.Format)
	if o.Tier != promrules.TierAll {
		what += " " + string(o.Tier) + "-tier"
	}
	if o.Tier == promrules.TierEdge {
		return what, edgeSummary(services)
	}
	return what, summary(services)
}

// edgeSummary counts what the edge tier writes: base increments of every
// SLO that reads raw series, and no alerts, which are the global tier's.
func edgeSummary(services []*slo.Service) string {
	files, slos := 0, 0
	for _, svc := range services {
		n := 0
		for _, s := range svc.SLOs {
			if _, ok := promrules.TierGroup(s, promrules.TierEdge); ok {
				n++
			}
		}
		if n > 0 {
			files++
		}
		slos += n
	}
	return fmt.Sprintf("%d service(s), %d SLO(s) that read raw series; no alerts: the global tier has them", files, slos)
}

func summary(services []*slo.Service) string {
	slos, objectives, alerts := 0, 0, 0
	for _, svc := range services {
		for _, s := range svc.SLOs {
			slos++
			objectives += len(s.Objectives)
			alerts += len(s.Objectives) * len(s.Alerting.Tiers)
		}
	}
	return fmt.Sprintf("%d service(s), %d SLO(s), %d objective(s), %d burn-rate alert rule(s)", len(services), slos, objectives, alerts)
}

// errNoEngine is what a command that needs the embedded engine says in a
// binary built without it (-tags noengine).
var errNoEngine = errors.New("this slokit is built without the embedded engine (-tags noengine)")

// envPrefix starts the environment variables that set serve's flags, for
// containers: --backend-timeout is SLOKIT_BACKEND_TIMEOUT.
const envPrefix = "SLOKIT_"

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagsFromEnv sets every flag not given on the command line from its
// environment variable, if that is set and not empty: the command line
// wins. A repeatable flag takes one value per line. A bad value is an
// error that names the variable.
func flagsFromEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		value, ok := lookup(envName(f.Name))
		if given[f.Name] || !ok || value == "" {
			return
		}
		values := []string{value}
		if _, repeatable := f.Value.(headerFlags); repeatable {
			values = strings.Split(strings.TrimRight(value, "\n"), "\n")
		}
		for _, v := range values {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", envName(f.Name), err))
			}
		}
	})
	return errors.Join(errs...)
}
