package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Flags are written --name in help and errors (Go's flag package takes
// one dash or two); a one-letter flag is -o.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// newFlagSet is a command's flags. Its usage is the whole help (the
// synopsis and every flag), printed for --help; a mistyped flag gets a
// short answer instead (parseInterspersed).
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: slokit %s\n\nFlags:\n", synopsis)
		printFlags(stderr, fs)
	}
	return fs
}

// usageLine is a command's first usage line, for a short error.
func usageLine(command string) string {
	for _, c := range commands() {
		if c.name == command {
			line, _, _ := strings.Cut(c.synopsis, "\n")
			return "Usage: slokit " + line
		}
	}
	return "Usage: slokit " + command
}

// printFlags is flag.PrintDefaults with --name for every flag of more
// than one letter.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  " + flagName(f.Name)
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			if kind == "string" {
				fmt.Fprintf(w, " (default %q)", f.DefValue)
			} else {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
		}
		fmt.Fprintln(w)
	})
}

// parseInterspersed parses flags wherever they stand among the paths, so
// both 'generate specs/ -o out' and 'generate -o out specs/' work. --help
// prints the whole help; a flag error prints one line saying what is
// wrong (with the flag meant, for a mistyped one) and the usage line.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			command := strings.Fields(fs.Name())[0]
			fmt.Fprintf(out, "slokit %s: %s\n%s\n(slokit help %s lists every flag)\n", fs.Name(), flagError(fs, err), usageLine(command), command)
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

var (
	undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	namedFlag     = regexp.MustCompile(`(flag|for flag) -([A-Za-z0-9-]+)`)
)

// flagError rewords the flag package's error with --names, and suggests
// the flag meant for an unknown one.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := undefinedFlag.FindStringSubmatch(msg); m != nil {
		name, _, _ := strings.Cut(m[1], "=")
		out := "unknown flag " + flagName(name)
		if near := nearestFlag(fs, name); near != "" {
			out += ": did you mean " + flagName(near) + "?"
		}
		return out
	}
	return namedFlag.ReplaceAllStringFunc(msg, func(s string) string {
		m := namedFlag.FindStringSubmatch(s)
		return m[1] + " " + flagName(m[2])
	})
}

// nearestFlag is the defined flag closest to name, within an edit
// distance of a third of its length (at least 2): fromat is format, but
// xyz is nothing.
func nearestFlag(fs *flag.FlagSet, name string) string {
	best, bestDist := "", max(2, len(name)/3)+1
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment): a swap of two letters, as in fromat, costs one.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
