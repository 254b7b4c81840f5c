package strictyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/diag"
)

// MaxDocuments bounds the YAML documents of one file: a service's specs
// take a few, a platform's exported SLOs some hundreds; tens of thousands
// are a mistake, and each costs memory (about 20 KB with its service).
const MaxDocuments = 5000

// ReadDocuments calls each for every YAML document in data, in order, one
// at a time, and returns the problems of reading them: syntax errors (with
// their line), an input with no document at all, more than MaxDocuments
// documents, and a panic of the YAML library, which has happened on
// hostile input before and must not take a process down.
func ReadDocuments(data []byte, each func(root *yaml.Node)) (diags diag.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			diags = append(diags, &diag.Diagnostic{Message: fmt.Sprintf("cannot read YAML: %v", r)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs := 0
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			diags = append(diags, syntaxError(err))
			break
		}
		docs++
		if docs > MaxDocuments {
			line := root.Line
			if len(root.Content) > 0 {
				line = root.Content[0].Line
			}
			diags = append(diags, &diag.Diagnostic{Line: line, Column: 1,
				Message: fmt.Sprintf("more than %d YAML documents in one file, the most slokit reads: split the file (the documents before this one were read)", MaxDocuments)})
			break
		}
		if len(root.Content) > 0 {
			each(&root)
		}
	}
	if docs == 0 && len(diags) == 0 {
		diags = append(diags, &diag.Diagnostic{Message: "nothing found: the file holds no YAML document"})
	}
	return diags
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 syntax error into a positioned diagnostic.
func syntaxError(err error) *diag.Diagnostic {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &diag.Diagnostic{Line: line, Column: 1, Message: "invalid YAML: " + m[2]}
	}
	return &diag.Diagnostic{Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// MappingValue is the value of key in mapping m, or nil (also when m is
// no mapping): for code that reads or rewrites YAML trees as they are.
func MappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
