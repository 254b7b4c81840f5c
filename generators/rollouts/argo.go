package rollouts

import (
	"net/url"

	"github.com/slokit/slokit/generators"
)

// analysisTemplateObject is an Argo Rollouts AnalysisTemplate (argoproj.io/v1alpha1).
type analysisTemplateObject struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   objectMeta   `yaml:"metadata"`
	Spec       analysisSpec `yaml:"spec"`
}

type analysisSpec struct {
	Args    []argument `yaml:"args"`
	Metrics []metric   `yaml:"metrics"`
}

// argument is a template argument; without a value, the Rollout gives it.
type argument struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value,omitempty"`
}

// metric measures one SLO's verdict. A pass is a success, a fail a
// failure, and an inconclusive answer, neither, is Argo's inconclusive:
// measurements go on until passesInARow passes (success), one fail
// (failure, the rollout aborts), or the count runs out (inconclusive, the
// rollout pauses for a person).
type metric struct {
	Name                    string   `yaml:"name"`
	Interval                string   `yaml:"interval"`
	Count                   int      `yaml:"count"`
	ConsecutiveSuccessLimit int      `yaml:"consecutiveSuccessLimit"`
	FailureLimit            int      `yaml:"failureLimit"`
	InconclusiveLimit       int      `yaml:"inconclusiveLimit"`
	SuccessCondition        string   `yaml:"successCondition"`
	FailureCondition        string   `yaml:"failureCondition"`
	Provider                provider `yaml:"provider"`
}

type provider struct {
	Web webMetric `yaml:"web"`
}

type webMetric struct {
	URL            string `yaml:"url"`
	JSONPath       string `yaml:"jsonPath"`
	TimeoutSeconds int    `yaml:"timeoutSeconds"`
}

// The AnalysisTemplate's arguments: the Rollout passes the two pod
// template hashes (valueFrom.podTemplateHashValue Latest and Stable);
// the label carrying them in the series and the kind of change have
// defaults it may override.
const (
	ArgCanaryHash = "canary-hash"
	ArgStableHash = "stable-hash"
	ArgHashLabel  = "hash-label"
	ArgChange     = "change"
)

// VerdictPath is where the web provider finds the verdict in the answer.
const VerdictPath = "{$.verdict}"

func analysisTemplate(service string, slos []string, base string, m generators.ObjectMeta) analysisTemplateObject {
	t := analysisTemplateObject{
		APIVersion: "argoproj.io/v1alpha1", Kind: "AnalysisTemplate",
		Metadata: metaOf(generators.KubernetesName(service)+"-canary", service, m),
		Spec: analysisSpec{Args: []argument{
			{Name: ArgCanaryHash}, {Name: ArgStableHash},
			{Name: ArgHashLabel, Value: argoHashLabel}, {Name: ArgChange, Value: string(defaultChange)},
		}},
	}
	side := func(hash string) string {
		// label="hash", URL-encoded around Argo's placeholders.
		return "{{args." + ArgHashLabel + "}}%3D%22{{args." + hash + "}}%22"
	}
	for _, s := range slos {
		t.Spec.Metrics = append(t.Spec.Metrics, metric{
			Name: s, Interval: duration(interval), Count: measurements,
			ConsecutiveSuccessLimit: passesInARow, FailureLimit: 0, InconclusiveLimit: measurements - 1,
			SuccessCondition: `result == "pass"`, FailureCondition: `result == "fail"`,
			Provider: provider{Web: webMetric{
				URL: checkURL(base, service, "slo", url.QueryEscape(s), "window", duration(window), "change", "{{args."+ArgChange+"}}",
					"canary", side(ArgCanaryHash), "baseline", side(ArgStableHash)),
				JSONPath: VerdictPath, TimeoutSeconds: int(requestTimeout.Seconds()),
			}},
		})
	}
	return t
}
