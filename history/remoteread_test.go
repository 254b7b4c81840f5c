package history_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/history"
)

// Remote read asks for the selector's matchers over (end-rng, end] and
// turns the samples answered into a matrix; a backend without the
// endpoint (404) is asked once, and the error says what to check.
func TestRemoteReadAsksForTheStretchAndSaysWhenTheBackendHasNone(t *testing.T) {
	end := time.Unix(7200, 0)
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/api/v1/read" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		data, err := snappy.Decode(nil, body)
		var req prompb.ReadRequest
		if err == nil {
			err = req.Unmarshal(data)
		}
		if err != nil || len(req.Queries) != 1 {
			t.Fatalf("request: %v %+v", err, req)
		}
		q := req.Queries[0]
		if q.StartTimestampMs != 3600_001 || q.EndTimestampMs != 7200_000 || len(q.Matchers) != 3 || q.Matchers[0].Type != prompb.LabelMatcher_RE || q.Matchers[0].Value != "5.." {
			t.Errorf("query %+v", q)
		}
		resp := prompb.ReadResponse{Results: []*prompb.QueryResult{{Timeseries: []*prompb.TimeSeries{{
			Labels:  []prompb.Label{{Name: "__name__", Value: "http_requests_total"}, {Name: "code", Value: "500"}},
			Samples: []prompb.Sample{{Timestamp: 3615_000, Value: 1}, {Timestamp: 3630_000, Value: 3}},
		}}}}}
		out, _ := resp.Marshal()
		w.Header().Set("Content-Encoding", "snappy")
		w.Write(snappy.Encode(nil, out))
	}))
	defer srv.Close()
	q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: srv.URL, Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	m, err := history.RemoteReader{Backend: q}.RawSamples(context.Background(), `http_requests_total{code=~"5..",job="api"}`, end, time.Hour)
	if err != nil || len(m) != 1 || len(m[0].Values) != 2 || m[0].Values[1].Value != 3 || m[0].Metric["code"] != "500" {
		t.Fatalf("%v %v", m, err)
	}
	q, err = budget.NewHTTPQuerier(budget.HTTPOptions{URL: srv.URL + "/elsewhere", Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	calls = 0
	_, err = history.RemoteReader{Backend: q}.RawSamples(context.Background(), `up`, end, time.Hour)
	if err == nil || calls != 1 || !strings.Contains(err.Error(), "404 Not Found") || !strings.Contains(err.Error(), "does the backend serve remote read?") || !strings.Contains(err.Error(), "remote read up") {
		t.Errorf("%v after %d calls", err, calls)
	}
}
