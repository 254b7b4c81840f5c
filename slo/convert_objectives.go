package slo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/internal/strictyaml"
)

func objectivePath(in *specSLO, path string, o Objective) string {
	for i, so := range in.Objectives {
		if so.Objective != nil && *so.Objective == o.Target {
			return fmt.Sprintf("%s.objectives[%d].objective", path, i)
		}
	}
	return path + ".objective"
}

func (c *converter) convertObjectives(s *SLO, in *specSLO, path string) {
	var sliThreshold *strictyaml.Duration
	if in.SLI != nil && in.SLI.Latency != nil {
		sliThreshold = in.SLI.Latency.Threshold
	}
	isLatency := s.SLI.Kind == Latency
	if sliThreshold != nil && !isLatency {
		sliThreshold = nil
	}
	if !isLatency {
		for i, o := range in.Objectives {
			if o.Threshold != nil {
				c.Fail(fmt.Sprintf("%s.objectives[%d].threshold", path, i), "only latency SLIs have a threshold")
			}
		}
	}
	addObjective := func(p string, target float64, threshold *strictyaml.Duration, thresholdPath string) {
		c.checkObjective(p, target)
		var th time.Duration
		if isLatency {
			if threshold == nil {
				c.Fail(thresholdPath, "missing: a latency SLI needs a threshold such as 500ms (one of the histogram's bucket bounds)")
			} else if threshold.Value <= 0 {
				c.Fail(thresholdPath, "must be positive, got %s", threshold.Text)
			} else {
				th = threshold.Value
			}
		}
		o := NewObjective(target, th)
		for _, prev := range s.Objectives {
			if prev == o {
				c.Fail(p, "duplicate objective %s%%%s", o.Label(), thresholdSuffix(o))
				return
			}
		}
		s.Objectives = append(s.Objectives, o)
	}
	switch {
	case in.Objective != nil && len(in.Objectives) > 0:
		c.Fail(path+".objectives", "set either objective or objectives, not both")
	case in.Objective != nil:
		addObjective(path+".objective", *in.Objective, sliThreshold, path+".sli.latency.threshold")
	case len(in.Objectives) > 0:
		for i, o := range in.Objectives {
			p := fmt.Sprintf("%s.objectives[%d]", path, i)
			if o.Objective == nil {
				c.Fail(p+".objective", "missing: a percentage such as 99.9")
				continue
			}
			th, thPath := o.Threshold, p+".threshold"
			if th == nil {
				th = sliThreshold
			}
			addObjective(p+".objective", *o.Objective, th, thPath)
		}
	default:
		c.Fail(path+".objective", "missing: a percentage such as 99.9 (or objectives: a list of them)")
	}
}

func thresholdSuffix(o Objective) string {
	if o.Threshold == 0 {
		return ""
	}
	return " < " + o.Threshold.String()
}

// Bounds of an objective that slokit computes with: below MinObjective
// an SLO promises nothing, and an error budget under MinErrorBudget (a
// ten-millionth of a percent, 99.9999999%) is lost in floating-point
// rounding of the ratios Prometheus computes.
const (
	MinObjective   = 0.001
	MinErrorBudget = 1e-7
)

func (c *converter) checkObjective(path string, v float64) {
	switch {
	case v <= 0 || v >= 100:
		c.Fail(path, "must be between 0 and 100, got %s", fmtFloat(v))
		return
	case v < MinObjective:
		c.Fail(path, "objective %s%% is below %s%%: an SLO promises more than that", strconv.FormatFloat(v, 'g', 4, 64), fmtFloat(MinObjective))
		return
	case 100-v < MinErrorBudget*(1-1e-6): // 99.9999999 itself is fine
		c.Fail(path, "objective %s%% leaves an error budget under 0.0000001%% (99.9999999%% at most): too small to compute exactly", strconv.FormatFloat(v, 'g', -1, 64))
		return
	}
	if v < 1 {
		// An objective under 1% is a fraction written as a percentage:
		// compiled as it is, it would promise nothing and never page.
		c.Fail(path, "objective %s%% is a fraction: objectives are percentages, write %s", fmtFloat(v), fmtFloat(burnrate.Clean(v*100)))
	}
}
