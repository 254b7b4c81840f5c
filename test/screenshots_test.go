package test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshots asks TestDocsScreenshots to take the docs' screenshots
// again: make screenshots.
var screenshots = flag.Bool("screenshots", false, "take the docs' screenshots again in Chromium, into docs/images/")

// uiPage is a page of the UI: its screenshot's file, its path, and what
// shows once it is drawn.
type uiPage struct{ file, path, ready string }

// docsScreenshots are the docs' screenshots: a page of serve --demo's UI
// each, taken once an incident injected into the order API has flipped
// its gate to deny, so the pictures show what the UI is for; each at
// 1400 pixels wide (NAME.png) and at 400, a phone's (NAME-400.png).
var docsScreenshots = []uiPage{
	{"overview.png", "/", "#slos tbody tr"},
	// The last hour: the incident fills the charts rather than a
	// sliver at the edge of the period.
	{"slo.png", "/ui/slo.html?service=order-api&slo=order-placement-availability&range=1h", "#objectives svg"},
	{"service.png", "/ui/service.html?service=order-api", "#decision"},
}

// screenshotWidths are the widths every page is shot at: a laptop's
// window and a phone's.
var screenshotWidths = []int{1400, 400}

// screenshotName is a page's screenshot file at a width: NAME.png at the
// first width, NAME-WIDTH.png at the others.
func screenshotName(file string, width int) string {
	if width == screenshotWidths[0] {
		return file
	}
	return strings.TrimSuffix(file, ".png") + "-" + strconv.Itoa(width) + ".png"
}

// screenshotFiles are every screenshot file make screenshots writes.
func screenshotFiles() []string {
	var files []string
	for _, width := range screenshotWidths {
		for _, s := range docsScreenshots {
			files = append(files, screenshotName(s.file, width))
		}
	}
	return files
}

// Every screenshot the docs show is one make screenshots takes, a PNG
// under docs/images/ well under 2 MB; with -screenshots, it takes them
// again: serve --demo, an incident injected through the API, then each
// page in headless Chromium at 1280x900.
func TestDocsScreenshots(t *testing.T) {
	dir := filepath.Join("..", "docs", "images")
	if *screenshots {
		takeScreenshots(t, dir)
	}
	shown := map[string]bool{}
	for _, f := range markdownFiles(t) {
		for _, l := range f.doc.Links {
			if strings.HasSuffix(l.Destination, ".png") {
				shown[filepath.Base(l.Destination)] = true
			}
		}
	}
	taken := map[string]bool{}
	for _, s := range screenshotFiles() {
		taken[s] = true
		data, err := os.ReadFile(filepath.Join(dir, s))
		if err != nil {
			t.Errorf("%v: run make screenshots", err)
			continue
		}
		if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || len(data) > 1<<20 {
			t.Errorf("docs/images/%s: not a PNG under 1 MiB (%d bytes)", s, len(data))
		}
		if !shown[s] {
			t.Errorf("docs/images/%s is shown by no page", s)
		}
	}
	for name := range shown {
		if !taken[name] {
			t.Errorf("the docs show %s, which make screenshots does not take", name)
		}
	}
}

func takeScreenshots(t *testing.T, dir string) {
	base := demoServe(t, "--demo", "--token-env", "SLOKIT_E2E_TOKEN")
	req, err := http.NewRequest("POST", base+"/api/v1/demo/incident", strings.NewReader(`{"service":"order-api","duration":"20m","ratio":0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("injecting an incident: %v %v", err, resp)
	}
	resp.Body.Close()
	eventually(t, 4*time.Minute, "the order API's gate denies", func() (bool, string) {
		resp, err := http.Get(base + "/api/v1/gate/order-api")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var g struct{ Decision string }
		_ = json.NewDecoder(resp.Body).Decode(&g)
		return g.Decision == "deny", g.Decision
	})
	ctx, problems := browser(t) // after the waits: its deadline is two minutes
	eachPage(t, ctx, base, func(width int, page uiPage) {
		// The charts' history arrives after the page is drawn.
		if err := chromedp.Do(ctx, chromedp.Sleep(1500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		name := screenshotName(page.file, width)
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote docs/images/%s (%d bytes)", name, len(shot))
	})
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems: %v", p)
	}
}
