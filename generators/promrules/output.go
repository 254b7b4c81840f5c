package promrules

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/internal/parallel"
	"github.com/slokit/slokit/slo"
)

// Format is an output flavour of the same rule groups.
type Format string

// The output formats slokit writes.
const (
	// FormatPrometheus is a plain rule file for Prometheus, Thanos Ruler,
	// the Mimir ruler and vmalert: one YAML document holding every group
	// (Prometheus reads only the first document of a file).
	FormatPrometheus Format = "prometheus"
	// FormatPrometheusOperator is a PrometheusRule object for the
	// prometheus-operator.
	FormatPrometheusOperator Format = "prometheus-operator"
	// FormatVictoriaMetrics is a VMRule object for the VictoriaMetrics
	// operator.
	FormatVictoriaMetrics Format = "victoriametrics"
)

// Formats lists the output formats, for --help and validation; a new
// slice each time.
func Formats() []Format {
	return []Format{FormatPrometheus, FormatPrometheusOperator, FormatVictoriaMetrics}
}

// Output says how rules are written: in which format and, for the
// Kubernetes objects of the operator formats, what to add to each.
type Output struct {
	Format  Format
	Objects generators.ObjectMeta
	// Tier is the part of the rules to write (TierAll: all of them, for
	// one Prometheus).
	Tier Tier
	// Region, for the edge tier, labels what it records with the region's
	// name, for a Prometheus whose external labels do not name it (or the
	// one that runs the global tier as well, whose own series carry no
	// external labels).
	Region string
}

// Check reports whether the services can be written as o says: a known
// format, metadata Kubernetes accepts and only for Kubernetes objects, and
// native histograms, which exist only in Prometheus, not for
// VictoriaMetrics.
func (o Output) Check(services []*slo.Service) error {
	errs := []error{Check(o.Format, services), o.Objects.Check(), checkTier(o.Tier, services)}
	switch {
	case o.Region != "" && o.Tier != TierEdge:
		errs = append(errs, fmt.Errorf("a region names what the edge tier records: use --tier %s", TierEdge))
	case o.Region != "" && !slo.ValidName(o.Region):
		errs = append(errs, fmt.Errorf("%q is not a valid region name: use letters, digits, '.', '_' and '-'", o.Region))
	}
	if o.Format == FormatPrometheus && !o.Objects.Empty() {
		errs = append(errs, fmt.Errorf("a namespace, labels and annotations apply to Kubernetes objects: use --format %s or %s", FormatPrometheusOperator, FormatVictoriaMetrics))
	}
	return errors.Join(errs...)
}

// Check reports whether the services can be written in format f. Native
// histograms exist only in Prometheus, so they cannot go to VictoriaMetrics.
func Check(f Format, services []*slo.Service) error {
	known := slices.Contains(Formats(), f)
	if !known {
		return fmt.Errorf("unknown format %q (want one of %s)", f, FormatList())
	}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.SLI.Kind == slo.Datadog {
				return fmt.Errorf("%s: SLO %s is measured by Datadog, with no Prometheus rules (slo.WithoutDatadog leaves such SLOs out)", svc.Name, s.Name)
			}
		}
	}
	if f != FormatVictoriaMetrics {
		return nil
	}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.SLI.NativeHistogram {
				return fmt.Errorf("%s: SLO %s uses a native histogram, which VictoriaMetrics does not support", svc.Name, s.Name)
			}
		}
	}
	return nil
}

// FormatList names the formats, comma-separated, for messages and --help.
func FormatList() string {
	names := make([]string, len(Formats()))
	for i, f := range Formats() {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// bytesPerSLO is about what one SLO's rules take in YAML (24 KB for a
// ratio SLO with the default tiers), to size the buffer of an SLO that is
// compiled by Group once.
const bytesPerSLO = 28 << 10

// Write writes the rules of services in format f to one stream: a rule
// file holding every group in one document, or one Kubernetes object per
// service separated by ---. The header names the spec files they came
// from. SLOs are compiled on every core and written in spec order, so the
// output is the same on any number of cores.
func Write(w io.Writer, o Output, services []*slo.Service) error {
	if err := o.Check(services); err != nil {
		return err
	}
	f := o.Format
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(generators.Header)
	for _, svc := range services {
		if svc.File != "" {
			fmt.Fprintf(bw, "# Source: %s\n", svc.File)
		}
	}
	if f == FormatPrometheus {
		bw.WriteString("groups:\n")
	}
	next, stop := iter.Pull(renderedGroups(o, services))
	defer stop()
	for i, svc := range services {
		if f == FormatPrometheus {
			for range svc.SLOs {
				group, _ := next()
				bw.Write(group)
			}
			continue
		}
		if i > 0 {
			bw.WriteString("---\n")
		}
		writeObjects(bw, o, svc, next)
	}
	return bw.Flush()
}

// MaxObjectBytes bounds the text of each Kubernetes object slokit writes.
// The API server refuses objects over about 1.5 MiB, and a client-side
// kubectl apply stores the object a second time in its
// last-applied-configuration annotation: half of that, with room to spare.
const MaxObjectBytes = 512 << 10

// writeObjects writes a service's groups as PrometheusRule (or VMRule)
// objects of at most MaxObjectBytes each: one object while they fit, then
// another, named with -2, -3 and so on, whenever the next group would not.
// The names depend only on the SLOs' order and sizes, so they are stable
// from one generation to the next as long as the spec is.
func writeObjects(bw *bufio.Writer, o Output, svc *slo.Service, next func() ([]byte, bool)) {
	part := 1
	size := writeObjectHeader(bw, o, svc, part)
	groups := 0
	for range svc.SLOs {
		group, _ := next()
		if len(group) == 0 {
			continue // no rules in this tier
		}
		if groups > 0 && size+len(group) > MaxObjectBytes {
			part++
			bw.WriteString("---\n")
			size, groups = writeObjectHeader(bw, o, svc, part), 0
		}
		bw.Write(group)
		size += len(group)
		groups++
	}
}

// Files returns the file of each service's rules in format f, as
// `slokit generate -o DIR` writes them, one after the other: the SLOs of
// every service are compiled on every core together, and a file is built
// as its SLOs come in, so only a few files are in memory at once. The
// format is checked against every service before the first file.
func Files(o Output, services []*slo.Service) iter.Seq2[generators.File, error] {
	return func(yield func(generators.File, error) bool) {
		if err := o.Check(services); err != nil {
			yield(generators.File{}, err)
			return
		}
		f := o.Format
		next, stop := iter.Pull(renderedGroups(o, services))
		defer stop()
		for _, svc := range services {
			// The service's groups first, to size the file once.
			groups := make([][]byte, len(svc.SLOs))
			size := 4 << 10 // header, objects' headers
			for i := range groups {
				groups[i], _ = next()
				size += len(groups[i])
			}
			if size == 4<<10 && len(groups) > 0 {
				continue // none of the service's SLOs has rules in this tier
			}
			var b bytes.Buffer
			b.Grow(size)
			bw := bufio.NewWriter(&b)
			bw.WriteString(generators.HeaderFor(svc.File))
			if f == FormatPrometheus {
				bw.WriteString("groups:\n")
				for _, group := range groups {
					bw.Write(group)
				}
			} else {
				writeObjects(bw, o, svc, func() ([]byte, bool) {
					group := groups[0]
					groups = groups[1:]
					return group, true
				})
			}
			bw.Flush()
			if !yield(generators.File{Name: FileName(svc.Name), Content: b.Bytes()}, nil) {
				return
			}
		}
	}
}

// renderedGroups compiles and renders the group of every SLO of the
// services, in order, on every core (parallel.Ordered): a plain rule
// file's groups are not indented, a Kubernetes object's are.
func renderedGroups(o Output, services []*slo.Service) iter.Seq[[]byte] {
	var all []*slo.SLO
	for _, svc := range services {
		all = append(all, svc.SLOs...)
	}
	indent := "  "
	if o.Format == FormatPrometheus {
		indent = ""
	}
	shapes := newShapes(indent, o.Tier)
	shapes.region = o.Region
	return parallel.Ordered(len(all), func(i int) []byte {
		var b bytes.Buffer
		shapes.write(&b, all[i])
		return b.Bytes()
	})
}

// writeObjectHeader starts a PrometheusRule or VMRule for a service, up to
// its list of groups.
func writeObjectHeader(w *bufio.Writer, o Output, svc *slo.Service, part int) int {
	apiVersion, kind := "monitoring.coreos.com/v1", "PrometheusRule"
	if o.Format == FormatVictoriaMetrics {
		apiVersion, kind = "operator.victoriametrics.com/v1beta1", "VMRule"
	}
	name := generators.KubernetesName(svc.Name)
	if part > 1 {
		name += "-" + strconv.Itoa(part)
	}
	var b bytes.Buffer
	b.WriteString("apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: " + quote(name) + "\n")
	if o.Objects.Namespace != "" {
		b.WriteString("  namespace: " + quote(o.Objects.Namespace) + "\n")
	}
	writeMap(&b, "  ", "labels", o.Objects.ObjectLabels(svc.Name))
	writeMap(&b, "  ", "annotations", o.Objects.Annotations)
	b.WriteString("spec:\n  groups:\n")
	w.Write(b.Bytes())
	return b.Len()
}

// FileName is the name of the file a service's rules are written to when
// generating into a folder.
func FileName(service string) string {
	return service + ".yaml"
}
