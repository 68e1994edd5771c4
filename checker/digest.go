package checker

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// EntryRef is a log entry as the Watch sees it: where it is, its term, and
// a digest of its content. The Watch never sees commands, so it stays
// independent of the application's types.
type EntryRef struct {
	Index  raft.Index
	Term   raft.Term
	Digest uint64
	// Membership is the configuration a config-change entry installs, nil
	// for every other kind. The Watch derives each node's configuration
	// from it (a configuration takes effect when appended, §4.1), rather
	// than trusting the node's own bookkeeping.
	Membership *raft.Membership
}

// ID returns the entry's term and index.
func (e EntryRef) ID() raft.EntryID { return raft.EntryID{Term: e.Term, Index: e.Index} }

// Entry digests: one convention, so that the same entry gets the same
// digest on every node and different entries (almost surely) different
// ones. Each kind hashes under its own tag, so a blank can never collide
// with a command whose hash happens to be zero.
//
//	blank            DigestBlank()
//	normal           DigestNormal(h), h any 64-bit hash of the command that
//	                 differs between different commands (HashBytes of its
//	                 encoding, for instance)
//	config change    DigestConfig(membership)
//	snapshot pointer never passed as an entry: pointers are written by the
//	                 store itself and reported through Compacted and
//	                 InstalledSnapshot
const (
	tagBlank  uint64 = 0x626c616e6b000001 // "blank"
	tagNormal uint64 = 0x6e6f726d616c0002 // "normal"
	tagConfig uint64 = 0x636f6e6669670003 // "config"
)

// DigestBlank is the digest of a blank entry.
func DigestBlank() uint64 { return mix64(tagBlank) }

// DigestNormal is the digest of a normal entry whose command hashes to h.
func DigestNormal(h uint64) uint64 { return mix64(mix64(tagNormal) ^ h) }

// DigestConfig is the digest of a config-change entry installing m.
func DigestConfig(m raft.Membership) uint64 {
	h := mix64(tagConfig)
	for _, id := range m.Members {
		h = mix64(h ^ uint64(id))
	}
	if m.IsJoint() {
		h = mix64(h ^ 0xffffffffffffffff) // separates the halves
		for _, id := range m.MembersAfterConsensus {
			h = mix64(h ^ uint64(id))
		}
	}
	return h
}

// HashBytes is FNV-1a (64 bit) of b, a convenient command hash for
// DigestNormal when the command has a byte encoding.
func HashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// RefOf turns an entry into an EntryRef by the digest convention; data
// hashes a normal entry's command. It panics on a snapshot pointer, which
// the store writes itself and callers never pass to a write.
func RefOf[D any](e *raft.Entry[D], data func(D) uint64) EntryRef {
	r := EntryRef{Index: e.Index, Term: e.Term}
	switch e.Kind {
	case raft.EntryBlank:
		r.Digest = DigestBlank()
	case raft.EntryNormal:
		r.Digest = DigestNormal(data(e.Data))
	case raft.EntryConfigChange:
		r.Digest = DigestConfig(*e.Membership)
		r.Membership = e.Membership
	default:
		panic(fmt.Sprintf("checker: entry %v is a %v: snapshot pointers are reported through Compacted or InstalledSnapshot, never as entries", e.ID(), e.Kind))
	}
	return r
}

// PointerPassed is the violation of a node that passed a snapshot pointer
// to a write or to its state machine: it read its compacted prefix back as
// log entries (a core whose snapshot or applied index went back).
func PointerPassed(node raft.NodeID, id raft.EntryID) *Violation {
	return violate(InvalidObservation, []raft.NodeID{node}, id.Term, id.Index,
		"%v passed the snapshot pointer %v to its store as an entry: pointers are the store's own, so the node read its compacted prefix back", node, id)
}

// Outgoing is a message as it leaves a node, reduced to what the
// durability checks need.
type Outgoing struct {
	From, To raft.NodeID
	Type     raft.MessageType
	Term     raft.Term
	// Index is what the message promises: the last matching index of an
	// AppResp, the installed snapshot's index of a SnapResp (0 for a
	// chunk acknowledgement).
	Index  raft.Index
	Reject bool
}

// OutgoingOf reduces a message to an Outgoing.
func OutgoingOf[D any](m *raft.Message[D]) Outgoing {
	return Outgoing{From: m.From, To: m.To, Type: m.Type, Term: m.Term, Index: m.Index, Reject: m.Reject}
}
