package rollouts

import (
	"net/url"
)

// flaggerCanaryObject is a Flagger Canary (flagger.app/v1beta1) of a
// Deployment named after the service.
type flaggerCanaryObject struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   objectMeta  `yaml:"metadata"`
	Spec       flaggerSpec `yaml:"spec"`
}

type flaggerSpec struct {
	TargetRef targetRef       `yaml:"targetRef"`
	Service   flaggerService  `yaml:"service"`
	Analysis  flaggerAnalysis `yaml:"analysis"`
}

type targetRef struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
}

type flaggerService struct {
	Port int `yaml:"port"`
}

type flaggerAnalysis struct {
	Interval   string    `yaml:"interval"`
	Threshold  int       `yaml:"threshold"`
	MaxWeight  int       `yaml:"maxWeight"`
	StepWeight int       `yaml:"stepWeight"`
	Webhooks   []webhook `yaml:"webhooks"`
}

// webhook is a Flagger webhook: slokit answers 200 to go on, anything
// else (a deny, a fail, an inconclusive verdict) holds the canary and
// counts toward the threshold.
type webhook struct {
	Name     string            `yaml:"name"`
	Type     string            `yaml:"type"`
	URL      string            `yaml:"url"`
	Timeout  string            `yaml:"timeout"`
	Metadata map[string]string `yaml:"metadata"`
}

// flaggerCanary routes the service's Deployment through a canary: the
// gate confirms the rollout may start (a freeze waits), then each SLO
// judges the canary at every step. The canary's and the primary's pods
// are told apart by Flagger's names (the check's defaults).
func flaggerCanary(service string, slos []string, base string, o Options) flaggerCanaryObject {
	c := flaggerCanaryObject{
		APIVersion: "flagger.app/v1beta1", Kind: "Canary",
		Metadata: metaOf(service, service, o.Objects),
		Spec: flaggerSpec{
			TargetRef: targetRef{APIVersion: "apps/v1", Kind: "Deployment", Name: service},
			Service:   flaggerService{Port: o.ServicePort},
			Analysis: flaggerAnalysis{
				Interval: duration(interval), Threshold: flaggerThreshold, MaxWeight: flaggerMaxWeight, StepWeight: flaggerStepWeight,
				Webhooks: []webhook{{
					Name: "slokit-gate", Type: "confirm-rollout", URL: base + "/api/v1/gate/" + url.PathEscape(service) + "/check",
					Timeout: duration(requestTimeout), Metadata: map[string]string{"change": string(defaultChange)},
				}},
			},
		},
	}
	for _, s := range slos {
		c.Spec.Analysis.Webhooks = append(c.Spec.Analysis.Webhooks, webhook{
			Name: "slokit-" + s, Type: "rollout", URL: checkURL(base, service), Timeout: duration(requestTimeout),
			Metadata: map[string]string{"slo": s, "window": duration(window), "change": string(defaultChange)},
		})
	}
	return c
}
