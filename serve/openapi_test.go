package serve_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/store/files"
)

// The OpenAPI file documents exactly the routes the server serves, with
// the same methods.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	data, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                               `yaml:"openapi"`
		Paths   map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	dir := t.TempDir()
	store, err := files.OpenFileStore(dir, files.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := serve.New(serve.Options{Querier: staticQuerier{}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi.yaml documents\n%v\nthe server serves\n%v", documented, served)
	}
}
