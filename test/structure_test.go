package test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// deps lists the packages a package links, as go list sees them with the
// build tags given.
func deps(t *testing.T, pkg string, tags ...string) []string {
	t.Helper()
	args := []string{"list", "-deps"}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	out, err := exec.Command("go", append(args, pkg)...).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// The embedded Prometheus (TSDB, rule manager, and with them service
// discovery and the cloud SDKs) is linked only where it is needed: the
// budget reader, the gate, the server, the wire types and the importers
// go without it, and so does the binary built with -tags noengine.
func TestEmbeddedEngineOnlyWhereNeeded(t *testing.T) {
	const tsdb, rules = "github.com/prometheus/prometheus/tsdb", "github.com/prometheus/prometheus/rules"
	for _, tc := range []struct {
		pkg     string
		tags    []string
		without []string
	}{
		{pkg: "github.com/slokit/slokit/budget", without: []string{tsdb, rules, "github.com/slokit/slokit/engine", "github.com/slokit/slokit/generators/promrules"}},
		{pkg: "github.com/slokit/slokit/gate", without: []string{tsdb, rules}},
		{pkg: "github.com/slokit/slokit/serve", without: []string{tsdb, rules, "github.com/slokit/slokit/simulate", "github.com/slokit/slokit/engine"}},
		{pkg: "github.com/slokit/slokit/serve/api", without: []string{"github.com/prometheus/", "github.com/slokit/slokit/"}},
		{pkg: "github.com/slokit/slokit/series", without: []string{"github.com/slokit/slokit/"}},
		{pkg: "github.com/slokit/slokit/slo/importer", without: []string{"github.com/slokit/slokit/slo", tsdb}},
		{pkg: "github.com/slokit/slokit/cmd/slokit", tags: []string{"noengine"}, without: []string{tsdb, rules, "github.com/slokit/slokit/simulate", "github.com/slokit/slokit/engine"}},
	} {
		t.Run(tc.pkg+strings.Join(tc.tags, ","), func(t *testing.T) {
			for _, d := range deps(t, tc.pkg, tc.tags...) {
				for _, bad := range tc.without {
					// A package path, or every package under a prefix
					// ending in /, the package itself aside.
					if d == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(d, bad) && d != tc.pkg {
						t.Errorf("%s links %s", tc.pkg, d)
					}
				}
			}
		})
	}
	// And the default binary does link it: the test above proves something.
	found := false
	for _, d := range deps(t, "github.com/slokit/slokit/cmd/slokit") {
		found = found || d == tsdb
	}
	if !found {
		t.Error("the default binary does not link the TSDB: this test would pass for the wrong reason")
	}
}

// A binary built with -tags noengine generates and checks as the default
// one does, and says clearly what it cannot do.
func TestBinaryWithoutTheEngine(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "slokit")
	build := releaseBuild("-tags", "noengine", "-o", bin, "../cmd/slokit")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags noengine: %v\n%s", err, out)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		return exitCode(t, cmd.Run()), stdout.String(), stderr.String()
	}
	out, again := t.TempDir(), t.TempDir()
	if code, _, stderr := run("generate", "-o", out, "../specs"); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(out, "order-api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	slokit(t, "generate", "-o", again, "../specs")
	if got, _ := os.ReadFile(filepath.Join(again, "order-api.yaml")); !bytes.Equal(got, want) {
		t.Error("the binary without the engine generates other rules than the default one")
	}
	for _, args := range [][]string{
		{"simulate", "--scenario", "outage", "--spec", "../specs/order-api.yaml"},
		{"serve", "--demo", "../specs"},
	} {
		code, _, stderr := run(args...)
		if code != 2 || !strings.Contains(stderr, "built without the embedded engine (-tags noengine)") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}

// Packages under internal/ are plumbing for the others: none imports a
// package of slokit's outside internal/ (diag aside, the positioned errors
// the YAML decoder reports), so that imports point one way, towards the
// model, and a helper never drags a domain package into a test binary.
func TestInternalPackagesImportNoDomainPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/slokit/slokit/internal/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/slokit/slokit/"
	checked := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		checked++
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, module) && !strings.HasPrefix(imp, module+"internal/") && imp != module+"diag" {
				t.Errorf("%s imports %s", fields[0], imp)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d internal packages listed", checked)
	}
}

// Test helpers link only what the tests that use them need: the embedded
// engine (the TSDB) only through simulate/simtest, which replays scenarios
// on it; so the tests of the model, the importers and the Alertmanager
// generator build without it.
func TestTestHelpersLinkTheEngineOnlyToReplay(t *testing.T) {
	const tsdb = "github.com/prometheus/prometheus/tsdb"
	for _, pkg := range []string{"internal/fixture", "slo/slotest", "serve/servetest"} {
		for _, d := range deps(t, "github.com/slokit/slokit/"+pkg) {
			if d == tsdb {
				t.Errorf("test helper %s links the TSDB", pkg)
			}
		}
	}
	for _, pkg := range []string{"slo", "slo/importer", "generators/alertmanager"} {
		out, err := exec.Command("go", "list", "-test", "-deps", "github.com/slokit/slokit/"+pkg).Output()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), tsdb+"\n") {
			t.Errorf("the tests of %s link the TSDB", pkg)
		}
	}
	found := false
	for _, d := range deps(t, "github.com/slokit/slokit/simulate/simtest") {
		found = found || d == tsdb
	}
	if !found {
		t.Error("simulate/simtest does not link the TSDB: the test above would pass for the wrong reason")
	}
}

// The Makefile's bench and fuzz targets follow the tests: every package
// make bench runs has benchmarks, and make fuzz runs every fuzz test.
func TestMakefileBenchAndFuzzTargetsFollowTheTests(t *testing.T) {
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	target := func(name string) string {
		_, rest, ok := strings.Cut(string(makefile), "\n"+name+":\n")
		if !ok {
			t.Fatalf("no target %s", name)
		}
		body, _, _ := strings.Cut(rest, "\n\n")
		return body
	}
	bench := target("bench")
	packages := 0
	for field := range strings.FieldsSeq(bench) {
		if !strings.HasPrefix(field, "./") {
			continue
		}
		packages++
		tests, _ := filepath.Glob(filepath.Join("..", field, "*_test.go"))
		found := false
		for _, f := range tests {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found = found || bytes.Contains(data, []byte("\nfunc Benchmark"))
		}
		if !found {
			t.Errorf("make bench runs %s, which has no benchmark", field)
		}
	}
	if packages < 3 {
		t.Fatalf("make bench names only %d packages", packages)
	}
	fuzz := target("fuzz")
	out, err := exec.Command("git", "-C", "..", "grep", "-h", "-o", `^func Fuzz[A-Za-z0-9_]*`, "--", "*_test.go").Output()
	if err != nil {
		t.Fatal(err)
	}
	fuzzers := strings.Fields(strings.ReplaceAll(string(out), "func ", ""))
	if len(fuzzers) < 5 {
		t.Fatalf("only %d fuzz tests found", len(fuzzers))
	}
	for _, f := range fuzzers {
		if !regexp.MustCompile(`\b` + f + `\b`).MatchString(fuzz) {
			t.Errorf("make fuzz does not run %s", f)
		}
	}
}

// No source file passes 600 lines: a reader finds a concept in a file of
// its own, as the packages split theirs by resource or by what they do.
func TestNoSourceFileOver600Lines(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "*.go").Output()
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, f := range strings.Fields(string(out)) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		files++
		if n := bytes.Count(data, []byte("\n")); n > 600 {
			t.Errorf("%s has %d lines, more than 600", f, n)
		}
	}
	if files < 50 {
		t.Fatalf("only %d source files listed", files)
	}
}

// PromQL over recorded series is written in two places: the rule
// generators, which record them, and the budget reader, which reads them
// (instant, range and report queries alike). Every other package asks the
// reader. The test finds every use of a recorded series' name (a constant
// of package series whose value starts with "slo:") outside those.
func TestRecordedSeriesAreQueriedOnlyByTheBudgetReader(t *testing.T) {
	fset := token.NewFileSet()
	seriesFile, err := parser.ParseFile(fset, "../series/series.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	ast.Inspect(seriesFile, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(strings.Trim(lit.Value, "\"`"), "slo:") {
						recorded[name.Name] = true
					}
				}
			}
		}
		return true
	})
	if len(recorded) < 10 {
		t.Fatalf("only %d recorded series names found in series.go", len(recorded))
	}
	// Where a name may stand besides: help text naming a series.
	// And the test helper that writes what regions' edge tiers send, as
	// the simulator writes raw series.
	allowed := map[string]bool{"cmd/slokit/serve.go Policy": true,
		"simulate/simtest/regions.go EdgeTotal": true, "simulate/simtest/regions.go EdgeErrors": true}
	out, err := exec.Command("git", "-C", "..", "ls-files", "*.go").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(f, "budget/") || strings.HasPrefix(f, "generators/") || strings.HasPrefix(f, "series/") || strings.HasPrefix(f, ".") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join("..", f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "series" && recorded[sel.Sel.Name] && !allowed[f+" "+sel.Sel.Name] {
					t.Errorf("%s: uses series.%s: read recorded series through the budget reader", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}

// Stores live in store/: the contract in store (domain types only: no
// wire types of serve/api), the data folder's in store/files, PostgreSQL's
// in store/postgres. serve speaks HTTP and holds no store of its own: no
// type of it stores an override, and it links no database driver.
func TestStoresLiveInStoreAndSpeakDomainTypes(t *testing.T) {
	for _, d := range deps(t, "github.com/slokit/slokit/store") {
		if strings.HasPrefix(d, "github.com/slokit/slokit/serve") {
			t.Errorf("the store contract links %s", d)
		}
	}
	for _, d := range deps(t, "github.com/slokit/slokit/serve") {
		if strings.HasPrefix(d, "github.com/jackc/") || d == "github.com/slokit/slokit/store/postgres" {
			t.Errorf("serve links %s", d)
		}
	}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../serve", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	methods := 0
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, decl := range f.Decls {
				if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv != nil {
					methods++
					if fd.Name.Name == "CreateOverride" || fd.Name.Name == "CreateMaintenance" {
						t.Errorf("%s: serve implements %s: stores live in store/", fset.Position(fd.Pos()), fd.Name.Name)
					}
				}
			}
		}
	}
	if methods < 20 {
		t.Fatalf("only %d methods found in serve", methods)
	}
}

// longFunctions are the functions that must stay over 80 lines, each with
// why (its doc comment says it too).
var longFunctions = map[string]string{
	"generators/promrules/promql.go printCached": "one case per node kind, as Prometheus' printer has",
}

// No function passes 80 lines unless it is listed in longFunctions, and
// every listed one is still long (a split one leaves the list).
func TestNoFunctionOver80LinesUnlisted(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "*.go").Output()
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	long := map[string]bool{}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(f, ".") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join("..", f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if n := fset.Position(fd.Body.Rbrace).Line - fset.Position(fd.Body.Lbrace).Line - 1; n > 80 {
				key := f + " " + fd.Name.Name
				long[key] = true
				if longFunctions[key] == "" {
					t.Errorf("%s: %s has %d lines, more than 80: split it", f, fd.Name.Name, n)
				}
			}
		}
	}
	for key := range longFunctions {
		if !long[key] {
			t.Errorf("%s is no longer over 80 lines: take it off longFunctions", key)
		}
	}
}
