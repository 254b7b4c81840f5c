package budget

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/internal/secret"
)

// HTTPOptions configure a Prometheus-compatible HTTP API backend:
// Prometheus, Thanos Query, Mimir, or VictoriaMetrics' /prometheus path.
type HTTPOptions struct {
	URL string
	// Timeout bounds each query attempt; default 10s.
	Timeout time.Duration
	// Retries is how many times a failed query is retried, with doubling
	// pauses from 200ms, on errors that may pass (network, 5xx, 429,
	// timeouts); 0 retries none (slokit serve's flag defaults to 2). Bad
	// queries are not retried.
	Retries int
	// Credentials: a bearer token or a user and password, each read from a
	// file or an environment variable (never from the command line, where
	// every process listing shows it, and never logged).
	BearerTokenFile, BearerTokenEnv string
	BasicUser                       string
	BasicPasswordFile, BasicPassEnv string
	// Headers are sent with every query, such as X-Scope-OrgID, the
	// tenant of Mimir, Cortex and Loki. Their values are treated as
	// secrets: never logged, scrubbed from errors. Authorization is set
	// by the credentials above, not here.
	Headers http.Header
}

// HTTPQuerier queries a Prometheus-compatible HTTP API.
type HTTPQuerier struct {
	api    v1.API
	client api.Client // for Post, with the same credentials
	// redact shows the URL and errors without the credentials that the
	// URL may carry (a password, an API key in the query), so that no
	// error, log line or answer of the service reveals them.
	redact secret.Redactor
	opts   HTTPOptions
}

// CheckBounds reports a Timeout or Retries out of its range, naming the
// flag that sets it; zero stands for the default. NewHTTPQuerier checks
// them, and slokit serve before anything starts.
func (o HTTPOptions) CheckBounds() error {
	return errors.Join(
		bounds.Duration("--backend-timeout", o.Timeout, 100*time.Millisecond, 10*time.Minute),
		bounds.Number("--backend-retries", o.Retries, 0, 10),
	)
}

// NewHTTPQuerier checks the options and reads the credentials.
func NewHTTPQuerier(o HTTPOptions) (*HTTPQuerier, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("backend URL %s: want an http or https URL such as http://127.0.0.1:9090", secret.NewRedactor(o.URL).URL())
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries < 0 {
		return nil, fmt.Errorf("backend retries must be 0 (none) or more, got %d", o.Retries)
	}
	if err := o.CheckBounds(); err != nil {
		return nil, err
	}
	for name := range o.Headers {
		if http.CanonicalHeaderKey(name) == "Authorization" {
			return nil, errors.New("backend: give the Authorization header as a bearer token or basic auth, read from a file or the environment, not as a header")
		}
	}
	headers := o.Headers.Clone()
	if headers == nil {
		headers = http.Header{}
	}
	token, err := secret.Read("bearer token", o.BearerTokenFile, o.BearerTokenEnv)
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	password, err := secret.Read("basic auth password", o.BasicPasswordFile, o.BasicPassEnv)
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	switch {
	case token != "" && o.BasicUser != "":
		return nil, errors.New("backend: give a bearer token or basic auth, not both")
	case token != "":
		headers.Set("Authorization", "Bearer "+token)
	case o.BasicUser != "":
		req := &http.Request{Header: headers}
		req.SetBasicAuth(o.BasicUser, password)
	}
	rt := http.RoundTripper(api.DefaultRoundTripper)
	if len(headers) > 0 {
		rt = headerRoundTripper{next: rt, headers: headers}
	}
	secrets := []string{token, password}
	for _, vs := range o.Headers {
		secrets = append(secrets, vs...)
	}
	redact := secret.NewRedactor(o.URL, secrets...)
	client, err := api.NewClient(api.Config{Address: o.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("backend %s: %w", redact.URL(), redact.Error(err))
	}
	return &HTTPQuerier{api: v1.NewAPI(client), client: client, redact: redact, opts: o}, nil
}

// headerRoundTripper sends the credentials and the user's headers with
// every request.
type headerRoundTripper struct {
	next    http.RoundTripper
	headers http.Header
}

func (rt headerRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for name, values := range rt.headers {
		r.Header[name] = values
	}
	return rt.next.RoundTrip(r)
}

// Query runs an instant query, retrying errors that may pass, and names the
// backend and the query in its error.
func (q *HTTPQuerier) Query(ctx context.Context, query string, ts time.Time) (model.Vector, error) {
	val, err := q.instant(ctx, query, ts)
	if err != nil {
		return nil, err
	}
	v, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("backend %s: query %s: want a vector, got %s", q.URL(), query, val.Type())
	}
	return v, nil
}

// instant runs an instant query, retrying errors that may pass.
func (q *HTTPQuerier) instant(ctx context.Context, query string, ts time.Time) (model.Value, error) {
	var val model.Value
	err := q.retry(ctx, func(actx context.Context) error {
		v, _, _, err := q.api.Query(actx, query, ts, v1.WithTimeout(q.opts.Timeout))
		val = v
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("backend %s: query %s: %w", q.URL(), query, q.redact.Error(err))
	}
	return val, nil
}

// retry calls try, each call bounded by the timeout, until it succeeds,
// fails in a way asking again cannot mend, or the retries are spent,
// pausing 200ms and twice as long each time.
func (q *HTTPQuerier) retry(ctx context.Context, try func(context.Context) error) error {
	pause := 200 * time.Millisecond
	var lastErr error
	for attempt := 0; attempt <= q.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (after %v)", ctx.Err(), lastErr)
			case <-time.After(pause):
			}
			pause *= 2
		}
		actx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
		err := try(actx)
		cancel()
		if err == nil {
			return nil
		}
		lastErr = err
		if !retryable(err) {
			break
		}
	}
	return lastErr
}

// QueryRange runs a range query, once (a page asks again), and names the
// backend and the query in its error.
func (q *HTTPQuerier) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	actx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	val, _, _, err := q.api.QueryRange(actx, query, v1.Range{Start: start, End: end, Step: step}, v1.WithTimeout(q.opts.Timeout))
	if err != nil {
		return nil, fmt.Errorf("backend %s: query %s: %w", q.URL(), query, q.redact.Error(err))
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("backend %s: query %s: want a matrix, got %s", q.URL(), query, val.Type())
	}
	return m, nil
}

// RawSamples reads the samples of the series selector matches in
// (end-rng, end] as stored, not as a range query evaluates them: a range
// selector asked at an instant, retried as Query is. Errors name the
// backend, as Query's do.
func (q *HTTPQuerier) RawSamples(ctx context.Context, selector string, end time.Time, rng time.Duration) (model.Matrix, error) {
	query := fmt.Sprintf("%s[%s]", selector, model.Duration(rng))
	val, err := q.instant(ctx, query, end)
	if err != nil {
		return nil, err
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("backend %s: query %s: want a matrix, got %s", q.URL(), query, val.Type())
	}
	return m, nil
}

// URL names the backend without the credentials its URL may carry.
func (q *HTTPQuerier) URL() string { return q.redact.URL() }

// permanentError is a failure asking again cannot mend: a 4xx answer.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// retryable reports whether a failed query may succeed if asked again.
func retryable(err error) bool {
	if errors.As(err, new(permanentError)) {
		return false
	}
	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		switch apiErr.Type {
		case v1.ErrBadData, v1.ErrBadResponse, v1.ErrCanceled:
			return false
		case v1.ErrClient:
			return strings.Contains(apiErr.Msg, "429")
		}
	}
	return !errors.Is(err, context.Canceled)
}
