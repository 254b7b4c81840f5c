package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/slokit/slokit/internal/secret"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/slo"
)

const gateSynopsis = `gate check --server URL --service NAME [--change normal|rollback|hotfix|security]
       [--fail-open] [--output text|json|github] [--token-file FILE] [--header 'K: V']...

Asks slokit serve whether a change may ship.

Exit codes:
  0  allow, or warn (the warning is printed)
  1  deny
  2  usage error: a flag is wrong or missing
  3  undecided: the server is unreachable, answered an error, does not
     know the service, or cannot decide (its budget state is missing or
     too old)

--fail-open turns undecided into allow (exit 0, printing why), except
for a service the server does not know: that stays undecided (exit 3),
so that a misspelt service name cannot switch the gate off for good.

--output json prints one JSON object in every case: the gate's answer,
or {"decision":"undecided","service":...,"error":...} (with --fail-open,
"decision":"allow" and "failOpen":true). --output github prints the
decision as GitHub Actions annotations (::error:: for deny, ::warning::
for warn and undecided).

For a server behind an authenticating proxy, --token-file (or
--token-env) sends Authorization: Bearer TOKEN, and --header adds any
header; the gate itself needs no token.`

// Exit codes of gate check, which pipelines act on.
const (
	gateAllow     = 0
	gateDeny      = 1
	gateUsage     = exitUsage
	gateUndecided = 3
)

// headerFlags collects repeated --header 'Name: value' flags.
type headerFlags http.Header

func (h headerFlags) String() string { return "" }

func (h headerFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return fmt.Errorf("want 'Name: value', got %q", v)
	}
	http.Header(h).Add(name, strings.TrimSpace(value))
	return nil
}

// gateOutcome is what gate check prints as JSON when the gate gave no
// decision.
type gateOutcome struct {
	Decision string `json:"decision"`
	Service  string `json:"service"`
	Change   string `json:"change"`
	FailOpen bool   `json:"failOpen,omitempty"`
	Error    string `json:"error"`
}

func runGate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		// The help of gate check, its one subcommand, flags included.
		return runGate(ctx, []string{"check", "--help"}, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintf(stderr, "Usage: slokit %s\n(slokit help gate lists every flag)\n", gateSynopsis)
		return gateUsage
	}
	fs := newFlagSet("gate check", gateSynopsis, stderr)
	server := fs.String("server", "http://127.0.0.1:8080", "slokit serve's URL")
	service := fs.String("service", "", "the service to check")
	change := fs.String("change", "normal", "the kind of change: normal, rollback, hotfix or security")
	region := fs.String("region", "", "the region the deploy goes to, for a service tracked by region: judged by that region's budget and the global one (default: everywhere)")
	failOpen := fs.Bool("fail-open", false, "exit 0 when the gate cannot decide, printing why (not for an unknown service)")
	asJSON := fs.Bool("json", false, "the same as --output json")
	output := fs.String("output", "text", "text, json (one JSON object, always) or github (Actions annotations)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the gate")
	tokenFile := fs.String("token-file", "", "file holding a bearer token for a proxy in front of the server")
	tokenEnv := fs.String("token-env", "", "environment variable holding a bearer token for a proxy in front of the server")
	headers := headerFlags{}
	fs.Var(headers, "header", "an HTTP header to send, 'Name: value' (repeatable)")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usageError(err)
	}
	if *asJSON {
		*output = "json"
	}
	usage := func(format string, a ...any) int { return gateUsageError(stderr, format, a...) }
	if why := gateFlagsConflict(rest, *service, *change, *output, *timeout); why != "" {
		return usage("%s", why)
	}
	base, err := url.Parse(*server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usage("--server must be an http or https URL, such as http://127.0.0.1:8080")
	}
	redact := secret.NewRedactor(*server)
	if err := headers.addToken(*tokenFile, *tokenEnv); err != nil {
		return usage("%v", err)
	}
	p := gatePrinter{out: stdout, errOut: stderr, format: *output, service: *service, change: *change}

	// undecided reports why the gate gave no decision; unknown services
	// are never allowed by --fail-open.
	undecided := func(unknownService bool, format string, a ...any) int {
		msg := redact.String(fmt.Sprintf(format, a...))
		if *failOpen && !unknownService {
			p.failedOpen(msg)
			return gateAllow
		}
		p.undecided(msg)
		return gateUndecided
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := gateRequest(ctx, base, *service, *change, *region, headers)
	if err != nil {
		return usage("--server: %v", redact.Error(err))
	}
	resp, body, why := fetchGate(req, redact)
	if why != "" {
		return undecided(false, "%s", why)
	}
	g, unknownService, why := readGateAnswer(resp, body, *service, *change, redact)
	if why != "" {
		return undecided(unknownService, "%s", why)
	}
	switch g.Decision {
	case api.Allow, api.Warn:
		p.decision(g, body)
		return gateAllow
	case api.Deny:
		p.decision(g, body)
		return gateDeny
	}
	return undecided(false, "%s answered an unknown decision %q", redact.URL(), g.Decision)
}

// fetchGate sends a gate request and reads the answer (4 MiB at most);
// the string says why it could not, with the server's credentials
// redacted.
func fetchGate(req *http.Request, redact secret.Redactor) (*http.Response, []byte, string) {
	resp, err := noRedirects.Do(req)
	if err != nil {
		return nil, nil, fmt.Sprintf("asking %s: %v", redact.URL(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, nil, fmt.Sprintf("reading the answer of %s: %v", redact.URL(), err)
	}
	return resp, body, ""
}

// gatePrinter prints gate check's outcome in the chosen format.
type gatePrinter struct {
	out, errOut     io.Writer
	format          string
	service, change string
}

func (p gatePrinter) decision(g api.GateResponse, body []byte) {
	switch p.format {
	case "json":
		// Valid JSON (runGate decoded it), on one line, with what JSON
		// lets through raw but a terminal acts on escaped.
		var compact bytes.Buffer
		_ = json.Compact(&compact, body)
		fmt.Fprintln(p.out, jsonPrintable(compact.String()))
	case "github":
		level := "notice"
		switch g.Decision {
		case api.Deny:
			level = "error"
		case api.Warn:
			level = "warning"
		}
		// The decision, service and change are checked (runGate);
		// the reasons are the server's text.
		lines := []string{fmt.Sprintf("%s: %s, %s change", g.Decision, p.service, p.change)}
		for _, r := range g.Reasons {
			lines = append(lines, "- "+printableLines(r.Message))
		}
		fmt.Fprintf(p.out, "::%s title=slokit gate %s::%s\n", level, githubProperty(p.service), githubData(strings.Join(lines, "\n")))
	default:
		fmt.Fprintf(p.out, "%s: %s, %s change (budget data %.0fs old)\n", g.Decision, p.service, p.change, g.DataAgeSeconds)
		for _, r := range g.Reasons {
			fmt.Fprintf(p.out, "  - %s\n", printable(r.Message))
		}
	}
}

// printable is text from the server as a terminal or a CI log may show
// it: every control or format character (newline, ESC, BEL, OSC, bidi
// overrides, zero-width characters) and every invalid byte written as an
// escape, so that no server can start a line (GitHub Actions runs lines
// such as ::error::), move the cursor, retitle the terminal or hide text.
func printable(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError)):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case invisible(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// invisible is a character a terminal or a log acts on or hides rather
// than shows: a control or format character (bidi overrides, zero-width
// characters) or a line or paragraph separator.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// jsonPrintable is printable for JSON text: the characters JSON may hold
// raw inside its strings (DEL, C1 controls, format characters, line
// separators) and invalid bytes written as JSON's own \u escapes, which
// keep the text valid JSON of the same value.
func jsonPrintable(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], string(utf8.RuneError)):
			b.WriteString(`\ufffd`)
		case invisible(r):
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printableLines is printable keeping line breaks, for a GitHub
// annotation, whose text escapes them (githubData).
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable(l)
	}
	return strings.Join(lines, "\n")
}

// undecided prints why there is no decision.
func (p gatePrinter) undecided(msg string) {
	p.noDecision(gateOutcome{Decision: api.Undecided, Error: msg})
}

// failedOpen prints why there is no decision, and that --fail-open allows
// the change.
func (p gatePrinter) failedOpen(msg string) {
	p.noDecision(gateOutcome{Decision: api.Allow, FailOpen: true, Error: msg})
}

func (p gatePrinter) noDecision(o gateOutcome) {
	o.Service, o.Change = p.service, p.change
	// JSON escapes what it must; the other formats show the server's text
	// as printable.
	failOpen, msg := o.FailOpen, printable(o.Error)
	switch p.format {
	case "json":
		data, _ := json.Marshal(o)
		fmt.Fprintln(p.out, jsonPrintable(string(data)))
	case "github":
		what := "could not decide for " + p.service
		if failOpen {
			what = "allowed " + p.service + " without a decision (--fail-open)"
		}
		fmt.Fprintf(p.out, "::warning title=slokit gate %s::%s\n", githubProperty(p.service), githubData(what+": "+msg))
	default:
		if failOpen {
			fmt.Fprintf(p.out, "allow (fail-open): %s: %s\n", p.service, msg)
			return
		}
		fmt.Fprintf(p.errOut, "slokit gate check: could not decide for %s: %s\n", p.service, msg)
	}
}

// githubData escapes a workflow command's message (GitHub's
// escapeData): %, CR and LF.
func githubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubProperty escapes a workflow command's property value: the
// message's escapes plus : and ,.
func githubProperty(s string) string {
	return strings.NewReplacer(":", "%3A", ",", "%2C").Replace(githubData(s))
}

// gateFlagsConflict says what is wrong with gate check's flags, or "".
func gateFlagsConflict(rest []string, service, change, output string, timeout time.Duration) string {
	switch {
	case len(rest) > 0:
		return fmt.Sprintf("takes no arguments, got %q", rest)
	case service == "":
		return "--service is required"
	case !slices.Contains(slo.Changes(), slo.Change(change)):
		return fmt.Sprintf("--change must be one of normal, rollback, hotfix, security; got %q", change)
	case output != "text" && output != "json" && output != "github":
		return fmt.Sprintf("--output must be text, json or github; got %q", output)
	case timeout <= 0 || timeout > 10*time.Minute:
		// A timeout of 0 or less fails at once, which --fail-open would
		// turn into allow.
		return fmt.Sprintf("--timeout is %s: give more than 0 and at most 10m", timeout)
	}
	return ""
}

// readGateAnswer reads the gate's answer about the service's change, or
// says why it is none: a redirect (followed, it would send the token and
// headers on), an error status (404 is an unknown service, which
// --fail-open never allows), no decision, or a decision about another
// service or change (a proxy's mix-up, a cache), which must not ship this
// one.
func readGateAnswer(resp *http.Response, body []byte, service, change string, redact secret.Redactor) (api.GateResponse, bool, string) {
	var g api.GateResponse
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return g, false, fmt.Sprintf("%s answered %d, a redirect to %s: gate check follows none, since it would send the token and headers on: give --server the URL it redirects to",
			redact.URL(), resp.StatusCode, secret.NewRedactor(resp.Header.Get("Location")).URL())
	case resp.StatusCode != http.StatusOK:
		return g, resp.StatusCode == http.StatusNotFound, fmt.Sprintf("%s answered %d: %s", redact.URL(), resp.StatusCode, answerError(body))
	}
	if err := json.Unmarshal(body, &g); err != nil {
		return g, false, fmt.Sprintf("the answer of %s is not a gate decision: %v", redact.URL(), err)
	}
	if g.Service != service || g.Change != change {
		return g, false, fmt.Sprintf("%s answered about service %q (%s change), not %q (%s change)", redact.URL(), g.Service, g.Change, service, change)
	}
	return g, false, ""
}

// gateRequest asks slokit serve's gate about a change of the service (to
// one region, unless region is empty), with the headers given.
func gateRequest(ctx context.Context, base *url.URL, service, change, region string, headers headerFlags) (*http.Request, error) {
	u := base.JoinPath("api", "v1", "gate", service)
	q := u.Query()
	q.Set("change", change)
	if region != "" {
		q.Set("region", region)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for name, values := range headers {
		req.Header[name] = values
	}
	return req, nil
}

// gateUsageError says what is wrong with gate check's flags, and returns
// its exit code for that.
func gateUsageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "slokit gate check: "+format+"\n", a...)
	return gateUsage
}

// addToken adds the bearer token of the file or environment variable
// given, if any, for a proxy in front of the server.
func (h headerFlags) addToken(file, env string) error {
	token, err := secret.Read("token", file, env)
	if err != nil {
		return err
	}
	if token != "" {
		http.Header(h).Set("Authorization", "Bearer "+token)
	}
	return nil
}
