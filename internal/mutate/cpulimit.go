package mutate

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// watchCPU kills p once it has used more than limit of CPU time, read
// from /proc every second; where there is no /proc it does nothing and
// the wall-clock limit decides.
func watchCPU(p *os.Process, limit time.Duration, stop <-chan struct{}, over *atomic.Bool) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		used, ok := processCPU(p.Pid)
		if !ok {
			return
		}
		if used > limit {
			over.Store(true)
			_ = p.Kill()
			return
		}
	}
}

// clockTick is the unit of /proc/PID/stat's times: USER_HZ, 100 on
// every Linux the Go toolchain supports.
const clockTick = 10 * time.Millisecond

// processCPU is a process's user and system time from /proc/PID/stat.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	var utime, stime int64
	if _, err := fmt.Sscan(f[11]+" "+f[12], &utime, &stime); err != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}
