package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode"
)

// maxBody bounds request bodies: overrides and Flagger payloads are small.
const maxBody = 64 << 10

// Body decoding modes. Requests that change state are decoded strictly:
// an unknown field is a typo that would otherwise be silently dropped.
// Deploy tools' webhooks are decoded leniently: Flagger adds fields to its
// payload over time, and a gate that rejects them fails every canary.
type fieldCheck bool

const (
	strictFields  fieldCheck = true
	lenientFields fieldCheck = false
)

// decodeBody reads one JSON object of at most maxBody bytes into v, a
// pointer to a struct, and answers 400 or 413 when it cannot. In any mode
// it rejects what encoding/json would silently resolve: a key given twice
// (the last would win) and a key that differs from a field's name only in
// case (encoding/json matches it anyway). In strict mode unknown keys are
// errors too; in lenient mode they are ignored.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, check fieldCheck) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "request body over %d bytes", maxBody)
		} else {
			fail(w, http.StatusBadRequest, "request body: %v", err)
		}
		return false
	}
	if err := checkKeys(data, jsonFields(v), check); err != nil {
		fail(w, http.StatusBadRequest, "request body: %v", err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if check == strictFields {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "request body: %v", err)
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		fail(w, http.StatusBadRequest, "request body: one JSON object expected")
		return false
	}
	return true
}

// jsonFields lists the JSON names of the fields of the struct v points to.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v).Elem()
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// checkKeys walks a JSON document and rejects a key repeated in any
// object, and, among the top-level keys, one that matches a field only
// when case is ignored, or (strict) one that matches no field at all.
// Malformed JSON is left to the decoder, which says where it breaks.
func checkKeys(data []byte, fields []string, check fieldCheck) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil
	}
	keys, err := objectKeys(dec, 1)
	if err != nil {
		return err
	}
	for _, k := range keys {
		exact, folded := "", ""
		for _, f := range fields {
			switch {
			case f == k:
				exact = f
			case strings.EqualFold(f, k):
				folded = f
			}
		}
		switch {
		case exact != "":
		case folded != "":
			return fmt.Errorf("field %q: did you mean %q? (field names are case-sensitive)", k, folded)
		case check == strictFields:
			return fmt.Errorf("unknown field %q", k)
		}
	}
	return nil
}

// maxDepth bounds the nesting checkKeys follows.
const maxDepth = 32

// objectKeys reads the rest of an object whose '{' was read, checking
// every nested object for repeated keys, and returns its keys.
func objectKeys(dec *json.Decoder, depth int) ([]string, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	seen := map[string]bool{}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil // malformed: the decoder reports it
		}
		k, _ := tok.(string)
		if seen[k] {
			return nil, fmt.Errorf("field %q given twice", k)
		}
		seen[k] = true
		keys = append(keys, k)
		if err := skipValue(dec, depth); err != nil {
			return nil, err
		}
	}
	_, _ = dec.Token() // '}'
	return keys, nil
}

// skipValue reads one value, checking the objects inside it.
func skipValue(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	switch tok {
	case json.Delim('{'):
		_, err := objectKeys(dec, depth+1)
		return err
	case json.Delim('['):
		for dec.More() {
			if err := skipValue(dec, depth+1); err != nil {
				return err
			}
		}
		_, _ = dec.Token() // ']'
	}
	return nil
}

// plainText reports an error when a free-text field (an author, a reason)
// holds a control character, a format character or a line or paragraph
// separator: a newline or an escape sequence in a value that log lines and
// terminals show would let its writer forge them, and a bidi override or
// a zero-width character would show the UI's and the audit trail's
// readers another text than the one stored.
func plainText(field, v string, max int) error {
	switch {
	case len(v) > max:
		return fmt.Errorf("%s is longer than %d bytes", field, max)
	case strings.IndexFunc(v, notPlain) >= 0:
		return fmt.Errorf("%s holds a control or invisible character (a newline, a tab, an escape, a bidi override, a zero-width or line-separator character): give plain text", field)
	}
	return nil
}

// notPlain is a character that plain text does not hold.
func notPlain(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
