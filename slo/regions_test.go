package slo_test

import (
	"slices"
	"testing"

	"github.com/slokit/slokit/slo"
)

// Specs written for one Prometheus are tracked by the regions a simulation
// names; a spec's own regions, a raw SLI and the services given are left
// as they are.
func TestTrackedByRegion(t *testing.T) {
	svcs, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: a
slos:
  - name: ratio
    objective: 99.9
    sli: {ratio: {errors: 'e_total{code="5xx"}', total: e_total}}
  - name: raw
    objective: 99.9
    sli: {raw: {errorRatio: 'sum(rate(e_total[$window]))'}}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: b
regions: {label: zone, expected: [z1]}
slos:
  - name: ratio
    objective: 99.9
    sli: {ratio: {errors: 'e_total{code="5xx"}', total: e_total}}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	got := slo.TrackedByRegion(svcs, []string{"eu", "us"})
	ratio, raw, own := got[0].SLOs[0], got[0].SLOs[1], got[1].SLOs[0]
	if ratio.Regions == nil || ratio.Regions.Label != slo.DefaultRegionLabel || !slices.Equal(ratio.Regions.Expected, []string{"eu", "us"}) {
		t.Errorf("a spec without regions: %+v, want the defaults expecting eu and us", ratio.Regions)
	}
	if raw.Regions != nil || own.Regions.Label != "zone" || !slices.Equal(own.Regions.Expected, []string{"z1"}) {
		t.Errorf("a raw SLI got regions %+v; a spec's own became %+v", raw.Regions, own.Regions)
	}
	if svcs[0].SLOs[0].Regions != nil {
		t.Error("the services given were changed")
	}
}
