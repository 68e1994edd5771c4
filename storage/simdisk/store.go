package simdisk

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// Store is a raft.Storage on a Device: the engine described in the package
// documentation. It behaves as storage/memstore does on every point of the
// contract, with the same error classes and messages (but for the
// "simdisk: " prefix); in addition, device failures are returned as errors
// (fail-stop), detected corruption wraps raft.ErrCorrupt, and every method
// that changes state is durable (synced and read back) when it returns.
//
// Every method checks its whole input before it writes anything, so a
// refused call (raft.ErrInconsistent) changes nothing. A failure on the way
// to the device poisons the store: the call and every later one return
// that error, since what the device holds is no longer known; Open the
// device again (after Crash, on a simulated disk) to go on.
//
// A Store is not safe for concurrent use. Returned values are the
// caller's, except command data D, which must be treated as immutable.
type Store[D, R any] struct {
	dev   Device
	id    raft.NodeID
	sm    raft.StateMachine[D, R]
	codec raft.Codec[D]
	errs  errs
	wal   *wal

	// poisoned is the first write-path failure; every call returns it.
	poisoned error

	// hardState is durable. Invariant: as in memstore, CurrentTerm never
	// decreases, and a vote once cast in a term never changes.
	hardState raft.HardState

	// log is the index of the log: log[k] is the entry at log[0].index+k.
	// Invariants (as in memstore): contiguous; log[0].index == 1 or log[0]
	// is the snapshot pointer, the only one; terms never decrease; the
	// last index is >= lastApplied; the pointer's index <= lastApplied.
	log []slot

	// lastApplied is the last entry the state machine holds; appliedLogged
	// the last one written in an applied record. lastApplied may run ahead:
	// the marker is written with the next batch (see the package doc).
	lastApplied, appliedLogged raft.Index

	// snapshot is the live snapshot, nil until the first one.
	// Invariant: snapshot.meta.Index <= lastApplied, and the pointer names
	// snapshot.id.
	snapshot *liveSnapshot
	// pointerFloor is the lowest segment the log still needs: segments
	// below it are deleted after a compaction or an installation.
	pointerFloor uint64

	// seq numbers snapshot IDs and files; it only grows, across restarts
	// too (Open recovers it), so that an ID is never handed out twice.
	seq uint64

	batch []byte // scratch for the records of one append
	// applyBuf is recovery's chunk of entries to apply again (see
	// recoveryBuffers), nil once the store is open.
	applyBuf []raft.Entry[D]
}

// slot is the index's record of one entry: everything but a normal
// entry's data, which stays on the device at (seg, off, size), and but the
// pointer's snapshot ID, which is the live snapshot's. Recovery rebuilds
// one per entry at every restart, so it is kept small.
type slot struct {
	index      raft.Index
	term       raft.Term
	membership *raft.Membership // config entries and the pointer
	seg        uint64
	off        int64
	size       int64
	kind       raft.EntryKind
}

// liveSnapshot is the current snapshot's metadata and file.
type liveSnapshot struct {
	meta raft.SnapshotMeta
	id   string
	file uint64
}

// Options tune a Store. The zero value is the default.
type Options struct {
	// SegmentSize is the stream length in bytes after which the log starts
	// a new segment. 64 KiB when 0: recovery reads every segment from
	// the one holding the snapshot pointer, so a segment much longer
	// than a compaction interval's entries would make each restart read
	// more than what was written since the last snapshot.
	SegmentSize int64
}

const defaultSegmentSize = 64 << 10

var _ raft.Storage[int, int] = (*Store[int, int])(nil)

// GetMembershipConfig returns the latest membership in the log, by the
// reverse scan memstore does (the index keeps every membership in memory),
// or raft.NewInitialMembership(id) when there is none.
func (s *Store[D, R]) GetMembershipConfig() (raft.Membership, error) {
	if s.poisoned != nil {
		return raft.Membership{}, s.poisoned
	}
	return s.membershipAt(s.lastIndex()).Clone(), nil
}

// GetInitialState returns the last entry's index and term (the pointer
// counts), the last applied index, the hard state and the membership,
// after checking the shape of the log as memstore does; a pristine store
// returns raft.NewInitialState(id). After a restart, the last applied
// index is the one Open recovered (see the package doc).
func (s *Store[D, R]) GetInitialState() (raft.InitialState, error) {
	if s.poisoned != nil {
		return raft.InitialState{}, s.poisoned
	}
	if err := s.checkLog(); err != nil {
		return raft.InitialState{}, err
	}
	st := raft.InitialState{
		LastAppliedLog: s.lastApplied,
		HardState:      s.hardState,
		Membership:     s.membershipAt(s.lastIndex()).Clone(),
		// The node would otherwise read the log back from the disk.
		MembershipIndex: s.configIndexAt(s.lastIndex()),
	}
	if n := len(s.log); n > 0 {
		st.LastLogIndex, st.LastLogTerm = s.log[n-1].index, s.log[n-1].term
	}
	return st, nil
}

// checkLog verifies the shape of the log, as memstore's does.
func (s *Store[D, R]) checkLog() error {
	if len(s.log) == 0 {
		if s.lastApplied != 0 {
			return s.errs.inconsistent("initial state: log is empty but last applied is %d", s.lastApplied)
		}
		return nil
	}
	first, last := &s.log[0], &s.log[len(s.log)-1]
	if first.index != 1 && first.kind != raft.EntrySnapshotPointer {
		return s.errs.inconsistent("initial state: log starts at %d without a snapshot pointer", first.index)
	}
	if uint64(last.index-first.index) != uint64(len(s.log)-1) {
		return s.errs.inconsistent("initial state: log %d..%d holds %d entries (a hole)", first.index, last.index, len(s.log))
	}
	if last.index < s.lastApplied {
		return s.errs.inconsistent("initial state: log ends at %d before last applied %d", last.index, s.lastApplied)
	}
	if first.kind == raft.EntrySnapshotPointer && first.index > s.lastApplied {
		return s.errs.inconsistent("initial state: snapshot pointer at %d beyond last applied %d", first.index, s.lastApplied)
	}
	return nil
}

// poison records a write-path failure and returns it, wrapped with the
// store's name and what it was doing.
func (s *Store[D, R]) poison(err error, format string, args ...any) error {
	s.poisoned = s.errs.wrap(err, format, args...)
	return s.poisoned
}

// errs formats the store's errors: "simdisk: n2: what: why: class".
type errs struct{ prefix string }

func (e errs) inconsistent(format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", e.prefix, fmt.Sprintf(format, args...), raft.ErrInconsistent)
}

func (e errs) corrupt(format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", e.prefix, fmt.Sprintf(format, args...), raft.ErrCorrupt)
}

func (e errs) wrap(err error, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", e.prefix, fmt.Sprintf(format, args...), err)
}
