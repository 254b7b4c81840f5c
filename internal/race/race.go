// Package race tells whether the race detector is built in, so that a
// compute-bound test with no concurrency of its own (a month of samples
// through the PromQL engine) can leave the race run, where it costs ten
// times as long and finds nothing, to the plain run of `make unit`.
package race

import "testing"

// SkipComputeBound skips t under the race detector; `make unit` runs the
// package again without it, where t runs.
func SkipComputeBound(t testing.TB) {
	t.Helper()
	if Enabled {
		t.Skip("compute-bound, no concurrency of its own: make unit runs it without -race")
	}
}
