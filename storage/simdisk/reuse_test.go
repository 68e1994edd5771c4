package simdisk

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// Recovery borrows buffers from the disk and gives them back (see
// recoveryBuffers): a store opened earlier on the same disk must keep its
// own index and state however many stores are opened after it, with logs
// longer or the same, and the later ones see the whole log.
func TestReusedRecoveryBuffersNeverAliasAnOpenStore(t *testing.T) {
	r := newSimRig(t, 7)
	for i := raft.Index(1); i <= 40; i++ {
		r.mustAppend(normal(1, i, "a"))
	}
	r.mustApply(30)
	_, err := r.store().DoLogCompaction(20)
	require.NoError(t, err)
	first, firstSM := r.s, r.sm
	want := observe(t, first, firstSM)

	r.reopen() // recovers 20p..40 through the disk's buffers
	second := r.view()
	require.Equal(t, want.Log, second.Log)
	for i := raft.Index(41); i <= 60; i++ {
		r.mustAppend(normal(2, i, "b"))
	}
	r.reopen() // a longer log, in the same buffers
	require.Len(t, r.view().Log, 41)
	require.Equal(t, want, observe(t, first, firstSM), "the first store's view changed under later opens")

	r.reopen() // and again, with nothing new: buffers from the last open
	require.Len(t, r.view().Log, 41)
	require.Equal(t, want, observe(t, first, firstSM))
}
