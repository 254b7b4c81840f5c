// Package alertmanager writes the Alertmanager routing that fits slokit's
// alerts: one route per team, pages to the team's pager receiver and
// tickets to its ticket (or, for P3, chat) receiver, timed by priority,
// and inhibit rules that hold back an SLO's tickets while one of its pages
// fires, and an SLO's budget alerts at lower shares while one at a higher
// share fires. It is a fragment to merge into an existing alertmanager.yml, and
// also a complete configuration on its own, so that amtool can check it
// and a team can start from it.
package alertmanager

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Labels of the example platform's escalation: alerts are routed to the
// team named by TeamLabel (or, without one, to the service), and timed and
// received by PriorityLabel.
const (
	TeamLabel     = "team"
	PriorityLabel = "priority"
)

// UnroutedReceiver receives slokit alerts no team route matches. It has no
// integration: alerts sent to it go nowhere, which an operator would see
// in Alertmanager's UI.
const UnroutedReceiver = "slokit-unrouted"

// Receiver names are the team's name with one of these suffixes.
const (
	PagerSuffix  = "-pager"
	TicketSuffix = "-tickets"
	ChatSuffix   = "-chat"
)

// timing is how fast alerts of a priority are sent and sent again.
type timing struct {
	groupWait, groupInterval, repeatInterval string
}

// priorities are the P0-P3 escalation levels: a P0 is sent within seconds
// and repeated every quarter hour until someone acts, a P3 is a chat
// message a day. Priorities outside this table keep the team's timing.
var priorities = map[string]timing{
	"P0": {"10s", "1m", "15m"},
	"P1": {"30s", "5m", "1h"},
	"P2": {"5m", "30m", "12h"},
	"P3": {"5m", "30m", "24h"},
}

// defaultTiming is the timing of slokit alerts without a known priority.
var defaultTiming = timing{"30s", "5m", "4h"}

// chatPriority is the priority whose tickets go to the chat receiver:
// nobody needs to track them as work.
const chatPriority = "P3"

// Config is the part of Alertmanager's configuration slokit writes. The
// field names and order are Alertmanager's.
type Config struct {
	Route        Route         `yaml:"route"`
	Receivers    []Receiver    `yaml:"receivers"`
	InhibitRules []InhibitRule `yaml:"inhibit_rules,omitempty"`
}

// Route is an Alertmanager route.
type Route struct {
	Receiver       string   `yaml:"receiver"`
	Matchers       []string `yaml:"matchers,omitempty,flow"`
	GroupBy        []string `yaml:"group_by,omitempty,flow"`
	GroupWait      string   `yaml:"group_wait,omitempty"`
	GroupInterval  string   `yaml:"group_interval,omitempty"`
	RepeatInterval string   `yaml:"repeat_interval,omitempty"`
	Routes         []Route  `yaml:"routes,omitempty"`
}

// Receiver is a named receiver, without integrations: the team adds its
// PagerDuty, Opsgenie, Slack or webhook configuration.
type Receiver struct {
	Name string `yaml:"name"`
}

// InhibitRule holds back target alerts while a source alert fires with
// the same values of Equal.
type InhibitRule struct {
	SourceMatchers []string `yaml:"source_matchers,flow"`
	TargetMatchers []string `yaml:"target_matchers,flow"`
	Equal          []string `yaml:"equal,flow,omitempty"`
}

// alertTier is one severity of one SLO's alerts, as Alertmanager sees it.
type alertTier struct {
	slo      *slo.SLO
	severity burnrate.Severity
	value    string // the severity label
	priority string // the priority label, when literal
}

// owner is whom an SLO's alerts go to: a team named by its team label,
// or, without one, its service, routed as a team of the service's name.
// A service and a team may share a name (service checkout without a team
// label, and another service whose team is checkout): each has its own
// route, and both use the receivers of that name.
type owner struct {
	byService bool
	name      string
}

// matcher finds the owner's alerts.
func (o owner) matcher() string {
	if o.byService {
		return matcher(series.ServiceLabel, "=", o.name)
	}
	return matcher(TeamLabel, "=", o.name)
}

// Build returns the routing for the alerts of services' SLOs.
func Build(services []*slo.Service) Config {
	inv := inventoryOf(services)
	names := slices.Sorted(maps.Keys(inv.alertNames))
	slokitAlerts := matcher(series.AlertNameLabel, "=~", alternatives(names))

	top := Route{
		Receiver:  UnroutedReceiver,
		Matchers:  []string{slokitAlerts},
		GroupBy:   []string{series.AlertNameLabel, series.ServiceLabel, series.SLOLabel, series.SeverityLabel},
		GroupWait: defaultTiming.groupWait, GroupInterval: defaultTiming.groupInterval, RepeatInterval: defaultTiming.repeatInterval,
	}
	receivers := []Receiver{{Name: UnroutedReceiver}}
	seen := map[string]bool{UnroutedReceiver: true}
	// Teams' routes first: an alert with a team label is its team's, even
	// when its service's name is routed too (a service routed by its name
	// may have SLOs with a team label).
	owners := slices.SortedFunc(maps.Keys(inv.byTeam), func(a, b owner) int {
		return cmp.Or(cmp.Compare(boolInt(a.byService), boolInt(b.byService)), strings.Compare(a.name, b.name))
	})
	for _, team := range owners {
		r, used := teamRoute(team, inv.byTeam[team])
		top.Routes = append(top.Routes, r)
		for _, name := range used {
			if !seen[name] {
				seen[name] = true
				receivers = append(receivers, Receiver{Name: name})
			}
		}
	}
	// The root is a complete configuration's: slokit's alerts are its one
	// child route, which is what to merge into an existing tree.
	root := Route{Receiver: UnroutedReceiver, Routes: []Route{top}}
	if len(names) == 0 {
		root.Routes = nil
	}
	return Config{Route: root, Receivers: receivers, InhibitRules: append(inv.inhibitRules(slokitAlerts), dependencyRules(services, slokitAlerts)...)}
}

// dependencyRules hold back an SLO's pages while a page of an SLO it
// depends on fires (slo.SLO.DependsOn): its cause is paging already. An
// SLO depended on that the specs do not define (another team's) is
// matched by its service and name among slokit's alerts, with the default
// page severity.
func dependencyRules(services []*slo.Service, slokitAlerts string) []InhibitRule {
	slos := map[[2]string]*slo.SLO{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			slos[[2]string{s.Service, s.Name}] = s
		}
	}
	var out []InhibitRule
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if !slices.Contains(enabledSeverities(s), burnrate.Page) {
				continue
			}
			target := []string{matcher(series.AlertNameLabel, "=", s.Alerting.Name), matcher(series.ServiceLabel, "=", s.Service),
				matcher(series.SLOLabel, "=", s.Name), matcher(series.SeverityLabel, "=", s.Alerting.SeverityValue(burnrate.Page))}
			for _, d := range s.DependsOn {
				source := []string{slokitAlerts, matcher(series.ServiceLabel, "=", d.Service), matcher(series.SLOLabel, "=", d.SLO),
					matcher(series.SeverityLabel, "=", string(burnrate.Page))}
				if dep := slos[[2]string{d.Service, d.SLO}]; dep != nil {
					if !slices.Contains(enabledSeverities(dep), burnrate.Page) {
						continue // it never pages
					}
					source[0] = matcher(series.AlertNameLabel, "=", dep.Alerting.Name)
					source[3] = matcher(series.SeverityLabel, "=", dep.Alerting.SeverityValue(burnrate.Page))
				}
				out = append(out, InhibitRule{SourceMatchers: source, TargetMatchers: target})
			}
		}
	}
	return out
}

// inventory is what the services' SLOs alert on: each owner's tiers, the
// alert names, the page/ticket severity pairs, the grouping labels, the
// budget alerts' names and shares.
type inventory struct {
	byTeam        map[owner][]alertTier
	alertNames    map[string]bool
	severityPairs map[[2]string]bool
	equal         map[string]bool
	budgetNames   map[string]bool
	budgetShares  map[float64]bool
}

func inventoryOf(services []*slo.Service) inventory {
	inv := inventory{byTeam: map[owner][]alertTier{}, alertNames: map[string]bool{}, severityPairs: map[[2]string]bool{},
		equal: map[string]bool{}, budgetNames: map[string]bool{}, budgetShares: map[float64]bool{}}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			tiers := enabledSeverities(s)
			budget := s.Alerting.Budget
			if len(tiers) == 0 && len(budget.Spent) == 0 {
				continue
			}
			for _, g := range s.Grouping {
				inv.equal[g] = true
			}
			team := teamOf(s)
			if len(tiers) > 0 {
				inv.alertNames[s.Alerting.Name] = true
			}
			for _, sev := range tiers {
				inv.byTeam[team] = append(inv.byTeam[team], alertTier{
					slo: s, severity: sev, value: s.Alerting.SeverityValue(sev), priority: literalLabel(s, sev, PriorityLabel),
				})
			}
			if len(tiers) == 2 {
				inv.severityPairs[[2]string{s.Alerting.SeverityValue(burnrate.Page), s.Alerting.SeverityValue(burnrate.Ticket)}] = true
			}
			if len(budget.Spent) > 0 {
				inv.alertNames[budget.Name] = true
				inv.budgetNames[budget.Name] = true
				for _, p := range budget.Spent {
					inv.budgetShares[p] = true
				}
				priority, ok := budget.Labels[PriorityLabel]
				if !ok {
					priority = literalLabel(s, budget.Severity, PriorityLabel)
				} else if strings.Contains(priority, "{{") {
					priority = ""
				}
				inv.byTeam[team] = append(inv.byTeam[team], alertTier{
					slo: s, severity: budget.Severity, value: s.Alerting.SeverityValue(budget.Severity), priority: priority,
				})
			}
		}
	}
	return inv
}

// inhibitRules hold back a ticket while the same SLO's page fires, and a
// budget alert at a lower share while one at a higher share fires: at 100%
// spent, nobody needs telling it passed 50%.
func (inv inventory) inhibitRules(slokitAlerts string) []InhibitRule {
	var inhibit []InhibitRule
	equalLabels := []string{series.AlertNameLabel, series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel}
	equalLabels = append(equalLabels, slices.Sorted(maps.Keys(inv.equal))...)
	pairs := slices.SortedFunc(maps.Keys(inv.severityPairs), func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	for _, p := range pairs {
		inhibit = append(inhibit, InhibitRule{
			SourceMatchers: []string{slokitAlerts, matcher(series.SeverityLabel, "=", p[0])},
			TargetMatchers: []string{slokitAlerts, matcher(series.SeverityLabel, "=", p[1])},
			Equal:          equalLabels,
		})
	}
	if len(inv.budgetNames) > 0 {
		budgetAlerts := matcher(series.AlertNameLabel, "=~", alternatives(slices.Sorted(maps.Keys(inv.budgetNames))))
		shares := slices.Sorted(maps.Keys(inv.budgetShares))
		for i := 1; i < len(shares); i++ {
			lower := make([]string, i)
			for j := range lower {
				lower[j] = series.BudgetSpentValue(shares[j])
			}
			inhibit = append(inhibit, InhibitRule{
				SourceMatchers: []string{budgetAlerts, matcher(series.BudgetSpentLabel, "=", series.BudgetSpentValue(shares[i]))},
				TargetMatchers: []string{budgetAlerts, matcher(series.BudgetSpentLabel, "=~", alternatives(lower))},
				Equal:          equalLabels,
			})
		}
	}
	return inhibit
}

// teamRoute is a team's route: a child route per severity value to the
// pager or ticket receiver, and within it a route per priority. It
// returns the receivers it uses, in order.
func teamRoute(o owner, tiers []alertTier) (Route, []string) {
	team := o.name
	receiverOf := func(t alertTier) string {
		switch {
		case t.severity == burnrate.Page:
			return team + PagerSuffix
		case t.priority == chatPriority:
			return team + ChatSuffix
		}
		return team + TicketSuffix
	}
	used := map[string]bool{}
	r := Route{Receiver: team + TicketSuffix, Matchers: []string{o.matcher()}}
	// A severity value is a page for one SLO of the team and a ticket for
	// another only if the team wants it so; then its routes name the SLO.
	kinds := map[string]map[burnrate.Severity]bool{}
	for _, t := range tiers {
		if kinds[t.value] == nil {
			kinds[t.value] = map[burnrate.Severity]bool{}
		}
		kinds[t.value][t.severity] = true
	}
	type routeKey struct {
		severity burnrate.Severity
		value    string
		slo      string // service/slo when the value is ambiguous
	}
	groups := map[routeKey][]alertTier{}
	for _, t := range tiers {
		k := routeKey{severity: t.severity, value: t.value}
		if len(kinds[t.value]) > 1 {
			k.slo = t.slo.Service + "/" + t.slo.Name
		}
		groups[k] = append(groups[k], t)
	}
	keys := slices.SortedFunc(maps.Keys(groups), func(a, b routeKey) int {
		// Routes that name an SLO come first, or the plain one would
		// take their alerts; then pages before tickets.
		return cmp.Or(cmp.Compare(boolInt(a.slo == ""), boolInt(b.slo == "")),
			strings.Compare(string(a.severity), string(b.severity)),
			strings.Compare(a.value, b.value), strings.Compare(a.slo, b.slo))
	})
	for _, k := range keys {
		group := groups[k]
		base := alertTier{severity: k.severity}
		child := Route{Receiver: receiverOf(base), Matchers: []string{matcher(series.SeverityLabel, "=", k.value)}}
		if k.slo != "" {
			s := group[0].slo
			child.Matchers = append([]string{matcher(series.ServiceLabel, "=", s.Service), matcher(series.SLOLabel, "=", s.Name)}, child.Matchers...)
		}
		used[child.Receiver] = true
		seen := map[string]bool{}
		for _, t := range group {
			timed, known := priorities[t.priority]
			if !known || seen[t.priority] {
				continue
			}
			seen[t.priority] = true
			child.Routes = append(child.Routes, Route{
				Receiver:  receiverOf(t),
				Matchers:  []string{matcher(PriorityLabel, "=", t.priority)},
				GroupWait: timed.groupWait, GroupInterval: timed.groupInterval, RepeatInterval: timed.repeatInterval,
			})
			used[receiverOf(t)] = true
		}
		slices.SortFunc(child.Routes, func(a, b Route) int { return strings.Compare(a.Matchers[0], b.Matchers[0]) })
		r.Routes = append(r.Routes, child)
	}
	used[r.Receiver] = true
	var names []string
	for _, suffix := range []string{PagerSuffix, TicketSuffix, ChatSuffix} {
		if used[team+suffix] {
			names = append(names, team+suffix)
		}
	}
	return r, names
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// enabledSeverities are the severities that have tiers, pages first.
func enabledSeverities(s *slo.SLO) []burnrate.Severity {
	var out []burnrate.Severity
	for _, sev := range []burnrate.Severity{burnrate.Page, burnrate.Ticket} {
		if slices.ContainsFunc(s.Alerting.Tiers, func(t burnrate.Tier) bool { return t.Severity == sev }) {
			out = append(out, sev)
		}
	}
	return out
}

// teamOf is whom an SLO's alerts go to: its team label, or else its
// service.
func teamOf(s *slo.SLO) owner {
	for _, sev := range []burnrate.Severity{burnrate.Page, burnrate.Ticket} {
		if v := literalLabel(s, sev, TeamLabel); v != "" {
			return owner{name: v}
		}
	}
	return owner{byService: true, name: s.Service}
}

// literalLabel is the value label has on the SLO's alerts of severity
// sev, if it is literal text rather than a template filled in when the
// alert fires; empty otherwise.
func literalLabel(s *slo.SLO, sev burnrate.Severity, label string) string {
	v, ok := s.Alerting.Severities[sev].Labels[label]
	if !ok {
		v, ok = s.Alerting.Labels[label]
	}
	if ok {
		if strings.Contains(v, "{{") {
			return ""
		}
		return v
	}
	return s.Labels[label]
}

// alternatives is a regular expression matching exactly the texts.
func alternatives(texts []string) string {
	quoted := make([]string, len(texts))
	for i, t := range texts {
		quoted[i] = regexp.QuoteMeta(t)
	}
	return strings.Join(quoted, "|")
}

// matcher writes an Alertmanager matcher, its value quoted.
func matcher(label, op, value string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return label + op + `"` + r.Replace(value) + `"`
}

// Write writes the routing for services as one YAML document, headed by
// the spec files it comes from and how to use it.
func Write(w io.Writer, services []*slo.Service) error {
	var b strings.Builder
	b.WriteString(generators.Header)
	for _, svc := range services {
		if svc.File != "" {
			fmt.Fprintf(&b, "# Source: %s\n", svc.File)
		}
	}
	b.WriteString(usage)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(Build(services)); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

const usage = `#
# Alertmanager routing for slokit's SLO alerts. It is a complete
# configuration that amtool check-config accepts; to merge it into yours,
# put route.routes[0] first among your routes, and add the receivers and
# inhibit_rules. Give each receiver its integrations (pager for -pager,
# ticket system for -tickets, chat for -chat).
`
