//go:build !linux

package cpuclock

import "time"

// ThreadClock names what Thread measures, for reports. Only Linux has
// a per-thread CPU clock in the standard library (RUSAGE_THREAD); here
// campaigns are timed by the wall clock, which counts time the thread
// waited for a core too: run no more workers than idle cores.
const ThreadClock = "wall time (no per-thread CPU clock on this OS)"

var clockStart = time.Now()

// Thread is wall time since the process started: a stand-in for the
// thread's CPU time, only differences of which are used.
func Thread() time.Duration { return time.Since(clockStart) }

// Process is unknown here: reports show 0.
func Process() time.Duration { return 0 }
