// Package scratch makes temporary folders that outlive no process for
// long: the embedded engine's TSDB of a simulation takes hundreds of
// megabytes, and a process killed without warning (SIGKILL, the OOM
// killer) cannot remove its own. Each folder's name carries its process
// ID, and every New first removes the folders of processes that are gone.
package scratch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// New creates a folder named prefix-PID-random in the system's temporary
// folder, after removing any prefix-PID-* folder whose process has ended.
// It returns the folder and the function that removes it.
func New(prefix string) (string, func() error, error) {
	Sweep(os.TempDir(), prefix)
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s-%d-", prefix, os.Getpid()))
	if err != nil {
		return "", nil, err
	}
	return dir, func() error { return os.RemoveAll(dir) }, nil
}

// Sweep removes the prefix-PID-* folders in parent whose process has
// ended, and returns how many it removed.
func Sweep(parent, prefix string) int {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix+"-")
		if !e.IsDir() || !ok {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || alive(pid) {
			continue
		}
		if os.RemoveAll(filepath.Join(parent, e.Name())) == nil {
			removed++
		}
	}
	return removed
}

// alive reports whether a process with this ID exists (EPERM: it does,
// as another user's).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
