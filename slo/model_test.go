package slo_test

import (
	"slices"
	"testing"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/slo"
)

// The urgent tiers are the pages, or every tier of a tickets-only SLO.
func TestUrgentTiers(t *testing.T) {
	page := burnrate.Tier{Severity: burnrate.Page, Factor: 14.4}
	ticket := burnrate.Tier{Severity: burnrate.Ticket, Factor: 1}
	for _, tc := range []struct {
		tiers, want []burnrate.Tier
	}{
		{[]burnrate.Tier{page, ticket}, []burnrate.Tier{page}},
		{[]burnrate.Tier{ticket}, []burnrate.Tier{ticket}},
		{nil, nil},
	} {
		if got := (slo.Alerting{Tiers: tc.tiers}).UrgentTiers(); !slices.Equal(got, tc.want) {
			t.Errorf("urgent tiers of %v: %v, want %v", tc.tiers, got, tc.want)
		}
	}
}

// SLOs without a policy of their own get the default, each its own copy:
// changing one SLO's list of changes allowed during a freeze changes no
// other SLO's, nor the default.
func TestEverySLOHasItsOwnPolicy(t *testing.T) {
	svcs, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: s
slos:
  - name: a
    objective: 99.9
    sli: {boolGauge: {selector: 'up{job="a"}'}}
  - name: b
    objective: 99.9
    sli: {boolGauge: {selector: 'up{job="b"}'}}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	a, b := svcs[0].SLOs[0], svcs[0].SLOs[1]
	a.Policy.AllowDuringFreeze[0] = slo.NormalChange
	if b.Policy.AllowDuringFreeze[0] != slo.HotfixChange || slo.DefaultPolicy().AllowDuringFreeze[0] != slo.HotfixChange {
		t.Errorf("one SLO's policy changed another's: %v, default %v", b.Policy.AllowDuringFreeze, slo.DefaultPolicy().AllowDuringFreeze)
	}
}
