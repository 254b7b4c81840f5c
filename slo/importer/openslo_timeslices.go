package importer

import (
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/slo/schema"
)

// timeslices translates a time-slice SLO (budgetingMethod Timeslices or
// RatioTimeslices) into a native time-slice SLI: a ratio metric judged
// against timeSliceTarget in each slice (RatioTimeslices: each slice
// counts as its share of good events), a threshold metric over a
// histogram as its percentile timeSliceTarget against value, over any
// other series as that series' every value in the slice against value.
// slokit judges every objective's slices alike: they must share
// timeSliceWindow and timeSliceTarget (op and value of a threshold
// metric); each objective keeps its own target, the share of good slices.
func (t *oslTranslation) timeslices(s oslSLOSpec, sli oslSLISpec, sliPath string, sliNode *yaml.Node, only int) ([]*yaml.Node, bool) {
	d, n := t.d, t.n
	ratioShare := s.BudgetingMethod == "RatioTimeslices"
	var objectives []*yaml.Node
	first := -1 // the objective whose slices the others must judge alike
	for i, op := range objectivesOf(s, only) {
		if !t.sameSlices(s, i, first, ratioShare, sli.ThresholdMetric != nil) {
			continue
		}
		if first < 0 {
			first = i
		}
		fields := objectiveFieldsOf(s.Objectives[i], only)
		fields.timeSlice = false
		if obj := openSLOObjective(d, n, op, fields); obj != nil {
			objectives = append(objectives, obj)
		}
	}
	if first < 0 {
		return nil, false
	}
	o, op := s.Objectives[first], objectivePath(first)
	ts := n.mapping(t.at(sliPath))
	set(ts, schema.KeySlice, n.str(op+".timeSliceWindow", model.Duration(o.TimeSliceWindow.Value).String()))
	switch {
	case sli.RatioMetric != nil:
		ratio, ok := t.counters(sli.RatioMetric, sliPath+".ratioMetric")
		if !ok {
			return nil, false
		}
		if !ratioShare {
			set(ratio, schema.KeyTarget, percentOfFraction(n.at(op+".timeSliceTarget")))
		}
		set(ts, schema.KeyRatio, ratio)
	case sli.ThresholdMetric != nil:
		if !t.sliceThreshold(ts, o, op, sli.ThresholdMetric, sliPath+".thresholdMetric") {
			return nil, false
		}
	default:
		d.Fail(t.at(sliPath), "needs a ratioMetric or a thresholdMetric")
		return nil, false
	}
	set(sliNode, schema.KeyTimeslices, ts)
	return objectives, true
}

// sameSlices checks that objective i has a slice, and the one objective
// first has (none yet when first < 0): timeSliceWindow, and for
// Timeslices timeSliceTarget (op and value of a threshold metric).
func (t *oslTranslation) sameSlices(s oslSLOSpec, i, first int, ratioShare, threshold bool) bool {
	d := t.d
	o := s.Objectives[i]
	op := objectivePath(i)
	switch {
	case o.TimeSliceWindow == nil:
		d.Fail(op+".timeSliceWindow", "missing: the slice a %s SLO judges, such as 1m", s.BudgetingMethod)
		return false
	case ratioShare && o.TimeSliceTarget != nil:
		d.Fail(op+".timeSliceTarget", "RatioTimeslices counts each slice as its share of good events: leave timeSliceTarget out, or use Timeslices")
		return false
	case !ratioShare && o.TimeSliceTarget == nil && !threshold:
		d.Fail(op+".timeSliceTarget", "missing: the share of good events (0.99) that makes a slice good")
		return false
	}
	if first < 0 {
		return true
	}
	f := s.Objectives[first]
	same := f.TimeSliceWindow.Value == o.TimeSliceWindow.Value && sameFloat(f.TimeSliceTarget, o.TimeSliceTarget) &&
		(!threshold || f.Op == o.Op && sameFloat(f.Value, o.Value))
	if !same {
		d.Fail(op, "judges its slices unlike %s (timeSliceWindow, timeSliceTarget, op or value): slokit judges an SLO's slices one way, so write it as an SLO of its own", objectivePath(first))
	}
	return same
}

func sameFloat(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// sliceThreshold writes a threshold metric's time-slice condition: over a
// histogram, the percentile timeSliceTarget (99% of a slice's requests,
// lt or lte value: p99 <= value); over another series, every value of the
// slice against value (at most it for lt and lte, its greatest; at least
// for gt and gte, its least), which needs timeSliceTarget 1 or none.
func (t *oslTranslation) sliceThreshold(ts *yaml.Node, o oslObjective, op string, m *oslMetric, tp string) bool {
	d, n := t.d, t.n
	sel, ok := t.query(m, tp)
	if !ok {
		return false
	}
	if o.Value == nil {
		d.Fail(op+".value", "missing: the threshold each slice is judged against")
		return false
	}
	if scale, isHistogram := histogramUnit(sel); isHistogram {
		if o.Op != "lt" && o.Op != "lte" {
			d.Fail(op+".op", "a latency slice is judged by op: lt or lte (requests faster than value), got %q", o.Op)
			return false
		}
		if o.TimeSliceTarget == nil {
			d.Fail(op+".timeSliceTarget", "missing: the share of a slice's requests (0.99 for p99) that must be faster than value")
			return false
		}
		p := n.mapping(op)
		set(p, schema.KeyHistogram, n.str(t.at(tp+".metricSource.spec.query"), sel))
		set(p, schema.KeyPercentile, percentOfFraction(n.at(op+".timeSliceTarget")))
		set(p, schema.KeyThreshold, n.str(op+".value", model.Duration(time.Duration(*o.Value*float64(scale))).String()))
		set(ts, schema.KeyPercentile, p)
		return true
	}
	if o.TimeSliceTarget != nil && *o.TimeSliceTarget != 1 {
		d.Fail(op+".timeSliceTarget", "over a series other than a histogram slokit judges a slice by its every value (timeSliceTarget 1), got %g", *o.TimeSliceTarget)
		return false
	}
	g := n.mapping(op)
	set(g, schema.KeySelector, n.str(t.at(tp+".metricSource.spec.query"), sel))
	switch o.Op {
	case "lt", "lte":
		set(g, schema.KeyAggregation, n.str(op+".op", "max"))
		set(g, schema.KeyMax, number(n.at(op+".value"), n.at(op+".value").Value))
	case "gt", "gte":
		set(g, schema.KeyAggregation, n.str(op+".op", "min"))
		set(g, schema.KeyMin, number(n.at(op+".value"), n.at(op+".value").Value))
	default:
		d.Fail(op+".op", "must be lt, lte, gt or gte, got %q", o.Op)
		return false
	}
	set(ts, schema.KeyGauge, g)
	return true
}
