package test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// slokit override makes, lists, extends and deletes overrides on a real
// slokit serve, with the token from the environment or a file, so that
// nobody needs curl; refusals exit 1 with the server's reason, mistakes
// exit 2.
func TestOverrideCommand(t *testing.T) {
	const token = "e2e-override-token-0123456789"
	addr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--prometheus-url", "http://127.0.0.1:1", "--listen", addr,
		"--data-dir", t.TempDir(), "--token-env", "SLOKIT_E2E_TOKEN", "../specs")
	eventually(t, 20*time.Second, "serve listening", func() (bool, string) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return true, ""
	})
	server := "http://" + addr
	override := func(env []string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(slokitBin, append([]string{"override"}, args...)...)
		cmd.Env = append(os.Environ(), append([]string{"SLOKIT_SERVER=" + server, "USER=ci-bot"}, env...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		return exitCode(t, cmd.Run()), stdout.String(), stderr.String()
	}
	withToken := []string{"SLOKIT_TOKEN=" + token}

	code, out, errOut := override(withToken, "create", "--service", "order-api", "--reason", "hotfix 4711", "--duration", "2h")
	m := regexp.MustCompile(`^created (ovr-\S+) for order-api, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create: exit %d\n%s%s", code, out, errOut)
	}
	id := m[1]
	code, out, _ = override(withToken, "list")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "ci-bot") || !strings.Contains(out, "hotfix 4711") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := override(nil, "extend", id, "--reason", "the fix needs longer", "--duration", "4h", "--token-file", tokenFile); code != 0 || !strings.HasPrefix(out, "extended "+id) {
		t.Errorf("extend: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := override(withToken, "list", "--json", "--service", "order-api"); code != 0 || !strings.HasPrefix(out, `{"overrides":[{"id":"`+id) {
		t.Errorf("list --json: exit %d\n%s", code, out)
	}
	if code, out, errOut := override(withToken, "delete", id); code != 0 || out != "deleted "+id+"\n" {
		t.Errorf("delete: exit %d\n%s%s", code, out, errOut)
	}
	// The audit trail has every change, by whom.
	req, _ := http.NewRequest(http.MethodGet, server+"/api/v1/audit?service=order-api", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	trail := readAll(t, resp)
	for _, kind := range []string{"override-created", "override-changed", "override-deleted"} {
		if !strings.Contains(trail, kind) {
			t.Errorf("the audit trail lacks %s: %.300s", kind, trail)
		}
	}

	for _, tc := range []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{withToken, []string{"delete", id}, 1, `answered 404: no override "` + id + `"`},
		{[]string{"SLOKIT_TOKEN=not-the-token-0123456789"}, []string{"list"}, 1, "answered 403"},
		{withToken, []string{"create", "--service", "nobody", "--reason", "x", "--duration", "1h"}, 1, `answered 400: unknown service "nobody"`},
		{nil, []string{"list"}, 2, "no token: give --token-file FILE or set SLOKIT_TOKEN"},
		{withToken, []string{"create", "--service", "order-api", "--duration", "1h"}, 2, "--reason is required"},
		{withToken, []string{"create", "--service", "order-api", "--reason", "x"}, 2, "give --duration or --expires"},
		{withToken, []string{"extend", "--reason", "x", "--duration", "1h"}, 2, "give the override's ID"},
		{withToken, []string{"remove", id}, 2, `unknown subcommand "remove"`},
		{withToken, []string{"list", "--sevice", "x"}, 2, "unknown flag --sevice: did you mean --service?"},
		{[]string{"SLOKIT_TOKEN=" + token, "SLOKIT_SERVER=http://127.0.0.1:1"}, []string{"list"}, 1, "asking http://127.0.0.1:1"},
	} {
		code, out, errOut := override(tc.env, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(out+errOut, token) {
			t.Errorf("%v: exit %d, want %d and %q\n%s%s", tc.args, code, tc.code, tc.want, out, errOut)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
