package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (Debian's chromium) through the
// DevTools protocol, and collects the page's console errors and uncaught
// exceptions.
func browser(t testing.TB) (context.Context, func() []string) {
	t.Helper()
	path := requireTool(t, "chromium", "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				problems = append(problems, "console error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// evaluator evaluates JavaScript in the page, its value as text; an error
// ends the test.
func evaluator(t *testing.T, ctx context.Context) func(expr string) string {
	return func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return fmt.Sprint(v)
	}
}

// artifact writes a test artifact (a screenshot) under build/test-artifacts.
func artifact(t testing.TB, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("..", "build", "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifact: build/test-artifacts/%s", name)
}

// The overview in a real browser lists every SLO objective of specs/ with
// no console error, sorts from the keyboard and filters.
func TestUIOverviewInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	// Parallel first: a parallel test waits for the serial ones, and
	// the browser's 2-minute deadline must not run out meanwhile.
	t.Parallel()
	ctx, problems := browser(t)
	addr := freePort(t)
	cmd := process(t, "serve.log", slokitBin, "serve", "--demo", "outage", "--listen", addr, "--data-dir", t.TempDir(), "--token-env", "SLOKIT_E2E_TOKEN", "../specs")
	base := "http://" + addr
	var want int
	eventually(t, 90*time.Second, "serve ready", func() (bool, string) {
		resp, err := http.Get(base + "/api/v1/slos")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var list struct{ SLOs []json.RawMessage }
		if json.NewDecoder(resp.Body).Decode(&list) != nil {
			return false, resp.Status
		}
		want = len(list.SLOs)
		return resp.StatusCode == 200 && want > 0, resp.Status
	})

	// Its start names the UI's address (make demo shows this output).
	if out, err := os.ReadFile(cmd.Stdout.(*os.File).Name()); err != nil || !strings.Contains(string(out), "the web UI: "+base+"/\n") {
		t.Errorf("serve's start does not name the web UI at %s/ (%v)", base, err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#slos tbody tr")); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The demo says so in the header: synthetic traffic, not a gate.
	if banner := text("header #demo"); !strings.HasPrefix(banner, "Demo: synthetic traffic from the outage scenario") {
		t.Errorf("the demo's banner: %q", banner)
	}
	// Each alert tier's burn rate against the factor it fires at.
	tiers, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#slos tbody tr")].find(r => r.cells[1].textContent === "order-placement-availability").cells[6].innerText`))
	if err != nil || !regexp.MustCompile(`^page 1h/5m: [0-9.]+x of 14\.4x\npage 6h/30m: [0-9.]+x of 6x\nticket 1d/2h: [0-9.]+x of 3x\nticket 3d/6h: [0-9.]+x of 1x$`).MatchString(tiers) {
		t.Errorf("the order API's burn rates per tier: %q (%v)", tiers, err)
	}
	count, first := text("#count"), text("#slos tbody tr td:nth-child(2)")
	// Sort by SLO from the keyboard: focus the heading's button, Enter.
	if err := chromedp.Do(ctx, chromedp.Focus(`button[data-sort="slo"]`), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	firstSorted := text("#slos tbody tr td:nth-child(2)")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys("#filter", "payment"), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	filtered := text("#count")
	artifact(t, "ui-overview.png", shot)
	if !strings.HasPrefix(count, strconv.Itoa(want)+" of "+strconv.Itoa(want)+" objectives") {
		t.Errorf("the overview shows %q, the API %d objectives", count, want)
	}
	// The header says where the state comes from.
	if fresh := text("#freshness"); !strings.HasPrefix(fresh, "Read from the embedded demo (the outage scenario) ") {
		t.Errorf("the overview's header: %q", fresh)
	}
	if !strings.HasPrefix(firstSorted, "courier-assignment") {
		t.Errorf("sorted by SLO, the first is %q (before sorting %q)", firstSorted, first)
	}
	if !strings.HasPrefix(filtered, "3 of ") { // payment's SLO, a group per provider
		t.Errorf("filtered on payment: %q", filtered)
	}
	// Payment's gate answers deny, once for the service: its budget is spent.
	gate, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#deploys tbody tr")].filter(r => r.cells[0].textContent === "payment").map(r => r.cells[1].textContent).join("|")`))
	if err != nil || gate != "deny" {
		t.Errorf("payment's deploys: %q %v", gate, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %v", p)
	}

	// An SLO's page, where the overview links: the burndown draws.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#slos tbody a[href^="/ui/slo.html"]').getAttribute("href")`))
	if err != nil || !strings.HasPrefix(href, "/ui/slo.html?service=payment&slo=") {
		t.Errorf("the overview links to %q (%v)", href, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/slo.html?service=order-api&slo=order-placement-availability&range=6h"), chromedp.WaitVisible("svg.chart path.series")); err != nil {
		t.Fatal(err)
	}
	title := text("#title")
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("figure svg.chart path.series").getAttribute("d").split("L").length`))
	if err != nil {
		t.Fatal(err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart").length`))
	if err != nil {
		t.Fatal(err)
	}
	// The budget, the SLI, and a burn-rate chart per alert tier (4).
	if title != "order-api / order-placement-availability" || drawn < 100 || charts != 6 {
		t.Errorf("SLO page %q: the burndown has %d points, %d charts; want over 100 points and 6 charts", title, drawn, charts)
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	artifact(t, "ui-slo.png", shot)
	if p := problems(); len(p) > 0 {
		t.Errorf("the SLO page reported problems: %v", p)
	}

	// An SLO that does not exist: the page says what the API said.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/slo.html?service=order-api&slo=no-such-slo"),
		discard(chromedp.Poll[bool](`document.getElementById("freshness").textContent.startsWith("Could not")`))); err != nil {
		t.Fatal(err)
	}
	if got := text("#freshness"); got != "Could not read the SLO: no SLO no-such-slo of service order-api" {
		t.Errorf("an unknown SLO's page says %q", got)
	}

	// A pipeline asks the gate (a recorded decision), for the SLO page's
	// recent decisions below.
	resp, err := http.Get(base + "/api/v1/gate/order-api")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A rollout asks for a canary's verdict: its pods have served
	// nothing yet, so inconclusive, recorded for the service page.
	canaryURL := base + "/api/v1/canary/order-api?slo=order-placement-availability&canary=" + url.QueryEscape(`rollouts_pod_template_hash="6d4f9"`) + "&baseline=" + url.QueryEscape(`rollouts_pod_template_hash!="6d4f9"`)
	if resp, err = http.Get(canaryURL); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the canary check: %v %v", err, resp)
	}
	resp.Body.Close()

	// The service page: the order API's gate denies; an override is
	// refused without the right token and made with it, and the gate
	// then allows. The token is kept nowhere but in the page. The canary
	// verdict is listed with its figures.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/service.html?service=order-api"), chromedp.WaitVisible("#reasons li"), chromedp.WaitVisible("#verdicts li")); err != nil {
		t.Fatal(err)
	}
	if v := text("#verdicts"); !strings.Contains(v, "inconclusive (normal, last 10m, canary rollouts_pod_template_hash=\"6d4f9\"") || !strings.Contains(v, "order-placement-availability 99.95%: inconclusive, canary 0 bad of 0") {
		t.Errorf("the canary verdicts: %q", v)
	}
	if d := text("#decision"); !strings.Contains(d, "deny") {
		t.Errorf("order-api's decision: %q", d)
	}
	submit := func(tok string) string {
		t.Helper()
		err := chromedp.Do(ctx,
			discard(chromedp.Evaluate[any](`for (const id of ["token", "author", "reason"]) document.getElementById(id).value = ""; document.getElementById("override-result").textContent = ""`)),
			chromedp.SendKeys("#token", tok), chromedp.SendKeys("#author", "ui-test"), chromedp.SendKeys("#reason", "the fix for the outage"),
			chromedp.Click(`#override button[type="submit"]`),
			discard(chromedp.Poll[bool](`document.getElementById("override-result").textContent !== ""`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		return text("#override-result")
	}
	if got := submit("not-the-token-0123456789"); !strings.HasPrefix(got, "Refused") {
		t.Errorf("with a wrong token: %q", got)
	}
	if got := submit(e2eToken); !strings.HasPrefix(got, "Created ovr-") {
		t.Errorf("with the token: %q", got)
	}
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](`document.getElementById("decision").textContent.includes("allow")`))); err != nil {
		t.Errorf("the gate after the override: %q (%v)", text("#decision"), err)
	}
	if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](`document.querySelectorAll("#audit li").length > 0`))); err != nil {
		t.Fatal(err)
	}
	if trail := text("#audit"); !strings.Contains(trail, "override-created") || !strings.Contains(trail, "by ui-test") {
		t.Errorf("the audit trail: %q", trail)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[int](`localStorage.length + sessionStorage.length + (document.cookie ? 1 : 0)`))
	if err != nil || kept != 0 {
		t.Errorf("the page stored %d things (%v): the token must stay in the page", kept, err)
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	artifact(t, "ui-service.png", shot)
	if p := problems(); len(p) > 0 {
		t.Errorf("the service page reported problems: %v", p)
	}

	// The overview says that the override makes order-api's deploys
	// allowed, and which override.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#slos tbody tr"),
		discard(chromedp.Poll[bool](`[...document.querySelectorAll("#deploys tbody tr")].some(r => r.cells[0].textContent === "order-api" && r.cells[1].textContent.includes("override"))`))); err != nil {
		t.Errorf("the overview does not name the override: %v", err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#deploys tbody tr")].find(r => r.cells[0].textContent === "order-api").cells[1].textContent`)); !regexp.MustCompile(`^allow by override ovr-\S+ until \d{4}-\d\d-\d\d \d\d:\d\d`).MatchString(got) {
		t.Errorf("order-api's deploys in the overview: %q", got)
	}

	// Back on the SLO page: with the token, the service's recent gate
	// decisions (the pipeline's deny, with this SLO's reason) and the
	// override; without it, nothing is listed.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/slo.html?service=order-api&slo=order-placement-availability&range=1h"), chromedp.WaitVisible("svg.chart path.series")); err != nil {
		t.Fatal(err)
	}
	recent := func(tok string) (string, int) {
		t.Helper()
		err := chromedp.Do(ctx,
			discard(chromedp.Evaluate[any](`document.getElementById("token").value = ""; document.getElementById("audit-hint").textContent = ""`)),
			chromedp.SendKeys("#token", tok), chromedp.Click(`#audit-form button[type="submit"]`),
			discard(chromedp.Poll[bool](`document.getElementById("audit-hint").textContent !== ""`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#audit li").length`))
		if err != nil {
			t.Fatal(err)
		}
		return text("#audit-hint"), n
	}
	if hint, n := recent("not-the-token-0123456789"); !strings.Contains(hint, "could not be read") || n != 0 {
		t.Errorf("recent decisions with a wrong token: %q, %d listed", hint, n)
	}
	recent(e2eToken)
	listed := text("#audit")
	if !strings.Contains(listed, "normal change deny") || !strings.Contains(listed, "; from this SLO: order-placement-availability (99.95%): the error budget is spent") || !strings.Contains(listed, "override-created") {
		t.Errorf("the SLO page's recent decisions and overrides: %q", listed)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the SLO page reported problems: %v", p)
	}
}

// make demo ends by running serve in the foreground on 127.0.0.1:8080,
// its output on the terminal, so the user sees the web UI's address that
// TestUIOverviewInChromium finds in serve's start.
func TestMakeDemoPrintsTheUIAddress(t *testing.T) {
	out, err := exec.Command("make", "--no-print-directory", "-C", "..", "-n", "demo").Output()
	if err != nil {
		t.Fatalf("make -n demo: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "exec bin/slokit serve --demo --listen 127.0.0.1:8080 ") || strings.ContainsAny(last, ">|&") {
		t.Errorf("make demo's last command is %q: it must run serve in the foreground with its output shown", last)
	}
}

// discard runs an action for its effect only.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// demoServe starts serve on the embedded demo with args (--demo and its
// scenario, a token), on a free loopback port with the example specs, and
// returns its base URL once it is ready.
func demoServe(t *testing.T, args ...string) string {
	t.Helper()
	addr := freePort(t)
	process(t, "serve.log", slokitBin, append(append([]string{"serve", "--listen", addr, "--data-dir", t.TempDir()}, args...), "../specs")...)
	base := "http://" + addr
	serveReady(t, base, 90*time.Second)
	return base
}

// serveReady waits, at most within, for slokit serve at base to answer
// /readyz with 200.
func serveReady(t testing.TB, base string, within time.Duration) {
	t.Helper()
	eventually(t, within, "serve ready", func() (bool, string) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// uiServe starts serve on the outage demo for a UI test, with the token.
func uiServe(t *testing.T) string {
	return demoServe(t, "--demo", "outage", "--token-env", "SLOKIT_E2E_TOKEN")
}

// eachPage loads every page the docs show at every width, waiting until
// it is drawn, and calls check on it.
func eachPage(t *testing.T, ctx context.Context, base string, check func(width int, page uiPage)) {
	t.Helper()
	for _, width := range screenshotWidths {
		for _, page := range docsScreenshots {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(base+page.path), chromedp.WaitVisible(page.ready), chromedp.Sleep(500*time.Millisecond)); err != nil {
				t.Fatalf("%s at %d: %v", page.path, width, err)
			}
			check(width, page)
		}
	}
}

// The overview's filters live in the URL (a filtered view is a link to
// send), times are written one way (UTC to the minute, and how long ago),
// and a budget that lasts beyond the SLO's period says so rather than
// "gone in 70d" for a 30-day SLO.
func TestUIFiltersAndTimesInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	t.Parallel()
	base := uiServe(t)
	ctx, problems := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?q=payment"), chromedp.WaitVisible("#slos tbody tr")); err != nil {
		t.Fatal(err)
	}
	count, err := chromedp.Run(ctx, chromedp.Text("#count"))
	if err != nil || !strings.HasPrefix(count, "3 of ") {
		t.Errorf("/?q=payment shows %q (%v), want payment's 3 objectives", count, err)
	}
	if err := chromedp.Do(ctx, discard(chromedp.Evaluate[bool](`document.getElementById("filter").value = ""; true`)), chromedp.SendKeys("#filter", "order"), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || url != "?q=order" {
		t.Errorf("after typing a filter the URL's query is %q (%v), want ?q=order", url, err)
	}
	checks := map[string]string{
		`goneIn({secondsToExhaustion: 70 * 86400, period: "30d"})`:                                                        "not this period",
		`goneIn({secondsToExhaustion: 3 * 3600, period: "30d"})`:                                                          "3h",
		`goneIn({secondsToExhaustion: 20 * 86400, period: "calendar-month"})`:                                             "20d",
		`when(new Date(Date.now() - 3 * 60000).toISOString()).endsWith(" UTC (3m ago)")`:                                  "true",
		`/^\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 2h\)$/.test(when(new Date(Date.now() + 2 * 3600000 + 5000).toISOString()))`: "true",
	}
	for expr, want := range checks {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%s = %v (%v), want %s", expr, got, err, want)
		}
	}
	// A service's page lists its SLO objectives, with status and budget.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/service.html?service=order-api"), chromedp.WaitVisible("#slos li")); err != nil {
		t.Fatal(err)
	}
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#slos li")].map(li => li.textContent).join("\n")`))
	if err != nil || strings.Count(listed, "\n") != 3 || !strings.Contains(listed, "order-placement-availability 99.95%: ") || !strings.Contains(listed, "order-placement-latency 99.9% < 2s: ") || !strings.Contains(listed, "of the budget left") {
		t.Errorf("order-api's page lists its SLOs as %q (%v)", listed, err)
	}
	// An SLO's page: the range picker asks the history for its range, and
	// each alert tier has its chart, naming the factor it fires at.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/slo.html?service=order-api&slo=order-placement-availability"), chromedp.WaitVisible("#objectives svg"),
		chromedp.Click(`#ranges a[href*="range=6h"]`), chromedp.WaitVisible(`#ranges a[aria-current][href*="range=6h"]`), chromedp.WaitVisible("#objectives svg")); err != nil {
		t.Fatal(err)
	}
	asked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`performance.getEntriesByType("resource").some(e => e.name.endsWith("/history?range=6h"))`))
	if err != nil || !asked {
		t.Errorf("after picking 6h the page did not ask for /history?range=6h (%v)", err)
	}
	captions, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("figcaption")].map(c => c.textContent).join("\n")`))
	for _, want := range []string{"Burn rate, page tier 1h/5m: fires while both are above 14.4x", "Burn rate, ticket tier 3d/6h: fires while both are above 1x"} {
		if err != nil || !strings.Contains(captions, want) {
			t.Errorf("the SLO page's charts %q (%v) have no %q", captions, err, want)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %v", p)
	}
}

// Every page fits a laptop's window (1400 pixels) and a phone's (400)
// without scrolling sideways, with no console error: the overview's rows
// become cards on the phone, each cell under its column's name.
func TestUIFitsEveryWidthInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	t.Parallel()
	base := uiServe(t)
	ctx, problems := browser(t)
	eachPage(t, ctx, base, func(width int, page uiPage) {
		overflow, err := sidewaysScroll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if overflow > 0 {
			shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			artifact(t, fmt.Sprintf("overflow-%d-%s", width, page.file), shot)
			t.Errorf("%s at %d pixels scrolls sideways by %d pixels", page.path, width, overflow)
		}
	})
	// On the phone, each of the overview's cells is labelled with its column.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(400, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible("#slos tbody tr")); err != nil {
		t.Fatal(err)
	}
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#slos tbody tr:first-child td, #deploys tbody tr:first-child td")].map(td => getComputedStyle(td, "::before").content).join("|")`))
	if err != nil || !strings.Contains(labels, `"Budget left"`) || !strings.Contains(labels, `"Deploys"`) {
		t.Errorf("the overview's cells at 400 pixels are labelled %q (%v)", labels, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems: %v", p)
	}
}

// sidewaysScroll is how far the page scrolls sideways, in pixels.
func sidewaysScroll(ctx context.Context) (int, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
}

// axeScript is axe-core, which make deps installs from npm into build/.
const axeScript = "../build/npm/node_modules/axe-core/axe.min.js"

// Every page passes axe-core's checks in Chromium at both widths with no
// serious or critical violation (contrast, names, labels, landmarks), and
// every link, button and field is reachable from the keyboard (none is
// taken out of the tab order).
func TestUIAccessibleInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	axe, err := os.ReadFile(axeScript)
	if err != nil {
		msg := fmt.Sprintf("%v: make deps installs axe-core", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Parallel()
	base := uiServe(t)
	ctx, problems := browser(t)
	audit := func(view string) {
		t.Helper()
		if err := chromedp.Do(ctx, discard(chromedp.Evaluate[bool](string(axe)+";true"))); err != nil {
			t.Fatal(err)
		}
		found, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.id + " (" + v.impact + "): " + v.help + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")).join("\n"))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if found != "" {
			t.Errorf("%s:\n%s", view, found)
		}
		untabbable, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("a[href], button, input, select, summary")].filter(e => e.tabIndex < 0).length`))
		if err != nil || untabbable != 0 {
			t.Errorf("%s: %d links, buttons or fields out of the tab order (%v)", view, untabbable, err)
		}
	}
	eachPage(t, ctx, base, func(width int, page uiPage) {
		audit(fmt.Sprintf("%s at %d pixels", page.path, width))
	})
	// What only shows after a click, or to the token holder, with no
	// serious violation and no sideways scroll: a grouped SLO opened on
	// the overview; the service page after an override made
	// with the token (its overrides, maintenance windows and audit trail
	// listed); the SLO page's recent decisions; each at both widths.
	if code, body := authorized("POST", base+"/api/v1/maintenance", `{"service":"order-api","author":"axe","reason":"drill","duration":"1h"}`); code != 201 {
		t.Fatalf("maintenance: %d %s", code, body)
	}
	for _, width := range screenshotWidths {
		views := []struct {
			name, path, ready string
			actions           []chromedp.Action[chromedp.Void]
		}{
			{"the overview, payment opened", "/?q=payment", "#slos button.expand", []chromedp.Action[chromedp.Void]{chromedp.Click("#slos button.expand"), chromedp.WaitVisible("#slos tr.sub")}},
			{"the service page with the token", "/ui/service.html?service=order-api", "#reasons li", []chromedp.Action[chromedp.Void]{
				chromedp.SendKeys("#token", e2eToken), chromedp.SendKeys("#author", "axe"), chromedp.SendKeys("#reason", "accessibility check"),
				chromedp.Click(`#override button[type="submit"]`), chromedp.WaitVisible("#audit li"), chromedp.WaitVisible("#overrides li"), chromedp.WaitVisible("#maintenance li"),
			}},
			{"the SLO page with the token", "/ui/slo.html?service=order-api&slo=order-placement-availability", "#objectives svg", []chromedp.Action[chromedp.Void]{
				chromedp.SendKeys("#token", e2eToken), chromedp.Click(`#audit-form button[type="submit"]`), chromedp.WaitVisible("#audit li"),
				chromedp.Click("#objectives details summary"), chromedp.WaitVisible("#objectives details li"),
			}},
		}
		for _, v := range views {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(base+v.path), chromedp.WaitVisible(v.ready)); err != nil {
				t.Fatalf("%s: %v", v.name, err)
			}
			for _, a := range v.actions {
				if err := chromedp.Do(ctx, a); err != nil {
					t.Fatalf("%s: %v", v.name, err)
				}
			}
			audit(fmt.Sprintf("%s at %d pixels", v.name, width))
			// Opened, they still fit the width.
			if overflow, err := sidewaysScroll(ctx); err != nil || overflow > 0 {
				t.Errorf("%s at %d pixels scrolls sideways by %d pixels (%v)", v.name, width, overflow, err)
			}
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems: %v", p)
	}
}

// The overview filters by team and label (kept in the URL) and shows a
// grouped SLO as one row, its worst group, that opens to the others; an
// SLO's page picks one group at a time, marks on the burndown the
// overrides, maintenance windows, page alerts and deny decisions that
// shaped it (and lists them in text), and shows the values under the
// pointer; the service page and the overview name the maintenance window
// in force.
func TestUIGroupsLabelsAndEventsInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve and Chromium")
	}
	t.Parallel()
	base := uiServe(t)
	ctx, problems := browser(t)
	eval := evaluator(t, ctx)
	load := func(path, ready string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(ready)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	for _, tc := range []struct{ query, count string }{
		{"?team=checkout", "5 of 10 objectives"}, // order-api's and the order-placement journey's
		{"?label=tier=1", "1 of 10 objectives"},  // dispatch's
		{"?label=tier", "10 of 10 objectives, in 8 rows"},
		{"?team=checkout&label=tier=1", "0 of 10 objectives"},
	} {
		load("/"+tc.query, "#slos")
		if err := chromedp.Do(ctx, discard(chromedp.Poll[bool](`document.getElementById("count").textContent !== ""`))); err != nil {
			t.Fatal(err)
		}
		if got := eval(`document.getElementById("count").textContent`); got != tc.count {
			t.Errorf("/%s shows %q, want %q", tc.query, got, tc.count)
		}
	}
	if got := eval(`document.getElementById("team").value + " " + [...document.getElementById("team").options].map(o => o.value).join(",")`); got != "checkout ,checkout,discovery,logistics,payments" {
		t.Errorf("the team filter: %q", got)
	}
	// Payment's SLO is grouped by provider: one row, the worst group's,
	// which opens to the other two from the keyboard.
	load("/?q=payment", "#slos button.expand")
	if got := eval(`document.querySelectorAll("#slos tbody tr").length + " " + document.getElementById("count").textContent`); got != "1 3 of 10 objectives, in 1 row" {
		t.Errorf("payment's grouped SLO: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Focus("#slos button.expand"), chromedp.KeyEvent("\r"), chromedp.WaitVisible("#slos tr.sub")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.querySelectorAll("#slos tbody tr").length + " " + document.querySelector("#slos button.expand").getAttribute("aria-expanded") + " " + (document.activeElement.className === "expand")`); got != "3 true true" {
		t.Errorf("opened, payment's SLO shows rows, aria-expanded, focus kept: %q", got)
	}

	// A pipeline is denied, then an override and a maintenance window.
	if code, body := authorized("GET", base+"/api/v1/gate/payment", ""); code != 200 || !strings.Contains(body, `"decision":"deny"`) {
		t.Fatalf("payment's gate: %d %s", code, body)
	}
	if code, body := authorized("POST", base+"/api/v1/overrides", `{"service":"payment","author":"ui-test","reason":"provider fix","duration":"1h"}`); code != 201 {
		t.Fatalf("override: %d %s", code, body)
	}
	if code, body := authorized("POST", base+"/api/v1/maintenance", `{"service":"payment","author":"ui-test","reason":"provider switch","duration":"2h"}`); code != 201 {
		t.Fatalf("maintenance: %d %s", code, body)
	}
	load("/?q=payment", "#deploys tbody tr")
	if got := eval(`document.querySelector("#deploys tbody tr").cells[3].textContent`); !regexp.MustCompile(`^every SLO until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (1h59m|2h)\) \(mnt-\S+\)$`).MatchString(got) {
		t.Errorf("payment's maintenance in the overview: %q", got)
	}
	load("/ui/service.html?service=payment", "#maintenance li")
	if got := eval(`document.getElementById("shaped").textContent + " | " + document.getElementById("maintenance").textContent`); !strings.Contains(got, "Maintenance in force, its events left out of the budgets: every SLO until ") || strings.Contains(got, "provider switch") {
		t.Errorf("payment's page, without the token, on maintenance: %q", got)
	}
	// Its three providers' reasons, each naming its provider (and the
	// order-placement journey's, which freezes payment too, once its
	// budget is spent), and the override's end written as every time is.
	if got := eval(`[...document.querySelectorAll("#reasons li")].map(li => li.textContent).join("\n")`); !regexp.MustCompile(`^budget-exhausted: payment-processing-availability \(99.9%, provider=provider-0\)[^\n]*\nbudget-exhausted: [^\n]*provider=provider-1[^\n]*\nbudget-exhausted: [^\n]*provider=provider-2[^\n]*\n(journey-[a-z-]+: journey order-placement/order-placement [^\n]*\n)*override: ovr-\S+ lets normal changes through until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (59m|1h)\)$`).MatchString(got) {
		t.Errorf("payment's reasons: %q", got)
	}

	// The SLO page: one group at a time, the worst by default. Over a
	// week: the demo's outage lies at a time of day, which a day's range
	// holds only at some hours of the wall clock.
	load("/ui/slo.html?service=payment&slo=payment-processing-availability&range=7d", "#objectives svg")
	if got := eval(`document.getElementById("group").options.length + " " + document.querySelectorAll("#objectives > section").length`); got != "3 1" {
		t.Errorf("the group picker's options and the objectives shown: %q", got)
	}
	// Picking a group loads the page again with it in the URL: asked from
	// Go, since a poll in the page dies with the page it ran in.
	if got := eval(`(s => { s.value = "provider=provider-2"; s.dispatchEvent(new Event("change")); return s.value })(document.getElementById("group"))`); got != "provider=provider-2" {
		t.Fatalf("the group picker took %q", got)
	}
	shown := func() (string, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[string](`location.search + " " + [...document.querySelectorAll("#objectives h2")].map(h => h.textContent).join("|")`))
	}
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if v, err := shown(); err == nil {
			if got = v; strings.Contains(got, "group=provider%3Dprovider-2") && strings.HasSuffix(got, " Objective 99.9% (provider=provider-2)") {
				break
			}
		}
	}
	if !strings.HasSuffix(got, " Objective 99.9% (provider=provider-2)") {
		t.Fatalf("after picking provider-2 the page shows %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#objectives svg")); err != nil {
		t.Fatal(err)
	}
	// The burndown: the override and the window as bands, the deny as a
	// mark, the outage's page alert as a band; the same in text.
	burndown := `document.querySelector("#objectives figure svg")`
	if got := eval(`["band-override", "band-maintenance", "band-page", "mark-deny"].map(c => c + ":" + (` + burndown + `.querySelectorAll("." + c).length > 0)).join(" ")`); got != "band-override:true band-maintenance:true band-page:true mark-deny:true" {
		t.Errorf("the burndown's events: %s", got)
	}
	// Every band and its legend's swatch has its shade (a kind without
	// one would draw black, or a blank swatch).
	if got := eval(`[...document.querySelectorAll("#objectives rect.band")].filter(r => getComputedStyle(r).fill === "rgb(0, 0, 0)").length + " " +
		[...document.querySelectorAll("#objectives .swatch")].filter(s => ["rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"].includes(getComputedStyle(s).backgroundColor)).length`); got != "0 0" {
		t.Errorf("bands and swatches without a shade: %s", got)
	}
	listed := eval(`document.querySelector("#objectives details").textContent`)
	for _, want := range []string{"override from ", "maintenance window from ", "page alert from ", "a change denied at "} {
		if !strings.Contains(listed, want) {
			t.Errorf("the events listed %q have no %q", listed, want)
		}
	}
	// The tooltip: the time and the values under the pointer.
	box := eval(`(r => Math.round(r.left + r.width * 0.7) + "," + Math.round(r.top + r.height / 2))(` + burndown + `.getBoundingClientRect())`)
	var x, y float64
	fmt.Sscanf(box, "%f,%f", &x, &y)
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)); err != nil {
		t.Fatal(err)
	}
	if tip := eval(`(t => t.hidden ? "hidden" : t.textContent)(document.querySelector("#objectives figure .tip"))`); !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d UTC\nleft: -?[0-9.]+%$`).MatchString(tip) {
		t.Errorf("the burndown's tooltip: %q", tip)
	}
	// The order-placement journey's page lists its members, the one that
	// spent most first, each with its share of the spending and linking to
	// its own page, and draws the tree of what it is made of and depends
	// on; a member's page names the journey counting on it. The overview
	// marks it a journey.
	load("/ui/slo.html?service=order-placement&slo=order-placement&range=1h", "#members li")
	if got := eval(`[...document.querySelectorAll("#members li")].map(li => li.querySelector("a").getAttribute("href") + " " + li.textContent).join("\n")`); strings.Count(got, "\n") != 2 ||
		!strings.Contains(got, "/ui/slo.html?service=payment&slo=payment-processing-availability payment/payment-processing-availability: ") ||
		!regexp.MustCompile(`(?m)^\S+ \S+: \d+% of the spending, -?[0-9.]+% left, burning [0-9.]+x$`).MatchString(got) {
		t.Errorf("the journey's members: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#tree li li")); err != nil {
		t.Fatal(err)
	}
	tree := eval(`[...document.querySelectorAll("#tree > li > ul > li")].map(li => li.firstChild.textContent + li.childNodes[1].textContent.split(":")[0]).join("\n")`)
	for _, want := range []string{"order-api/order-placement-availability (member, ", "payment/payment-processing-availability (member, ", "dispatch/courier-assignment (member, ",
		"payment/payment-processing-availability (a dependency)"} {
		if !strings.Contains(tree, want) {
			t.Errorf("the journey's tree has no %q:\n%s", want, tree)
		}
	}
	load("/ui/slo.html?service=payment&slo=payment-processing-availability&range=1h", "#objectives svg")
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#used-by")); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.getElementById("used-by").textContent`); !strings.Contains(got, "order-placement/order-placement (journey)") {
		t.Errorf("payment's page names what counts on it as %q", got)
	}
	load("/?q=order-placement", "#slos tbody tr")
	if got := eval(`[...document.querySelectorAll("#slos tbody tr")].map(r => r.cells[1].textContent).join("|")`); !strings.Contains(got, "order-placementjourney of 3 SLOs") {
		t.Errorf("the overview's journey row: %q", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems: %v", p)
	}
}
