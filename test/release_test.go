package test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
)

// releaseImage is where a release publishes the image; the chart, the
// plain manifests, make image and the docs name it.
const releaseImage = "ghcr.io/slokit/slokit"

// The release under work is the chart's appVersion. Everything that names
// a release (the chart's image, the plain manifests, make image and make
// dist, the Action, the pre-commit hook, the README's install steps, the
// CHANGELOG) names that one, so that a user who copies a line gets an
// artefact the release workflow publishes. In the release workflow
// RELEASE_TAG is the pushed tag, which must be that version too.
func TestReleaseNamesAgree(t *testing.T) {
	chart, err := loader.Load("../deploy/helm/slokit")
	if err != nil {
		t.Fatal(err)
	}
	version := chart.Metadata.Version
	tag := "v" + version
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(version) {
		t.Fatalf("chart version %q is not X.Y.Z", version)
	}
	if chart.Metadata.AppVersion != tag {
		t.Errorf("chart appVersion %q, version %q: a release publishes the chart %s with the image %s", chart.Metadata.AppVersion, version, version, tag)
	}
	if got := os.Getenv("RELEASE_TAG"); got != "" && got != tag {
		t.Errorf("the pushed tag %s is not the release under work %s (the chart's appVersion)", got, tag)
	}
	if repo := chart.Values["image"].(map[string]any)["repository"]; repo != releaseImage {
		t.Errorf("the chart's image.repository is %v, not %s", repo, releaseImage)
	}

	// make image and make dist, given the tag as make takes it from git
	// describe on the release's commit.
	for target, want := range map[string]string{
		"image": "-t " + releaseImage + ":" + tag,
		"dist":  "name=slokit-" + tag + "-$os-$arch;",
	} {
		out, err := exec.Command("make", "--no-print-directory", "-C", "..", "-n", target, "VERSION="+tag, "IMAGE_DIR="+t.TempDir(), "DIST_DIR="+t.TempDir()).CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", target, err, out)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("make %s VERSION=%s does not build %q:\n%s", target, tag, want, out)
		}
	}

	changelog, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^## \[` + regexp.QuoteMeta(version) + `\]`).Match(changelog) {
		t.Errorf("CHANGELOG.md has no section ## [%s]", version)
	}

	// Every mention of a release, in every tracked text file.
	mentions := []*regexp.Regexp{
		regexp.MustCompile(`slokit/slokit@(v[0-9][^\s"'),]*)`),                              // the Action, go install
		regexp.MustCompile(`cmd/slokit@(v[0-9][^\s"']*)`),                                   // go install
		regexp.MustCompile(`\brev: (v[0-9][^\s"']*)`),                                       // pre-commit
		regexp.MustCompile(regexp.QuoteMeta(releaseImage) + `:(v[0-9][^\s"'` + "`" + `]*)`), // the image
		regexp.MustCompile(`releases/download/(v[0-9][^/\s]*)/`),                            // the archives
		regexp.MustCompile(`charts/slokit --version (\S+)`),                                 // the chart
		regexp.MustCompile(`\bv=(v[0-9]\S*)`),                                               // the README's install lines
	}
	files, err := exec.Command("git", "-C", "..", "ls-files", "*.md", "*.yml", "*.yaml", "*.tpl", "*.txt", "*.json").Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, name := range strings.Fields(string(files)) {
		if strings.HasPrefix(name, "testdata/") || strings.Contains(name, "/testdata/") {
			continue // other projects' files, as they are
		}
		data, err := os.ReadFile("../" + name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if strings.Contains(text, "localhost/slokit") && name != "CHANGELOG.md" {
			t.Errorf("%s names localhost/slokit, an image no release publishes", name)
		}
		for _, re := range mentions {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				seen++
				got := strings.TrimSuffix(m[1], "`")
				if got != tag && got != version {
					t.Errorf("%s: %q names release %s; the release under work is %s", name, m[0], got, tag)
				}
			}
		}
	}
	if seen < 8 {
		t.Errorf("only %d mentions of a release found: the patterns no longer match the docs", seen)
	}
}
