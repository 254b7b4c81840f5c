// Package diag is how slokit reports problems in the files it reads (specs,
// scenarios): each problem with its file, line, column and field path, so
// a user can jump to it, and all of them, sorted by position. Warnings are
// problems that do not stop slokit unless it runs strictly.
package diag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Diagnostic is one problem found in a file. It carries the position of the
// offending YAML node and the field path so that a user can jump straight to
// the line in an editor or CI log, whatever the size of the file.
type Diagnostic struct {
	File    string // empty for specs parsed from bytes
	Line    int    // 1-based; 0 when the problem has no single position
	Column  int    // 1-based
	Path    string // field path such as slos[1].sli.ratio.total
	Message string
	Warning bool // warnings do not fail validation unless --strict is set
}

// Error renders the diagnostic as file:line:col: path: message, leaving out
// the parts that are unknown.
func (d *Diagnostic) Error() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		b.WriteString(":")
	}
	if d.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", d.Line, d.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if d.Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is an ordered list of problems found in one or more spec files.
type Diagnostics []*Diagnostic

// Sort orders diagnostics by file and position, so that output never
// depends on map iteration or on the order in which checks ran.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b *Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
		)
	})
}

// Errors returns the diagnostics that are errors, joined, or nil when there
// are none.
func (ds Diagnostics) Errors() error {
	return ds.join(func(d *Diagnostic) bool { return !d.Warning })
}

// ErrorsOrWarnings returns every diagnostic, warnings included, joined, or
// nil when there are none: what fails a strict run (--strict).
func (ds Diagnostics) ErrorsOrWarnings() error {
	return ds.join(func(*Diagnostic) bool { return true })
}

func (ds Diagnostics) join(keep func(*Diagnostic) bool) error {
	var errs []error
	for _, d := range ds {
		if keep(d) {
			errs = append(errs, d)
		}
	}
	return errors.Join(errs...)
}

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Warning {
			out = append(out, d)
		}
	}
	return out
}
