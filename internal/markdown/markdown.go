// Package markdown reads slokit's docs as GitHub shows them, for the tests
// that keep the docs true: the anchors headings get, the links, and the
// code blocks with the marks that say which ones the tests run. The docs
// are text for people; this package is the one reading of them the tests
// share, parsed by goldmark as CommonMark with GitHub's tables.
package markdown

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// RunnableMark is the line before a shell block whose commands the tests
// run, each with the exit code its comment gives ("# exit 1"; 0 when none).
const RunnableMark = "<!-- runnable -->"

// Document is what the tests read of one Markdown file.
type Document struct {
	// Anchors are the fragments the headings get, as GitHub makes them.
	Anchors map[string]bool
	Links   []Link
	Blocks  []CodeBlock
}

// Link is a link's or an image's destination, and its line.
type Link struct {
	Destination string
	Line        int
}

// CodeBlock is a fenced code block.
type CodeBlock struct {
	// Language is the info string's first word (sh, yaml), or empty.
	Language string
	Text     string
	// Line is the line of the opening fence.
	Line int
	// Runnable says the line before the fence is RunnableMark.
	Runnable bool
	// Closed says a closing fence ends the block: an opening fence whose
	// closing one has text after it runs to the end of the file, and
	// turns the prose after it into code.
	Closed bool
}

// Parse reads src.
func Parse(src []byte) Document {
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	root := md.Parser().Parse(text.NewReader(src))
	doc := Document{Anchors: map[string]bool{}}
	lineOf := func(offset int) int { return bytes.Count(src[:offset], []byte("\n")) + 1 }
	seen := map[string]int{}
	var previous ast.Node
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			anchor := Anchor(string(plainText(n, src)))
			if count := seen[anchor]; count > 0 {
				doc.Anchors[anchor+"-"+strconv.Itoa(count)] = true
			} else {
				doc.Anchors[anchor] = true
			}
			seen[anchor]++
		case *ast.Link:
			doc.Links = append(doc.Links, Link{string(n.Destination), lineOfNode(n, src, lineOf)})
		case *ast.Image:
			doc.Links = append(doc.Links, Link{string(n.Destination), lineOfNode(n, src, lineOf)})
		case *ast.FencedCodeBlock:
			var body strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				body.Write(seg.Value(src))
			}
			block := CodeBlock{Text: body.String()}
			if n.Info != nil {
				info := n.Info.Segment
				block.Language, _, _ = strings.Cut(string(info.Value(src)), " ")
				block.Line = lineOf(n.Info.Segment.Start)
			} else if n.Lines().Len() > 0 {
				block.Line = lineOf(n.Lines().At(0).Start) - 1
			}
			block.Closed = closedFence(src, n)
			if html, ok := previous.(*ast.HTMLBlock); ok && previous.NextSibling() == n {
				var raw strings.Builder
				for i := 0; i < html.Lines().Len(); i++ {
					seg := html.Lines().At(i)
					raw.Write(seg.Value(src))
				}
				block.Runnable = strings.TrimSpace(raw.String()) == RunnableMark
			}
			doc.Blocks = append(doc.Blocks, block)
		}
		if n.Type() == ast.TypeBlock {
			previous = n
		}
		return ast.WalkContinue, nil
	})
	return doc
}

// closedFence reports whether a closing fence follows the block's last
// line: the text after the block, up to the next line break, is the
// opening's fence characters and nothing but spaces.
func closedFence(src []byte, n *ast.FencedCodeBlock) bool {
	end := 0
	if n.Lines().Len() > 0 {
		end = n.Lines().At(n.Lines().Len() - 1).Stop
	} else if n.Info != nil {
		end = n.Info.Segment.Stop
		if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
			end += i + 1
		}
	}
	line, _, _ := bytes.Cut(src[end:], []byte("\n"))
	fence := string(bytes.TrimSpace(line))
	return len(fence) >= 3 && (strings.Trim(fence, "`") == "" || strings.Trim(fence, "~") == "")
}

// lineOfNode is the line of an inline node: that of its first text, or
// of its parent block's first line.
func lineOfNode(n ast.Node, src []byte, lineOf func(int) int) int {
	for c := n.FirstChild(); c != nil; c = c.FirstChild() {
		if t, ok := c.(*ast.Text); ok {
			return lineOf(t.Segment.Start)
		}
	}
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Type() == ast.TypeBlock && p.Lines().Len() > 0 {
			return lineOf(p.Lines().At(0).Start)
		}
	}
	return 0
}

// plainText is a heading's text as GitHub reads it for its anchor: the
// text of its inlines, code spans included, without markup.
func plainText(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
		case *ast.String:
			b.Write(c.Value)
		default:
			b.Write(plainText(c, src))
		}
	}
	return b.Bytes()
}

// Anchor is the fragment GitHub gives a heading's text: lower case,
// spaces as hyphens, punctuation other than hyphens and underscores
// dropped. A page's second heading of the same text gets "-1" appended.
func Anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
