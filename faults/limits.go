package faults

import (
	"fmt"
	"time"
)

// ShapeLimits bounds what DrawShape draws.
type ShapeLimits struct {
	// Budget is copied into every shape.
	Budget Budget `json:"budget"`
	// NodesMin and NodesMax bound the cluster size. Example: 3 and 7.
	NodesMin int `json:"nodesMin"`
	NodesMax int `json:"nodesMax"`
	// LatencyMax bounds the body of the default link latency; tails and
	// degraded links reach a few times more. Example: 20ms.
	LatencyMax time.Duration `json:"latencyMax"`
	// ClientsMax and KeysMax bound the workload.
	ClientsMax int `json:"clientsMax"`
	KeysMax    int `json:"keysMax"`
	// DriftMaxPPM bounds clock drift. With lease reads it must stay
	// within the lease's drift allowance: two clocks drifting apart at
	// 2*DriftMaxPPM for an election timeout must lose less than the
	// Raft configuration's MaxClockDrift, or a stale read is the
	// configuration's fault, not the core's. 0 turns drift off.
	DriftMaxPPM int64 `json:"driftMaxPPM"`
	// Off are kinds never drawn: for example the disk kinds before the
	// harness has a simulated disk.
	Off []Kind `json:"off,omitempty"`
}

// DefaultLimits are the campaign defaults: the survivable budget, 3 to 7
// nodes, link latency up to 20ms, up to 8 clients on up to 16 keys, drift
// up to 1% (well within the default lease allowance of 10ms per 150ms).
func DefaultLimits() ShapeLimits {
	return ShapeLimits{
		Budget:   Survivable,
		NodesMin: 3, NodesMax: 7,
		LatencyMax: 20 * time.Millisecond,
		ClientsMax: 8, KeysMax: 16,
		DriftMaxPPM: 10_000,
	}
}

// Validate reports the first field that makes l unusable.
func (l ShapeLimits) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("faults: shape limits: %s: %w", fmt.Sprintf(format, args...), ErrShape)
	}
	switch {
	case l.Budget >= budgetEnd:
		return bad("budget %d: unknown", uint8(l.Budget))
	case l.NodesMin < 1 || l.NodesMax > maxNodes || l.NodesMin > l.NodesMax:
		return bad("nodesMin %d, nodesMax %d: want 1 <= min <= max <= %d", l.NodesMin, l.NodesMax, maxNodes)
	case l.LatencyMax < time.Microsecond:
		return bad("latencyMax %v: want at least 1µs", l.LatencyMax)
	case l.ClientsMax < 1 || l.KeysMax < 1:
		return bad("clientsMax %d, keysMax %d: want at least 1", l.ClientsMax, l.KeysMax)
	case l.DriftMaxPPM < 0 || l.DriftMaxPPM > MaxDriftPPM:
		return bad("driftMaxPPM %d: want 0 to %d", l.DriftMaxPPM, MaxDriftPPM)
	}
	for _, k := range l.Off {
		if !k.valid() {
			return bad("off: unknown kind %d", uint8(k))
		}
	}
	return nil
}
