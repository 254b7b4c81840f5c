package slo

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/series"
)

// MaxNameLength bounds service and SLO names: they name files (the rules
// SERVICE.yaml, the dashboards SERVICE.SLO.json), and a file name has at
// most 255 bytes on common file systems.
const MaxNameLength = 100

// ValidName reports whether name is a valid service or SLO name: what a
// spec may give, and so what slokit serve accepts in a request or from a
// backend (a name with a NUL byte, say, would reach file names, logs and
// PostgreSQL, which refuses it).
func ValidName(name string) bool {
	return len(name) <= MaxNameLength && namePattern.MatchString(name)
}

func (c *converter) checkName(path, name string) {
	switch {
	case name == "":
		c.Fail(path, "missing: a name is required")
	case len(name) > MaxNameLength:
		c.Fail(path, "a name of %d characters is too long: at most %d, since names become file names", len(name), MaxNameLength)
	case !namePattern.MatchString(name):
		c.Fail(path, "%q is not a valid name: use letters, digits, '.', '_' and '-', starting and ending with a letter or digit", name)
	}
}

func (c *converter) checkLabelName(path, name string) bool {
	if !model.LabelName(name).IsValidLegacy() || strings.HasPrefix(name, "__") {
		c.Fail(path, "%q is not a valid label name", name)
		return false
	}
	if series.IsReserved(name) {
		hint := ""
		if name == series.SeverityLabel {
			hint = "; set its value with alerting.page.severity and alerting.ticket.severity"
		}
		if strings.Contains(path, ".grouping[") {
			hint = fmt.Sprintf("; to group by the raw series' %s label, read it under another name: renameLabels: {%s: exported_%s}, and group by exported_%s", name, name, name, name)
		}
		c.Fail(path, "label %q is set by slokit and cannot be used here (reserved: %s)%s", name, strings.Join(series.ReservedLabels(), ", "), hint)
		return false
	}
	return true
}

// checkLabels checks the label names of a service or an SLO; their
// values are literal text (see LiteralTemplate).
func (c *converter) checkLabels(path string, ls map[string]string) {
	for _, k := range sortedKeys(ls) {
		c.checkLabelName(strictyaml.JoinPath(path, k), k)
	}
}

// checkAlertLabels checks alerting labels: names, and values as the
// Prometheus templates they are.
func (c *converter) checkAlertLabels(path string, ls map[string]string) {
	for _, k := range sortedKeys(ls) {
		p := strictyaml.JoinPath(path, k)
		c.checkLabelName(p, k)
		c.checkTemplate(p, ls[k])
	}
}

// checkAnnotations checks annotation names, and values as Prometheus
// templates.
func (c *converter) checkAnnotations(path string, as map[string]string) {
	for _, k := range sortedKeys(as) {
		p := strictyaml.JoinPath(path, k)
		if !model.LabelName(k).IsValidLegacy() {
			c.Fail(p, "%q is not a valid annotation name", k)
		}
		c.checkTemplate(p, as[k])
	}
}

// checkSeverityValue checks a severity label value: literal text that
// Alertmanager routes match, so no template and no surrounding space.
func (c *converter) checkSeverityValue(path, v string) {
	if !model.LabelValue(v).IsValid() || strings.TrimSpace(v) != v || strings.Contains(v, "{{") || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		c.Fail(path, "%q is not a severity value: write literal text such as critical or warning", v)
	}
}

func (c *converter) checkTemplate(path, text string) {
	if err := checkTemplate(text); err != nil {
		c.Fail(path, "not a valid Prometheus template (%v): Prometheus would refuse the rule file; write {{ \"{{\" }} for a literal {{", err)
	}
}
