package slo

// The types in this file mirror the YAML shape of a slokit.dev/v1 spec, and
// nothing else: they exist so that decoding can be strict and positional.
// They are converted into the domain model (model.go) by one function,
// convert, and no other package sees them.

import (
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/importer"
)

// APIVersion is the only native spec version this release reads. The
// native header is spelled out with the importers, which write it.
const APIVersion = importer.NativeAPIVersion

// Kind is the document kind of a native spec.
const Kind = importer.NativeKind

type specDocument struct {
	APIVersion     string               `yaml:"apiVersion"`
	Kind           string               `yaml:"kind"`
	Service        string               `yaml:"service"`
	Labels         map[string]string    `yaml:"labels"`
	ScrapeInterval *strictyaml.Duration `yaml:"scrapeInterval"`
	BaseWindow     *strictyaml.Duration `yaml:"baseWindow"`
	Policy         *specPolicy          `yaml:"policy"`
	Maintenance    []specMaintenance    `yaml:"maintenance"`
	SLOs           []specSLO            `yaml:"slos"`
}

type specMaintenance struct {
	Start  string      `yaml:"start"`
	End    string      `yaml:"end"`
	Weekly *specWeekly `yaml:"weekly"`
	Reason string      `yaml:"reason"`
}

type specWeekly struct {
	Day      string               `yaml:"day"`
	Start    string               `yaml:"start"`
	Duration *strictyaml.Duration `yaml:"duration"`
	TimeZone string               `yaml:"timezone"`
}

type specSLO struct {
	Name           string               `yaml:"name"`
	Description    string               `yaml:"description"`
	Objective      *float64             `yaml:"objective"`
	Objectives     []specObjective      `yaml:"objectives"`
	Period         *string              `yaml:"period"`
	TimeZone       string               `yaml:"timezone"`
	Labels         map[string]string    `yaml:"labels"`
	Grouping       []string             `yaml:"grouping"`
	RenameLabels   map[string]string    `yaml:"renameLabels"`
	ScrapeInterval *strictyaml.Duration `yaml:"scrapeInterval"`
	BaseWindow     *strictyaml.Duration `yaml:"baseWindow"`
	SLI            *specSLI             `yaml:"sli"`
	Alerting       *specAlerting        `yaml:"alerting"`
	Policy         *specPolicy          `yaml:"policy"`
	Maintenance    []specMaintenance    `yaml:"maintenance"`
}

type specPolicy struct {
	WarnBelow         *float64 `yaml:"warnBelow"`
	FreezeOnPage      *bool    `yaml:"freezeOnPage"`
	AllowDuringFreeze []string `yaml:"allowDuringFreeze"`
}

type specObjective struct {
	Objective *float64             `yaml:"objective"`
	Threshold *strictyaml.Duration `yaml:"threshold"`
}

type specSLI struct {
	Ratio     *specRatio     `yaml:"ratio"`
	Latency   *specLatency   `yaml:"latency"`
	BoolGauge *specBoolGauge `yaml:"boolGauge"`
	Raw       *specRaw       `yaml:"raw"`
}

type specRatio struct {
	Errors string `yaml:"errors"`
	Good   string `yaml:"good"`
	Total  string `yaml:"total"`
}

type specLatency struct {
	Histogram       string               `yaml:"histogram"`
	Threshold       *strictyaml.Duration `yaml:"threshold"`
	NativeHistogram bool                 `yaml:"nativeHistogram"`
}

type specBoolGauge struct {
	Selector string `yaml:"selector"`
}

type specRaw struct {
	ErrorRatio string `yaml:"errorRatio"`
}

type specAlerting struct {
	Name        string            `yaml:"name"`
	Runbook     string            `yaml:"runbook"`
	MinEvents   *float64          `yaml:"minEvents"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	Page        *specSeverity     `yaml:"page"`
	Ticket      *specSeverity     `yaml:"ticket"`
	Tiers       []specTier        `yaml:"tiers"`
	Budget      *specBudgetAlerts `yaml:"budget"`
}

type specBudgetAlerts struct {
	Spent       []float64         `yaml:"spent"`
	Severity    string            `yaml:"severity"`
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type specSeverity struct {
	Disabled    bool              `yaml:"disabled"`
	Severity    string            `yaml:"severity"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type specTier struct {
	Severity string               `yaml:"severity"`
	Factor   *float64             `yaml:"factor"`
	Long     *strictyaml.Duration `yaml:"long"`
	Short    *strictyaml.Duration `yaml:"short"`
	For      *strictyaml.Duration `yaml:"for"`
}
