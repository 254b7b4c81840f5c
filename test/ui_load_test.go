package test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/slokit/slokit/serve/servetest"
)

// thousandSLOs runs slokit serve on 1,000 SLOs (100 services of 10), read
// from a stand-in for the Prometheus API with fixed answers, and returns
// its base URL once it is ready.
func thousandSLOs(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	load := servetest.NewGateLoad(100, 10)
	for name, spec := range load.Specs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	backend := httptest.NewServer(promAPI(load.Series))
	t.Cleanup(backend.Close)
	addr := freePort(t)
	process(t, "serve-1000.log", slokitBin, "serve", "--prometheus-url", backend.URL, "--listen", addr,
		"--data-dir", t.TempDir(), "--token-env", "SLOKIT_E2E_TOKEN", dir)
	base := "http://" + addr
	serveReady(t, base, 60*time.Second)
	return base
}

// overviewTimes are what the overview's page marks on its performance
// timeline: the milliseconds from navigation to the table drawn, and the
// last drawing's own milliseconds.
type overviewTimes struct {
	Rendered float64 `json:"rendered"`
	Render   float64 `json:"render"`
}

const readOverviewTimes = `(() => {
  const m = performance.getEntriesByName("overview-render").at(-1);
  return m ? { rendered: m.startTime + m.duration, render: m.duration } : { rendered: 0, render: 0 };
})()`

// loadOverview opens the overview and waits until every SLO is listed.
func loadOverview(ctx context.Context, base string) (overviewTimes, error) {
	return chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (overviewTimes, error) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"),
			discard(chromedp.Poll[bool](`document.getElementById("count").textContent.startsWith("1000 of 1000 ")`))); err != nil {
			return overviewTimes{}, err
		}
		return chromedp.Evaluate[overviewTimes](readOverviewTimes)(ctx, tg)
	})
}

// The overview stays usable with 1,000 SLOs: all listed, filtered and
// sorted, and keyboard focus in the table survives the periodic redraw.
// The times are logged here and measured in BenchmarkUIOverviewInChromium.
func TestUIOverviewOf1000SLOsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	// Parallel first: a parallel test waits for the serial ones, and
	// the browser's 2-minute deadline must not run out meanwhile.
	t.Parallel()
	ctx, problems := browser(t)
	base := thousandSLOs(t)
	loaded, err := loadOverview(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#slos tbody tr").length`))
	if err != nil || rows != 1000 {
		t.Fatalf("%d rows (%v), want 1000", rows, err)
	}
	// A filter narrows the table as it is typed.
	if err := chromedp.Do(ctx, chromedp.SendKeys("#filter", "svc-042 "),
		discard(chromedp.Poll[bool](`document.getElementById("count").textContent.startsWith("10 of 1000 ")`))); err != nil {
		t.Fatalf("filtering on svc-042: %v", err)
	}
	filtered, err := chromedp.Run(ctx, chromedp.Evaluate[overviewTimes](readOverviewTimes))
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by budget left from the keyboard, the emptiest budget comes
	// first (slo-0 of each service has none left).
	if err := chromedp.Do(ctx, discard(chromedp.Evaluate[any](`document.getElementById("filter").value = ""; render(); true`)),
		chromedp.Focus(`button[data-sort="remaining"]`), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#slos tbody tr").cells[1].textContent + " " + document.querySelector("#slos tbody tr").cells[4].textContent`))
	if err != nil || first != "slo-0 0.0%" {
		t.Errorf("sorted by budget left, the first row is %q (%v)", first, err)
	}
	// A link focused in the table keeps the focus when the table is drawn
	// again (as the refresh every 30 s does).
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
  const a = document.querySelectorAll("#slos tbody a")[7];
  a.focus();
  render();
  return document.activeElement.getAttribute("href") === a.getAttribute("href") ? "kept" : "lost to " + document.activeElement.tagName;
})()`))
	if err != nil || focus != "kept" {
		t.Errorf("focus after a redraw: %q (%v)", focus, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %v", p)
	}
	t.Logf("1,000 SLOs: table drawn %.0f ms after navigation (drawing %.0f ms); a filter keystroke redraws in %.1f ms",
		loaded.Rendered, loaded.Render, filtered.Render)
}

// BenchmarkUIOverviewInChromium loads the overview of 1,000 SLOs in
// headless Chromium, one page load per op, and reports the milliseconds
// from navigation to the table drawn and the drawing's own. `make bench`
// runs it with -benchtime 20x.
func BenchmarkUIOverviewInChromium(b *testing.B) {
	ctx, _ := browser(b)
	base := thousandSLOs(b)
	var rendered, render float64
	for b.Loop() {
		times, err := loadOverview(ctx, base)
		if err != nil {
			b.Fatal(err)
		}
		rendered += times.Rendered
		render += times.Render
	}
	b.ReportMetric(rendered/float64(b.N), "ms-to-table")
	b.ReportMetric(render/float64(b.N), "ms-drawing")
}
