package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/slokit/slokit/internal/inputfile"
)

// Every file a command writes with -o goes through writeOwnFile: it writes
// a new file, or replaces one that slokit wrote, and nothing else. A
// symlink, a device, a FIFO or a socket is refused before anything is
// written (renaming over /dev/null as root replaced the system's), and so
// is a file slokit did not write (a hand-written spec, a report someone
// edited). Reading what is there never opens anything but a regular
// file, so a FIFO cannot hang a command.

// ownedBy reports whether a file's first bytes (up to headSize) show that
// slokit wrote it, and may replace it.
type ownedBy func(head []byte) bool

// headSize is how much of a file ownedBy looks at.
const headSize = 4096

// errNotRegular is what reading an output that is not a regular file
// returns.
var errNotRegular = errors.New("not a regular file")

// regularFile checks that path, if it exists, is a regular file (not a
// symlink, whatever it points to). It reports whether it exists.
func regularFile(path string) (bool, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return true, fmt.Errorf("%s is %s, %w: slokit writes only regular files (give the path of a new file, or of one slokit wrote)", path, inputfile.Kind(st.Mode()), errNotRegular)
	}
	return true, nil
}

// readHead reads the first headSize bytes of the regular file at path.
func readHead(path string) ([]byte, error) {
	if exists, err := regularFile(path); err != nil || !exists {
		if err == nil {
			err = &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, headSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return head[:n], nil
}

// checkReplaceable refuses path unless it is new, or a regular file that
// ours says slokit wrote.
func checkReplaceable(path string, ours ownedBy) error {
	head, err := readHead(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !ours(head):
		return fmt.Errorf("%s exists and was not written by slokit: not replaced (remove it, or write elsewhere)", path)
	}
	return nil
}

// writeOwnFile writes content to path, a new file or one that ours says
// slokit wrote, replacing it in one step (writeFileAtomic), and creates
// its folder if needed.
func writeOwnFile(path string, content []byte, ours ownedBy) error {
	if err := checkReplaceable(path, ours); err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return writeFileAtomic(path, content)
}

// writeFileAtomic replaces path in one step, so a rule reloader never sees
// half a file. Callers check what path is first (writeOwnFile).
func writeFileAtomic(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".slokit-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
