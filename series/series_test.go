package series_test

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slokit/slokit/series"
)

// The names are the contract itself: users' queries, alert routes and
// dashboards name these series, so a change here must be deliberate.
func TestRecordedSeriesNamesAreStable(t *testing.T) {
	for got, want := range map[string]string{
		series.Total:           "slo:sli_total:increase",
		series.Errors:          "slo:sli_errors:increase",
		series.HourlyTotal:     "slo:sli_total:hourly_increase",
		series.HourlyErrors:    "slo:sli_errors:hourly_increase",
		series.ErrorRatio:      "slo:sli_error:ratio",
		series.BurnRate:        "slo:error_budget:burn_rate",
		series.BudgetRemaining: "slo:error_budget:remaining_ratio",
		series.Objective:       "slo:objective:ratio",
		series.Period:          "slo:period:seconds",
		series.Info:            "slo:info",
		series.Policy:          "slo:policy:info",
		series.GateDecisions:   "slokit_gate_decisions_total",
	} {
		if got != want {
			t.Errorf("series name %q changed to %q: users' queries and alerts name it", want, got)
		}
	}
}

func TestReservedLabelsCannotBeChangedByACaller(t *testing.T) {
	series.ReservedLabels()[0] = "changed"
	if !series.IsReserved(series.ServiceLabel) || series.IsReserved("changed") {
		t.Error("a caller changed the reserved labels")
	}
	if !series.IsReserved("alertname") || series.IsReserved("team") {
		t.Error("alertname is reserved, team is not")
	}
}

// recordedName is a series name in slokit's namespace.
var recordedName = regexp.MustCompile(`\bslo:[a-z_]+(:[a-z_]+)?`)

// TestSeriesAreNamedOnlyHere fails when a string literal in any Go file
// outside this package names a recorded series: every reader and writer
// must use the constants, so that the contract has one home. Comments
// may describe the layout; golden files under testdata are outputs.
func TestSeriesAreNamedOnlyHere(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || name == "series" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		file := fset.AddFile(path, -1, len(src))
		var s scanner.Scanner
		s.Init(file, src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.STRING && recordedName.MatchString(lit) {
				rel, _ := filepath.Rel(root, fset.Position(pos).Filename)
				t.Errorf("%s:%d: %s names a recorded series: use the series package's constant", rel, fset.Position(pos).Line, recordedName.FindString(lit))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
