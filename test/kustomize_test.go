package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The Kubernetes page's kustomize overlay, as written there, builds with kustomize
// (sigs.k8s.io/kustomize/api, what kubectl apply -k runs): the team's
// specs replace the examples in the ConfigMap the Deployment mounts (a
// changed spec reaches the pod as the kubelet updates the volume, and
// serve reloads it), and the Deployment reads the backend and the token
// from the Secrets the page has the team make.
func TestDocsKustomizeOverlayBuilds(t *testing.T) {
	readme, err := os.ReadFile("../docs/kubernetes.md")
	if err != nil {
		t.Fatal(err)
	}
	// The YAML block that follows "kubectl apply -k" on the page.
	m := regexp.MustCompile("(?s)kubectl apply -k overlays/slokit[^\n]*\n```\n\n```yaml\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("docs/kubernetes.md has no kustomize overlay after kubectl apply -k overlays/slokit")
	}
	overlay := string(m[1])

	root := t.TempDir()
	copyTree(t, "../deploy/kubernetes", filepath.Join(root, "deploy/kubernetes"))
	dir := filepath.Join(root, "overlays/slokit")
	for name, content := range map[string]string{
		"kustomization.yaml": overlay,
		"slo/order-api.yaml": readFile(t, "../specs/order-api.yaml"),
		"slo/payment.yaml":   readFile(t, "../specs/payment.yaml"),
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := func() (specs *corev1.ConfigMap, deploy *appsv1.Deployment) {
		t.Helper()
		res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
		if err != nil {
			t.Fatalf("kustomize build: %v", err)
		}
		for _, r := range res.Resources() {
			data, err := r.AsYAML()
			if err != nil {
				t.Fatal(err)
			}
			switch r.GetKind() {
			case "ConfigMap":
				var cm corev1.ConfigMap
				if err := yaml.UnmarshalStrict(data, &cm); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(cm.Name, "slokit-specs") {
					specs = &cm
				}
			case "Deployment":
				deploy = &appsv1.Deployment{}
				if err := yaml.UnmarshalStrict(data, deploy); err != nil {
					t.Fatal(err)
				}
			}
		}
		if specs == nil || deploy == nil {
			t.Fatalf("no specs ConfigMap or Deployment in %d objects", len(res.Resources()))
		}
		return specs, deploy
	}
	specs, deploy := build()
	if len(specs.Data) != 2 || specs.Data["order-api.yaml"] == "" || specs.Data["payment.yaml"] == "" || specs.Namespace != "slokit" {
		t.Errorf("the specs ConfigMap %s/%s holds %d files", specs.Namespace, specs.Name, len(specs.Data))
	}
	mounted := ""
	for _, v := range deploy.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			mounted = v.ConfigMap.Name
		}
	}
	if mounted != specs.Name {
		t.Errorf("the Deployment mounts the ConfigMap %q, the overlay makes %q", mounted, specs.Name)
	}
	secrets := map[string]bool{}
	for _, v := range deploy.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			secrets[v.Secret.SecretName] = true
		}
	}
	for _, e := range deploy.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			secrets[e.ValueFrom.SecretKeyRef.Name] = true
		}
	}
	if !secrets["slokit-token"] || !secrets["slokit-backend"] {
		t.Errorf("the Deployment reads the Secrets %v, docs/kubernetes.md has slokit-token and slokit-backend made", secrets)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// copyTree copies the regular files of a folder.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if err := os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
