// Package parallel is slokit's one worker pool: independent pieces of
// work (spec files to parse, SLOs to compile and render) run on every
// core, and their results come back in input order, so output never
// depends on scheduling or on the number of cores.
package parallel

import (
	"iter"
	"runtime"
	"sync"
)

// Ordered runs f(i) for every i below n on up to GOMAXPROCS goroutines and
// yields the results in order of i. At most twice as many results as
// cores wait for the consumer, which bounds memory however large n is:
// a consumer that writes each result out holds only that many. When the
// consumer stops early, the work not yet started is skipped.
func Ordered[T any](n int, f func(i int) T) iter.Seq[T] {
	return func(yield func(T) bool) {
		if n == 0 {
			return
		}
		workers := min(runtime.GOMAXPROCS(0), n)
		results := make([]chan T, n)
		for i := range results {
			results[i] = make(chan T, 1)
		}
		// ahead bounds the results started but not yet consumed.
		ahead := make(chan struct{}, 2*workers)
		next := make(chan int)
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range next {
					results[i] <- f(i)
				}
			})
		}
		go func() {
			defer close(next)
			for i := range n {
				select {
				case ahead <- struct{}{}:
				case <-done:
					return
				}
				select {
				case next <- i:
				case <-done:
					return
				}
			}
		}()
		defer func() {
			close(done)
			wg.Wait()
		}()
		for i := range n {
			v := <-results[i]
			<-ahead
			if !yield(v) {
				return
			}
		}
	}
}

// Map is Ordered collected into a slice, for results small enough to hold
// at once.
func Map[T any](n int, f func(i int) T) []T {
	out := make([]T, 0, n)
	for v := range Ordered(n, f) {
		out = append(out, v)
	}
	return out
}
