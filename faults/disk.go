package faults

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/raftsim/raftsim/sim"
)

// DiskRates are the fault rates and crash policy of one node's simulated
// disk. They are data only: the simulated disk (storage/simdisk) decides
// how each one acts, within the meaning given here.
//
// Unlike elsewhere, the zero Ratio here means "never": a disk-faults step
// names the faults it switches on, and every fault it leaves out is off.
//
// Example, in JSON: {"corrupt":"1/1000","syncFail":"1/200","crashPolicy":"tear"}.
type DiskRates struct {
	// ReadError: a read fails (transient, per read).
	ReadError sim.Ratio `json:"readError"`
	// WriteError: a write fails (per write).
	WriteError sim.Ratio `json:"writeError"`
	// LatentSector: a written sector later reads as an error, every time
	// (per write). Damages synced data.
	LatentSector sim.Ratio `json:"latentSector"`
	// Corrupt: stored bits flip at rest, found only on a read (per
	// write). Damages synced data.
	Corrupt sim.Ratio `json:"corrupt"`
	// LostWrite: a write is acknowledged, synced even, and never lands
	// (per write). Silently undoes an acknowledged write.
	LostWrite sim.Ratio `json:"lostWrite"`
	// MisdirectedWrite: a write lands at the wrong place, damaging what
	// was there and losing itself (per write). Silently undoes an
	// acknowledged write.
	MisdirectedWrite sim.Ratio `json:"misdirectedWrite"`
	// SyncFail: a sync fails, and what it should have made durable may
	// or may not be (per sync).
	SyncFail sim.Ratio `json:"syncFail"`
	// CrashPolicy is what a crash does to unsynced writes.
	CrashPolicy CrashPolicy `json:"crashPolicy"`
}

// diskRatesJSON is the wire form of DiskRates: a rate or policy left unset
// is left out. (omitzero would not do: it asks Ratio.IsZero, which is true
// of sim.Never too, and Never must read back as written.)
type diskRatesJSON struct {
	ReadError        *sim.Ratio   `json:"readError,omitempty"`
	WriteError       *sim.Ratio   `json:"writeError,omitempty"`
	LatentSector     *sim.Ratio   `json:"latentSector,omitempty"`
	Corrupt          *sim.Ratio   `json:"corrupt,omitempty"`
	LostWrite        *sim.Ratio   `json:"lostWrite,omitempty"`
	MisdirectedWrite *sim.Ratio   `json:"misdirectedWrite,omitempty"`
	SyncFail         *sim.Ratio   `json:"syncFail,omitempty"`
	CrashPolicy      *CrashPolicy `json:"crashPolicy,omitempty"`
}

// MarshalJSON writes the rates that are set and a non-default policy:
// {"corrupt":"1/1000","crashPolicy":"tear"}.
func (d DiskRates) MarshalJSON() ([]byte, error) {
	var w diskRatesJSON
	ptrs := w.rates()
	for i, f := range diskRateFields {
		if r := *f.get(&d); r != (sim.Ratio{}) {
			*ptrs[i] = &r
		}
	}
	if d.CrashPolicy != CrashDefault {
		w.CrashPolicy = &d.CrashPolicy
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes, rejecting unknown fields.
func (d *DiskRates) UnmarshalJSON(b []byte) error {
	var w diskRatesJSON
	if err := strictUnmarshal(b, &w); err != nil {
		return err
	}
	var out DiskRates
	for i, p := range w.rates() {
		if *p != nil {
			*diskRateFields[i].get(&out) = **p
		}
	}
	if w.CrashPolicy != nil {
		out.CrashPolicy = *w.CrashPolicy
	}
	*d = out
	return nil
}

// rates lists w's rate slots in diskRateFields order.
func (w *diskRatesJSON) rates() []**sim.Ratio {
	return []**sim.Ratio{&w.ReadError, &w.WriteError, &w.LatentSector, &w.Corrupt, &w.LostWrite, &w.MisdirectedWrite, &w.SyncFail}
}

// diskRate is one named rate of DiskRates, for the code that walks them all.
type diskRate struct {
	name string
	get  func(*DiskRates) *sim.Ratio
}

// diskRateFields are the rates in declaration order with their JSON names.
var diskRateFields = [...]diskRate{
	{"readError", func(d *DiskRates) *sim.Ratio { return &d.ReadError }},
	{"writeError", func(d *DiskRates) *sim.Ratio { return &d.WriteError }},
	{"latentSector", func(d *DiskRates) *sim.Ratio { return &d.LatentSector }},
	{"corrupt", func(d *DiskRates) *sim.Ratio { return &d.Corrupt }},
	{"lostWrite", func(d *DiskRates) *sim.Ratio { return &d.LostWrite }},
	{"misdirectedWrite", func(d *DiskRates) *sim.Ratio { return &d.MisdirectedWrite }},
	{"syncFail", func(d *DiskRates) *sim.Ratio { return &d.SyncFail }},
}

// Damaging reports whether d can damage synced data in a way a store can
// detect (corrupt, latent-sector): the node may have to stop for good. See
// the package comment's fault budget.
func (d DiskRates) Damaging() bool { return !d.Corrupt.IsZero() || !d.LatentSector.IsZero() }

// Silent reports whether d can silently undo an acknowledged write
// (lost-write, misdirected-write), which Raft's stable-storage assumption
// rules out even on one node.
func (d DiskRates) Silent() bool { return !d.LostWrite.IsZero() || !d.MisdirectedWrite.IsZero() }

// String lists the rates that can happen and a non-default crash policy:
// "corrupt 1/1000 syncFail 1/200 crash tear", or "off".
func (d DiskRates) String() string {
	var parts []string
	for _, f := range diskRateFields {
		if r := *f.get(&d); !r.IsZero() {
			parts = append(parts, f.name+" "+r.String())
		}
	}
	if d.CrashPolicy != CrashDefault {
		parts = append(parts, "crash "+d.CrashPolicy.String())
	}
	if len(parts) == 0 {
		return "off"
	}
	return strings.Join(parts, " ")
}

// problem says what makes d invalid, or "".
func (d DiskRates) problem() string {
	for _, f := range diskRateFields {
		r := *f.get(&d)
		if r == (sim.Ratio{}) {
			continue // unset is "never" here
		}
		if err := r.Validate(); err != nil {
			return fmt.Sprintf("disk.%s %v: %v", f.name, r, err)
		}
	}
	if d.CrashPolicy >= crashPolicyEnd {
		return fmt.Sprintf("disk.crashPolicy: unknown policy %d", uint8(d.CrashPolicy))
	}
	return ""
}

// CrashPolicy is what a crash does to writes that were not synced. Synced
// writes always survive a crash (unless a disk fault damaged them). The
// names are the simulated disk's (storage/simdisk), one set everywhere:
// the harness maps each policy to the disk's policy of the same name.
type CrashPolicy uint8

const (
	// CrashDefault is the disk's own policy (harness.DiskConfig's).
	CrashDefault CrashPolicy = iota
	// CrashLoseAll loses every unsynced write ("lose-all").
	CrashLoseAll
	// CrashKeepSubset keeps each unsynced write with chance 1/2
	// ("keep-subset").
	CrashKeepSubset
	// CrashTear keeps a random prefix of the unsynced writes and tears
	// the write after it at a sector boundary ("tear").
	CrashTear
	// CrashKeepPrefix keeps a random prefix of the unsynced writes, in
	// issue order ("keep-prefix"). It comes last so that the values of
	// the others, and what shapes draw (drawnCrashPolicies), stay as
	// they were.
	CrashKeepPrefix
	crashPolicyEnd
)

// drawnCrashPolicies is how many policies, from CrashDefault, a shape
// draws: not CrashKeepPrefix, which is the default disk's own policy.
const drawnCrashPolicies = int(CrashKeepPrefix)

var crashPolicyNames = [...]string{"default", "lose-all", "keep-subset", "tear", "keep-prefix"}

// renamedCrashPolicies are the names the policies had before they took
// the disk's: a file that uses one is refused with the new name.
var renamedCrashPolicies = map[string]string{"lose-unsynced": "lose-all", "keep-unsynced": "keep-subset", "tear-unsynced": "tear"}

// String returns the policy's JSON name.
func (p CrashPolicy) String() string {
	if p < crashPolicyEnd {
		return crashPolicyNames[p]
	}
	return fmt.Sprintf("CrashPolicy(%d)", uint8(p))
}

// MarshalText writes the policy's name.
func (p CrashPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a policy's name.
func (p *CrashPolicy) UnmarshalText(b []byte) error {
	for i, n := range crashPolicyNames {
		if n == string(b) {
			*p = CrashPolicy(i)
			return nil
		}
	}
	if to, ok := renamedCrashPolicies[string(b)]; ok {
		return fmt.Errorf("crash policy %q is now called %q (the simulated disk's name, same behaviour)", b, to)
	}
	return fmt.Errorf("unknown crash policy %q (want %s)", b, strings.Join(crashPolicyNames[:], ", "))
}
