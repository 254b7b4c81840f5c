package history

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/budget"
)

// RemoteReader reads raw samples through a backend's remote read
// endpoint (/api/v1/read, protobuf over snappy): Prometheus, Thanos and
// Mimir serve it, and it costs them less than a range selector's JSON.
type RemoteReader struct{ Backend *budget.HTTPQuerier }

// maxRemoteReadBytes bounds one answer (snappy-compressed): an hour of
// thousands of series.
const maxRemoteReadBytes = 256 << 20

var remoteReadHeader = http.Header{
	"Content-Encoding":                 {"snappy"},
	"Content-Type":                     {"application/x-protobuf"},
	"X-Prometheus-Remote-Read-Version": {"0.1.0"},
}

// RawSamples reads the samples of the series selector matches in
// (end-rng, end].
func (r RemoteReader) RawSamples(ctx context.Context, selector string, end time.Time, rng time.Duration) (model.Matrix, error) {
	fail := func(err error) (model.Matrix, error) {
		return nil, fmt.Errorf("remote read %s: %w", selector, err)
	}
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(selector)
	if err != nil {
		return fail(err)
	}
	query := prompb.Query{StartTimestampMs: end.Add(-rng).UnixMilli() + 1, EndTimestampMs: end.UnixMilli()}
	for _, m := range ms {
		query.Matchers = append(query.Matchers, &prompb.LabelMatcher{Type: matchType[m.Type], Name: m.Name, Value: m.Value})
	}
	data, err := (&prompb.ReadRequest{Queries: []*prompb.Query{&query}, AcceptedResponseTypes: []prompb.ReadRequest_ResponseType{prompb.ReadRequest_SAMPLES}}).Marshal()
	if err != nil {
		return fail(err)
	}
	body, err := r.Backend.Post(ctx, "/api/v1/read", snappy.Encode(nil, data), remoteReadHeader, maxRemoteReadBytes)
	if err != nil {
		return fail(fmt.Errorf("%w (does the backend serve remote read?)", err))
	}
	decoded, err := snappy.Decode(nil, body)
	var resp prompb.ReadResponse
	if err == nil {
		err = resp.Unmarshal(decoded)
	}
	if err == nil && len(resp.Results) != 1 {
		err = fmt.Errorf("%d results for one query", len(resp.Results))
	}
	if err != nil {
		return fail(fmt.Errorf("backend %s: an answer that is not remote read's: %w", r.Backend.URL(), err))
	}
	var out model.Matrix
	for _, ts := range resp.Results[0].Timeseries {
		s := &model.SampleStream{Metric: model.Metric{}}
		for _, l := range ts.Labels {
			s.Metric[model.LabelName(l.Name)] = model.LabelValue(l.Value)
		}
		for _, p := range ts.Samples {
			s.Values = append(s.Values, model.SamplePair{Timestamp: model.Time(p.Timestamp), Value: model.SampleValue(p.Value)})
		}
		out = append(out, s)
	}
	return out, nil
}

var matchType = map[labels.MatchType]prompb.LabelMatcher_Type{
	labels.MatchEqual:     prompb.LabelMatcher_EQ,
	labels.MatchNotEqual:  prompb.LabelMatcher_NEQ,
	labels.MatchRegexp:    prompb.LabelMatcher_RE,
	labels.MatchNotRegexp: prompb.LabelMatcher_NRE,
}
