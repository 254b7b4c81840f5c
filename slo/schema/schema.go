// Package schema names the native spec's keys and tokens in one place. The
// spec types of package slo carry them as yaml tags, which cannot name a
// constant (TestSpecTagsFollowTheSchema holds the tags to this list), and
// the importers write native spec documents with them.
package schema

// WindowPlaceholder stands, in a raw SLI's error-ratio expression, for the
// range of every window slokit evaluates it over; importers write it in
// place of other tools' templates.
const WindowPlaceholder = "$window"

// Keys of the native spec, as the importers write them.
const (
	KeyAlerting        = "alerting"
	KeyAnnotations     = "annotations"
	KeyApiVersion      = "apiVersion"
	KeyBoolGauge       = "boolGauge"
	KeyDescription     = "description"
	KeyDisabled        = "disabled"
	KeyErrorRatio      = "errorRatio"
	KeyErrors          = "errors"
	KeyFactor          = "factor"
	KeyFor             = "for"
	KeyGood            = "good"
	KeyGrouping        = "grouping"
	KeyHistogram       = "histogram"
	KeyKind            = "kind"
	KeyLabels          = "labels"
	KeyLatency         = "latency"
	KeyLong            = "long"
	KeyName            = "name"
	KeyNativeHistogram = "nativeHistogram"
	KeyObjective       = "objective"
	KeyObjectives      = "objectives"
	KeyPeriod          = "period"
	KeyRatio           = "ratio"
	KeyRaw             = "raw"
	KeyRenameLabels    = "renameLabels"
	KeySelector        = "selector"
	KeyService         = "service"
	KeySeverity        = "severity"
	KeyShort           = "short"
	KeySli             = "sli"
	KeySlos            = "slos"
	KeyThreshold       = "threshold"
	KeyTiers           = "tiers"
	KeyTimezone        = "timezone"
	KeyTotal           = "total"
)

// Keys lists the keys above, for the test that holds the spec types' tags
// to them.
func Keys() []string {
	return []string{
		KeyAlerting,
		KeyAnnotations,
		KeyApiVersion,
		KeyBoolGauge,
		KeyDescription,
		KeyDisabled,
		KeyErrorRatio,
		KeyErrors,
		KeyFactor,
		KeyFor,
		KeyGood,
		KeyGrouping,
		KeyHistogram,
		KeyKind,
		KeyLabels,
		KeyLatency,
		KeyLong,
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
		KeySlos,
		KeyThreshold,
		KeyTiers,
		KeyTimezone,
		KeyTotal,
	}
}
