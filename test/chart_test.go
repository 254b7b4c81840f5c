package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/internal/pgtest"
)

var goldens = golden.Flag()

const (
	chartDir          = "../deploy/helm/slokit"
	plainManifestsDir = "../deploy/kubernetes"
)

// rendered is a release of the chart as Kubernetes would receive it: every
// object decoded strictly into its API type.
type rendered struct {
	deployment   *appsv1.Deployment
	service      *corev1.Service
	pdb          *policyv1.PodDisruptionBudget
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	pvcs         map[string]*corev1.PersistentVolumeClaim
	monitors     []*monitoringv1.ServiceMonitor
	manifest     string // the objects in file order, as helm template prints them
	notes        string
	objectsCount int
}

// documentSeparator splits a rendered template into its YAML documents.
var documentSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// renderChart renders the chart the way `helm install` would, with
// values (YAML) over the chart's defaults, validated by its schema.
func renderChart(t *testing.T, values string, service string) (*rendered, error) {
	t.Helper()
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	vals, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	caps := *chartutil.DefaultCapabilities
	caps.APIVersions = append(slices.Clone(caps.APIVersions), "monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor")
	top, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{Name: "slokit", Namespace: "slokit", IsInstall: true}, &caps)
	if err != nil {
		return nil, err
	}
	if service != "" {
		top["Release"].(map[string]any)["Service"] = service
	}
	files, err := engine.Render(chrt, top)
	if err != nil {
		return nil, err
	}
	r := &rendered{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}, pvcs: map[string]*corev1.PersistentVolumeClaim{}}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var manifest strings.Builder
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			r.notes = files[name]
			continue
		}
		for _, doc := range documentSeparator.Split(files[name], -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			fmt.Fprintf(&manifest, "---\n# Source: %s\n%s\n", strings.TrimPrefix(name, "slokit/"), strings.TrimSpace(doc))
			r.decode(t, name, doc)
		}
	}
	r.manifest = manifest.String()
	return r, nil
}

// decode fails the test unless doc decodes into its Kubernetes type with
// no unknown field: a misspelt or misplaced field in a template would be
// dropped without a word by the API server.
func (r *rendered) decode(t *testing.T, file, doc string) {
	t.Helper()
	data, err := sigsyaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		t.Fatalf("%s: not YAML: %v\n%s", file, err, doc)
	}
	var meta struct{ APIVersion, Kind string }
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var obj any
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 Deployment":
		if r.deployment != nil {
			t.Fatalf("%s: a second Deployment", file)
		}
		r.deployment = &appsv1.Deployment{}
		obj = r.deployment
	case "v1 Service":
		r.service = &corev1.Service{}
		obj = r.service
	case "policy/v1 PodDisruptionBudget":
		r.pdb = &policyv1.PodDisruptionBudget{}
		obj = r.pdb
	case "v1 ConfigMap":
		cm := &corev1.ConfigMap{}
		defer func() { r.configMaps[cm.Name] = cm }()
		obj = cm
	case "v1 Secret":
		s := &corev1.Secret{}
		defer func() { r.secrets[s.Name] = s }()
		obj = s
	case "v1 PersistentVolumeClaim":
		pvc := &corev1.PersistentVolumeClaim{}
		defer func() { r.pvcs[pvc.Name] = pvc }()
		obj = pvc
	case "monitoring.coreos.com/v1 ServiceMonitor":
		sm := &monitoringv1.ServiceMonitor{}
		r.monitors = append(r.monitors, sm)
		obj = sm
	default:
		t.Fatalf("%s: an object of unexpected kind %s %s", file, meta.APIVersion, meta.Kind)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		t.Fatalf("%s: %s %s does not decode strictly: %v\n%s", file, meta.APIVersion, meta.Kind, err, doc)
	}
	if dec.More() {
		t.Fatalf("%s: trailing data", file)
	}
	r.objectsCount++
}

// container is the Deployment's one container, failing the test otherwise.
func (r *rendered) container(t *testing.T) corev1.Container {
	t.Helper()
	if r.deployment == nil {
		t.Fatal("no Deployment")
	}
	cs := r.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	return cs[0]
}

// chartFeatures turns on every option of the chart at once.
const chartFeatures = `
image: {repository: registry.example.com/platform/slokit, tag: v1.2.3}
imagePullSecrets: [{name: registry}]
specsConfigMap: slo-specs
token: {existingSecret: gate-token, existingSecretKey: override-token}
backend:
  existingSecret: mimir
  auth: {type: basic, username: slokit}
  refresh: 30s
  staleAfter: 3m
  failOpen: true
persistence: {enabled: true, storageClassName: fast, size: 2Gi}
serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}}
extraArgs: [--max-override=8h]
podAnnotations: {team: platform}
`

func TestChartLintIsClean(t *testing.T) {
	for name, values := range map[string]string{"the demo": "demo: {enabled: true}", "a backend": "backend: {url: http://p:9090}", "every feature": chartFeatures} {
		vals, err := chartutil.ReadValues([]byte(values))
		if err != nil {
			t.Fatal(err)
		}
		linter := lint.All(chartDir, vals, "slokit", false)
		for _, m := range linter.Messages {
			// Info is advice such as "icon is recommended"; a warning or
			// an error is a defect.
			if m.Severity > support.InfoSev {
				t.Errorf("%s: helm lint: %s", name, m)
			}
		}
	}
}

// The demo, asked for with demo.enabled (the chart's default, with no
// backend, refuses to render: TestChartRefusesBrokenSettings), runs safely.
func TestChartDemoRunsSafely(t *testing.T) {
	r, err := renderChart(t, "demo: {enabled: true}", "")
	if err != nil {
		t.Fatal(err)
	}
	c := r.container(t)
	pod := r.deployment.Spec.Template.Spec

	if got := *r.deployment.Spec.Replicas; got != 1 {
		t.Errorf("replicas %d", got)
	}
	if c.Image != "ghcr.io/slokit/slokit:v0.1.0" {
		t.Errorf("image %s: want the released image at the appVersion", c.Image)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil || !*psc.RunAsNonRoot || *psc.RunAsUser != 65532 || *psc.RunAsGroup != 65532 ||
		psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault ||
		!*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("security contexts: pod %+v container %+v", psc, sc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the service account token is mounted; slokit never calls the API")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	if p := c.LivenessProbe; p == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "http" {
		t.Errorf("liveness probe %+v", p)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.String() != "http" {
		t.Errorf("readiness probe %+v", p)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v", c.Ports)
	}
	wantArgs := []string{"serve", "--listen=:8080", "--data-dir=/var/lib/slokit", "--log-format=json", "--demo=super-bowl", "--stale-after=5m", "/etc/slokit/specs"}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args %q, want %q", c.Args, wantArgs)
	}
	// Every folder serve writes is a volume, as the root is read-only.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	for _, path := range []string{"/var/lib/slokit", "/tmp", "/etc/slokit/specs"} {
		if mounts[path] == "" {
			t.Errorf("nothing mounted at %s: %v", path, mounts)
		}
	}
	if r.service == nil || r.service.Spec.Ports[0].TargetPort.String() != "http" || r.service.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("service %+v", r.service)
	}
	if r.pdb == nil || r.pdb.Spec.MaxUnavailable.IntValue() != 1 || r.pdb.Spec.MinAvailable != nil {
		t.Errorf("PodDisruptionBudget %+v: one replica needs maxUnavailable, or no node drains", r.pdb)
	}
	for _, sel := range []map[string]string{r.service.Spec.Selector, r.pdb.Spec.Selector.MatchLabels, r.deployment.Spec.Selector.MatchLabels} {
		for k, v := range sel {
			if r.deployment.Spec.Template.Labels[k] != v {
				t.Errorf("selector %v does not select the pods %v", sel, r.deployment.Spec.Template.Labels)
			}
		}
	}
	if len(r.secrets) != 0 || len(r.monitors) != 0 || len(r.pvcs) != 0 {
		t.Errorf("defaults render secrets %v, monitors %d, claims %v", r.secrets, len(r.monitors), r.pvcs)
	}
	// The default specs are the example platform's, as in the repository.
	cm := r.configMaps["slokit-specs"]
	if cm == nil {
		t.Fatalf("no specs ConfigMap: %v", r.configMaps)
	}
	files, _ := filepath.Glob("../specs/*.yaml")
	if len(cm.Data) != len(files) || len(files) == 0 {
		t.Errorf("ConfigMap has %d specs, specs/ %d", len(cm.Data), len(files))
	}
	for _, f := range files {
		want, _ := os.ReadFile(f)
		if cm.Data[filepath.Base(f)] != string(want) {
			t.Errorf("ConfigMap's %s differs from %s", filepath.Base(f), f)
		}
	}
	for _, word := range []string{"embedded engine", "refuses every override", "slokit gate check --server http://slokit.slokit.svc:8080"} {
		if !strings.Contains(r.notes, word) {
			t.Errorf("NOTES lack %q:\n%s", word, r.notes)
		}
	}
}

func TestChartEveryFeature(t *testing.T) {
	r, err := renderChart(t, chartFeatures, "")
	if err != nil {
		t.Fatal(err)
	}
	c := r.container(t)
	pod := r.deployment.Spec.Template.Spec
	if c.Image != "registry.example.com/platform/slokit:v1.2.3" || pod.ImagePullSecrets[0].Name != "registry" {
		t.Errorf("image %s, pull secrets %v", c.Image, pod.ImagePullSecrets)
	}
	wantArgs := []string{"serve", "--listen=:8080", "--data-dir=/var/lib/slokit", "--log-format=json",
		"--token-file=/etc/slokit/token/token", "--backend-timeout=10s", "--refresh=30s",
		"--backend-basic-user=slokit", "--backend-basic-password-file=/etc/slokit/backend/credential",
		"--stale-after=3m", "--fail-open", "--max-override=8h", "/etc/slokit/specs"}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args %q, want %q", c.Args, wantArgs)
	}
	// The backend's URL and headers come from its Secret, not the pod spec.
	env := map[string]*corev1.SecretKeySelector{}
	for _, e := range c.Env {
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("env %s is not from a Secret", e.Name)
			continue
		}
		env[e.Name] = e.ValueFrom.SecretKeyRef
	}
	if ref := env["SLOKIT_PROMETHEUS_URL"]; ref == nil || ref.Name != "mimir" || ref.Key != "url" || (ref.Optional != nil && *ref.Optional) {
		t.Errorf("SLOKIT_PROMETHEUS_URL from %+v", ref)
	}
	if ref := env["SLOKIT_BACKEND_HEADER"]; ref == nil || ref.Name != "mimir" || ref.Key != "headers" || ref.Optional == nil || !*ref.Optional {
		t.Errorf("SLOKIT_BACKEND_HEADER from %+v", ref)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	if s := volumes["token"].Secret; s == nil || s.SecretName != "gate-token" || s.Items[0].Key != "override-token" || s.Items[0].Path != "token" {
		t.Errorf("token volume %+v", volumes["token"])
	}
	if s := volumes["backend"].Secret; s == nil || s.SecretName != "mimir" || s.Items[0].Key != "credential" {
		t.Errorf("backend volume %+v", volumes["backend"])
	}
	if cm := volumes["specs"].ConfigMap; cm == nil || cm.Name != "slo-specs" {
		t.Errorf("specs volume %+v", volumes["specs"])
	}
	if len(r.configMaps) != 0 || len(r.secrets) != 0 {
		t.Errorf("existing ConfigMap and Secrets given, yet the chart makes %v %v", r.configMaps, r.secrets)
	}
	if claim := volumes["data"].PersistentVolumeClaim; claim == nil || r.pvcs[claim.ClaimName] == nil {
		t.Errorf("data volume %+v, claims %v", volumes["data"], r.pvcs)
	} else if pvc := r.pvcs[claim.ClaimName]; *pvc.Spec.StorageClassName != "fast" || pvc.Spec.Resources.Requests.Storage().String() != "2Gi" {
		t.Errorf("claim %+v", pvc.Spec)
	}
	if r.deployment.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy %q: a ReadWriteOnce volume needs Recreate", r.deployment.Spec.Strategy.Type)
	}
	if len(r.monitors) != 1 || r.monitors[0].Labels["release"] != "kube-prometheus-stack" ||
		r.monitors[0].Spec.Endpoints[0].Port != "http" || r.monitors[0].Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor %+v", r.monitors)
	}
	if r.deployment.Spec.Template.Annotations["team"] != "platform" {
		t.Errorf("pod annotations %v", r.deployment.Spec.Template.Annotations)
	}
}

// The inline values become Secrets and a ConfigMap the chart makes, and a
// change to any of them changes the pod template, so the pod restarts.
func TestChartInlineValuesRollThePod(t *testing.T) {
	const inline = `
specs:
  checkout.yaml: |
    service: checkout
token: {value: an-override-token-of-32-chars-ok}
backend:
  url: http://prometheus.monitoring.svc:9090
  credential: bearer-secret
  headers: ["X-Scope-OrgID: team-a"]
  auth: {type: bearer}
`
	r, err := renderChart(t, inline, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.configMaps["slokit-specs"].Data; len(got) != 1 || got["checkout.yaml"] != "service: checkout\n" {
		t.Errorf("specs ConfigMap %q", got)
	}
	if got := r.secrets["slokit-token"].Data["token"]; string(got) != "an-override-token-of-32-chars-ok" {
		t.Errorf("token Secret %q", got)
	}
	backend := r.secrets["slokit-backend"]
	if backend == nil || string(backend.Data["url"]) != "http://prometheus.monitoring.svc:9090" ||
		string(backend.Data["credential"]) != "bearer-secret" || string(backend.Data["headers"]) != "X-Scope-OrgID: team-a" {
		t.Errorf("backend Secret %+v", backend)
	}
	c := r.container(t)
	if !slices.Contains(c.Args, "--backend-bearer-token-file=/etc/slokit/backend/credential") {
		t.Errorf("args %q", c.Args)
	}
	if strings.Contains(r.deployment.String(), "bearer-secret") || strings.Contains(r.deployment.String(), "an-override-token") {
		t.Error("a secret is in the Deployment")
	}
	annotations := r.deployment.Spec.Template.Annotations
	for _, change := range []string{
		strings.Replace(inline, "service: checkout", "service: basket", 1),
		strings.Replace(inline, "32-chars-ok", "32-chars-OK", 1),
		strings.Replace(inline, "team-a", "team-b", 1),
	} {
		again, err := renderChart(t, change, "")
		if err != nil {
			t.Fatal(err)
		}
		if maps := again.deployment.Spec.Template.Annotations; maps["checksum/specs"] == annotations["checksum/specs"] && maps["checksum/secret"] == annotations["checksum/secret"] {
			t.Errorf("a changed value leaves the pod template as it was:\n%s", change)
		}
	}
}

// With a PostgreSQL store from an existing Secret, two replicas by
// default, each given the store's URL and password from the Secret.
func TestChartRunsReplicasOnAPostgreSQLStore(t *testing.T) {
	r, err := renderChart(t, "store: {existingSecret: slokit-pg, knownFor: 2m}\nbackend: {url: http://p:9090}", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := *r.deployment.Spec.Replicas; got != 2 {
		t.Errorf("%d replicas with a store, want 2", got)
	}
	c := r.container(t)
	for _, arg := range []string{"--store-known-for=2m", "--store-password-env=SLOKIT_STORE_PASSWORD"} {
		if !slices.Contains(c.Args, arg) {
			t.Errorf("args %q lack %s", c.Args, arg)
		}
	}
	refs := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}
	if refs["SLOKIT_STORE"] != "slokit-pg/url" || refs["SLOKIT_STORE_PASSWORD"] != "slokit-pg/password" {
		t.Errorf("store from %v", refs)
	}
	if r.pdb == nil || r.pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PodDisruptionBudget %+v", r.pdb)
	}
	if r, err := renderChart(t, "store: {existingSecret: slokit-pg}\nreplicaCount: 5\nbackend: {url: http://p:9090}", ""); err != nil || *r.deployment.Spec.Replicas != 5 {
		t.Errorf("replicaCount 5 with a store: %v", err)
	}
}

// Settings that would break the gate fail at install with a message.
func TestChartRefusesBrokenSettings(t *testing.T) {
	for values, want := range map[string]string{
		"replicaCount: 2":       "more than one replica would answer the same gate check differently",
		"token: {value: short}": "at least 16 characters",
		"backend: {url: http://p:9090, auth: {type: basic}, credential: x}":   "basic auth needs a user",
		"backend: {url: http://p:9090, auth: {type: bearer}}":                 "bearer auth needs a credential",
		"backend: {auth: {type: bearer}, credential: x}":                      "auth needs a backend",
		"backend: {url: http://p:9090, auth: {type: digest}}":                 "value must be one of",
		"specsConfigMap: mine\nspecs: {a.yaml: 'service: a'}":                 "give one, not both",
		"tokn: {value: misspelt-key-0123456789}":                              "tokn",
		"logFormat: xml":                                                      "logFormat",
		"discover: true":                                                      "the SLOs are discovered in a backend",
		"discover: true\nbackend: {url: http://p:9090}\nspecsConfigMap: mine": "give no specs",
		"": "backend: slokit serve needs the Prometheus-compatible API that evaluates slokit's rules: set backend.url (or backend.existingSecret, a Secret with the key url); or set demo.enabled=true",
		"token: {value: an-override-token-of-32-chars-ok}":     "or set demo.enabled=true to run the specs' rules on the embedded engine",
		"demo: {enabled: true}\nbackend: {url: http://p:9090}": "set backend or demo.enabled, not both",
		"demo: {enabled: true, scenario: ''}":                  "/demo/scenario",
	} {
		_, err := renderChart(t, values, "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", values, err, want)
		}
	}
}

// The manifests under deploy/kubernetes are the chart rendered with
// deploy/kubernetes/values.yaml; `go test ./test -run PlainManifests
// -update` renders them again.
func TestPlainManifestsAreTheChartRendered(t *testing.T) {
	values, err := os.ReadFile(filepath.Join(plainManifestsDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := renderChart(t, string(values), "kustomize")
	if err != nil {
		t.Fatal(err)
	}
	header := "# slokit serve for kubectl and kustomize: the Helm chart under\n" +
		"# deploy/helm/slokit rendered with values.yaml beside this file.\n" +
		"# Generated by `go test ./test -run PlainManifests -update`; do not edit.\n"
	goldens.Assert(t, filepath.Join(plainManifestsDir, "slokit.yaml"), []byte(header+r.manifest))
	if strings.Contains(r.manifest, "Helm") {
		t.Error("the plain manifests claim Helm manages them")
	}
	kustomization, err := os.ReadFile(filepath.Join(plainManifestsDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Namespace  string   `json:"namespace"`
		Resources  []string `json:"resources"`
	}
	if err := sigsyaml.UnmarshalStrict(kustomization, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if !slices.Equal(k.Resources, []string{"slokit.yaml"}) || k.Namespace == "" {
		t.Errorf("kustomization.yaml: %+v", k)
	}
}

// What the Deployment runs is accepted by slokit serve: the pod's args,
// environment and volumes, laid out in a folder as the kubelet would, start
// the real binary, which then answers its probes, takes the token from its
// Secret and reaches the backend with the URL, credential and header from
// theirs.
func TestChartPodStartsServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts slokit serve on the embedded engine")
	}
	var backendAuthorized atomic.Bool
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	backend := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer bearer-secret-0123" || req.Header.Get("X-Scope-OrgID") != "team-a" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		backendAuthorized.Store(true)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	})}
	go backend.Serve(ln)
	t.Cleanup(func() { backend.Close() })

	const token = "an-override-token-of-32-chars-ok"
	withBackend := fmt.Sprintf(`
token: {value: %s}
backend:
  url: http://%s
  credential: bearer-secret-0123
  headers: ["X-Scope-OrgID: team-a"]
  auth: {type: bearer}
`, token, ln.Addr())
	for name, values := range map[string]string{
		"embedded demo": "token: {value: " + token + "}\ndemo: {enabled: true}",
		"backend":       withBackend,
		"store":         "token: {value: " + token + "}\nstore: {existingSecret: slokit-pg}\ndemo: {enabled: true}",
		"discover":      withBackend + "discover: true\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, err := renderChart(t, values, "")
			if err != nil {
				t.Fatal(err)
			}
			var pg *pgtest.Server
			if name == "store" {
				// The Secret the user makes: the URL, and the password
				// apart.
				pg = pgtest.Start(t)
				r.secrets["slokit-pg"] = &corev1.Secret{Data: map[string][]byte{
					"url":      []byte(strings.Replace(pg.URL, ":"+pg.Password+"@", "@", 1)),
					"password": []byte(pg.Password),
				}}
			}
			listen := freePort(t)
			args, env := r.kubelet(t, t.TempDir())
			for i, a := range args {
				args[i] = strings.Replace(a, "--listen=:8080", "--listen="+listen, 1)
			}
			var log bytes.Buffer
			cmd := exec.Command(slokitBin, args...)
			cmd.Env, cmd.Stdout, cmd.Stderr = env, &log, &log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
				if t.Failed() {
					t.Logf("slokit %q\n%s", args, log.String())
				}
			})
			url := "http://" + listen
			get := func(path string) (int, string) {
				req, _ := http.NewRequest(http.MethodGet, url+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, err.Error()
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
				return resp.StatusCode, string(body)
			}
			eventually(t, 30*time.Second, "/healthz answering", func() (bool, string) {
				select {
				case <-exited:
					t.Fatalf("serve exited: %v", waitErr)
				default:
				}
				code, body := get("/healthz")
				return code == http.StatusOK, body
			})
			if code, body := get("/api/v1/overrides"); code != http.StatusOK {
				t.Errorf("overrides with the Secret's token: %d %s", code, body)
			}
			if name == "store" {
				req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/overrides", strings.NewReader(`{"service":"order-api","reason":"chart test","author":"helm","duration":"1h"}`))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || strings.TrimSpace(pg.Exec(t, "SELECT count(*) FROM slokit_overrides")) != "1" {
					t.Errorf("an override through the pod's store: %s", resp.Status)
				}
			}
			if name == "backend" || name == "discover" {
				eventually(t, 15*time.Second, "an authorized backend query", func() (bool, string) {
					return backendAuthorized.Load(), "none yet"
				})
			}
			specs := slices.ContainsFunc(args, func(a string) bool { return strings.HasSuffix(a, "/etc/slokit/specs") })
			if specs == (name == "discover") {
				t.Errorf("args %q: spec path given %v, want %v", args, specs, name != "discover")
			}
			if name == "discover" {
				// The backend describes no SLO: no service is judged.
				eventually(t, 15*time.Second, "serve discovering the SLOs", func() (bool, string) {
					code, body := get("/api/v1/gate/order-api")
					return code == http.StatusNotFound && strings.Contains(body, "no slokit rules"), body
				})
			}
		})
	}
}

// kubelet lays out the Deployment's volumes under root (ConfigMaps and
// Secrets as files, empty folders for the rest) and returns the
// container's args with its mount paths moved under root, and its
// environment with Secret references resolved, failing the test when a
// referenced object or key is missing.
func (r *rendered) kubelet(t *testing.T, root string) (args, env []string) {
	t.Helper()
	c := r.container(t)
	volumes := map[string]corev1.Volume{}
	for _, v := range r.deployment.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	write := func(dir, name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var mountPaths []string
	for _, m := range c.VolumeMounts {
		dir := filepath.Join(root, m.MountPath)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		mountPaths = append(mountPaths, m.MountPath)
		v, ok := volumes[m.Name]
		switch {
		case !ok:
			t.Fatalf("mount %s: no volume %s", m.MountPath, m.Name)
		case v.ConfigMap != nil:
			cm := r.configMaps[v.ConfigMap.Name]
			if cm == nil {
				t.Fatalf("volume %s: no ConfigMap %s", v.Name, v.ConfigMap.Name)
			}
			for key, content := range cm.Data {
				write(dir, key, []byte(content))
			}
		case v.Secret != nil:
			s := r.secrets[v.Secret.SecretName]
			if s == nil {
				t.Fatalf("volume %s: no Secret %s", v.Name, v.Secret.SecretName)
			}
			for _, item := range v.Secret.Items {
				data, ok := s.Data[item.Key]
				if !ok {
					t.Fatalf("volume %s: Secret %s has no key %s", v.Name, s.Name, item.Key)
				}
				write(dir, item.Path, data)
			}
		}
	}
	// Longest first, so that a mount inside another moves as a whole.
	sort.Slice(mountPaths, func(i, j int) bool { return len(mountPaths[i]) > len(mountPaths[j]) })
	for _, a := range c.Args {
		flag, value, isFlag := strings.Cut(a, "=")
		if !isFlag {
			flag, value = "", a
		}
		for _, p := range mountPaths {
			if value == p || strings.HasPrefix(value, p+"/") {
				value = filepath.Join(root, value)
				break
			}
		}
		if flag != "" {
			value = flag + "=" + value
		}
		args = append(args, value)
	}
	env = []string{"TMPDIR=" + filepath.Join(root, "tmp")}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if ref == nil {
			t.Fatalf("env %s: only Secret references are laid out here", e.Name)
		}
		optional := ref.Optional != nil && *ref.Optional
		s := r.secrets[ref.Name]
		if s == nil {
			t.Fatalf("env %s: no Secret %s", e.Name, ref.Name)
		}
		data, ok := s.Data[ref.Key]
		if !ok && !optional {
			t.Fatalf("env %s: Secret %s has no key %s", e.Name, ref.Name, ref.Key)
		}
		if ok {
			env = append(env, e.Name+"="+string(data))
		}
	}
	return args, env
}
