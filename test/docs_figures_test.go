package test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The binary sizes and package counts the benchmarks page quotes are
// today's, within 5%: a figure a test can measure is measured, not left
// to drift.
func TestDocsBinaryFigures(t *testing.T) {
	page, err := os.ReadFile("../docs/benchmarks.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("\\| ([0-9.]+) MB, ([0-9]+) packages; with `-tags noengine` ([0-9.]+) MB, ([0-9]+) packages \\|").FindStringSubmatch(string(page))
	if row == nil {
		t.Fatal("docs/benchmarks.md quotes no binary size row")
	}
	for i, tags := range [][]string{nil, {"noengine"}} {
		quotedMB, _ := strconv.ParseFloat(row[1+2*i], 64)
		quotedPkgs, _ := strconv.ParseFloat(row[2+2*i], 64)
		// The default build is TestMain's slokitBin, built as a release is.
		bin := slokitBin
		list := []string{"list", "-deps"}
		if tags != nil {
			bin = filepath.Join(t.TempDir(), "slokit")
			list = append(list, "-tags", strings.Join(tags, ","))
			if out, err := releaseBuild("-o", bin, "-tags", strings.Join(tags, ","), "../cmd/slokit").CombinedOutput(); err != nil {
				t.Fatalf("go build %v: %v\n%s", tags, err, out)
			}
		}
		st, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("go", append(list, "../cmd/slokit")...).Output()
		if err != nil {
			t.Fatal(err)
		}
		mb, pkgs := float64(st.Size())/1e6, float64(len(strings.Fields(string(out))))
		if math.Abs(mb-quotedMB) > 0.05*quotedMB || math.Abs(pkgs-quotedPkgs) > 0.05*quotedPkgs {
			t.Errorf("tags %v: %.1f MB, %.0f packages; docs/benchmarks.md says %.1f MB, %.0f", tags, mb, pkgs, quotedMB, quotedPkgs)
		}
	}
}
