package slo

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/internal/strictyaml"
)

// promqlParser parses user-written PromQL. One instance is safe for
// concurrent use.
var promqlParser = parser.NewParser(parser.Options{})

// namePattern restricts service and SLO names to what is safe in file
// names, rule group names and Kubernetes object names (after lowercasing).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

var alertNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// validBaseWindows divide an hour into whole minutes, so that hourly blocks
// are sums of whole base windows.
var validBaseWindows = func() []time.Duration {
	var ws []time.Duration
	for m := 1; m <= 30; m++ {
		if 60%m == 0 {
			ws = append(ws, time.Duration(m)*time.Minute)
		}
	}
	return ws
}()

// minPeriod is the shortest SLO period: hourly blocks need whole hours and
// an error budget shorter than a day is not a budget anyone can manage.
const minPeriod = 24 * time.Hour

// converter turns one decoded document into the domain model, checking
// every semantic rule and pointing each problem at its YAML node.
type converter struct {
	*strictyaml.Document
	regions *Regions // the service's, shared by its SLOs
}

func (c *converter) convert(doc *specDocument) *Service {
	if !c.CheckHeader(doc.APIVersion, doc.Kind, APIVersion, Kind) {
		return nil
	}
	svc := &Service{Name: doc.Service, Labels: doc.Labels}
	c.checkName("service", doc.Service)
	c.checkLabels("labels", doc.Labels)
	if len(doc.SLOs) == 0 {
		c.Fail("slos", "missing: a service needs at least one SLO")
	}
	names := map[string]string{}
	serviceWindows := c.convertMaintenance(doc.Maintenance, "maintenance")
	c.regions = c.convertRegions(doc.Regions, "regions")
	for i := range doc.SLOs {
		path := fmt.Sprintf("slos[%d]", i)
		s := c.convertSLO(doc, &doc.SLOs[i], path, serviceWindows)
		if first, dup := names[doc.SLOs[i].Name]; dup && doc.SLOs[i].Name != "" {
			c.Fail(path+".name", "duplicate SLO name %q (first used at %s)", doc.SLOs[i].Name, first)
		} else {
			names[doc.SLOs[i].Name] = path
		}
		if s != nil {
			svc.SLOs = append(svc.SLOs, s)
		}
	}
	return svc
}

func (c *converter) convertSLO(doc *specDocument, in *specSLO, path string, serviceWindows []MaintenanceWindow) *SLO {
	errorsBefore := c.ErrorCount()
	s := &SLO{
		Service:        doc.Service,
		Name:           in.Name,
		Description:    in.Description,
		Labels:         merge(doc.Labels, in.Labels),
		Period:         DefaultPeriod,
		ScrapeInterval: DefaultScrapeInterval,
		BaseWindow:     burnrate.DefaultBaseWindow,
		Grouping:       in.Grouping,
		RenameLabels:   in.RenameLabels,
	}
	c.checkName(path+".name", in.Name)
	c.checkLabels(path+".labels", in.Labels)

	c.convertIntervals(s, doc, in, path)
	c.convertPeriod(s, in, path)

	c.convertSLI(s, in, path)
	if s.Calendar != nil && s.SLI.ReadsRatios() {
		c.Fail(path+".period", "%s cannot have a calendar period: slokit sums a calendar period from the events it counts, and they give only ratios", s.SLI.ratiosOnly())
	}
	c.convertObjectives(s, in, path)
	c.checkDatadog(s, in, path)
	c.convertGrouping(s, path)
	if c.regions != nil {
		r := *c.regions
		s.Regions = &r
		c.checkRegions(s, path)
	}
	c.convertAlerting(s, in.Alerting, path)
	s.Maintenance = append(slices.Clone(serviceWindows), c.convertMaintenance(in.Maintenance, path+".maintenance")...)
	switch {
	case s.SLI.ReadsRatios() && len(in.Maintenance) > 0:
		c.Fail(path+".maintenance", "%s cannot leave out maintenance windows: slokit leaves out the events it counts, and they give only ratios", s.SLI.ratiosOnly())
	case s.SLI.ReadsRatios() && len(serviceWindows) > 0:
		c.Warn(path+".sli", "the service's maintenance windows do not apply: %s give only ratios, with no events to leave out", s.SLI.ratiosOnly())
		s.Maintenance = nil
	}
	s.Policy = c.convertPolicy(c.convertPolicy(DefaultPolicy(), doc.Policy, "policy"), in.Policy, path+".policy")
	c.convertFreezeMembers(s, doc.Policy, in.Policy, path)
	c.convertDependencies(s, in.DependsOn, path+".dependsOn")

	for _, o := range s.Objectives {
		if outage := time.Duration(o.Budget() * float64(s.Period)); outage < 5*time.Minute && s.Period >= minPeriod {
			c.Warn(objectivePath(in, path, o), "an error budget of %s%% over %s is spent by a full outage in %s: alerts cannot page before it is gone",
				fmtFloat(burnrate.Clean(o.Budget()*100)), model.Duration(s.Period), outage.Round(time.Second))
		}
	}
	if c.ErrorCount() > errorsBefore {
		return nil
	}
	return s
}

func firstDuration(ds ...*strictyaml.Duration) *strictyaml.Duration {
	for _, d := range ds {
		if d != nil {
			return d
		}
	}
	return nil
}

// roundUpBase returns the shortest valid base window of at least d.
func roundUpBase(d time.Duration) time.Duration {
	for _, w := range validBaseWindows {
		if w >= d {
			return w
		}
	}
	return time.Hour
}

func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fmtFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// convertIntervals sets the scrape interval and base window: the SLO's own,
// else the service's (a time-slice SLO's base window is its slice).
func (c *converter) convertIntervals(s *SLO, doc *specDocument, in *specSLO, path string) {
	scrapePath, basePath := "scrapeInterval", "baseWindow"
	if d := firstDuration(in.ScrapeInterval, doc.ScrapeInterval); d != nil {
		s.ScrapeInterval = d.Value
		if in.ScrapeInterval != nil {
			scrapePath = path + ".scrapeInterval"
		}
		if d.Value <= 0 {
			c.Fail(scrapePath, "must be positive, got %s", d.Text)
		}
	}
	if d := firstDuration(in.BaseWindow, doc.BaseWindow); d != nil {
		s.BaseWindow = d.Value
		if in.BaseWindow != nil {
			basePath = path + ".baseWindow"
		}
		if !slices.Contains(validBaseWindows, d.Value) {
			c.Fail(basePath, "must be a whole number of minutes that divides an hour (1m, 2m, 5m, 10m, 15m, 30m, ...), got %s", d.Text)
		}
	}
	if in.SLI != nil && in.SLI.Timeslices != nil {
		basePath = c.sliceBaseWindow(s, in, path)
	}
	if s.ScrapeInterval > 0 && s.BaseWindow < 2*s.ScrapeInterval {
		p := basePath
		if !c.Has(p) {
			p = scrapePath
		}
		if in.SLI != nil && in.SLI.Timeslices != nil {
			c.Fail(p, "a slice of %s holds fewer than two scrapes at scrapeInterval %s, so it has no data: set slice to at least %s",
				model.Duration(s.BaseWindow), model.Duration(s.ScrapeInterval), model.Duration(roundUpBase(2*s.ScrapeInterval)))
			return
		}
		c.Fail(p, "baseWindow %s holds fewer than two scrapes at scrapeInterval %s, so increase() over it returns nothing: set baseWindow to at least %s",
			model.Duration(s.BaseWindow), model.Duration(s.ScrapeInterval), model.Duration(roundUpBase(2*s.ScrapeInterval)))
	}
}
