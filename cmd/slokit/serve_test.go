package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/scenario"
)

// serveBriefly runs slokit serve against an unreachable backend until it
// has logged that it serves, then stops it, and returns its exit code and
// output.
func serveBriefly(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return serveBrieflyOn(t, append(args, "../../specs")...)
}

// serveBrieflyOn is serveBriefly with no spec path but those in args.
func serveBrieflyOn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr fixture.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--prometheus-url", "http://127.0.0.1:1/prom?apikey=s3cret-key", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...), &stdout, &stderr)
	}()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(stderr.String(), "serving") {
		select {
		case code := <-done:
			return code, stdout.String(), stderr.String()
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	return <-done, stdout.String(), stderr.String()
}

func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	loose := write("loose-token", "a-token-of-sixteen-chars\n", 0o644)
	empty := write("empty-token", " \n", 0o600)

	code, stdout, stderr := serveBriefly(t, "--token-file", loose, "--log-format", "json")
	if code != 0 || !strings.Contains(stderr, `"msg":"the token file can be read by other users: chmod 600 it"`) {
		t.Errorf("a readable token file, JSON logs: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "s3cret-key") || !strings.Contains(stderr, `"backend":"http://127.0.0.1:1/prom"`) {
		t.Errorf("the backend must be logged without its query:\n%s", stderr)
	}
	if strings.Contains(stdout, "try:") {
		t.Errorf("the demo hints are for the embedded backend only:\n%s", stdout)
	}
	code, _, stderr = serveBriefly(t, "--backend-header", "X-Scope-OrgID: t3nant-h1dden")
	if code != 0 || strings.Contains(stderr, "t3nant-h1dden") {
		t.Errorf("a backend header's value must never be logged: exit %d\n%s", code, stderr)
	}
	// Flags from the environment, the command line winning.
	t.Setenv("SLOKIT_LOG_FORMAT", "json")
	t.Setenv("SLOKIT_BACKEND_HEADER", "X-Scope-OrgID: a\nX-Other: b\n")
	if code, _, stderr := serveBriefly(t); code != 0 || !strings.Contains(stderr, `"msg":"serving"`) {
		t.Errorf("SLOKIT_LOG_FORMAT=json: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := serveBriefly(t, "--log-format", "text"); code != 0 || strings.Contains(stderr, `"msg":`) {
		t.Errorf("the command line must win over SLOKIT_LOG_FORMAT: exit %d\n%s", code, stderr)
	}
	t.Setenv("SLOKIT_LOG_FORMAT", "")
	t.Setenv("SLOKIT_BACKEND_HEADER", "")
	t.Setenv("SLOKIT_REFRESH", "soon")
	if code, _, stderr := serveBriefly(t); code != 2 || !strings.Contains(stderr, "SLOKIT_REFRESH") {
		t.Errorf("a bad SLOKIT_REFRESH: exit %d\n%s", code, stderr)
	}
	t.Setenv("SLOKIT_REFRESH", "-1s")
	if code, _, stderr := serveBriefly(t); code != 2 || !strings.Contains(stderr, "--refresh is -1s") {
		t.Errorf("SLOKIT_REFRESH=-1s: exit %d\n%s", code, stderr)
	}
	t.Setenv("SLOKIT_REFRESH", "")
	if code, _, stderr := serveBriefly(t, "--tls-cert-file", "missing.crt", "--tls-key-file", "missing.key"); code != 1 || !strings.Contains(stderr, "TLS: stat missing.crt") {
		t.Errorf("missing TLS files: exit %d\n%s", code, stderr)
	}
	// No spec paths: the SLOs are discovered in the backend.
	if code, _, stderr := serveBrieflyOn(t); code != 0 || !strings.Contains(stderr, "the SLOs are discovered in the backend") {
		t.Errorf("no spec paths, with a backend: exit %d\n%s", code, stderr)
	}
	// Neither a backend nor --demo: no synthetic data by surprise.
	for args, want := range map[string]string{
		"serve --listen 127.0.0.1:0":                                   "slokit serve: no backend: give --prometheus-url URL",
		"serve --listen 127.0.0.1:0 ../../specs":                       "or --demo[=SCENARIO] to run the specs' rules on the embedded engine",
		"serve --demo --listen 127.0.0.1:0":                            "no spec paths given: the demo runs the specs' rules",
		"serve --demo --prometheus-url http://127.0.0.1:1 ../../specs": "give --prometheus-url or --demo, not both",
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), strings.Fields(args), io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s", args, code, want, stderr.String())
		}
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--tls-cert-file", "tls.crt"}, "go together"},
		{[]string{"--backend-header", "X-Scope-OrgID"}, "want 'Name: value'"},
		{[]string{"--backend-header", "Authorization: Bearer x"}, "not as a header"},
		{[]string{"--token-file", empty}, "is empty"},
		{[]string{"--log-format", "xml"}, "--log-format must be text or json"},
		{[]string{"--backend-retries", "-1"}, "--backend-retries must be 0"},
		// Every duration and number in its range: -1s panicked in the
		// ticker, 1ns sent thousands of queries a second, a negative
		// stale-after made every answer 503, a negative timeout failed
		// every query, a negative override length was taken.
		{[]string{"--refresh=-1s"}, "--refresh is -1s: give 1s to 1h"},
		{[]string{"--refresh", "1ns"}, "--refresh is 1ns: give 1s to 1h"},
		{[]string{"--refresh", "0s"}, "--refresh is 0: give a positive value"},
		{[]string{"--stale-after", "-1m"}, "--stale-after is -1m: give 1m to 1d"},
		{[]string{"--refresh", "10m", "--stale-after", "5m"}, "--stale-after is 5m: give 10m to 1d"},
		{[]string{"--backend-timeout", "-1s"}, "--backend-timeout is -1s"},
		{[]string{"--backend-retries", "1000"}, "--backend-retries is 1000"},
		{[]string{"--max-override", "-1h"}, "--max-override is -1h: give 1m to 31d"},
		{[]string{"--max-connections", "-3"}, "--max-connections is -3"},
		{[]string{"--idle-timeout", "-1s"}, "--idle-timeout is -1s"},
		{[]string{"--audit-max-bytes", "100"}, "--audit-max-bytes is 100"},
		{[]string{"--audit-max-files", "0"}, "--audit-max-files is 0"},
		{[]string{"--store-known-for", "-1m"}, "--store-known-for is -1m"},
		{[]string{"--store-retention", "1s"}, "--store-retention is 1s"},
		{[]string{"--max-file-bytes", "-1"}, "give 1 to 1073741824"},
	} {
		if code, _, stderr := serveBriefly(t, tc.args...); code != 2 || !strings.Contains(stderr, tc.err) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, code, tc.err, stderr)
		}
	}
}

// The embedded backend's TSDB lives in the data folder: what a killed
// process left there is removed at the next start, and a clean stop
// removes it too.
func TestEmbeddedTSDBLivesInTheDataFolder(t *testing.T) {
	data := t.TempDir()
	stale := filepath.Join(data, embeddedDir, "01STALEBLOCK")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	services, ok := load([]string{"../../specs/menu.yaml"}, specReading{}, io.Discard)
	if !ok {
		t.Fatal("specs")
	}
	sc, err := scenario.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	b, err := startEmbedded(context.Background(), services, sc, data, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a killed run's TSDB is still there: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, embeddedDir)); !os.IsNotExist(err) {
		t.Errorf("the TSDB outlives the backend: %v", err)
	}
}
