// Package openslo writes SLOs as OpenSLO v1 documents (Service,
// DataSource, SLI, SLO, AlertPolicy, AlertCondition), for the tools that
// read the vendor-neutral format. What v1 has no field for (a tier's
// short window, grouping, the gate's policy, maintenance windows, an SLI
// kind it cannot say) is carried as the native spec's YAML in annotations
// under slokit.dev/, which slokit's OpenSLO import restores: exporting and
// importing again gives the same rules.
package openslo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/schema"
)

// APIVersion is the OpenSLO version written.
const APIVersion = "openslo/v1"

// Write writes every service's documents to w, as one YAML stream.
func Write(w io.Writer, services []*slo.Service) error {
	if _, err := io.WriteString(w, generators.Header); err != nil {
		return err
	}
	for i, svc := range services {
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if err := encode(w, Documents(svc)); err != nil {
			return err
		}
	}
	return nil
}

// Files returns a file of each service's documents, SERVICE.yaml, headed
// by the spec it came from.
func Files(services []*slo.Service) iter.Seq2[generators.File, error] {
	return func(yield func(generators.File, error) bool) {
		for _, svc := range services {
			var buf bytes.Buffer
			buf.WriteString(generators.HeaderFor(svc.File))
			err := encode(&buf, Documents(svc))
			if !yield(generators.File{Name: svc.Name + ".yaml", Content: buf.Bytes()}, err) {
				return
			}
		}
	}
}

func encode(w io.Writer, docs []any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	return enc.Close()
}

// Documents are a service's OpenSLO documents: the Service, its
// Prometheus DataSource and Alertmanager notification target, then each
// SLO's SLI, SLO, and an AlertPolicy and AlertCondition a tier.
func Documents(svc *slo.Service) []any {
	service := Name(svc.Name)
	svcDoc := document{APIVersion: APIVersion, Kind: "Service", Metadata: metadata{Name: service, Labels: svc.Labels}, Spec: serviceSpec{}}
	if len(svc.SLOs) > 0 {
		if regions := svc.SLOs[0].NativeRegions(); regions != nil {
			svcDoc.Metadata.Annotations = map[string]string{schema.AnnotationPrefix + schema.KeyRegions: slo.NativeJSON(regions)}
		}
	}
	source := Name(svc.Name + "-prometheus")
	docs := []any{svcDoc, document{APIVersion: APIVersion, Kind: "DataSource", Metadata: metadata{Name: source},
		Spec: dataSourceSpec{Type: "Prometheus", ConnectionDetails: map[string]string{},
			Description: "The Prometheus that evaluates slokit's rules of " + svc.Name}}}
	// slokit's alerts go to Alertmanager (generate --format alertmanager
	// routes them): the one notification target of every alert policy.
	target := Name(svc.Name + "-alertmanager")
	docs = append(docs, document{APIVersion: APIVersion, Kind: "AlertNotificationTarget", Metadata: metadata{Name: target},
		Spec: map[string]string{"target": "alertmanager", "description": "Alertmanager, which routes slokit's alerts"}})
	for _, s := range svc.SLOs {
		docs = append(docs, sloDocuments(s, service, source, target)...)
	}
	return docs
}

// sloDocuments are an SLO's SLI, SLO, and an AlertPolicy and
// AlertCondition a tier.
func sloDocuments(s *slo.SLO, service, source, target string) []any {
	base := Name(s.Service + "-" + s.Name)
	fields := s.NativeFields()
	sli, standard := indicator(s, source)
	spec := sloSpec{Description: s.Description, Service: service, IndicatorRef: base,
		TimeWindow: []timeWindow{window(s)}, BudgetingMethod: "Occurrences", Objectives: objectives(s)}
	if s.SLI.Kind == slo.Timeslices {
		spec.BudgetingMethod = "Timeslices"
		if s.SLI.Slices.Condition == slo.SliceRatio && s.SLI.Slices.Target == 0 {
			spec.BudgetingMethod = "RatioTimeslices"
		}
	}
	// What the documents say in OpenSLO's own fields is not repeated.
	delete(fields, schema.KeyDescription)
	delete(fields, schema.KeyLabels)
	delete(fields, schema.KeyPeriod)
	delete(fields, schema.KeyTimezone)
	if standard {
		delete(fields, schema.KeySli)
		delete(fields, schema.KeyObjectives)
	}
	alerting := fields[schema.KeyAlerting].(map[string]any)
	delete(alerting, schema.KeyTiers)
	if len(alerting) == 0 {
		delete(fields, schema.KeyAlerting)
	}
	var docs []any
	docs = append(docs, document{APIVersion: APIVersion, Kind: "SLI", Metadata: metadata{Name: base}, Spec: sli})
	policies, alerts := alertDocuments(s, base, target)
	spec.AlertPolicies = policies
	annotations := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		// A string is written as it is: read as YAML, it is that string.
		if text, ok := fields[k].(string); ok {
			annotations[schema.AnnotationPrefix+k] = text
			continue
		}
		annotations[schema.AnnotationPrefix+k] = slo.NativeJSON(fields[k])
	}
	if service != s.Service {
		annotations[schema.AnnotationPrefix+schema.KeyService] = s.Service
	}
	docs = append(docs, document{APIVersion: APIVersion, Kind: "SLO",
		Metadata: metadata{Name: base, Labels: s.Labels, Annotations: annotations}, Spec: spec})
	return append(docs, alerts...)
}

// window is the SLO's period as an OpenSLO time window.
func window(s *slo.SLO) timeWindow {
	if s.Calendar == nil {
		return timeWindow{Duration: shorthand(s.Period), IsRolling: true}
	}
	duration := "1M"
	if s.Calendar.Unit == slo.CalendarWeek {
		duration = "1w"
	}
	// 2024-01-01 is both the 1st of a month and a Monday: where slokit's
	// calendar months and weeks start.
	return timeWindow{Duration: duration, Calendar: &calendar{StartTime: "2024-01-01 00:00:00", TimeZone: s.Calendar.Location.String()}}
}

// shorthand is a period in OpenSLO's duration shorthand, a number and one
// unit: 30d, 36h.
func shorthand(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}

// indicator is the SLO's SLI in OpenSLO terms, and whether those terms
// say all of it: a ratio of counters, or a classic histogram in seconds.
// Other kinds are written as near as v1 can say them, and carried whole
// in the SLO's slokit.dev/sli annotation.
func indicator(s *slo.SLO, source string) (sliSpec, bool) {
	query := func(sel *slo.Selector) *metric {
		if sel == nil {
			return nil
		}
		return &metric{MetricSource: metricSource{MetricSourceRef: source, Spec: map[string]string{"query": sel.Text}}}
	}
	sli := s.SLI
	switch sli.Kind {
	case slo.Ratio:
		return sliSpec{RatioMetric: &ratioMetric{Counter: true, Good: query(sli.Good), Bad: query(sli.Errors), Total: query(sli.Total)}}, true
	case slo.Latency:
		return sliSpec{ThresholdMetric: query(sli.Histogram)}, !sli.NativeHistogram && inSeconds(sli.Histogram)
	case slo.BoolGauge:
		return sliSpec{ThresholdMetric: query(sli.Gauge)}, false
	case slo.Raw:
		return sliSpec{RatioMetric: &ratioMetric{RawType: "failure",
			Raw: &metric{MetricSource: metricSource{MetricSourceRef: source, Spec: map[string]string{"query": sli.ErrorRatio}}}}}, false
	case slo.Journey:
		var members []string
		for _, m := range sli.Members {
			members = append(members, m.Service+"/"+m.SLO)
		}
		return sliSpec{Description: "a journey (" + sli.Aggregation + ") over " + strings.Join(members, ", "),
			ThresholdMetric: &metric{MetricSource: metricSource{Type: "slokit", Spec: map[string]string{"journey": strings.Join(members, ",")}}}}, false
	case slo.Datadog:
		datadog := func(q string) *metric {
			return &metric{MetricSource: metricSource{Type: "Datadog", Spec: map[string]string{"query": q}}}
		}
		return sliSpec{RatioMetric: &ratioMetric{Counter: true, Good: datadog(sli.Datadog.Good), Total: datadog(sli.Datadog.Total)}}, false
	case slo.Timeslices:
		switch sli.Slices.Condition {
		case slo.SlicePercentile:
			return sliSpec{ThresholdMetric: query(sli.Histogram)}, false
		case slo.SliceGauge:
			return sliSpec{ThresholdMetric: query(sli.Gauge)}, false
		}
		return sliSpec{RatioMetric: &ratioMetric{Counter: true, Good: query(sli.Good), Bad: query(sli.Errors), Total: query(sli.Total)}}, false
	}
	return sliSpec{}, false
}

var secondsHistogram = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*_seconds_bucket$`)

func inSeconds(sel *slo.Selector) bool { return sel != nil && secondsHistogram.MatchString(sel.Name) }

// objectives are the SLO's objectives as OpenSLO's: a target as a
// fraction; for latency, the threshold in seconds; for time slices, the
// condition each slice is judged by.
func objectives(s *slo.SLO) []objective {
	out := make([]objective, 0, len(s.Objectives))
	for _, o := range s.Objectives {
		obj := objective{Target: fraction(o.Label())}
		switch sl := s.SLI.Slices; {
		case s.SLI.Kind == slo.Latency:
			obj.Op, obj.Value = "lte", ptr(seconds(o.Threshold))
		case s.SLI.Kind == slo.BoolGauge:
			obj.Op, obj.Value = "gte", ptr(decimal("1"))
		case sl != nil:
			obj.TimeSliceWindow = model.Duration(s.BaseWindow).String()
			obj.TimeSliceTarget = ptr(decimal("1"))
			switch sl.Condition {
			case slo.SlicePercentile:
				obj.Op, obj.Value = "lte", ptr(seconds(sl.Threshold))
				obj.TimeSliceTarget = ptr(fraction(sl.PercentileLabel()))
			case slo.SliceGauge:
				obj.Op, obj.Value = "gte", ptr(decimal(strconv.FormatFloat(sl.Bound, 'f', -1, 64)))
				if sl.UpperBound {
					obj.Op = "lte"
				}
			case slo.SliceRatio:
				obj.TimeSliceTarget = nil
				if sl.Target > 0 {
					obj.TimeSliceTarget = ptr(fraction(strconv.FormatFloat(sl.Target, 'f', -1, 64)))
				}
			}
		}
		out = append(out, obj)
	}
	return out
}

// alertDocuments are the SLO's burn-rate tiers, each an AlertPolicy
// with its one AlertCondition (v1 allows one a policy), in the tiers'
// order, notifying target. A condition's lookback window is the long
// window; the short one, which v1 has no field for, is its slokit.dev/short
// annotation.
func alertDocuments(s *slo.SLO, base, target string) (refs []policyRef, docs []any) {
	for _, t := range s.Alerting.Tiers {
		name := Name(fmt.Sprintf("%s-%s-%s", base, t.Severity, model.Duration(t.Long)))
		refs = append(refs, policyRef{AlertPolicyRef: name})
		factor := strconv.FormatFloat(t.Factor, 'f', -1, 64)
		docs = append(docs, document{APIVersion: APIVersion, Kind: "AlertPolicy", Metadata: metadata{Name: name},
			Spec: alertPolicySpec{
				Description:         fmt.Sprintf("The %s tier of %s/%s", t.Severity, s.Service, s.Name),
				AlertWhenBreaching:  true,
				Conditions:          []conditionRef{{ConditionRef: name}},
				NotificationTargets: []targetRef{{TargetRef: target}},
			}}, document{APIVersion: APIVersion, Kind: "AlertCondition",
			Metadata: metadata{Name: name, Annotations: map[string]string{schema.AnnotationPrefix + schema.KeyShort: model.Duration(t.Short).String()}},
			Spec: alertConditionSpec{
				Description: fmt.Sprintf("%sx the even burn rate over %s and %s", factor, model.Duration(t.Long), model.Duration(t.Short)),
				Severity:    string(t.Severity),
				Condition: condition{Kind: "burnrate", Op: "gt", Threshold: decimal(factor),
					LookbackWindow: model.Duration(t.Long).String(), AlertAfter: model.Duration(t.For).String()},
			}})
	}
	return refs, docs
}

// fraction is a percentage's text as an exact decimal fraction.
func fraction(percent string) decimal {
	r, ok := new(big.Rat).SetString(percent)
	if !ok {
		return decimal(percent)
	}
	return decimal(exact(r.Quo(r, big.NewRat(100, 1))))
}

// seconds is a duration in seconds, exactly.
func seconds(d time.Duration) decimal {
	return decimal(exact(big.NewRat(int64(d), int64(time.Second))))
}

// exact writes a rational with a finite decimal expansion as that
// decimal, and any other to 15 places.
func exact(r *big.Rat) string {
	if s, ok := r.FloatPrec(); ok {
		return r.FloatString(max(s, 1))
	}
	return r.FloatString(15)
}

func ptr[T any](v T) *T { return &v }

// validName is an OpenSLO name: a DNS label (RFC 1123).
var validName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Name is s as an OpenSLO object's name, a DNS label: s itself when it is
// one; else lower-cased, other characters as "-", cut to fit, with a hash
// of s that keeps names apart that differ only in what was changed.
func Name(s string) string {
	if validName.MatchString(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
	if len(name) > 54 {
		name = name[:54]
	}
	return strings.Trim(name, "-") + "-" + hex.EncodeToString(sum[:4])
}
