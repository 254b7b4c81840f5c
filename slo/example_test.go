package slo_test

import (
	"fmt"

	"github.com/slokit/slokit/slo"
)

// Parse reads specs from bytes: every problem comes back with its line,
// column and field path, and only a spec without errors yields a service.
func ExampleParse() {
	services, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
slos:
  - name: availability
    objective: 99.95
    sli:
      ratio:
        errors: http_requests_total{job="order-api",code=~"5.."}
        total: http_requests_total{job="order-api"}
`))
	if err := diags.Errors(); err != nil {
		fmt.Println(err)
		return
	}
	s := services[0].SLOs[0]
	fmt.Printf("%s/%s: %s%% over %s, budget %g\n", s.Service, s.Name, s.Objectives[0].Label(), s.Period, s.Objectives[0].Budget())

	_, diags = slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
slos:
  - name: availability
    objective: 100.5
    sli:
      ratio:
        errors: http_requests_total{code=~"5.."}
        total: http_requests_total
`))
	fmt.Println(diags.Errors())
	// Output:
	// order-api/availability: 99.95% over 720h0m0s, budget 0.0005
	// 6:16: slos[0].objective: must be between 0 and 100, got 100.5
}

// Load reads spec files and folders, in any format slokit reads: the
// example platform's native specs here, Sloth, Pyrra and OpenSLO specs
// alike.
func ExampleLoad() {
	services, diags := slo.Load([]string{"../specs", "importer/testdata/sloth.good.yaml"})
	if err := diags.Errors(); err != nil {
		fmt.Println(err)
		return
	}
	for _, svc := range services {
		fmt.Printf("%s (%s): %d SLOs\n", svc.Name, svc.File, len(svc.SLOs))
	}
	// Output:
	// dispatch (../specs/dispatch.yaml): 1 SLOs
	// menu (../specs/menu.yaml): 1 SLOs
	// order-api (../specs/order-api.yaml): 3 SLOs
	// order-placement (../specs/order-placement.yaml): 1 SLOs
	// payment (../specs/payment.yaml): 1 SLOs
	// checkout (importer/testdata/sloth.good.yaml): 3 SLOs
}
