package simulate

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// pageSeverities are the severity labels of alerts that page when the
// rules are not generated from the specs: slokit's default, and the
// critical of Pyrra's and many hand-written rules.
var pageSeverities = []string{"page", "critical"}

// markPages sets whether each alert pages, and for an SLO tracked by
// region, which region's budget it is about. An alert of one of the
// services' SLOs pages when its severity is the SLO's page value, so a
// team that calls its pages "urgent" is judged by them.
func markPages(alerts []AlertResult, services []*slo.Service) {
	sloOf := map[[2]string]*slo.SLO{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			sloOf[[2]string{s.Service, s.Name}] = s
		}
	}
	for i, a := range alerts {
		s := sloOf[[2]string{a.Labels[series.ServiceLabel], a.Labels[series.SLOLabel]}]
		if s != nil && a.Alert == s.Alerting.Name {
			sev, ok := s.Alerting.SeverityOf(a.Severity)
			alerts[i].Page = ok && sev == burnrate.Page
			if s.Regions != nil {
				alerts[i].Region = a.Labels[s.Regions.Label]
			}
			continue
		}
		alerts[i].Page = slices.Contains(pageSeverities, a.Severity)
	}
}

// Check returns the expectations the result does not meet, one sentence
// each; none when it meets them all.
func (r *Result) Check(e scenario.Expect) []string {
	var failed []string
	pages := func(a AlertResult) bool { return a.Page }
	if e.NoPage {
		for _, a := range r.Alerts {
			if pages(a) && a.Firings > 0 {
				failed = append(failed, fmt.Sprintf("no page expected, but %s fired %d time(s)", AlertName(a), a.Firings))
			}
		}
	}
	if e.NoFalseFirings {
		for _, a := range r.Alerts {
			if a.FalseFirings > 0 {
				failed = append(failed, fmt.Sprintf("no false firing expected, but %s fired %d time(s) outside the incidents", AlertName(a), a.FalseFirings))
			}
		}
	}
	if e.PageWithin > 0 {
		failed = append(failed, r.checkPageWithin(e.PageWithin, pages)...)
	}
	return failed
}

// checkPageWithin expects every SLO objective to page within d of the
// first incident's start (in a scenario with regions, in any region or
// over all of them); with rules that carry no SLO labels (foreign
// rules), some page alert must.
func (r *Result) checkPageWithin(d time.Duration, pages func(AlertResult) bool) []string {
	detected := func(a AlertResult) bool {
		return pages(a) && a.DetectionSeconds != nil && *a.DetectionSeconds <= d.Seconds()
	}
	var failed []string
	matched := false
	for _, b := range r.Budgets {
		if b.Region != "" {
			continue // a page of any region is the SLO's page
		}
		var own []AlertResult
		for _, a := range r.Alerts {
			if a.Labels[series.ServiceLabel] == b.Service && a.Labels[series.SLOLabel] == b.SLO && a.Labels[series.ObjectiveLabel] == b.Objective {
				own = append(own, a)
			}
		}
		if len(own) == 0 {
			continue
		}
		matched = true
		if slices.ContainsFunc(own, detected) {
			continue
		}
		first := "never"
		earliest := -1.0
		for _, a := range own {
			if pages(a) && a.DetectionSeconds != nil && (earliest < 0 || *a.DetectionSeconds < earliest) {
				earliest = *a.DetectionSeconds
				first = "only after " + model.Duration(time.Duration(earliest)*time.Second).String()
			}
		}
		failed = append(failed, fmt.Sprintf("%s/%s (%s%%) should page within %s of the first incident, and paged %s", b.Service, b.SLO, b.Objective, model.Duration(d), first))
	}
	if !matched && !slices.ContainsFunc(r.Alerts, detected) {
		failed = append(failed, fmt.Sprintf("an alert should page within %s of the first incident, and none did", model.Duration(d)))
	}
	return failed
}
