// Package bounds checks a setting against its range, with one wording for
// every flag and option: a negative refresh interval panicked in a ticker,
// a nanosecond one flooded the backend, a negative timeout failed every
// query. A zero value stands for the setting's default and is not checked.
package bounds

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Duration reports an error naming what (a flag, such as --refresh) when
// v is not zero and lies outside [min, max].
func Duration(what string, v, min, max time.Duration) error {
	if v == 0 || (v >= min && v <= max) {
		return nil
	}
	return fmt.Errorf("%s is %s: give %s to %s", what, show(v), show(min), show(max))
}

// show writes a duration as flags take it, in Prometheus' short form
// where it has one (1d, -1m), else as Go writes it (1ns).
func show(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + show(-d)
	case d%time.Millisecond == 0:
		return model.Duration(d).String()
	}
	return d.String()
}

// Number is Duration for counts and sizes.
func Number[T ~int | ~int64 | ~float64](what string, v, min, max T) error {
	if v == 0 || (v >= min && v <= max) {
		return nil
	}
	return fmt.Errorf("%s is %v: give %v to %v", what, v, min, max)
}
