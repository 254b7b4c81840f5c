package slo

import "bytes"

// ImportBytes translates the documents of data into native documents, as
// Import does for files, for the fuzzers.
func ImportBytes(data []byte) ([]Imported, Diagnostics) {
	reg := newOpenSLORegistry()
	reg.add("", data)
	var out []Imported
	diags := parse(data, "", reg, func(nd nativeDocument, svc *Service) {
		out = append(out, Imported{Service: svc.Name, Format: nd.Format, Node: nd.Root})
	})
	return out, diags
}

// Native renders an imported document as WriteNative does.
func Native(im Imported) ([]byte, error) {
	var buf bytes.Buffer
	err := WriteNative(&buf, im)
	return buf.Bytes(), err
}
