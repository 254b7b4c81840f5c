package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/slokit/slokit/generators"
)

// keyValues collects repeated --flag k=v values.
type keyValues map[string]string

func (kv keyValues) String() string { return "" }

func (kv keyValues) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	if _, dup := kv[k]; dup {
		return fmt.Errorf("%s is given twice", k)
	}
	kv[k] = val
	return nil
}

// objectFlags are the flags that add a namespace, labels and annotations
// to every Kubernetes object generate and dashboards write, such as
// --label release=kube-prometheus-stack, which a default
// kube-prometheus-stack selects its PrometheusRules by.
type objectFlags struct {
	namespace           *string
	labels, annotations keyValues
}

func addObjectFlags(fs *flag.FlagSet) objectFlags {
	o := objectFlags{labels: keyValues{}, annotations: keyValues{}}
	o.namespace = fs.String("namespace", "", "namespace of every Kubernetes object written (default: none, kubectl's)")
	fs.Var(o.labels, "label", "label k=v on every Kubernetes object written (repeatable), such as release=kube-prometheus-stack")
	fs.Var(o.annotations, "annotation", "annotation k=v on every Kubernetes object written (repeatable)")
	return o
}

func (o objectFlags) meta() generators.ObjectMeta {
	m := generators.ObjectMeta{Namespace: *o.namespace}
	if len(o.labels) > 0 {
		m.Labels = o.labels
	}
	if len(o.annotations) > 0 {
		m.Annotations = o.annotations
	}
	return m
}
