package simdisk

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// contractCase is one rule of the raft.Storage contract, checked on every
// medium: memstore (the reference), this store on the simulated disk, and
// this store on real files. On a disk, every case ends with a restart that
// must show the same durable state.
type contractCase struct {
	name string
	run  func(t *testing.T, r *rig)
}

func TestContract(t *testing.T) {
	var cases []contractCase
	for _, group := range [][]contractCase{stateCases(), logCases(), replicateCases(), applyCases(), snapshotCases()} {
		cases = append(cases, group...)
	}
	for _, kind := range rigKinds {
		t.Run(kind, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := newRig(t, kind)
					c.run(t, r)
					r.requireSurvivesRestart()
				})
			}
		})
	}
}

// compacted holds a pointer at 3 (term 1) and entries 4..6, with 1..5
// applied.
func compacted(t *testing.T, r *rig) {
	r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(2, 6, "e"))
	r.mustApply(5)
	_, err := r.s.DoLogCompaction(3)
	require.NoError(t, err)
	require.Equal(t, []string{"1/3p", "2/4", "2/5", "2/6"}, r.logIDs())
}

func stateCases() []contractCase {
	return []contractCase{
		{"pristine", func(t *testing.T, r *rig) {
			st, err := r.s.GetInitialState()
			require.NoError(t, err)
			assert.Equal(t, raft.NewInitialState(1), st)
			m, err := r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.Equal(t, raft.NewInitialMembership(1), m)
			assert.Empty(t, r.logIDs())
			cur, err := r.s.GetCurrentSnapshot()
			require.NoError(t, err)
			assert.Nil(t, cur)
		}},
		{"membership-reverse-scan", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), config(1, 2, 1, 2), normal(1, 3, "a"), config(2, 4, 1, 2, 3), normal(2, 5, "b"))
			m, err := r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.Equal(t, raft.NewMembership(1, 2, 3), m)
		}},
		{"membership-joint", func(t *testing.T, r *rig) {
			joint := raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{2, 3, 4}}
			r.mustAppend(blank(1, 1), raft.Entry[string]{Term: 1, Index: 2, Kind: raft.EntryConfigChange, Membership: &joint})
			m, err := r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.True(t, m.Equal(joint), "got %v", m)
		}},
		{"membership-after-truncation", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), config(1, 2, 1, 2), normal(1, 3, "a"), config(2, 4, 1, 2, 3), normal(2, 5, "b"))
			require.NoError(t, r.s.DeleteLogsFrom(4, nil))
			m, err := r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.Equal(t, raft.NewMembership(1, 2), m)
			require.NoError(t, r.s.DeleteLogsFrom(2, nil))
			m, err = r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.Equal(t, raft.NewInitialMembership(1), m)
		}},
		{"membership-from-pointer", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), config(1, 2, 1, 2, 3), normal(1, 3, "a"), normal(1, 4, "b"))
			r.mustApply(4)
			_, err := r.s.DoLogCompaction(4)
			require.NoError(t, err)
			r.mustAppend(normal(2, 5, "c"))
			m, err := r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.Equal(t, raft.NewMembership(1, 2, 3), m)
		}},
		{"initial-state", func(t *testing.T, r *rig) {
			hs := raft.HardState{CurrentTerm: 2, VotedFor: 3}
			require.NoError(t, r.s.SaveHardState(hs))
			r.mustAppend(blank(1, 1), config(1, 2, 1, 2, 3), normal(2, 3, "a"), normal(2, 4, "b"))
			r.mustApply(3)
			st, err := r.s.GetInitialState()
			require.NoError(t, err)
			assert.Equal(t, raft.InitialState{LastLogIndex: 4, LastLogTerm: 2, LastAppliedLog: 3, HardState: hs, Membership: raft.NewMembership(1, 2, 3), MembershipIndex: 2}, st)
		}},
		{"hard-state", func(t *testing.T, r *rig) {
			require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 1}))
			require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 1, VotedFor: 2}))
			require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 1, VotedFor: 2}))
			require.NoError(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 3}))
			st, err := r.s.GetInitialState()
			require.NoError(t, err)
			assert.Equal(t, raft.HardState{CurrentTerm: 3}, st.HardState)
		}},
		{"hard-state-refusals", func(t *testing.T, r *rig) {
			hs := raft.HardState{CurrentTerm: 3, VotedFor: 2}
			require.NoError(t, r.s.SaveHardState(hs))
			before := r.view()
			err := r.s.SaveHardState(raft.HardState{CurrentTerm: 2})
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, r.msg("n1: save hard state (term 2 vote none): term goes back from 3: storage inconsistent"))
			err = r.s.SaveHardState(raft.HardState{CurrentTerm: 3, VotedFor: 3})
			assert.EqualError(t, err, r.msg("n1: save hard state (term 3 vote n3): changes the vote of term 3 from n2: storage inconsistent"))
			assert.ErrorIs(t, r.s.SaveHardState(raft.HardState{CurrentTerm: 3}), raft.ErrInconsistent)
			assert.Equal(t, before, r.view())
		}},
	}
}

func logCases() []contractCase {
	return []contractCase{
		{"entries-ranges", func(t *testing.T, r *rig) {
			compacted(t, r)
			for _, tt := range []struct {
				start, stop raft.Index
				want        int
			}{{3, 7, 4}, {4, 6, 2}, {5, 5, 0}, {6, 4, 0}, {1, 3, 0}, {0, 5, 2}, {5, 100, 2}, {7, 10, 0}, {0, ^raft.Index(0), 4}} {
				es, err := r.s.GetLogEntries(tt.start, tt.stop)
				require.NoError(t, err)
				assert.Len(t, es, tt.want, "[%d, %d)", tt.start, tt.stop)
			}
			es, err := r.s.GetLogEntries(3, 5)
			require.NoError(t, err)
			assert.Equal(t, raft.EntrySnapshotPointer, es[0].Kind)
			assert.Equal(t, normal(2, 4, "c"), es[1])
		}},
		{"entries-are-copies", func(t *testing.T, r *rig) {
			r.mustAppend(config(1, 1, 1, 2, 3), normal(1, 2, "a"))
			es, err := r.s.GetLogEntries(1, 3)
			require.NoError(t, err)
			es[0].Membership.Members[0] = 9
			es[1].Data = "changed"
			again, err := r.s.GetLogEntries(1, 3)
			require.NoError(t, err)
			assert.Equal(t, []raft.Entry[string]{config(1, 1, 1, 2, 3), normal(1, 2, "a")}, again)
		}},
		{"delete-suffix", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(1, 4, "c"), normal(1, 5, "d"))
			require.NoError(t, r.s.DeleteLogsFrom(4, nil))
			assert.Equal(t, []string{"1/1", "1/2", "1/3"}, r.logIDs())
			require.NoError(t, r.s.DeleteLogsFrom(3, idx(100)))
			assert.Equal(t, []string{"1/1", "1/2"}, r.logIDs())
			require.NoError(t, r.s.DeleteLogsFrom(1, nil))
			assert.Empty(t, r.logIDs())
			r.mustAppend(blank(2, 1), normal(2, 2, "x"))
		}},
		{"delete-no-ops", func(t *testing.T, r *rig) {
			compacted(t, r)
			before := r.view()
			for _, rg := range [][2]raft.Index{{7, 0}, {100, 200}, {5, 5}, {6, 4}, {1, 3}} {
				stop := &rg[1]
				if rg[1] == 0 {
					stop = nil
				}
				require.NoError(t, r.s.DeleteLogsFrom(rg[0], stop))
			}
			assert.Equal(t, before, r.view())
		}},
		{"delete-refusals", func(t *testing.T, r *rig) {
			compacted(t, r)
			before := r.view()
			for _, tt := range []struct {
				start raft.Index
				stop  *raft.Index
				msg   string
			}{
				{5, idx(6), "n1: delete 5..5: would leave a hole before 6 (log 3..6): storage inconsistent"},
				{0, idx(5), "n1: delete 3..4: would leave a hole before 5 (log 3..6): storage inconsistent"},
				{5, nil, "n1: delete 5..6: would delete applied entry 5 (last applied 5): storage inconsistent"},
				{0, nil, "n1: delete 3..6: would delete applied entry 3 (last applied 5): storage inconsistent"},
			} {
				err := r.s.DeleteLogsFrom(tt.start, tt.stop)
				require.ErrorIs(t, err, raft.ErrInconsistent)
				assert.EqualError(t, err, r.msg(tt.msg))
			}
			assert.Equal(t, before, r.view())
			require.NoError(t, r.s.DeleteLogsFrom(6, nil))
			assert.Equal(t, []string{"1/3p", "2/4", "2/5"}, r.logIDs())
		}},
		{"append", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), config(2, 3, 1, 2))
			st, err := r.s.GetInitialState()
			require.NoError(t, err)
			assert.Equal(t, raft.Index(3), st.LastLogIndex)
			assert.Equal(t, raft.Term(2), st.LastLogTerm)
		}},
		{"append-refusals", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(2, 3, "b"))
			before := r.view()
			pointer := raft.NewSnapshotPointer[string](4, 2, "x", raft.NewInitialMembership(1))
			bad := normal(2, 4, "a")
			bad.Membership = &raft.Membership{Members: []raft.NodeID{1}}
			for _, tt := range []struct {
				e   raft.Entry[string]
				msg string
			}{
				{normal(2, 5, "a"), "n1: append 5: not contiguous with last index 3: storage inconsistent"},
				{normal(2, 3, "a"), "n1: append 3: not contiguous with last index 3: storage inconsistent"},
				{normal(1, 4, "a"), "n1: append 4: term 1 is before the last entry's term 2: storage inconsistent"},
				{blank(0, 4), "n1: append 4: term 0 is before any election: storage inconsistent"},
				{pointer, "n1: append 4: a snapshot pointer is written only by the store: storage inconsistent"},
				{bad, "n1: append 4: raft: entry 2/4: normal entry carries a membership: storage inconsistent"},
			} {
				err := r.s.AppendEntryToLog(&tt.e)
				require.ErrorIs(t, err, raft.ErrInconsistent)
				assert.EqualError(t, err, r.msg(tt.msg))
			}
			assert.ErrorIs(t, r.s.AppendEntryToLog(nil), raft.ErrInconsistent)
			assert.Equal(t, before, r.view())
		}},
		{"append-keeps-own-copy", func(t *testing.T, r *rig) {
			e := config(1, 1, 1, 2, 3)
			r.mustAppend(e)
			e.Membership.Members[0] = 9
			m, err := r.s.GetMembershipConfig()
			require.NoError(t, err)
			assert.Equal(t, raft.NewMembership(1, 2, 3), m)
		}},
	}
}

func replicateCases() []contractCase {
	return []contractCase{
		{"replicate-appends", func(t *testing.T, r *rig) {
			require.NoError(t, r.s.ReplicateToLog([]raft.Entry[string]{blank(1, 1), normal(1, 2, "a")}))
			require.NoError(t, r.s.ReplicateToLog([]raft.Entry[string]{normal(1, 3, "b"), normal(2, 4, "c")}))
			require.NoError(t, r.s.ReplicateToLog(nil))
			assert.Equal(t, []string{"1/1", "1/2", "1/3", "2/4"}, r.logIDs())
		}},
		{"replicate-conflict", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(1, 4, "c"), normal(1, 5, "d"))
			r.mustApply(1)
			require.NoError(t, r.s.ReplicateToLog([]raft.Entry[string]{normal(1, 2, "a"), normal(2, 3, "x")}))
			assert.Equal(t, []string{"1/1", "1/2", "2/3"}, r.logIDs())
			es, err := r.s.GetLogEntries(3, 4)
			require.NoError(t, err)
			assert.Equal(t, "x", es[0].Data)
		}},
		{"replicate-identical", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"))
			before := r.view()
			require.NoError(t, r.s.ReplicateToLog([]raft.Entry[string]{normal(1, 2, "a"), normal(1, 3, "b")}))
			assert.Equal(t, before, r.view())
			require.NoError(t, r.s.ReplicateToLog([]raft.Entry[string]{normal(2, 5, "d"), normal(2, 6, "e")}))
			assert.Equal(t, []string{"1/1", "1/2", "1/3", "2/4", "2/5", "2/6"}, r.logIDs())
		}},
		{"replicate-skips-compacted", func(t *testing.T, r *rig) {
			compacted(t, r)
			batch := []raft.Entry[string]{normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(2, 6, "e"), normal(3, 7, "f")}
			require.NoError(t, r.s.ReplicateToLog(batch))
			assert.Equal(t, []string{"1/3p", "2/4", "2/5", "2/6", "3/7"}, r.logIDs())
		}},
		{"replicate-refusals", func(t *testing.T, r *rig) {
			compacted(t, r)
			before := r.view()
			for _, tt := range []struct {
				batch []raft.Entry[string]
				msg   string
			}{
				{[]raft.Entry[string]{normal(2, 8, "x")}, "n1: replicate 8..8: not contiguous with last index 6: storage inconsistent"},
				{[]raft.Entry[string]{normal(2, 7, "x"), normal(2, 9, "y")}, "n1: replicate 9: batch not contiguous after 7: storage inconsistent"},
				{[]raft.Entry[string]{normal(3, 7, "x"), normal(2, 8, "y")}, "n1: replicate 8: term 2 is before the previous entry's term 3: storage inconsistent"},
				{[]raft.Entry[string]{normal(1, 7, "x")}, "n1: replicate 7: term 1 is before the previous entry's term 2: storage inconsistent"},
				{[]raft.Entry[string]{normal(3, 5, "x")}, "n1: replicate 5: term 3 would replace applied entry 2/5: storage inconsistent"},
				{[]raft.Entry[string]{normal(2, 3, "x")}, "n1: replicate 3: term 2 would replace applied entry 1/3: storage inconsistent"},
				{[]raft.Entry[string]{normal(2, 6, "e"), normal(2, 7, "x"), normal(1, 8, "y")}, "n1: replicate 8: term 1 is before the previous entry's term 2: storage inconsistent"},
			} {
				err := r.s.ReplicateToLog(tt.batch)
				require.ErrorIs(t, err, raft.ErrInconsistent)
				assert.EqualError(t, err, r.msg(tt.msg))
			}
			assert.Equal(t, before, r.view())
		}},
	}
}

func applyCases() []contractCase {
	return []contractCase{
		{"apply", func(t *testing.T, r *rig) {
			entries := []raft.Entry[string]{blank(1, 1), normal(1, 2, "a"), config(1, 3, 1, 2), normal(1, 4, "b")}
			r.mustAppend(entries...)
			var responses []int
			for k := range entries {
				res, err := r.s.ApplyEntryToStateMachine(&entries[k])
				require.NoError(t, err)
				responses = append(responses, res)
			}
			assert.Equal(t, []int{0, 1, 0, 2}, responses)
			assert.Equal(t, []string{"a", "b"}, r.sm.Items)
			assert.Equal(t, raft.Index(4), r.lastApplied())
		}},
		{"apply-refusals", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"))
			r.mustApply(2)
			before := r.view()
			for _, tt := range []struct {
				e   raft.Entry[string]
				msg string
			}{
				{normal(1, 2, "a"), "n1: apply 2: already applied (next to apply is 3): storage inconsistent"},
				{normal(1, 4, "c"), "n1: apply 4: skips entries (next to apply is 3): storage inconsistent"},
				{normal(1, 3, "b"), "n1: apply 3: not in the log (last index 2): storage inconsistent"},
			} {
				_, err := r.s.ApplyEntryToStateMachine(&tt.e)
				assert.EqualError(t, err, r.msg(tt.msg))
			}
			r.mustAppend(normal(1, 3, "b"))
			e := normal(2, 3, "x")
			_, err := r.s.ApplyEntryToStateMachine(&e)
			assert.EqualError(t, err, r.msg("n1: apply 2/3 normal: the log holds 1/3 normal at that index: storage inconsistent"))
			err = r.s.ReplicateToStateMachine([]raft.Entry[string]{normal(1, 3, "b"), normal(1, 4, "c")})
			assert.EqualError(t, err, r.msg("n1: apply 4: not in the log (last index 3): storage inconsistent"))
			assert.Equal(t, before.SM, r.sm.Clone(), "nothing of a refused batch is applied")
		}},
	}
}

func snapshotCases() []contractCase {
	return []contractCase{
		{"compaction", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), config(1, 2, 1, 2, 3), normal(2, 3, "a"), normal(2, 4, "b"), normal(2, 5, "c"))
			r.mustApply(4)
			snap, err := r.s.DoLogCompaction(4)
			require.NoError(t, err)
			assert.Equal(t, raft.Index(4), snap.Index)
			assert.Equal(t, raft.Term(2), snap.Term)
			assert.Equal(t, raft.NewMembership(1, 2, 3), snap.Membership)
			assert.Equal(t, "snap-2-4-1", snap.ID)
			assert.Equal(t, []string{"2/4p", "2/5"}, r.logIDs())
			data, err := io.ReadAll(snap.Snapshot)
			require.NoError(t, err)
			meta, state, err := raft.DecodeSnapshot(data)
			require.NoError(t, err)
			assert.Equal(t, raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1, 2, 3)}, meta)
			restored := &listSM{}
			require.NoError(t, restored.Restore(state))
			assert.Equal(t, r.sm.Items, restored.Items)
		}},
		{"compaction-window", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), config(1, 2, 1, 2), normal(1, 3, "a"), config(2, 4, 1, 2, 3), normal(3, 5, "b"), normal(3, 6, "c"))
			r.mustApply(5)
			snap, err := r.s.DoLogCompaction(3)
			require.NoError(t, err)
			assert.Equal(t, raft.Index(5), snap.Index)
			assert.Equal(t, []string{"1/3p", "2/4", "3/5", "3/6"}, r.logIDs())
			es, err := r.s.GetLogEntries(3, 4)
			require.NoError(t, err)
			assert.Equal(t, raft.NewMembership(1, 2), *es[0].Membership)
			assert.Equal(t, snap.ID, es[0].SnapshotID)
		}},
		{"compaction-again", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"))
			r.mustApply(3)
			first, err := r.s.DoLogCompaction(3)
			require.NoError(t, err)
			r.mustApply(5)
			second, err := r.s.DoLogCompaction(2)
			require.NoError(t, err)
			assert.Equal(t, []string{"1/3p", "2/4", "2/5"}, r.logIDs())
			assert.NotEqual(t, first.ID, second.ID)
			third, err := r.s.DoLogCompaction(5)
			require.NoError(t, err)
			assert.Equal(t, []string{"2/5p"}, r.logIDs())
			cur, err := r.s.GetCurrentSnapshot()
			require.NoError(t, err)
			assert.Equal(t, third.ID, cur.ID)
		}},
		{"compaction-refusals", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"))
			r.mustApply(2)
			before := r.view()
			_, err := r.s.DoLogCompaction(3)
			assert.EqualError(t, err, r.msg("n1: compact through 3: beyond last applied 2: storage inconsistent"))
			_, err = r.s.DoLogCompaction(0)
			assert.EqualError(t, err, r.msg("n1: compact through 0: nothing to compact: storage inconsistent"))
			r.sm.FailSnapshot = errTest
			_, err = r.s.DoLogCompaction(2)
			require.ErrorIs(t, err, errTest)
			assert.EqualError(t, err, r.msg("n1: compact through 2: snapshot the state machine: test failure"))
			r.sm.FailSnapshot = nil
			assert.Equal(t, before, r.view())
		}},
		{"create-snapshot", func(t *testing.T, r *rig) {
			id1, h1, err := r.s.CreateSnapshot()
			require.NoError(t, err)
			id2, h2, err := r.s.CreateSnapshot()
			require.NoError(t, err)
			assert.NotEqual(t, id1, id2)
			_, err = h1.Write([]byte("hello"))
			require.NoError(t, err)
			b, err := io.ReadAll(h2)
			require.NoError(t, err)
			assert.Empty(t, b)
		}},
		{"install", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "x"))
			id := stream(t, r, leaderSnapshot(t))
			require.NoError(t, r.s.FinalizeSnapshotInstallation(4, 2, nil, id.id, id.h))
			assert.Equal(t, []string{"2/4p"}, r.logIDs())
			assert.Equal(t, []string{"a", "b", "c"}, r.sm.Items)
			st, err := r.s.GetInitialState()
			require.NoError(t, err)
			assert.Equal(t, raft.InitialState{LastLogIndex: 4, LastLogTerm: 2, LastAppliedLog: 4, Membership: raft.NewMembership(1, 2, 3), MembershipIndex: 4}, st)
			cur, err := r.s.GetCurrentSnapshot()
			require.NoError(t, err)
			assert.Equal(t, id.id, cur.ID)
		}},
		{"install-keeps-matching-suffix", func(t *testing.T, r *rig) {
			r.mustAppend(config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(2, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(3, 6, "e"))
			r.mustApply(1)
			id := stream(t, r, leaderSnapshot(t))
			require.NoError(t, r.s.FinalizeSnapshotInstallation(4, 2, idx(4), id.id, id.h))
			assert.Equal(t, []string{"2/4p", "2/5", "3/6"}, r.logIDs())
			assert.Equal(t, raft.Index(4), r.lastApplied())
		}},
		{"install-drops-conflicting-suffix", func(t *testing.T, r *rig) {
			r.mustAppend(config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(1, 3, "x"), normal(1, 4, "y"), normal(1, 5, "z"))
			id := stream(t, r, leaderSnapshot(t))
			require.NoError(t, r.s.FinalizeSnapshotInstallation(4, 2, idx(4), id.id, id.h))
			assert.Equal(t, []string{"2/4p"}, r.logIDs())
		}},
		{"install-older-ignored", func(t *testing.T, r *rig) {
			r.mustAppend(config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(2, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(2, 6, "e"))
			r.mustApply(5)
			_, err := r.s.DoLogCompaction(5)
			require.NoError(t, err)
			before := r.view()
			id := stream(t, r, leaderSnapshot(t))
			require.NoError(t, r.s.FinalizeSnapshotInstallation(4, 2, nil, id.id, id.h))
			assert.Equal(t, before, r.view())
		}},
		{"install-refusals", func(t *testing.T, r *rig) {
			good := raft.EncodeSnapshot(raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1)}, []byte(`{}`))
			corrupted := append([]byte(nil), good...)
			corrupted[6] ^= 0x40
			r.mustAppend(blank(1, 1), normal(1, 2, "a"), normal(2, 3, "b"))
			r.mustApply(1)
			before := r.view()
			for _, tt := range []struct {
				term raft.Term
				del  *raft.Index
				id   string
				data []byte
				is   error
				msg  string
			}{
				{3, nil, "x", good, raft.ErrInconsistent, "n1: install snapshot 3/4: its header says 2/4: storage inconsistent"},
				{2, idx(3), "x", good, raft.ErrInconsistent, "n1: install snapshot 2/4: delete through 3 is not the snapshot's index: storage inconsistent"},
				{2, nil, "", good, raft.ErrInconsistent, "n1: install snapshot 2/4: empty snapshot id: storage inconsistent"},
				{2, nil, "x", corrupted, raft.ErrCorrupt, ""},
				{2, nil, "x", nil, raft.ErrCorrupt, "n1: install snapshot 2/4: raft: decode snapshot: 0 bytes is too short: storage corrupt"},
			} {
				_, h, err := r.s.CreateSnapshot()
				require.NoError(t, err)
				_, err = h.Write(tt.data)
				require.NoError(t, err)
				err = r.s.FinalizeSnapshotInstallation(4, tt.term, tt.del, tt.id, h)
				require.ErrorIs(t, err, tt.is)
				if tt.msg != "" {
					assert.EqualError(t, err, r.msg(tt.msg))
				}
			}
			assert.Equal(t, before.Log, r.view().Log)
			assert.Equal(t, before.SM, r.sm.Clone())
		}},
		{"install-restore-fails", func(t *testing.T, r *rig) {
			good := raft.EncodeSnapshot(raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1)}, []byte(`{}`))
			r.sm.FailRestore = errTest
			_, h, err := r.s.CreateSnapshot()
			require.NoError(t, err)
			_, err = h.Write(good)
			require.NoError(t, err)
			err = r.s.FinalizeSnapshotInstallation(4, 2, nil, "x", h)
			require.ErrorIs(t, err, errTest)
			assert.EqualError(t, err, r.msg("n1: install snapshot 2/4: restore the state machine: test failure"))
			r.sm.FailRestore = nil
			assert.Empty(t, r.logIDs())
			assert.Zero(t, r.lastApplied())
		}},
		{"install-replaces-live", func(t *testing.T, r *rig) {
			r.mustAppend(blank(1, 1), normal(1, 2, "a"))
			r.mustApply(2)
			_, err := r.s.DoLogCompaction(2)
			require.NoError(t, err)
			snap := leaderSnapshot(t)
			id := stream(t, r, snap)
			require.NoError(t, r.s.FinalizeSnapshotInstallation(4, 2, nil, id.id, id.h))
			cur, err := r.s.GetCurrentSnapshot()
			require.NoError(t, err)
			assert.Equal(t, id.id, cur.ID)
			_, err = snap.Snapshot.Seek(0, io.SeekStart)
			require.NoError(t, err)
			want, err := io.ReadAll(snap.Snapshot)
			require.NoError(t, err)
			got, err := io.ReadAll(cur.Snapshot)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			_, err = cur.Snapshot.Write([]byte("x"))
			assert.Error(t, err, "the live snapshot is read-only")
		}},
	}
}

// leaderSnapshot is the snapshot of a memstore that applied "a", "b", "c"
// at 2..4 with membership {n1,n2,n3}: 2/4.
func leaderSnapshot(t *testing.T) raft.CurrentSnapshot {
	leader := newRig(t, "memstore")
	leader.mustAppend(config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(2, 3, "b"), normal(2, 4, "c"))
	leader.mustApply(4)
	snap, err := leader.s.DoLogCompaction(4)
	require.NoError(t, err)
	return snap
}

type streamed struct {
	id string
	h  raft.SnapshotHandle
}

// stream copies snap into a new handle of r's store, in small chunks as
// the core does, and closes it.
func stream(t *testing.T, r *rig, snap raft.CurrentSnapshot) streamed {
	id, h, err := r.s.CreateSnapshot()
	require.NoError(t, err)
	_, err = io.CopyBuffer(h, snap.Snapshot, make([]byte, 7))
	require.NoError(t, err)
	require.NoError(t, h.Close())
	return streamed{id: id, h: h}
}
