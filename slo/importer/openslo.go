package importer

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/strictyaml"
)

// OpenSLO keeps an SLO's parts in separate objects (Service, SLI, SLO,
// AlertPolicy, AlertCondition, DataSource) that refer to each other by
// name, across documents and files. slokit registers every object first,
// then translates each SLO with its references resolved; the SLOs of one
// service in one file become one native spec.

func isOpenSLO(f Format) bool { return f == FormatOpenSLO || f == FormatOpenSLOV1a }

// openSLOEntry is a registered OpenSLO object.
type openSLOEntry struct {
	file string
	root *yaml.Node
}

// Registry holds every OpenSLO v1 object of the files read together, by
// kind and name, so that an SLO in one file may refer to an SLI or an
// alert policy in another. Add every file before translating any: files
// are then translated in parallel, and only read the registry.
type Registry struct {
	objects map[string]map[string][]openSLOEntry
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{objects: map[string]map[string][]openSLOEntry{}}
}

// Add registers the OpenSLO v1 objects in one file's data; file names
// them in messages. Only data that mentions OpenSLO is read: most spec
// folders hold none.
func (r *Registry) Add(file string, data []byte) {
	if !bytes.Contains(data, []byte("openslo/v1")) {
		return
	}
	_ = strictyaml.ReadDocuments(data, func(root *yaml.Node) {
		if detect(root) != FormatOpenSLO {
			return
		}
		top := root.Content[0]
		kind, name := headerValue(top, "kind").Value, ""
		if md := headerValue(top, "metadata"); md != top {
			name = headerValue(md, "name").Value
		}
		if kind == "" || name == "" {
			return
		}
		if r.objects[kind] == nil {
			r.objects[kind] = map[string][]openSLOEntry{}
		}
		r.objects[kind][name] = append(r.objects[kind][name], openSLOEntry{file: file, root: top})
	})
}

// resolve decodes the object of a kind and name into v, or says why not.
func (r *Registry) resolve(kind, name string, v any) error {
	entries := r.objects[kind][name]
	switch len(entries) {
	case 0:
		return fmt.Errorf("no %s named %q in the specs given", kind, name)
	case 1:
	default:
		var where []string
		for _, e := range entries {
			where = append(where, fmt.Sprintf("%s:%d", e.file, e.root.Line))
		}
		return fmt.Errorf("%s %q is defined %d times (%s): names must be unique", kind, name, len(entries), strings.Join(where, ", "))
	}
	d := strictyaml.Decode(entries[0].root, v)
	if err := d.Diags.Errors(); err != nil {
		return fmt.Errorf("%s %q (%s:%d) is invalid: see its own errors", kind, name, entries[0].file, entries[0].root.Line)
	}
	return nil
}

type oslMetadata struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type oslMetric struct {
	MetricSource struct {
		MetricSourceRef string            `yaml:"metricSourceRef"`
		Type            string            `yaml:"type"`
		Spec            map[string]string `yaml:"spec"`
	} `yaml:"metricSource"`
}

type oslDataSourceDoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       struct {
		Description       string            `yaml:"description"`
		Type              string            `yaml:"type"`
		ConnectionDetails map[string]string `yaml:"connectionDetails"`
	} `yaml:"spec"`
}

type oslSLISpec struct {
	Description     string     `yaml:"description"`
	ThresholdMetric *oslMetric `yaml:"thresholdMetric"`
	RatioMetric     *struct {
		Counter *bool      `yaml:"counter"`
		Good    *oslMetric `yaml:"good"`
		Bad     *oslMetric `yaml:"bad"`
		Total   *oslMetric `yaml:"total"`
		RawType string     `yaml:"rawType"`
		Raw     *oslMetric `yaml:"raw"`
	} `yaml:"ratioMetric"`
}

type oslSLIDoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       oslSLISpec  `yaml:"spec"`
}

type oslCondition struct {
	Kind           string               `yaml:"kind"`
	Op             string               `yaml:"op"`
	Threshold      *float64             `yaml:"threshold"`
	LookbackWindow *strictyaml.Duration `yaml:"lookbackWindow"`
	AlertAfter     *strictyaml.Duration `yaml:"alertAfter"`
}

type oslConditionSpec struct {
	Description string       `yaml:"description"`
	Severity    string       `yaml:"severity"`
	Condition   oslCondition `yaml:"condition"`
}

type oslConditionDoc struct {
	APIVersion string           `yaml:"apiVersion"`
	Kind       string           `yaml:"kind"`
	Metadata   oslMetadata      `yaml:"metadata"`
	Spec       oslConditionSpec `yaml:"spec"`
}

type oslPolicySpec struct {
	Description        string `yaml:"description"`
	AlertWhenNoData    *bool  `yaml:"alertWhenNoData"`
	AlertWhenResolved  *bool  `yaml:"alertWhenResolved"`
	AlertWhenBreaching *bool  `yaml:"alertWhenBreaching"`
	Conditions         []struct {
		ConditionRef string            `yaml:"conditionRef"`
		Kind         string            `yaml:"kind"`
		Metadata     oslMetadata       `yaml:"metadata"`
		Spec         *oslConditionSpec `yaml:"spec"`
	} `yaml:"conditions"`
	NotificationTargets []struct {
		TargetRef string            `yaml:"targetRef"`
		Kind      string            `yaml:"kind"`
		Metadata  oslMetadata       `yaml:"metadata"`
		Spec      map[string]string `yaml:"spec"`
	} `yaml:"notificationTargets"`
}

type oslPolicyDoc struct {
	APIVersion string        `yaml:"apiVersion"`
	Kind       string        `yaml:"kind"`
	Metadata   oslMetadata   `yaml:"metadata"`
	Spec       oslPolicySpec `yaml:"spec"`
}

type oslPolicyItem struct {
	AlertPolicyRef string         `yaml:"alertPolicyRef"`
	Kind           string         `yaml:"kind"`
	Metadata       oslMetadata    `yaml:"metadata"`
	Spec           *oslPolicySpec `yaml:"spec"`
}

type oslSLODoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       struct {
		Description string `yaml:"description"`
		Service     string `yaml:"service"`
		Indicator   *struct {
			Metadata oslMetadata `yaml:"metadata"`
			Spec     oslSLISpec  `yaml:"spec"`
		} `yaml:"indicator"`
		IndicatorRef string `yaml:"indicatorRef"`
		TimeWindow   []struct {
			Duration  string `yaml:"duration"`
			IsRolling *bool  `yaml:"isRolling"`
			Calendar  *struct {
				StartTime string `yaml:"startTime"`
				TimeZone  string `yaml:"timeZone"`
			} `yaml:"calendar"`
		} `yaml:"timeWindow"`
		BudgetingMethod string `yaml:"budgetingMethod"`
		Objectives      []struct {
			DisplayName     string               `yaml:"displayName"`
			Op              string               `yaml:"op"`
			Value           *float64             `yaml:"value"`
			Target          *float64             `yaml:"target"`
			TargetPercent   *float64             `yaml:"targetPercent"`
			TimeSliceTarget *float64             `yaml:"timeSliceTarget"`
			TimeSliceWindow *strictyaml.Duration `yaml:"timeSliceWindow"`
			CompositeWeight *float64             `yaml:"compositeWeight"`
		} `yaml:"objectives"`
		// A pointer: OpenSLO files often leave alertPolicies empty (null).
		AlertPolicies *[]oslPolicyItem `yaml:"alertPolicies"`
	} `yaml:"spec"`
}

// OpenSLO v1alpha, as Sloth reads it: objectives carry their own ratio
// queries, with Sloth's {{.window}}.
type oslAlphaQuery struct {
	Source    string `yaml:"source"`
	QueryType string `yaml:"queryType"`
	Query     string `yaml:"query"`
}

type oslAlphaSLODoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       struct {
		Service         string `yaml:"service"`
		Description     string `yaml:"description"`
		BudgetingMethod string `yaml:"budgetingMethod"`
		Objectives      []struct {
			DisplayName  string   `yaml:"displayName"`
			Target       *float64 `yaml:"target"`
			Value        *float64 `yaml:"value"`
			Op           string   `yaml:"op"`
			RatioMetrics *struct {
				Counter *bool          `yaml:"counter"`
				Good    *oslAlphaQuery `yaml:"good"`
				Bad     *oslAlphaQuery `yaml:"bad"`
				Total   *oslAlphaQuery `yaml:"total"`
			} `yaml:"ratioMetrics"`
		} `yaml:"objectives"`
		TimeWindows []struct {
			Count     *float64 `yaml:"count"`
			Unit      string   `yaml:"unit"`
			IsRolling *bool    `yaml:"isRolling"`
			Calendar  *struct {
				StartTime string `yaml:"startTime"`
				TimeZone  string `yaml:"timeZone"`
			} `yaml:"calendar"`
		} `yaml:"timeWindows"`
	} `yaml:"spec"`
}

// openSLOServices collects the native SLOs translated from one file's
// OpenSLO SLO documents, by service, in order of first appearance.
type openSLOServices struct {
	order    []string
	services map[string]*yaml.Node // native document by service
	slos     map[string]*yaml.Node // its slos list
	source   map[string]Format
}

// add reads one OpenSLO document: an SLO is translated and kept for its
// service; other objects are checked strictly (they are registered
// already).
func (o *openSLOServices) add(root *yaml.Node, reg *Registry) diag.Diagnostics {
	format := detect(root)
	top := root.Content[0]
	kind := headerValue(top, "kind").Value
	if format == FormatOpenSLOV1a {
		if kind != "SLO" {
			at := headerValue(top, "kind")
			return diag.Diagnostics{{Line: at.Line, Column: at.Column, Path: "kind",
				Message: fmt.Sprintf("openslo/v1alpha %s objects are not read: slokit reads openslo/v1alpha SLOs as Sloth does, and openslo/v1", kind)}}
		}
		var in oslAlphaSLODoc
		d := strictyaml.Decode(root, &in)
		if d.ErrorCount() == 0 {
			o.keep(in.Spec.Service, format, translateOpenSLOAlpha(d, &in)...)
		}
		return d.Diags
	}
	var v any
	switch kind {
	case "SLO":
		var in oslSLODoc
		d := strictyaml.Decode(root, &in)
		if d.ErrorCount() == 0 {
			// Only a complete translation goes on to the native checks,
			// which would repeat what is missing in native terms.
			if slo := translateOpenSLO(d, &in, reg); slo != nil && d.ErrorCount() == 0 {
				o.keep(in.Spec.Service, format, slo)
			}
		}
		return d.Diags
	case "SLI":
		v = &oslSLIDoc{}
	case "AlertPolicy":
		v = &oslPolicyDoc{}
	case "AlertCondition":
		v = &oslConditionDoc{}
	case "Service", "DataSource", "AlertNotificationTarget":
		v = &struct {
			APIVersion string            `yaml:"apiVersion"`
			Kind       string            `yaml:"kind"`
			Metadata   oslMetadata       `yaml:"metadata"`
			Spec       map[string]string `yaml:"spec"`
		}{}
		if kind == "DataSource" {
			v = &oslDataSourceDoc{}
		}
	default:
		at := headerValue(top, "kind")
		return diag.Diagnostics{{Line: at.Line, Column: at.Column, Path: "kind",
			Message: fmt.Sprintf("unknown OpenSLO v1 kind %q: slokit reads SLO, SLI, Service, AlertPolicy, AlertCondition, DataSource and AlertNotificationTarget", kind)}}
	}
	d := strictyaml.Decode(root, v)
	// What these objects hold that no native spec has a place for.
	switch kind {
	case "Service":
		if d.Has("spec") || d.Has("metadata.displayName") {
			d.Warn("kind", "the Service object's display name and spec are not carried over: a slokit service is its name")
		}
	case "DataSource":
		if d.Has("spec.connectionDetails") {
			d.Warn("spec.connectionDetails", "not carried over: slokit's rules run in whichever Prometheus loads them")
		}
	case "AlertNotificationTarget":
		d.Warn("kind", "notification targets are not carried over: route slokit's alerts in Alertmanager")
	}
	return d.Diags
}

func (o *openSLOServices) keep(service string, format Format, slos ...*yaml.Node) {
	if len(slos) == 0 {
		return
	}
	if o.services == nil {
		o.services, o.slos, o.source = map[string]*yaml.Node{}, map[string]*yaml.Node{}, map[string]Format{}
	}
	doc := o.services[service]
	if doc == nil {
		at := slos[0]
		str := func(v string) *yaml.Node {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: at.Line, Column: at.Column}
		}
		doc = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
		set(doc, "apiVersion", str(NativeAPIVersion))
		set(doc, "kind", str(NativeKind))
		set(doc, "service", str(service))
		list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
		set(doc, "slos", list)
		o.services[service], o.slos[service], o.source[service] = doc, list, format
		o.order = append(o.order, service)
	}
	o.slos[service].Content = append(o.slos[service].Content, slos...)
}

func (o *openSLOServices) documents() []Document {
	out := make([]Document, 0, len(o.order))
	for _, s := range o.order {
		out = append(out, Document{Format: o.source[s], Root: o.services[s]})
	}
	return out
}

// percentOfFraction turns an OpenSLO target (a fraction, as written) into
// a native objective in percent, in decimal: 0.999 is 99.9, not
// 99.90000000000001.
func percentOfFraction(at *yaml.Node) *yaml.Node {
	r, ok := new(big.Rat).SetString(at.Value)
	if !ok {
		return number(at, at.Value)
	}
	return percentNode(at, r.Mul(r, big.NewRat(100, 1)))
}

// percent is an OpenSLO targetPercent as a native objective, written as
// percentOfFraction writes it.
func percent(at *yaml.Node) *yaml.Node {
	r, ok := new(big.Rat).SetString(at.Value)
	if !ok {
		return number(at, at.Value)
	}
	return percentNode(at, r)
}

func percentNode(at *yaml.Node, r *big.Rat) *yaml.Node {
	text := r.FloatString(12)
	text = strings.TrimRight(strings.TrimRight(text, "0"), ".")
	return number(at, text)
}

// translateOpenSLO translates an openslo/v1 SLO into a native SLO node, or
// reports why it cannot be.
func translateOpenSLO(d *strictyaml.Document, in *oslSLODoc, reg *Registry) *yaml.Node {
	n := nodes{src: d, top: d.Node("")}
	s := in.Spec
	if s.Service == "" {
		d.Fail("spec.service", "missing: the service the SLO belongs to")
	}
	switch s.BudgetingMethod {
	case "Occurrences":
	case "Timeslices", "RatioTimeslices":
		d.Fail("spec.budgetingMethod", "%s is not supported: slokit counts occurrences (good events over all events), and reading a time-slice SLO as occurrences would change what it promises", s.BudgetingMethod)
	case "":
		d.Fail("spec.budgetingMethod", "missing: Occurrences (the one method slokit supports)")
	default:
		d.Fail("spec.budgetingMethod", "unknown budgeting method %q: use Occurrences", s.BudgetingMethod)
	}
	out := n.mapping("")
	set(out, "name", n.copyOf("metadata.name"))
	set(out, "description", n.copyOf("spec.description"))
	set(out, "labels", n.copyOf("metadata.labels"))
	var dropped []string
	if in.Metadata.DisplayName != "" {
		dropped = append(dropped, "metadata.displayName")
	}
	for i, o := range s.Objectives {
		if o.DisplayName != "" {
			dropped = append(dropped, fmt.Sprintf("objectives[%d].displayName", i))
		}
	}
	if s.Indicator != nil && s.Indicator.Metadata.DisplayName != "" {
		dropped = append(dropped, "indicator.metadata.displayName")
	}
	if len(dropped) > 0 {
		d.Warn("metadata", "display names are not carried over (slokit shows names): %s", strings.Join(dropped, ", "))
	}
	if s.Indicator != nil && s.Indicator.Spec.Description != "" {
		d.Warn("spec.indicator.spec.description", "not carried over: the SLO's description is")
	}
	if d.Has("metadata.annotations") {
		d.Warn("metadata.annotations", "not carried over: slokit's SLOs have no annotations (alert annotations go under alerting)")
	}
	switch {
	case len(s.TimeWindow) != 1:
		d.Fail("spec.timeWindow", "needs exactly one time window, such as [{duration: 28d, isRolling: true}]")
	case s.TimeWindow[0].Calendar != nil || (s.TimeWindow[0].IsRolling != nil && !*s.TimeWindow[0].IsRolling):
		tw := s.TimeWindow[0]
		unit := map[string]string{"1M": "calendar-month", "1w": "calendar-week", "7d": "calendar-week"}[tw.Duration]
		var start, zone string
		if tw.Calendar != nil {
			start, zone = tw.Calendar.StartTime, tw.Calendar.TimeZone
		}
		openSLOCalendar(n, d, out, "spec.timeWindow[0]", unit, start, zone)
	case s.TimeWindow[0].Duration == "":
		d.Fail("spec.timeWindow[0].duration", "missing: the rolling period, such as 28d")
	case strings.ContainsAny(s.TimeWindow[0].Duration, "MQY"):
		d.Fail("spec.timeWindow[0].duration", "calendar durations (M, Q, Y) are not supported: give the rolling period in days or weeks, such as 28d")
	default:
		if _, err := model.ParseDuration(s.TimeWindow[0].Duration); err != nil {
			d.Fail("spec.timeWindow[0].duration", "must be a duration such as 28d, got %q", s.TimeWindow[0].Duration)
		}
		set(out, "period", n.copyOf("spec.timeWindow[0].duration"))
	}

	// The indicator, inline or referenced.
	var sli oslSLISpec
	sliPath, refAt := "spec.indicator.spec", ""
	switch {
	case s.Indicator != nil && s.IndicatorRef != "":
		d.Fail("spec.indicatorRef", "set indicator or indicatorRef, not both")
		return nil
	case s.Indicator != nil:
		sli = s.Indicator.Spec
	case s.IndicatorRef != "":
		var doc oslSLIDoc
		if err := reg.resolve("SLI", s.IndicatorRef, &doc); err != nil {
			d.Fail("spec.indicatorRef", "%v", err)
			return nil
		}
		sli, refAt = doc.Spec, "spec.indicatorRef"
	default:
		d.Fail("spec.indicator", "missing: an indicator or an indicatorRef")
		return nil
	}
	// Nodes from a referenced SLI (perhaps in another file) point at the
	// reference.
	at := func(path string) string {
		if refAt != "" {
			return refAt
		}
		return path
	}
	query := func(m *oslMetric, path string) (string, bool) {
		if m == nil {
			return "", false
		}
		src := m.MetricSource
		typ := src.Type
		if src.MetricSourceRef != "" {
			var ds oslDataSourceDoc
			if err := reg.resolve("DataSource", src.MetricSourceRef, &ds); err != nil {
				d.Fail(at(path+".metricSource.metricSourceRef"), "%v", err)
				return "", false
			}
			typ = ds.Spec.Type
		}
		if !strings.EqualFold(typ, "Prometheus") {
			d.Fail(at(path+".metricSource.type"), "metric source type %q is not supported: slokit reads Prometheus sources (type: Prometheus, spec.query)", typ)
			return "", false
		}
		q := src.Spec["query"]
		if q == "" {
			d.Fail(at(path+".metricSource.spec"), "missing: query, the Prometheus counter to read")
			return "", false
		}
		sel, ok := counterSelector(q)
		if !ok {
			d.Fail(at(path+".metricSource.spec.query"), "query %q is not supported: slokit needs a counter selector (or sum(rate(selector[range]))), whose increases it records itself", q)
			return "", false
		}
		return sel, true
	}
	sliNode := n.mapping(at(sliPath))
	var objectives []*yaml.Node
	switch {
	case sli.RatioMetric != nil:
		r := sli.RatioMetric
		rp := sliPath + ".ratioMetric"
		if r.Raw != nil || r.RawType != "" {
			d.Fail(at(rp+".raw"), "raw ratio metrics are not supported: give good (or bad) and total counters")
			return nil
		}
		if r.Counter != nil && !*r.Counter {
			d.Fail(at(rp+".counter"), "counter: false is not supported: slokit reads counters of events")
			return nil
		}
		ratio := n.mapping(at(rp))
		total, okTotal := query(r.Total, rp+".total")
		switch {
		case (r.Good == nil) == (r.Bad == nil):
			d.Fail(at(rp), "needs good or bad, and total")
			return nil
		case r.Good != nil:
			if good, ok := query(r.Good, rp+".good"); ok {
				set(ratio, "good", n.str(at(rp+".good.metricSource.spec.query"), good))
			}
		default:
			if bad, ok := query(r.Bad, rp+".bad"); ok {
				set(ratio, "errors", n.str(at(rp+".bad.metricSource.spec.query"), bad))
			}
		}
		if okTotal {
			set(ratio, "total", n.str(at(rp+".total.metricSource.spec.query"), total))
		}
		set(sliNode, "ratio", ratio)
		for i, o := range s.Objectives {
			op := fmt.Sprintf("spec.objectives[%d]", i)
			if obj := openSLOObjective(d, n, op, objectiveFields{target: o.Target != nil, targetPercent: o.TargetPercent != nil, timeSlice: o.TimeSliceTarget != nil, weight: o.CompositeWeight != nil}); obj != nil {
				objectives = append(objectives, obj)
			}
		}
	case sli.ThresholdMetric != nil:
		tp := sliPath + ".thresholdMetric"
		sel, ok := query(sli.ThresholdMetric, tp)
		if !ok {
			return nil
		}
		scale, ok := histogramUnit(sel)
		if !ok {
			d.Fail(at(tp+".metricSource.spec.query"), "a thresholdMetric maps onto a latency SLI only over a Prometheus histogram's _bucket series with its unit in the name (_seconds_bucket, _milliseconds_bucket); got %s", sel)
			return nil
		}
		lat := n.mapping(at(tp))
		set(lat, "histogram", n.str(at(tp+".metricSource.spec.query"), sel))
		set(sliNode, "latency", lat)
		for i, o := range s.Objectives {
			op := fmt.Sprintf("spec.objectives[%d]", i)
			if o.Op != "lt" && o.Op != "lte" {
				d.Fail(op+".op", "a latency objective is op: lt or lte (requests faster than value), got %q", o.Op)
				continue
			}
			if o.Value == nil || *o.Value <= 0 {
				d.Fail(op+".value", "missing: the latency threshold, in the histogram's unit")
				continue
			}
			obj := openSLOObjective(d, n, op, objectiveFields{target: o.Target != nil, targetPercent: o.TargetPercent != nil, timeSlice: o.TimeSliceTarget != nil, weight: o.CompositeWeight != nil})
			if obj == nil {
				continue
			}
			threshold := time.Duration(*o.Value * float64(scale))
			set(obj, "threshold", n.str(op+".value", model.Duration(threshold).String()))
			objectives = append(objectives, obj)
		}
	default:
		d.Fail(at(sliPath), "needs a ratioMetric or a thresholdMetric")
		return nil
	}
	set(out, "sli", sliNode)
	if len(objectives) > 0 {
		list := n.sequence("spec.objectives")
		list.Content = objectives
		set(out, "objectives", list)
	} else if len(s.Objectives) == 0 {
		d.Fail("spec.objectives", "missing: at least one objective with a target")
	}
	set(out, "alerting", openSLOAlerting(d, n, in, reg))
	return out
}

// objectiveFields says which fields an OpenSLO objective sets.
type objectiveFields struct {
	target, targetPercent, timeSlice, weight bool
}

// openSLOObjective is one native objective from an OpenSLO objective's
// target (a fraction) or targetPercent.
func openSLOObjective(d *strictyaml.Document, n nodes, path string, fields objectiveFields) *yaml.Node {
	if fields.timeSlice {
		d.Fail(path+".timeSliceTarget", "time-slice objectives are not supported: slokit counts occurrences")
		return nil
	}
	if fields.weight {
		d.Warn(path+".compositeWeight", "not carried over: slokit has no composite SLOs")
	}
	obj := n.mapping(path)
	switch {
	case fields.target && fields.targetPercent:
		d.Fail(path+".targetPercent", "set target or targetPercent, not both")
		return nil
	case fields.target:
		set(obj, "objective", percentOfFraction(n.at(path+".target")))
	case fields.targetPercent:
		set(obj, "objective", percent(n.at(path+".targetPercent")))
	default:
		d.Fail(path+".target", "missing: the objective as a fraction (target: 0.999) or in percent (targetPercent: 99.9)")
		return nil
	}
	return obj
}

// openSLOAlerting maps burn-rate alert conditions onto tiers: the
// condition's threshold is the factor and its lookback window the long
// window (the short one is a twelfth of it, as in the SRE Workbook);
// severities page and critical page, ticket, warning and the rest open
// tickets.
func openSLOAlerting(d *strictyaml.Document, n nodes, in *oslSLODoc, reg *Registry) *yaml.Node {
	if in.Spec.AlertPolicies == nil || len(*in.Spec.AlertPolicies) == 0 {
		return nil
	}
	out := n.mapping("spec.alertPolicies")
	tiers := n.sequence("spec.alertPolicies")
	for i, p := range *in.Spec.AlertPolicies {
		pp := fmt.Sprintf("spec.alertPolicies[%d]", i)
		spec := p.Spec
		if p.AlertPolicyRef != "" {
			var doc oslPolicyDoc
			if err := reg.resolve("AlertPolicy", p.AlertPolicyRef, &doc); err != nil {
				d.Fail(pp+".alertPolicyRef", "%v", err)
				continue
			}
			spec = &doc.Spec
		}
		if spec == nil {
			d.Fail(pp, "needs an alertPolicyRef or an inline AlertPolicy (kind, metadata, spec)")
			continue
		}
		if len(spec.NotificationTargets) > 0 {
			d.Warn(pp, "notification targets are not carried over: route slokit's alerts in Alertmanager")
		}
		if spec.AlertWhenNoData != nil && *spec.AlertWhenNoData {
			d.Warn(pp, "alertWhenNoData is not carried over: slokit generates no alert for missing data")
		}
		for j, c := range spec.Conditions {
			cp := fmt.Sprintf("%s.conditions[%d]", pp, j)
			cond := c.Spec
			if c.ConditionRef != "" {
				var doc oslConditionDoc
				if err := reg.resolve("AlertCondition", c.ConditionRef, &doc); err != nil {
					d.Fail(cp+".conditionRef", "%v", err)
					continue
				}
				cond = &doc.Spec
			}
			if cond == nil {
				d.Fail(cp, "needs a conditionRef or an inline AlertCondition")
				continue
			}
			cc := cond.Condition
			if cc.Kind != "burnrate" || (cc.Op != "gt" && cc.Op != "gte") || cc.Threshold == nil || cc.LookbackWindow == nil {
				d.Fail(cp, "only burn-rate conditions (kind: burnrate, op: gt or gte, threshold, lookbackWindow) map onto slokit's alerts")
				continue
			}
			var sev burnrate.Severity
			switch strings.ToLower(cond.Severity) {
			case "page", "critical", "high":
				sev = burnrate.Page
			case "ticket", "warning", "low", "medium", "info":
				sev = burnrate.Ticket
			default:
				d.Fail(cp, "severity %q does not say whether to page or open a ticket: use page, critical, ticket or warning", cond.Severity)
				continue
			}
			long := cc.LookbackWindow.Value
			short := burnrate.RoundWindow(long/12, burnrate.DefaultBaseWindow)
			t := n.mapping(cp)
			set(t, "severity", n.str(cp, string(sev)))
			set(t, "factor", number(t, strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", *cc.Threshold), "0"), ".")))
			set(t, "long", n.str(cp, model.Duration(long).String()))
			set(t, "short", n.str(cp, model.Duration(short).String()))
			if cc.AlertAfter != nil {
				set(t, "for", n.str(cp, cc.AlertAfter.Text))
			}
			tiers.Content = append(tiers.Content, t)
		}
	}
	if len(tiers.Content) == 0 {
		return nil
	}
	set(out, "tiers", tiers)
	return out
}

// translateOpenSLOAlpha translates an openslo/v1alpha SLO as Sloth reads
// it: each objective, with its own ratio queries using {{.window}}, is an
// SLO (named after the object, with -N for the Nth when there are more).
func translateOpenSLOAlpha(d *strictyaml.Document, in *oslAlphaSLODoc) []*yaml.Node {
	n := nodes{src: d, top: d.Node("")}
	s := in.Spec
	if s.Service == "" {
		d.Fail("spec.service", "missing: the service the SLO belongs to")
	}
	if s.BudgetingMethod != "Occurrences" {
		d.Fail("spec.budgetingMethod", "only Occurrences is supported, got %q: reading a time-slice SLO as occurrences would change what it promises", s.BudgetingMethod)
	}
	if in.Metadata.DisplayName != "" {
		d.Warn("metadata.displayName", "not carried over: slokit shows names")
	}
	var period, calendar *yaml.Node
	switch {
	case len(s.TimeWindows) != 1:
		d.Fail("spec.timeWindows", "needs exactly one time window, such as [{count: 30, unit: Day}]")
	case s.TimeWindows[0].Calendar != nil || (s.TimeWindows[0].IsRolling != nil && !*s.TimeWindows[0].IsRolling):
		tw := s.TimeWindows[0]
		var unit, start, zone string
		if tw.Count != nil && *tw.Count == 1 {
			unit = map[string]string{"Month": "calendar-month", "Week": "calendar-week"}[tw.Unit]
		}
		if tw.Calendar != nil {
			start, zone = tw.Calendar.StartTime, tw.Calendar.TimeZone
		}
		calendar = n.mapping("spec.timeWindows[0]")
		openSLOCalendar(n, d, calendar, "spec.timeWindows[0]", unit, start, zone)
	default:
		tw := s.TimeWindows[0]
		units := map[string]string{"Second": "s", "Minute": "m", "Hour": "h", "Day": "d", "Week": "w"}
		u, ok := units[tw.Unit]
		if !ok || tw.Count == nil || *tw.Count <= 0 || *tw.Count != float64(int(*tw.Count)) {
			d.Fail("spec.timeWindows[0]", "needs a whole count of Second, Minute, Hour, Day or Week (calendar units are not supported), got %v %s", tw.Count, tw.Unit)
		} else {
			period = n.str("spec.timeWindows[0]", fmt.Sprintf("%d%s", int(*tw.Count), u))
		}
	}
	var out []*yaml.Node
	for i, o := range s.Objectives {
		op := fmt.Sprintf("spec.objectives[%d]", i)
		if o.RatioMetrics == nil || o.RatioMetrics.Total == nil || (o.RatioMetrics.Good == nil) == (o.RatioMetrics.Bad == nil) {
			d.Fail(op+".ratioMetrics", "needs good or bad, and total queries")
			continue
		}
		if o.Target == nil {
			d.Fail(op+".target", "missing: the objective as a fraction, such as 0.999")
			continue
		}
		name := in.Metadata.Name
		if len(s.Objectives) > 1 {
			name = fmt.Sprintf("%s-%d", name, i)
		}
		slo := n.mapping(op)
		set(slo, "name", n.str("metadata.name", name))
		set(slo, "description", n.copyOf("spec.description"))
		set(slo, "objective", percentOfFraction(n.at(op+".target")))
		set(slo, "period", period)
		if calendar != nil {
			set(slo, "period", strictyaml.MappingValue(calendar, "period"))
			set(slo, "timezone", strictyaml.MappingValue(calendar, "timezone"))
		}
		sli := n.mapping(op + ".ratioMetrics")
		rm := o.RatioMetrics
		good, isGood := rm.Good, true
		if good == nil {
			good, isGood = rm.Bad, false
		}
		goodPath := op + ".ratioMetrics.good.query"
		if !isGood {
			goodPath = op + ".ratioMetrics.bad.query"
		}
		part, okPart := slothRateSelector(good.Query)
		total, okTotal := slothRateSelector(rm.Total.Query)
		hist, threshold, isLatency := histogramBucketAndCount(part, total)
		switch {
		case okPart && okTotal && isGood && isLatency:
			// A histogram's bucket over its count: a latency SLI.
			lat := n.mapping(op + ".ratioMetrics")
			set(lat, "histogram", n.str(goodPath, hist))
			set(lat, "threshold", n.str(goodPath, threshold))
			set(sli, "latency", lat)
		case okPart && okTotal:
			ratio := n.mapping(op + ".ratioMetrics")
			key := "good"
			if !isGood {
				key = "errors"
			}
			set(ratio, key, n.str(goodPath, part))
			set(ratio, "total", n.str(op+".ratioMetrics.total.query", total))
			set(sli, "ratio", ratio)
		default:
			expr := "1 - (" + good.Query + ") / (" + rm.Total.Query + ")"
			if !isGood {
				expr = "(" + good.Query + ") / (" + rm.Total.Query + ")"
			}
			raw := n.mapping(goodPath)
			set(raw, "errorRatio", n.str(goodPath, strings.ReplaceAll(expr, slothWindow, WindowPlaceholder)))
			set(sli, "raw", raw)
		}
		set(slo, "sli", sli)
		out = append(out, slo)
	}
	if d.ErrorCount() > 0 {
		return nil
	}
	return out
}

// openSLOStartTime is how OpenSLO writes a calendar window's start.
const openSLOStartTime = "2006-01-02 15:04:05"

// openSLOCalendar writes a calendar time window as a calendar period and
// its time zone into out: a month from the 1st or a week from a Monday,
// which is what slokit's calendar periods are. unit is the native period
// ("calendar-month"), empty for any other length.
func openSLOCalendar(n nodes, d *strictyaml.Document, out *yaml.Node, path, unit, start, zone string) {
	if unit == "" {
		d.Fail(path, "calendar windows of one month (1M) or one week (1w) are supported, as slokit's calendar-month and calendar-week periods")
		return
	}
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			d.Fail(path+".calendar.timeZone", "%q is not an IANA time zone such as Europe/Berlin", zone)
			return
		}
		loc = l
	}
	if start != "" {
		t, err := time.ParseInLocation(openSLOStartTime, start, loc)
		switch {
		case err != nil:
			d.Fail(path+".calendar.startTime", "must be a time such as \"2022-01-01 00:00:00\", got %q", start)
			return
		case unit == "calendar-month" && (t.Day() != 1 || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0):
			d.Fail(path+".calendar.startTime", "%s does not start a month: slokit's calendar months start on the 1st at 00:00", start)
			return
		case unit == "calendar-week" && (t.Weekday() != time.Monday || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0):
			d.Fail(path+".calendar.startTime", "%s is not a Monday at 00:00: slokit's calendar weeks start on Monday (ISO 8601)", start)
			return
		}
	}
	set(out, "period", n.str(path, unit))
	if zone != "" {
		set(out, "timezone", n.str(path+".calendar.timeZone", zone))
	}
}
