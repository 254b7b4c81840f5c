package serve

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokit/slokit/series"
)

// stateCollector exports the budget state last read, one series per
// objective, threshold and group. It is computed at each scrape from that
// state, so an SLO or a group that disappears takes its series with it.
type stateCollector struct{ s *Server }

var (
	remainingDesc = prometheus.NewDesc(series.ExportedBudgetRemaining, "Share of the period's error budget left, per SLO objective (and threshold and group, for latency and grouped SLOs).",
		[]string{series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel, "group"}, nil)
	burnDesc = prometheus.NewDesc(series.ExportedBurnRate, "Error-budget burn rate per SLO objective (and threshold and group) and alert window.",
		[]string{series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel, "group", series.WindowLabel}, nil)
)

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- remainingDesc
	ch <- burnDesc
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	states, _, _ := c.s.snapshot()
	// Label values come from the backend: one that is not valid UTF-8
	// leaves its series out rather than failing the scrape.
	send := func(m prometheus.Metric, err error) {
		if err == nil {
			ch <- m
		}
	}
	for _, st := range states {
		group := groupLabel(st.Group)
		if st.Remaining != nil {
			send(prometheus.NewConstMetric(remainingDesc, prometheus.GaugeValue, *st.Remaining, st.Service, st.SLO, st.Objective, st.Threshold, group))
		}
		for w, b := range st.BurnRates {
			send(prometheus.NewConstMetric(burnDesc, prometheus.GaugeValue, b, st.Service, st.SLO, st.Objective, st.Threshold, group, w))
		}
	}
}

// maintenanceCollector exports the maintenance windows made through the
// API that hold at the scrape, for the SLOs' rules to read: one series per
// service and SLO ("" for every SLO of the service, which Prometheus
// stores without the label).
type maintenanceCollector struct{ s *Server }

var maintenanceDesc = prometheus.NewDesc(series.ExportedMaintenance, "1 while a maintenance window made through the API holds, per service (and SLO, when it is for one SLO only): the SLOs' rules leave its events out.",
	[]string{series.ServiceLabel, series.SLOLabel}, nil)

func (c maintenanceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- maintenanceDesc }

func (c maintenanceCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.s.opts.Now()
	seen := map[[2]string]bool{}
	for _, m := range c.s.opts.Store.Maintenance(now) {
		k := [2]string{m.Service, m.SLO}
		if now.Before(m.Start) || seen[k] {
			continue
		}
		seen[k] = true
		if metric, err := prometheus.NewConstMetric(maintenanceDesc, prometheus.GaugeValue, 1, m.Service, m.SLO); err == nil {
			ch <- metric
		}
	}
}

// groupLabel writes a grouped SLO's group as one label value,
// provider="stripe",region="eu", in label order; "" for no group.
func groupLabel(g map[string]string) string {
	names := slices.Sorted(maps.Keys(g))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + strconv.Quote(g[n])
	}
	return strings.Join(parts, ",")
}
