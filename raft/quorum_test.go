package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

// The quorum and vote arithmetic, tested directly: the commit index a
// leader may reach (the largest index a majority of each half matches) and
// the outcome of an election (won with a majority of each half, lost once
// some half can no longer reach one). Tables first, joint configurations
// included, then properties against a brute-force count.

func joint(old, new []NodeID) Membership {
	return Membership{Members: old, MembersAfterConsensus: new}
}

func ids(xs ...NodeID) []NodeID { return xs }

func TestJointQuorumValueTable(t *testing.T) {
	for _, c := range []struct {
		name  string
		m     Membership
		match map[NodeID]uint64
		want  uint64
	}{
		{"one node", NewMembership(1), map[NodeID]uint64{1: 7}, 7},
		{"three: the median", NewMembership(1, 2, 3), map[NodeID]uint64{1: 9, 2: 5, 3: 2}, 5},
		{"three: two agree", NewMembership(1, 2, 3), map[NodeID]uint64{1: 9, 2: 9, 3: 0}, 9},
		{"four: needs three", NewMembership(1, 2, 3, 4), map[NodeID]uint64{1: 9, 2: 8, 3: 3, 4: 1}, 3},
		{"five: third highest", NewMembership(1, 2, 3, 4, 5), map[NodeID]uint64{1: 9, 2: 8, 3: 7, 4: 1, 5: 0}, 7},
		{"unknown member counts 0", NewMembership(1, 2, 3), map[NodeID]uint64{1: 9}, 0},
		{"joint: old half holds back", joint(ids(1, 2, 3), ids(3, 4, 5)),
			map[NodeID]uint64{1: 2, 2: 2, 3: 9, 4: 9, 5: 9}, 2},
		{"joint: new half holds back", joint(ids(1, 2, 3), ids(3, 4, 5)),
			map[NodeID]uint64{1: 9, 2: 9, 3: 9, 4: 1, 5: 1}, 1},
		{"joint: both halves agree", joint(ids(1, 2, 3), ids(3, 4, 5)),
			map[NodeID]uint64{1: 6, 2: 0, 3: 6, 4: 6, 5: 0}, 6},
		{"joint: shared node alone is not enough", joint(ids(1, 2), ids(2, 3)),
			map[NodeID]uint64{1: 0, 2: 8, 3: 0}, 0},
		{"joint: one to three", joint(ids(1), ids(1, 2, 3)),
			map[NodeID]uint64{1: 5, 2: 4, 3: 0}, 4},
		{"joint: three to one", joint(ids(1, 2, 3), ids(3)),
			map[NodeID]uint64{1: 5, 2: 4, 3: 3}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := jointQuorumValue(c.m, func(id NodeID) uint64 { return c.match[id] }, nil)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestVoteTallyTable(t *testing.T) {
	type answer struct {
		from    NodeID
		granted bool
	}
	for _, c := range []struct {
		name      string
		m         Membership
		answers   []answer
		won, lost bool
	}{
		{"self alone in one", NewMembership(1), []answer{{1, true}}, true, false},
		{"self alone in three: open", NewMembership(1, 2, 3), []answer{{1, true}}, false, false},
		{"two of three", NewMembership(1, 2, 3), []answer{{1, true}, {3, true}}, true, false},
		{"two refusals of three", NewMembership(1, 2, 3), []answer{{1, true}, {2, false}, {3, false}}, false, true},
		{"two of four: open", NewMembership(1, 2, 3, 4), []answer{{1, true}, {2, true}, {3, false}}, false, false},
		{"two refusals of four: lost", NewMembership(1, 2, 3, 4), []answer{{1, true}, {2, false}, {3, false}}, false, true},
		{"a duplicate counts once", NewMembership(1, 2, 3), []answer{{1, true}, {1, true}}, false, false},
		{"a non-member's vote counts nothing", NewMembership(1, 2, 3), []answer{{1, true}, {9, true}}, false, false},
		{"joint: old majority only", joint(ids(1, 2, 3), ids(3, 4, 5)),
			[]answer{{1, true}, {2, true}, {4, false}}, false, false},
		{"joint: both majorities", joint(ids(1, 2, 3), ids(3, 4, 5)),
			[]answer{{1, true}, {3, true}, {4, true}}, true, false},
		{"joint: new half lost", joint(ids(1, 2, 3), ids(3, 4, 5)),
			[]answer{{1, true}, {2, true}, {4, false}, {5, false}}, false, true},
		{"joint: shared node counts in both", joint(ids(1, 2), ids(2, 3)),
			[]answer{{1, true}, {2, true}, {3, true}}, true, false},
		{"joint: shared refusal loses both", joint(ids(1, 2), ids(2, 3)),
			[]answer{{1, true}, {2, false}}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v voteTally
			for _, a := range c.answers {
				v.record(a.from, a.granted, false)
			}
			won, lost := v.result(c.m)
			assert.Equal(t, c.won, won, "won")
			assert.Equal(t, c.lost, lost, "lost")
		})
	}
}

// drawMembership draws a plain or joint configuration over nodes 1..7.
func drawMembership(t *rapid.T) Membership {
	half := func(label string) []NodeID {
		var out []NodeID
		for id := NodeID(1); id <= 7; id++ {
			if rapid.Bool().Draw(t, fmt.Sprintf("%s%d", label, id)) {
				out = append(out, id)
			}
		}
		if len(out) == 0 {
			out = []NodeID{1}
		}
		return out
	}
	m := NewMembership(half("old")...)
	if rapid.Bool().Draw(t, "joint") {
		m.MembersAfterConsensus = half("new")
	}
	return m
}

// majorityAtLeast counts by brute force whether a majority of members have
// a value of at least v.
func majorityAtLeast(members []NodeID, value func(NodeID) uint64, v uint64) bool {
	n := 0
	for _, id := range members {
		if value(id) >= v {
			n++
		}
	}
	return n > len(members)/2
}

// The quorum value is the largest index both majorities reach: every half
// has a majority at it, and some half lacks one just above it.
func TestJointQuorumValueIsLargestCommonMajority(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := drawMembership(t)
		match := map[NodeID]uint64{}
		for _, id := range m.AllMembers() {
			match[id] = rapid.Uint64Range(0, 20).Draw(t, fmt.Sprintf("match%d", id))
		}
		value := func(id NodeID) uint64 { return match[id] }
		q := jointQuorumValue(m, value, nil)
		halves := [][]NodeID{m.Members}
		if m.IsJoint() {
			halves = append(halves, m.MembersAfterConsensus)
		}
		above := true
		for _, h := range halves {
			if !majorityAtLeast(h, value, q) {
				t.Fatalf("%v: quorum value %d, but half %v has no majority at it (%v)", m, q, h, match)
			}
			above = above && majorityAtLeast(h, value, q+1)
		}
		if above {
			t.Fatalf("%v: quorum value %d, but every half has a majority at %d (%v)", m, q, q+1, match)
		}
	})
}

// An election is won exactly when each half has a majority of grants, lost
// exactly when some half has too many refusals to reach one, never both.
func TestVoteTallyAgainstCount(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := drawMembership(t)
		var v voteTally
		granted := map[NodeID]bool{}
		answered := map[NodeID]bool{}
		for _, id := range m.AllMembers() {
			switch rapid.IntRange(0, 2).Draw(t, fmt.Sprintf("answer%d", id)) {
			case 1:
				v.record(id, true, false)
				granted[id], answered[id] = true, true
			case 2:
				v.record(id, false, false)
				answered[id] = true
			}
		}
		won, lost := v.result(m)
		halves := [][]NodeID{m.Members}
		if m.IsJoint() {
			halves = append(halves, m.MembersAfterConsensus)
		}
		wantWon, wantLost := true, false
		for _, h := range halves {
			yes, no := 0, 0
			for _, id := range h {
				if granted[id] {
					yes++
				} else if answered[id] {
					no++
				}
			}
			wantWon = wantWon && yes > len(h)/2
			wantLost = wantLost || len(h)-no <= len(h)/2
		}
		if won != wantWon || lost != wantLost || (won && lost) {
			t.Fatalf("%v grants %v answered %v: won %v lost %v, want won %v lost %v", m, granted, answered, won, lost, wantWon, wantLost)
		}
	})
}
