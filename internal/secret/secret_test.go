package secret_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
