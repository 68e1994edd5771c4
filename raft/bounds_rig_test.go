package raft_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// Boundaries of the core that need a running cluster, driven by the rig's
// single clock so that a step lands on the exact instant: the end of a
// read lease, and a restart's scan of a log longer than its read chunk.

// A lease lasts ElectionTimeoutMin - MaxClockDrift from the round a quorum
// answered, exclusive: one nanosecond before its end a read is served at
// once, at its end the read waits for a new round.
func TestLeaseEndsAtItsExactExpiry(t *testing.T) {
	cfg := func(id raft.NodeID) raft.Config {
		c := raft.DefaultConfig(id)
		c.ReadMode = raft.ReadLease
		return c
	}
	r := newRig(t, 3, cfg)
	l := r.leader()
	r.propose("x")
	ln := r.nodes[l]
	c := cfg(l)
	lease := c.ElectionTimeoutMin - c.MaxClockDrift

	// Past any lease from earlier heartbeats, with no tick in between: the
	// read starts a round now, and its answers start the lease now.
	r.clock.now += c.ElectionTimeoutMin
	start := r.clock.now
	require.NoError(t, ln.node.Read(1))
	require.NotContains(t, ln.reads, raft.ReadID(1), "no lease before the round is answered")
	r.deliver()
	require.Contains(t, ln.reads, raft.ReadID(1), "a quorum answered the round")

	for _, c := range []struct {
		at    time.Duration
		id    raft.ReadID
		lease bool
	}{
		{lease / 2, 2, true},
		{lease - time.Nanosecond, 3, true},
		{lease, 4, false},
	} {
		r.clock.now = start + c.at
		require.NoError(t, ln.node.Read(c.id))
		if c.lease {
			assert.Contains(t, ln.reads, c.id, "at start+%v the lease still holds", c.at)
			continue
		}
		assert.NotContains(t, ln.reads, c.id, "at start+%v the lease has ended: the read needs a round", c.at)
		assert.NotEmpty(t, r.queue, "the read's round is sent")
		r.deliver()
		assert.Contains(t, ln.reads, c.id, "the round confirms the read")
	}
}

// rangeStore records the ranges of entries read; hides the store's
// membership index, so that a restart scans the log for it.
type rangeStore struct {
	raft.Storage[string, string]
	ranges [][2]raft.Index
}

func (s *rangeStore) GetLogEntries(start, stop raft.Index) ([]raft.Entry[string], error) {
	s.ranges = append(s.ranges, [2]raft.Index{start, stop})
	return s.Storage.GetLogEntries(start, stop)
}

func (s *rangeStore) GetInitialState() (raft.InitialState, error) {
	st, err := s.Storage.GetInitialState()
	st.MembershipIndex = 0
	return st, err
}

// A restart whose store does not know the membership's index scans the
// log back for the last configuration entry, in chunks: with many chunks
// of entries after that entry (no compaction), the scan must reach it,
// read each entry once, and end.
func TestRestartScansALongLogOnce(t *testing.T) {
	r := newRig(t, 3, func(id raft.NodeID) raft.Config {
		c := raft.DefaultConfig(id)
		c.SnapshotThreshold = 0 // never compacts
		return c
	})
	r.leader()
	const commands = 700 // more than two chunks of the scan
	for i := 0; i < commands; i++ {
		r.propose(fmt.Sprintf("c%d", i))
	}
	r.advance(200 * time.Millisecond)
	for _, id := range r.ids {
		rn := r.nodes[id]
		want, wantIndex := rn.node.Membership()
		last := rn.node.Status().Last.Index
		require.Greater(t, int(last-wantIndex), 2*256, "%v: the log after the configuration entry spans several chunks", id)

		s := &rangeStore{Storage: rn.store}
		env := raft.Env[string, string]{Clock: &r.clock, Rand: &rigRand{x: 1}, Transport: rigTransport{r}, Events: rn}
		n, err := raft.NewNode(r.cfg(id), raft.Storage[string, string](s), env)
		require.NoError(t, err)
		got, gotIndex := n.Membership()
		assert.True(t, want.Equal(got), "%v: membership %v, want %v", id, got, want)
		assert.Equal(t, wantIndex, gotIndex, "%v: the configuration entry's index", id)

		require.Greater(t, len(s.ranges), 2, "%v: several chunks read", id)
		assert.Equal(t, last+1, s.ranges[0][1], "%v: the scan starts at the last entry", id)
		for k := 1; k < len(s.ranges); k++ {
			assert.Equal(t, s.ranges[k-1][0], s.ranges[k][1], "%v: chunk %d ends where chunk %d began: no entry read twice, none skipped (%v)", id, k, k-1, s.ranges)
		}
		end := s.ranges[len(s.ranges)-1]
		assert.True(t, end[0] <= wantIndex && wantIndex < end[1], "%v: the last chunk holds the configuration entry %d (%v)", id, wantIndex, end)
	}
}
