package backfill

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// A receiver that fails once with a 503 gets the request again, snappy
// protobuf with the protocol's headers and the tenant header; a 400 is
// final, and the error names the receiver without its password.
func TestRemoteWriteRetriesWhatAReceiverMayTakeLater(t *testing.T) {
	var got []prompb.WriteRequest
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.Header.Get("Content-Encoding") != "snappy" || r.Header.Get("X-Prometheus-Remote-Write-Version") != "0.1.0" || r.Header.Get("X-Scope-OrgID") != "team-a" {
			t.Errorf("headers %v", r.Header)
		}
		body, _ := io.ReadAll(r.Body)
		data, err := snappy.Decode(nil, body)
		var req prompb.WriteRequest
		if err == nil {
			err = req.Unmarshal(data)
		}
		if err != nil {
			t.Error(err)
		}
		switch {
		case calls == 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case len(req.Timeseries) > 0 && req.Timeseries[0].Samples[0].Value < 0:
			http.Error(w, "out of bounds", http.StatusBadRequest)
		default:
			got = append(got, req)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	w, err := NewRemoteWriter(strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)+"/api/v1/write", http.Header{"X-Scope-Orgid": {"team-a"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	series := []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "__name__", Value: "x"}}, Samples: []prompb.Sample{{Timestamp: 1000, Value: 1}}}}
	if err := w.send(context.Background(), series); err != nil || calls != 2 || len(got) != 1 || got[0].Timeseries[0].Samples[0].Value != 1 {
		t.Fatalf("send: %v after %d calls, got %+v", err, calls, got)
	}
	series[0].Samples[0].Value = -1
	err = w.send(context.Background(), series)
	if err == nil || calls != 3 || !strings.Contains(err.Error(), "400 Bad Request: out of bounds") || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "out_of_order_time_window") {
		t.Errorf("a 400: %v after %d calls", err, calls)
	}
}
