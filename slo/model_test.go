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
