package slo

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// sliceBaseWindow makes a time-slice SLO's slice its base window, over
// the service's: the rules judge one slice per evaluation. It returns the
// path the base window's later checks name.
func (c *converter) sliceBaseWindow(s *SLO, in *specSLO, path string) string {
	p := path + ".sli.timeslices"
	if in.BaseWindow != nil {
		c.Fail(path+".baseWindow", "a time-slice SLO's base window is its slice: set sli.timeslices.slice instead")
	}
	slice := in.SLI.Timeslices.Slice
	if slice == nil {
		s.BaseWindow = defaultSlice
		return p
	}
	s.BaseWindow = slice.Value
	if !slices.Contains(validBaseWindows, slice.Value) {
		c.Fail(p+".slice", "must be a whole number of minutes that divides an hour (1m, 5m, ...), got %s", slice.Text)
	}
	return p + ".slice"
}

// defaultSlice is a slice's length unless the spec sets one: Datadog's
// and Google's shortest, which still holds two scrapes at 30s.
const defaultSlice = time.Minute

func (c *converter) convertTimeslices(s *SLO, in *specTimeslices, path string) {
	sl := &Slices{NoData: NoDataSkip}
	s.SLI.Slices = sl
	if in.NoData != "" {
		if !slices.Contains(NoDataPolicies(), in.NoData) {
			c.Fail(path+".noData", "must be one of %s, got %q", strings.Join(NoDataPolicies(), ", "), in.NoData)
		}
		sl.NoData = NoData(in.NoData)
	}
	var conditions []string
	if p := in.Percentile; p != nil {
		conditions = append(conditions, "percentile")
		sl.Condition = SlicePercentile
		c.slicePercentile(s, p, path+".percentile")
	}
	if g := in.Gauge; g != nil {
		conditions = append(conditions, "gauge")
		sl.Condition = SliceGauge
		c.sliceGauge(s, g, path+".gauge")
	}
	if r := in.Ratio; r != nil {
		conditions = append(conditions, "ratio")
		sl.Condition = SliceRatio
		c.sliceRatio(s, r, path+".ratio")
	}
	c.exactlyOne(path, conditions, "missing: set the condition a slice is judged by: percentile, gauge or ratio", "condition")
}

func (c *converter) slicePercentile(s *SLO, in *specSlicePercentile, p string) {
	sl := s.SLI.Slices
	s.SLI.NativeHistogram = in.NativeHistogram
	s.SLI.Histogram = c.histogram(p, in.Histogram, in.NativeHistogram)
	switch {
	case in.Percentile == nil:
		c.Fail(p+".percentile", "missing: the percentile, such as 99 for p99")
	case *in.Percentile <= 0 || *in.Percentile >= 100:
		c.Fail(p+".percentile", "must be above 0 and below 100 (99 for p99), got %s", fmtFloat(*in.Percentile))
	case *in.Percentile < 1:
		c.Fail(p+".percentile", "percentile %s is a fraction: percentiles are percentages, write %s", fmtFloat(*in.Percentile), fmtFloat(*in.Percentile*100))
	default:
		sl.Percentile = *in.Percentile
	}
	switch {
	case in.Threshold == nil:
		c.Fail(p+".threshold", "missing: the latency the percentile must not exceed, such as 500ms")
	case in.Threshold.Value <= 0:
		c.Fail(p+".threshold", "must be positive, got %s", in.Threshold.Text)
	default:
		sl.Threshold = in.Threshold.Value
	}
}

func (c *converter) sliceGauge(s *SLO, in *specSliceGauge, p string) {
	sl := s.SLI.Slices
	s.SLI.Gauge = c.selector(p+".selector", in.Selector)
	sl.Aggregation = "avg"
	if in.Aggregation != "" {
		if !slices.Contains(SliceAggregations(), in.Aggregation) {
			c.Fail(p+".aggregation", "must be one of %s, got %q", strings.Join(SliceAggregations(), ", "), in.Aggregation)
		}
		sl.Aggregation = in.Aggregation
	}
	switch {
	case in.Max != nil && in.Min != nil:
		c.Fail(p+".min", "set either max or min, not both")
	case in.Max != nil:
		sl.Bound, sl.UpperBound = *in.Max, true
	case in.Min != nil:
		sl.Bound = *in.Min
	default:
		c.Fail(p, "missing: max (good while the slice's value is at most it) or min (at least it)")
	}
}

func (c *converter) sliceRatio(s *SLO, in *specSliceRatio, p string) {
	c.counters(s, in.Errors, in.Good, in.Total, p)
	if in.Target == nil {
		return
	}
	sl := s.SLI.Slices
	switch v := *in.Target; {
	case v <= 0 || v > 100:
		c.Fail(p+".target", "must be above 0 and at most 100, got %s", fmtFloat(v))
	case v < 1:
		c.Fail(p+".target", "target %s is a fraction: targets are percentages, write %s", fmtFloat(v), fmtFloat(v*100))
	default:
		sl.Target = v
	}
}

// String describes a time-slice SLI's condition, for descriptions
// and dashboards: "p99 <= 500ms per 1m".
func (sl *Slices) String() string {
	switch sl.Condition {
	case SlicePercentile:
		return fmt.Sprintf("p%s <= %s", sl.PercentileLabel(), sl.Threshold)
	case SliceGauge:
		op := ">="
		if sl.UpperBound {
			op = "<="
		}
		return fmt.Sprintf("%s %s %s", sl.Aggregation, op, fmtFloat(sl.Bound))
	case SliceRatio:
		if sl.Target == 0 {
			return "share of good events"
		}
		return fmt.Sprintf("good events >= %s%%", fmtFloat(sl.Target))
	}
	return string(sl.Condition)
}
