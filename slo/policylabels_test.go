package slo_test

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// What PolicyLabels writes, ApplyPolicyLabels reads back: the period, the
// policy, the alert's name, severity values and tiers, a calendar and the
// grouping of every SLO of the example specs and the good fixtures (every
// kind of SLI, calendar periods, renamed severities, grouping).
func TestPolicyLabelsRoundTrip(t *testing.T) {
	files, err := filepath.Glob("../specs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good, _ := filepath.Glob("testdata/*.good.yaml")
	checked := map[string]bool{}
	for _, f := range append(files, good...) {
		svcs, diags := slo.ParseFile(f)
		if err := diags.Errors(); err != nil {
			t.Fatal(err)
		}
		var all []*slo.SLO
		for _, svc := range svcs {
			all = append(all, svc.SLOs...)
		}
		for _, s := range all {
			ls := slo.PolicyLabels(s)
			for k := range ls {
				checked[k] = true
			}
			got := &slo.SLO{}
			if err := slo.ApplyPolicyLabels(got, ls); err != nil {
				t.Fatalf("%s/%s: %v (labels %v)", s.Service, s.Name, err, ls)
			}
			if again := slo.PolicyLabels(got); !maps.Equal(again, ls) {
				t.Errorf("%s/%s: labels %v read back as %v", s.Service, s.Name, ls, again)
			}
			if got.Period != s.Period || !reflect.DeepEqual(got.Policy.AllowDuringFreeze, nonNil(s.Policy.AllowDuringFreeze)) ||
				got.Policy.WarnBelow != s.Policy.WarnBelow || got.Policy.FreezeOnPage != s.Policy.FreezeOnPage || !slices.Equal(got.Policy.Freezes, s.Policy.Freezes) ||
				!reflect.DeepEqual(withoutFor(got.Alerting.Tiers), withoutFor(s.Alerting.Tiers)) || !reflect.DeepEqual(got.Grouping, s.Grouping) ||
				got.Alerting.Name != s.Alerting.Name || (got.Calendar == nil) != (s.Calendar == nil) ||
				got.SLI.Aggregation != s.SLI.Aggregation || !reflect.DeepEqual(got.Regions, s.Regions) || !reflect.DeepEqual(withoutPlace(got.SLI.Members), withoutPlace(s.SLI.Members)) {
				t.Errorf("%s/%s: read back differently:\n got %+v\nwant %+v", s.Service, s.Name, got, s)
			}
		}
	}
	// The fixtures exercise every label the format has (the exhaustion
	// window is the old rules', a renamed ticket severity the same path as
	// a page's).
	for _, l := range slo.PolicyLabelNames() {
		if !checked[l] && l != series.ExhaustionWindowLabel && l != series.TicketSeverityLabel {
			t.Errorf("no SLO of the specs writes %s: the round trip does not cover it", l)
		}
	}
}

// withoutPlace drops where the members are written in their spec, which
// the labels do not carry.
func withoutPlace(members []slo.JourneyMember) []slo.JourneyMember {
	out := slices.Clone(members)
	for i := range out {
		out[i].Path, out[i].Line, out[i].Column = "", 0, 0
	}
	return out
}

// withoutFor drops what the labels do not carry: how long a tier's
// condition holds before it fires is the alerting rule's business.
func withoutFor(tiers []burnrate.Tier) []burnrate.Tier {
	out := slices.Clone(tiers)
	for i := range out {
		out[i].For = 0
	}
	return out
}

func nonNil(cs []slo.Change) []slo.Change {
	if cs == nil {
		return []slo.Change{}
	}
	return cs
}

// Values a backend may hold that slokit never writes are refused, naming
// the label.
func TestApplyPolicyLabelsRefusesWhatSlokitNeverWrites(t *testing.T) {
	base := map[string]string{series.PeriodLabel: "30d", series.WarnBelowLabel: "0.25", series.FreezeOnPageLabel: "true", series.AlertLabel: "SLOErrorBudgetBurn"}
	if err := slo.ApplyPolicyLabels(&slo.SLO{}, base); err != nil {
		t.Fatalf("valid labels refused: %v", err)
	}
	for label, value := range map[string]string{
		series.PeriodLabel:            "soon",
		series.WarnBelowLabel:         "2",
		series.FreezeOnPageLabel:      "sometimes",
		series.AllowDuringFreezeLabel: "hotfix,whenever",
		series.AlertLabel:             "",
		series.TiersLabel:             "page:1h/5m:+Inf",
		series.CalendarLabel:          "fortnight",
		series.GroupingLabel:          "0bad",
		series.ExhaustionWindowLabel:  "-1h",
		series.JourneyLabel:           "average",
	} {
		ls := maps.Clone(base)
		ls[label] = value
		err := slo.ApplyPolicyLabels(&slo.SLO{}, ls)
		if err == nil || !strings.Contains(err.Error(), label) && label != series.AlertLabel {
			t.Errorf("%s=%q: %v, want an error naming the label", label, value, err)
		}
	}
}

// A journey's members as a backend may hold them wrong: each refused with
// an error naming the label, never a panic.
func TestApplyPolicyLabelsRefusesBadMembers(t *testing.T) {
	base := map[string]string{series.PeriodLabel: "30d", series.WarnBelowLabel: "0.25", series.FreezeOnPageLabel: "true", series.AlertLabel: "SLOErrorBudgetBurn",
		series.JourneyLabel: "weighted"}
	for _, members := range []string{"", "order-api", "order-api/", "a b/c", "a/b@soon", "a/b*0", "a/b*-1", "a/b*+Inf", "a/b?%zz", "a/b?0bad=1", "a/b?k=1&k=2", "a/b?__name__=x",
		strings.Repeat("a/b,", slo.MaxJourneyMembers) + "a/b"} {
		ls := maps.Clone(base)
		ls[series.MembersLabel] = members
		s := &slo.SLO{}
		if err := slo.ApplyPolicyLabels(s, ls); err == nil || !strings.Contains(err.Error(), series.MembersLabel) {
			t.Errorf("members=%q: %v (read %+v), want an error naming the label", members, err, s.SLI)
		}
	}
	ls := maps.Clone(base)
	ls[series.MembersLabel] = "order-api/latency@500ms*2?provider=a%2Cb,payment/availability"
	s := &slo.SLO{}
	if err := slo.ApplyPolicyLabels(s, ls); err != nil || len(s.SLI.Members) != 2 || s.SLI.Members[0].Groups["provider"] != "a,b" || s.SLI.Members[0].Weight != 2 ||
		s.SLI.Members[0].Threshold != 500*time.Millisecond || s.SLI.Members[1].Weight != 1 {
		t.Errorf("%v: %+v", err, s.SLI)
	}
}
