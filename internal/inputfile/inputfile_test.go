package inputfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/slokit/slokit/internal/inputfile"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		max  int64
		err  string
	}{
		{file, 10, ""},
		{link, 0, ""},
		{file, 9, "larger than 9 bytes"},
		{"/dev/zero", 0, "is a device"},
		{fifo, 0, "is a named pipe"}, // and does not block waiting for a writer
		{dir, 0, "is a folder"},
		{filepath.Join(dir, "missing"), 0, "no such file"},
	} {
		data, err := inputfile.Read(tc.path, tc.max)
		switch {
		case tc.err == "" && (err != nil || string(data) != "0123456789"):
			t.Errorf("%s: %q, %v", tc.path, data, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: %v, want %q", tc.path, err, tc.err)
		}
	}
}
