package serve

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipMinBytes is the least body worth compressing: below it, a gate
// check's answer (about 2 KB) costs more CPU to compress, thousands of
// times a second, than the bytes it would save; the overview of 1,000
// SLOs (830 KB) and the UI's pages are well above it.
const gzipMinBytes = 4 << 10

// conditional answers a GET with an ETag, and with 304 and no body when
// the client holds that answer already (If-None-Match), so that a
// browser fetches the overview again only when it changed. A body of
// gzipMinBytes or more goes gzip-compressed to a client that accepts it,
// compressed once per ETag. Answers are buffered whole: every answer it
// serves is bounded (the overview of 1,000 SLOs is the largest).
//
// The ETag is a weak ETag of the state the answer is made of (see
// Server.stateKey; for the UI's files, ui.Digest) and the request's URI,
// known before the handler runs:
// a client that holds it gets its 304 without the answer being made, and
// the figures that move with the clock alone (dataAgeSeconds) are those
// of the answer it holds, as a weak ETag allows.
func conditional(h http.Handler, stateKey func() string) http.Handler {
	cache := &gzipCache{entries: map[string][]byte{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		header := w.Header()
		header.Add("Vary", "Accept-Encoding")
		sum := sha256.Sum256([]byte(stateKey() + "\x00" + r.URL.RequestURI()))
		etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
		if matches(r.Header.Get("If-None-Match"), etag) {
			notModified(w, etag)
			return
		}
		buf := &bufferedAnswer{header: header, status: http.StatusOK}
		h.ServeHTTP(buf, r)
		if buf.status != http.StatusOK || header.Get("Content-Encoding") != "" {
			buf.send(w, buf.body.Bytes())
			return
		}
		header.Set("ETag", etag)
		if buf.body.Len() < gzipMinBytes || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			buf.send(w, buf.body.Bytes())
			return
		}
		header.Set("Content-Encoding", "gzip")
		header.Del("Content-Length")
		buf.send(w, cache.compressed(etag, buf.body.Bytes()))
	})
}

// notModified answers 304 with the ETag the client holds, and none of the
// headers that describe a body (a handler may have set them).
func notModified(w http.ResponseWriter, etag string) {
	header := w.Header()
	header.Set("ETag", etag)
	header.Del("Content-Length")
	header.Del("Content-Type")
	w.WriteHeader(http.StatusNotModified)
}

// bufferedAnswer holds an answer until it is whole, writing its headers
// into the real answer's (which nothing sends before send).
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedAnswer) Header() http.Header         { return b.header }
func (b *bufferedAnswer) WriteHeader(status int)      { b.status = status }
func (b *bufferedAnswer) Write(p []byte) (int, error) { return b.body.Write(p) }

func (b *bufferedAnswer) send(w http.ResponseWriter, body []byte) {
	w.WriteHeader(b.status)
	_, _ = w.Write(body)
}

// matches reports whether an If-None-Match header names etag (or is *),
// weakly: W/ prefixes aside, as RFC 9110 compares for If-None-Match.
func matches(ifNoneMatch, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == etag || candidate == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip with a
// quality above 0.
func acceptsGzip(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, given := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		weight, err := strconv.ParseFloat(q, 64)
		return !given || err != nil || weight > 0
	}
	return false
}

// gzipCache keeps the compressed bodies of the last answers by their
// ETag: the overview is the same bytes for every browser until the next
// refresh, and is compressed once. At most gzipCacheEntries, forgotten
// all at once when full.
type gzipCache struct {
	mu      sync.Mutex
	entries map[string][]byte
}

const gzipCacheEntries = 32

func (c *gzipCache) compressed(etag string, body []byte) []byte {
	c.mu.Lock()
	cached, ok := c.entries[etag]
	c.mu.Unlock()
	if ok {
		return cached
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	_, _ = zw.Write(body)
	_ = zw.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= gzipCacheEntries {
		clear(c.entries)
	}
	c.entries[etag] = out.Bytes()
	return out.Bytes()
}
