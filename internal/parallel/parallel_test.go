package parallel_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/parallel"
)

func TestResultsComeInInputOrder(t *testing.T) {
	got := parallel.Map(200, func(i int) int {
		// Later items finish first, when scheduling allows.
		time.Sleep(time.Duration(200-i) * time.Microsecond)
		return i * i
	})
	if len(got) != 200 {
		t.Fatalf("%d results", len(got))
	}
	for i, v := range got {
		if v != i*i {
			t.Fatalf("result %d is %d, want %d", i, v, i*i)
		}
	}
	if len(parallel.Map(0, func(int) int { return 1 })) != 0 {
		t.Error("no work, no results")
	}
}

// A slow consumer holds at most twice as many results as cores: memory
// stays bounded however much work there is.
func TestWorkRunsOnlyABoundedWayAhead(t *testing.T) {
	var started, consumed atomic.Int64
	maxAhead := int64(0)
	for range parallel.Ordered(100, func(i int) int {
		if ahead := started.Add(1) - consumed.Load(); ahead > atomic.LoadInt64(&maxAhead) {
			atomic.StoreInt64(&maxAhead, ahead)
		}
		return i
	}) {
		time.Sleep(100 * time.Microsecond)
		consumed.Add(1)
	}
	if limit := int64(2*runtime.GOMAXPROCS(0)) + 1; maxAhead > limit {
		t.Errorf("%d results ahead of the consumer, want at most %d", maxAhead, limit)
	}
}

// A consumer that stops early stops the work: what has not started never
// runs, and no goroutine is left behind.
func TestStoppingEarlySkipsTheRest(t *testing.T) {
	var ran atomic.Int64
	for v := range parallel.Ordered(10000, func(i int) int { ran.Add(1); return i }) {
		if v == 3 {
			break
		}
	}
	if n := ran.Load(); n > 4+int64(2*runtime.GOMAXPROCS(0))+int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("%d of 10000 items ran after the consumer stopped at the 4th", n)
	}
}
