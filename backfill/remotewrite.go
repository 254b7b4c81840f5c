package backfill

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/slokit/slokit/internal/secret"
)

// RemoteWriter sends samples to a backend through Prometheus's remote
// write protocol (1.0): VictoriaMetrics, Mimir, Thanos Receive, or a
// Prometheus with --web.enable-remote-write-receiver and an
// out_of_order_time_window as long as the stretch backfilled.
type RemoteWriter struct {
	url     string
	redact  secret.Redactor
	headers http.Header
	client  *http.Client
}

// Bounds of a remote write: samples per request, as Prometheus sends at
// most a few thousand, and tries per request.
const (
	MaxSamplesPerRequest = 10_000
	remoteWriteTries     = 3
)

// NewRemoteWriter checks the URL; headers go on every request (a tenant,
// an Authorization the caller read from a file).
func NewRemoteWriter(raw string, headers http.Header, timeout time.Duration) (*RemoteWriter, error) {
	redact := secret.NewRedactor(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("remote write URL %s: want an http or https URL such as http://127.0.0.1:8428/api/v1/write", redact.URL())
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &RemoteWriter{url: raw, redact: redact, headers: headers.Clone(), client: &http.Client{Timeout: timeout}}, nil
}

// URL is the receiver's URL without credentials.
func (w *RemoteWriter) URL() string { return w.redact.URL() }

// send writes one request's series, retrying what a receiver may
// answer differently later (5xx, 429, a broken connection) with a
// growing pause; a 4xx is the samples' fault and final.
func (w *RemoteWriter) send(ctx context.Context, series []prompb.TimeSeries) error {
	data, err := (&prompb.WriteRequest{Timeseries: series}).Marshal()
	if err != nil {
		return err
	}
	body := snappy.Encode(nil, data)
	var last error
	for try := range remoteWriteTries {
		if try > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(try) * time.Second):
			}
		}
		retry, err := w.post(ctx, body)
		if err == nil {
			return nil
		}
		if last = err; !retry {
			break
		}
	}
	return fmt.Errorf("remote write %s: %w", w.URL(), w.redact.Error(last))
}

func (w *RemoteWriter) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	for k, vs := range w.headers {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := w.client.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode/100 == 2:
		return false, nil
	case resp.StatusCode/100 == 5 || resp.StatusCode == http.StatusTooManyRequests:
		return true, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return false, fmt.Errorf("%s: %s (a Prometheus takes samples this old only with an out_of_order_time_window as long as the stretch)", resp.Status, bytes.TrimSpace(msg))
}
