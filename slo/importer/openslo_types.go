package importer

import (
	"github.com/slokit/slokit/internal/strictyaml"
)

type oslMetadata struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type oslMetric struct {
	MetricSource struct {
		MetricSourceRef string            `yaml:"metricSourceRef"`
		Type            string            `yaml:"type"`
		Spec            map[string]string `yaml:"spec"`
	} `yaml:"metricSource"`
}

// oslServiceDoc is a Service object, or an AlertNotificationTarget:
// slokit reads only their names and annotations.
type oslServiceDoc struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   oslMetadata       `yaml:"metadata"`
	Spec       map[string]string `yaml:"spec"`
}

type oslDataSourceDoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       struct {
		Description       string            `yaml:"description"`
		Type              string            `yaml:"type"`
		ConnectionDetails map[string]string `yaml:"connectionDetails"`
	} `yaml:"spec"`
}

type oslSLISpec struct {
	Description     string          `yaml:"description"`
	ThresholdMetric *oslMetric      `yaml:"thresholdMetric"`
	RatioMetric     *oslRatioMetric `yaml:"ratioMetric"`
}

// oslRatioMetric is an SLI's ratio of counters.
type oslRatioMetric struct {
	Counter *bool      `yaml:"counter"`
	Good    *oslMetric `yaml:"good"`
	Bad     *oslMetric `yaml:"bad"`
	Total   *oslMetric `yaml:"total"`
	RawType string     `yaml:"rawType"`
	Raw     *oslMetric `yaml:"raw"`
}

type oslSLIDoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       oslSLISpec  `yaml:"spec"`
}

type oslCondition struct {
	Kind           string               `yaml:"kind"`
	Op             string               `yaml:"op"`
	Threshold      *float64             `yaml:"threshold"`
	LookbackWindow *strictyaml.Duration `yaml:"lookbackWindow"`
	AlertAfter     *strictyaml.Duration `yaml:"alertAfter"`
}

type oslConditionSpec struct {
	Description string       `yaml:"description"`
	Severity    string       `yaml:"severity"`
	Condition   oslCondition `yaml:"condition"`
}

type oslConditionDoc struct {
	APIVersion string           `yaml:"apiVersion"`
	Kind       string           `yaml:"kind"`
	Metadata   oslMetadata      `yaml:"metadata"`
	Spec       oslConditionSpec `yaml:"spec"`
}

type oslPolicySpec struct {
	Description        string `yaml:"description"`
	AlertWhenNoData    *bool  `yaml:"alertWhenNoData"`
	AlertWhenResolved  *bool  `yaml:"alertWhenResolved"`
	AlertWhenBreaching *bool  `yaml:"alertWhenBreaching"`
	Conditions         []struct {
		ConditionRef string            `yaml:"conditionRef"`
		Kind         string            `yaml:"kind"`
		Metadata     oslMetadata       `yaml:"metadata"`
		Spec         *oslConditionSpec `yaml:"spec"`
	} `yaml:"conditions"`
	NotificationTargets []struct {
		TargetRef string            `yaml:"targetRef"`
		Kind      string            `yaml:"kind"`
		Metadata  oslMetadata       `yaml:"metadata"`
		Spec      map[string]string `yaml:"spec"`
	} `yaml:"notificationTargets"`
}

type oslPolicyDoc struct {
	APIVersion string        `yaml:"apiVersion"`
	Kind       string        `yaml:"kind"`
	Metadata   oslMetadata   `yaml:"metadata"`
	Spec       oslPolicySpec `yaml:"spec"`
}

type oslPolicyItem struct {
	AlertPolicyRef string         `yaml:"alertPolicyRef"`
	Kind           string         `yaml:"kind"`
	Metadata       oslMetadata    `yaml:"metadata"`
	Spec           *oslPolicySpec `yaml:"spec"`
}

type oslSLODoc struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   oslMetadata `yaml:"metadata"`
	Spec       oslSLOSpec  `yaml:"spec"`
}

// oslSLOSpec is an openslo/v1 SLO's spec.
type oslSLOSpec struct {
	Description  string              `yaml:"description"`
	Service      string              `yaml:"service"`
	Indicator    *oslInlineIndicator `yaml:"indicator"`
	IndicatorRef string              `yaml:"indicatorRef"`
	TimeWindow   []struct {
		Duration  string `yaml:"duration"`
		IsRolling *bool  `yaml:"isRolling"`
		Calendar  *struct {
			StartTime string `yaml:"startTime"`
			TimeZone  string `yaml:"timeZone"`
		} `yaml:"calendar"`
	} `yaml:"timeWindow"`
	BudgetingMethod string         `yaml:"budgetingMethod"`
	Objectives      []oslObjective `yaml:"objectives"`
	// A pointer: OpenSLO files often leave alertPolicies empty (null).
	AlertPolicies *[]oslPolicyItem `yaml:"alertPolicies"`
}

// oslInlineIndicator is an SLI written inside an SLO or an objective.
type oslInlineIndicator struct {
	Metadata oslMetadata `yaml:"metadata"`
	Spec     oslSLISpec  `yaml:"spec"`
}

// oslObjective is one of an openslo/v1 SLO's objectives. With an indicator
// of its own, it is one part of a composite SLO, weighted by
// compositeWeight.
type oslObjective struct {
	DisplayName     string               `yaml:"displayName"`
	Op              string               `yaml:"op"`
	Value           *float64             `yaml:"value"`
	Target          *float64             `yaml:"target"`
	TargetPercent   *float64             `yaml:"targetPercent"`
	TimeSliceTarget *float64             `yaml:"timeSliceTarget"`
	TimeSliceWindow *strictyaml.Duration `yaml:"timeSliceWindow"`
	CompositeWeight *float64             `yaml:"compositeWeight"`
	Indicator       *oslInlineIndicator  `yaml:"indicator"`
	IndicatorRef    string               `yaml:"indicatorRef"`
}

// OpenSLO v1alpha, as Sloth reads it: objectives carry their own ratio
// queries, with Sloth's {{.window}}.
type oslAlphaQuery struct {
	Source    string `yaml:"source"`
	QueryType string `yaml:"queryType"`
	Query     string `yaml:"query"`
}

type oslAlphaSLODoc struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   oslMetadata  `yaml:"metadata"`
	Spec       oslAlphaSpec `yaml:"spec"`
}

// oslAlphaSpec is an openslo/v1alpha SLO's spec.
type oslAlphaSpec struct {
	Service         string `yaml:"service"`
	Description     string `yaml:"description"`
	BudgetingMethod string `yaml:"budgetingMethod"`
	Objectives      []struct {
		DisplayName  string                `yaml:"displayName"`
		Target       *float64              `yaml:"target"`
		Value        *float64              `yaml:"value"`
		Op           string                `yaml:"op"`
		RatioMetrics *oslAlphaRatioMetrics `yaml:"ratioMetrics"`
	} `yaml:"objectives"`
	TimeWindows []struct {
		Count     *float64 `yaml:"count"`
		Unit      string   `yaml:"unit"`
		IsRolling *bool    `yaml:"isRolling"`
		Calendar  *struct {
			StartTime string `yaml:"startTime"`
			TimeZone  string `yaml:"timeZone"`
		} `yaml:"calendar"`
	} `yaml:"timeWindows"`
}

// oslAlphaRatioMetrics are an objective's queries.
type oslAlphaRatioMetrics struct {
	Counter *bool          `yaml:"counter"`
	Good    *oslAlphaQuery `yaml:"good"`
	Bad     *oslAlphaQuery `yaml:"bad"`
	Total   *oslAlphaQuery `yaml:"total"`
}
