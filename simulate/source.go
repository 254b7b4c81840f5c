package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/slo"
)

// source writes a scenario's traffic as the raw series one SLO's SLI reads,
// and keeps the exact count of events and bad events per scrape: the truth
// the rules' figures are judged against.
type source struct {
	slo *slo.SLO
	// region is the region whose traffic the source writes, its series
	// labelled with it; empty in a scenario without regions.
	region string
	// Ratio SLIs: counters of good and bad events, one per series.
	good, bad []labels.Labels
	// Latency SLIs: one bucket set per series, bucket bounds ascending
	// with +Inf last.
	buckets [][]labels.Labels
	bounds  []float64
	// Bool-gauge SLIs: the 0/1 gauges.
	gauges []labels.Labels
	// followers read the same classic histogram as this source writes
	// (another SLO's): they write nothing, and this source keeps their
	// ledgers from the same traffic.
	followers []*source
	follower  bool

	refs   map[string]storage.SeriesRef
	values map[string]float64
	// ledger[i] is the truth for scrape i: total events and bad events per
	// objective (objectives of a latency SLI differ in threshold).
	ledger []tally
	// live sources keep no ledger: nothing judges a live run against the
	// truth, and a long-running service would grow it without bound.
	live bool
}

type tally struct {
	total float64
	bad   []float64
	// unseen: nobody scraped (a monitoring gap); the counters still grew.
	unseen bool
}

// defaultBounds are the bucket bounds of a synthesized classic histogram,
// client_golang's defaults; every objective's threshold is added.
var defaultBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

func newSource(s *slo.SLO, series int, region string) (*source, error) {
	src := &source{slo: s, region: region, refs: map[string]storage.SeriesRef{}, values: map[string]float64{}}
	if s.SLI.NativeHistogram {
		return nil, fmt.Errorf("%s/%s: simulate does not synthesize native histograms yet; use a classic histogram spec to backtest", s.Service, s.Name)
	}
	var err error
	switch s.SLI.Kind {
	case slo.Ratio:
		err = src.ratioSeries(series)
	case slo.Latency:
		err = src.bucketSeries(series)
	case slo.Timeslices:
		err = src.sliceSeries(series)
	case slo.BoolGauge:
		for i := range series {
			ls, serr := synthesize([]requirement{{matchers: s.SLI.Gauge.Matchers, match: true}}, src.id(i, i))
			if serr != nil {
				err = serr
				break
			}
			src.gauges = append(src.gauges, ls)
		}
	default:
		return nil, fmt.Errorf("%s/%s: a raw SLI's metrics are unknown to slokit, so simulate cannot synthesize them; give the metrics with --total and --errors instead", s.Service, s.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s/%s: cannot synthesize series for the SLI: %w", s.Service, s.Name, err)
	}
	return src, nil
}

// sourceGroups is how many values each grouping label of a grouped SLO
// takes.
const sourceGroups = 3

// id are the labels that tell a synthetic series apart: its number, and
// for a grouped SLO its group, from k, the series' index among those of
// its kind (good, bad, ...), so that every group gets its share of each
// kind.
func (src *source) id(i, k int) map[string]string {
	extra := map[string]string{"sim_series": strconv.Itoa(i)}
	for _, g := range src.slo.Grouping {
		extra[src.slo.RawLabel(g)] = fmt.Sprintf("%s-%d", g, k%sourceGroups)
	}
	if src.region != "" {
		extra[src.slo.RegionsOrDefault().Label] = src.region
	}
	return extra
}

// ratioSeries synthesizes a ratio SLI's series: a fifth of them bad.
func (src *source) ratioSeries(series int) error {
	s, groups := src.slo, sourceGroups
	nBad := max(1, series/5)
	if len(s.Grouping) > 0 {
		// Whole multiples of the groups, so every group gets the same
		// traffic and the same error ratio.
		nBad = (max(groups, nBad) + groups - 1) / groups * groups
		series = nBad + (max(groups, series-nBad)+groups-1)/groups*groups
	}
	total := requirement{matchers: s.SLI.Total.Matchers, match: true}
	for i := range series {
		var reqs []requirement
		isBad := i < nBad
		if s.SLI.Errors != nil {
			reqs = []requirement{total, {matchers: s.SLI.Errors.Matchers, match: isBad}}
		} else {
			reqs = []requirement{total, {matchers: s.SLI.Good.Matchers, match: !isBad}}
		}
		k := i
		if !isBad {
			k = i - nBad
		}
		ls, err := synthesize(reqs, src.id(i, k))
		if err != nil {
			return err
		}
		if isBad {
			src.bad = append(src.bad, ls)
		} else {
			src.good = append(src.good, ls)
		}
	}
	return nil
}

// bucketSeries synthesizes a classic histogram's buckets: the default
// bounds and every objective's threshold. The scenario's cardinality counts
// series, so a histogram's buckets share it: 100 series are 7 instances of
// 14 buckets.
func (src *source) bucketSeries(series int) error {
	s := src.slo
	bounds := slices.Clone(defaultBounds)
	for _, f := range append([]*source{src}, src.followers...) {
		if sl := f.slo.SLI.Slices; sl != nil {
			bounds = append(bounds, sl.Threshold.Seconds())
			continue
		}
		for _, o := range f.slo.Objectives {
			bounds = append(bounds, o.Threshold.Seconds())
		}
	}
	slices.Sort(bounds)
	src.bounds = append(slices.Compact(bounds), math.Inf(1))
	for i := range max(1, series/len(src.bounds)) {
		var set []labels.Labels
		for _, b := range src.bounds {
			extra := src.id(i, i)
			extra["le"] = strconv.FormatFloat(b, 'g', -1, 64)
			if math.IsInf(b, 1) {
				extra["le"] = "+Inf"
			}
			ls, err := synthesize([]requirement{{matchers: s.SLI.Histogram.Matchers, match: true}}, extra)
			if err != nil {
				return err
			}
			set = append(set, ls)
		}
		src.buckets = append(src.buckets, set)
	}
	return nil
}

// budget is the error budget burn-rate levels are resolved against: the
// strictest objective's, so that a healthy scenario stays healthy for every
// objective of a latency SLI (99% < 500ms and 99.9% < 2s share their slow
// requests).
func (src *source) budget() float64 {
	b := src.slo.Objectives[0].Budget()
	for _, o := range src.slo.Objectives[1:] {
		b = min(b, o.Budget())
	}
	return b
}

// count increments a counter series and appends it.
func (src *source) count(app *engine.Appender, ls labels.Labels, t int64, inc float64) error {
	return src.set(app, ls, t, src.values[ls.String()]+inc)
}

// set sets a series (a gauge, or a counter's new value) and appends it,
// unless app is nil: in a monitoring gap the service counts, and nobody
// scrapes.
func (src *source) set(app *engine.Appender, ls labels.Labels, t int64, v float64) error {
	key := ls.String()
	src.values[key] = v
	if app == nil {
		return nil
	}
	ref, err := app.AddRef(src.refs[key], ls, t, v)
	src.refs[key] = ref
	return err
}

// scrape writes the samples of one scrape at offset t covering the interval
// that ends there, and records the truth. The interval's traffic is the
// scenario's at its midpoint, so that an event starting at 3h first shows
// in the scrape after 3h.
func (src *source) scrape(app *engine.Appender, sc *scenario.Scenario, rng *rand.Rand, t time.Duration, ms int64, first bool) error {
	if src.follower {
		return nil // its leader keeps its ledger
	}
	mid := t - sc.ScrapeInterval/2
	n := 0.0
	if !first {
		mean := sc.Rate(mid) * sc.Share(src.region, mid) * sc.ScrapeInterval.Seconds()
		// Poisson-like noise, so that seeds matter and low traffic is
		// lumpy, as it is.
		n = max(0, math.Round(mean+math.Sqrt(mean)*rng.NormFloat64()))
	}
	e := sc.ErrorRatio(src.slo.Service, src.region, mid, src.budget())
	tl := tally{bad: make([]float64, len(src.slo.Objectives))}
	switch {
	case src.good != nil || src.bad != nil:
		bad := n * e
		tl.total = n
		for i := range tl.bad {
			tl.bad[i] = bad
		}
		for _, ls := range src.good {
			if err := src.count(app, ls, ms, (n-bad)/float64(len(src.good))); err != nil {
				return err
			}
		}
		for _, ls := range src.bad {
			if err := src.count(app, ls, ms, bad/float64(len(src.bad))); err != nil {
				return err
			}
		}
	case src.buckets != nil:
		tl.total = n
		if err := src.scrapeBuckets(app, sc, &tl, n, e, ms); err != nil {
			return err
		}
	case src.gauges != nil && src.slo.SLI.Kind == slo.Timeslices:
		if first || app == nil {
			break
		}
		// A gauge of the error ratio itself: a slice's value is the
		// scenario's error ratio over it.
		tl.total = 1
		for i := range tl.bad {
			tl.bad[i] = e
		}
		for _, ls := range src.gauges {
			if err := src.set(app, ls, ms, e); err != nil {
				return err
			}
		}
	case src.gauges != nil:
		if first || app == nil {
			// A probe is a scrape: none while its Prometheus is down.
			break
		}
		for _, ls := range src.gauges {
			v := 1.0
			if rng.Float64() < e {
				v = 0
				for i := range tl.bad {
					tl.bad[i]++
				}
			}
			tl.total++
			if err := src.set(app, ls, ms, v); err != nil {
				return err
			}
		}
	}
	tl.unseen = app == nil
	if !src.live {
		src.ledger = append(src.ledger, tl)
	}
	return nil
}

// scrapeBuckets writes a histogram's scrape of n requests, a share e of
// them failed, and keeps the truth of it in tl and the followers' ledgers.
func (src *source) scrapeBuckets(app *engine.Appender, sc *scenario.Scenario, tl *tally, n, e float64, ms int64) error {
	// A share e of requests fails slow, beyond every bucket; the rest
	// follow the scenario's latency distribution.
	fast := func(bound float64) float64 {
		if math.IsInf(bound, 1) {
			return n
		}
		return n * (1 - e) * (1 - sc.SlowShare(time.Duration(bound*float64(time.Second))))
	}
	src.slowTally(tl, n, fast)
	for _, f := range src.followers {
		ft := tally{total: n, bad: make([]float64, len(f.slo.Objectives)), unseen: app == nil}
		f.slowTally(&ft, n, fast)
		if !f.live {
			f.ledger = append(f.ledger, ft)
		}
	}
	per := float64(len(src.buckets))
	for _, set := range src.buckets {
		for j, ls := range set {
			if err := src.count(app, ls, ms, fast(src.bounds[j])/per); err != nil {
				return err
			}
		}
	}
	return nil
}

// slowTally counts the events slower than each objective's threshold (a
// time-slice SLI's one threshold) out of n, fast(bound) of them at most
// bound.
func (src *source) slowTally(tl *tally, n float64, fast func(float64) float64) {
	for i, o := range src.slo.Objectives {
		threshold := o.Threshold
		if sl := src.slo.SLI.Slices; sl != nil {
			threshold = sl.Threshold
		}
		tl.bad[i] = n - fast(threshold.Seconds())
	}
}

// histogramLeader is the source among sources that writes the classic
// histogram src reads, in its region; nil when none does.
func histogramLeader(sources []*source, src *source) *source {
	if src.buckets == nil {
		return nil
	}
	for _, l := range sources {
		if l.buckets != nil && !l.follower && l.region == src.region && l.slo.Service == src.slo.Service &&
			l.slo.SLI.Histogram.VectorSelector().String() == src.slo.SLI.Histogram.VectorSelector().String() &&
			slices.Equal(l.slo.Grouping, src.slo.Grouping) {
			return l
		}
	}
	return nil
}

// follow makes f, another SLO's source of the same histogram, read what
// this source writes: its buckets gain f's thresholds, and f writes none.
func (src *source) follow(f *source, series int) error {
	src.followers = append(src.followers, f)
	f.follower, f.buckets = true, nil
	src.buckets = nil
	return src.bucketSeries(series)
}

// exactCounts are the true bad and total events of objective i over the scrapes in
// (from, to], as offsets, but those leftOut leaves out (maintenance); of a
// time-slice SLI, its slices'.
func (src *source) exactCounts(i int, step, from, to time.Duration, leftOut func(time.Duration) bool) (bad, total float64) {
	if src.slo.SLI.Kind == slo.Timeslices {
		return src.exactSlices(step, from, to, leftOut)
	}
	for k, tl := range src.ledger {
		t := time.Duration(k) * step
		if t > from && t <= to && !leftOut(t) {
			total += tl.total
			bad += tl.bad[i]
		}
	}
	return bad, total
}

// seriesKeys lists the label sets the source writes, to find two sources
// writing the same series.
func (src *source) seriesKeys() []string {
	if src.follower {
		return nil
	}
	var all []labels.Labels
	all = append(all, src.good...)
	all = append(all, src.bad...)
	all = append(all, src.gauges...)
	for _, set := range src.buckets {
		all = append(all, set...)
	}
	keys := make([]string, len(all))
	for i, ls := range all {
		keys[i] = ls.String()
	}
	return keys
}
