package promrules

import (
	"bytes"

	"github.com/prometheus/prometheus/model/rulefmt"
)

// WriteGroupsForTest exposes the rule-file writer to the quoting fuzz test.
func WriteGroupsForTest(b *bytes.Buffer, groups []rulefmt.RuleGroup) {
	b.WriteString("groups:\n")
	for _, g := range groups {
		writeGroup(b, "", g)
	}
}
