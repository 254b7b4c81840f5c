package simulate

import (
	"math/big"
	"time"

	"github.com/slokit/slokit/slo"
)

// sliceSeries synthesizes a time-slice SLI's series: a percentile's
// histogram, a ratio's counters, or a gauge.
func (src *source) sliceSeries(series int) error {
	s := src.slo
	switch s.SLI.Slices.Condition {
	case slo.SlicePercentile:
		return src.bucketSeries(series)
	case slo.SliceRatio:
		return src.ratioSeries(series)
	}
	for i := range series {
		ls, err := synthesize([]requirement{{matchers: s.SLI.Gauge.Matchers, match: true}}, src.id(i, i))
		if err != nil {
			return err
		}
		src.gauges = append(src.gauges, ls)
	}
	return nil
}

// exactSlices judges each slice that ends in (from, to] from the truth of
// the scrapes in it, as the rules judge it from the raw series: a scrape
// counts in the slice that ends at or after it, a slice without events (or
// samples) counts as the policy says. Slices end on multiples of the slice
// from the scenario's start, as the rules' evaluations fall, the first at
// the start.
func (src *source) exactSlices(step, from, to time.Duration, leftOut func(time.Duration) bool) (bad, total float64) {
	sl := src.slo.SLI.Slices
	slice := src.slo.BaseWindow
	// A window from the scenario's start holds the first evaluation's
	// slice too, at the first scrape: without data, as nothing came before.
	var first time.Duration
	if from > 0 {
		first = (from/slice + 1) * slice
	}
	for end := first; end <= to; end += slice {
		if leftOut(end) {
			continue
		}
		t := src.sliceTruth(step, end)
		if !t.evaluated {
			continue // Prometheus was down: no rule judged the slice
		}
		if t.events == 0 {
			if sl.NoData != slo.NoDataSkip {
				total++
			}
			if sl.NoData == slo.NoDataBad {
				bad++
			}
			continue
		}
		total++
		bad += sliceBad(sl, t)
	}
	return bad, total
}

// sliceTruth is what the scrapes of the slice ending at end hold: its
// events and bad ones (a gauge's samples and the sum of their values, lo
// and hi their least and greatest, n how many).
type sliceTruth struct {
	events, worse, lo, hi float64
	n                     int
	// evaluated: the rules ran at the slice's end (no monitoring gap).
	evaluated bool
}

func (src *source) sliceTruth(step, end time.Duration) sliceTruth {
	var t sliceTruth
	// The rules read a slice from the samples at its end and at its
	// start: without the one at its start (the slice after a monitoring
	// gap), it has no data.
	seen := func(at time.Duration) bool {
		k := int(at / step)
		return k >= 0 && k < len(src.ledger) && !src.ledger[k].unseen
	}
	start := end - src.slo.BaseWindow
	t.evaluated = seen(end)
	if !t.evaluated || !seen(start) {
		return t
	}
	for k := int(start/step) + 1; time.Duration(k)*step <= end; k++ {
		tl := src.ledger[k]
		if src.slo.SLI.Slices.Condition == slo.SliceGauge && tl.total == 0 {
			continue // no sample
		}
		v := tl.bad[0]
		if t.n == 0 || v < t.lo {
			t.lo = v
		}
		if t.n == 0 || v > t.hi {
			t.hi = v
		}
		t.events, t.worse, t.n = t.events+tl.total, t.worse+v, t.n+1
	}
	return t
}

// sliceBad is how bad a slice with data is: 0 or 1, or for a ratio
// without a target its share of bad events.
func sliceBad(sl *slo.Slices, t sliceTruth) float64 {
	judge := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	switch sl.Condition {
	case slo.SlicePercentile:
		return judge(below(t.events-t.worse, t.events, sl.GoodShare()))
	case slo.SliceRatio:
		if sl.Target == 0 {
			return t.worse / t.events
		}
		return judge(below(t.events-t.worse, t.events, sl.GoodShare()))
	}
	v := map[string]float64{"avg": t.worse / float64(t.n), "min": t.lo, "max": t.hi}[sl.Aggregation]
	if sl.UpperBound {
		return judge(v > sl.Bound)
	}
	return judge(v < sl.Bound)
}

// below reports whether good/all is below share, compared as the rules
// do, without dividing: 100*good < 99*all for 99/100.
func below(good, all float64, share *big.Rat) bool {
	num, _ := new(big.Float).SetInt(share.Num()).Float64()
	den, _ := new(big.Float).SetInt(share.Denom()).Float64()
	return den*good < num*all
}
