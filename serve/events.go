package serve

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store"
)

// historyEvents are what shaped an SLO's budget and its service's gate
// over [from, to], for the UI's burndown: deny decisions, overrides in
// force and maintenance windows (the API's that hold for the SLO, and its
// spec's). They come from the latest store.MaxAuditRecords records of the
// service's audit trail, and the windows not ended; who and why are left
// out, since the answer needs no token. The error is the audit trail's:
// the spec's windows and those not ended are returned all the same.
func (s *Server) historyEvents(ctx context.Context, m *slo.SLO, from, to time.Time) ([]api.Event, error) {
	var out []api.Event
	overlaps := func(start, end time.Time) bool { return end.After(from) && !start.After(to) }
	windows := map[string]api.Event{} // the API's maintenance windows, by ID
	window := func(w gate.Maintenance, end time.Time) {
		if w.Service == m.Service && (w.SLO == "" || w.SLO == m.Name) {
			windows[w.ID] = api.Event{Kind: api.EventMaintenance, Start: w.Start, End: end, ID: w.ID}
		}
	}
	records, err := s.opts.Store.Audit(ctx, m.Service, store.MaxAuditRecords)
	overrides := map[string]api.Event{}
	// Oldest first, so that a change or deletion of an override, or the
	// end of a window, comes after its creation.
	for _, e := range slices.Backward(records) {
		switch {
		case e.Decision != nil && e.Decision.Verdict == gate.Deny:
			out = append(out, api.Event{Kind: api.EventDeny, Start: e.Time, Count: 1})
		case e.Repeated != nil && e.Repeated.Decision == gate.Deny:
			out = append(out, api.Event{Kind: api.EventDeny, Start: e.Repeated.First, End: e.Repeated.Last, Count: e.Repeated.Count})
		case e.Override != nil && e.Kind == "override-deleted":
			if o, ok := overrides[e.Override.ID]; ok && e.Time.Before(o.End) {
				o.End = e.Time
				overrides[o.ID] = o
			}
		case e.Override != nil:
			overrides[e.Override.ID] = api.Event{Kind: api.EventOverride, Start: e.Override.Created, End: e.Override.Expires, ID: e.Override.ID}
		case e.Maintenance != nil && e.Kind == "maintenance-ended":
			window(*e.Maintenance, minTime(e.Maintenance.End, e.Time))
		case e.Maintenance != nil:
			window(*e.Maintenance, e.Maintenance.End)
		}
	}
	for _, w := range s.opts.Store.Maintenance(to) {
		if _, ok := windows[w.ID]; !ok {
			window(w, w.End)
		}
	}
	for _, e := range overrides {
		out = append(out, e)
	}
	for _, e := range windows {
		out = append(out, e)
	}
	for _, w := range m.Maintenance {
		for _, o := range w.Occurrences(from, to) {
			out = append(out, api.Event{Kind: api.EventMaintenance, Start: o[0], End: o[1]})
		}
	}
	out = slices.DeleteFunc(out, func(e api.Event) bool {
		end := e.End
		if end.IsZero() {
			end = e.Start.Add(time.Nanosecond)
		}
		return !overlaps(e.Start, end)
	})
	slices.SortStableFunc(out, func(a, b api.Event) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	return nonNil(out), err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// maintenanceInForce are the service's maintenance windows that hold at
// now: the API's, and its specs' (a window of every SLO of the service
// once, with no SLO named).
func (s *Server) maintenanceInForce(service string, now time.Time) []api.MaintenanceInForce {
	out := []api.MaintenanceInForce{}
	for _, w := range s.opts.Store.Maintenance(now) {
		if w.Service == service && !now.Before(w.Start) {
			out = append(out, api.MaintenanceInForce{ID: w.ID, SLO: w.SLO, Start: w.Start, End: w.End})
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	bySpan := map[[2]time.Time][]string{} // the SLOs a spec's window holds for
	var spans [][2]time.Time
	slos := 0
	for key, m := range s.models {
		if key[0] != service {
			continue
		}
		slos++
		for _, w := range m.Maintenance {
			if !w.Active(now) {
				continue
			}
			span := w.Occurrences(now, now)[0]
			if bySpan[span] == nil {
				spans = append(spans, span)
			}
			if !slices.Contains(bySpan[span], m.Name) {
				bySpan[span] = append(bySpan[span], m.Name)
			}
		}
	}
	for _, span := range spans {
		names := bySpan[span]
		if len(names) == slos {
			names = []string{""}
		}
		slices.Sort(names)
		for _, name := range names {
			out = append(out, api.MaintenanceInForce{SLO: name, Start: span[0], End: span[1]})
		}
	}
	slices.SortStableFunc(out, func(a, b api.MaintenanceInForce) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.SLO, b.SLO))
	})
	return out
}

// frozenByJourneys adds to each service's states those of the journeys
// whose policy freezes it (slo.Policy.Freezes), each naming the member
// with the least budget left, so that the gate judges a member's change
// by the journey's freeze as well as by its own SLOs.
func frozenByJourneys(byService map[string][]servedState, states []servedState, services []*slo.Service) {
	models := map[[2]string]*slo.SLO{}
	for _, svc := range services {
		for _, m := range svc.SLOs {
			models[[2]string{m.Service, m.Name}] = m
		}
	}
	for _, st := range states {
		if len(st.Policy.Freezes) == 0 {
			continue
		}
		journey := st
		journey.mostSpent = leastLeft(models[[2]string{st.Service, st.SLO}], states)
		for _, svc := range st.Policy.Freezes {
			if svc != st.Service {
				byService[svc] = append(byService[svc], journey)
			}
		}
	}
}

// leastLeft names the journey member with the least budget left, from
// the states read; empty when none of its members' is known (the journey
// was discovered, and its members are another backend's).
func leastLeft(journey *slo.SLO, states []servedState) string {
	if journey == nil {
		return ""
	}
	best, least := "", math.Inf(1)
	for _, m := range journey.SLI.Members {
		for _, st := range states {
			if st.Service != m.Service || st.SLO != m.SLO || st.Remaining == nil || (m.Threshold > 0 && st.Threshold != series.ThresholdValue(m.Threshold)) {
				continue
			}
			if *st.Remaining < least {
				best, least = fmt.Sprintf("%s/%s (%s%% left)", m.Service, m.SLO, strconv.FormatFloat(math.Round(*st.Remaining*1000)/10, 'f', -1, 64)), *st.Remaining
			}
		}
	}
	return best
}
