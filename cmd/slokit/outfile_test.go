package main

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
)

// Every -o of every command writes a new file or replaces one slokit
// wrote, and refuses anything else by name, leaving it as it was: a
// symlink (and what it points to), a FIFO (without hanging on it), a
// socket, a device, and a file someone wrote by hand. Before, report -o
// renamed over whatever PATH was (as root, -o /dev/null replaced the
// system's /dev/null), generate -o on a FIFO hung for good, and import
// -o DIR overwrote hand-written specs.
func TestOutputsAreRegularFilesSlokitWrote(t *testing.T) {
	commands := []struct {
		name string
		// args writes into out; target is the path it writes, or, for a
		// folder, the name of the first file it writes there.
		args   func(out string) []string
		target string
		folder bool
	}{
		{"generate -o FILE", func(out string) []string { return []string{"generate", "-o", out, "../../specs/menu.yaml"} }, "rules.yaml", false},
		{"generate --format alertmanager -o FILE", func(out string) []string {
			return []string{"generate", "--format", "alertmanager", "-o", out, "../../specs/menu.yaml"}
		}, "alertmanager.yaml", false},
		{"report -o FILE", func(out string) []string {
			return []string{"report", "--scenario", "outage", "-o", out, "../../specs/menu.yaml"}
		}, "report.md", false},
		{"generate -o DIR", func(out string) []string { return []string{"generate", "-o", out, "../../specs/menu.yaml"} }, "menu.yaml", true},
		{"dashboards -o DIR", func(out string) []string { return []string{"dashboards", "-o", out, "../../specs/menu.yaml"} }, "menu.json", true},
		{"import -o DIR", func(out string) []string {
			return []string{"import", "-o", out, "../../testdata/anchors/sloth/getting-started.yml"}
		}, "myservice.yaml", true},
	}
	kinds := []struct {
		name string
		make func(t *testing.T, path string) (check func(t *testing.T))
	}{
		{"a hand-written file", func(t *testing.T, path string) func(t *testing.T) {
			writeFile(t, path, "# ours, by hand\n")
			return func(t *testing.T) { sameFile(t, path, "# ours, by hand\n") }
		}},
		{"a symbolic link", func(t *testing.T, path string) func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "target")
			writeFile(t, target, "kept\n")
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			return func(t *testing.T) { sameKind(t, path, fs.ModeSymlink); sameFile(t, target, "kept\n") }
		}},
		{"a FIFO", func(t *testing.T, path string) func(t *testing.T) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
			return func(t *testing.T) { sameKind(t, path, fs.ModeNamedPipe) }
		}},
		{"a socket", func(t *testing.T, path string) func(t *testing.T) {
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Skipf("no unix socket here (path of %d bytes): %v", len(path), err)
			}
			ln.(*net.UnixListener).SetUnlinkOnClose(false)
			t.Cleanup(func() { ln.Close() })
			return func(t *testing.T) { sameKind(t, path, fs.ModeSocket) }
		}},
		{"a device", func(t *testing.T, path string) func(t *testing.T) {
			// /dev/null's numbers (1, 3), in the test's own folder.
			if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
				if os.Getuid() == 0 && os.Getenv("CI") != "" {
					t.Fatalf("as root: %v", err)
				}
				t.Skipf("no device node without root: %v", err)
			}
			return func(t *testing.T) { sameKind(t, path, fs.ModeDevice|fs.ModeCharDevice) }
		}},
	}
	for _, c := range commands {
		for _, k := range kinds {
			t.Run(c.name+" over "+k.name, func(t *testing.T) {
				// A short folder: a unix socket's path is at most 107 bytes.
				dir, err := os.MkdirTemp("", "out")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
				out, target := filepath.Join(dir, c.target), filepath.Join(dir, c.target)
				if c.folder {
					out = dir
				}
				check := k.make(t, target)
				code, stderr := runWithin(t, 20*time.Second, c.args(out)...)
				if code == exitOK || !strings.Contains(stderr, target) {
					t.Errorf("exit %d, stderr %q: want a refusal naming %s", code, stderr, target)
				}
				check(t)
			})
		}
		t.Run(c.name+" replaces what it wrote", func(t *testing.T) {
			out := t.TempDir()
			if !c.folder {
				out = filepath.Join(out, c.target)
			}
			for run := range 2 {
				if code, stderr := runWithin(t, 60*time.Second, c.args(out)...); code != exitOK {
					t.Fatalf("run %d: exit %d: %s", run+1, code, stderr)
				}
			}
		})
	}
}

// runWithin runs slokit in the test, failing it when the command takes
// longer than d (as on a FIFO it would have, for good).
func runWithin(t *testing.T, d time.Duration, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr fixture.SyncBuffer
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), args, &stdout, &stderr) }()
	select {
	case code := <-done:
		return code, stderr.String()
	case <-time.After(d):
		t.Fatalf("slokit %s did not return within %s", strings.Join(args, " "), d)
		return 0, ""
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameFile checks that the regular file at path still holds content.
func sameFile(t *testing.T, path, content string) {
	t.Helper()
	sameKind(t, path, 0)
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, []byte(content)) {
		t.Errorf("%s now holds %q (%v), want %q", path, got, err, content)
	}
}

// sameKind checks that path is still of the kind given by its mode bits.
func sameKind(t *testing.T, path string, kind fs.FileMode) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil || st.Mode().Type() != kind {
		t.Errorf("%s is now %v (%v), want the kind %v", path, st.Mode().Type(), err, kind)
	}
}
