// Package scenario describes synthetic traffic for backtesting SLO alerts:
// how many requests arrive over time (constant or diurnal, with surges), how
// many of them fail (steps, bursts, ramps, in error ratios or in multiples
// of an SLO's budget), how slow they are, and which stretches count as real
// incidents. A scenario is pure description; the simulator turns it into
// series and feeds them to the embedded engine.
package scenario

import (
	"math"
	"time"
)

// Scenario is a traffic story, with times as offsets from its start.
type Scenario struct {
	Name        string
	Description string
	// Duration is how long the story runs.
	Duration           time.Duration
	ScrapeInterval     time.Duration
	EvaluationInterval time.Duration
	// Seed makes the random noise on request counts repeatable: two runs
	// with the same seed are identical.
	Seed uint64
	// Series is how many raw series the traffic is spread over
	// (instances, handlers: the cardinality the rules read).
	Series int
	// Live is where the embedded budget service joins the story: it writes
	// the traffic before Live as history and plays the rest in real time.
	// Zero means the whole scenario is history.
	Live      time.Duration
	Traffic   Traffic
	Errors    Errors
	Latency   Latency
	Incidents []Window
	// MonitoringGaps are stretches with no scrapes and no rule
	// evaluations, as while Prometheus restarts: the services keep
	// serving and counting, and their counters show the gap's traffic
	// once scraping resumes. A gap of a region is its own Prometheus
	// down; the others and the global evaluator go on.
	MonitoringGaps []Gap
	// Regions split the traffic between regions, each with its own
	// Prometheus evaluating slokit's edge tier and one global evaluator
	// over them all; none is one Prometheus that sees everything.
	Regions []Region
	// Failovers are stretches during which a region serves nothing: its
	// traffic moves to the other regions, by their shares.
	Failovers []Failover
	// Maintenance are windows made through slokit serve's API: the
	// simulation writes the series serve exports for them, as Prometheus
	// would scrape it, and the rules leave their events out.
	Maintenance []Maintenance
	// Expect is what the alerts must do, checked by slokit simulate, so
	// that a change of alerting rules can be tested in CI.
	Expect Expect
}

// Expect lists what a scenario's alerts must do; zero values expect
// nothing.
type Expect struct {
	// PageWithin: every SLO objective pages within this long of the first
	// incident's start.
	PageWithin time.Duration
	// NoPage: no alert of severity page fires.
	NoPage bool
	// NoFalseFirings: no alert fires outside the incidents (and the time
	// its long window holds them).
	NoFalseFirings bool
}

// Start is the wall-clock time a scenario starts at: a Monday midnight UTC,
// so that time-of-day shapes land where the story says.
func Start() time.Time { return time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) }

// Maintenance is a maintenance window of a service, or of one of its SLOs.
type Maintenance struct {
	Window
	Service, SLO string
}

// Gap is a monitoring gap: of every Prometheus, or of one region's
// when Region is set.
type Gap struct {
	Window
	Region string
}

// Region is one region of a scenario and its share of the traffic, a
// weight: the shares need not add up to 1.
type Region struct {
	Name  string
	Share float64
}

// Failover is a region out of service for a while, its traffic served by
// the others.
type Failover struct {
	Window
	Region string
}

// Window is a stretch of a scenario.
type Window struct {
	Start, Duration time.Duration
}

// Monitored reports whether the monitoring runs at offset t: false inside
// a monitoring gap of every Prometheus (not of one region's).
func (s *Scenario) Monitored(t time.Duration) bool {
	return s.RegionMonitored("", t)
}

// RegionMonitored reports whether a region's Prometheus runs at offset t:
// false inside a gap of every Prometheus, or of the region's.
func (s *Scenario) RegionMonitored(region string, t time.Duration) bool {
	for _, g := range s.MonitoringGaps {
		if g.Contains(t) && (g.Region == "" || g.Region == region) {
			return false
		}
	}
	return true
}

// RegionNames are the scenario's regions, in its order; none without
// regions.
func (s *Scenario) RegionNames() []string {
	names := make([]string, len(s.Regions))
	for i, r := range s.Regions {
		names[i] = r.Name
	}
	return names
}

// Share is the part of the traffic a region serves at offset t: its share
// of those not failed over, 0 while it is; 1 in a scenario without
// regions.
func (s *Scenario) Share(region string, t time.Duration) float64 {
	if len(s.Regions) == 0 {
		return 1
	}
	failed := func(name string) bool {
		for _, f := range s.Failovers {
			if f.Region == name && f.Contains(t) {
				return true
			}
		}
		return false
	}
	var mine, serving float64
	for _, r := range s.Regions {
		if failed(r.Name) {
			continue
		}
		serving += r.Share
		if r.Name == region {
			mine = r.Share
		}
	}
	if serving == 0 {
		return 0
	}
	return mine / serving
}

// Contains reports whether offset t falls in the window, start included.
func (w Window) Contains(t time.Duration) bool {
	return t >= w.Start && t < w.Start+w.Duration
}

// End is the offset at which the window closes.
func (w Window) End() time.Duration { return w.Start + w.Duration }

// Traffic is the request rate over time.
type Traffic struct {
	// Rate is requests per second: constant, or the daily mean of a
	// diurnal curve.
	Rate float64
	// PeakToTrough > 1 makes traffic diurnal: the busiest minute of the day
	// (PeakHour) carries that many times the quietest, twelve hours away.
	PeakToTrough float64
	PeakHour     float64
	Surges       []Surge
}

// Surge multiplies traffic for a while: a sports final, a promotion.
type Surge struct {
	Window
	Factor float64
}

// Errors is the share of failing (or, for latency SLIs, too slow) requests
// over time: a baseline and events on top. Values are error ratios, or
// burn rates when Burn is set, resolved against the SLO under test.
type Errors struct {
	Baseline Level
	Events   []ErrorEvent
}

// Level is an error ratio, or a burn rate (a multiple of the SLO's error
// budget, 1 - objective).
type Level struct {
	Ratio float64
	Burn  float64 // used when Ratio is 0
}

// resolve returns the error ratio for an SLO whose budget is budget.
func (l Level) resolve(budget float64) float64 {
	if l.Ratio > 0 {
		return l.Ratio
	}
	return l.Burn * budget
}

// EventKind is the shape of an error event.
type EventKind string

// The shapes of error events.
const (
	// Step holds Level for the whole window.
	Step EventKind = "step"
	// Burst holds Level for Length at the start of every Every within the
	// window (flapping).
	Burst EventKind = "burst"
	// Ramp rises linearly from the baseline to Level over the window.
	Ramp EventKind = "ramp"
)

// ErrorEvent is a change in the error ratio during a window. Where events
// overlap, the highest ratio wins.
type ErrorEvent struct {
	Kind EventKind
	Window
	Level  Level
	Every  time.Duration // Burst only
	Length time.Duration // Burst only
	// Service limits the event to one service's SLOs; empty means every
	// service fails alike.
	Service string
	// Region limits the event to one region's traffic.
	Region string
}

// Latency is the distribution of request durations, log-normal, given by
// its median and 99th percentile. It shapes the histogram buckets other
// than an SLO's threshold, whose share of slow requests follows Errors.
type Latency struct {
	Median, P99 time.Duration
}

// Rate returns requests per second at offset t.
func (s *Scenario) Rate(t time.Duration) float64 {
	r := s.Traffic.Rate
	if p := s.Traffic.PeakToTrough; p > 1 {
		// A cosine between trough and peak whose mean is Rate.
		hour := math.Mod(float64(Start().Add(t).Hour())+float64(Start().Add(t).Minute())/60+float64(Start().Add(t).Second())/3600, 24)
		phase := (1 + math.Cos(2*math.Pi*(hour-s.Traffic.PeakHour)/24)) / 2 // 1 at the peak, 0 at the trough
		trough := 2 * r / (1 + p)
		r = trough * (1 + (p-1)*phase)
	}
	for _, surge := range s.Traffic.Surges {
		if surge.Contains(t) {
			r *= surge.Factor
		}
	}
	return r
}

// ErrorRatio returns the share of requests failing at offset t, for an SLO
// of service with the given error budget (0.001 for 99.9%), capped at 1,
// in a region ("" in a scenario without regions).
func (s *Scenario) ErrorRatio(service, region string, t time.Duration, budget float64) float64 {
	base := s.Errors.Baseline.resolve(budget)
	ratio := base
	for _, e := range s.Errors.Events {
		if !e.Contains(t) || (e.Service != "" && e.Service != service) || (e.Region != "" && e.Region != region) {
			continue
		}
		level := e.Level.resolve(budget)
		switch e.Kind {
		case Burst:
			if e.Every <= 0 || (t-e.Start)%e.Every >= e.Length {
				continue
			}
		case Ramp:
			level = base + (level-base)*float64(t-e.Start)/float64(e.Duration)
		}
		ratio = max(ratio, level)
	}
	return min(ratio, 1)
}

// InIncident reports whether offset t falls in one of the scenario's
// incident windows, the stretches whose alerts count as true positives.
func (s *Scenario) InIncident(t time.Duration) bool {
	for _, w := range s.Incidents {
		if w.Contains(t) {
			return true
		}
	}
	return false
}

// SlowShare returns the share of requests slower than d under the
// scenario's latency distribution, with no incident: the log-normal
// through Median and P99.
func (s *Scenario) SlowShare(d time.Duration) float64 {
	if s.Latency.Median <= 0 || s.Latency.P99 <= s.Latency.Median || d <= 0 {
		return 0
	}
	const z99 = 2.3263478740408408 // the standard normal's 99th percentile
	mu := math.Log(s.Latency.Median.Seconds())
	sigma := (math.Log(s.Latency.P99.Seconds()) - mu) / z99
	z := (math.Log(d.Seconds()) - mu) / sigma
	return 0.5 * math.Erfc(z/math.Sqrt2)
}
