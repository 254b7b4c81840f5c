package test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An override acknowledged by slokit serve survives the process being
// killed without warning; a damaged override file stops the service with a
// message instead of silently dropping the overrides.
func TestOverrideSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := freePort(t)
	start := func() *exec.Cmd {
		// The backend is unreachable: overrides do not need it.
		return process(t, "serve.log", slokitBin, "serve", "--prometheus-url", "http://127.0.0.1:1", "--listen", addr,
			"--data-dir", data, "--token-env", "SLOKIT_E2E_TOKEN", "../specs")
	}
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer e2e-override-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	first := start()
	eventually(t, 20*time.Second, "slokit serve listening", func() (bool, string) {
		code, out := call("GET", "/healthz", "")
		return code == 200, out
	})
	code, out := call("POST", "/api/v1/overrides", `{"service":"payment","reason":"provider failover","author":"oncall","duration":"3h"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, out)
	}
	var created struct{ ID string }
	_ = json.Unmarshal([]byte(out), &created)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()

	start()
	eventually(t, 20*time.Second, "the override back after a restart", func() (bool, string) {
		code, out := call("GET", "/api/v1/overrides", "")
		return code == 200 && strings.Contains(out, created.ID), out
	})

	// A damaged file: the service refuses to start and says which file.
	if err := os.WriteFile(filepath.Join(data, "overrides.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(slokitBin, "serve", "--prometheus-url", "http://127.0.0.1:1", "--listen", freePort(t), "--data-dir", data, "../specs")
	res, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(res), filepath.Join(data, "overrides.json")) || !strings.Contains(string(res), "not valid JSON") {
		t.Errorf("a damaged override file must stop the service with a clear message: %v\n%s", err, res)
	}
}

// Decisions in their log (decisions.jsonl) survive SIGKILL: 300 gate checks over 4
// services and 3 kinds of change (decided with --fail-open, the backend
// being unreachable) write each service and change's decision at once;
// only the count of repeats since the last refresh is lost.
func TestAuditedDecisionsSurviveSIGKILL(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	addr := freePort(t)
	serve := process(t, "serve.log", slokitBin, "serve", "--prometheus-url", "http://127.0.0.1:1", "--listen", addr,
		"--data-dir", data, "--fail-open", "--refresh", "1h", "--stale-after", "1h", "../specs")
	eventually(t, 20*time.Second, "slokit serve listening", func() (bool, string) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
	services := []string{"order-api", "payment", "dispatch", "menu"}
	changes := []string{"normal", "hotfix", "rollback"}
	for i := range 300 {
		resp, err := http.Get("http://" + addr + "/api/v1/gate/" + services[i%4] + "?change=" + changes[(i/4)%3])
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err := serve.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = serve.Process.Wait()
	log, err := os.ReadFile(filepath.Join(data, "decisions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		var e struct {
			Kind     string
			Decision struct{ Service, Change string }
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("a damaged line after SIGKILL: %q: %v", line, err)
		}
		if e.Kind == "decision" {
			keys[e.Decision.Service+"/"+e.Decision.Change] = true
		}
	}
	if len(keys) != 12 {
		t.Errorf("after SIGKILL the decision log holds the decisions of %d service/change pairs, want all 12", len(keys))
	}
}
