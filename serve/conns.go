package serve

import (
	"bufio"
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
// connection takes the place of the connection idle the longest (a
// keep-alive waiting for a next request that may never come); only when
// every connection is busy is it refused, with a 503 that says why. So a
// client that opens thousands of keep-alive connections and leaves them
// idle cannot lock pipelines out of the gate, which with --fail-open
// would mean allowing everything.
type connLimit struct {
	net.Listener
	max int

	mu      sync.Mutex
	conns   map[net.Conn]*connInfo
	evicted int
	refused int
}

type connInfo struct {
	idle  bool
	since time.Time
}

func limitConnections(l net.Listener, max int) *connLimit {
	return &connLimit{Listener: l, max: max, conns: map[net.Conn]*connInfo{}}
}

// Accept returns the next connection, making room for it at the cap.
func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if len(l.conns) >= l.max {
			victim := l.longestIdle()
			if victim == nil {
				l.refused++
				l.mu.Unlock()
				go refuse(c, l.max)
				continue
			}
			delete(l.conns, victim)
			l.evicted++
			victim.Close()
		}
		l.conns[c] = &connInfo{since: time.Now()}
		l.mu.Unlock()
		return c, nil
	}
}

func (l *connLimit) longestIdle() net.Conn {
	var victim net.Conn
	var since time.Time
	for c, info := range l.conns {
		if info.idle && (victim == nil || info.since.Before(since)) {
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
		info.idle, info.since = true, time.Now()
	case state == http.StateActive:
		info.idle = false
	}
}

// counts reports the connections held, evicted and refused so far.
func (l *connLimit) counts() (open, evicted, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns), l.evicted, l.refused
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
	body := fmt.Sprintf(`{"error":"slokit serve holds %d connections, its --max-connections, all busy: retry shortly"}`+"\n", max)
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}
