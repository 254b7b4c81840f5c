package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo/schema"
)

// Pyrra's ServiceLevelObjective, pyrra.dev/v1alpha1.
type pyrraSLO struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Description string               `yaml:"description"`
		Target      string               `yaml:"target"`
		Window      *strictyaml.Duration `yaml:"window"`
		Indicator   struct {
			Ratio *struct {
				Errors   pyrraQuery `yaml:"errors"`
				Total    pyrraQuery `yaml:"total"`
				Grouping []string   `yaml:"grouping"`
			} `yaml:"ratio"`
			Latency *struct {
				Success  pyrraQuery `yaml:"success"`
				Total    pyrraQuery `yaml:"total"`
				Grouping []string   `yaml:"grouping"`
			} `yaml:"latency"`
			LatencyNative *struct {
				Total    pyrraQuery           `yaml:"total"`
				Latency  *strictyaml.Duration `yaml:"latency"`
				Grouping []string             `yaml:"grouping"`
			} `yaml:"latencyNative"`
			BoolGauge *struct {
				Metric   string   `yaml:"metric"`
				Grouping []string `yaml:"grouping"`
			} `yaml:"bool_gauge"`
		} `yaml:"indicator"`
		Alerting                *pyrraAlertingSpec `yaml:"alerting"`
		PartialResponseStrategy string             `yaml:"partial_response_strategy"`
	} `yaml:"spec"`
}

type pyrraAlertingSpec struct {
	Disabled   *bool  `yaml:"disabled"`
	Burnrates  *bool  `yaml:"burnrates"`
	Absent     *bool  `yaml:"absent"`
	Name       string `yaml:"name"`
	AbsentName string `yaml:"absentName"`
}

type pyrraQuery struct {
	Metric string `yaml:"metric"`
}

// pyrraPrefix marks the labels and annotations Pyrra puts on its rules
// and alerts, without the prefix.
const pyrraPrefix = "pyrra.dev/"

// translatePyrra reads a Pyrra ServiceLevelObjective into a native spec of
// one service and one SLO, both named after the object. Pyrra's window is
// the period, its alert windows and factors are written out as explicit
// tiers, and pyrra.dev/ labels and annotations become the SLO's labels and
// its alerts' annotations.
func translatePyrra(root *yaml.Node) ([]Document, diag.Diagnostics) {
	var in pyrraSLO
	d := strictyaml.Decode(root, &in)
	if d.TooLarge() {
		return nil, d.Diags
	}
	if in.Kind != "ServiceLevelObjective" {
		d.Fail("kind", "must be ServiceLevelObjective for apiVersion pyrra.dev/v1alpha1, got %q", in.Kind)
	}
	if in.Metadata.Name == "" {
		d.Fail("metadata.name", "missing: the ServiceLevelObjective's name names the imported service and SLO")
	}
	if _, err := strconv.ParseFloat(in.Spec.Target, 64); err != nil {
		d.Fail("spec.target", "must be the objective in percent as a string, such as \"99.9\"; got %q", in.Spec.Target)
	}
	if in.Spec.Window == nil {
		d.Fail("spec.window", "missing: the SLO's window, such as 4w")
	}
	n := nodes{src: d, top: d.Node("")}
	out := n.header()
	set(out, schema.KeyService, n.copyOf("metadata.name"))

	slo := n.mapping("spec")
	set(slo, schema.KeyName, n.copyOf("metadata.name"))
	set(slo, schema.KeyDescription, n.copyOf("spec.description"))
	if in.Spec.Target != "" {
		target := n.at("spec.target")
		set(slo, schema.KeyObjective, number(target, in.Spec.Target))
	}
	set(slo, schema.KeyPeriod, n.copyOf("spec.window"))
	set(slo, schema.KeyLabels, prefixed(n, d, "metadata.labels", "label"))
	groupingPath, sli := pyrraSLI(n, d, &in)
	grouping, renames := pyrraGrouping(n, d, groupingPath)
	set(slo, schema.KeyGrouping, grouping)
	set(slo, schema.KeyRenameLabels, renames)
	set(slo, schema.KeySli, sli)
	set(slo, schema.KeyAlerting, pyrraAlerting(n, d, &in))
	if in.Metadata.Namespace != "" {
		d.Warn("metadata.namespace", "not carried over: apply slokit's PrometheusRule in the namespace you choose (kubectl apply -n)")
	}
	if in.Spec.PartialResponseStrategy != "" {
		d.Warn("spec.partial_response_strategy", "not carried over: slokit's rule files set no Thanos partial response strategy")
	}
	list := n.sequence("spec")
	list.Content = append(list.Content, slo)
	set(out, schema.KeySlos, list)
	return []Document{{Format: FormatPyrra, Root: out}}, d.Diags
}

// number is a numeric scalar at a source node, tagged as YAML would
// resolve it, so that it is written without an explicit tag. Text that is
// no number keeps the float tag, and the native decoder says so.
func number(at *yaml.Node, text string) *yaml.Node {
	tag := "!!float"
	if _, err := strconv.ParseInt(text, 10, 64); err == nil {
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text, Line: at.Line, Column: at.Column}
}

// prefixed keeps the pyrra.dev/ entries of a metadata map without the
// prefix, and warns once about the others, which only select the object in
// Kubernetes.
func prefixed(n nodes, d *strictyaml.Document, path, what string) *yaml.Node {
	src := n.copyOf(path)
	if src == nil || src.Kind != yaml.MappingNode {
		return nil
	}
	out := n.mapping(path)
	var dropped []string
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		name, ok := strings.CutPrefix(k.Value, pyrraPrefix)
		switch {
		case !ok:
			dropped = append(dropped, k.Value+"="+v.Value)
		case what == "label" && series.IsReserved(name):
			d.Warn(path+"."+k.Value, "label %s=%s not carried over: slokit sets %s itself", name, v.Value, name)
		default:
			set(out, name, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Value, Line: v.Line, Column: v.Column})
		}
	}
	if len(dropped) > 0 {
		d.Warn(path, "%ss %s not carried over: they select the Kubernetes object; slokit's PrometheusRule carries app.kubernetes.io/managed-by: slokit (only %s %ss become the SLO's)", what, strings.Join(dropped, ", "), pyrraPrefix, what)
	}
	if len(out.Content) == 0 {
		return nil
	}
	return out
}

// pyrraGrouping copies an indicator's grouping. Pyrra's own examples group
// by labels slokit sets on what it records (service, most often): such a
// label is read from the raw series under the name Prometheus gives a
// clashing target label, exported_<label> (renameLabels), with a warning.
func pyrraGrouping(n nodes, d *strictyaml.Document, path string) (grouping, renames *yaml.Node) {
	if path == "" || !n.src.Has(path) {
		return nil, nil
	}
	grouping = n.copyOf(path)
	if grouping.Kind != yaml.SequenceNode {
		return grouping, nil
	}
	copied := *grouping
	copied.Content = slices.Clone(grouping.Content)
	for i, item := range copied.Content {
		if item.Kind != yaml.ScalarNode || !series.IsReserved(item.Value) {
			continue
		}
		renamed := "exported_" + item.Value
		if renames == nil {
			renames = n.mapping(path)
		}
		set(renames, item.Value, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: renamed, Line: item.Line, Column: item.Column})
		c := *item
		c.Value = renamed
		copied.Content[i] = &c
		d.Warn(fmt.Sprintf("%s[%d]", path, i), "label %q is one slokit sets on what it records: grouped as %s, read from the raw series' %s (renameLabels); alerts and dashboards show %s", item.Value, renamed, item.Value, renamed)
	}
	return &copied, renames
}

// pyrraSLI translates the indicator, and returns the path of its grouping.
func pyrraSLI(n nodes, d *strictyaml.Document, in *pyrraSLO) (groupingPath string, sli *yaml.Node) {
	ind := in.Spec.Indicator
	const p = "spec.indicator"
	// with is set, returning the mapping, to build nested ones inline.
	with := func(m *yaml.Node, key string, v *yaml.Node) *yaml.Node { set(m, key, v); return m }
	count := 0
	for _, present := range []bool{ind.Ratio != nil, ind.Latency != nil, ind.LatencyNative != nil, ind.BoolGauge != nil} {
		if present {
			count++
		}
	}
	if count != 1 {
		d.Fail(p, "needs exactly one of ratio, latency, latencyNative and bool_gauge")
		return "", nil
	}
	out := n.mapping(p)
	switch {
	case ind.Ratio != nil:
		q := p + ".ratio"
		set(out, schema.KeyRatio, with(with(n.mapping(q), schema.KeyErrors, n.copyOf(q+".errors.metric")), schema.KeyTotal, n.copyOf(q+".total.metric")))
		return q + ".grouping", out
	case ind.Latency != nil:
		q := p + ".latency"
		if hist, threshold, ok := histogramBucketAndCount(ind.Latency.Success.Metric, ind.Latency.Total.Metric); ok {
			m := n.mapping(q)
			set(m, schema.KeyHistogram, n.str(q+".success.metric", hist))
			set(m, schema.KeyThreshold, n.str(q+".success.metric", threshold))
			set(out, schema.KeyLatency, m)
		} else {
			// Success and total are not one histogram's bucket and count:
			// count good events against total as they are.
			set(out, schema.KeyRatio, with(with(n.mapping(q), schema.KeyGood, n.copyOf(q+".success.metric")), schema.KeyTotal, n.copyOf(q+".total.metric")))
		}
		return q + ".grouping", out
	case ind.LatencyNative != nil:
		q := p + ".latencyNative"
		m := n.mapping(q)
		set(m, schema.KeyHistogram, n.copyOf(q+".total.metric"))
		set(m, schema.KeyThreshold, n.copyOf(q+".latency"))
		set(m, schema.KeyNativeHistogram, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true", Line: m.Line, Column: m.Column})
		set(out, schema.KeyLatency, m)
		return q + ".grouping", out
	default:
		q := p + ".bool_gauge"
		set(out, schema.KeyBoolGauge, with(n.mapping(q), schema.KeySelector, n.copyOf(q+".metric")))
		return q + ".grouping", out
	}
}

// pyrraAlerting writes Pyrra's alerts: its alert name, its fixed windows
// as tiers, disabled burn-rate alerts, and what slokit does not generate.
func pyrraAlerting(n nodes, d *strictyaml.Document, in *pyrraSLO) *yaml.Node {
	const p = "spec.alerting"
	out := n.mapping(p)
	a := in.Spec.Alerting
	if a == nil || a.Name == "" {
		// Pyrra's default alert name.
		set(out, schema.KeyName, n.str(p, "ErrorBudgetBurn"))
	} else {
		set(out, schema.KeyName, n.copyOf(p+".name"))
	}
	set(out, schema.KeyAnnotations, prefixed(n, d, "metadata.annotations", "annotation"))
	// Pyrra's alerts carry severity=critical and warning, which existing
	// Alertmanager routes match: slokit's keep them.
	disabled := a != nil && ((a.Disabled != nil && *a.Disabled) || (a.Burnrates != nil && !*a.Burnrates))
	for _, sev := range []struct{ native, pyrra string }{{"page", "critical"}, {"ticket", "warning"}} {
		m := n.mapping(p)
		set(m, schema.KeySeverity, n.str(p, sev.pyrra))
		if disabled {
			set(m, schema.KeyDisabled, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true", Line: m.Line, Column: m.Column})
		}
		set(out, sev.native, m)
	}
	if a == nil || a.Absent == nil || *a.Absent {
		name := "SLOMetricAbsent"
		if a != nil && a.AbsentName != "" {
			name = a.AbsentName
		}
		d.Warn(p, "Pyrra's absent alert (%s) is not carried over: slokit generates no alert for missing metrics; set alerting.absent: false to silence this, or keep an absent() alert of your own", name)
	}
	if in.Spec.Window != nil && in.Spec.Window.Value > 0 {
		tiers := n.sequence(p)
		for _, t := range burnrate.PyrraTiers(in.Spec.Window.Value) {
			m := n.mapping(p)
			set(m, schema.KeySeverity, n.str(p, string(t.Severity)))
			set(m, schema.KeyFactor, number(m, strconv.FormatFloat(t.Factor, 'f', -1, 64)))
			set(m, schema.KeyLong, n.str(p, model.Duration(t.Long).String()))
			set(m, schema.KeyShort, n.str(p, model.Duration(t.Short).String()))
			set(m, schema.KeyFor, n.str(p, model.Duration(t.For).String()))
			tiers.Content = append(tiers.Content, m)
		}
		set(out, schema.KeyTiers, tiers)
	}
	return out
}
