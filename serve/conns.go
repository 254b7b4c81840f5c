package serve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxConnections bounds the connections the service holds at once.
const DefaultMaxConnections = 512

// connLimit caps the connections the HTTP server holds. At the cap, a new
// connection takes the place of one that holds a slot without a request
// to serve: the connection idle the longest (a keep-alive waiting for a
// next request that may never come), or else the one that has been
// sending its request the longest (a slowloris: a head or a body that
// never ends). Only when every connection is serving a request it has
// read whole is a new one refused, with a 503 that says why. So clients
// that open connections and leave them idle or unfinished cannot lock
// pipelines out of the gate, which with --fail-open would mean allowing
// everything: a real check sends its request at once, and is served.
//
// One client address may hold at most an eighth of the cap (4 at least)
// in unfinished requests: past that, its own longest-unfinished connection
// makes room. A client that opens connections as fast as it can then
// churns its own, never other clients' requests in the moment between
// their connection and their head.
type connLimit struct {
	net.Listener
	max, maxUnfinishedPerClient int

	mu      sync.Mutex
	conns   map[net.Conn]*connInfo
	evicted map[connPhase]int
	refused int
}

// connPhase is where a connection stands: only serving holds its slot at
// the cap.
type connPhase int

const (
	// reading: accepted, or the first byte of a next request read, and
	// the request not yet read whole.
	reading connPhase = iota
	// serving: the request read whole, the handler at work.
	serving
	// idle: a keep-alive connection between requests.
	idle
)

type connInfo struct {
	client string // the remote address without its port
	phase  connPhase
	since  time.Time
}

func limitConnections(l net.Listener, limit int) *connLimit {
	return &connLimit{Listener: l, max: limit, maxUnfinishedPerClient: max(4, limit/8),
		conns: map[net.Conn]*connInfo{}, evicted: map[connPhase]int{}}
}

// Accept returns the next connection, making room for it at the cap.
func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client := hostOf(c.RemoteAddr())
		l.mu.Lock()
		var victim net.Conn
		if l.unfinished(client) >= l.maxUnfinishedPerClient {
			victim = l.longest(reading, client)
		} else if len(l.conns) >= l.max {
			if victim = l.longest(idle, ""); victim == nil {
				victim = l.longest(reading, "")
			}
			if victim == nil {
				l.refused++
				l.mu.Unlock()
				go refuse(c, l.max)
				continue
			}
		}
		if victim != nil {
			l.evicted[l.conns[victim].phase]++
			delete(l.conns, victim)
			victim.Close()
		}
		l.conns[c] = &connInfo{client: client, phase: reading, since: time.Now()}
		l.mu.Unlock()
		return c, nil
	}
}

// hostOf is an address without its port.
func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// unfinished counts the client's connections reading a request.
func (l *connLimit) unfinished(client string) int {
	n := 0
	for _, info := range l.conns {
		if info.phase == reading && info.client == client {
			n++
		}
	}
	return n
}

// longest is the connection in phase for the longest (of client's, unless
// client is ""), or nil.
func (l *connLimit) longest(phase connPhase, client string) net.Conn {
	var victim net.Conn
	var since time.Time
	for c, info := range l.conns {
		if info.phase == phase && (client == "" || info.client == client) && (victim == nil || info.since.Before(since)) {
			victim, since = c, info.since
		}
	}
	return victim
}

// ConnState follows the HTTP server's connections (http.Server.ConnState).
func (l *connLimit) ConnState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	info := l.conns[c]
	switch {
	case state == http.StateClosed || state == http.StateHijacked:
		delete(l.conns, c)
	case info == nil:
	case state == http.StateIdle:
		info.phase, info.since = idle, time.Now()
	case state == http.StateActive && info.phase == idle:
		// A next request begins: it holds no slot until it is read.
		info.phase, info.since = reading, time.Now()
	}
}

// connKey is the context key of a request's connection (ConnContext).
type connKey struct{}

// ConnContext puts the connection in its requests' contexts
// (http.Server.ConnContext), for Whole to find.
func (l *connLimit) ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// Whole reads each request whole (its body at most maxBody+1 bytes, so
// that handlers still refuse what is over maxBody) before marking its
// connection serving and handing it to next: until then the connection
// may make room for others at the cap.
func (l *connLimit) Whole(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err != nil {
				fail(w, http.StatusBadRequest, "request body: %v", err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(data))
		}
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			l.mu.Lock()
			if info := l.conns[c]; info != nil {
				info.phase, info.since = serving, time.Now()
			}
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// connCounts are the connections held, and those closed or refused at
// the cap since the start.
type connCounts struct {
	open, evictedIdle, evictedUnfinished, refused int
}

func (l *connLimit) counts() connCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return connCounts{open: len(l.conns), evictedIdle: l.evicted[idle], evictedUnfinished: l.evicted[reading], refused: l.refused}
}

// refuse answers a connection over the cap with a 503 and closes it. It
// reads the request's head first (for at most a second, 16 KiB), since
// HTTP clients take an answer that comes before their request for a
// broken connection.
func refuse(c net.Conn, max int) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if req, err := http.ReadRequest(bufio.NewReader(io.LimitReader(c, 16<<10))); err == nil {
		req.Body.Close()
	}
	body := fmt.Sprintf(`{"error":"slokit serve holds %d connections, its --max-connections, all serving requests: retry shortly"}`+"\n", max)
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}
