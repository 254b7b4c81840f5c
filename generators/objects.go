package generators

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// ObjectMeta is what a user adds to every Kubernetes object a generator
// writes (PrometheusRule, VMRule, ConfigMap, GrafanaDashboard): a
// namespace, and labels and annotations, such as the release label a
// kube-prometheus-stack selects its rules by.
type ObjectMeta struct {
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string
}

// KubernetesName turns a service name into a valid object name: lower case,
// with _ replaced by -, prefixed so slokit's objects sort together.
func KubernetesName(service string) string {
	return "slokit-" + strings.ReplaceAll(strings.ToLower(service), "_", "-")
}

// Labels slokit sets on every object it writes, which the user's labels
// may not replace: they tell slokit's objects apart.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ServiceLabel   = "slokit.dev/service"
)

// ObjectLabels are an object's labels: slokit's own, then the user's.
func (m ObjectMeta) ObjectLabels(service string) map[string]string {
	out := map[string]string{ManagedByLabel: "slokit", ServiceLabel: service}
	maps.Copy(out, m.Labels)
	return out
}

// Empty reports whether nothing is added.
func (m ObjectMeta) Empty() bool {
	return m.Namespace == "" && len(m.Labels) == 0 && len(m.Annotations) == 0
}

var (
	// dnsLabel is a Kubernetes namespace name (RFC 1123 label).
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// qualifiedName is the name part of a label or annotation key.
	qualifiedName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	// dnsSubdomain is a key's prefix.
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// labelValue is a label's value (empty allowed).
	labelValue = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
)

// Check says what Kubernetes would refuse, all of it, before any object
// is written: a namespace that is not a DNS label, keys and label values
// Kubernetes does not accept, and labels slokit sets itself.
func (m ObjectMeta) Check() error {
	var errs []error
	if m.Namespace != "" && (len(m.Namespace) > 63 || !dnsLabel.MatchString(m.Namespace)) {
		errs = append(errs, fmt.Errorf("namespace %q: must be a DNS label (lower-case letters, digits and -, at most 63 characters)", m.Namespace))
	}
	for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
		if err := checkKey(k); err != nil {
			errs = append(errs, fmt.Errorf("label %q: %w", k, err))
		}
		if v := m.Labels[k]; len(v) > 63 || !labelValue.MatchString(v) {
			errs = append(errs, fmt.Errorf("label %s=%q: a value is at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit", k, v))
		}
		if k == ManagedByLabel || k == ServiceLabel {
			errs = append(errs, fmt.Errorf("label %q: slokit sets it on every object it writes", k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.Annotations)) {
		if err := checkKey(k); err != nil {
			errs = append(errs, fmt.Errorf("annotation %q: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// checkKey checks a label or annotation key: [prefix/]name.
func checkKey(k string) error {
	prefix, name, hasPrefix := strings.Cut(k, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	if hasPrefix && (len(prefix) > 253 || !dnsSubdomain.MatchString(prefix)) {
		return errors.New("the prefix before / must be a DNS subdomain, such as example.com")
	}
	if len(name) > 63 || !qualifiedName.MatchString(name) {
		return errors.New("the name must be at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit")
	}
	return nil
}
