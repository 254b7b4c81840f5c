package slo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slokit/slokit/series"
)

// CheckJourneys checks what SLOs say of other SLOs against those the specs
// define: the SLOs depended on (of a service they hold, one of its SLOs; no
// cycle, which would hold every page of it back) and every journey's
// members: a member of a service they hold must be one of its SLOs, with a
// threshold exactly when it measures latency (one of its objectives') and
// groups only by its grouping labels. A member of a service they do not
// hold is another team's, read from what its rules record; serve and
// discovery see whether it exists. Journeys that make a cycle are refused
// too: each would wait for the other's events. As a document with an
// error is, a service with a journey found wrong is left out of those
// returned.
func CheckJourneys(services []*Service) ([]*Service, Diagnostics) {
	slos := map[[2]string]*SLO{}
	known := map[string]bool{}
	for _, svc := range services {
		known[svc.Name] = true
		for _, s := range svc.SLOs {
			slos[[2]string{s.Service, s.Name}] = s
		}
	}
	var diags Diagnostics
	kept := services[:0:0]
	for _, svc := range services {
		before := len(diags)
		for _, s := range svc.SLOs {
			for _, m := range s.SLI.Members {
				fail := func(format string, args ...any) {
					diags = append(diags, &Diagnostic{File: svc.File, Line: m.Line, Column: m.Column, Path: m.Path, Message: fmt.Sprintf(format, args...)})
				}
				member := slos[[2]string{m.Service, m.SLO}]
				switch {
				case member == nil && known[m.Service]:
					fail("service %s has no SLO %s", m.Service, m.SLO)
				case member == nil:
				case member.SLI.Kind == Datadog:
					fail("%s/%s is measured by Datadog: its events are in no series a journey could read", m.Service, m.SLO)
				case member.SLI.Kind == Latency && m.Threshold == 0:
					fail("%s/%s measures latency: name the threshold whose events count (%s)", m.Service, m.SLO, thresholds(member))
				case member.SLI.Kind != Latency && m.Threshold != 0:
					fail("%s/%s has no threshold: it does not measure latency", m.Service, m.SLO)
				case m.Threshold != 0 && !slices.ContainsFunc(member.Objectives, func(o Objective) bool { return o.Threshold == m.Threshold }):
					fail("%s/%s has no objective under %s (%s)", m.Service, m.SLO, series.ThresholdValue(m.Threshold), thresholds(member))
				case member.SLI.Kind == Timeslices && !s.SLI.ReadsRatios():
					fail("%s/%s counts slices of time, not events: adding them up would add its minutes to the other members' requests; aggregate the journey by weighted or worst", m.Service, m.SLO)
				case member.SLI.Kind == Raw && !s.SLI.ReadsRatios():
					fail("%s/%s has a raw SLI, which records an error ratio and no events to add up: aggregate the journey by weighted or worst", m.Service, m.SLO)
				case s.SLI.ReadsRatios() && (member.BudgetWindow() != s.BudgetWindow()):
					fail("a %s journey reads its members' error ratios over its own period and alert windows: %s/%s's period is %s, the journey's %s", s.SLI.Aggregation, m.Service, m.SLO, member.BudgetWindow(), s.BudgetWindow())
				case s.SLI.ReadsRatios():
					if missing := missingWindows(s, member); len(missing) > 0 {
						fail("a %s journey reads its members' error ratios over its own alert windows: %s/%s records none over %s", s.SLI.Aggregation, m.Service, m.SLO, strings.Join(missing, ", "))
					}
				}
				if member != nil {
					for k := range m.Groups {
						if !slices.Contains(member.Grouping, k) {
							fail("%s/%s is not grouped by %s (grouping: %s)", m.Service, m.SLO, k, strings.Join(member.Grouping, ", "))
						}
					}
				}
			}
			for _, d := range s.DependsOn {
				if slos[[2]string{d.Service, d.SLO}] == nil && known[d.Service] {
					diags = append(diags, &Diagnostic{File: svc.File, Line: d.Line, Column: d.Column, Path: d.Path, Message: fmt.Sprintf("service %s has no SLO %s", d.Service, d.SLO)})
				}
			}
			if cycle := dependencyCycle(s, slos, nil); cycle != nil {
				d := s.DependsOn[0]
				diags = append(diags, &Diagnostic{File: svc.File, Line: d.Line, Column: d.Column, Path: strings.TrimSuffix(d.Path, "[0]"),
					Message: "SLOs that depend on each other would hold each other's pages back: " + strings.Join(cycle, " -> ")})
			}
			if cycle := journeyCycle(s, slos, nil); cycle != nil {
				m := s.SLI.Members[0]
				diags = append(diags, &Diagnostic{File: svc.File, Line: m.Line, Column: m.Column, Path: strings.TrimSuffix(m.Path, "[0]"),
					Message: "journeys that contain each other: " + strings.Join(cycle, " -> ")})
			}
		}
		if len(diags) == before {
			kept = append(kept, svc)
		}
	}
	diags.Sort()
	return kept, diags
}

// missingWindows are the journey's alert windows over which a member
// records no burn rate.
func missingWindows(journey, member *SLO) []string {
	has := map[time.Duration]bool{}
	for _, t := range member.Alerting.Tiers {
		has[t.Long], has[t.Short] = true, true
	}
	var out []string
	for _, t := range journey.Alerting.Tiers {
		for _, w := range []time.Duration{t.Long, t.Short} {
			if v := series.WindowValue(w); !has[w] && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func thresholds(s *SLO) string {
	var out []string
	for _, o := range s.Objectives {
		if o.Threshold > 0 && !slices.Contains(out, series.ThresholdValue(o.Threshold)) {
			out = append(out, series.ThresholdValue(o.Threshold))
		}
	}
	return strings.Join(out, ", ")
}

// dependencyCycle is the path by which s depends on itself, or nil.
func dependencyCycle(s *SLO, slos map[[2]string]*SLO, path []string) []string {
	return cycle(s, slos, path, func(s *SLO) (refs [][2]string) {
		for _, d := range s.DependsOn {
			refs = append(refs, [2]string{d.Service, d.SLO})
		}
		return refs
	})
}

// journeyCycle is the path by which s contains itself through journey
// members, or nil.
func journeyCycle(s *SLO, slos map[[2]string]*SLO, path []string) []string {
	return cycle(s, slos, path, func(s *SLO) (refs [][2]string) {
		for _, m := range s.SLI.Members {
			refs = append(refs, [2]string{m.Service, m.SLO})
		}
		return refs
	})
}

// cycle is the path by which s reaches itself through the SLOs next
// names, or nil; a cycle that s is not on is left to its own SLOs.
func cycle(s *SLO, slos map[[2]string]*SLO, path []string, next func(*SLO) [][2]string) []string {
	name := s.Service + "/" + s.Name
	if slices.Contains(path, name) {
		if path[0] == name {
			return append(path, name)
		}
		return nil
	}
	path = append(path, name)
	for _, ref := range next(s) {
		if other := slos[ref]; other != nil {
			if c := cycle(other, slos, path, next); c != nil {
				return c
			}
		}
	}
	return nil
}

// InEvaluationOrder lists the services' SLOs in the order their rule
// groups must be evaluated in one pass (a backfill computes each group
// over the whole stretch before the next): in spec order, but every
// journey after the SLOs it reads (JourneyDepth).
func InEvaluationOrder(services []*Service) []*SLO {
	slos := map[[2]string]*SLO{}
	var out []*SLO
	for _, svc := range services {
		for _, s := range svc.SLOs {
			slos[[2]string{s.Service, s.Name}] = s
			out = append(out, s)
		}
	}
	depth := make(map[*SLO]int, len(out))
	for _, s := range out {
		depth[s] = JourneyDepth(s, slos)
	}
	slices.SortStableFunc(out, func(a, b *SLO) int { return depth[a] - depth[b] })
	return out
}

// JourneyDepth orders SLOs so that a journey comes after the journeys
// among its members: 0 for an SLO that is no journey, 1 for a journey of
// none, and so on (CheckJourneys refuses cycles; a cycle gives 1).
func JourneyDepth(s *SLO, slos map[[2]string]*SLO) int {
	return journeyDepth(s, slos, map[*SLO]bool{})
}

func journeyDepth(s *SLO, slos map[[2]string]*SLO, seen map[*SLO]bool) int {
	if s.SLI.Kind != Journey {
		return 0
	}
	if seen[s] {
		return 1
	}
	seen[s] = true
	depth := 1
	for _, m := range s.SLI.Members {
		if member := slos[[2]string{m.Service, m.SLO}]; member != nil {
			depth = max(depth, 1+journeyDepth(member, slos, seen))
		}
	}
	return depth
}
