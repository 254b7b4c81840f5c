package importer_test

import (
	"bytes"
	"testing"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/slo"
)

// fuzzImport fuzzes one importer, seeded with the format's fixtures and
// examples (the fuzzer may mutate the header too). Whatever the
// input, reading it never panics, every problem has a message, and every
// document that imports writes out as a native spec that reads back as
// the same service without errors.
func fuzzImport(f *testing.F, seeds ...string) {
	fixture.AddSeeds(f, seeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		imported, diags := slo.ImportBytes(data)
		for _, d := range diags {
			if d.Message == "" {
				t.Errorf("diagnostic without message: %#v", d)
			}
		}
		for _, im := range imported {
			var buf bytes.Buffer
			err := slo.WriteNative(&buf, im)
			native := buf.Bytes()
			if err != nil {
				t.Fatalf("writing %s: %v", im.Service, err)
			}
			services, diags := slo.Parse(native)
			if err := diags.Errors(); err != nil || len(services) != 1 || services[0].Name != im.Service {
				t.Fatalf("the imported spec does not read back: %v\n%s", err, native)
			}
			if !bytes.HasPrefix(native, []byte("# Imported by slokit")) {
				t.Fatalf("no header:\n%s", native)
			}
		}
	})
}

func FuzzImportSloth(f *testing.F) {
	fuzzImport(f, "testdata/sloth*.yaml", "../../testdata/anchors/sloth/*.yml")
}

func FuzzImportPyrra(f *testing.F) {
	fuzzImport(f, "testdata/pyrra*.yaml", "../../testdata/anchors/pyrra/*.yaml")
}

func FuzzImportOpenSLO(f *testing.F) {
	fuzzImport(f, "testdata/openslo*.yaml", "../../testdata/anchors/openslo/*.yaml", "../../testdata/anchors/sloth/openslo-*.yml")
}
