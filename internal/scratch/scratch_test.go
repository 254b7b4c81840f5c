package scratch_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/slokit/slokit/internal/scratch"
)

// The folders of ended processes are removed; live ones are kept.
func TestSweepRemovesOnlyFoldersOfEndedProcesses(t *testing.T) {
	parent := t.TempDir()
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(parent, "slokit-simulate-"+strconv.Itoa(ended.Process.Pid)+"-123")
	live := filepath.Join(parent, "slokit-simulate-"+strconv.Itoa(os.Getpid())+"-456")
	other := filepath.Join(parent, "something-else-1-1")
	for _, d := range []string{dead, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "wal"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if n := scratch.Sweep(parent, "slokit-simulate"); n != 1 {
		t.Errorf("removed %d folders, want 1", n)
	}
	for d, want := range map[string]bool{dead: false, live: true, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", d, err == nil, want)
		}
	}
}

func TestNewAndRemove(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir, remove, err := scratch.New("slokit-test")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir)[:len("slokit-test-"+strconv.Itoa(os.Getpid()))] != "slokit-test-"+strconv.Itoa(os.Getpid()) {
		t.Errorf("folder %s does not carry the process ID", dir)
	}
	if err := remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s not removed", dir)
	}
}
