package grafana

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"strconv"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/internal/parallel"
	"github.com/slokit/slokit/slo"
)

// Format is how dashboards are packaged.
type Format string

// The dashboard formats slokit writes.
const (
	// FormatJSON is Grafana's dashboard JSON, one file per dashboard, for
	// import, provisioning from files, or the HTTP API.
	FormatJSON Format = "json"
	// FormatConfigMap is a ConfigMap per dashboard with the label the
	// Grafana sidecar of kube-prometheus-stack watches (grafana_dashboard:
	// "1"), one YAML file per service.
	FormatConfigMap Format = "configmap"
	// FormatGrafanaOperator is a GrafanaDashboard per dashboard for the
	// Grafana operator, selecting Grafana instances labelled
	// dashboards: grafana, one YAML file per service.
	FormatGrafanaOperator Format = "grafana-operator"
)

// Formats lists the dashboard formats, for --help and validation; a new
// slice each time.
func Formats() []Format { return []Format{FormatJSON, FormatConfigMap, FormatGrafanaOperator} }

// SidecarLabel is the label the Grafana dashboard sidecar looks for.
const SidecarLabel = "grafana_dashboard"

// DefaultFolderAnnotation is the annotation that names a ConfigMap's
// Grafana folder, as the Grafana chart's sidecar is commonly configured
// (sidecar.dashboards.folderAnnotation).
const DefaultFolderAnnotation = "grafana_folder"

// DefaultInstanceSelector selects the Grafana instances a GrafanaDashboard
// goes to when none is given. The operator refuses to change an applied
// dashboard's selector, so choose it before the first apply.
func DefaultInstanceSelector() map[string]string { return map[string]string{"dashboards": "grafana"} }

// Output says how dashboards are packaged: the format and, for the
// Kubernetes formats, what goes on each object.
type Output struct {
	Format  Format
	Objects generators.ObjectMeta
	// Folder is the Grafana folder the dashboards go to: the
	// GrafanaDashboard's folder, or the ConfigMap's FolderAnnotation.
	Folder string
	// FolderAnnotation names the annotation the sidecar reads the folder
	// from; default DefaultFolderAnnotation.
	FolderAnnotation string
	// InstanceSelector selects the Grafana instances of the operator;
	// default DefaultInstanceSelector.
	InstanceSelector map[string]string
	// AllowCrossNamespaceImport lets the operator's Grafana instances in
	// other namespaces take the dashboards.
	AllowCrossNamespaceImport bool
}

// Check says what cannot be written as o says, before any file is.
func (o Output) Check() error {
	if _, err := ParseFormat(string(o.Format)); err != nil {
		return err
	}
	if o.Format == FormatJSON && (!o.Objects.Empty() || o.Folder != "" || o.FolderAnnotation != "" || o.InstanceSelector != nil || o.AllowCrossNamespaceImport) {
		return fmt.Errorf("a namespace, labels, annotations, a folder and operator settings apply to Kubernetes objects: use --format %s or %s", FormatConfigMap, FormatGrafanaOperator)
	}
	if o.Format != FormatGrafanaOperator && (o.InstanceSelector != nil || o.AllowCrossNamespaceImport) {
		return fmt.Errorf("an instance selector and cross-namespace import are settings of the grafana-operator format")
	}
	if o.Format != FormatConfigMap && o.FolderAnnotation != "" {
		return fmt.Errorf("the folder annotation is read by the Grafana sidecar: use --format %s", FormatConfigMap)
	}
	sel := generators.ObjectMeta{Labels: o.InstanceSelector}
	if err := sel.Check(); err != nil {
		return fmt.Errorf("instance selector: %w", err)
	}
	ann := generators.ObjectMeta{Annotations: map[string]string{o.FolderAnnotation: ""}}
	if err := ann.Check(); o.FolderAnnotation != "" && err != nil {
		return fmt.Errorf("folder annotation: %w", err)
	}
	return o.Objects.Check()
}

// ParseFormat checks a format name.
func ParseFormat(name string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == name {
			return f, nil
		}
	}
	names := make([]string, len(Formats()))
	for i, f := range Formats() {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown dashboard format %q: use one of %s", name, strings.Join(names, ", "))
}

// Dashboards are a service's overview (its pages, OverviewPages)
// followed by its SLOs' details, in spec order, each described as
// generated from the service's spec file.
func Dashboards(svc *slo.Service) ([]dashboard.Dashboard, error) {
	pages := OverviewPages(svc)
	var out, details []dashboard.Dashboard
	for i, slos := range pages {
		o, err := overviewPage(svc, slos, i+1, len(pages))
		if err != nil {
			return nil, fmt.Errorf("%s: overview dashboard: %w", svc.Name, err)
		}
		out = append(out, o)
		for _, s := range slos {
			d, err := detail(s, OverviewPageUID(svc.Name, i+1))
			if err != nil {
				return nil, fmt.Errorf("%s/%s: detail dashboard: %w", s.Service, s.Name, err)
			}
			details = append(details, d)
		}
	}
	out = append(out, details...)
	description := DescriptionFor(svc.File)
	for i := range out {
		out[i].Description = &description
	}
	return out, nil
}

// Marshal is a dashboard's JSON as Grafana stores it, indented and
// without HTML escapes, so that queries read as written.
func Marshal(d dashboard.Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	// The SDK's own marshalling escapes <, > and & inside; undo it.
	return unescapeHTML(buf.Bytes()), nil
}

// unescapeHTML turns the \u003c, \u003e and \u0026 escapes of JSON text
// back into <, > and &, leaving every other escape (and an escaped
// backslash followed by u003c) as it is.
func unescapeHTML(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+5 < len(b) {
			switch string(b[i+2 : i+6]) {
			case "003c":
				out, i = append(out, '<'), i+5
				continue
			case "003e":
				out, i = append(out, '>'), i+5
				continue
			case "0026":
				out, i = append(out, '&'), i+5
				continue
			}
		}
		out, i = append(out, b[i], b[i+1]), i+1
	}
	return out
}

// JSONFileName is the file a dashboard's JSON is written to: the service's
// overview as SERVICE.json, an SLO's detail as SERVICE.SLO.json.
func JSONFileName(service, sloName string) string {
	if sloName == "" {
		return service + ".json"
	}
	return service + "." + sloName + ".json"
}

// OverviewFileName is the file of page (from 1) of a service's overview:
// SERVICE.json, then SERVICE+2.json, ... (+ is in no service or SLO name,
// so no page's file is another dashboard's).
func OverviewFileName(service string, page int) string {
	if page <= 1 {
		return JSONFileName(service, "")
	}
	return service + "+" + strconv.Itoa(page) + ".json"
}

// YAMLFileName is the file a service's Kubernetes objects are written to.
func YAMLFileName(service string) string { return service + ".yaml" }

// Files returns the files of every service's dashboards in format f,
// one after the other: services are rendered on every core
// (parallel.Ordered), in order, and only a few are in memory at once.
// File names are checked for clashes before the first file.
func Files(o Output, services []*slo.Service) iter.Seq2[generators.File, error] {
	return func(yield func(generators.File, error) bool) {
		if err := errors.Join(o.Check(), checkFileNames(services)); err != nil {
			yield(generators.File{}, err)
			return
		}
		type rendered struct {
			files []generators.File
			err   error
		}
		for r := range parallel.Ordered(len(services), func(i int) rendered {
			files, err := serviceFiles(o, services[i])
			return rendered{files, err}
		}) {
			if r.err != nil {
				yield(generators.File{}, r.err)
				return
			}
			for _, file := range r.files {
				if !yield(file, nil) {
					return
				}
			}
		}
		files, err := fleetFiles(o)
		if err != nil {
			yield(generators.File{}, err)
			return
		}
		for _, file := range files {
			if !yield(file, nil) {
				return
			}
		}
	}
}

// fleetFiles renders the fleet's dashboards (FleetOverview, FleetDetail):
// a JSON file each, or one YAML file of Kubernetes objects, naming no spec.
func fleetFiles(o Output) ([]generators.File, error) {
	overview, detail, objects := FleetFileNames()
	names := []string{overview, detail}
	var docs [][]byte
	for _, build := range []func() (dashboard.Dashboard, error){FleetOverview, FleetDetail} {
		d, err := build()
		if err == nil {
			var doc []byte
			doc, err = Marshal(d)
			docs = append(docs, doc)
		}
		if err != nil {
			return nil, fmt.Errorf("the fleet's dashboards: %w", err)
		}
	}
	if o.Format == FormatJSON {
		return []generators.File{{Name: names[0], Content: docs[0]}, {Name: names[1], Content: docs[1]}}, nil
	}
	content, err := kubernetesObjects(o, "", []string{FleetOverviewUID, FleetDetailUID}, names, docs)
	if err != nil {
		return nil, err
	}
	return []generators.File{{Name: objects, Content: content}}, nil
}

// serviceFiles renders one service's dashboards: a JSON file each, or one
// YAML file of Kubernetes objects.
func serviceFiles(o Output, svc *slo.Service) ([]generators.File, error) {
	ds, err := Dashboards(svc)
	if err != nil {
		return nil, err
	}
	pages := len(ds) - len(svc.SLOs)
	files := make([]string, len(ds))
	docs := make([][]byte, len(ds))
	for i, d := range ds {
		if docs[i], err = Marshal(d); err != nil {
			return nil, fmt.Errorf("%s: %w", svc.Name, err)
		}
		if i < pages {
			files[i] = OverviewFileName(svc.Name, i+1)
		} else {
			files[i] = JSONFileName(svc.Name, svc.SLOs[i-pages].Name)
		}
	}
	if o.Format == FormatJSON {
		out := make([]generators.File, len(ds))
		for i := range ds {
			out[i] = generators.File{Name: files[i], Content: docs[i]}
		}
		return out, nil
	}
	uids := make([]string, len(ds))
	for i, d := range ds {
		uids[i] = *d.Uid
	}
	content, err := kubernetesObjects(o, svc.Name, uids, files, docs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", svc.Name, err)
	}
	header := generators.HeaderFor(svc.File)
	return []generators.File{{Name: YAMLFileName(svc.Name), Content: append([]byte(header), content...)}}, nil
}

// kubernetesObjects writes dashboards (their UIDs, files and JSON) as
// YAML documents of Kubernetes objects: a service's, or the fleet's (no
// service, and slokit's header naming no spec).
func kubernetesObjects(o Output, service string, uids, files []string, docs [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	if service == "" {
		buf.WriteString(generators.HeaderFor(""))
	}
	for i := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(kubernetesObject(o, service, uids[i], files[i], docs[i])); err != nil {
			return nil, err
		}
		enc.Close()
	}
	return buf.Bytes(), nil
}

// kubernetesObject wraps a dashboard's JSON in a ConfigMap or a
// GrafanaDashboard named after its UID (lower-cased: Kubernetes names are).
func kubernetesObject(o Output, service, uid, file string, content []byte) map[string]any {
	labels := o.Objects.ObjectLabels(service)
	if service == "" { // the fleet's: of no one service
		delete(labels, generators.ServiceLabel)
	}
	annotations := maps.Clone(o.Objects.Annotations)
	meta := map[string]any{"name": "slokit-dashboard-" + strings.ToLower(uid), "labels": labels}
	if o.Objects.Namespace != "" {
		meta["namespace"] = o.Objects.Namespace
	}
	if o.Format == FormatConfigMap {
		labels[SidecarLabel] = "1"
		if o.Folder != "" {
			if annotations == nil {
				annotations = map[string]string{}
			}
			annotations[cmp.Or(o.FolderAnnotation, DefaultFolderAnnotation)] = o.Folder
		}
		if len(annotations) > 0 {
			meta["annotations"] = annotations
		}
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
			"data": map[string]string{file: string(content)}}
	}
	if len(annotations) > 0 {
		meta["annotations"] = annotations
	}
	selector := o.InstanceSelector
	if selector == nil {
		selector = DefaultInstanceSelector()
	}
	spec := map[string]any{
		"instanceSelector": map[string]any{"matchLabels": selector},
		"json":             string(content),
	}
	if o.Folder != "" {
		spec["folder"] = o.Folder
	}
	if o.AllowCrossNamespaceImport {
		spec["allowCrossNamespaceImport"] = true
	}
	return map[string]any{"apiVersion": "grafana.integreatly.org/v1beta1", "kind": "GrafanaDashboard", "metadata": meta, "spec": spec}
}

// checkFileNames refuses services whose dashboards would share a file
// name (and a Kubernetes object name): the overview of service "a.b" and
// the detail of SLO "b" of service "a" are both a.b.json, and one would
// overwrite the other.
func checkFileNames(services []*slo.Service) error {
	owner := map[string]string{}
	var errs []error
	add := func(name, what string) {
		if prev, ok := owner[name]; ok {
			errs = append(errs, fmt.Errorf("the dashboards of %s and of %s would both be %s: rename one of them", prev, what, name))
			return
		}
		owner[name] = what
	}
	for _, svc := range services {
		add(JSONFileName(svc.Name, ""), "service "+svc.Name)
		for _, s := range svc.SLOs {
			add(JSONFileName(svc.Name, s.Name), "SLO "+s.Name+" of service "+svc.Name)
		}
	}
	return errors.Join(errs...)
}
