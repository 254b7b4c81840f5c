package serve

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/store"
)

// Bounds of the canary check, an unauthenticated read that costs the
// backend four queries an objective and writes an audit record: at most
// maxCanaryChecks run at once (the others are answered 503 at once), and
// at most maxCanaryRecords verdicts a minute are recorded (rollouts ask
// about once a minute per SLO; a flood beyond is counted, not written).
const (
	maxCanaryChecks  = 8
	maxCanaryRecords = 600
	maxVerdictsShown = 20
)

// canaryGuard holds the bounds' state.
type canaryGuard struct {
	inFlight   chan struct{}
	mu         sync.Mutex
	minute     time.Time // the minute recorded counts
	recorded   int
	unrecorded prometheus.Counter
}

func newCanaryGuard() canaryGuard {
	return canaryGuard{inFlight: make(chan struct{}, maxCanaryChecks), unrecorded: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "slokit_canary_verdicts_unrecorded_total",
		Help: "Canary verdicts not written to the audit trail: over the bound of records a minute, or refused by the store.",
	})}
}

// enter takes a place among the checks in flight, or reports there is
// none; leave gives it back.
func (g *canaryGuard) enter() bool {
	select {
	case g.inFlight <- struct{}{}:
		return true
	default:
		return false
	}
}

func (g *canaryGuard) leave() { <-g.inFlight }

// mayRecord counts a record in the current minute, if there is room.
func (g *canaryGuard) mayRecord(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if m := now.Truncate(time.Minute); !m.Equal(g.minute) {
		g.minute, g.recorded = m, 0
	}
	if g.recorded >= maxCanaryRecords {
		return false
	}
	g.recorded++
	return true
}

// recordVerdict writes a verdict with its figures to the audit trail.
func (s *Server) recordVerdict(rep canary.Report, sides canary.Sides, client string, now time.Time) {
	if !s.canaries.mayRecord(now) {
		s.canaries.unrecorded.Inc()
		return
	}
	c, b := sides.Strings()
	rec := store.CanaryRecord{Service: rep.Service, Verdict: string(rep.Verdict), Change: string(rep.Change), Window: rep.Window,
		Confidence: rep.Confidence, Canary: c, Baseline: b, Note: rep.Note, Objectives: []store.CanaryObjectiveRecord{}}
	for _, o := range rep.Objectives {
		rec.Objectives = append(rec.Objectives, store.CanaryObjectiveRecord{SLO: o.SLO, Objective: o.Objective, Verdict: string(o.Verdict),
			CanaryTotal: o.Canary.Total, CanaryBad: o.Canary.Bad, BaselineTotal: o.Baseline.Total, BaselineBad: o.Baseline.Bad,
			CanaryBurnRate: o.CanaryBurnRate, BaselineBurnRate: o.BaselineBurnRate, DifferenceLower: o.DifferenceLower})
	}
	if err := s.opts.Store.Verdict(store.AuditEntry{Time: now, Kind: "canary-verdict", Canary: &rec, Client: client}); err != nil {
		s.canaries.unrecorded.Inc()
	}
}

// canaryVerdicts answers a service's latest canary verdicts, newest first,
// from the audit trail (GET /api/v1/canary/{service}/verdicts?limit=N):
// the service page shows them. Without the token, so without the
// clients' addresses.
func (s *Server) canaryVerdicts(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if !validService(w, service) {
		return
	}
	limit := maxVerdictsShown
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxVerdictsShown {
			fail(w, http.StatusBadRequest, "limit must be 1 to %d; got %q", maxVerdictsShown, v)
			return
		}
		limit = n
	}
	entries, err := s.opts.Store.Audit(r.Context(), service, store.MaxAuditRecords)
	if err != nil {
		fail(w, http.StatusServiceUnavailable, "the audit trail could not be read: %s", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	type verdict struct {
		Time time.Time `json:"time"`
		store.CanaryRecord
	}
	out := []verdict{}
	for _, e := range entries {
		if e.Canary != nil && len(out) < limit {
			out = append(out, verdict{Time: e.Time, CanaryRecord: *e.Canary})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"service": service, "verdicts": out})
}
