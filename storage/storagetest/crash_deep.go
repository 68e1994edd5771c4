package storagetest

import (
	"testing"

	"pgregory.net/rapid"
)

// deepSeeds is how many workloads RunCrashDeep crashes, each at every
// persistence point under every policy (a quarter of them with -short).
const deepSeeds = 8

// RunCrashDeep crashes workloads that reach recovery code: 16 to 40 calls
// with commands of up to 5000 bytes (records that span sectors and, on
// small segments, segments), many appends and applies, then compactions
// and snapshot installations among more appends, so that the log rotates
// segments and removes them before the crash. Each workload is crashed at
// every one of its persistence points under every crash policy, and the
// reopened store must hold a state the calls could have left (as
// CrashCheck). The workloads come from fixed seeds, so a failure names
// its seed and reruns with the same command. The stores f makes must be
// Crashable (OnDisk's are); the sector and segment sizes are the
// factory's (DiskOptions.SectorSize, the store's own options).
func RunCrashDeep(t *testing.T, f Factory) {
	seeds := deepSeeds
	if testing.Short() {
		seeds /= 4
	}
	if why := crashSkip(t, f); why != "" {
		t.Skip(why)
	}
	for seed := range seeds {
		ops := deepOps.Example(seed)
		if err := crashAll(t, f, ops, uint64(seed)); err != nil {
			t.Fatalf("crash consistency, deep workload %d (%d calls): %v\n\nrule: every call a store acknowledged "+
				"survives a crash, the call in flight takes effect whole or not at all (a batch: any prefix), and "+
				"nothing else changes\nrerun: go test -run '^%s$' (the workloads are fixed by their seeds)",
				seed, len(ops), err, t.Name())
		}
	}
	t.Logf("%d deep workloads crashed at every persistence point under %d policies", seeds, 4)
}

// deepOps draws a workload of 16..40 valid calls with large commands: a
// run of appends and applies, then a mix in which compactions and
// installations are frequent.
var deepOps = rapid.Custom(func(t *rapid.T) []op {
	m := newModel(crashNode)
	m.big = true
	n := rapid.IntRange(16, 40).Draw(t, "n")
	fill := []opKind{opAppend, opAppend, opAppend, opReplicate, opApplyBatch, opSave}
	mix := []opKind{opAppend, opAppend, opReplicate, opApplyBatch, opCompact, opCompact, opInstall, opDelete, opSave}
	var ops []op
	for tries := 0; len(ops) < n && tries < 4*n; tries++ {
		kinds := mix
		if len(ops) < n/2 {
			kinds = fill
		}
		for _, o := range m.drawOps(t, rapid.SampledFrom(kinds).Draw(t, "kind"), false) {
			if o.run(m.s).err != nil {
				break
			}
			ops = append(ops, o)
		}
	}
	return ops
})

// crashSkip says why the kit cannot crash f's stores, or "" when it can.
func crashSkip(t TB, f Factory) string {
	s := f.New(t, crashNode, NewSM())
	if _, ok := s.(Crashable); ok {
		return ""
	}
	return "crash consistency not tested: " + notCrashable(s)
}
