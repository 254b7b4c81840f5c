package scorecard

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/inputfile"
	"github.com/slokit/slokit/internal/strictyaml"
)

// Labelled is an incident a team recorded, for one SLO, every SLO of a
// service, or every SLO when Service is empty.
type Labelled struct {
	Name    string
	Service string
	SLO     string
	Interval
}

// For returns the labelled incidents of an SLO, as intervals.
func For(labelled []Labelled, service, name string) []Interval {
	var out []Interval
	for _, l := range labelled {
		if (l.Service == "" || l.Service == service) && (l.SLO == "" || l.SLO == name) {
			out = append(out, l.Interval)
		}
	}
	return Union(out)
}

// maxLabelled bounds a file of incidents: years of them.
const maxLabelled = 10_000

type incidentsFile struct {
	// The incidents the team recorded.
	Incidents []struct {
		// A name for tables: the ticket, INC-1234.
		Name string `yaml:"name"`
		// When it began, RFC 3339 (2026-11-03T14:05:00Z).
		Start string `yaml:"start"`
		// When it ended, RFC 3339.
		End string `yaml:"end"`
		// The service it hit; every service when absent.
		Service string `yaml:"service"`
		// The SLO it hit; every SLO of the service when absent.
		SLO string `yaml:"slo"`
	} `yaml:"incidents"`
}

// ReadIncidents reads a file of labelled incidents (incidents: a list of
// name, start, end, service, slo). Errors name the file, line, column
// and field.
func ReadIncidents(file string, maxBytes int64) ([]Labelled, error) {
	var out []Labelled
	err := readYAML(file, maxBytes, func(root *yaml.Node) *strictyaml.Document {
		var in incidentsFile
		d := strictyaml.Decode(root, &in)
		if d.ErrorCount() > 0 {
			return d
		}
		if len(in.Incidents) == 0 {
			d.Fail("incidents", "no incident: list them as incidents: [{name, start, end, service, slo}]")
		}
		if len(in.Incidents) > maxLabelled {
			d.Fail("incidents", "%d incidents, at most %d", len(in.Incidents), maxLabelled)
			return d
		}
		for i, inc := range in.Incidents {
			p := "incidents[" + strconv.Itoa(i) + "]"
			from, ok1 := parseTime(d, p+".start", inc.Start)
			to, ok2 := parseTime(d, p+".end", inc.End)
			if ok1 && ok2 && !to.After(from) {
				d.Fail(p+".end", "ends at or before its start")
			}
			out = append(out, Labelled{Name: inc.Name, Service: inc.Service, SLO: inc.SLO, Interval: Interval{From: from, To: to}})
		}
		return d
	})
	return out, err
}

func parseTime(d *strictyaml.Document, path, v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		d.Fail(path, "want an RFC 3339 time such as 2026-11-03T14:05:00Z, got %q", v)
		return time.Time{}, false
	}
	return t.UTC(), true
}

type policyFile struct {
	// The policy's name in tables.
	Name string `yaml:"name"`
	// Its tiers, for the SLOs' periods as written (not scaled).
	Tiers []struct {
		Severity string               `yaml:"severity"`
		Factor   float64              `yaml:"factor"`
		Long     *strictyaml.Duration `yaml:"long"`
		Short    *strictyaml.Duration `yaml:"short"`
		For      *strictyaml.Duration `yaml:"for"`
	} `yaml:"tiers"`
}

// maxTiers bounds a policy's tiers.
const maxTiers = 20

// ReadPolicy reads a tier set a team writes: a name and tiers of
// severity (page or ticket), factor, long and short windows and an
// optional for:.
func ReadPolicy(file string, maxBytes int64) (Policy, error) {
	var p Policy
	err := readYAML(file, maxBytes, func(root *yaml.Node) *strictyaml.Document {
		var in policyFile
		d := strictyaml.Decode(root, &in)
		if d.ErrorCount() > 0 {
			return d
		}
		p.Name = in.Name
		if p.Name == "" {
			d.Fail("name", "missing: the policy's name in tables")
		}
		if len(in.Tiers) == 0 || len(in.Tiers) > maxTiers {
			d.Fail("tiers", "%d tiers: give 1 to %d", len(in.Tiers), maxTiers)
		}
		for i, t := range in.Tiers {
			path := "tiers[" + strconv.Itoa(i) + "]"
			tier := burnrate.Tier{Severity: burnrate.Severity(t.Severity), Factor: t.Factor}
			if tier.Severity != burnrate.Page && tier.Severity != burnrate.Ticket {
				d.Fail(path+".severity", "must be page or ticket, got %q", t.Severity)
			}
			if t.Factor <= 0 {
				d.Fail(path+".factor", "missing or not positive: a burn-rate factor such as 14.4")
			}
			for _, w := range []struct {
				name string
				in   *strictyaml.Duration
				out  *time.Duration
			}{{"long", t.Long, &tier.Long}, {"short", t.Short, &tier.Short}, {"for", t.For, &tier.For}} {
				switch {
				case w.in != nil:
					*w.out = w.in.Value
				case w.name != "for":
					d.Fail(path+"."+w.name, "missing: a window such as 1h")
				}
			}
			if tier.Short > tier.Long {
				d.Fail(path+".short", "longer than the long window")
			}
			p.Tiers = append(p.Tiers, tier)
		}
		return d
	})
	return p, err
}

// readYAML reads a file of one YAML document and decodes it with read;
// every problem, with its line and column, comes back as one error naming
// the file.
func readYAML(file string, maxBytes int64, read func(root *yaml.Node) *strictyaml.Document) error {
	data, err := inputfile.Read(file, maxBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", file, inputfile.Cause(err))
	}
	var diags diag.Diagnostics
	docs := 0
	diags = append(diags, strictyaml.ReadDocuments(data, func(root *yaml.Node) {
		if docs++; docs > 1 {
			return
		}
		diags = append(diags, read(root).Diags...)
	})...)
	if docs == 0 {
		diags = append(diags, &diag.Diagnostic{Message: "empty file"})
	}
	for _, d := range diags {
		d.File = file
	}
	diags.Sort()
	return diags.Errors()
}
