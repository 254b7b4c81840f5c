// Package secret reads credentials the one way slokit accepts them: from a
// file or an environment variable, never from the command line, where every
// process listing would show them.
package secret

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode"

	"github.com/slokit/slokit/internal/inputfile"
)

// MaxFileBytes bounds a credential file: a token or a password, with room
// to spare.
const MaxFileBytes = 64 << 10

// Read returns the credential named what from file or from the
// environment variable env, trimmed, or "" when neither is given. The file
// must be a regular file (a symlink to one, as Kubernetes mounts secrets,
// is fine) of at most MaxFileBytes, and the credential one line.
func Read(what, file, env string) (string, error) {
	var v, source string
	switch {
	case file != "" && env != "":
		return "", fmt.Errorf("give the %s in a file or an environment variable, not both", what)
	case file != "":
		// A regular file of a bounded size: /dev/zero would take all
		// memory, and a FIFO would hang the start for good.
		data, err := inputfile.Read(file, MaxFileBytes)
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", what, err)
		}
		v, source = string(data), "file "+file
	case env != "":
		v, source = os.Getenv(env), "variable "+env
	default:
		return "", nil
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "" && file != "":
		// Taking an empty file for "no credential" would turn a failed
		// secret mount into an unguarded service.
		return "", fmt.Errorf("the %s file %s is empty", what, file)
	case v == "":
		return "", fmt.Errorf("the %s variable %s is empty or unset", what, env)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		// Two lines would be taken as one credential that no client
		// sends: every request refused, silently.
		return "", fmt.Errorf("the %s %s holds more than one line (or a control character): give the %s alone", what, source, what)
	}
	return v, nil
}

// Exposed reports whether a credential file can be read or written by
// users other than its owner, with its mode, so that the caller can warn.
func Exposed(file string) (fs.FileMode, bool) {
	st, err := os.Stat(file)
	if err != nil {
		return 0, false
	}
	return st.Mode().Perm(), st.Mode().Perm()&0o077 != 0
}
