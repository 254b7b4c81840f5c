package promrules_test

import (
	"fmt"
	"strings"

	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/slo"
)

// Files compiles specs into the rule files slokit generate -o DIR writes,
// one per service; Group is one SLO's rule group, for callers that want
// the rules themselves.
func ExampleFiles() {
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
	for f, err := range promrules.Files(promrules.Output{Format: promrules.FormatPrometheus}, services) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %d recording rules, %d alerting rules\n", f.Name,
			strings.Count(string(f.Content), "- record:"), strings.Count(string(f.Content), "- alert:"))
	}
	g := promrules.Group(services[0].SLOs[0])
	fmt.Println("group", g.Name, "every", g.Interval)
	for _, r := range g.Rules {
		if r.Alert != "" {
			fmt.Printf("alert %s severity=%s window=%s for %s\n", r.Alert, r.Labels["severity"], r.Labels["window"], r.For)
		}
	}
	// Output:
	// order-api.yaml: 25 recording rules, 4 alerting rules
	// group slokit:order-api:availability every 1m
	// alert SLOErrorBudgetBurn severity=page window=1h for 0s
	// alert SLOErrorBudgetBurn severity=page window=6h for 0s
	// alert SLOErrorBudgetBurn severity=ticket window=1d for 0s
	// alert SLOErrorBudgetBurn severity=ticket window=3d for 0s
}
