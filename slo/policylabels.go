package slo

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
)

// The Policy series (series.Policy) carries, as labels, what slokit serve
// needs to judge an SLO whose spec it does not have: the budget's period,
// the error-budget policy, the burn-rate alert's name and tiers, the
// severity values, a calendar period and the grouping. The rule generator
// writes them with PolicyLabels and discovery reads them back with
// ApplyPolicyLabels: one format, which TestPolicyLabelsRoundTrip holds.

// PolicyLabelNames are the labels PolicyLabels may write, for comparing
// two Policy series whatever else (a replica's external labels) they
// carry.
func PolicyLabelNames() []string {
	return []string{series.PeriodLabel, series.WarnBelowLabel, series.FreezeOnPageLabel, series.AllowDuringFreezeLabel,
		series.AlertLabel, series.ExhaustionWindowLabel, series.TiersLabel, series.GroupingLabel,
		series.PageSeverityLabel, series.TicketSeverityLabel, series.CalendarLabel, series.TimeZoneLabel, series.FreezesLabel,
		series.JourneyLabel, series.MembersLabel, series.RegionLabelLabel, series.RegionsLabel, series.RegionGateLabel}
}

// PolicyLabels returns the labels of the SLO's Policy series, without its
// identity. Lists are comma-separated, windows written as WindowValue
// writes them.
func PolicyLabels(s *SLO) map[string]string {
	ls := map[string]string{
		series.PeriodLabel:       series.WindowValue(s.Period),
		series.WarnBelowLabel:    strconv.FormatFloat(s.Policy.WarnBelow, 'g', -1, 64),
		series.FreezeOnPageLabel: strconv.FormatBool(s.Policy.FreezeOnPage),
		series.AlertLabel:        s.Alerting.Name,
	}
	if len(s.Policy.AllowDuringFreeze) > 0 {
		changes := make([]string, len(s.Policy.AllowDuringFreeze))
		for i, c := range s.Policy.AllowDuringFreeze {
			changes[i] = string(c)
		}
		ls[series.AllowDuringFreezeLabel] = strings.Join(changes, ",")
	}
	if w := s.Alerting.ExhaustionWindow(); w > 0 {
		ls[series.ExhaustionWindowLabel] = series.WindowValue(w)
	}
	if len(s.Alerting.Tiers) > 0 {
		tiers := make([]string, len(s.Alerting.Tiers))
		for i, t := range s.Alerting.Tiers {
			tiers[i] = fmt.Sprintf("%s:%s/%s:%s", t.Severity, series.WindowValue(t.Long), series.WindowValue(t.Short), strconv.FormatFloat(t.Factor, 'g', -1, 64))
		}
		ls[series.TiersLabel] = strings.Join(tiers, ",")
	}
	if len(s.Grouping) > 0 {
		ls[series.GroupingLabel] = strings.Join(s.Grouping, ",")
	}
	for sev, l := range map[burnrate.Severity]string{burnrate.Page: series.PageSeverityLabel, burnrate.Ticket: series.TicketSeverityLabel} {
		if v := s.Alerting.SeverityValue(sev); v != string(sev) {
			ls[l] = v
		}
	}
	if s.Calendar != nil {
		ls[series.CalendarLabel] = string(s.Calendar.Unit)
		ls[series.TimeZoneLabel] = s.Calendar.TimeZone()
	}
	if len(s.Policy.Freezes) > 0 {
		ls[series.FreezesLabel] = strings.Join(s.Policy.Freezes, ",")
	}
	if r := s.Regions; r != nil {
		ls[series.RegionLabelLabel] = r.Label
		ls[series.RegionGateLabel] = string(r.Gate)
		if len(r.Expected) > 0 {
			ls[series.RegionsLabel] = strings.Join(r.Expected, ",")
		}
	}
	if s.SLI.Kind == Journey {
		ls[series.JourneyLabel] = s.SLI.Aggregation
		ls[series.MembersLabel] = membersLabel(s.SLI.Members)
	}
	return ls
}

// membersLabel writes a journey's members as series.MembersLabel says.
func membersLabel(members []JourneyMember) string {
	parts := make([]string, len(members))
	for i, m := range members {
		var b strings.Builder
		b.WriteString(m.Service + "/" + m.SLO)
		if m.Threshold > 0 {
			b.WriteString("@" + series.ThresholdValue(m.Threshold))
		}
		if m.Weight != 1 {
			b.WriteString("*" + strconv.FormatFloat(m.Weight, 'g', -1, 64))
		}
		if len(m.Groups) > 0 {
			q := url.Values{}
			for k, v := range m.Groups {
				q.Set(k, v)
			}
			b.WriteString("?" + q.Encode())
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ",")
}

// journeyOf reads a journey's SLI from the labels of its Policy series;
// false for an SLO that is no journey.
func journeyOf(ls map[string]string) (SLI, bool, error) {
	aggregation, ok := ls[series.JourneyLabel]
	if !ok {
		return SLI{}, false, nil
	}
	if !slices.Contains(Aggregations(), aggregation) {
		return SLI{}, false, fmt.Errorf("%s %q is not one of %s", series.JourneyLabel, aggregation, strings.Join(Aggregations(), ", "))
	}
	sli := SLI{Kind: Journey, Aggregation: aggregation}
	for _, part := range splitList(ls[series.MembersLabel]) {
		bad := func(why string) error {
			return fmt.Errorf("%s: %q is not a member (service/slo[@threshold][*weight][?groups]): %s", series.MembersLabel, part, why)
		}
		if len(sli.Members) == MaxJourneyMembers {
			return SLI{}, false, fmt.Errorf("%s: more than %d members", series.MembersLabel, MaxJourneyMembers)
		}
		rest, query, hasGroups := strings.Cut(part, "?")
		rest, weight, hasWeight := strings.Cut(rest, "*")
		rest, threshold, hasThreshold := strings.Cut(rest, "@")
		service, name, _ := strings.Cut(rest, "/")
		m := JourneyMember{Service: service, SLO: name, Weight: 1}
		if !ValidName(service) || !ValidName(name) {
			return SLI{}, false, bad("no valid service and SLO name")
		}
		if hasThreshold {
			d, err := model.ParseDuration(threshold)
			if err != nil || d <= 0 {
				return SLI{}, false, bad("the threshold is no duration")
			}
			m.Threshold = time.Duration(d)
		}
		if hasWeight {
			w, err := strconv.ParseFloat(weight, 64)
			if err != nil || !(w > 0) || math.IsInf(w, 1) {
				return SLI{}, false, bad("the weight is no number above 0")
			}
			m.Weight = w
		}
		if hasGroups {
			q, err := url.ParseQuery(query)
			if err != nil || len(q) == 0 {
				return SLI{}, false, bad("the groups are no URL query")
			}
			m.Groups = map[string]string{}
			for k, vs := range q {
				if !model.LabelName(k).IsValidLegacy() || strings.HasPrefix(k, "__") || len(vs) != 1 {
					return SLI{}, false, bad(fmt.Sprintf("%q is not one group label", k))
				}
				m.Groups[k] = vs[0]
			}
		}
		sli.Members = append(sli.Members, m)
	}
	if len(sli.Members) == 0 {
		return SLI{}, false, fmt.Errorf("a %s of no %s", series.JourneyLabel, series.MembersLabel)
	}
	return sli, true, nil
}

// ApplyPolicyLabels sets what the labels of a Policy series say on s: its
// period (unless the labels hold none, as rules generated before 0.1.0
// wrote it as a series of its own), policy, alert name, severity values
// and tiers, calendar and grouping. It checks every value, since they come
// from a backend: an error names the label.
func ApplyPolicyLabels(s *SLO, ls map[string]string) error {
	if v, ok := ls[series.PeriodLabel]; ok {
		d, err := model.ParseDuration(v)
		if err != nil || time.Duration(d) < time.Minute || time.Duration(d) > 366*24*time.Hour {
			return fmt.Errorf("%s %q is not a period", series.PeriodLabel, v)
		}
		s.Period = time.Duration(d)
	}
	p, err := policyOf(ls)
	if err != nil {
		return err
	}
	alert := ls[series.AlertLabel]
	if !model.LabelValue(alert).IsValid() || alert == "" {
		return fmt.Errorf("no %s label", series.AlertLabel)
	}
	s.Policy = p
	s.Alerting = Alerting{Name: alert, Severities: map[burnrate.Severity]SeverityConfig{}}
	for sev, l := range map[burnrate.Severity]string{burnrate.Page: series.PageSeverityLabel, burnrate.Ticket: series.TicketSeverityLabel} {
		if v, ok := ls[l]; ok {
			if v == "" || !model.LabelValue(v).IsValid() {
				return fmt.Errorf("%s %q is not a severity value", l, v)
			}
			s.Alerting.Severities[sev] = SeverityConfig{Value: v}
		}
	}
	if unit := ls[series.CalendarLabel]; unit != "" {
		cal := &Calendar{Unit: CalendarUnit(unit)}
		if cal.Unit != CalendarMonth && cal.Unit != CalendarWeek {
			return fmt.Errorf("%s %q is not month or week", series.CalendarLabel, unit)
		}
		loc, err := LoadZone(ls[series.TimeZoneLabel])
		if err != nil {
			return fmt.Errorf("%s %q is not a time zone", series.TimeZoneLabel, ls[series.TimeZoneLabel])
		}
		cal.Location = loc
		s.Calendar = cal
	}
	if s.Alerting.SeverityValue(burnrate.Page) == s.Alerting.SeverityValue(burnrate.Ticket) {
		return fmt.Errorf("pages and tickets both carry severity %q", s.Alerting.SeverityValue(burnrate.Page))
	}
	if w := ls[series.ExhaustionWindowLabel]; w != "" {
		d, err := model.ParseDuration(w)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s %q is not a window", series.ExhaustionWindowLabel, w)
		}
		// The one tier known from rules written before TiersLabel: it
		// tells the budget reader which burn rate times the budget's
		// exhaustion.
		s.Alerting.Tiers = []burnrate.Tier{{Severity: burnrate.Page, Long: time.Duration(d)}}
	}
	if v := ls[series.TiersLabel]; v != "" {
		tiers, err := parseTiers(v)
		if err != nil {
			return err
		}
		s.Alerting.Tiers = tiers
	}
	if sli, ok, err := journeyOf(ls); err != nil {
		return err
	} else if ok {
		s.SLI = sli
	}
	if err := regionsOf(s, ls); err != nil {
		return err
	}
	s.Grouping = nil
	for _, l := range splitList(ls[series.GroupingLabel]) {
		if !model.LabelName(l).IsValidLegacy() || strings.HasPrefix(l, "__") {
			return fmt.Errorf("%s: %q is not a label name a spec can group by", series.GroupingLabel, l)
		}
		s.Grouping = append(s.Grouping, l)
	}
	return nil
}

// splitList returns the items of a comma-separated label value, none for
// an absent label.
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// parseTiers reads the alert tiers from the value of TiersLabel.
func parseTiers(v string) ([]burnrate.Tier, error) {
	var tiers []burnrate.Tier
	for part := range strings.SplitSeq(v, ",") {
		bad := fmt.Errorf("%s: %q is not severity:long/short:factor", series.TiersLabel, part)
		sev, rest, ok1 := strings.Cut(part, ":")
		windows, factor, ok2 := strings.Cut(rest, ":")
		long, short, ok3 := strings.Cut(windows, "/")
		if !ok1 || !ok2 || !ok3 || (sev != string(burnrate.Page) && sev != string(burnrate.Ticket)) {
			return nil, bad
		}
		l, errL := model.ParseDuration(long)
		sh, errS := model.ParseDuration(short)
		f, errF := strconv.ParseFloat(factor, 64)
		if errL != nil || errS != nil || errF != nil || l <= 0 || sh <= 0 || !(f > 0) || math.IsInf(f, 1) {
			return nil, bad
		}
		tiers = append(tiers, burnrate.Tier{Severity: burnrate.Severity(sev), Long: time.Duration(l), Short: time.Duration(sh), Factor: f})
	}
	return tiers, nil
}

// policyOf reads the error-budget policy a Policy series' labels carry.
func policyOf(ls map[string]string) (Policy, error) {
	warn, err := strconv.ParseFloat(ls[series.WarnBelowLabel], 64)
	if err != nil || !(warn >= 0 && warn <= 1) {
		return Policy{}, fmt.Errorf("%s %q is not a ratio between 0 and 1", series.WarnBelowLabel, ls[series.WarnBelowLabel])
	}
	freeze, err := strconv.ParseBool(ls[series.FreezeOnPageLabel])
	if err != nil {
		return Policy{}, fmt.Errorf("%s %q is not true or false", series.FreezeOnPageLabel, ls[series.FreezeOnPageLabel])
	}
	p := Policy{WarnBelow: warn, FreezeOnPage: freeze, AllowDuringFreeze: []Change{}}
	for _, c := range splitList(ls[series.AllowDuringFreezeLabel]) {
		if !slices.Contains(Changes(), Change(c)) {
			return Policy{}, fmt.Errorf("%s: %q is not a kind of change", series.AllowDuringFreezeLabel, c)
		}
		p.AllowDuringFreeze = append(p.AllowDuringFreeze, Change(c))
	}
	for _, svc := range splitList(ls[series.FreezesLabel]) {
		if !ValidName(svc) {
			return Policy{}, fmt.Errorf("%s: %q is not a service name", series.FreezesLabel, svc)
		}
		p.Freezes = append(p.Freezes, svc)
	}
	return p, nil
}

// regionsOf reads an SLO's regions from its Policy series' labels: none
// without a region label.
func regionsOf(s *SLO, ls map[string]string) error {
	label := ls[series.RegionLabelLabel]
	if label == "" {
		s.Regions = nil
		return nil
	}
	if !model.LabelName(label).IsValidLegacy() || strings.HasPrefix(label, "__") {
		return fmt.Errorf("%s: %q is not a label name", series.RegionLabelLabel, label)
	}
	r := DefaultRegions()
	r.Label = label
	if g := RegionGate(ls[series.RegionGateLabel]); g != "" {
		if !slices.Contains(RegionGates(), g) {
			return fmt.Errorf("%s %q is not one of both, region, global", series.RegionGateLabel, g)
		}
		r.Gate = g
	}
	for _, name := range splitList(ls[series.RegionsLabel]) {
		if !ValidName(name) || len(r.Expected) == maxRegions {
			return fmt.Errorf("%s: %q is not a region name, or one too many", series.RegionsLabel, name)
		}
		r.Expected = append(r.Expected, name)
	}
	s.Regions = &r
	return nil
}
