package markdown_test

import (
	"testing"

	"github.com/slokit/slokit/internal/markdown"
)

func TestParseReadsWhatTheDocsTestsNeed(t *testing.T) {
	src := "# Deploy `gate` checks\n\n## Deploy gate checks\n\nSee [the API](api.md#get-x) and ![shot](images/a.png).\n\n" +
		"<!-- runnable -->\n```sh\nslokit validate specs/   # exit 0\n```\n\n```yaml\na: 1\n```\n\n```sh\nunclosed\n``` text after\nprose\n"
	doc := markdown.Parse([]byte(src))
	for _, a := range []string{"deploy-gate-checks", "deploy-gate-checks-1"} {
		if !doc.Anchors[a] {
			t.Errorf("no anchor %q in %v", a, doc.Anchors)
		}
	}
	if len(doc.Links) != 2 || doc.Links[0].Destination != "api.md#get-x" || doc.Links[0].Line != 5 || doc.Links[1].Destination != "images/a.png" {
		t.Errorf("links: %+v", doc.Links)
	}
	if len(doc.Blocks) != 3 {
		t.Fatalf("blocks: %+v", doc.Blocks)
	}
	b := doc.Blocks
	if !b[0].Runnable || b[0].Language != "sh" || b[0].Line != 8 || b[0].Text != "slokit validate specs/   # exit 0\n" || !b[0].Closed {
		t.Errorf("the runnable block: %+v", b[0])
	}
	if b[1].Runnable || b[1].Language != "yaml" || !b[1].Closed {
		t.Errorf("the yaml block: %+v", b[1])
	}
	if b[2].Closed {
		t.Errorf("a fence closed with text after it closes nothing: %+v", b[2])
	}
}
