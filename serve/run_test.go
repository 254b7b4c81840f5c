package serve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/files"
)

// slowBackend starts when release is closed, and records that it is not
// closed while its Run or a query still uses it.
type slowBackend struct {
	budget.Querier
	release chan struct{}
	running atomic.Int32
	closed  atomic.Bool
	misuse  atomic.Bool
}

func (b *slowBackend) Query(ctx context.Context, q string, ts time.Time) (model.Vector, error) {
	b.running.Add(1)
	defer b.running.Add(-1)
	if b.closed.Load() {
		b.misuse.Store(true)
	}
	return b.Querier.Query(ctx, q, ts)
}

func (b *slowBackend) Run(ctx context.Context) error {
	b.running.Add(1)
	defer b.running.Add(-1)
	<-ctx.Done()
	return nil
}

func (b *slowBackend) Close() error {
	if b.running.Load() != 0 {
		b.misuse.Store(true)
	}
	b.closed.Store(true)
	return nil
}

// startRun runs the service in the background on a loopback port and
// returns its base URL and a function that stops it and returns Run's
// error.
func startRun(t *testing.T, o serve.RunOptions) (string, func() error, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Listener = ln
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve.Run(ctx, o) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("Run did not return within 15s of its context ending")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return "http://" + ln.Addr().String(), stop, done
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return fetch(t, "GET", url)
}

// The service is alive at once and ready once its backend has started and
// the first state is read; under load it stops cleanly, closing the
// backend only after everything using it has returned (run with -race).
func TestRunStartsAtOnceAndStopsCleanly(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	q, ts := backend(t, svcs, 2*time.Hour)
	b := &slowBackend{Querier: q, release: make(chan struct{})}
	base, stop, _ := startRun(t, serve.RunOptions{
		Options: serve.Options{Services: svcs, RefreshInterval: time.Second, Now: func() time.Time { return ts }},
		StartBackend: func(ctx context.Context) (serve.Backend, error) {
			select {
			case <-b.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return b, nil
		},
	})
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Errorf("healthz while the backend starts: %d", code)
	}
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, `"warming"`) {
		t.Errorf("readyz while the backend starts: %d %s", code, body)
	}
	if code, _ := get(t, base+"/api/v1/gate/order-api"); code != 503 {
		t.Errorf("the gate while the backend starts: %d", code)
	}
	close(b.release)
	eventually(t, 5*time.Second, func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })

	// Load while stopping: 8 clients, bounded in count.
	var wg sync.WaitGroup
	var answered atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				resp, err := http.Get(base + "/api/v1/gate/order-api")
				if err != nil {
					return // stopped
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered.Add(1)
			}
		}()
	}
	eventually(t, 10*time.Second, func() bool { return answered.Load() > 100 })
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	wg.Wait()
	if !b.closed.Load() || b.misuse.Load() {
		t.Errorf("backend closed %v, used after or while closing %v", b.closed.Load(), b.misuse.Load())
	}
}

// A backend that fails to start stops the service with its error.
func TestRunStopsWhenTheBackendCannotStart(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	_, _, done := startRun(t, serve.RunOptions{
		Options: serve.Options{Services: svcs},
		StartBackend: func(context.Context) (serve.Backend, error) {
			return nil, fmt.Errorf("no room for the TSDB")
		},
	})
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no room for the TSDB") {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run goes on without its backend")
	}
}

// Thousands of idle keep-alive connections cannot lock pipelines out:
// at the cap the longest-idle connection makes room for a new one.
func TestIdleConnectionsCannotLockOutTheGate(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	q, ts := backend(t, svcs, 2*time.Hour)
	base, stop, _ := startRun(t, serve.RunOptions{
		Options:        serve.Options{Services: svcs, Querier: q, Now: func() time.Time { return ts }},
		MaxConnections: 16,
	})
	defer stop()
	addr := strings.TrimPrefix(base, "http://")
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 200 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", len(idle), err)
		}
		resp.Body.Close()
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(base + "/readyz")
	if err != nil {
		t.Fatalf("a new client after 200 idle keep-alive connections: %v", err)
	}
	resp.Body.Close()
}

// blockingRanges answers range queries (the history page's) only once
// released: a request for a history is served for as long as the test
// wants.
type blockingRanges struct {
	budget.Querier
	waiting atomic.Int32
	release chan struct{}
}

func (b *blockingRanges) QueryRange(ctx context.Context, _ string, _, _ time.Time, _ time.Duration) (model.Matrix, error) {
	b.waiting.Add(1)
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil, nil
}

// When every connection is serving a request, a new one is told so at
// once.
func TestBusyConnectionsAnswer503(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	q, ts := backend(t, svcs, 2*time.Hour)
	b := &blockingRanges{Querier: q, release: make(chan struct{})}
	base, stop, _ := startRun(t, serve.RunOptions{Options: serve.Options{Services: svcs, Querier: b, Now: func() time.Time { return ts }}, MaxConnections: 4})
	defer stop()
	eventually(t, 5*time.Second, func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(b.release)
	for range 4 {
		wg.Go(func() {
			if resp, err := http.Get(base + "/api/v1/slos/order-api/availability/history"); err == nil {
				resp.Body.Close()
			}
		})
	}
	eventually(t, 5*time.Second, func() bool { return b.waiting.Load() == 4 })
	code, body := get(t, base+"/healthz")
	if code != 503 || !strings.Contains(body, "max-connections") {
		t.Errorf("over the cap: %d %s", code, body)
	}
}

// Connections that never finish their request (a head without its end, a
// body shorter than it said: slowloris) hold no slot: at the cap the one
// sending the longest makes room, and every real check is answered. Before,
// they counted as busy until the header timeout, and 40 of 40 checks got
// 503 (with gate check --fail-open: allowed).
func TestUnfinishedRequestsCannotLockOutTheGate(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	q, ts := backend(t, svcs, 2*time.Hour)
	base, stop, _ := startRun(t, serve.RunOptions{
		Options:        serve.Options{Services: svcs, Querier: q, Now: func() time.Time { return ts }},
		MaxConnections: 16,
	})
	defer stop()
	eventually(t, 5*time.Second, func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	addr := strings.TrimPrefix(base, "http://")
	unfinished := []string{
		"GET /api/v1/gate/order-api HTTP/1.1\r\nHost: x\r\n",
		"POST /api/v1/gate/order-api/check HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{",
	}
	// Three times the cap of attackers, each sending an unfinished request
	// again as soon as its connection is closed (after 20 ms), until the
	// checks are done; bounded in dials.
	// From another loopback address than the checks, as an attacker
	// is another client than the pipelines.
	attacker := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	done := make(chan struct{})
	var attackers sync.WaitGroup
	var dials atomic.Int32
	for i := range 48 {
		attackers.Go(func() {
			for n := 0; n < 500; n++ {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
				c, err := attacker.Dial("tcp", addr)
				if err != nil {
					continue
				}
				dials.Add(1)
				fmt.Fprint(c, unfinished[i%len(unfinished)])
				go func() { <-done; c.Close() }()
				_, _ = io.Copy(io.Discard, c) // until the server closes it
				c.Close()
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // every slot taken
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	failed := 0
	for range 40 {
		resp, err := client.Get(base + "/api/v1/gate/order-api?change=normal")
		if err != nil {
			failed++
			t.Log(err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			failed++
			t.Log(resp.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(done)
	attackers.Wait()
	t.Logf("%d unfinished requests sent", dials.Load())
	if failed > 0 {
		t.Errorf("%d of 40 checks failed among unfinished requests", failed)
	}
}

func eventually(t *testing.T, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A damaged overrides file stops the service at once, before a backend
// that takes a while to start; a world-writable data folder is warned of.
func TestRunChecksItsDataFirst(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "overrides.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	started := false
	start := time.Now()
	err := serve.Run(context.Background(), serve.RunOptions{
		Options: serve.Options{Services: svcs}, DataDir: dir, Listen: "127.0.0.1:0",
		StartBackend: func(ctx context.Context) (serve.Backend, error) {
			started = true
			<-ctx.Done()
			return nil, ctx.Err()
		},
	})
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") || started || time.Since(start) > 2*time.Second {
		t.Errorf("Run: %v (backend started: %v, after %s)", err, started, time.Since(start))
	}

	open := t.TempDir()
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return log.Write(p)
	}), nil))
	_, stop, _ := startRun(t, serve.RunOptions{Options: serve.Options{Services: svcs}, DataDir: open, Logger: logger})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(log.String(), "world-writable") {
		t.Errorf("no warning about a world-writable data folder:\n%s", log.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Options out of their ranges are refused by New and Run, whoever builds
// them (a library user, or a flag from the environment): a negative
// refresh interval panicked in the ticker, a nanosecond one flooded the
// backend.
func TestOptionsOutOfRangeAreRefused(t *testing.T) {
	store, err := files.OpenFileStore(t.TempDir(), files.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, o := range []serve.Options{
		{RefreshInterval: -time.Second}, {RefreshInterval: time.Nanosecond}, {StaleAfter: -time.Minute},
		{RefreshInterval: time.Hour, StaleAfter: time.Minute}, {MaxOverride: -time.Hour}, {MaxOverride: 365 * 24 * time.Hour},
	} {
		o.Store = store
		if _, err := serve.New(o); err == nil {
			t.Errorf("New took %+v", o)
		}
	}
	for _, o := range []serve.RunOptions{
		{MaxConnections: -1}, {IdleTimeout: -time.Second}, {ShutdownTimeout: -time.Second},
		{AuditBounds: files.AuditOptions{MaxBytes: 10}}, {AuditBounds: files.AuditOptions{MaxFiles: -1}},
		{Options: serve.Options{RefreshInterval: -time.Second}},
	} {
		o.DataDir = t.TempDir()
		if err := serve.Run(context.Background(), o); err == nil {
			t.Errorf("Run took %+v", o)
		}
	}
	if err := (serve.Options{}).Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
}

// closeCounting is a store that counts its Close calls.
type closeCounting struct {
	store.Store
	closed atomic.Int32
}

func (c *closeCounting) Close() error {
	c.closed.Add(1)
	return c.Store.Close()
}

// Run owns the store it is given: every return closes it once, the early
// ones (options out of bounds, an address it cannot listen on) included,
// so that a caller that opened PostgreSQL and handed it over leaks
// nothing.
func TestRunClosesTheStoreOnEveryReturn(t *testing.T) {
	for name, o := range map[string]serve.RunOptions{
		"options out of bounds":            {Options: serve.Options{RefreshInterval: time.Nanosecond}, Listen: "127.0.0.1:0"},
		"an address it cannot listen on":   {Listen: "256.0.0.1:0"},
		"a TLS certificate it cannot read": {Listen: "127.0.0.1:0", TLS: &serve.TLSFiles{CertFile: "no-such.pem", KeyFile: "no-such.key"}},
	} {
		t.Run(name, func(t *testing.T) {
			fs, err := files.OpenFileStore(t.TempDir(), files.AuditOptions{})
			if err != nil {
				t.Fatal(err)
			}
			store := &closeCounting{Store: fs}
			o.Store = store
			if err := serve.Run(context.Background(), o); err == nil {
				t.Fatal("Run returned no error")
			}
			if n := store.closed.Load(); n != 1 {
				t.Errorf("store closed %d times, want once", n)
			}
		})
	}
}

// A store OpenStore opens is opened once the options are valid (not at all
// when they are not) and closed by Run, like a store it is given.
func TestRunOpensAndClosesTheStoreItOpens(t *testing.T) {
	var opened *closeCounting
	open := func(context.Context) (store.Store, error) {
		fs, err := files.OpenFileStore(t.TempDir(), files.AuditOptions{})
		if err != nil {
			return nil, err
		}
		opened = &closeCounting{Store: fs}
		return opened, nil
	}
	err := serve.Run(context.Background(), serve.RunOptions{Options: serve.Options{RefreshInterval: time.Nanosecond}, OpenStore: open})
	if err == nil || opened != nil {
		t.Fatalf("options out of bounds: %v, store opened: %v", err, opened != nil)
	}
	if err := serve.Run(context.Background(), serve.RunOptions{Listen: "256.0.0.1:0", OpenStore: open}); err == nil {
		t.Fatal("Run returned no error")
	}
	if opened == nil || opened.closed.Load() != 1 {
		t.Fatalf("the store Run opened was not closed once: %+v", opened)
	}
}
