package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Format is how a report is written.
type Format string

// The formats slokit report writes.
const (
	Markdown Format = "markdown"
	CSV      Format = "csv"
	JSON     Format = "json"
	HTML     Format = "html"
)

// Formats lists the formats, for --help and validation.
func Formats() []Format { return []Format{Markdown, CSV, JSON, HTML} }

// Write writes the report in format f.
func (r *Report) Write(w io.Writer, f Format) error {
	switch f {
	case Markdown:
		return r.markdown(w)
	case CSV:
		return r.csv(w)
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case HTML:
		return htmlReport.Execute(w, r.view())
	}
	return fmt.Errorf("unknown report format %q (want markdown, csv, json or html)", f)
}

// demoTitle starts the title of a report over the demo's synthetic
// traffic.
const demoTitle = "Demo SLO report "

// generatorMeta marks the HTML form as slokit's (Written).
const generatorMeta = `<meta name="generator" content="slokit report">`

// Written reports whether the first bytes of a file (its first 4 KiB are
// enough) are those of a report Write wrote, in any format: slokit report
// -o replaces its own reports and nothing else.
func Written(head []byte) bool {
	h := string(head)
	switch {
	case strings.HasPrefix(h, "# SLO report\n"), strings.HasPrefix(h, "# "+demoTitle): // Markdown
	case strings.HasPrefix(h, "from,to,service,slo,objective,"): // CSV
	case strings.HasPrefix(h, "{\n  \"from\": \"") && strings.Contains(h, "\n  \"to\": \""): // JSON
	case strings.HasPrefix(h, "<!DOCTYPE html>") && strings.Contains(h, generatorMeta): // HTML
	default:
		return false
	}
	return true
}

// view is the report as people read it: figures formatted once for the
// Markdown and HTML forms.
type view struct {
	Title, Range, Source string
	Rows                 []viewRow
	Journeys             []viewMember
	Gate                 []viewGate
}

// viewMember is one member of a journey, with its share of the spending.
type viewMember struct {
	Journey, Member, Share string
}

type viewRow struct {
	Service, SLO, Objective, Period, Events, SLI, Met, Spent, Exhausted, Pages, Tickets, Paging string
}

type viewGate struct {
	Service, Denies, Overrides, Maintenance string
}

func (r *Report) view() view {
	title := "SLO report"
	if r.Demo != "" {
		title = demoTitle + "(synthetic traffic, scenario " + r.Demo + ")"
	}
	v := view{
		Title:  title,
		Range:  fmt.Sprintf("%s to %s (UTC)", r.From.Format("2006-01-02 15:04"), r.To.Format("2006-01-02 15:04")),
		Source: r.Source,
	}
	for _, row := range r.Rows {
		objective := row.Objective + "%"
		if row.Threshold != "" {
			objective += " under " + row.Threshold
		}
		name := row.SLO
		if row.Region != "" {
			name += " in " + row.Region
		}
		vr := viewRow{
			Service: row.Service, SLO: name, Objective: objective, Period: row.Period,
			Events: strconv.FormatFloat(row.Events, 'f', 0, 64), SLI: "no events", Met: "-", Spent: "-",
			Exhausted: duration(row.ExhaustedSeconds), Pages: strconv.Itoa(row.Pages), Tickets: strconv.Itoa(row.Tickets), Paging: duration(row.PagingSeconds),
		}
		if row.SLI != nil {
			vr.SLI = percent(*row.SLI, row.Objective)
			vr.Spent = strconv.FormatFloat(*row.BudgetSpent*100, 'f', 1, 64) + "%"
			vr.Met = "yes"
			if !*row.Met {
				vr.Met = "no"
			}
		}
		v.Rows = append(v.Rows, vr)
		for _, m := range row.Members {
			vm := viewMember{Journey: row.Service + "/" + row.SLO + " " + objective, Member: m.Service + "/" + m.SLO, Share: "-"}
			if m.Threshold != "" {
				vm.Member += " under " + m.Threshold
			}
			if m.Share != nil {
				vm.Share = strconv.FormatFloat(*m.Share*100, 'f', 1, 64) + "%"
			}
			v.Journeys = append(v.Journeys, vm)
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(r.Activity)) {
		a := r.Activity[svc]
		v.Gate = append(v.Gate, viewGate{Service: svc, Denies: strconv.Itoa(a.Denies), Overrides: strconv.Itoa(a.Overrides), Maintenance: strconv.Itoa(a.Maintenance)})
	}
	return v
}

// percent writes an SLI with two more decimals than its objective has, so
// 99.95 against 99.9 shows.
func percent(ratio float64, objective string) string {
	decimals := 2
	if _, frac, ok := strings.Cut(objective, "."); ok {
		decimals = len(frac) + 2
	}
	return strconv.FormatFloat(ratio*100, 'f', decimals, 64) + "%"
}

func duration(seconds float64) string {
	if seconds == 0 {
		return "0"
	}
	return model.Duration(time.Duration(seconds) * time.Second).String()
}

// markdownCell escapes what would end a cell or start markup.
var markdownCell = strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;")

func (r *Report) markdown(w io.Writer) error {
	v := r.view()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s, from %s.\n\n", v.Title, v.Range, markdownCell.Replace(v.Source))
	b.WriteString("| service | SLO | objective | period | events | SLI | met | budget spent | budget exhausted | pages | tickets | paging |\n")
	b.WriteString("| --- | --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, row := range v.Rows {
		cells := []string{row.Service, row.SLO, row.Objective, row.Period, row.Events, row.SLI, row.Met, row.Spent, row.Exhausted, row.Pages, row.Tickets, row.Paging}
		for i, c := range cells {
			cells[i] = markdownCell.Replace(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if len(v.Journeys) > 0 {
		b.WriteString("\n## Journeys\n\n| journey | member | share of the spending |\n| --- | --- | ---: |\n")
		for _, j := range v.Journeys {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", markdownCell.Replace(j.Journey), markdownCell.Replace(j.Member), j.Share)
		}
	}
	if len(v.Gate) > 0 {
		b.WriteString("\n## Deploy gate\n\n| service | denied | overrides | maintenance windows |\n| --- | ---: | ---: | ---: |\n")
		for _, g := range v.Gate {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", markdownCell.Replace(g.Service), g.Denies, g.Overrides, g.Maintenance)
		}
	}
	b.WriteString("\nBudget spent is the share of the period's error budget the bad events of the report's stretch spent; budget exhausted is how long the SLO's budget over its own period was spent; pages and tickets count the burn-rate alerts that started firing; a journey member's share of the spending is its part of the journey's bad events (by error ratio, and weight, in weighted and worst journeys); a time-slice SLO's events are its slices, its bad events its bad slices.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) csv(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"from", "to", "service", "slo", "objective", "threshold", "region", "period", "events", "bad_events", "sli", "met", "budget_spent", "exhausted_seconds", "pages", "tickets", "paging_seconds"}
	if r.Activity != nil {
		header = append(header, "gate_denies", "overrides", "maintenance_windows")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	opt := func(f *float64) string {
		if f == nil {
			return ""
		}
		return num(*f)
	}
	for _, row := range r.Rows {
		met := ""
		if row.Met != nil {
			met = strconv.FormatBool(*row.Met)
		}
		rec := []string{r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), row.Service, row.SLO, row.Objective, row.Threshold, row.Region, row.Period,
			num(row.Events), num(row.BadEvents), opt(row.SLI), met, opt(row.BudgetSpent), num(row.ExhaustedSeconds), strconv.Itoa(row.Pages), strconv.Itoa(row.Tickets), num(row.PagingSeconds)}
		if r.Activity != nil {
			a := r.Activity[row.Service]
			rec = append(rec, strconv.Itoa(a.Denies), strconv.Itoa(a.Overrides), strconv.Itoa(a.Maintenance))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// htmlReport is a page that stands alone: no script, no external style
// or font, so it can be mailed or archived as it is.
var htmlReport = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
` + generatorMeta + `
<title>{{.Title}}: {{.Range}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1a1a1a; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; }
th { background: #f0f0f0; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.missed { font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Range}}, from {{.Source}}.</p>
<table>
<thead><tr><th>service</th><th>SLO</th><th>objective</th><th>period</th><th>events</th><th>SLI</th><th>met</th><th>budget spent</th><th>budget exhausted</th><th>pages</th><th>tickets</th><th>paging</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td>{{.Service}}</td><td>{{.SLO}}</td><td>{{.Objective}}</td><td>{{.Period}}</td><td class="n">{{.Events}}</td><td class="n">{{.SLI}}</td><td{{if eq .Met "no"}} class="missed"{{end}}>{{.Met}}</td><td class="n">{{.Spent}}</td><td class="n">{{.Exhausted}}</td><td class="n">{{.Pages}}</td><td class="n">{{.Tickets}}</td><td class="n">{{.Paging}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if .Journeys}}
<h2>Journeys</h2>
<table>
<thead><tr><th>journey</th><th>member</th><th>share of the spending</th></tr></thead>
<tbody>
{{- range .Journeys}}
<tr><td>{{.Journey}}</td><td>{{.Member}}</td><td class="n">{{.Share}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .Gate}}
<h2>Deploy gate</h2>
<table>
<thead><tr><th>service</th><th>denied</th><th>overrides</th><th>maintenance windows</th></tr></thead>
<tbody>
{{- range .Gate}}
<tr><td>{{.Service}}</td><td class="n">{{.Denies}}</td><td class="n">{{.Overrides}}</td><td class="n">{{.Maintenance}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
<p>Budget spent is the share of the period's error budget the bad events of the report's stretch spent; budget exhausted is how long the SLO's budget over its own period was spent; pages and tickets count the burn-rate alerts that started firing; a journey member's share of the spending is its part of the journey's bad events (by error ratio, and weight, in weighted and worst journeys); a time-slice SLO's events are its slices, its bad events its bad slices.</p>
</body>
</html>
`))
