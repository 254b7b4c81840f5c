package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve/api"
)

// servedState is a state with its answer encoded once, at the refresh
// that read it. The gate answers every check of a service with all of the
// service's states, and encoding them again for each check took a third
// of a check's time; only their data age changes between two refreshes.
type servedState struct {
	budget.State
	// wire is the api.SLOState, ending in `"dataAgeSeconds":null}`.
	wire []byte
	// mostSpent, on a journey's state judged for a member's service, names
	// the member that spent most of it (gate.SLOState.MostSpent).
	mostSpent string
	// burningFastest names the member burning fastest now
	// (gate.SLOState.BurningFastest).
	burningFastest string
}

// nullAge ends every encoded state: DataAgeSeconds is api.SLOState's last
// field, written for each answer.
const nullAge = `"dataAgeSeconds":null}`

// newServedState encodes a state. budget.Read leaves out what JSON cannot
// hold (NaN, ±Inf, times out of its years); should a state hold one all
// the same, it is an error that names the SLO, and the refresh fails
// (keeping the last state) rather than the process.
func newServedState(st budget.State) (servedState, error) {
	wire, err := json.Marshal(apiState(st))
	if err == nil && !bytes.HasSuffix(wire, []byte(nullAge)) {
		err = errors.New("the data age is not the last field") // a test holds it
	}
	if err != nil {
		return servedState{}, fmt.Errorf("encoding the state of %s/%s (%s%%): %w", st.Service, st.SLO, st.Objective, err)
	}
	return servedState{State: st, wire: wire}, nil
}

// appendWire appends the state as served at now: its encoding, with its
// data's age.
func (s servedState) appendWire(b []byte, now time.Time) []byte {
	if s.DataTime == nil {
		return append(b, s.wire...)
	}
	b = append(b, s.wire[:len(s.wire)-len("null}")]...)
	b = appendJSONFloat(b, now.Sub(*s.DataTime).Round(time.Millisecond).Seconds())
	return append(b, '}')
}

// significantDigits is how many digits a figure keeps in the API: the
// sums and ratios behind it carry float noise in the last digits
// (0.7000000000000162), which no reader wants and no decision uses.
const significantDigits = 12

// clean rounds f to significantDigits, so that JSON writes 0.7.
func clean(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', significantDigits, 64), 64)
	if err != nil {
		return f
	}
	return r
}

func cleanPtr(f *float64) *float64 {
	if f == nil {
		return nil
	}
	c := clean(*f)
	return &c
}

// nonNil is a list that encodes as [] when empty.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// appendJSONFloat appends f as encoding/json writes it.
func appendJSONFloat(b []byte, f float64) []byte {
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		// encoding/json's exponent form; ages are never this small.
		enc, _ := json.Marshal(f)
		return append(b, enc...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// apiState is a state in the API's type, without its data's age.
func apiState(st budget.State) api.SLOState {
	out := api.SLOState{Service: st.Service, SLO: st.SLO, Objective: st.Objective, Threshold: st.Threshold, Group: st.Group, Labels: st.Labels,
		Period: st.Period, SLI: cleanPtr(st.SLI), Remaining: cleanPtr(st.Remaining), FullOutageMinutesLeft: cleanPtr(st.FullOutageMinutesLeft),
		BurnRates: map[string]float64{}, SecondsToExhaustion: cleanPtr(st.SecondsToExhaustion),
		Status: string(st.Status), DataTime: st.DataTime}
	for w, v := range st.BurnRates {
		out.BurnRates[w] = clean(v)
	}
	out.Tiers = make([]api.TierBurn, len(st.Tiers))
	for i, t := range st.Tiers {
		out.Tiers[i] = api.TierBurn{Tier: apiTier(t.Tier), BurnRate: cleanPtr(t.BurnRate)}
	}
	for _, m := range st.Members {
		out.Members = append(out.Members, api.JourneyMember{Service: m.Service, SLO: m.SLO, Threshold: m.Threshold, Remaining: cleanPtr(m.Remaining), Share: cleanPtr(m.Share), BurnRate: cleanPtr(m.BurnRate)})
	}
	for _, d := range st.DependsOn {
		out.DependsOn = append(out.DependsOn, api.SLORef{Service: d.Service, SLO: d.SLO})
	}
	if r := st.Regions; r != nil {
		out.Regions = &api.Regions{Label: r.Label, Expected: nonNil(r.Expected), Gate: string(r.Gate)}
		out.Region, out.MissingRegions = st.Region, st.MissingRegions
	}
	out.FiringAlerts = make([]api.FiringAlert, len(st.FiringAlerts))
	for i, a := range st.FiringAlerts {
		out.FiringAlerts[i] = api.FiringAlert{Alert: a.Alert, Severity: a.Severity, Window: a.Window}
	}
	return out
}

// apiTier is an alert tier in the API's type, its windows written as the
// burn rates' window labels.
func apiTier(t burnrate.Tier) api.Tier {
	return api.Tier{Severity: string(t.Severity), Factor: t.Factor, Long: series.WindowValue(t.Long), Short: series.WindowValue(t.Short)}
}

// nullStates is how an answer whose SLOs are left nil encodes them.
var nullStates = []byte(`"slos":null`)

// writeWithStates writes v, an answer whose SLOs field is left nil, with
// the states in its place, as served at now. The key can occur only once
// as written: inside a JSON string its quotes are escaped.
func writeWithStates(w http.ResponseWriter, code int, v any, states []servedState, now time.Time) {
	head, err := json.Marshal(v)
	i := bytes.Index(head, nullStates)
	if err != nil || i < 0 {
		// Cannot happen (the head holds the server's own times and
		// figures); answered as an error should it all the same.
		fail(w, http.StatusInternalServerError, "encoding the answer: %v", err)
		return
	}
	size := len(head) + 2
	for _, st := range states {
		size += len(st.wire) + 24
	}
	b := make([]byte, 0, size)
	b = append(b, head[:i+len(`"slos":`)]...)
	b = append(b, '[')
	for j, st := range states {
		if j > 0 {
			b = append(b, ',')
		}
		b = st.appendWire(b, now)
	}
	b = append(b, ']')
	b = append(b, head[i+len(nullStates):]...)
	if demo := w.Header().Get(demoHeader); demo != "" {
		b = withDemo(b, demo)
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// wireDecision is a gate decision as it is served.
func wireDecision(d gate.Decision, resp *api.GateResponse) {
	resp.Service, resp.Change, resp.Decision, resp.Region = d.Service, d.Change, string(d.Verdict), d.Region
	for _, r := range d.Reasons {
		resp.Reasons = append(resp.Reasons, api.Reason{Rule: r.Rule, SLO: r.SLO, Objective: r.Objective, Message: r.Message})
	}
	if d.Override != nil {
		resp.Override = &api.AppliedOverride{ID: d.Override.ID, Expires: d.Override.Expires}
	}
}

// writeJSON answers v as compact JSON: the gate's answers go to pipelines
// thousands of times a second, and indenting them took a sixth of a
// check's CPU (`| jq` indents for people).
// writeList answers 200 with {key: list}, an empty list as [] (never
// null), so that clients can range over it.
func writeList[T any](w http.ResponseWriter, key string, list []T) {
	if list == nil {
		list = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{key: list})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	demo := w.Header().Get(demoHeader)
	if demo == "" {
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write(withDemo(data, demo))
	_, _ = w.Write([]byte{'\n'})
}

// demoHeader names the scenario of the embedded demo on every API answer
// of a demo (Options.Demo); writeJSON adds it to the answer's object.
const demoHeader = "Slokit-Demo"

// withDemo puts "source": "demo" and the scenario first in a JSON object.
func withDemo(object []byte, scenario string) []byte {
	if len(object) < 2 || object[0] != '{' {
		return object
	}
	sc, _ := json.Marshal(scenario)
	out := append([]byte(`{"source":"demo","scenario":`), sc...)
	if object[1] != '}' {
		out = append(out, ',')
	}
	return append(out, object[1:]...)
}

// apiObjectiveHistory is an objective's history as the API answers it,
// values cleaned of float noise.
func apiObjectiveHistory(o budget.ObjectiveHistory) api.ObjectiveHistory {
	points := func(ps []budget.Point) []api.Point {
		out := make([]api.Point, len(ps))
		for i, p := range ps {
			out[i] = api.Point{float64(p.T.UnixMilli()) / 1000, clean(p.V)}
		}
		return out
	}
	h := api.ObjectiveHistory{Objective: o.Objective, Threshold: o.Threshold, Group: o.Group,
		Remaining: points(o.Remaining), SLI: points(o.SLI), BurnRates: make(map[string][]api.Point, len(o.BurnRates))}
	for w, ps := range o.BurnRates {
		h.BurnRates[w] = points(ps)
	}
	return h
}

// apiMaintenance is a maintenance window as the API answers it: the same
// fields, so that a field added to one and not the other fails to build.
func apiMaintenance(m gate.Maintenance) api.MaintenanceWindow { return api.MaintenanceWindow(m) }

// apiMaintenanceList is the store's maintenance windows as the API answers
// them.
func apiMaintenanceList(list []gate.Maintenance) []api.MaintenanceWindow {
	out := make([]api.MaintenanceWindow, len(list))
	for i, m := range list {
		out[i] = apiMaintenance(m)
	}
	return out
}
