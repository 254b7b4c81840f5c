package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// An SLO tracked by region, on the regional demo joined during eu-west-1's
// failover, with a third region expected that never reports: the overview
// shows its budget over all regions as its row, says which region is worst
// and which is not reporting, and opens to each region's row; the SLO's
// page offers every region and the whole, each drawn, and warns of the
// silent region.
func TestUIRegionsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	t.Parallel()
	spec, err := os.ReadFile("../specs/order-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "order-api.yaml")
	regional := strings.Replace(string(spec), "\nslos:\n", "\nregions: {expected: [eu-west-1, us-east-1, ap-south-1]}\nslos:\n", 1)
	if err := os.WriteFile(file, []byte(regional), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--demo=regional-failover", "--listen", addr, "--data-dir", filepath.Join(dir, "data"), file)
	base := "http://" + addr
	ctx, problems := browser(t)
	eval := evaluator(t, ctx)
	eventually(t, 60*time.Second, "the overview drawn", func() (bool, string) {
		err := chromedp.Do(ctx, chromedp.Navigate(base+"/?q=availability"), chromedp.WaitVisible("#slos button.expand"))
		return err == nil, fmt.Sprint(err)
	})
	row := `[...document.querySelector("#slos tbody tr").cells[1].querySelectorAll(".group, button")].map(e => e.textContent).join(" | ")`
	if got := eval(row); got != "all regions | not reporting: ap-south-1 | and 2 regions, the worst eu-west-1 | Show the 2 regions" {
		t.Errorf("the availability SLO's row: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click("#slos button.expand"), chromedp.WaitVisible("#slos tr.sub")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`[...document.querySelectorAll("#slos tr.sub")].map(tr => tr.cells[1].textContent + " " + tr.cells[3].textContent).join(" | ")`); got != "region=eu-west-1 exhausted | region=us-east-1 ok" {
		t.Errorf("the regions' rows: %q", got)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		artifact(t, "ui-regions-overview.png", buf)
	}

	page := base + "/ui/slo.html?service=order-api&slo=order-placement-availability&range=1d"
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible("#objectives svg")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`[...document.getElementById("group").options].map(o => o.textContent).join(" | ") + " / " + document.querySelector("#objectives h2").textContent`); got != "all regions (ok) | region=eu-west-1 (exhausted) | region=us-east-1 (ok) / Objective 99.95% (region=eu-west-1)" {
		t.Errorf("the SLO page's regions, the worst shown: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(page+"&group="), chromedp.WaitVisible("#objectives svg")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.querySelector("#objectives h2").textContent + " / " + document.querySelector("#objectives .status-warning").textContent`); got != "Objective 99.95% (all regions) / Not reporting: ap-south-1. The budget over all regions lacks their events until they report again." {
		t.Errorf("the SLO page over all regions: %q", got)
	}
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		artifact(t, "ui-regions-slo.png", buf)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages logged: %v", p)
	}
}
