package importer

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo/schema"
)

// Sloth's two spec shapes: the prometheus/v1 file and the Kubernetes
// PrometheusServiceLevel, whose spec is the same with camelCase keys.

type slothFile struct {
	Version    string            `yaml:"version"`
	Service    string            `yaml:"service"`
	Labels     map[string]string `yaml:"labels"`
	SLOPlugins *slothPluginChain `yaml:"slo_plugins"`
	SLOs       []slothSLO        `yaml:"slos"`
}

// slothPluginChain is a chain of Sloth SLO plugins (Sloth 0.12 and later),
// for every SLO of a spec or for one. slokit runs no Sloth plugins: a
// chain is read so that it can be reported as not carried over.
type slothPluginChain struct {
	OverridePrevious bool          `yaml:"overridePrevious"`
	Chain            []slothPlugin `yaml:"chain"`
}

type slothSLO struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   *float64          `yaml:"objective"`
	Labels      map[string]string `yaml:"labels"`
	Plugins     *slothPluginChain `yaml:"plugins"`
	SLI         *struct {
		Raw *struct {
			ErrorRatioQuery string `yaml:"error_ratio_query"`
		} `yaml:"raw"`
		Events *struct {
			ErrorQuery string `yaml:"error_query"`
			TotalQuery string `yaml:"total_query"`
		} `yaml:"events"`
		Plugin *slothPlugin `yaml:"plugin"`
	} `yaml:"sli"`
	Alerting *struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
		PageAlert   *slothAlert       `yaml:"page_alert"`
		TicketAlert *slothAlert       `yaml:"ticket_alert"`
	} `yaml:"alerting"`
}

// slothPlugin is an SLI plugin (id and options) or an SLO plugin in a
// chain (id, priority and config, any YAML).
type slothPlugin struct {
	ID       string            `yaml:"id"`
	Options  map[string]string `yaml:"options"`
	Priority int               `yaml:"priority"`
	Config   *yaml.Node        `yaml:"config"`
}

type slothAlert struct {
	Disable     bool              `yaml:"disable"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type slothCRD struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Service    string            `yaml:"service"`
		Labels     map[string]string `yaml:"labels"`
		SLOPlugins *slothPluginChain `yaml:"sloPlugins"`
		SLOs       []slothCRDSLO     `yaml:"slos"`
	} `yaml:"spec"`
}

type slothCRDSLO struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   *float64          `yaml:"objective"`
	Labels      map[string]string `yaml:"labels"`
	Plugins     *slothPluginChain `yaml:"plugins"`
	SLI         *struct {
		Raw *struct {
			ErrorRatioQuery string `yaml:"errorRatioQuery"`
		} `yaml:"raw"`
		Events *struct {
			ErrorQuery string `yaml:"errorQuery"`
			TotalQuery string `yaml:"totalQuery"`
		} `yaml:"events"`
		Plugin *slothPlugin `yaml:"plugin"`
	} `yaml:"sli"`
	Alerting *struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
		PageAlert   *slothAlert       `yaml:"pageAlert"`
		TicketAlert *slothAlert       `yaml:"ticketAlert"`
	} `yaml:"alerting"`
}

// slothView is what the translation needs of an SLO beyond the nodes it
// copies, whichever shape it was read from.
type slothView struct {
	hasSLI                 bool
	raw                    *string
	events                 *[2]string // error query, total query
	plugin                 *slothPlugin
	sloPlugins             *slothPluginChain
	alerting               bool
	pageAlert, ticketAlert *slothAlert
}

func (s slothSLO) view() slothView {
	v := slothView{hasSLI: s.SLI != nil, alerting: s.Alerting != nil, sloPlugins: s.Plugins}
	if s.SLI != nil {
		if s.SLI.Raw != nil {
			v.raw = &s.SLI.Raw.ErrorRatioQuery
		}
		if s.SLI.Events != nil {
			v.events = &[2]string{s.SLI.Events.ErrorQuery, s.SLI.Events.TotalQuery}
		}
		v.plugin = s.SLI.Plugin
	}
	if s.Alerting != nil {
		v.pageAlert, v.ticketAlert = s.Alerting.PageAlert, s.Alerting.TicketAlert
	}
	return v
}

func (s slothCRDSLO) view() slothView {
	v := slothView{hasSLI: s.SLI != nil, alerting: s.Alerting != nil, sloPlugins: s.Plugins}
	if s.SLI != nil {
		if s.SLI.Raw != nil {
			v.raw = &s.SLI.Raw.ErrorRatioQuery
		}
		if s.SLI.Events != nil {
			v.events = &[2]string{s.SLI.Events.ErrorQuery, s.SLI.Events.TotalQuery}
		}
		v.plugin = s.SLI.Plugin
	}
	if s.Alerting != nil {
		v.pageAlert, v.ticketAlert = s.Alerting.PageAlert, s.Alerting.TicketAlert
	}
	return v
}

// warnPlugins reports a chain of Sloth SLO plugins as not carried over.
func warnPlugins(d *strictyaml.Document, path string, c *slothPluginChain) {
	if c == nil {
		return
	}
	var ids []string
	for _, p := range c.Chain {
		ids = append(ids, p.ID)
	}
	d.Warn(path, "not carried over: slokit generates its own rules and runs no Sloth plugins (dropped chain: %s)", strings.Join(ids, ", "))
}

// slothKeys are the key names that differ between the two shapes.
type slothKeys struct {
	prefix                             string // "" or "spec."
	errorRatio, errorQuery, totalQuery string
	pageAlert, ticketAlert             string
}

// slothWindow is Sloth's template for the range of every window.
const slothWindow = "{{.window}}"

// translateSloth reads a Sloth spec into a native one. Sloth's 30-day
// default period and its alert windows and factors are slokit's defaults,
// so the generated alerts match what Sloth would generate.
func translateSloth(root *yaml.Node, format Format) ([]Document, diag.Diagnostics) {
	var (
		d    *strictyaml.Document
		slos []slothView
		keys slothKeys
	)
	if format == FormatSloth {
		var f slothFile
		d = strictyaml.Decode(root, &f)
		for _, s := range f.SLOs {
			slos = append(slos, s.view())
		}
		warnPlugins(d, "slo_plugins", f.SLOPlugins)
		keys = slothKeys{errorRatio: "error_ratio_query", errorQuery: "error_query", totalQuery: "total_query", pageAlert: "page_alert", ticketAlert: "ticket_alert"}
	} else {
		var c slothCRD
		d = strictyaml.Decode(root, &c)
		if c.Kind != "PrometheusServiceLevel" {
			d.Fail("kind", "must be PrometheusServiceLevel for apiVersion sloth.slok.dev/v1, got %q", c.Kind)
		}
		for _, s := range c.Spec.SLOs {
			slos = append(slos, s.view())
		}
		warnPlugins(d, "spec.sloPlugins", c.Spec.SLOPlugins)
		if c.Metadata.Namespace != "" {
			d.Warn("metadata.namespace", "not carried over: apply slokit's PrometheusRule in the namespace you choose (kubectl apply -n)")
		}
		for _, k := range []string{"labels", "annotations"} {
			if d.Has("metadata." + k) {
				d.Warn("metadata."+k, "not carried over: the %s of the Kubernetes object select or describe it; slokit's PrometheusRule carries app.kubernetes.io/managed-by: slokit", k)
			}
		}
		keys = slothKeys{prefix: "spec.", errorRatio: "errorRatioQuery", errorQuery: "errorQuery", totalQuery: "totalQuery", pageAlert: "pageAlert", ticketAlert: "ticketAlert"}
	}
	if d.TooLarge() {
		return nil, d.Diags
	}
	// Required in Sloth too; said here in Sloth's terms.
	if !d.Has(keys.prefix + "service") {
		d.Fail(keys.prefix+"service", "missing: a Sloth spec names its service")
	}
	if len(slos) == 0 {
		d.Fail(keys.prefix+"slos", "missing: a Sloth spec needs at least one SLO")
	}
	top := root
	if top.Kind == yaml.DocumentNode && len(top.Content) > 0 {
		top = top.Content[0]
	}
	n := nodes{src: d, top: top}
	p := keys.prefix
	out := n.header()
	set(out, schema.KeyService, n.copyOf(p+"service"))
	set(out, schema.KeyLabels, slothLabels(n, d, p+"labels", false))
	list := n.sequence(p + "slos")
	for i, s := range slos {
		path := fmt.Sprintf("%sslos[%d]", p, i)
		warnPlugins(d, path+".plugins", s.sloPlugins)
		slo := n.mapping(path)
		set(slo, schema.KeyName, n.copyOf(path+".name"))
		set(slo, schema.KeyDescription, n.copyOf(path+".description"))
		set(slo, schema.KeyObjective, n.copyOf(path+".objective"))
		set(slo, schema.KeyLabels, slothLabels(n, d, path+".labels", false))
		set(slo, schema.KeySli, slothSLI(n, d, s, path, keys))
		set(slo, schema.KeyAlerting, slothAlerting(n, s, path, keys))
		list.Content = append(list.Content, slo)
	}
	if len(list.Content) > 0 {
		set(out, schema.KeySlos, list)
	}
	return []Document{{Format: format, Root: out}}, d.Diags
}

// slothSLI translates an SLI. Events whose queries are both
// sum(rate(SELECTOR[{{.window}}])) become a ratio SLI on the selectors,
// and a histogram's count minus one bucket over its count a latency SLI,
// which slokit evaluates cheaply and guards against low traffic; any other
// events and raw SLIs become a raw SLI with {{.window}} as $window.
func slothSLI(n nodes, d *strictyaml.Document, s slothView, path string, keys slothKeys) *yaml.Node {
	sliPath := path + ".sli"
	if !s.hasSLI {
		return nil // the native validation says an SLI is missing
	}
	out := n.mapping(sliPath)
	switch {
	case s.plugin != nil:
		d.Fail(sliPath+".plugin", "Sloth SLI plugin %q cannot be imported: slokit does not run Sloth's Go plugins; write the SLI as events or raw queries", s.plugin.ID)
		return nil
	case s.events != nil:
		ev := sliPath + ".events"
		errSel, okErr := slothRateSelector(s.events[0])
		totalSel, okTotal := slothRateSelector(s.events[1])
		if okErr && okTotal {
			ratio := n.mapping(ev)
			set(ratio, schema.KeyErrors, n.str(ev+"."+keys.errorQuery, errSel))
			set(ratio, schema.KeyTotal, n.str(ev+"."+keys.totalQuery, totalSel))
			set(out, schema.KeyRatio, ratio)
			return out
		}
		if hist, threshold, ok := slothLatency(s.events[0], s.events[1]); ok {
			lat := n.mapping(ev)
			set(lat, schema.KeyHistogram, n.str(ev+"."+keys.errorQuery, hist))
			set(lat, schema.KeyThreshold, n.str(ev+"."+keys.errorQuery, threshold))
			set(out, schema.KeyLatency, lat)
			return out
		}
		raw := n.mapping(ev)
		expr := "(" + s.events[0] + ") / (" + s.events[1] + ")"
		set(raw, schema.KeyErrorRatio, n.str(ev+"."+keys.errorQuery, strings.ReplaceAll(expr, slothWindow, schema.WindowPlaceholder)))
		set(out, schema.KeyRaw, raw)
	case s.raw != nil:
		rp := sliPath + ".raw"
		raw := n.mapping(rp)
		set(raw, schema.KeyErrorRatio, n.str(rp+"."+keys.errorRatio, strings.ReplaceAll(*s.raw, slothWindow, schema.WindowPlaceholder)))
		set(out, schema.KeyRaw, raw)
	}
	return out
}

// slothRateSelector returns SELECTOR when query is exactly
// sum(rate(SELECTOR[{{.window}}])) (or increase), the shape of most Sloth
// event queries.
func slothRateSelector(query string) (string, bool) {
	if strings.Count(query, slothWindow) != 1 {
		return "", false
	}
	q, ok := parseWindowed(query, slothWindow)
	if !ok {
		return "", false
	}
	vs, ok := summedRate(q.expr, q.templated)
	if !ok {
		return "", false
	}
	// As written, matchers in the user's order; the selector comes before
	// the range, so positions are those of the original query.
	return q.text[vs.PosRange.Start:vs.PosRange.End], true
}

// slothLatency recognises the latency SLI Sloth users write as events:
// errors sum(rate(H_count[w])) - sum(rate(H_bucket{le="X"}[w])) over total
// sum(rate(H_count[w])), with the same matchers, and returns the bucket
// selector and the threshold X for a latency SLI.
func slothLatency(errorQuery, totalQuery string) (histogram, threshold string, ok bool) {
	errQ, ok1 := parseWindowed(errorQuery, slothWindow)
	totalQ, ok2 := parseWindowed(totalQuery, slothWindow)
	if !ok1 || !ok2 {
		return "", "", false
	}
	sub, ok := unparen(errQ.expr).(*parser.BinaryExpr)
	if !ok || sub.Op != parser.SUB || sub.VectorMatching != nil && (len(sub.VectorMatching.MatchingLabels) > 0 || sub.VectorMatching.Card != parser.CardOneToOne) {
		return "", "", false
	}
	count, okCount := summedRate(sub.LHS, errQ.templated)
	bucket, okBucket := summedRate(sub.RHS, errQ.templated)
	total, okTotal := summedRate(totalQ.expr, totalQ.templated)
	if !okCount || !okBucket || !okTotal || count.String() != total.String() {
		return "", "", false
	}
	return histogramBucketAndCount(bucket.String(), count.String())
}

// slothLabels copies a label map without the labels slokit sets itself,
// warning about each one dropped. A page or ticket alert's severity label
// is not among them when carried is set: slothAlerting carries it over as
// the severity's value, so the team's Alertmanager routes keep matching.
func slothLabels(n nodes, d *strictyaml.Document, path string, carried bool) *yaml.Node {
	src := n.copyOf(path)
	if src == nil || src.Kind != yaml.MappingNode {
		return src
	}
	out := *src
	out.Content = nil
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		if k.Value == series.SeverityLabel && carried {
			continue
		}
		if series.IsReserved(k.Value) {
			hint := ""
			if k.Value == "severity" {
				hint = " (set it on page_alert and ticket_alert, whose severity labels are carried over)"
			}
			d.Warn(path+"."+k.Value, "label %s=%s not carried over: slokit sets %s itself%s", k.Value, v.Value, k.Value, hint)
			continue
		}
		out.Content = append(out.Content, k, v)
	}
	if len(out.Content) == 0 {
		return nil
	}
	return &out
}

// slothAlerting translates the alerting block: name, labels and
// annotations, and each severity's labels, annotations and disable.
func slothAlerting(n nodes, s slothView, path string, keys slothKeys) *yaml.Node {
	if !s.alerting {
		return nil
	}
	ap := path + ".alerting"
	out := n.mapping(ap)
	set(out, schema.KeyName, n.copyOf(ap+".name"))
	set(out, schema.KeyLabels, slothLabels(n, n.src, ap+".labels", false))
	set(out, schema.KeyAnnotations, n.copyOf(ap+".annotations"))
	var pageSeverity string
	for _, sev := range []struct {
		native, key string
		alert       *slothAlert
	}{{"page", keys.pageAlert, s.pageAlert}, {"ticket", keys.ticketAlert, s.ticketAlert}} {
		if sev.alert == nil {
			continue
		}
		sp := ap + "." + sev.key
		m := n.mapping(sp)
		if sev.alert.Disable {
			set(m, schema.KeyDisabled, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true", Line: n.at(sp + ".disable").Line, Column: n.at(sp + ".disable").Column})
		}
		carried := false
		if v := strictyaml.MappingValue(n.copyOf(sp+".labels"), series.SeverityLabel); v != nil && v.Kind == yaml.ScalarNode {
			switch {
			case sev.native == "page":
				pageSeverity, carried = v.Value, true
			case v.Value == pageSeverity:
				// slokit tells pages from tickets by severity.
				n.src.Warn(sp+".labels."+series.SeverityLabel, "ticket alerts keep severity=ticket: severity=%s is already the page alerts' value", v.Value)
				carried = true
				v = nil
			default:
				carried = true
			}
			set(m, schema.KeySeverity, v)
		}
		set(m, schema.KeyLabels, slothLabels(n, n.src, sp+".labels", carried))
		set(m, schema.KeyAnnotations, n.copyOf(sp+".annotations"))
		if len(m.Content) > 0 {
			set(out, sev.native, m)
		}
	}
	return out
}
