package secret

import (
	"net/url"
	"slices"
	"strings"
)

// Redactor shows a URL that may carry credentials (a password in its user
// part, an API key in its query) the way logs, errors and answers to
// callers without the token may show it, and takes those credentials out
// of error messages that quote the URL, as Go's HTTP client does.
type Redactor struct {
	shown    string
	replacer *strings.Replacer
}

// minSecret is the shortest credential removed wherever it appears in a
// message; shorter ones are removed only where the URL's query or user
// part is quoted, so that a one-letter password does not blank out every
// 'a' of an error.
const minSecret = 6

// NewRedactor returns the redactor of raw; extra secrets (a bearer token,
// a password read from a file) are removed from messages too.
func NewRedactor(raw string, extra ...string) Redactor {
	u, err := url.Parse(raw)
	if err != nil {
		// Not a URL: show nothing of it rather than a secret.
		return Redactor{shown: "<unparsable URL>", replacer: strings.NewReplacer(raw, "<unparsable URL>")}
	}
	var pairs []string
	add := func(old, new string) {
		if old != "" {
			pairs = append(pairs, old, new)
		}
	}
	if u.RawQuery != "" {
		add("?"+u.RawQuery, "")
		add(u.RawQuery, "<redacted>")
	}
	if u.Fragment != "" {
		add("#"+u.EscapedFragment(), "")
	}
	secrets := slices.Clone(extra)
	if p, ok := u.User.Password(); ok {
		add(":"+p+"@", ":xxxxx@")
		add(":"+url.PathEscape(p)+"@", ":xxxxx@")
		secrets = append(secrets, p)
	}
	for _, vs := range u.Query() {
		secrets = append(secrets, vs...)
	}
	// Longest first, so that a secret holding another is removed whole.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, s := range secrets {
		if len(s) >= minSecret {
			add(s, "<redacted>")
		}
	}
	shown := *u
	shown.RawQuery, shown.Fragment, shown.RawFragment = "", "", ""
	return Redactor{shown: shown.Redacted(), replacer: strings.NewReplacer(pairs...)}
}

// URL is the URL without its password, query or fragment.
func (r Redactor) URL() string { return r.shown }

// String removes the credentials from s.
func (r Redactor) String(s string) string {
	if r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// Error wraps err so that its message holds no credential; errors.Is and
// errors.As still see err.
func (r Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{err: err, msg: r.String(err.Error())}
}

type redactedError struct {
	err error
	msg string
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
