package raft

import (
	"errors"
	"io"
)

// Storage is where a Raft node keeps everything that must survive a crash:
// the log, the hard state, the state machine and its snapshot. It is the
// seed's RaftStorage (async-raft 0.5) in Go form: every method is kept with
// its contract. D is the application's command type, R the state machine's
// response to one command.
//
// A node calls its Storage from one goroutine at a time. Any error a method
// returns is fail-stop for the node: the node stops and reports the error,
// because continuing on storage it cannot trust could break safety.
// Application-level failures (a compare-and-set that did not match) are
// therefore part of R, never an error.
//
// Where the seed's contract is silent, the Raft dissertation decides, and the
// method's comment says so.
type Storage[D, R any] interface {
	// GetMembershipConfig returns the latest membership in the log, found by
	// a reverse scan: the newest config-change entry, or the membership
	// embedded in a snapshot pointer when the scan reaches one first. A
	// pristine store returns NewInitialMembership(id); the node ID is
	// persisted so that it is the same across restarts. The scan is the
	// contract's meaning, not its cost: a store may keep the index of the
	// latest configuration instead (memstore and simdisk scan their
	// in-memory index, which compaction bounds).
	GetMembershipConfig() (Membership, error)

	// GetInitialState returns the last log entry's index and term, the last
	// applied index, the hard state and the membership (as
	// GetMembershipConfig), and, optionally, the index of the entry
	// holding that membership (0 when the store does not say: the node
	// then scans its log for it). A pristine store returns
	// NewInitialState(id).
	// A log that ends before the last applied index (a hole the state
	// machine has already consumed) is inconsistent and is an error.
	GetInitialState() (InitialState, error)

	// SaveHardState makes hs durable before it returns, atomically: after a
	// crash the store holds either the old or the new hard state, never a
	// new term with an old vote. Where the seed is silent the dissertation
	// (§3.4) decides: a term that goes back, or a vote that changes or is
	// withdrawn within one term, is refused (ErrInconsistent), since either
	// could let a node vote twice.
	SaveHardState(hs HardState) error

	// GetLogEntries returns the entries in the half-open range
	// [start, stop), in order. Entries that are not in the log (compacted
	// or beyond the end) are simply absent; an empty or inverted range
	// returns nothing. A range covering the snapshot pointer returns the
	// pointer as an entry. Callers must not modify the returned entries.
	GetLogEntries(start, stop Index) ([]Entry[D], error)

	// DeleteLogsFrom deletes the entries in [start, stop), or from start to
	// the end of the log when stop is nil. Ranges outside the log, empty or
	// inverted ranges are no-ops. Only a suffix may go: a deletion that
	// leaves entries after it (which would open a hole, or a log with no
	// pointer in front) or that reaches an applied entry is refused
	// (ErrInconsistent). Compaction and snapshot installation remove
	// prefixes themselves, writing the pointer in the same call.
	DeleteLogsFrom(start Index, stop *Index) error

	// AppendEntryToLog appends one entry the leader created. It is durable
	// when the method returns.
	AppendEntryToLog(e *Entry[D]) error

	// ReplicateToLog writes a batch of entries a follower received, in
	// order. Each entry's own index decides where it lands: an entry equal
	// in term to the one at its index changes nothing (what follows it
	// stays); an entry with a different term replaces that entry and
	// drops everything after it (log matching), even if the caller did not
	// truncate first. Durable when the method returns.
	ReplicateToLog(entries []Entry[D]) error

	// ApplyEntryToStateMachine applies one committed entry and returns the
	// state machine's response. Unlike the seed, which passes only the data
	// of normal entries, it takes the whole entry: blank and config-change
	// entries then advance the last applied index in the store too, so the
	// store's last applied index always names exactly the state its
	// machine holds. For those kinds the response is R's zero value.
	//
	// The applied index need not be durable when the call returns: after a
	// crash a store may recover an earlier one (never below its snapshot),
	// with the state machine rebuilt to exactly that index, and the node
	// applies the rest again. It must never recover a later one.
	ApplyEntryToStateMachine(e *Entry[D]) (R, error)

	// ReplicateToStateMachine applies a batch of committed entries, in
	// order, as a follower does; the responses are not needed.
	ReplicateToStateMachine(entries []Entry[D]) error

	// DoLogCompaction snapshots the state machine and purges the log
	// through index through, which must lie in [1, last applied]. A state
	// machine can only save its current state, so the snapshot is always
	// at the last applied index; the log through `through` is replaced by
	// a snapshot pointer at `through` (with that entry's term and the
	// membership in force there), and the entries after it stay. With
	// through equal to the last applied index this is exactly the seed's
	// behaviour; a smaller one keeps a trailing window of log for slow
	// followers (dissertation §5.1). The new snapshot replaces the old.
	DoLogCompaction(through Index) (CurrentSnapshot, error)

	// CreateSnapshot returns a fresh writable handle for a snapshot that a
	// leader is streaming to this node, and an ID naming it.
	CreateSnapshot() (string, SnapshotHandle, error)

	// FinalizeSnapshotInstallation installs a snapshot that finished
	// streaming: it deletes the log through deleteThrough (the whole log
	// when nil), writes a snapshot pointer at index, restores the state
	// machine from the snapshot, and deletes every other snapshot. The
	// handle has been closed for writing; it is read from its start, and
	// its bytes are in the format of EncodeSnapshot, whose header must
	// name index and term. deleteThrough is nil or equal to index; with
	// index, the entries after it are kept only if the log's entry at
	// index has the snapshot's term (dissertation §5.3), otherwise the
	// whole log goes. A snapshot at or below the last applied index must
	// never move the state machine back: the store changes nothing and
	// returns nil, so the caller re-reads its state afterwards.
	FinalizeSnapshotInstallation(index Index, term Term, deleteThrough *Index, id string, snap SnapshotHandle) error

	// GetCurrentSnapshot returns the one live snapshot with its metadata
	// and a handle positioned at its start, or nil when there is none.
	GetCurrentSnapshot() (*CurrentSnapshot, error)
}

// SnapshotHandle is a snapshot being read or written, as the seed's
// AsyncRead + AsyncWrite + AsyncSeek. Close ends writing (the seed's
// shutdown); reading and seeking stay possible, since
// FinalizeSnapshotInstallation reads a handle the caller closed.
type SnapshotHandle interface {
	io.Reader
	io.Writer
	io.Seeker
	io.Closer
}

// CurrentSnapshot describes the live snapshot (the seed's
// CurrentSnapshotData).
type CurrentSnapshot struct {
	Term       Term
	Index      Index
	Membership Membership
	// ID names the snapshot; it is the ID in the snapshot pointer.
	ID string
	// Snapshot reads the snapshot's bytes from the start.
	Snapshot SnapshotHandle
}

// ErrCorrupt is wrapped by storage errors that found data failing its
// checksum or otherwise impossible. A node that sees it stops: returning
// wrong data would be worse than returning none.
var ErrCorrupt = errors.New("storage corrupt")

// ErrInconsistent is wrapped by storage errors that found state violating
// the storage contract (for example a log that ends before the last applied
// index).
var ErrInconsistent = errors.New("storage inconsistent")

// StateMachine is the application a storage implementation applies
// committed commands to. Storage implementations in this module take one,
// so that the same store can serve any application.
//
// Apply must be deterministic: every replica applies the same commands in
// the same order and must reach the same state.
type StateMachine[D, R any] interface {
	// Apply applies one committed command at the given index.
	Apply(index Index, data D) R
	// Snapshot serializes the whole state.
	Snapshot() ([]byte, error)
	// Restore replaces the whole state by a serialized one.
	Restore(data []byte) error
}

// Codec turns commands into bytes and back, for stores that write them to a
// device and for counting the bytes a message carries.
type Codec[D any] interface {
	// AppendEncode appends the encoding of d to dst.
	AppendEncode(dst []byte, d D) []byte
	// Decode parses one encoding produced by AppendEncode. It keeps
	// nothing of src (strings and slices in the result are copies): a
	// store decodes from read buffers it reuses.
	Decode(src []byte) (D, error)
}
