// Package secret reads credentials the one way slokit accepts them: from a
// file or an environment variable, never from the command line, where every
// process listing would show them.
package secret

import (
	"fmt"
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
		return strings.TrimSpace(string(data)), nil
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("the %s variable %s is empty or unset", what, env)
		}
		return v, nil
	}
	return "", nil
}
