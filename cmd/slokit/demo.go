package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/slokit/slokit/scenario"
)

// defaultDemoScenario is what --demo plays when it names none.
const defaultDemoScenario = "super-bowl"

// demoChoice is --demo[=SCENARIO] (or --scenario SCENARIO, which implies
// it): serve and report run the specs' rules on the embedded engine over
// a scenario's synthetic traffic only when asked to, never because a
// backend was left out.
type demoChoice struct {
	on       bool
	scenario string
}

// demoFlag is --demo, a boolean flag that also takes a scenario:
// --demo, --demo=outage.
type demoFlag struct{ d *demoChoice }

func (f demoFlag) String() string {
	if f.d == nil || !f.d.on {
		return ""
	}
	return f.d.scenario
}

func (f demoFlag) Set(v string) error {
	if b, err := strconv.ParseBool(v); err == nil {
		f.d.on = b
		return nil
	}
	f.d.on, f.d.scenario = true, v
	return nil
}

func (f demoFlag) IsBoolFlag() bool { return true }

// addDemoFlags registers --demo and --scenario for a command.
func addDemoFlags(fs *flag.FlagSet) *demoChoice {
	d := &demoChoice{}
	fs.Var(demoFlag{d}, "demo", "run the specs' rules on the embedded engine over a scenario's synthetic traffic instead of reading a backend: --demo plays "+defaultDemoScenario+", --demo=NAME another (slokit simulate --list)")
	fs.Func("scenario", "the scenario `NAME` (or file) --demo plays; implies --demo", func(v string) error {
		d.on, d.scenario = true, v
		return nil
	})
	return d
}

// resolve settles the scenario: `--demo outage PATH...` reads like a
// scenario after --demo, so a first path that names a built-in scenario
// and is no file is taken as the scenario.
func (d *demoChoice) resolve(paths []string) []string {
	if !d.on {
		return paths
	}
	if d.scenario == "" && len(paths) > 0 && isBuiltinScenario(paths[0]) {
		if _, err := os.Stat(paths[0]); errors.Is(err, fs.ErrNotExist) {
			d.scenario, paths = paths[0], paths[1:]
		}
	}
	if d.scenario == "" {
		d.scenario = defaultDemoScenario
	}
	return paths
}

func isBuiltinScenario(name string) bool {
	for _, sc := range scenario.Builtins() {
		if sc.Name == name {
			return true
		}
	}
	return false
}

// noBackend is the error of serve and report given neither a backend nor
// --demo.
func noBackend(command string) string {
	return fmt.Sprintf("slokit %s: no backend: give --prometheus-url URL, the Prometheus-compatible API that evaluates slokit's rules (Prometheus, Thanos, Mimir, VictoriaMetrics), or --demo[=SCENARIO] to run the specs' rules on the embedded engine over synthetic traffic (slokit simulate --list)", command)
}
