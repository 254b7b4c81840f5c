package scorecard_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scorecard"
)

func write(t *testing.T, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLabelledIncidentsApplyToTheirSLOs(t *testing.T) {
	f := write(t, `incidents:
  - {name: INC-1, start: 2026-11-01T10:00:00Z, end: 2026-11-01T10:30:00Z, service: order-api}
  - {name: INC-2, start: 2026-11-02T10:00:00Z, end: 2026-11-02T11:00:00Z, service: order-api, slo: latency}
  - {name: INC-3, start: 2026-11-01T10:20:00Z, end: 2026-11-01T10:40:00Z}
`)
	got, err := scorecard.ReadIncidents(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Name != "INC-1" {
		t.Fatalf("%+v", got)
	}
	// INC-1 and INC-3 overlap: one incident; INC-2 is latency's only.
	avail := scorecard.For(got, "order-api", "availability")
	if len(avail) != 1 || !avail[0].From.Equal(minute(600)) || !avail[0].To.Equal(minute(640)) {
		t.Errorf("availability: %v", avail)
	}
	if n := len(scorecard.For(got, "order-api", "latency")); n != 2 {
		t.Errorf("latency: %d incidents, want 2", n)
	}
	if n := len(scorecard.For(got, "search", "latency")); n != 1 {
		t.Errorf("search: %d incidents, want 1 (INC-3 names no service)", n)
	}
}

func TestBadFilesNameFileLineAndField(t *testing.T) {
	f := write(t, "incidents:\n  - {name: a, start: yesterday, end: 2026-11-01T10:30:00Z}\n")
	_, err := scorecard.ReadIncidents(f, 0)
	if err == nil || !strings.Contains(err.Error(), f+":2:") || !strings.Contains(err.Error(), "incidents[0].start") || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("bad time: %v", err)
	}
	f = write(t, "name: ours\ntiers:\n  - {severity: page, factor: 10, long: 1h, short: 5m}\n  - {severity: urgent, long: 1h}\n")
	_, err = scorecard.ReadPolicy(f, 0)
	for _, want := range []string{"tiers[1].severity", "tiers[1].factor", "tiers[1].short", ":4:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad policy: %v, want %s", err, want)
		}
	}
	f = write(t, "name: ours\ntiers:\n  - {severity: page, factor: 10, long: 1h, short: 5m, for: 2m}\n")
	p, err := scorecard.ReadPolicy(f, 0)
	want := burnrate.Tier{Severity: burnrate.Page, Factor: 10, Long: time.Hour, Short: 5 * time.Minute, For: 2 * time.Minute}
	if err != nil || p.Name != "ours" || len(p.Tiers) != 1 || p.Tiers[0] != want {
		t.Errorf("policy: %+v %v", p, err)
	}
}
