package gate_test

import (
	"fmt"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/slo"
)

// Decide applies each SLO's error-budget policy to a change: a page-level
// burn alert freezes normal changes, lets a hotfix through under the
// default policy, and a rollback always.
func ExampleDecide() {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	burning := []gate.SLOState{{
		Service: "order-api", SLO: "availability", Objective: "99.95",
		Remaining:  0.4,
		PageAlerts: []string{"1h"},
		Policy:     slo.DefaultPolicy(),
	}}
	for _, change := range []slo.Change{slo.NormalChange, slo.HotfixChange, slo.RollbackChange} {
		d := gate.Decide("order-api", change, burning, nil, now)
		fmt.Printf("%s: %s\n", change, d.Verdict)
		for _, r := range d.Reasons {
			fmt.Printf("  %s: %s\n", r.Rule, r.Message)
		}
	}
	// Output:
	// normal: deny
	//   page-alert-firing: availability (99.95%): page-level burn alert firing over 1h, 40% of the budget left
	// hotfix: allow
	//   page-alert-firing: availability (99.95%): page-level burn alert firing over 1h, 40% of the budget left
	//   allowed-during-freeze: the policy lets hotfix changes through a freeze
	// rollback: allow
	//   page-alert-firing: availability (99.95%): page-level burn alert firing over 1h, 40% of the budget left
	//   rollback: rollbacks are always allowed, freeze or not
}
