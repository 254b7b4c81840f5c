package datadog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/slo"
)

// Format is how the Datadog objects are written.
type Format string

const (
	// FormatJSON writes the bodies of Datadog's API requests: each SLO
	// (POST /api/v1/slo), and its monitors (POST /api/v1/monitor) with
	// SLOIDPlaceholder for the id the SLO is given.
	FormatJSON Format = "datadog"
	// FormatTerraform writes datadog_service_level_objective and
	// datadog_monitor resources for the Datadog Terraform provider.
	FormatTerraform Format = "datadog-terraform"
)

// Formats are the Datadog formats, for --help and validation.
func Formats() []Format { return []Format{FormatJSON, FormatTerraform} }

// Service is a service's Datadog objects.
type Service struct {
	Service    string      `json:"service"`
	Objectives []Objective `json:"objectives"`
}

// Document is the JSON format's one document: every service's objects,
// marked as generated (JSON has no comments).
type Document struct {
	Description string    `json:"description"`
	Services    []Service `json:"services"`
}

// MarshalJSON writes an objective with its key, SLO and monitors.
func (o Objective) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Key      string     `json:"key"`
		SLO      SLORequest `json:"slo"`
		Monitors []Monitor  `json:"monitors"`
	}{o.Key, o.SLO, o.Monitors})
}

// Services are the services' Datadog objects, or an error naming every
// SLO that cannot be written, and why: nothing is left out quietly.
func Services(services []*slo.Service) ([]Service, error) {
	var out []Service
	var errs []error
	for _, svc := range services {
		s := Service{Service: svc.Name}
		for _, o := range svc.SLOs {
			objectives, err := Objectives(o)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", svc.Name, o.Name, err))
				continue
			}
			s.Objectives = append(s.Objectives, objectives...)
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// Write writes every service's objects to w in format f.
func Write(w io.Writer, f Format, services []*slo.Service) error {
	all, err := Services(services)
	if err != nil {
		return err
	}
	var out []byte
	switch f {
	case FormatJSON:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // queries compare with >, not \u003e
		enc.SetIndent("", "  ")
		err, out = enc.Encode(Document{Description: generators.Description, Services: all}), b.Bytes()
	case FormatTerraform:
		out, err = terraform(all)
	default:
		return fmt.Errorf("unknown Datadog format %q", f)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// terraform writes the objects as Terraform resources, formatted as
// terraform fmt does: an SLO, and monitors whose queries refer to its id.
func terraform(services []Service) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(generators.Header)
	for _, svc := range services {
		for _, o := range svc.Objectives {
			s := o.SLO
			fmt.Fprintf(&b, "\n# %s\nresource \"datadog_service_level_objective\" %s {\n", s.Name, hclString(o.Key))
			attribute(&b, "name", hclString(s.Name))
			attribute(&b, "type", hclString(s.Type))
			if s.Description != "" {
				attribute(&b, "description", hclString(s.Description))
			}
			fmt.Fprintf(&b, "  query {\n    numerator = %s\n    denominator = %s\n  }\n", hclString(s.Query.Numerator), hclString(s.Query.Denominator))
			for _, t := range s.Thresholds {
				fmt.Fprintf(&b, "  thresholds {\n    timeframe = %s\n    target = %s\n  }\n", hclString(t.Timeframe), number(t.Target))
			}
			attribute(&b, "tags", hclList(s.Tags))
			b.WriteString("}\n")
			for i, m := range o.Monitors {
				ref := "${datadog_service_level_objective." + o.Key + ".id}"
				fmt.Fprintf(&b, "\nresource \"datadog_monitor\" %s {\n", hclString(o.Key+"_"+strconv.Itoa(i+1)))
				attribute(&b, "name", hclString(m.Name))
				attribute(&b, "type", hclString(m.Type))
				attribute(&b, "query", `"`+hclEscape(m.before)+ref+hclEscape(m.after)+`"`)
				attribute(&b, "message", hclString(m.Message))
				fmt.Fprintf(&b, "  monitor_thresholds {\n    critical = %s\n  }\n", number(m.Options.Thresholds.Critical))
				attribute(&b, "tags", hclList(m.Tags))
				b.WriteString("}\n")
			}
		}
	}
	return alignAttributes(b.Bytes()), nil
}

var attributeLine = regexp.MustCompile(`^(\s+)([a-z_]+) = `)

// alignAttributes aligns the = of consecutive attributes at one indent,
// as terraform fmt does, so that the file is committed as fmt leaves it.
func alignAttributes(text []byte) []byte {
	lines := strings.Split(string(text), "\n")
	for i := 0; i < len(lines); {
		m := attributeLine.FindStringSubmatch(lines[i])
		if m == nil {
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(lines); j++ {
			n := attributeLine.FindStringSubmatch(lines[j])
			if n == nil || n[1] != m[1] {
				break
			}
			width = max(width, len(n[2]))
		}
		for k := i; k < j; k++ {
			n := attributeLine.FindStringSubmatch(lines[k])
			lines[k] = n[1] + n[2] + strings.Repeat(" ", width-len(n[2])) + " = " + lines[k][len(n[0]):]
		}
		i = j
	}
	return []byte(strings.Join(lines, "\n"))
}

func attribute(b *bytes.Buffer, name, value string) { fmt.Fprintf(b, "  %s = %s\n", name, value) }

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// hclString is s as a quoted HCL string: no interpolation or directive
// in it is evaluated.
func hclString(s string) string { return `"` + hclEscape(s) + `"` }

func hclEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{").Replace(s)
}

func hclList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = hclString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
