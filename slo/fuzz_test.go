package slo_test

import (
	"testing"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/slo"
)

// FuzzParse feeds arbitrary bytes to the loader, seeded with every fixture
// and example spec. The loader must never panic, every error must carry a
// message, and a spec that loads must be fully defaulted.
func FuzzParse(f *testing.F) {
	fixture.AddSeeds(f, "testdata/*.yaml", "importer/testdata/*.yaml", "../specs/*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		services, diags := slo.Parse(data)
		for _, d := range diags {
			if d.Message == "" {
				t.Errorf("diagnostic without message: %#v", d)
			}
		}
		if diags.Errors() != nil && len(services) > 0 {
			// Services of valid documents are returned; an error must
			// belong to another document of the same input.
			return
		}
		for _, svc := range services {
			for _, s := range svc.SLOs {
				if s.Period <= 0 || s.BaseWindow <= 0 || len(s.Objectives) == 0 || s.SLI.Kind == 0 {
					t.Errorf("loaded SLO is not fully defaulted: %+v", s)
				}
			}
		}
	})
}
