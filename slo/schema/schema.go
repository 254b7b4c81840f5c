// Package schema names the native spec's keys and tokens in one place. The
// spec types of package slo carry them as yaml tags, which cannot name a
// constant (TestSpecTagsFollowTheSchema holds the tags to this list), and
// the importers write native spec documents with them.
package schema

// WindowPlaceholder stands, in a raw SLI's error-ratio expression, for the
// range of every window slokit evaluates it over; importers write it in
// place of other tools' templates.
const WindowPlaceholder = "$window"

// AnnotationPrefix starts the annotations in which an export to another
// format (OpenSLO) carries what that format has no field for, as native
// YAML under the native key: slokit.dev/grouping holds a grouping.
const AnnotationPrefix = "slokit.dev/"

// Keys of the native spec, as the importers write them.
const (
	KeyAggregation       = "aggregation"
	KeyAlerting          = "alerting"
	KeyAnnotations       = "annotations"
	KeyApiVersion        = "apiVersion"
	KeyBoolGauge         = "boolGauge"
	KeyGauge             = "gauge"
	KeyMax               = "max"
	KeyMin               = "min"
	KeyPercentile        = "percentile"
	KeySlice             = "slice"
	KeyTarget            = "target"
	KeyTimeslices        = "timeslices"
	KeyDependsOn         = "dependsOn"
	KeyDescription       = "description"
	KeyDisabled          = "disabled"
	KeyErrorRatio        = "errorRatio"
	KeyErrors            = "errors"
	KeyFactor            = "factor"
	KeyFor               = "for"
	KeyGood              = "good"
	KeyGrouping          = "grouping"
	KeyHistogram         = "histogram"
	KeyJourney           = "journey"
	KeyKind              = "kind"
	KeyLabels            = "labels"
	KeyLatency           = "latency"
	KeyLong              = "long"
	KeyMembers           = "members"
	KeyName              = "name"
	KeyNativeHistogram   = "nativeHistogram"
	KeyObjective         = "objective"
	KeyObjectives        = "objectives"
	KeyPeriod            = "period"
	KeyRatio             = "ratio"
	KeyRaw               = "raw"
	KeyRenameLabels      = "renameLabels"
	KeySelector          = "selector"
	KeyService           = "service"
	KeySeverity          = "severity"
	KeyShort             = "short"
	KeySli               = "sli"
	KeySlo               = "slo"
	KeySlos              = "slos"
	KeyThreshold         = "threshold"
	KeyTiers             = "tiers"
	KeyTimezone          = "timezone"
	KeyTotal             = "total"
	KeyWeight            = "weight"
	KeyScrapeInterval    = "scrapeInterval"
	KeyBaseWindow        = "baseWindow"
	KeyPolicy            = "policy"
	KeyMaintenance       = "maintenance"
	KeyLabel             = "label"
	KeyReplicaLabel      = "replicaLabel"
	KeyExpected          = "expected"
	KeyGate              = "gate"
	KeyGroups            = "groups"
	KeyNoData            = "noData"
	KeyRunbook           = "runbook"
	KeyMinEvents         = "minEvents"
	KeyBudget            = "budget"
	KeySpent             = "spent"
	KeyWarnBelow         = "warnBelow"
	KeyFreezeOnPage      = "freezeOnPage"
	KeyAllowDuringFreeze = "allowDuringFreeze"
	KeyFreezeMembers     = "freezeMembers"
	KeyReason            = "reason"
	KeyStart             = "start"
	KeyEnd               = "end"
	KeyWeekly            = "weekly"
	KeyDay               = "day"
	KeyDuration          = "duration"
	KeyRegions           = "regions"
	KeyDatadog           = "datadog"
	KeyPage              = "page"
	KeyTicket            = "ticket"
)

// Keys lists the keys above, for the test that holds the spec types' tags
// to them.
func Keys() []string {
	return []string{
		KeyAggregation,
		KeyAlerting,
		KeyAnnotations,
		KeyApiVersion,
		KeyBoolGauge,
		KeyGauge,
		KeyMax,
		KeyMin,
		KeyPercentile,
		KeySlice,
		KeyTarget,
		KeyTimeslices,
		KeyDependsOn,
		KeyDescription,
		KeyDisabled,
		KeyErrorRatio,
		KeyErrors,
		KeyFactor,
		KeyFor,
		KeyGood,
		KeyGrouping,
		KeyHistogram,
		KeyJourney,
		KeyKind,
		KeyLabels,
		KeyLatency,
		KeyLong,
		KeyMembers,
		KeyName,
		KeyNativeHistogram,
		KeyObjective,
		KeyObjectives,
		KeyPeriod,
		KeyRatio,
		KeyRaw,
		KeyRenameLabels,
		KeySelector,
		KeyService,
		KeySeverity,
		KeyShort,
		KeySli,
		KeySlo,
		KeySlos,
		KeyThreshold,
		KeyTiers,
		KeyTimezone,
		KeyTotal,
		KeyWeight,
		KeyScrapeInterval,
		KeyBaseWindow,
		KeyPolicy,
		KeyMaintenance,
		KeyLabel,
		KeyReplicaLabel,
		KeyExpected,
		KeyGate,
		KeyGroups,
		KeyNoData,
		KeyRunbook,
		KeyMinEvents,
		KeyBudget,
		KeySpent,
		KeyWarnBelow,
		KeyFreezeOnPage,
		KeyAllowDuringFreeze,
		KeyFreezeMembers,
		KeyReason,
		KeyStart,
		KeyEnd,
		KeyWeekly,
		KeyDay,
		KeyDuration,
		KeyRegions,
		KeyDatadog,
		KeyPage,
		KeyTicket,
	}
}
