package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/store"
)

// The audit trail's records keep the JSON they were written in before
// gate's types lost their wire names: a log written by an older slokit
// reads back, and a new record writes the same line.
func TestDecisionRecordsKeepTheirFormat(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	d := gate.Decision{Service: "order-api", Change: "normal", Verdict: gate.Allow,
		Reasons:  []gate.Reason{{Rule: "override", SLO: "availability", Objective: "99.9", Message: "budget spent; allowed by override"}},
		Override: &gate.AppliedOverride{ID: "ovr-1", Expires: at}}
	const line = `{"time":"2026-12-03T12:00:00Z","kind":"decision","decision":{"service":"order-api","change":"normal","decision":"allow",` +
		`"reasons":[{"rule":"override","slo":"availability","objective":"99.9","message":"budget spent; allowed by override"}],` +
		`"override":{"id":"ovr-1","expires":"2026-12-03T12:00:00Z"}},"client":"10.0.0.1"}`
	got, err := json.Marshal(store.AuditEntry{Time: at, Kind: "decision", Decision: store.RecordOf(d), Client: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != line {
		t.Errorf("record written as\n%s\nwant\n%s", got, line)
	}
	var back store.AuditEntry
	if err := json.Unmarshal([]byte(line), &back); err != nil {
		t.Fatal(err)
	}
	if back.Decision == nil || back.Decision.Verdict != gate.Allow || back.Decision.Override == nil || back.Decision.Override.ID != "ovr-1" ||
		len(back.Decision.Reasons) != 1 || back.Decision.Reasons[0].Objective != "99.9" || back.Service() != "order-api" {
		t.Errorf("record read back as %+v", back.Decision)
	}
}
