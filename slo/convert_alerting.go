package slo

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/internal/strictyaml"
)

func (c *converter) convertAlerting(s *SLO, in *specAlerting, path string) {
	path += ".alerting"
	a := Alerting{
		Name:       DefaultAlertName,
		Severities: map[burnrate.Severity]SeverityConfig{burnrate.Page: {}, burnrate.Ticket: {}},
	}
	disabled := map[burnrate.Severity]bool{}
	if in != nil {
		if in.Name != "" {
			a.Name = in.Name
			switch {
			case alertNamePattern.MatchString(in.Name):
			case utf8.ValidString(in.Name) && strings.TrimSpace(in.Name) == in.Name && strings.IndexFunc(in.Name, unicode.IsControl) < 0:
				// Prometheus 3 takes any UTF-8 name; Prometheus 2 and
				// vmalert only the classic ones.
				c.Warn(path+".name", "%q is a valid alert name for Prometheus 3 only: Prometheus 2 refuses the rule file (use letters, digits and _ for both)", in.Name)
			default:
				c.Fail(path+".name", "%q is not a valid alert name: use letters, digits and _", in.Name)
			}
		}
		if in.Runbook != "" {
			a.Runbook = in.Runbook
			if u, err := url.Parse(in.Runbook); err != nil || u.Scheme == "" || u.Host == "" {
				c.Fail(path+".runbook", "must be an absolute URL such as https://runbooks.example.com/order-api, got %q", in.Runbook)
			}
			c.checkTemplate(path+".runbook", in.Runbook)
		}
		if in.MinEvents != nil {
			if *in.MinEvents < 0 {
				c.Fail(path+".minEvents", "must be 0 or more, got %s", fmtFloat(*in.MinEvents))
			}
			if s.SLI.ReadsRatios() {
				c.Fail(path+".minEvents", "%s have no event count to guard on", s.SLI.ratiosOnly())
			}
			a.MinEvents = in.MinEvents
		}
		a.Labels, a.Annotations = in.Labels, in.Annotations
		c.checkAlertLabels(path+".labels", in.Labels)
		c.checkAnnotations(path+".annotations", in.Annotations)
		for sev, sc := range map[burnrate.Severity]*specSeverity{burnrate.Page: in.Page, burnrate.Ticket: in.Ticket} {
			if sc == nil {
				continue
			}
			p := path + "." + string(sev)
			c.checkAlertLabels(p+".labels", sc.Labels)
			c.checkAnnotations(p+".annotations", sc.Annotations)
			a.Severities[sev] = SeverityConfig{Value: sc.Severity, Labels: sc.Labels, Annotations: sc.Annotations}
			disabled[sev] = sc.Disabled
			if sc.Severity != "" {
				c.checkSeverityValue(p+".severity", sc.Severity)
			}
		}
		if in.Budget != nil {
			a.Budget = c.convertBudgetAlerts(a.Name, in.Budget, path+".budget")
		}
		if page, ticket := a.SeverityValue(burnrate.Page), a.SeverityValue(burnrate.Ticket); page == ticket {
			c.Fail(path+".ticket.severity", "pages and tickets both carry severity=%s: give each its own value, so routes, inhibit rules and the gate tell them apart", page)
		}
	}
	for _, t := range c.convertTiers(s, in, path) {
		if !disabled[t.Severity] {
			a.Tiers = append(a.Tiers, t)
		}
	}
	for i, t := range a.Tiers {
		for _, o := range s.Objectives {
			if !t.CanFire(o.Budget()) {
				c.Warn(objectiveOrTierPath(in, path, i), "the %s tier at %sx over %s can never fire for objective %s%%: it needs an error ratio of %s%%, above 100%%",
					t.Severity, fmtFloat(t.Factor), model.Duration(t.Long), o.Label(), fmtFloat(burnrate.Clean(t.ErrorRatioThreshold(o.Budget())*100)))
			}
		}
	}
	s.Alerting = a
}

// maxBudgetSpent bounds a budget alert's share: past ten budgets spent, an
// SLO's objective no longer says anything about the service.
const maxBudgetSpent = 1000

func (c *converter) convertBudgetAlerts(burnAlert string, in *specBudgetAlerts, path string) BudgetAlerts {
	b := BudgetAlerts{Name: DefaultBudgetAlertName, Severity: burnrate.Ticket, Labels: in.Labels, Annotations: in.Annotations}
	if in.Name != "" {
		b.Name = in.Name
		if !alertNamePattern.MatchString(in.Name) {
			c.Fail(path+".name", "%q is not a valid alert name: use letters, digits and _", in.Name)
		}
	}
	if b.Name == burnAlert {
		c.Fail(path+".name", "budget alerts need a name of their own: %s is the burn-rate alerts' name", b.Name)
	}
	switch in.Severity {
	case "":
	case string(burnrate.Page), string(burnrate.Ticket):
		b.Severity = burnrate.Severity(in.Severity)
	default:
		c.Fail(path+".severity", "must be page or ticket, got %q: it says whose severity value, labels and routing the alerts take", in.Severity)
	}
	if len(in.Spent) == 0 {
		c.Fail(path+".spent", "list the shares of the budget, in percent, to alert at, such as [50, 75, 100]")
	}
	for i, p := range in.Spent {
		switch {
		case !(p > 0 && p <= maxBudgetSpent):
			c.Fail(fmt.Sprintf("%s.spent[%d]", path, i), "must be above 0 and at most %d (percent of the budget), got %s", maxBudgetSpent, fmtFloat(p))
		case len(b.Spent) > 0 && p <= b.Spent[len(b.Spent)-1]:
			c.Fail(fmt.Sprintf("%s.spent[%d]", path, i), "must be above the share before it (%s): list them in rising order, once each", fmtFloat(b.Spent[len(b.Spent)-1]))
		default:
			b.Spent = append(b.Spent, p)
		}
	}
	c.checkAlertLabels(path+".labels", in.Labels)
	c.checkAnnotations(path+".annotations", in.Annotations)
	return b
}

func objectiveOrTierPath(in *specAlerting, path string, i int) string {
	if in != nil && len(in.Tiers) > i {
		return fmt.Sprintf("%s.tiers[%d].factor", path, i)
	}
	return strings.TrimSuffix(path, ".alerting") + ".objective"
}

func (c *converter) convertTier(s *SLO, in *specTier, path string) (burnrate.Tier, bool) {
	ok := true
	t := burnrate.Tier{Severity: burnrate.Severity(in.Severity)}
	if t.Severity != burnrate.Page && t.Severity != burnrate.Ticket {
		c.Fail(path+".severity", "must be page or ticket, got %q", in.Severity)
		ok = false
	}
	if in.Factor == nil || *in.Factor <= 0 {
		c.Fail(path+".factor", "missing or not positive: a burn-rate factor such as 14.4")
		ok = false
	} else {
		t.Factor = *in.Factor
	}
	for _, w := range []struct {
		name string
		d    *strictyaml.Duration
		dst  *time.Duration
	}{{"long", in.Long, &t.Long}, {"short", in.Short, &t.Short}} {
		p := path + "." + w.name
		switch {
		case w.d == nil:
			c.Fail(p, "missing: a window such as 1h")
			ok = false
		case s.BaseWindow > 0 && !burnrate.WindowValid(w.d.Value, s.BaseWindow):
			unit := model.Duration(s.BaseWindow)
			if w.d.Value >= burnrate.BlockWindowMin {
				unit = model.Duration(burnrate.BlockSize)
			}
			c.Fail(p, "must be a multiple of %s, got %s (windows of %s and more are whole hours, shorter ones whole baseWindows)",
				unit, w.d.Text, model.Duration(burnrate.BlockWindowMin))
			ok = false
		default:
			*w.dst = w.d.Value
		}
	}
	if ok && t.Short >= t.Long {
		c.Fail(path+".short", "must be shorter than the long window %s, got %s", model.Duration(t.Long), model.Duration(t.Short))
		ok = false
	}
	if ok && t.Long > s.Period && s.Period > 0 {
		c.Fail(path+".long", "window %s is longer than the SLO period %s", model.Duration(t.Long), model.Duration(s.Period))
		ok = false
	}
	if in.For != nil {
		if in.For.Value < 0 {
			c.Fail(path+".for", "must not be negative, got %s", in.For.Text)
			ok = false
		}
		t.For = in.For.Value
	}
	return t, ok
}

// convertPolicy overlays the fields a policy sets on base: the service's
// policy on the defaults, an SLO's on its service's.
func (c *converter) convertPolicy(base Policy, in *specPolicy, path string) Policy {
	if in == nil {
		return base
	}
	p := base
	if in.WarnBelow != nil {
		if *in.WarnBelow < 0 || *in.WarnBelow > 100 {
			c.Fail(path+".warnBelow", "must be a percentage of the budget from 0 to 100, got %s", fmtFloat(*in.WarnBelow))
		}
		p.WarnBelow = burnrate.Clean(*in.WarnBelow / 100)
	}
	if in.FreezeOnPage != nil {
		p.FreezeOnPage = *in.FreezeOnPage
	}

	if in.AllowDuringFreeze != nil {
		p.AllowDuringFreeze = []Change{}
		for i, ch := range in.AllowDuringFreeze {
			switch Change(ch) {
			case HotfixChange, SecurityChange:
				p.AllowDuringFreeze = append(p.AllowDuringFreeze, Change(ch))
			case RollbackChange:
				c.Warn(fmt.Sprintf("%s.allowDuringFreeze[%d]", path, i), "rollbacks are always allowed; listing them changes nothing")
			case NormalChange:
				c.Fail(fmt.Sprintf("%s.allowDuringFreeze[%d]", path, i), "normal changes during a freeze would make it no freeze: remove the policy's freeze instead")
			default:
				c.Fail(fmt.Sprintf("%s.allowDuringFreeze[%d]", path, i), "must be hotfix or security, got %q", ch)
			}
		}
	}
	return p
}

// convertTiers are the spec's alert tiers, each with a long window of its
// own, or the default tiers scaled to the period.
func (c *converter) convertTiers(s *SLO, in *specAlerting, path string) []burnrate.Tier {
	if in == nil || len(in.Tiers) == 0 {
		if s.BaseWindow > 0 {
			return burnrate.DefaultTiers(s.Period, s.BaseWindow)
		}
		return nil
	}
	var tiers []burnrate.Tier
	longWindows := map[time.Duration]string{}
	for i := range in.Tiers {
		p := fmt.Sprintf("%s.tiers[%d]", path, i)
		t, ok := c.convertTier(s, &in.Tiers[i], p)
		if !ok {
			continue
		}
		if first, dup := longWindows[t.Long]; dup {
			c.Fail(p+".long", "tiers[%s] already uses the long window %s: each tier needs its own", first, model.Duration(t.Long))
			continue
		}
		longWindows[t.Long] = strconv.Itoa(i)
		tiers = append(tiers, t)
	}
	return tiers
}
