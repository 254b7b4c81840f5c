package budget

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
)

// Post sends body to path under the backend's URL with the headers
// given and the querier's credentials, retrying as queries are (a 4xx
// other than 429 is final), and returns the answer of at most maxBytes.
// Errors name the backend, credentials redacted. Remote read
// (history.RemoteReader) posts through it.
func (q *HTTPQuerier) Post(ctx context.Context, path string, body []byte, header http.Header, maxBytes int64) ([]byte, error) {
	var answer []byte
	err := q.retry(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.client.URL(path, nil).String(), bytes.NewReader(body))
		if err != nil {
			return err
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		resp, raw, err := q.client.Do(ctx, req)
		switch {
		case err != nil:
			return err
		case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests:
			return permanentError{fmt.Errorf("%s: %s", resp.Status, excerpt(raw))}
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("%s: %s", resp.Status, excerpt(raw))
		case int64(len(raw)) > maxBytes:
			return permanentError{fmt.Errorf("an answer of %d bytes, over %d", len(raw), maxBytes)}
		}
		answer = raw
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backend %s: POST %s: %w", q.URL(), path, q.redact.Error(err))
	}
	return answer, nil
}

func excerpt(b []byte) []byte { return bytes.TrimSpace(b[:min(len(b), 300)]) }
