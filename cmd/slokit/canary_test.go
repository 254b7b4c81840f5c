package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// canary check says what is missing or wrong before it reads anything.
func TestCanaryCheckUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"canary"}, exitUsage, "Usage: slokit canary check"},
		{[]string{"canary", "--help"}, exitOK, "Usage: slokit canary check"},
		{[]string{"canary", "check", "--prometheus-url", "http://127.0.0.1:1", "../../specs/order-api.yaml"}, exitUsage, "canary: missing"},
		{[]string{"canary", "check", "--canary", `h="a"`, "--baseline", `h="b"`, "../../specs/order-api.yaml"}, exitUsage, "give --prometheus-url"},
		{[]string{"canary", "check", "--prometheus-url", "http://127.0.0.1:1", "--canary", `h=="a"`, "--baseline", `h="b"`, "../../specs/order-api.yaml"}, exitUsage, `canary: "h==\"a\""`},
		{[]string{"canary", "check", "--prometheus-url", "http://127.0.0.1:1", "--canary", `h="a"`, "--baseline", `h="b"`, "--format", "yaml", "../../specs/order-api.yaml"}, exitUsage, "--format"},
		{[]string{"canary", "check", "--prometheus-url", "http://127.0.0.1:1", "--canary", `h="a"`, "--baseline", `h="b"`, "--change", "yolo", "../../specs/order-api.yaml"}, exitUsage, `--change: "yolo"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.says) {
			t.Errorf("slokit %s: exit %d, want %d saying %q\n%s", strings.Join(tc.args, " "), code, tc.code, tc.says, stderr.String())
		}
	}
}
