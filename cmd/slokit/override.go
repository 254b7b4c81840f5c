package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/secret"
	"github.com/slokit/slokit/serve/api"
)

const overrideSynopsis = `override create --service NAME --reason TEXT (--duration 2h | --expires TIME) [flags]
       override list [--service NAME] [--json] [flags]
       override extend ID --reason TEXT (--duration 2h | --expires TIME) [flags]
       override delete ID [flags]

Makes, lists, extends (or shortens) and deletes the overrides of slokit
serve, which let a service's changes through while its gate would deny
them, so that nobody needs curl. Every command needs the token that
guards them: --token-file FILE or --token-env VAR (default
SLOKIT_TOKEN). --server is slokit serve's URL (default
http://127.0.0.1:8080, or SLOKIT_SERVER). --author defaults to $USER. Exit
codes: 0 done, 1 the server refused or could not be reached (its answer
is printed), 2 usage error.`

// overrideCommand is one of override's subcommands, with the flags they
// share.
type overrideCommand struct {
	name            string
	fs              *flag.FlagSet
	server, service *string
	reason, author  *string
	duration        *time.Duration
	expires         *string
	tokenFile       *string
	tokenEnv        *string
	asJSON          *bool
	timeout         *time.Duration
}

func runOverride(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, "Usage: slokit %s\n", overrideSynopsis)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub := args[0]
	switch sub {
	case "create", "list", "extend", "delete":
	default:
		fmt.Fprintf(stderr, "slokit override: unknown subcommand %q: create, list, extend or delete\n", sub)
		return exitUsage
	}
	c := newOverrideCommand(sub, stderr)
	rest, err := parseInterspersed(c.fs, args[1:])
	if err != nil {
		return usageError(err)
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slokit override %s: "+format+"\n", append([]any{sub}, a...)...)
		return exitUsage
	}
	var id string
	if why := c.conflict(rest); why != "" {
		return usage("%s", why)
	}
	if len(rest) == 1 {
		id = rest[0]
	}
	base, err := url.Parse(*c.server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usage("--server must be an http or https URL, such as http://127.0.0.1:8080")
	}
	tokenEnv := *c.tokenEnv
	if *c.tokenFile != "" {
		tokenEnv = ""
	}
	if tokenEnv != "" && strings.TrimSpace(os.Getenv(tokenEnv)) == "" {
		return usage("no token: give --token-file FILE or set %s", tokenEnv)
	}
	token, err := secret.Read("token", *c.tokenFile, tokenEnv)
	if err != nil {
		return usage("%v", err)
	}
	var expires *time.Time
	if c.expires != nil && *c.expires != "" {
		t, err := time.Parse(time.RFC3339, *c.expires)
		if err != nil {
			return usage("--expires must be an RFC 3339 time, such as 2026-12-24T18:00:00Z")
		}
		expires = &t
	}
	duration := ""
	if c.duration != nil && *c.duration > 0 {
		duration = c.duration.String()
	}

	ctx, cancel := context.WithTimeout(ctx, *c.timeout)
	defer cancel()
	client := overrideClient{base: base, token: token, redact: secret.NewRedactor(*c.server)}
	method, path, query, body := c.request(id, expires, duration)
	code, answer, err := client.do(ctx, method, path, query, body)
	if err != nil {
		fmt.Fprintf(stderr, "slokit override %s: %v\n", sub, err)
		return exitInvalid
	}
	if code >= 300 {
		fmt.Fprintf(stderr, "slokit override %s: %s answered %d: %s\n", sub, client.redact.URL(), code, printable(answerError(answer)))
		return exitInvalid
	}
	if *c.asJSON {
		if len(answer) > 0 {
			stdout.Write(answer)
		}
		return exitOK
	}
	return c.print(answer, id, stdout, stderr)
}

// overrideClient calls slokit serve's override API with the token.
type overrideClient struct {
	base   *url.URL
	token  string
	redact secret.Redactor
}

func (c overrideClient) do(ctx context.Context, method string, path []string, query url.Values, body any) (int, []byte, error) {
	u := c.base.JoinPath(path...)
	u.RawQuery = query.Encode()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return 0, nil, c.redact.Error(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("asking %s: %w", c.redact.URL(), c.redact.Error(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer of %s: %w", c.redact.URL(), c.redact.Error(err))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return 0, nil, fmt.Errorf("%s answered %d, a redirect: slokit override follows none, since it would send the token on: give --server the URL it redirects to", c.redact.URL(), resp.StatusCode)
	}
	return resp.StatusCode, data, nil
}

func newOverrideCommand(sub string, stderr io.Writer) *overrideCommand {
	c := &overrideCommand{name: sub, fs: newFlagSet("override "+sub, overrideSynopsis, stderr)}
	fs := c.fs
	defServer := os.Getenv("SLOKIT_SERVER")
	if defServer == "" {
		defServer = "http://127.0.0.1:8080"
	}
	c.server = fs.String("server", defServer, "slokit serve's URL")
	c.tokenFile = fs.String("token-file", "", "file holding the token that guards overrides")
	c.tokenEnv = fs.String("token-env", "SLOKIT_TOKEN", "environment variable holding the token, when --token-file is not given")
	c.timeout = fs.Duration("timeout", 30*time.Second, "how long to wait for the server")
	c.asJSON = fs.Bool("json", false, "print the server's JSON answer")
	if sub == "create" || sub == "list" {
		c.service = fs.String("service", "", "the service")
	}
	if sub != "list" {
		c.author = fs.String("author", os.Getenv("USER"), "who makes the change, for the audit trail")
	}
	if sub == "create" || sub == "extend" {
		c.reason = fs.String("reason", "", "why, for the audit trail")
		c.duration = fs.Duration("duration", 0, "how long from now the override lasts")
		c.expires = fs.String("expires", "", "when the override ends, RFC 3339 (instead of --duration)")
	}
	return c
}

// conflict says what is wrong with the subcommand's arguments and flags,
// or "".
func (c *overrideCommand) conflict(rest []string) string {
	sub := c.name
	switch {
	case (sub == "extend" || sub == "delete") && len(rest) != 1:
		return "give the override's ID (slokit override list shows them)"
	case (sub == "create" || sub == "list") && len(rest) > 0:
		return fmt.Sprintf("takes no arguments, got %q", rest)
	case sub == "create" && *c.service == "":
		return "--service is required"
	case (sub == "create" || sub == "extend") && *c.reason == "":
		return "--reason is required: the audit trail keeps why"
	case (sub == "create" || sub == "extend") && (*c.duration > 0) == (*c.expires != ""):
		return "give --duration or --expires (one of them)"
	case c.author != nil && *c.author == "" && sub != "delete":
		return "--author is required ($USER is not set)"
	case *c.timeout <= 0 || *c.timeout > 10*time.Minute:
		return fmt.Sprintf("--timeout is %s: give more than 0 and at most 10m", *c.timeout)
	}
	return ""
}

// request is the API call of the subcommand.
func (c *overrideCommand) request(id string, expires *time.Time, duration string) (method string, path []string, query url.Values, body any) {
	path, query = []string{"api", "v1", "overrides"}, url.Values{}
	switch c.name {
	case "create":
		method, body = http.MethodPost, api.OverrideRequest{Service: *c.service, Reason: *c.reason, Author: *c.author, Expires: expires, Duration: duration}
	case "list":
		method = http.MethodGet
	case "extend":
		method, path, body = http.MethodPatch, append(path, id), api.OverrideChangeRequest{Reason: *c.reason, Author: *c.author, Expires: expires, Duration: duration}
	case "delete":
		method, path = http.MethodDelete, append(path, id)
		if *c.author != "" {
			query.Set("author", *c.author)
		}
	}
	return method, path, query, body
}

// print says what the server did: the override deleted, the overrides in
// force (of --service, if given), or the override created or extended.
func (c *overrideCommand) print(answer []byte, id string, stdout, stderr io.Writer) int {
	sub := c.name
	switch sub {
	case "delete":
		fmt.Fprintf(stdout, "deleted %s\n", printable(id))
	case "list":
		var list struct {
			Overrides []gate.Override `json:"overrides"`
		}
		if err := json.Unmarshal(answer, &list); err != nil {
			fmt.Fprintf(stderr, "slokit override list: the answer is not a list of overrides: %v\n", err)
			return exitInvalid
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSERVICE\tEXPIRES\tAUTHOR\tREASON")
		for _, o := range list.Overrides {
			if *c.service != "" && o.Service != *c.service {
				continue
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", printable(o.ID), printable(o.Service), o.Expires.UTC().Format(time.RFC3339), printable(o.Author), printable(o.Reason))
		}
		w.Flush()
	default:
		var o gate.Override
		if err := json.Unmarshal(answer, &o); err != nil {
			fmt.Fprintf(stderr, "slokit override %s: the answer is not an override: %v\n", sub, err)
			return exitInvalid
		}
		what := map[string]string{"create": "created", "extend": "extended"}[sub]
		fmt.Fprintf(stdout, "%s %s for %s, until %s\n", what, printable(o.ID), printable(o.Service), o.Expires.UTC().Format(time.RFC3339))
	}
	return exitOK
}
