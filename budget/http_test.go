package budget_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/series"
)

const vector = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"service":"order-api","slo":"a"},"value":[1700000000,"0.25"]}]}}`

func TestHTTPQuerier(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLOKIT_TEST_PASSWORD", "pa55")
	for _, tc := range []struct {
		name    string
		opts    budget.HTTPOptions
		handler func(calls int32, w http.ResponseWriter, r *http.Request)
		calls   int32  // requests the server must see
		err     string // substring of the error, or "" for success
	}{
		{"success", budget.HTTPOptions{}, func(_ int32, w http.ResponseWriter, _ *http.Request) { w.Write([]byte(vector)) }, 1, ""},
		{"bearer token from a file", budget.HTTPOptions{BearerTokenFile: tokenFile}, func(_ int32, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer s3cret" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(vector))
		}, 1, ""},
		{"basic auth from the environment", budget.HTTPOptions{BasicUser: "slokit", BasicPassEnv: "SLOKIT_TEST_PASSWORD"}, func(_ int32, w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "slokit" || p != "pa55" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(vector))
		}, 1, ""},
		{"tenant header with a bearer token", budget.HTTPOptions{BearerTokenFile: tokenFile, Headers: http.Header{"X-Scope-Orgid": {"team-checkout"}}}, func(_ int32, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Scope-OrgID") != "team-checkout" || r.Header.Get("Authorization") != "Bearer s3cret" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(vector))
		}, 1, ""},
		{"retries 0 means no retry", budget.HTTPOptions{}, func(_ int32, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 1, "503"},
		{"a 503 is retried", budget.HTTPOptions{Retries: 2}, func(calls int32, w http.ResponseWriter, _ *http.Request) {
			if calls < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(vector))
		}, 3, ""},
		{"persistent failure names the backend and the query", budget.HTTPOptions{Retries: 1}, func(_ int32, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		}, 2, "query " + series.BudgetRemaining},
		{"a bad query is not retried", budget.HTTPOptions{}, func(_ int32, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
		}, 1, "parse error"},
		{"a slow backend times out", budget.HTTPOptions{Timeout: 100 * time.Millisecond, Retries: 1}, func(_ int32, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(500 * time.Millisecond):
			}
		}, 2, "context deadline exceeded"},
		{"unauthorized", budget.HTTPOptions{}, func(_ int32, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }, 1, "401"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.handler(calls.Add(1), w, r)
			}))
			defer srv.Close()
			tc.opts.URL = srv.URL
			q, err := budget.NewHTTPQuerier(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			v, err := q.Query(context.Background(), series.BudgetRemaining, time.Now())
			switch {
			case tc.err == "" && (err != nil || len(v) != 1 || v[0].Value != 0.25):
				t.Errorf("got %v, %v", v, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), srv.URL)):
				t.Errorf("got error %v, want one naming %s and containing %q", err, srv.URL, tc.err)
			}
			if calls.Load() != tc.calls {
				t.Errorf("the backend saw %d requests, want %d", calls.Load(), tc.calls)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Error("an error shows the token")
			}
		})
	}
}

func TestHTTPQuerierChecksItsOptions(t *testing.T) {
	for _, tc := range []struct {
		opts budget.HTTPOptions
		err  string
	}{
		{budget.HTTPOptions{URL: "localhost:9090"}, "want an http or https URL"},
		{budget.HTTPOptions{URL: "http://127.0.0.1:9090", BearerTokenFile: "/nonexistent/token"}, "read the bearer token"},
		{budget.HTTPOptions{URL: "http://127.0.0.1:9090", BearerTokenEnv: "SLOKIT_UNSET_VARIABLE"}, "SLOKIT_UNSET_VARIABLE is empty or unset"},
		{budget.HTTPOptions{URL: "http://127.0.0.1:9090", BearerTokenEnv: "HOME", BasicUser: "x"}, "not both"},
		{budget.HTTPOptions{URL: "http://127.0.0.1:9090", Retries: -1}, "0 (none) or more"},
	} {
		if _, err := budget.NewHTTPQuerier(tc.opts); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%+v: got %v, want %q", tc.opts, err, tc.err)
		}
	}
}

// Credentials in the backend URL (a password, an API key in the query)
// are used, and no error shows them: errors reach logs and the service's
// unauthenticated 503 answers.
// Authorization comes from a file or the environment, never from a
// header flag, where every process listing would show it.
func TestAuthorizationIsNotAHeader(t *testing.T) {
	_, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: "http://127.0.0.1:9", Headers: http.Header{"authorization": {"Bearer x"}}})
	if err == nil || !strings.Contains(err.Error(), "not as a header") {
		t.Errorf("got %v", err)
	}
}

func TestHTTPQuerierErrorsHideCredentials(t *testing.T) {
	var sawAuth atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		sawAuth.Store(u == "admin" && p == "pw-h1dden" && r.URL.Query().Get("apikey") == "k3y-h1dden")
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, base := range []string{srv.URL, closed.URL} {
		raw := strings.Replace(base, "http://", "http://admin:pw-h1dden@", 1) + "/prom?apikey=k3y-h1dden"
		q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: raw})
		if err != nil {
			t.Fatal(err)
		}
		_, err = q.Query(context.Background(), "up", time.Now())
		if err == nil {
			t.Fatal("want an error")
		}
		for _, secret := range []string{"pw-h1dden", "k3y-h1dden", "apikey"} {
			if strings.Contains(err.Error(), secret) || strings.Contains(q.URL(), secret) {
				t.Errorf("%q shows up in %v (backend %s)", secret, err, q.URL())
			}
		}
		if want := strings.Replace(base, "http://", "http://admin:xxxxx@", 1) + "/prom"; q.URL() != want || !strings.Contains(err.Error(), want) {
			t.Errorf("backend named %s in %v, want %s", q.URL(), err, want)
		}
	}
	if !sawAuth.Load() {
		t.Error("the URL's credentials were not sent")
	}
}
