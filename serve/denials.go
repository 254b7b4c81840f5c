package serve

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slokit/slokit/serve/api"
)

// denialLog logs the gate's denies at info level, so that an operator
// sees in the log when and why deploys were held back. A pipeline
// retrying a denied deploy asks again and again: each service gets one
// line for its first deny, then at most one a minute, counting those in
// between. Who asked is not logged (the audit trail keeps it).
type denialLog struct {
	mu   sync.Mutex
	last map[string]denial
}

type denial struct {
	at      time.Time
	skipped int
}

const denialLogEvery = time.Minute

func (l *denialLog) log(log *slog.Logger, resp api.GateResponse, now time.Time) {
	l.mu.Lock()
	if l.last == nil {
		l.last = map[string]denial{}
	}
	prev, seen := l.last[resp.Service]
	if seen && now.Sub(prev.at) < denialLogEvery {
		prev.skipped++
		l.last[resp.Service] = prev
		l.mu.Unlock()
		return
	}
	l.last[resp.Service] = denial{at: now}
	l.mu.Unlock()
	var rules []string
	for _, r := range resp.Reasons {
		rules = append(rules, r.Rule)
	}
	log.Info("deploy denied", "service", resp.Service, "change", resp.Change, "rules", strings.Join(slices.Compact(rules), ","),
		"reason", firstReason(resp), "more_denies_since_last_line", prev.skipped)
}

func firstReason(resp api.GateResponse) string {
	if len(resp.Reasons) == 0 {
		return ""
	}
	return resp.Reasons[0].Message
}
