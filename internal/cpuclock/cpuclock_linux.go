//go:build linux

package cpuclock

import (
	"syscall"
	"time"
)

// ThreadClock names what Thread measures, for reports.
const ThreadClock = "thread CPU time (getrusage RUSAGE_THREAD)"

// Thread is the CPU time, user and system, that the calling OS thread
// has used. It means something only on a goroutine that called
// runtime.LockOSThread: otherwise the goroutine may move to another thread
// between two readings. Work the runtime does on other threads for this
// goroutine (the garbage collector's background workers, goroutines it
// starts, such as porcupine's parallel search) is not counted.
func Thread() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		panic("raftsim: getrusage(RUSAGE_THREAD): " + err.Error())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Process is the CPU time the whole process has used, every thread.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
