package test

// The docs are tested as a user reads them: every Markdown file parses
// with its fences closed, every relative link and anchor resolves, every
// spec shown validates, every command marked runnable runs with the exit
// code it documents, every rule file shown passes promtool, and every
// helm command shown renders the chart. The generated parts (CLI, spec,
// API, chart values) are tested where they are generated.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-shellwords"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/slokit/slokit/internal/markdown"
	"github.com/slokit/slokit/slo"
)

// markdownFile is one of the repository's Markdown files, parsed.
type markdownFile struct {
	path string // relative to the repository's root
	doc  markdown.Document
}

// markdownFiles are the repository's Markdown files, committed or about
// to be (untracked files not ignored), parsed.
func markdownFiles(t *testing.T) []markdownFile {
	t.Helper()
	out, err := exec.Command("git", "-C", "..", "ls-files", "--cached", "--others", "--exclude-standard", "*.md").Output()
	if err != nil {
		t.Fatal(err)
	}
	var files []markdownFile
	for _, f := range strings.Fields(string(out)) {
		data, err := os.ReadFile(filepath.Join("..", f))
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, markdownFile{f, markdown.Parse(data)})
	}
	if len(files) < 10 {
		t.Fatalf("only %d Markdown files", len(files))
	}
	return files
}

// Every code fence closes, as CommonMark reads it: a closing fence with
// text after it is no closing fence, and turns the prose after it into
// code up to the next bare fence.
func TestDocsFencesClose(t *testing.T) {
	for _, f := range markdownFiles(t) {
		for _, b := range f.doc.Blocks {
			if !b.Closed {
				t.Errorf("%s:%d: a code fence that never closes", f.path, b.Line)
			}
			for i, line := range strings.Split(b.Text, "\n") {
				if trimmed := strings.TrimLeft(line, " "); len(line)-len(trimmed) <= 3 && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
					t.Errorf("%s:%d: a fence inside a code block (%q): the fence before it has text after it, so it closes nothing", f.path, b.Line+1+i, trimmed)
				}
			}
		}
	}
}

// Every relative link and image points at a file of the repository, and
// every #anchor at a heading of its page, as GitHub makes the anchors.
func TestDocsLinksResolve(t *testing.T) {
	files := markdownFiles(t)
	anchors := map[string]map[string]bool{}
	for _, f := range files {
		anchors[f.path] = f.doc.Anchors
	}
	links := 0
	for _, f := range files {
		for _, l := range f.doc.Links {
			dest := l.Destination
			if regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`).MatchString(dest) {
				continue // a URL
			}
			links++
			target, fragment, _ := strings.Cut(dest, "#")
			path := f.path
			if target != "" {
				path = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(f.path), target)))
				if strings.HasPrefix(path, "../") {
					t.Errorf("%s:%d: %s leaves the repository", f.path, l.Line, dest)
					continue
				}
				if _, err := os.Stat(filepath.Join("..", path)); err != nil {
					t.Errorf("%s:%d: %s: no such file", f.path, l.Line, dest)
					continue
				}
			}
			if fragment == "" || !strings.HasSuffix(path, ".md") {
				continue
			}
			if !anchors[path][fragment] {
				t.Errorf("%s:%d: %s: %s has no heading with the anchor #%s", f.path, l.Line, dest, path, fragment)
			}
		}
	}
	if links < 100 {
		t.Errorf("only %d relative links in the docs: is the parser reading them?", links)
	}
}

// Every whole spec the docs show (a yaml block with slokit's apiVersion
// and kind ServiceLevels) is one the validator accepts: a user who copies
// it gets rules, not errors.
func TestDocsSpecExamplesValidate(t *testing.T) {
	specs := 0
	for _, f := range markdownFiles(t) {
		for _, b := range f.doc.Blocks {
			if b.Language != "yaml" || !strings.Contains(b.Text, "apiVersion: "+slo.APIVersion) || !strings.Contains(b.Text, "kind: "+slo.Kind) {
				continue
			}
			specs++
			if _, diags := slo.Parse([]byte(b.Text)); diags.Errors() != nil {
				t.Errorf("%s:%d: a spec example is refused: %v", f.path, b.Line, diags.Errors())
			}
		}
	}
	if specs < 3 {
		t.Fatalf("only %d spec examples found in the docs", specs)
	}
}

// exitComment is a command's documented exit code: "# exit 1" in its
// comment.
var exitComment = regexp.MustCompile(`#.*\bexit ([0-9]+)`)

// Every command of a shell block marked runnable (<!-- runnable -->)
// runs, with the exit code its comment gives (0 when it gives none), in a
// copy of the repository's examples with slokit (and bin/slokit, as a
// clone has it) on the PATH. A page's blocks run in order in one folder,
// as a reader would run them.
func TestDocsRunnableCommandsRun(t *testing.T) {
	commands := 0
	for _, f := range markdownFiles(t) {
		var blocks []markdown.CodeBlock
		for _, b := range f.doc.Blocks {
			if b.Runnable {
				if b.Language != "sh" {
					t.Errorf("%s:%d: a runnable block must be sh, not %q", f.path, b.Line, b.Language)
					continue
				}
				blocks = append(blocks, b)
			}
		}
		if len(blocks) == 0 {
			continue
		}
		t.Run(strings.ReplaceAll(f.path, "/", "_"), func(t *testing.T) {
			dir := docsSandbox(t)
			for _, b := range blocks {
				for i, line := range shellCommands(b.Text) {
					commands++
					want := 0
					if m := exitComment.FindStringSubmatch(line); m != nil {
						want, _ = strconv.Atoi(m[1])
					}
					if tool := strings.Fields(line)[0]; tool != "slokit" && tool != "bin/slokit" {
						requireTool(t, tool, map[string]string{"promtool": "prometheus"}[tool])
					}
					cmd := exec.Command("bash", "-euo", "pipefail", "-c", line)
					cmd.Dir = dir
					cmd.Env = append(os.Environ(), "PATH="+filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
					out, err := cmd.CombinedOutput()
					if got := exitCode(t, err); got != want {
						t.Errorf("%s:%d: %s\nexit %d, the page says %d:\n%s", f.path, b.Line+1+i, line, got, want, out)
					}
				}
			}
		})
	}
	if commands < 15 {
		t.Errorf("only %d runnable commands in the docs", commands)
	}
}

// docsSandbox is a folder holding what the docs' commands read, as a
// clone has it, with bin/slokit.
func docsSandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"specs", "testdata/docs", "testdata/anchors"} {
		copyTree(t, filepath.Join("..", sub), filepath.Join(dir, sub))
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(slokitBin, filepath.Join(dir, "bin", "slokit")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shellCommands are a shell block's commands: its lines, those ending in
// a backslash joined with the next, blank lines and comments left out.
func shellCommands(block string) []string {
	var commands []string
	var current strings.Builder
	for _, line := range strings.Split(block, "\n") {
		if before, ok := strings.CutSuffix(line, "\\"); ok {
			current.WriteString(before)
			continue
		}
		current.WriteString(line)
		if text := strings.TrimSpace(current.String()); text != "" && !strings.HasPrefix(text, "#") {
			commands = append(commands, text)
		}
		current.Reset()
	}
	return commands
}

// Every Prometheus rule file the docs show (a yaml block of groups:)
// passes promtool check rules.
func TestDocsRuleExamplesPassPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	found := 0
	for _, f := range markdownFiles(t) {
		for _, b := range f.doc.Blocks {
			if b.Language != "yaml" || !strings.HasPrefix(b.Text, "groups:") {
				continue
			}
			found++
			path := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(path, []byte(b.Text), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
				t.Errorf("%s:%d: promtool check rules: %v\n%s", f.path, b.Line, err, out)
			}
		}
	}
	if found == 0 {
		t.Fatal("no rule file in the docs")
	}
}

// Every `helm install` and `helm upgrade` of the chart the docs show
// renders with the values its --set flags give (over the page's last
// install, with --reuse-values), through the chart's schema and its
// refusals, as helm would; a ServiceMonitor asked for is made.
func TestDocsHelmCommandsRender(t *testing.T) {
	rendered := 0
	for _, f := range markdownFiles(t) {
		var installed map[string]any
		for _, b := range f.doc.Blocks {
			if b.Language != "sh" {
				continue
			}
			for _, line := range shellCommands(b.Text) {
				words, err := shellwords.Parse(line)
				if err != nil || len(words) < 3 || words[0] != "helm" || (words[1] != "install" && words[1] != "upgrade") {
					continue
				}
				values := map[string]any{}
				for i, w := range words {
					if w == "--reuse-values" && installed != nil {
						values = copyValues(t, installed)
					}
					if w == "--set" && i+1 < len(words) {
						if err := strvals.ParseInto(words[i+1], values); err != nil {
							t.Errorf("%s:%d: --set %s: %v", f.path, b.Line, words[i+1], err)
						}
					}
				}
				if words[1] == "install" {
					installed = values
				}
				data, err := yaml.Marshal(values)
				if err != nil {
					t.Fatal(err)
				}
				r, err := renderChart(t, string(data), "")
				if err != nil {
					t.Errorf("%s:%d: %s\ndoes not render: %v", f.path, b.Line, line, err)
					continue
				}
				rendered++
				if strings.Contains(line, "serviceMonitor.enabled=true") && len(r.monitors) != 1 {
					t.Errorf("%s:%d: %s\nmakes %d ServiceMonitors, want 1", f.path, b.Line, line, len(r.monitors))
				}
			}
		}
	}
	if rendered < 3 {
		t.Errorf("only %d helm commands rendered from the docs", rendered)
	}
}

func copyValues(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The README stays a README: a few hundred lines that link to the docs.
func TestReadmeStaysShort(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines > 300 {
		t.Errorf("README.md has %d lines: keep it under 300, and put the rest in docs/", lines)
	}
}

// Every slokit command the docs show, runnable or not (a serve on a
// cluster, a CI job's script), names a command slokit has and only flags
// that command takes: a renamed flag cannot leave a page behind.
func TestDocsCommandsUseRealFlags(t *testing.T) {
	helps := map[string]string{}
	help := func(command string) string {
		if h, ok := helps[command]; ok {
			return h
		}
		out, err := exec.Command(slokitBin, "help", command).CombinedOutput()
		if err != nil {
			helps[command] = ""
			return ""
		}
		helps[command] = string(out)
		return helps[command]
	}
	checked := 0
	for _, f := range markdownFiles(t) {
		for _, b := range f.doc.Blocks {
			if b.Language != "sh" && b.Language != "yaml" {
				continue
			}
			for _, line := range shellCommands(b.Text) {
				line = strings.TrimPrefix(strings.TrimPrefix(line, "- "), "run: ")
				words, err := shellwords.Parse(line)
				if err != nil || len(words) < 2 || (words[0] != "slokit" && words[0] != "bin/slokit") {
					continue
				}
				usage := help(words[1])
				if usage == "" {
					t.Errorf("%s:%d: %s: slokit has no command %q", f.path, b.Line, line, words[1])
					continue
				}
				checked++
				for _, w := range words[2:] {
					if w == "--" || !strings.HasPrefix(w, "--") {
						continue
					}
					name, _, _ := strings.Cut(w, "=")
					if !strings.Contains(usage, name+" ") && !strings.Contains(usage, name+"\n") && !strings.Contains(usage, name+"[") && !strings.Contains(usage, name+"]") {
						t.Errorf("%s:%d: %s: slokit %s takes no %s", f.path, b.Line, line, words[1], name)
					}
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d slokit commands found in the docs", checked)
	}
}
