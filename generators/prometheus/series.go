package prometheus

// The recorded series below are slokit's contract with everything that reads
// its rules: dashboards, the budget service, users' own queries. They are
// named here and nowhere else; other packages use these constants.
//
// Every SLO series carries the labels service and slo, the SLO's grouping
// labels, threshold for latency SLIs, objective where the value depends on
// the objective, and window where it is measured over a window (the window's
// length in Prometheus notation: 5m, 1h, 30d).
const (
	// TotalSeries counts events (requests, probe results) in a window:
	// window equal to the base window for the increments read from raw
	// series, and every alert window and the period summed from those.
	TotalSeries = "slo:sli_total:increase"
	// ErrorsSeries counts bad events in a window, like TotalSeries.
	ErrorsSeries = "slo:sli_errors:increase"
	// HourlyTotalSeries holds one sample per hour: the events of the hour
	// that ended then. Windows of 12h and more sum these aligned blocks.
	HourlyTotalSeries = "slo:sli_total:hourly_increase"
	// HourlyErrorsSeries is HourlyTotalSeries for bad events.
	HourlyErrorsSeries = "slo:sli_errors:hourly_increase"
	// ErrorRatioSeries is errors / total per window: the traffic-weighted
	// error ratio (a ratio of sums, never a mean of ratios).
	ErrorRatioSeries = "slo:sli_error:ratio"
	// BurnRateSeries is the error ratio per alert window divided by the
	// objective's error budget: 1 spends the budget exactly over the period.
	BurnRateSeries = "slo:error_budget:burn_rate"
	// BudgetRemainingSeries is the fraction of the period's error budget
	// left: 1 untouched, 0 spent, negative overspent.
	BudgetRemainingSeries = "slo:error_budget:remaining_ratio"
	// ObjectiveSeries is the objective as a ratio (0.999).
	ObjectiveSeries = "slo:objective:ratio"
	// PeriodSeries is the SLO period in seconds.
	PeriodSeries = "slo:period:seconds"
	// InfoSeries is 1 for every SLO, with its service and SLO labels (team,
	// tier, ...), for joins and inventories.
	InfoSeries = "slo:info"
)

// Labels slokit puts on recorded series and alerts.
const (
	ServiceLabel   = "service"
	SLOLabel       = "slo"
	ObjectiveLabel = "objective"
	ThresholdLabel = "threshold"
	WindowLabel    = "window"
	SeverityLabel  = "severity"
)

// AlertRunbookAnnotation is the annotation that carries the runbook URL,
// under the name Alertmanager templates and Grafana expect.
const AlertRunbookAnnotation = "runbook_url"
