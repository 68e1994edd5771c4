// Package memstore is the reference in-memory implementation of
// raft.Storage: the model every other storage is compared against, and the
// storage of the simulator's throughput benchmark.
//
// # Contract
//
// Store follows the raft.Storage contract exactly, and where the contract
// leaves a choice, each method's comment states the one made. In short: the
// log is contiguous, starts at index 1 or with a snapshot pointer, and never
// ends before the last applied index; any call that would break that (an
// append that is not contiguous, a deletion that leaves a hole or removes an
// applied entry, an apply that repeats or skips an index) is refused with an
// error wrapping raft.ErrInconsistent and changes nothing. Malformed snapshot
// bytes are an error wrapping raft.ErrCorrupt.
//
// # Snapshot format
//
// DoLogCompaction and GetCurrentSnapshot produce, and
// FinalizeSnapshotInstallation consumes, the bytes described at
// EncodeSnapshot: a magic and version, the snapshot's index, term and
// membership, the state machine's bytes, and a CRC-32C. The metadata travels
// with the bytes, so a follower installs a snapshot with the membership it
// covers.
//
// # Determinism
//
// A Store starts no goroutine, reads no clock and draws no random number;
// nothing iterates a map. Snapshot IDs come from a per-store counter
// ("snap-<term>-<index>-<seq>" for compactions, "snap-recv-<seq>" for
// snapshots streamed in), so the same calls give the same results in every
// run. The state machine must be deterministic too (raft.StateMachine).
// Memory is the durable medium: every write is durable and atomic when its
// method returns.
//
// # Usage
//
//	s := memstore.New[Cmd, Res](1, kv.New()) // node n1, its state machine
//	e := raft.Entry[Cmd]{Term: 1, Index: 1, Kind: raft.EntryNormal, Data: cmd}
//	err := s.AppendEntryToLog(&e)
//	res, err := s.ApplyEntryToStateMachine(&e) // once e is committed
//	snap, err := s.DoLogCompaction(e.Index)    // snapshot; log behind a pointer
package memstore
