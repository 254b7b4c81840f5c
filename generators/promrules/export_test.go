package promrules

import (
	"bytes"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slokit/slokit/slo"
)

// WriteGroupsForTest exposes the rule-file writer to the quoting fuzz test.
func WriteGroupsForTest(b *bytes.Buffer, groups []rulefmt.RuleGroup) {
	b.WriteString("groups:\n")
	for _, g := range groups {
		writeGroup(b, "", g)
	}
}

// ShapeAndGroupTextForTest returns an SLO's group as a fresh shape fills it
// in and as writeGroup writes Group's.
func ShapeAndGroupTextForTest(s *slo.SLO) (filled, direct string) {
	var f, d bytes.Buffer
	newShapes("", TierAll).write(&f, s)
	writeGroup(&d, "", Group(s))
	return f.String(), d.String()
}
