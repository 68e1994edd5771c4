package storagetest

import (
	"fmt"
	"strings"
	"testing"
)

// TestCrashFake: the correct fake stores survive a crash at every point,
// one of them taking back its last applied index as simdisk may.
func TestCrashFake(t *testing.T) {
	t.Run("durable-apply", func(t *testing.T) { RunCrash(t, fakeFactory{}) })
	t.Run("lazy-apply", func(t *testing.T) { RunCrash(t, fakeFactory{bug: fakeLazyApply}) })
}

// TestCrashMutants: the crash driver catches every broken fake store, on
// one of the first op sequences the driver's generator draws.
func TestCrashMutants(t *testing.T) {
	bugs := []struct {
		bug  fakeBug
		name string
	}{
		{fakeAckBeforeSync, "ack-before-sync"},
		{fakeIgnoreSyncError, "sync-error-ignored"},
		{fakeTornNotTruncated, "torn-tail-not-truncated"},
		{fakeSplitHardState, "term-vote-two-writes"},
		{fakeBatchReversed, "batch-written-last-first"},
		{fakePointerFirst, "pointer-before-snapshot"},
		{fakeMachineBehind, "machine-behind-applied"},
	}
	var table strings.Builder
	table.WriteString("\n| crash mutant | op sequence | caught: |\n|---|---|---|\n")
	for _, b := range bugs {
		seed, err := firstCrashFailure(fakeFactory{bug: b.bug}, 300)
		if err == nil {
			t.Errorf("crash mutant %s survived 300 op sequences", b.name)
			continue
		}
		fmt.Fprintf(&table, "| %s | #%d | %s |\n", b.name, seed, verdict(err))
	}
	t.Log(table.String())
}

// firstCrashFailure returns the first of n deterministic op sequences on
// which the crash driver fails f, and its error.
func firstCrashFailure(f Factory, n int) (int, error) {
	for seed := range n {
		ops := crashOps.Example(seed)
		var err error
		if failure := runRecorded(func(t TB) { err = crashAll(t, f, ops, uint64(seed)) }); failure != "" {
			return seed, fmt.Errorf("%s", failure)
		}
		if err != nil {
			return seed, err
		}
	}
	return 0, nil
}

// verdict is the part of a crash driver error that says what was wrong.
func verdict(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "): "); ok {
		msg = after
	}
	line, _, _ := strings.Cut(msg, "\n")
	return line
}
