//go:build !noengine

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/scorecard"
	"github.com/slokit/slokit/simulate"
)

// scorecardFlags are simulate's flags for judging the alerts against the
// incidents in the SLOs' counts.
type scorecardFlags struct {
	on          *bool
	definitions listFlag
	incidents   *string
	compare     listFlag
}

// defaultCompare are the tier sets a scorecard shows beside the rules
// unless --compare says otherwise.
var defaultCompare = []string{"workbook", "sloth", "pyrra"}

func addScorecardFlags(fs *flag.FlagSet) *scorecardFlags {
	f := &scorecardFlags{}
	f.on = fs.Bool("scorecard", false, "judge the alerts against the incidents in the SLOs' counts: precision, recall, detection, reset, firings a week, budget spent before firing (always on with --prometheus-url)")
	fs.Var(&f.definitions, "incident", "what an incident is: SHARE%/WINDOW of the period's budget spent within a window (repeatable; default 2%/1h and 5%/6h)")
	f.incidents = fs.String("incidents", "", "YAML file of the incidents a team recorded (incidents: [{name, start, end, service, slo}]), instead of those in the counts")
	fs.Var(&f.compare, "compare", "tier set to score beside the rules: "+strings.Join(burnrate.TierSetNames(), ", ")+", a YAML file of tiers, or none (repeatable; default "+strings.Join(defaultCompare, ", ")+")")
	return f
}

// options are the scorecard's options, nil when none is asked for.
func (f *scorecardFlags) options(past bool, maxBytes int64) (*simulate.ScorecardOptions, error) {
	if !*f.on && !past {
		if len(f.definitions)+len(f.compare) > 0 || *f.incidents != "" {
			return nil, fmt.Errorf("--incident, --incidents and --compare judge the alerts: add --scorecard")
		}
		return nil, nil
	}
	o := &simulate.ScorecardOptions{}
	for _, d := range f.definitions {
		def, err := scorecard.ParseDefinition(d)
		if err != nil {
			return nil, fmt.Errorf("--incident: %w", err)
		}
		o.Definitions = append(o.Definitions, def)
	}
	if *f.incidents != "" {
		if len(o.Definitions) > 0 {
			return nil, fmt.Errorf("give --incident or --incidents, not both: a file's incidents replace those of the counts")
		}
		labelled, err := scorecard.ReadIncidents(*f.incidents, maxBytes)
		if err != nil {
			return nil, fmt.Errorf("--incidents: %w", err)
		}
		o.Labelled = labelled
	}
	compare := []string(f.compare)
	if len(compare) == 0 {
		compare = defaultCompare
	}
	for _, c := range compare {
		switch _, named := burnrate.NamedTiers(c, burnrate.WorkbookPeriod); {
		case c == "none":
		case named:
			o.TierSets = append(o.TierSets, c)
		default:
			if _, err := os.Stat(c); err != nil {
				return nil, fmt.Errorf("--compare %q: neither a tier set (%s, none) nor a readable file", c, strings.Join(burnrate.TierSetNames(), ", "))
			}
			p, err := scorecard.ReadPolicy(c, maxBytes)
			if err != nil {
				return nil, fmt.Errorf("--compare: %w", err)
			}
			o.Policies = append(o.Policies, p)
		}
	}
	return o, nil
}

// printScorecards writes each SLO objective's incidents and how every
// alert and tier did on them.
func printScorecards(out io.Writer, res *simulate.Result) {
	for _, sc := range res.Scorecards {
		fmt.Fprintf(out, "\nscorecard of %s/%s %s%%: %d incident(s) (%s)\n", sc.Service, sc.SLO, sc.Objective, len(sc.Incidents), sc.IncidentsFrom)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		if len(sc.Incidents) > 0 {
			fmt.Fprintln(w, "  INCIDENT\tLENGTH\tBUDGET SPENT\tPAGED AFTER")
		}
		for _, inc := range sc.Incidents {
			fmt.Fprintf(w, "  %s (+%s)\t%s\t%.2f%%\t%s\n", inc.From.UTC().Format("2006-01-02 15:04"), model.Duration(inc.From.Sub(res.Start)),
				model.Duration(inc.To.Sub(inc.From)), inc.Spent*100, seconds(inc.PagedAfterSeconds))
		}
		w.Flush()
		w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "  POLICY\tALERT\tFIRINGS\tFALSE\tPRECISION\tRECALL\tDETECTION\tRESET\tPER WEEK\tSPENT BEFORE FIRING")
		for _, r := range sc.Rows {
			spent := "-"
			if r.BudgetSpentBeforeFiring != nil {
				spent = fmt.Sprintf("%.2f%%", *r.BudgetSpentBeforeFiring*100)
			}
			fmt.Fprintf(w, "  %s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%g\t%s\n", r.Policy, r.Alert, r.Firings, r.FalseFirings,
				share(r.Precision), share(r.Recall), seconds(r.DetectionSeconds), seconds(r.ResetSeconds), r.PerWeek, spent)
		}
		w.Flush()
	}
	if len(res.Scorecards) > 0 {
		fmt.Fprintln(out, "\n(detection and reset are medians over the incidents an alert caught; tier sets are evaluated on the counts as plain multi-window rules)")
	}
}

func share(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", *p*100)
}
