package test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// make image builds an image FROM scratch that runs as its non-root user:
// `slokit version` and `slokit validate` work inside it, /tmp and the data
// folder are writable and nothing else is, the CA bundle is there for
// HTTPS backends, and `slokit serve` answers on the embedded engine with
// its data in the image's data folder. The same commit builds the same
// image.
func TestImageRunsAsNonRoot(t *testing.T) {
	buildah := requireTool(t, "buildah", "buildah")
	if testing.Short() {
		t.Skip("builds a container image")
	}
	image := fmt.Sprintf("localhost/slokit-test:%d", os.Getpid())
	dir := t.TempDir()
	build := func() string {
		t.Helper()
		cmd := exec.Command("make", "--no-print-directory", "-C", "..", "image", "IMAGE="+image, "IMAGE_DIR="+dir, "VERSION=v0.0.0-image")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make image: %v\n%s", err, out)
		}
		return string(out)
	}
	buildah1 := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(buildah, args...).Output()
		if err != nil {
			t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, stderrOf(err))
		}
		return strings.TrimSpace(string(out))
	}
	out := build()
	t.Cleanup(func() { exec.Command(buildah, "rmi", "--force", image).Run() })
	id := buildah1("inspect", "--type", "image", "--format", "{{.FromImageID}}", image)
	t.Logf("%s", lastLine(out))

	var inspected struct {
		OCIv1 struct {
			Created string `json:"created"`
			Config  struct {
				User       string
				Entrypoint []string
			} `json:"config"`
		}
	}
	if err := json.Unmarshal([]byte(buildah1("inspect", "--type", "image", image)), &inspected); err != nil {
		t.Fatal(err)
	}
	config := inspected.OCIv1
	if config.Config.User != "65532:65532" || strings.Join(config.Config.Entrypoint, " ") != "slokit" {
		t.Errorf("user %q, entrypoint %q", config.Config.User, config.Config.Entrypoint)
	}
	commit, err := exec.Command("git", "log", "-1", "--format=%cI").Output()
	if err != nil {
		t.Fatal(err)
	}
	if created, _ := time.Parse(time.RFC3339, config.Created); !created.Equal(mustTime(t, strings.TrimSpace(string(commit)))) {
		t.Errorf("created %s, the commit is dated %s", config.Created, commit)
	}
	// The archive holds the same image, for machines without this storage.
	if pulled := buildah1("pull", "--quiet", "oci-archive:"+filepath.Join(dir, "slokit-image.tar")); pulled != id {
		t.Errorf("the OCI archive holds image %s, not %s", pulled, id)
	}

	ctr := buildah1("from", "--pull-never", image)
	t.Cleanup(func() { exec.Command(buildah, "rm", ctr).Run() })
	specs, err := filepath.Abs("../specs")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(buildah, append([]string{"run", "--isolation", "chroot", "--volume", specs + ":/specs:ro", ctr, "--"}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String() + stderr.String(), err
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("in the image, %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	if out := mustRun("slokit", "version"); !strings.Contains(out, "v0.0.0-image") {
		t.Errorf("slokit version: %q", out)
	}
	if out := mustRun("slokit", "validate", "/specs"); !strings.Contains(out, "valid:") {
		t.Errorf("slokit validate: %q", out)
	}
	mustRun("slokit", "generate", "-o", "/tmp/rules", "/specs")
	mustRun("slokit", "generate", "-o", "/var/lib/slokit/rules", "/specs")
	// Root could write anywhere in the container; its user cannot.
	if out, err := run("slokit", "generate", "-o", "/rules", "/specs"); err == nil || !strings.Contains(out, "permission denied") {
		t.Errorf("writing to / as the image's user: %v\n%s", err, out)
	}

	root := buildah1("mount", ctr)
	t.Cleanup(func() { exec.Command(buildah, "umount", ctr).Run() })
	bundle, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil || !x509.NewCertPool().AppendCertsFromPEM(bundle) {
		t.Errorf("CA bundle: %v", err)
	}
	for path, want := range map[string]os.FileMode{"tmp": os.ModeDir | os.ModeSticky | 0o777, "usr/local/bin/slokit": 0o755} {
		if fi, err := os.Stat(filepath.Join(root, path)); err != nil || fi.Mode() != want {
			t.Errorf("/%s: %v %v, want %v", path, fi.Mode(), err, want)
		}
	}

	// serve on the embedded engine, on the host's loopback (chroot
	// isolation shares the network), keeping its data in the data folder.
	// buildah passes SIGTERM on; a killed buildah would leave serve running.
	addr := freePort(t)
	serve := exec.Command(buildah, "run", "--isolation", "chroot", "--volume", specs+":/specs:ro", ctr, "--",
		"slokit", "serve", "--listen", addr, "--scenario", "outage", "/specs")
	var log bytes.Buffer
	serve.Stdout, serve.Stderr = &log, &log
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- serve.Wait() }()
	t.Cleanup(func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Errorf("serve in the image did not stop on SIGTERM within 30s")
			_ = serve.Process.Kill()
		}
		if t.Failed() {
			t.Logf("serve in the image:\n%s", log.String())
		}
	})
	eventually(t, 90*time.Second, "serve in the image ready", func() (bool, string) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	if entries, err := os.ReadDir(filepath.Join(root, "var/lib/slokit")); err != nil || len(entries) < 2 {
		t.Errorf("data folder after serve started: %v %v", entries, err)
	}

	if build(); buildah1("inspect", "--type", "image", "--format", "{{.FromImageID}}", image) != id {
		t.Error("building the same commit twice gave two images")
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}

// make image-index builds what a release pushes: an image per
// architecture and an OCI index over them. Here with the machine's
// architecture only (another one compiles every package again); make -n
// shows that the default builds amd64 and arm64.
func TestImageIndex(t *testing.T) {
	buildah := requireTool(t, "buildah", "buildah")
	if testing.Short() {
		t.Skip("builds a container image")
	}
	out, err := exec.Command("make", "--no-print-directory", "-C", "..", "-n", "image-index", "IMAGE=example/slokit:v1", "IMAGE_DIR="+t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("make -n image-index: %v\n%s", err, out)
	}
	for _, want := range []string{"GOARCH=amd64", "GOARCH=arm64", "-t example/slokit:v1-amd64", "-t example/slokit:v1-arm64",
		"buildah manifest create example/slokit:v1", "buildah manifest push --quiet --all --format oci example/slokit:v1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make -n image-index: no %q:\n%s", want, out)
		}
	}

	image := fmt.Sprintf("localhost/slokit-index-test:%d", os.Getpid())
	dir := t.TempDir()
	t.Cleanup(func() {
		exec.Command(buildah, "manifest", "rm", image).Run()
		exec.Command(buildah, "rmi", "--force", image+"-"+runtime.GOARCH).Run()
	})
	if out, err := exec.Command("make", "--no-print-directory", "-C", "..", "image-index", "IMAGE="+image, "IMAGE_DIR="+dir,
		"IMAGE_ARCHES="+runtime.GOARCH, "VERSION=v0.0.0-index").CombinedOutput(); err != nil {
		t.Fatalf("make image-index: %v\n%s", err, out)
	}
	var index struct {
		MediaType string
		Manifests []struct {
			Platform struct{ Architecture, OS string }
		}
	}
	inspected, err := exec.Command(buildah, "manifest", "inspect", image).Output()
	if err != nil {
		t.Fatalf("buildah manifest inspect: %v %s", err, stderrOf(err))
	}
	if err := json.Unmarshal(inspected, &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].Platform.Architecture != runtime.GOARCH || index.Manifests[0].Platform.OS != "linux" {
		t.Errorf("index: %s", inspected)
	}
	if fi, err := os.Stat(filepath.Join(dir, "slokit-index.tar")); err != nil || fi.Size() < 1<<20 {
		t.Errorf("the index's archive: %v", err)
	}
}
