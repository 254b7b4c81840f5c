package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGate answers gate checks as slokit serve would: order-api by the
// decision in its "decision" query parameter's place (the change), other
// services 404, and "broken" 503.
func fakeGate(t *testing.T, seen *http.Header) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			*seen = r.Header.Clone()
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/gate/order-api":
			decision := map[string]string{"normal": "deny", "hotfix": "warn", "rollback": "allow"}[r.URL.Query().Get("change")]
			json.NewEncoder(w).Encode(map[string]any{
				"service": "order-api", "change": r.URL.Query().Get("change"), "decision": decision,
				"reasons":  []map[string]string{{"rule": "r", "message": "availability (99.9%): 50% of the budget left\nsecond line"}},
				"override": nil, "slos": []any{}, "dataAgeSeconds": 3,
			})
		case "/api/v1/gate/broken":
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":"budget state is 10m old","service":"broken"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"unknown service"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gateCheck(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"gate", "check"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestGateCheckExitCodes(t *testing.T) {
	srv := fakeGate(t, nil)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"allow", []string{"--server", srv.URL, "--service", "order-api", "--change", "rollback"}, 0},
		{"warn allows", []string{"--server", srv.URL, "--service", "order-api", "--change", "hotfix"}, 0},
		{"deny", []string{"--server", srv.URL, "--service", "order-api"}, 1},
		{"no service: usage", []string{"--server", srv.URL}, 2},
		{"unknown change: usage", []string{"--server", srv.URL, "--service", "order-api", "--change", "yolo"}, 2},
		{"unknown output: usage", []string{"--server", srv.URL, "--service", "order-api", "--output", "xml"}, 2},
		{"a header without a colon: usage", []string{"--server", srv.URL, "--service", "order-api", "--header", "X-Thing"}, 2},
		{"server not a URL: usage", []string{"--server", "127.0.0.1:8080", "--service", "order-api"}, 2},
		// A timeout that fails at once would be allowed by --fail-open.
		{"a negative timeout, fail-open: usage", []string{"--server", srv.URL, "--service", "order-api", "--timeout", "-1s", "--fail-open"}, 2},
		{"a zero timeout: usage", []string{"--server", srv.URL, "--service", "order-api", "--timeout", "0s"}, 2},
		{"cannot decide", []string{"--server", srv.URL, "--service", "broken"}, 3},
		{"cannot decide, fail-open", []string{"--server", srv.URL, "--service", "broken", "--fail-open"}, 0},
		{"unreachable", []string{"--server", down.URL, "--service", "order-api"}, 3},
		{"unreachable, fail-open", []string{"--server", down.URL, "--service", "order-api", "--fail-open"}, 0},
		{"unknown service", []string{"--server", srv.URL, "--service", "odrer-api"}, 3},
		{"unknown service, fail-open: still undecided", []string{"--server", srv.URL, "--service", "odrer-api", "--fail-open"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errOut := gateCheck(tc.args...); code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
		})
	}
}

// --json prints exactly one JSON object whatever happens.
func TestGateCheckJSONAlwaysPrintsOneObject(t *testing.T) {
	srv := fakeGate(t, nil)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		args     []string
		decision string
	}{
		{[]string{"--server", srv.URL, "--service", "order-api"}, "deny"},
		{[]string{"--server", srv.URL, "--service", "broken"}, "undecided"},
		{[]string{"--server", down.URL, "--service", "order-api"}, "undecided"},
		{[]string{"--server", down.URL, "--service", "order-api", "--fail-open"}, "allow"},
		{[]string{"--server", srv.URL, "--service", "nope"}, "undecided"},
	} {
		_, out, _ := gateCheck(append(tc.args, "--json")...)
		dec := json.NewDecoder(strings.NewReader(out))
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || dec.More() {
			t.Errorf("%v: not one JSON object: %v\n%s", tc.args, err, out)
			continue
		}
		if obj["decision"] != tc.decision || obj["service"] == nil {
			t.Errorf("%v: %v, want decision %s", tc.args, obj, tc.decision)
		}
		if tc.decision != "deny" && obj["error"] == "" {
			t.Errorf("%v: no error given: %v", tc.args, obj)
		}
	}
}

func TestGateCheckGitHubAnnotations(t *testing.T) {
	srv := fakeGate(t, nil)
	for _, tc := range []struct {
		change, prefix string
	}{
		{"normal", "::error title=slokit gate order-api::deny: order-api, normal change%0A- availability (99.9%25): 50%25 of the budget left%0Asecond line\n"},
		{"hotfix", "::warning title=slokit gate order-api::warn"},
		{"rollback", "::notice title=slokit gate order-api::allow"},
	} {
		_, out, _ := gateCheck("--server", srv.URL, "--service", "order-api", "--change", tc.change, "--output", "github")
		if !strings.HasPrefix(out, tc.prefix) || strings.Count(out, "\n") != 1 {
			t.Errorf("%s: %q, want one line starting %q", tc.change, out, tc.prefix)
		}
	}
	_, out, _ := gateCheck("--server", srv.URL, "--service", "broken", "--output", "github")
	if !strings.HasPrefix(out, "::warning title=slokit gate broken::could not decide for broken") {
		t.Errorf("undecided: %q", out)
	}
}

// A server behind an authenticating proxy: the token and headers are
// sent; credentials in --server never show in the output.
func TestGateCheckAuthAndRedaction(t *testing.T) {
	var seen http.Header
	srv := fakeGate(t, &seen)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("proxy-t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := gateCheck("--server", srv.URL, "--service", "order-api", "--change", "rollback", "--token-file", tok, "--header", "X-Org: food"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if seen.Get("Authorization") != "Bearer proxy-t0ken" || seen.Get("X-Org") != "food" {
		t.Errorf("headers sent: %v", seen)
	}
	withCreds := strings.Replace(srv.URL, "http://", "http://ci:pa55word@", 1) + "/?key=s3cret-key"
	for _, service := range []string{"broken", "nope"} {
		_, out, errOut := gateCheck("--server", withCreds, "--service", service, "--json")
		if strings.Contains(out+errOut, "pa55word") || strings.Contains(out+errOut, "s3cret-key") {
			t.Errorf("credentials in the output:\n%s%s", out, errOut)
		}
	}
}

// gate check follows no redirect: the token and headers stay with the
// server asked, and the redirect's target answers nothing. Before, it
// followed, sent the token on, and took the target's allow.
func TestGateCheckFollowsNoRedirect(t *testing.T) {
	var leaked http.Header
	target := fakeGate(t, &leaked)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("proxy-t0ken-value"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := gateCheck("--server", redirecting.URL, "--service", "order-api", "--change", "rollback", "--token-file", tokenFile, "--header", "X-Scope-OrgID: tenant-a")
	if code != gateUndecided || !strings.Contains(stderr, "a redirect to") || !strings.Contains(stderr, "follows none") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if leaked != nil {
		t.Errorf("the redirect's target was asked, with %v", leaked)
	}
}

// An answer about another service, or another kind of change, decides
// nothing: a proxy's or a cache's mix-up must not ship this service on
// another's allow.
func TestGateCheckTakesOnlyAnAnswerAboutItsQuestion(t *testing.T) {
	for _, answer := range []string{
		`{"service":"other","change":"normal","decision":"allow","reasons":[]}`,
		`{"service":"order-api","change":"rollback","decision":"allow","reasons":[]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(answer))
		}))
		code, _, stderr := gateCheck("--server", srv.URL, "--service", "order-api")
		srv.Close()
		if code != gateUndecided || !strings.Contains(stderr, "answered about service") {
			t.Errorf("%s: exit %d: %s", answer, code, stderr)
		}
	}
}

// What the server writes reaches a terminal or a CI log escaped: no new
// line (GitHub Actions would run "::error::..." as a workflow command), no
// terminal escape (ESC, BEL, OSC, CSI), no bidi override or zero-width
// character, in any output format.
func TestGateCheckEscapesTheServersText(t *testing.T) {
	hostile := "budget low\n::error::pwned\r\x1b]0;retitled\x07\x1b[2J\u202eevil\u200b\u2028x\x7f\u009b\xff"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/broken") {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"error": hostile})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"service": "order-api", "change": "normal", "decision": "warn",
			"reasons": []map[string]string{{"rule": "budget-low", "message": hostile}}})
	}))
	t.Cleanup(srv.Close)
	bad := []string{"\x1b", "\x07", "\r", "\u202e", "\u200b", "\u2028", "\x7f", "\u009b", "\xff"}
	for _, service := range []string{"order-api", "broken"} {
		for _, output := range []string{"text", "github", "json"} {
			code, stdout, stderr := gateCheck("--server", srv.URL, "--service", service, "--output", output)
			for _, text := range []string{stdout, stderr} {
				for _, b := range bad {
					if strings.Contains(text, b) {
						t.Errorf("%s, --output %s (exit %d): %q holds %q", service, output, code, text, b)
					}
				}
				for _, line := range strings.Split(text, "\n") {
					if strings.HasPrefix(line, "::error::pwned") || (output != "github" && strings.HasPrefix(line, "::")) {
						t.Errorf("%s, --output %s: a line of the server's: %q", service, output, line)
					}
				}
			}
			if output == "json" && !json.Valid([]byte(strings.TrimSpace(stdout))) {
				t.Errorf("%s: --output json is not JSON: %q", service, stdout)
			}
			if output == "github" && strings.Count(stdout, "\n") != 1 {
				t.Errorf("%s: --output github is not one annotation: %q", service, stdout)
			}
		}
	}
}
