package test

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// configMapVolume lays files out as the kubelet mounts a ConfigMap: in a
// timestamped folder, ..data pointing at it, and each name a link through
// ..data. update swaps ..data atomically to a new folder, as the kubelet
// does when the ConfigMap changes.
type configMapVolume struct {
	dir string
	n   int
}

func (v *configMapVolume) update(t *testing.T, files map[string]string) {
	t.Helper()
	v.n++
	folder := "..2026_12_03_" + strings.Repeat("0", 3) + string(rune('0'+v.n))
	if err := os.Mkdir(filepath.Join(v.dir, folder), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(v.dir, folder, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(v.dir, name)
		if _, err := os.Lstat(link); err != nil {
			if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	tmp := filepath.Join(v.dir, "..data_tmp")
	if err := os.Symlink(folder, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(v.dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

// The specs reload without a restart: when the mounted ConfigMap changes,
// on SIGHUP and on POST /-/reload. One team's invalid file is left out,
// with a warning and a metric, at start and at reload, and every other
// team's gate works; a reload that reads nothing valid keeps the last good
// specs, says so in the log and /metrics, and leaves /readyz alone.
func TestSpecsReloadWithoutARestart(t *testing.T) {
	// A backend that evaluates nothing yet: every SLO has no data.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	})}
	go backend.Serve(ln)
	t.Cleanup(func() { backend.Close() })

	spec := func(service string) string {
		return "apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: " + service + "\nslos:\n  - name: availability\n    objective: 99.9\n    sli: {ratio: {errors: 'x{code=\"500\"}', total: x}}\n"
	}
	const broken = "apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: team-b\nslos:\n  - name: availability\n    objective: 0.999\n    sli: {ratio: {errors: 'x{', total: x}}\n"
	vol := &configMapVolume{dir: t.TempDir()}
	vol.update(t, map[string]string{"team-a.yaml": spec("team-a"), "team-b.yaml": broken})

	addr := freePort(t)
	cmd := process(t, "serve.log", slokitBin, "serve", "--prometheus-url", "http://"+ln.Addr().String(), "--listen", addr,
		"--refresh", "1s", "--data-dir", t.TempDir(), "--token-env", "SLOKIT_E2E_TOKEN", vol.dir)
	logFile := cmd.Stdout.(*os.File).Name()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	post := func(path, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	metric := func(name string) string {
		_, body := get("/metrics")
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				return v
			}
		}
		return "absent"
	}
	knows := func(service string) (bool, string) {
		code, body := get("/api/v1/gate/" + service)
		return code != http.StatusNotFound && code != 0, body
	}
	logged := func(text string) func() (bool, string) {
		return func() (bool, string) {
			log, _ := os.ReadFile(logFile)
			return strings.Contains(string(log), text), "not in the log yet: " + text
		}
	}

	// At start: team-b's file is left out, team-a is judged.
	eventually(t, 20*time.Second, "team-a judged", func() (bool, string) { return knows("team-a") })
	if ok, body := knows("team-b"); ok {
		t.Errorf("team-b's invalid spec is judged: %s", body)
	}
	if got := metric("slokit_spec_files_skipped"); got != "1" {
		t.Errorf("slokit_spec_files_skipped %s at start, want 1", got)
	}
	eventually(t, 5*time.Second, "the invalid file logged", logged("a spec file is invalid and left out"))

	// team-b fixes its file: the kubelet swaps the volume; serve reloads.
	vol.update(t, map[string]string{"team-a.yaml": spec("team-a"), "team-b.yaml": spec("team-b")})
	eventually(t, 30*time.Second, "team-b judged after the ConfigMap changed", func() (bool, string) { return knows("team-b") })
	eventually(t, 5*time.Second, "the reload logged", logged(`msg="specs reloaded" trigger="a spec file changed" services=2 skipped_files=0`))
	if got := metric("slokit_spec_files_skipped"); got != "0" {
		t.Errorf("slokit_spec_files_skipped %s after the fix, want 0", got)
	}

	// Every file broken: the reload fails, the gate keeps what it had.
	vol.update(t, map[string]string{"team-a.yaml": broken, "team-b.yaml": broken})
	eventually(t, 30*time.Second, "the failed reload in /metrics", func() (bool, string) {
		v := metric("slokit_config_last_reload_successful")
		return v == "0", v
	})
	eventually(t, 5*time.Second, "the failed reload logged", logged("reloading the specs failed: the gate keeps the specs it has"))
	for _, service := range []string{"team-a", "team-b"} {
		if ok, body := knows(service); !ok {
			t.Errorf("%s forgotten after a failed reload: %s", service, body)
		}
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a failed reload: %d %s", code, body)
	}
	if code, body := post("/-/reload", "e2e-override-token-0123456789"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "keeps the specs it has") {
		t.Errorf("POST /-/reload of broken specs: %d %s", code, body)
	}

	// Fixed again, reloaded on demand: by the token holder, and on SIGHUP.
	vol.update(t, map[string]string{"team-a.yaml": spec("team-a"), "team-b.yaml": spec("team-b")})
	if code, body := post("/-/reload", ""); code != http.StatusUnauthorized {
		t.Errorf("POST /-/reload without the token: %d %s", code, body)
	}
	if code, body := post("/-/reload", "e2e-override-token-0123456789"); code != http.StatusOK || !strings.Contains(body, `{"services":2,"status":"reloaded"}`) {
		t.Errorf("POST /-/reload: %d %s", code, body)
	}
	if got := metric("slokit_config_last_reload_successful"); got != "1" {
		t.Errorf("slokit_config_last_reload_successful %s after a good reload", got)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the SIGHUP reload logged", logged(`msg="specs reloaded" trigger=hangup`))
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("serve stopped on SIGHUP: %v", err)
	}
}
