package simdisk

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// ErrConfig is wrapped by every configuration validation error.
var ErrConfig = errors.New("invalid disk configuration")

// Config describes a simulated disk. It is plain data, so that a failure
// file can record it.
//
// Example: DefaultConfig(), or in JSON
// {"SectorSize":4096,"ReadLatency":{"kind":"uniform","min":"20µs","max":"100µs"},...}.
type Config struct {
	// SectorSize is the unit of atomic writes, in bytes: a power of two
	// from 512 to 65536. 4096 when 0.
	SectorSize int
	// ReadLatency, WriteLatency and SyncLatency are drawn for every
	// operation. Create, Rename, Remove and Truncate take a write's
	// latency, SyncDir a sync's; Size and List are served from memory.
	ReadLatency, WriteLatency, SyncLatency sim.Dist
	// Faults are the faults injected from the start (SetFaults changes
	// them).
	Faults Faults
}

// DefaultConfig is an SSD-like disk without faults: reads 20-100µs,
// writes 10-50µs (into the cache), syncs 200µs-1ms with a 1/100 tail of
// 5-20ms.
func DefaultConfig() Config {
	return Config{
		SectorSize:   4096,
		ReadLatency:  sim.UniformDist(20*time.Microsecond, 100*time.Microsecond),
		WriteLatency: sim.UniformDist(10*time.Microsecond, 50*time.Microsecond),
		SyncLatency:  sim.LongTailDist(200*time.Microsecond, time.Millisecond, sim.OneIn(100), 5*time.Millisecond, 20*time.Millisecond),
		Faults:       NoFaults(),
	}
}

// Validate reports the first field that makes c unusable.
func (c Config) Validate() error {
	if s := c.SectorSize; s != 0 && (s < 512 || s > 65536 || s&(s-1) != 0) {
		return fmt.Errorf("simdisk: config: sector size %d: want a power of two from 512 to 65536: %w", s, ErrConfig)
	}
	for _, d := range []struct {
		name string
		d    sim.Dist
	}{{"read latency", c.ReadLatency}, {"write latency", c.WriteLatency}, {"sync latency", c.SyncLatency}} {
		if err := d.d.Validate(); err != nil {
			return fmt.Errorf("simdisk: config: %s: %w: %w", d.name, err, ErrConfig)
		}
	}
	return c.Faults.Validate()
}

// Faults are the probabilities of each injected fault (see the fault model
// in the package documentation), and the disk's capacity. Every ratio must
// be valid: the zero Ratio is unset, so write sim.Never (NoFaults starts
// from all Never).
type Faults struct {
	// Per read, on one sector of the range read.
	ReadError    sim.Ratio // the read fails; transient
	LatentSector sim.Ratio // the sector becomes unreadable
	Corruption   sim.Ratio // one bit of the sector flips, silently

	// Per write.
	WriteError       sim.Ratio // the write fails and changes nothing
	LostWrite        sim.Ratio // reported done, never reaches the medium
	MisdirectedWrite sim.Ratio // lands elsewhere in the same file

	// Per Sync or SyncDir.
	SyncError sim.Ratio // fails, and the writes it covered never become durable

	// Capacity is the disk's size in bytes, files counted in whole
	// sectors; 0 is unlimited. A write beyond it fails with ErrNoSpace.
	Capacity int64
}

// NoFaults is a healthy disk of unlimited size.
func NoFaults() Faults {
	n := sim.Never
	return Faults{ReadError: n, LatentSector: n, Corruption: n, WriteError: n, LostWrite: n, MisdirectedWrite: n, SyncError: n}
}

// Validate reports the first invalid ratio, naming it.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		r    sim.Ratio
	}{
		{"read error", f.ReadError}, {"latent sector", f.LatentSector}, {"corruption", f.Corruption},
		{"write error", f.WriteError}, {"lost write", f.LostWrite}, {"misdirected write", f.MisdirectedWrite},
		{"sync error", f.SyncError},
	} {
		if err := r.r.Validate(); err != nil {
			return fmt.Errorf("simdisk: faults: %s: %w: %w", r.name, err, ErrConfig)
		}
	}
	if f.Capacity < 0 {
		return fmt.Errorf("simdisk: faults: capacity %d is negative: %w", f.Capacity, ErrConfig)
	}
	return nil
}

// CrashPolicy says what a crash does to the operations that were not yet
// durable (see the fault model). The zero value is invalid.
type CrashPolicy uint8

const (
	crashUnset CrashPolicy = iota
	// CrashLoseAll loses every operation not yet durable.
	CrashLoseAll
	// CrashKeepSubset keeps each of them with chance 1/2.
	CrashKeepSubset
	// CrashKeepPrefix keeps a random prefix of them, in issue order.
	CrashKeepPrefix
	// CrashTear keeps a random prefix and tears the write after it at a
	// sector boundary.
	CrashTear
)

var crashPolicyNames = [...]string{"unset", "lose-all", "keep-subset", "keep-prefix", "tear"}

// CrashPolicies lists every valid policy, for drawing one.
func CrashPolicies() []CrashPolicy {
	return []CrashPolicy{CrashLoseAll, CrashKeepSubset, CrashKeepPrefix, CrashTear}
}

// String returns the policy's name ("keep-prefix").
func (p CrashPolicy) String() string {
	if int(p) < len(crashPolicyNames) {
		return crashPolicyNames[p]
	}
	return fmt.Sprintf("CrashPolicy(%d)", uint8(p))
}

// Validate reports an unset or unknown policy.
func (p CrashPolicy) Validate() error {
	if p == crashUnset || int(p) >= len(crashPolicyNames) {
		return fmt.Errorf("simdisk: crash policy %v: want one of lose-all, keep-subset, keep-prefix, tear: %w", p, ErrConfig)
	}
	return nil
}

// MarshalText encodes the policy by name.
func (p CrashPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a name written by MarshalText, "unset" included:
// every value round-trips, and Validate says whether it can be used.
func (p *CrashPolicy) UnmarshalText(b []byte) error {
	for k, name := range crashPolicyNames {
		if name == string(b) {
			*p = CrashPolicy(k)
			return nil
		}
	}
	return fmt.Errorf("simdisk: crash policy %q: want one of lose-all, keep-subset, keep-prefix, tear: %w", b, ErrConfig)
}
