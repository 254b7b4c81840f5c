// Package datadog writes SLOs as Datadog metric SLOs with burn-rate
// monitors matching slokit's tiers, for teams whose metrics are in
// Datadog: as API request bodies (JSON) and as Terraform. A Datadog SLI
// gives its queries; a ratio SLI over Prometheus counters is translated
// when its selectors have exact Datadog tag filters.
package datadog

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/slo"
)

// SLOIDPlaceholder stands, in an API monitor's query, for the id Datadog
// gives the SLO when it is created: replace it before creating the
// monitor. Terraform refers to the resource instead.
const SLOIDPlaceholder = "SLO_ID"

// Objective is one Datadog SLO (a slokit objective: Datadog gives an SLO
// one target a timeframe) and its monitors.
type Objective struct {
	// Key names the objective's Terraform resources and files: letters,
	// digits and _.
	Key      string
	SLO      SLORequest
	Monitors []Monitor
}

// SLORequest is the body of Datadog's "create an SLO" request (POST
// /api/v1/slo) for a metric SLO.
type SLORequest struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Description string      `json:"description,omitempty"`
	Query       SLOQuery    `json:"query"`
	Thresholds  []Threshold `json:"thresholds"`
	Timeframe   string      `json:"timeframe"`
	Target      float64     `json:"target_threshold"`
	Tags        []string    `json:"tags,omitempty"`
}

// SLOQuery is a metric SLO's good and total events.
type SLOQuery struct {
	Numerator   string `json:"numerator"`
	Denominator string `json:"denominator"`
}

// Threshold is a metric SLO's target over a timeframe.
type Threshold struct {
	Timeframe string  `json:"timeframe"`
	Target    float64 `json:"target"`
}

// Monitor is the body of Datadog's "create a monitor" request (POST
// /api/v1/monitor) for an SLO alert: a burn rate over two windows, or a
// share of the error budget spent.
type Monitor struct {
	Name    string         `json:"name"`
	Type    string         `json:"type"`
	Query   string         `json:"query"`
	Message string         `json:"message"`
	Tags    []string       `json:"tags,omitempty"`
	Options MonitorOptions `json:"options"`
	// threshold and the query's text before the SLO's id, after it, for
	// Terraform to put a reference in between.
	before, after string
	threshold     float64
}

// MonitorOptions are a monitor's thresholds.
type MonitorOptions struct {
	Thresholds MonitorThresholds `json:"thresholds"`
}

// MonitorThresholds are the values at which a monitor alerts.
type MonitorThresholds struct {
	Critical float64 `json:"critical"`
}

// Objectives are an SLO's Datadog SLOs and monitors, or why it cannot be
// written: its SLI is neither a Datadog one nor a ratio with an exact
// translation, or Datadog has no place for what it says.
func Objectives(s *slo.SLO) ([]Objective, error) {
	query, err := queryOf(s)
	if err != nil {
		return nil, err
	}
	if s.Calendar != nil || !slices.Contains(slo.DatadogPeriods, s.Period) {
		period := "calendar-" + s.BudgetWindow()
		if s.Calendar == nil {
			period = window(s.Period)
			if s.Period%(24*time.Hour) == 0 {
				period = strconv.Itoa(int(s.Period/(24*time.Hour))) + "d"
			}
		}
		return nil, fmt.Errorf("a Datadog SLO's period is 7d, 30d or 90d, not %s", period)
	}
	if len(s.Grouping) > 0 {
		return nil, errors.New("a grouped SLO is not translated: give it as a Datadog SLI with its queries")
	}
	// What Datadog's SLOs and monitors have no place for is refused, not
	// dropped: the monitors would page otherwise than the spec says.
	if len(s.Maintenance) > 0 {
		return nil, errors.New("Datadog's SLOs leave no maintenance windows out: keep them as Datadog downtimes, and out of the spec")
	}
	if s.Alerting.MinEvents != nil {
		return nil, errors.New("Datadog's burn-rate monitors have no traffic guard (alerting.minEvents)")
	}
	for _, t := range s.Alerting.Tiers {
		if t.For > 0 {
			return nil, fmt.Errorf("Datadog's burn-rate monitors have no for: the %s tier over %s sets %s", t.Severity, model.Duration(t.Long), model.Duration(t.For))
		}
	}
	timeframe := strconv.Itoa(int(s.Period/(24*time.Hour))) + "d"
	var out []Objective
	for _, o := range s.Objectives {
		key := Key(s.Service + "_" + s.Name)
		name := s.Service + "/" + s.Name
		if len(s.Objectives) > 1 {
			key += "_" + Key(o.Label())
			name += " (" + o.Label() + "%)"
		}
		target := o.Target
		req := SLORequest{Name: name, Type: "metric", Description: s.Description, Query: query,
			Thresholds: []Threshold{{Timeframe: timeframe, Target: target}}, Timeframe: timeframe, Target: target, Tags: tags(s, nil)}
		out = append(out, Objective{Key: key, SLO: req, Monitors: monitors(s, o, timeframe)})
	}
	return out, nil
}

// monitors are an objective's burn-rate monitors, one a tier, and its
// budget monitors, one a share spent.
func monitors(s *slo.SLO, o slo.Objective, timeframe string) []Monitor {
	var out []Monitor
	a := s.Alerting
	for _, t := range a.Tiers {
		factor := strconv.FormatFloat(burnrate.Clean(t.Factor), 'f', -1, 64)
		after := fmt.Sprintf(`").over("%s").long_window("%s").short_window("%s") > %s`, timeframe, window(t.Long), window(t.Short), factor)
		out = append(out, Monitor{
			Name:      fmt.Sprintf("%s/%s %s%%: burning %sx over %s and %s", s.Service, s.Name, o.Label(), factor, window(t.Long), window(t.Short)),
			Type:      "slo alert",
			before:    `burn_rate("`,
			after:     after,
			threshold: burnrate.Clean(t.Factor),
			Message:   message(s, t.Severity, fmt.Sprintf("The error budget of %s/%s (%s%% over %s) burns at %sx the even pace or more over %s and %s.", s.Service, s.Name, o.Label(), timeframe, factor, window(t.Long), window(t.Short))),
			Tags:      tags(s, &t.Severity),
		})
	}
	budget := a.Budget
	for _, spent := range budget.Spent {
		share := strconv.FormatFloat(spent, 'f', -1, 64)
		sev := budget.Severity
		out = append(out, Monitor{
			Name:      fmt.Sprintf("%s/%s %s%%: %s%% of the error budget spent", s.Service, s.Name, o.Label(), share),
			Type:      "slo alert",
			before:    `error_budget("`,
			after:     fmt.Sprintf(`").over("%s") > %s`, timeframe, share),
			threshold: spent,
			Message:   message(s, sev, fmt.Sprintf("%s/%s has spent %s%% of its error budget over %s.", s.Service, s.Name, share, timeframe)),
			Tags:      tags(s, &sev),
		})
	}
	for i := range out {
		out[i].Query = out[i].before + SLOIDPlaceholder + out[i].after
		out[i].Options.Thresholds.Critical = out[i].threshold
	}
	return out
}

// message is a monitor's notification text: what burns, and the runbook.
func message(s *slo.SLO, sev burnrate.Severity, what string) string {
	lines := []string{what}
	if s.Description != "" {
		lines = append(lines, s.Description)
	}
	if s.Alerting.Runbook != "" {
		lines = append(lines, "Runbook: "+s.Alerting.Runbook)
	}
	lines = append(lines, "Severity: "+s.Alerting.SeverityValue(sev)+" (generated by slokit from the SLO's spec)")
	return strings.Join(lines, "\n")
}

// tags are the SLO's labels as Datadog tags (key:value), with its service
// and name, and for a monitor its severity and the severity's labels.
func tags(s *slo.SLO, sev *burnrate.Severity) []string {
	labels := map[string]string{"service": s.Service, "slo": s.Name}
	maps.Copy(labels, s.Labels)
	if sev != nil {
		maps.Copy(labels, s.Alerting.Labels)
		maps.Copy(labels, s.Alerting.Severities[*sev].Labels)
		labels["severity"] = s.Alerting.SeverityValue(*sev)
	}
	out := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		out = append(out, strings.ToLower(k+":"+labels[k]))
	}
	return out
}

// window is a window as Datadog's burn-rate queries write it: minutes
// or hours.
func window(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}

var keyChars = regexp.MustCompile(`[^a-z0-9_]+`)

// Key is s as a Terraform resource name: lower case, letters, digits and
// _, starting with a letter.
func Key(s string) string {
	k := strings.Trim(keyChars.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		k = "slo_" + k
	}
	return k
}

// queryOf is the SLO's good and total events as Datadog queries.
func queryOf(s *slo.SLO) (SLOQuery, error) {
	switch s.SLI.Kind {
	case slo.Datadog:
		return SLOQuery{Numerator: s.SLI.Datadog.Good, Denominator: s.SLI.Datadog.Total}, nil
	case slo.Ratio:
		total, err := translate(s.SLI.Total)
		if err != nil {
			return SLOQuery{}, err
		}
		if s.SLI.Good != nil {
			good, err := translate(s.SLI.Good)
			return SLOQuery{Numerator: good, Denominator: total}, err
		}
		bad, err := translate(s.SLI.Errors)
		return SLOQuery{Numerator: total + " - " + bad, Denominator: total}, err
	}
	return SLOQuery{}, fmt.Errorf("a %s SLI has no Datadog translation: give it as a Datadog SLI (sli.datadog) with its queries", s.SLI.Kind)
}

// literal is a label value or regex alternative a Datadog tag filter can
// hold as it is.
var literal = regexp.MustCompile(`^[A-Za-z0-9_./:-]+$`)

// translate is a counter selector as a Datadog query of its increase,
// sum:metric{tags}.as_count(), when each matcher has an exact tag filter:
// equal and not equal, a regex of literal alternatives (IN, NOT IN) or of
// a literal prefix (prefix*).
func translate(sel *slo.Selector) (string, error) {
	var filters []string
	in := false
	for _, m := range sel.Matchers {
		if m.Name == model.MetricNameLabel {
			continue
		}
		f, usesIn, err := tagFilter(m.Name, m.Type.String(), m.Value)
		if err != nil {
			return "", fmt.Errorf("%s: %w: give the SLI as a Datadog SLI (sli.datadog) with its queries", sel.Text, err)
		}
		in = in || usesIn
		filters = append(filters, f)
	}
	if sel.Name == "" {
		return "", fmt.Errorf("%s: a selector without a metric name has no Datadog translation", sel.Text)
	}
	scope := "*"
	if len(filters) > 0 {
		sep := ","
		if in {
			// IN filters join with AND, not commas.
			sep = " AND "
		}
		scope = strings.Join(filters, sep)
	}
	return "sum:" + sel.Name + "{" + scope + "}.as_count()", nil
}

// tagFilter is one matcher as a Datadog tag filter, and whether it uses
// IN; tags are lower case in Datadog.
func tagFilter(name, op, value string) (string, bool, error) {
	key := strings.ToLower(name)
	value = strings.ToLower(value)
	switch op {
	case "=", "!=":
		if !literal.MatchString(value) {
			return "", false, fmt.Errorf("label %s %s %q has no Datadog tag filter", name, op, value)
		}
		if op == "!=" {
			return "!" + key + ":" + value, false, nil
		}
		return key + ":" + value, false, nil
	}
	negate := op == "!~"
	if prefix, ok := strings.CutSuffix(value, ".*"); ok && literal.MatchString(prefix) && !strings.Contains(prefix, ".") {
		if negate {
			return "!" + key + ":" + prefix + "*", false, nil
		}
		return key + ":" + prefix + "*", false, nil
	}
	alternatives := strings.Split(value, "|")
	for _, a := range alternatives {
		if !literal.MatchString(a) || strings.Contains(a, ".") {
			return "", false, fmt.Errorf("regex %s%s%q has no exact Datadog tag filter", name, op, value)
		}
	}
	if negate {
		return key + " NOT IN (" + strings.Join(alternatives, ",") + ")", true, nil
	}
	return key + " IN (" + strings.Join(alternatives, ",") + ")", true, nil
}
