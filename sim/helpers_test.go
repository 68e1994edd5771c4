package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// panicMessage runs f and returns what it panicked with, failing the test if
// it did not panic.
func panicMessage(t *testing.T, f func()) (msg string) {
	t.Helper()
	panicked := true
	func() {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		f()
		panicked = false
	}()
	require.True(t, panicked, "expected a panic")
	return msg
}

// advanced returns a stream for seed that has already drawn n values, to
// check how many values an operation consumed.
func advanced(seed uint64, n int) *Rand {
	r := NewRand(seed)
	for i := 0; i < n; i++ {
		r.Uint64()
	}
	return r
}
