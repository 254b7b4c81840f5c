package serve_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"time"
)

// get fetches path as a browser would, with the given request headers and
// no transparent decompression, and returns the answer and its raw body.
func (f *testServer) get(t *testing.T, path string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// The reads of the state the UI polls, and the UI's files, carry an ETag;
// asked again with it, the server answers 304 with no body; large ones
// come gzip-compressed to a client that asks, the same bytes once
// decompressed. A gate check is a decision, never a 304.
func TestAnswersAreConditionalAndCompressed(t *testing.T) {
	f := newServer(t, 2*time.Hour, false)
	f.refresh(t)
	for _, path := range []string{"/api/v1/slos", "/api/v1/gate", "/", "/ui/app.js"} {
		plain, body := f.get(t, path, nil)
		etag := plain.Header.Get("ETag")
		if plain.StatusCode != 200 || len(etag) < 10 || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: %d, ETag %q, Content-Encoding %q", path, plain.StatusCode, etag, plain.Header.Get("Content-Encoding"))
		}
		again, _ := f.get(t, path, nil)
		if again.Header.Get("ETag") != etag {
			t.Errorf("%s: the same answer got another ETag: %q, %q", path, etag, again.Header.Get("ETag"))
		}
		held, heldBody := f.get(t, path, map[string]string{"If-None-Match": etag})
		if held.StatusCode != http.StatusNotModified || len(heldBody) != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes; want 304 and none", path, held.StatusCode, len(heldBody))
		}
		if stale, _ := f.get(t, path, map[string]string{"If-None-Match": `"other"`}); stale.StatusCode != 200 {
			t.Errorf("%s with another ETag: %d, want 200", path, stale.StatusCode)
		}
		zipped, zbody := f.get(t, path, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		wantGzip := len(body) >= 4<<10
		if got := zipped.Header.Get("Content-Encoding") == "gzip"; got != wantGzip {
			t.Errorf("%s (%d bytes): gzip %v, want %v", path, len(body), got, wantGzip)
		}
		if wantGzip {
			zr, err := gzip.NewReader(bytes.NewReader(zbody))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, body) {
				t.Errorf("%s: the gzip answer is not the plain one (%v)", path, err)
			}
			if refused, _ := f.get(t, path, map[string]string{"Accept-Encoding": "gzip;q=0"}); refused.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: compressed for a client that refuses gzip", path)
			}
		}
	}
	if check, _ := f.get(t, "/api/v1/gate/order-api", nil); check.Header.Get("ETag") != "" {
		t.Errorf("a gate check carries an ETag: a client could skip the decision")
	}
	// The UI's script is large enough to compress.
	if _, body := f.get(t, "/ui/app.js", nil); len(body) < 4<<10 {
		t.Errorf("app.js is %d bytes: the test no longer covers compression", len(body))
	}

	// A new refresh, or an override, is a new state: the old ETag gets 200.
	old, _ := f.get(t, "/api/v1/gate", nil)
	if code, _ := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"order-api","reason":"fix","author":"a","duration":"1h"}`); code != 201 {
		t.Fatalf("override: %d", code)
	}
	if again, _ := f.get(t, "/api/v1/gate", map[string]string{"If-None-Match": old.Header.Get("ETag")}); again.StatusCode != 200 {
		t.Errorf("the gate overview after an override: %d, want 200", again.StatusCode)
	}
	slos, _ := f.get(t, "/api/v1/slos", nil)
	*f.clock = f.clock.Add(time.Minute)
	f.refresh(t)
	if again, _ := f.get(t, "/api/v1/slos", map[string]string{"If-None-Match": slos.Header.Get("ETag")}); again.StatusCode != 200 {
		t.Errorf("the state after a refresh: %d, want 200", again.StatusCode)
	}
}
