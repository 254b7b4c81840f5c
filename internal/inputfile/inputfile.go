// Package inputfile reads the files slokit is given to read (specs,
// scenarios, credentials, certificates) within a size bound, and only
// regular files: a path that names /dev/zero, a FIFO or a multi-gigabyte
// file gets a clear error instead of a process that grows until the
// machine kills it, or waits for good.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// DefaultMaxBytes bounds an input file unless told otherwise: far above
// any real spec (a thousand SLOs take about 1 MiB), far below trouble.
const DefaultMaxBytes = 16 << 20

// Read returns the content of the regular file at path, or an error when
// it is not a regular file or holds more than max bytes (DefaultMaxBytes
// when max is 0). The bound is enforced while reading too, so a file
// that grows after the check is still cut off.
func Read(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	// Look before opening: opening a named pipe blocks until someone
	// writes to it. O_NONBLOCK covers a file swapped in between.
	if err := regular(path, os.Stat); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(path, func(string) (os.FileInfo, error) { return st, nil }); err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooLarge(path, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, tooLarge(path, max)
	}
	return data, nil
}

// Cause is why Read failed, without the path that an *fs.PathError
// repeats: callers name the file in their own message.
func Cause(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

func tooLarge(path string, max int64) error {
	return fmt.Errorf("%s is larger than %d bytes, the most slokit reads (--max-file-bytes raises it)", path, max)
}

// regular reports an error unless path, as stat sees it, is a regular
// file, saying what it is instead.
func regular(path string, stat func(string) (os.FileInfo, error)) error {
	st, err := stat(path)
	if err != nil {
		return err
	}
	if st.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s is %s: slokit reads regular files only", path, Kind(st.Mode()))
}

// Kind names what a file that is not a regular file is, for an error: "a
// named pipe", "a symbolic link" (as Lstat sees one).
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
