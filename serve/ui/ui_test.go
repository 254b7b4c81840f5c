package ui_test

import (
	"bytes"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/slokit/slokit/serve/ui"
)

// The pages weigh at most 200 KB together and load nothing from elsewhere:
// no CDN, no external font, no absolute URL.
func TestPagesAreSmallAndSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(\s*['"]?https?:`)
	total := 0
	err := fs.WalkDir(ui.Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(ui.Files(), path)
		if err != nil {
			return err
		}
		total += len(data)
		// The SVG namespace names a vocabulary; nothing is loaded from it.
		if m := external.Find(bytes.ReplaceAll(data, []byte(`"http://www.w3.org/2000/svg"`), nil)); m != nil {
			t.Errorf("%s refers to %q: the UI loads nothing from elsewhere", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("page weight: %d bytes", total)
	if total > 200<<10 {
		t.Errorf("the UI weighs %d bytes, over 200 KB", total)
	}
	// The weight docs/operating.md quotes is today's, within 10%.
	page, err := os.ReadFile("../../docs/operating.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`The pages weigh\s+about\s+([0-9]+) KB`).FindSubmatch(page)
	if m == nil {
		t.Fatal("docs/operating.md quotes no weight of the pages")
	}
	if quoted, _ := strconv.Atoi(string(m[1])); math.Abs(float64(total)/1e3-float64(quoted)) > 0.1*float64(quoted) {
		t.Errorf("the pages weigh %.1f KB; docs/operating.md says about %d KB", float64(total)/1e3, quoted)
	}
}

// The overview is at /, its assets under /ui/, each with a policy that
// forbids inline and third-party scripts.
func TestServing(t *testing.T) {
	srv := httptest.NewServer(ui.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		path, want string
		code       int
	}{
		{"/", "<title>slokit", 200},
		{"/ui/app.js", "use strict", 200},
		{"/ui/style.css", "font:", 200},
		{"/ui/index.html", "", 404},
		{"/ui/nothing.js", "", 404},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d, want %d with %q", tc.path, resp.StatusCode, tc.code, tc.want)
		}
		if tc.code == 200 && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: CSP %q", tc.path, resp.Header.Get("Content-Security-Policy"))
		}
	}
}
