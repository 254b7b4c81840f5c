// Command testsummary reads `go test -json` on standard input and writes
// what a person reads of a CI run: each package's result line as go test
// writes it, the whole output of every failed test, then the ten slowest
// tests and every package's time. It exits 1 when a test, a package or a
// build failed, so that a pipe into it fails as go test would.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// event is one line of test2json's output.
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type timed struct {
	name    string
	seconds float64
}

func main() {
	failed, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func summarize(in io.Reader, out io.Writer) (failed bool, err error) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	outputs := map[[2]string][]string{} // the output of each running test
	var tests, packages []timed
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	events := 0
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not test2json's (a build error printed as text): pass it on.
			fmt.Fprintln(w, sc.Text())
			continue
		}
		events++
		key := [2]string{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(w, e.Output)
		case e.Action == "build-fail":
			failed = true
		case e.Action == "output" && e.Test == "":
			fmt.Fprint(w, e.Output) // ok, FAIL and the package's own lines
			w.Flush()               // as each package ends, not at the end of the run
		case e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Test != "" && (e.Action == "pass" || e.Action == "skip"):
			if !strings.Contains(e.Test, "/") { // subtests count in their parent
				tests = append(tests, timed{e.Package + " " + e.Test, e.Elapsed})
			}
			delete(outputs, key)
		case e.Test != "" && e.Action == "fail":
			failed = true
			fmt.Fprint(w, strings.Join(outputs[key], ""))
			w.Flush()
			delete(outputs, key)
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail"):
			failed = failed || e.Action == "fail"
			packages = append(packages, timed{e.Package, e.Elapsed})
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	if events == 0 {
		return true, fmt.Errorf("no test events on standard input")
	}
	byTime := func(a, b timed) int { return cmp.Compare(b.seconds, a.seconds) }
	slices.SortFunc(tests, byTime)
	fmt.Fprintln(w, "\nslowest tests:")
	for _, t := range tests[:min(10, len(tests))] {
		fmt.Fprintf(w, "%8.1fs  %s\n", t.seconds, t.name)
	}
	slices.SortFunc(packages, byTime)
	fmt.Fprintln(w, "\npackages:")
	for _, p := range packages {
		fmt.Fprintf(w, "%8.1fs  %s\n", p.seconds, p.name)
	}
	return failed, nil
}
