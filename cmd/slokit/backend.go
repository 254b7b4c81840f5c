package main

import (
	"flag"
	"net/http"
	"time"

	"github.com/slokit/slokit/budget"
)

// backendFlags are the flags that reach a Prometheus-compatible backend,
// the same for serve and report.
type backendFlags struct {
	url, bearerFile, bearerEnv, basicUser, basicFile, basicEnv *string
	headers                                                    headerFlags
	timeout                                                    *time.Duration
	retries                                                    *int
	// remoteRead is set by the commands that read raw series.
	remoteRead *bool
}

// addRemoteRead adds --remote-read, for the commands that read a
// backend's raw series (history).
func (b *backendFlags) addRemoteRead(fs *flag.FlagSet) *backendFlags {
	b.remoteRead = fs.Bool("remote-read", false, "read the raw series through the backend's remote read endpoint (/api/v1/read: Prometheus, Thanos, Mimir) instead of its query API")
	return b
}

func addBackendFlags(fs *flag.FlagSet, urlHelp string) *backendFlags {
	b := &backendFlags{
		url:        fs.String("prometheus-url", "", urlHelp),
		bearerFile: fs.String("backend-bearer-token-file", "", "file holding the backend's bearer token"),
		bearerEnv:  fs.String("backend-bearer-token-env", "", "environment variable holding the backend's bearer token"),
		basicUser:  fs.String("backend-basic-user", "", "user for basic auth to the backend"),
		basicFile:  fs.String("backend-basic-password-file", "", "file holding the backend's basic-auth password"),
		basicEnv:   fs.String("backend-basic-password-env", "", "environment variable holding the backend's basic-auth password"),
		headers:    headerFlags{},
	}
	fs.Var(b.headers, "backend-header", "an HTTP header sent with every backend query, 'Name: value' (repeatable), such as 'X-Scope-OrgID: tenant' for Mimir and Cortex; never logged")
	b.timeout = fs.Duration("backend-timeout", 10*time.Second, "timeout of each backend query")
	b.retries = fs.Int("backend-retries", 2, "retries of a failed backend query, with backoff (0: none)")
	return b
}

// querier connects to the backend the flags name.
func (b *backendFlags) querier() (*budget.HTTPQuerier, error) {
	return budget.NewHTTPQuerier(budget.HTTPOptions{
		URL: *b.url, Timeout: *b.timeout, Retries: *b.retries,
		BearerTokenFile: *b.bearerFile, BearerTokenEnv: *b.bearerEnv,
		BasicUser: *b.basicUser, BasicPasswordFile: *b.basicFile, BasicPassEnv: *b.basicEnv,
		Headers: http.Header(b.headers),
	})
}
