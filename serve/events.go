package serve

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/gate"
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

// maintenanceInForce are every service's maintenance windows that hold at
// now: the API's, and its specs' (a window of every SLO of a service once,
// with no SLO named). The gate's overview asks once for all services.
func (s *Server) maintenanceInForce(now time.Time) map[string][]api.MaintenanceInForce {
	out := map[string][]api.MaintenanceInForce{}
	for _, w := range s.opts.Store.Maintenance(now) {
		if !now.Before(w.Start) {
			out[w.Service] = append(out[w.Service], api.MaintenanceInForce{ID: w.ID, SLO: w.SLO, Start: w.Start, End: w.End})
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	type span struct {
		service    string
		start, end time.Time
	}
	held := map[span][]string{} // the SLOs a spec's window holds for
	var spans []span
	slos := map[string]int{}
	for key, m := range s.models {
		slos[key[0]]++
		for _, w := range m.Maintenance {
			if !w.Active(now) {
				continue
			}
			o := w.Occurrences(now, now)[0]
			sp := span{key[0], o[0], o[1]}
			if held[sp] == nil {
				spans = append(spans, sp)
			}
			if !slices.Contains(held[sp], m.Name) {
				held[sp] = append(held[sp], m.Name)
			}
		}
	}
	for _, sp := range spans {
		names := held[sp]
		if len(names) == slos[sp.service] {
			names = []string{""}
		}
		for _, name := range names {
			out[sp.service] = append(out[sp.service], api.MaintenanceInForce{SLO: name, Start: sp.start, End: sp.end})
		}
	}
	for _, list := range out {
		slices.SortStableFunc(list, func(a, b api.MaintenanceInForce) int {
			return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.SLO, b.SLO), a.End.Compare(b.End))
		})
	}
	return out
}

// frozenByJourneys adds to each service's states those of the journeys
// whose policy freezes it (slo.Policy.Freezes), each naming the member
// that spent most of it, so that the gate judges a member's change by the
// journey's freeze as well as by its own SLOs.
func frozenByJourneys(byService map[string][]servedState, states []servedState) {
	for _, st := range states {
		if len(st.Policy.Freezes) == 0 {
			continue
		}
		journey := st
		journey.mostSpent, journey.burningFastest = mostSpent(st.Members), burningFastest(st.Members)
		for _, svc := range st.Policy.Freezes {
			if svc != st.Service {
				byService[svc] = append(byService[svc], journey)
			}
		}
	}
}

// mostSpent names the journey member with the largest share of what the
// journey spent, as budget.Read found it, or while shares are unknown the
// one with the least budget left; empty when none has data.
func mostSpent(members []budget.Member) string {
	var most, least *budget.Member
	for i, m := range members {
		if m.Share != nil && (most == nil || *m.Share > *most.Share) {
			most = &members[i]
		}
		if m.Remaining != nil && (least == nil || *m.Remaining < *least.Remaining) {
			least = &members[i]
		}
	}
	switch {
	case most != nil && most.Remaining != nil:
		return fmt.Sprintf("spent most: %s/%s (%s%% of the spending, %s%% of its budget left)", most.Service, most.SLO, percentText(*most.Share), percentText(*most.Remaining))
	case most != nil:
		return fmt.Sprintf("spent most: %s/%s (%s%% of the spending)", most.Service, most.SLO, percentText(*most.Share))
	case least != nil:
		return fmt.Sprintf("least budget left: %s/%s (%s%% left)", least.Service, least.SLO, percentText(*least.Remaining))
	}
	return ""
}

// burningFastest names the journey member burning its budget fastest over
// the journey's exhaustion window (budget.Member.BurnRate), the one its
// page comes from; empty when none has a burn rate.
func burningFastest(members []budget.Member) string {
	var fastest *budget.Member
	for i, m := range members {
		if m.BurnRate != nil && (fastest == nil || *m.BurnRate > *fastest.BurnRate) {
			fastest = &members[i]
		}
	}
	if fastest == nil {
		return ""
	}
	return fmt.Sprintf("burning fastest: %s/%s (%sx over %s)", fastest.Service, fastest.SLO, strconv.FormatFloat(math.Round(*fastest.BurnRate*10)/10, 'f', -1, 64), fastest.BurnWindow)
}

// percentText writes a ratio in percent to a tenth: -0.8 is "-80".
func percentText(ratio float64) string {
	return strconv.FormatFloat(math.Round(ratio*1000)/10, 'f', -1, 64)
}
