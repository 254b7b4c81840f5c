package openslo

import "gopkg.in/yaml.v3"

// The types in this file are the openslo/v1 documents slokit writes, in
// the order of their fields in the OpenSLO specification; empty fields are
// left out.

type document struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   metadata `yaml:"metadata"`
	Spec       any      `yaml:"spec"`
}

type metadata struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type serviceSpec struct {
	Description string `yaml:"description,omitempty"`
}

type dataSourceSpec struct {
	Description       string            `yaml:"description,omitempty"`
	Type              string            `yaml:"type"`
	ConnectionDetails map[string]string `yaml:"connectionDetails"`
}

type sliSpec struct {
	Description     string       `yaml:"description,omitempty"`
	ThresholdMetric *metric      `yaml:"thresholdMetric,omitempty"`
	RatioMetric     *ratioMetric `yaml:"ratioMetric,omitempty"`
}

type ratioMetric struct {
	Counter bool    `yaml:"counter"`
	Good    *metric `yaml:"good,omitempty"`
	Bad     *metric `yaml:"bad,omitempty"`
	Total   *metric `yaml:"total,omitempty"`
	RawType string  `yaml:"rawType,omitempty"`
	Raw     *metric `yaml:"raw,omitempty"`
}

type metric struct {
	MetricSource metricSource `yaml:"metricSource"`
}

type metricSource struct {
	MetricSourceRef string            `yaml:"metricSourceRef,omitempty"`
	Type            string            `yaml:"type,omitempty"`
	Spec            map[string]string `yaml:"spec"`
}

type sloSpec struct {
	Description     string       `yaml:"description,omitempty"`
	Service         string       `yaml:"service"`
	IndicatorRef    string       `yaml:"indicatorRef"`
	TimeWindow      []timeWindow `yaml:"timeWindow"`
	BudgetingMethod string       `yaml:"budgetingMethod"`
	Objectives      []objective  `yaml:"objectives"`
	AlertPolicies   []policyRef  `yaml:"alertPolicies,omitempty"`
}

type timeWindow struct {
	Duration  string    `yaml:"duration"`
	IsRolling bool      `yaml:"isRolling"`
	Calendar  *calendar `yaml:"calendar,omitempty"`
}

type calendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type objective struct {
	Op              string   `yaml:"op,omitempty"`
	Value           *decimal `yaml:"value,omitempty"`
	Target          decimal  `yaml:"target"`
	TimeSliceTarget *decimal `yaml:"timeSliceTarget,omitempty"`
	TimeSliceWindow string   `yaml:"timeSliceWindow,omitempty"`
}

type policyRef struct {
	AlertPolicyRef string `yaml:"alertPolicyRef"`
}

type alertPolicySpec struct {
	Description         string         `yaml:"description,omitempty"`
	AlertWhenNoData     bool           `yaml:"alertWhenNoData"`
	AlertWhenResolved   bool           `yaml:"alertWhenResolved"`
	AlertWhenBreaching  bool           `yaml:"alertWhenBreaching"`
	Conditions          []conditionRef `yaml:"conditions"`
	NotificationTargets []targetRef    `yaml:"notificationTargets"`
}

type targetRef struct {
	TargetRef string `yaml:"targetRef"`
}

type conditionRef struct {
	ConditionRef string `yaml:"conditionRef"`
}

type alertConditionSpec struct {
	Description string    `yaml:"description,omitempty"`
	Severity    string    `yaml:"severity"`
	Condition   condition `yaml:"condition"`
}

type condition struct {
	Kind           string  `yaml:"kind"`
	Op             string  `yaml:"op"`
	Threshold      decimal `yaml:"threshold"`
	LookbackWindow string  `yaml:"lookbackWindow"`
	AlertAfter     string  `yaml:"alertAfter"`
}

// decimal is a number written as its exact decimal text (0.9995, not
// 0.9994999999999999).
type decimal string

func (d decimal) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: string(d)}, nil
}
