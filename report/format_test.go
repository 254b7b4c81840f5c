package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/report"
)

// goldens are this package's golden files: go test ./report -update
// rewrites them.
var goldens = golden.Flag()

func sample() *report.Report {
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	return &report.Report{
		From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Source: "http://prometheus:9090",
		Rows: []report.Row{
			{Service: "order-api", SLO: "order-placement-availability", Objective: "99.95", Period: "30d", Events: 2592000, BadEvents: 648,
				SLI: f(1 - 648.0/2592000), Met: b(true), BudgetSpent: f(0.5), Pages: 1, Tickets: 2, PagingSeconds: 720},
			{Service: "order-api", SLO: "order-placement-latency", Objective: "99", Threshold: "500ms", Period: "month", Events: 2592000, BadEvents: 31104,
				SLI: f(0.988), Met: b(false), BudgetSpent: f(1.2), ExhaustedSeconds: 3 * 86400, Tickets: 1},
			{Service: "menu|<b>", SLO: "menu-browsing-probe", Objective: "99.5", Period: "7d"},
			{Service: "order-placement", SLO: "order-placement", Objective: "99.9", Period: "30d", Events: 5184000, BadEvents: 3240,
				SLI: f(1 - 3240.0/5184000), Met: b(true), BudgetSpent: f(0.625), Members: []report.Member{
					{Service: "order-api", SLO: "order-placement-availability", Share: f(0.2)},
					{Service: "payment", SLO: "payment-processing-availability", Share: f(0.8)}}},
		},
		Activity: map[string]report.Activity{"order-api": {Denies: 14, Overrides: 2, Maintenance: 1}, "menu|<b>": {}},
	}
}

// Each format is kept as a golden file, reviewed as a diff.
func TestFormats(t *testing.T) {
	for _, f := range report.Formats() {
		var b bytes.Buffer
		if err := sample().Write(&b, f); err != nil {
			t.Fatal(err)
		}
		goldens.Assert(t, "testdata/report."+map[report.Format]string{report.Markdown: "md", report.CSV: "csv", report.JSON: "json", report.HTML: "html"}[f], b.Bytes())
	}
	if err := sample().Write(&bytes.Buffer{}, "pdf"); err == nil {
		t.Error("an unknown format is written")
	}
}

// The machine-readable forms read back: CSV as one record per SLO
// objective, JSON as the report.
func TestMachineFormatsReadBack(t *testing.T) {
	var b bytes.Buffer
	if err := sample().Write(&b, report.CSV); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 5 || recs[3][2] != "menu|<b>" || recs[1][len(recs[1])-3] != "14" {
		t.Errorf("CSV: %v %q", err, recs)
	}
	b.Reset()
	if err := sample().Write(&b, report.JSON); err != nil {
		t.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back.Rows) != 4 || *back.Rows[1].BudgetSpent != 1.2 || *back.Rows[3].Members[1].Share != 0.8 || back.Activity["order-api"].Denies != 14 {
		t.Errorf("JSON: %v %+v", err, back)
	}
}

// slokit report -o replaces a report it wrote, in any format, whatever
// its size, and nothing else.
func TestWrittenKnowsEveryFormat(t *testing.T) {
	for _, f := range report.Formats() {
		var b bytes.Buffer
		if err := sample().Write(&b, f); err != nil {
			t.Fatal(err)
		}
		if head := b.Bytes()[:min(b.Len(), 4096)]; !report.Written(head) {
			t.Errorf("a %s report is not known as written by slokit:\n%s", f, head)
		}
	}
	for _, other := range []string{
		"", "# Our SLOs\n", "service,slo\n", `{"from": "2026-11-01"}`, "<!DOCTYPE html>\n<title>SLO report</title>",
		"hand-written notes\n# SLO report\n",
	} {
		if report.Written([]byte(other)) {
			t.Errorf("%q is taken for a report slokit wrote", other)
		}
	}
}
