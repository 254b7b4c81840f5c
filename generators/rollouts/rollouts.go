// Package rollouts writes what progressive-delivery controllers need to
// let the SLOs judge a canary through slokit serve's canary check: an
// Argo Rollouts AnalysisTemplate per service, with a web-provider metric
// per SLO, and a Flagger Canary per service, with the gate as a
// confirm-rollout webhook and a rollout webhook per SLO.
//
// The objects are plain structs written as YAML: the controllers' own Go
// types would pull Kubernetes' libraries into the binary. Tests decode the
// output strictly into those types.
package rollouts

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/slo"
)

// Format is an output of this package.
type Format string

const (
	FormatArgoRollouts Format = "argo-rollouts"
	FormatFlagger      Format = "flagger"
)

// Formats lists the formats, for validation and help.
func Formats() []Format { return []Format{FormatArgoRollouts, FormatFlagger} }

// Options are what the objects need beyond the specs.
type Options struct {
	// URL is slokit serve's address as the controller reaches it, such
	// as http://slokit.monitoring:8080.
	URL string
	// Objects are the namespace, labels and annotations of every object.
	Objects generators.ObjectMeta
	// ServicePort is the port of the service a Flagger Canary routes.
	ServicePort int
}

// DefaultURL is where the docs' examples and the chart, installed as
// slokit in the monitoring namespace, serve the canary check.
const DefaultURL = "http://slokit.monitoring:8080"

// The analysis both controllers run: every minute, over the last ten
// minutes. Argo Rollouts measures at most 20 times and passes after 3
// passes in a row; Flagger holds the canary's weight on each fail or
// inconclusive answer and rolls back at its 10th.
const (
	interval          = time.Minute
	window            = 10 * time.Minute
	measurements      = 20
	passesInARow      = 3
	flaggerThreshold  = 10
	requestTimeout    = 30 * time.Second
	defaultChange     = slo.NormalChange
	argoHashLabel     = "rollouts_pod_template_hash"
	flaggerMaxWeight  = 50
	flaggerStepWeight = 5
)

// Check says what is wrong with the options.
func (o Options) Check() error {
	u, err := url.Parse(o.URL)
	switch {
	case err != nil:
		return fmt.Errorf("the slokit URL %q: %v", o.URL, err)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("the slokit URL %q: give scheme and host (and a path prefix, if any), such as %s", o.URL, DefaultURL)
	case o.ServicePort < 1 || o.ServicePort > 65535:
		return fmt.Errorf("the service port %d: must be 1 to 65535", o.ServicePort)
	}
	return o.Objects.Check()
}

// Write writes the objects of every service with an SLO a canary can be
// judged by, and returns what it left out, and why: the SLOs no canary
// can be judged by, and the services without any other. It fails when
// nothing is left.
func Write(w io.Writer, f Format, services []*slo.Service, o Options) (leftOut []string, err error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(o.URL, "/")
	var docs []any
	for _, svc := range services {
		var judging []string
		for _, s := range svc.SLOs {
			if err := canary.Supports(s); err != nil {
				leftOut = append(leftOut, err.Error())
				continue
			}
			judging = append(judging, s.Name)
		}
		if len(judging) == 0 {
			leftOut = append(leftOut, svc.Name+": no SLO can judge a canary")
			continue
		}
		switch f {
		case FormatArgoRollouts:
			docs = append(docs, analysisTemplate(svc.Name, judging, base, o.Objects))
		case FormatFlagger:
			docs = append(docs, flaggerCanary(svc.Name, judging, base, o))
		default:
			return nil, fmt.Errorf("unknown format %q", f)
		}
	}
	if len(docs) == 0 {
		return leftOut, errors.New("no service has an SLO that can judge a canary: " + strings.Join(leftOut, "; "))
	}
	if _, err := io.WriteString(w, generators.Header); err != nil {
		return leftOut, err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return leftOut, err
		}
	}
	return leftOut, enc.Close()
}

// objectMeta is a Kubernetes object's metadata.
type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

func metaOf(name, service string, m generators.ObjectMeta) objectMeta {
	return objectMeta{Name: name, Namespace: m.Namespace, Labels: m.ObjectLabels(service), Annotations: m.Annotations}
}

// checkURL is the canary check of service's SLO at base, with the query
// parameters given in order (values as they are: Argo Rollouts fills in
// its {{args.…}} before the request).
func checkURL(base, service string, params ...string) string {
	var b strings.Builder
	b.WriteString(base + "/api/v1/canary/" + url.PathEscape(service))
	sep := "?"
	for i := 0; i+1 < len(params); i += 2 {
		b.WriteString(sep + params[i] + "=" + params[i+1])
		sep = "&"
	}
	return b.String()
}

func duration(d time.Duration) string { return model.Duration(d).String() }
