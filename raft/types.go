package raft

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// NodeID names a Raft node. Zero is reserved for "nobody" (no vote, no
// known leader), so real nodes are numbered from 1.
type NodeID uint64

// None is the NodeID that names no node.
const None NodeID = 0

func (id NodeID) String() string {
	if id == None {
		return "none"
	}
	return "n" + strconv.FormatUint(uint64(id), 10)
}

// Term is a Raft term number. Terms only grow.
type Term uint64

func (t Term) String() string { return "t" + strconv.FormatUint(uint64(t), 10) }

// Index is a position in the Raft log. The first entry has index 1; index 0
// stands for "before the log" and has term 0.
type Index uint64

// EntryID names one log entry by its term and index. Two logs that hold the
// same EntryID hold the same entry and agree on everything before it (log
// matching).
type EntryID struct {
	Term  Term
	Index Index
}

func (id EntryID) String() string {
	return strconv.FormatUint(uint64(id.Term), 10) + "/" + strconv.FormatUint(uint64(id.Index), 10)
}

// EntryKind says what an entry's payload holds, as the seed's EntryPayload
// enum does.
type EntryKind uint8

const (
	// EntryBlank is the no-op a new leader appends to commit entries of
	// earlier terms (Raft §5.4.2, "Figure 8").
	EntryBlank EntryKind = iota
	// EntryNormal carries application data.
	EntryNormal
	// EntryConfigChange carries a new (possibly joint) membership.
	EntryConfigChange
	// EntrySnapshotPointer marks where a snapshot replaced the log. It
	// carries the snapshot's ID and the membership it covers.
	EntrySnapshotPointer
)

var entryKindNames = [...]string{"blank", "normal", "config", "snapshot-pointer"}

func (k EntryKind) String() string {
	if int(k) < len(entryKindNames) {
		return entryKindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Entry is one log entry. D is the application's command type (the seed's
// AppData).
//
// Invariant: Membership != nil exactly when Kind is EntryConfigChange or
// EntrySnapshotPointer; SnapshotID != "" only when Kind is
// EntrySnapshotPointer; Data is the zero value unless Kind is EntryNormal.
type Entry[D any] struct {
	Term  Term
	Index Index
	Kind  EntryKind
	// Data is the application command of a normal entry.
	Data D
	// Membership is the configuration a config-change entry installs, or
	// the one a snapshot pointer's snapshot covers.
	Membership *Membership
	// SnapshotID names the snapshot a snapshot pointer stands for.
	SnapshotID string
}

// ID returns the entry's term and index.
func (e *Entry[D]) ID() EntryID { return EntryID{Term: e.Term, Index: e.Index} }

// NewSnapshotPointer builds the entry that stands in the log for a
// snapshot, as the seed's Entry::new_snapshot_pointer does.
func NewSnapshotPointer[D any](index Index, term Term, id string, m Membership) Entry[D] {
	mc := m.Clone()
	return Entry[D]{Term: term, Index: index, Kind: EntrySnapshotPointer, Membership: &mc, SnapshotID: id}
}

// Validate reports an entry whose fields disagree with its kind.
func (e *Entry[D]) Validate() error {
	switch e.Kind {
	case EntryBlank, EntryNormal:
		if e.Membership != nil {
			return fmt.Errorf("raft: entry %v: %v entry carries a membership", e.ID(), e.Kind)
		}
	case EntryConfigChange, EntrySnapshotPointer:
		if e.Membership == nil {
			return fmt.Errorf("raft: entry %v: %v entry without membership", e.ID(), e.Kind)
		}
		if err := e.Membership.Validate(); err != nil {
			return fmt.Errorf("raft: entry %v: %w", e.ID(), err)
		}
	default:
		return fmt.Errorf("raft: entry %v: unknown kind %d", e.ID(), e.Kind)
	}
	if e.SnapshotID != "" && e.Kind != EntrySnapshotPointer {
		return fmt.Errorf("raft: entry %v: snapshot id on a %v entry", e.ID(), e.Kind)
	}
	if e.Index == 0 {
		return fmt.Errorf("raft: entry %v: index 0 is before the log", e.ID())
	}
	return nil
}

// String renders an entry compactly: "3/11 normal {data}".
func (e Entry[D]) String() string {
	var b strings.Builder
	b.WriteString(e.ID().String())
	switch e.Kind {
	case EntryNormal:
		fmt.Fprintf(&b, " %v", e.Data)
	case EntryBlank:
		b.WriteString(" blank")
	case EntryConfigChange:
		fmt.Fprintf(&b, " config %v", e.Membership)
	case EntrySnapshotPointer:
		fmt.Fprintf(&b, " snapshot %s %v", e.SnapshotID, e.Membership)
	}
	return b.String()
}

// Membership is a cluster configuration, as the seed's MembershipConfig:
// the voting members, and during joint consensus the members the cluster is
// moving to. Non-voters (learners catching up) are not part of it; the
// leader tracks them, as async-raft does.
//
// Invariant: both sets are sorted ascending without duplicates and never
// contain None. Members is never empty in a valid configuration.
type Membership struct {
	Members []NodeID
	// MembersAfterConsensus is non-nil only during joint consensus.
	MembersAfterConsensus []NodeID
}

// NewInitialMembership is the configuration of a pristine node: itself
// alone, as the seed's MembershipConfig::new_initial.
func NewInitialMembership(id NodeID) Membership {
	return Membership{Members: []NodeID{id}}
}

// NewMembership returns a non-joint configuration of the given members,
// sorted and deduplicated.
func NewMembership(members ...NodeID) Membership {
	return Membership{Members: normalizeSet(members)}
}

func normalizeSet(ids []NodeID) []NodeID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// IsJoint reports whether the configuration is in joint consensus.
func (m Membership) IsJoint() bool { return m.MembersAfterConsensus != nil }

// Contains reports whether id votes in either half of the configuration.
func (m Membership) Contains(id NodeID) bool {
	_, ok := slices.BinarySearch(m.Members, id)
	if ok {
		return true
	}
	_, ok = slices.BinarySearch(m.MembersAfterConsensus, id)
	return ok
}

// AllMembers returns every voter of either half, sorted.
func (m Membership) AllMembers() []NodeID {
	if !m.IsJoint() {
		return slices.Clone(m.Members)
	}
	return normalizeSet(append(slices.Clone(m.Members), m.MembersAfterConsensus...))
}

// Clone returns a deep copy.
func (m Membership) Clone() Membership {
	out := Membership{Members: slices.Clone(m.Members)}
	if m.MembersAfterConsensus != nil {
		out.MembersAfterConsensus = slices.Clone(m.MembersAfterConsensus)
		if out.MembersAfterConsensus == nil {
			out.MembersAfterConsensus = []NodeID{}
		}
	}
	return out
}

// Equal reports whether two configurations are the same.
func (m Membership) Equal(o Membership) bool {
	return slices.Equal(m.Members, o.Members) &&
		m.IsJoint() == o.IsJoint() &&
		slices.Equal(m.MembersAfterConsensus, o.MembersAfterConsensus)
}

// Validate checks the invariant of the type.
func (m Membership) Validate() error {
	if len(m.Members) == 0 {
		return fmt.Errorf("raft: membership %v: no members", m)
	}
	if err := validateSet(m.Members); err != nil {
		return fmt.Errorf("raft: membership %v: members: %w", m, err)
	}
	if m.IsJoint() {
		if len(m.MembersAfterConsensus) == 0 {
			return fmt.Errorf("raft: membership %v: joint with no new members", m)
		}
		if err := validateSet(m.MembersAfterConsensus); err != nil {
			return fmt.Errorf("raft: membership %v: members after consensus: %w", m, err)
		}
	}
	return nil
}

func validateSet(ids []NodeID) error {
	for i, id := range ids {
		if id == None {
			return fmt.Errorf("node id 0 is reserved")
		}
		if i > 0 && ids[i-1] >= id {
			return fmt.Errorf("not sorted and unique at %v", id)
		}
	}
	return nil
}

// String renders "{n1,n2,n3}" or, when joint, "{n1,n2,n3 -> n2,n3,n4}".
func (m Membership) String() string {
	var b strings.Builder
	b.WriteByte('{')
	writeIDs(&b, m.Members)
	if m.IsJoint() {
		b.WriteString(" -> ")
		writeIDs(&b, m.MembersAfterConsensus)
	}
	b.WriteByte('}')
	return b.String()
}

func writeIDs(b *strings.Builder, ids []NodeID) {
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id.String())
	}
}

// HardState is what a node must never forget: the latest term it saw and
// whom it voted for in that term (the seed's HardState).
type HardState struct {
	CurrentTerm Term
	VotedFor    NodeID // None when the node has not voted in CurrentTerm
}

func (h HardState) String() string {
	return fmt.Sprintf("term %d vote %v", h.CurrentTerm, h.VotedFor)
}

// InitialState is what a node reads from storage when it starts (the seed's
// InitialState).
type InitialState struct {
	LastLogIndex   Index
	LastLogTerm    Term
	LastAppliedLog Index
	HardState      HardState
	// Membership is the latest configuration in the log (or the snapshot
	// pointer's), else the pristine configuration of this node alone.
	Membership Membership
	// MembershipIndex is the index of the entry holding Membership (a
	// config-change entry or the snapshot pointer). Zero says the store
	// does not know it (or Membership is the pristine one): the node then
	// finds it by a reverse scan of the log, which on a long uncompacted
	// log costs a read of every entry since the last configuration. A
	// store that keeps the index spares every restart that scan.
	MembershipIndex Index `json:",omitempty"`
}

// NewInitialState is the state of a pristine node, as the seed's
// InitialState::new_initial.
func NewInitialState(id NodeID) InitialState {
	return InitialState{Membership: NewInitialMembership(id)}
}
