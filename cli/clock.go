package cli

import (
	"time"

	"github.com/raftsim/raftsim/internal/cpuclock"
)

// The CPU clocks of bench and zoo (internal/cpuclock).
const threadClock = cpuclock.ThreadClock

func threadCPU() time.Duration  { return cpuclock.Thread() }
func processCPU() time.Duration { return cpuclock.Process() }
