// Package secret reads credentials the one way slokit accepts them: from a
// file or an environment variable, never from the command line, where every
// process listing would show them.
package secret

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Read returns the credential named what from file (trimmed) or from the
// environment variable env, or "" when neither is given.
func Read(what, file, env string) (string, error) {
	switch {
	case file != "" && env != "":
		return "", fmt.Errorf("give the %s in a file or an environment variable, not both", what)
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", what, err)
		}
		v := strings.TrimSpace(string(data))
		if v == "" {
			// Taking an empty file for "no credential" would turn a
			// failed secret mount into an unguarded service.
			return "", fmt.Errorf("the %s file %s is empty", what, file)
		}
		return v, nil
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("the %s variable %s is empty or unset", what, env)
		}
		return v, nil
	}
	return "", nil
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
