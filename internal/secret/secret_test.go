package secret_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/secret"
)

// An empty or blank credential file is an error: taken as "no token", a
// failed secret mount would leave the service unguarded.
func TestReadRefusesAnEmptyFile(t *testing.T) {
	for _, content := range []string{"", " \n\t\n"} {
		f := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := secret.Read("token", f, ""); err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("%q: got %v, want an error", content, err)
		}
	}
}

// A credential is read from a regular file of at most 64 KiB, holding one
// line: a FIFO is refused at once (it hung the start, and SIGTERM with
// it), a huge file or /dev/zero is refused without reading it (it took all
// memory), and a file of two lines is refused rather than taken as a token
// no client sends. A symlink to a regular file, as Kubernetes mounts
// secrets, is read.
func TestReadTakesOneLineFromARegularFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	good := write("token", "s3cret-token-value\n")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := write("huge", "")
	if err := os.Truncate(huge, 1<<30); err != nil { // sparse
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want, err string }{
		{good, "s3cret-token-value", ""},
		{link, "s3cret-token-value", ""},
		{fifo, "", "named pipe"},
		{huge, "", "larger than"},
		{write("two", "first-token\nsecond-token\n"), "", "more than one line"},
		{write("cr", "token\r\nmore"), "", "more than one line"},
	} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			got, err := secret.Read("token", tc.file, "")
			if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("%s: %q, %v; want %q, an error with %q", tc.file, got, err, tc.want, tc.err)
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still reading after 5s", tc.file)
		}
	}
	t.Setenv("SLOKIT_TEST_TOKEN", "a\nb")
	if _, err := secret.Read("token", "", "SLOKIT_TEST_TOKEN"); err == nil || !strings.Contains(err.Error(), "more than one line") {
		t.Errorf("a variable of two lines: %v", err)
	}
}

func TestExposedFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, loose := secret.Exposed(f); loose {
		t.Error("a 0600 file is not exposed")
	}
	if err := os.Chmod(f, 0o644); err != nil {
		t.Fatal(err)
	}
	if mode, loose := secret.Exposed(f); !loose || mode != 0o644 {
		t.Errorf("a 0644 file is exposed: %v %v", mode, loose)
	}
}

func TestRedactor(t *testing.T) {
	for _, tc := range []struct{ raw, shown, msg, want string }{
		{"http://admin:pw-secret@prom:9090/p?apikey=K3Y-value&x=1", "http://admin:xxxxx@prom:9090/p",
			`Post "http://admin:***@prom:9090/p/api/v1/query?apikey=K3Y-value&x=1": EOF (pw-secret)`,
			`Post "http://admin:***@prom:9090/p/api/v1/query": EOF (<redacted>)`},
		{"https://prom.example/", "https://prom.example/", "dial tcp: refused", "dial tcp: refused"},
		{"http://u:p@h/", "http://u:xxxxx@h/", "http://u:p@h/ and p", "http://u:xxxxx@h/ and p"},
	} {
		r := secret.NewRedactor(tc.raw)
		if r.URL() != tc.shown {
			t.Errorf("%s: shown as %s, want %s", tc.raw, r.URL(), tc.shown)
		}
		base := errors.New(tc.msg)
		err := r.Error(base)
		if err.Error() != tc.want || !errors.Is(err, base) {
			t.Errorf("%s: %q, want %q (wrapping the original)", tc.raw, err, tc.want)
		}
	}
}
