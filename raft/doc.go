// Package raft is a Raft consensus core and the storage interface it persists
// through.
//
// The core is sans-IO: a Node is fed messages and timer ticks and hands its
// output (messages to send, client results) to injected interfaces. It never
// reads wall time, never starts a goroutine, never uses global randomness and
// never lets map iteration order reach its behaviour, so the same inputs
// always produce the same outputs. The same core can be driven by the
// deterministic simulator in package sim (through package harness) or by a
// real clock and transport.
//
// Everything that must survive a crash goes through Storage, which keeps
// every method of async-raft 0.5's RaftStorage with its contract.
//
// # Durability: the contract with the host
//
// Raft's safety rests on one rule: nothing leaves a node before what it
// promises is durable. The core keeps its half by ordering. Every message
// and every event is handed to the host (Transport.Send, Events) only
// after the storage call it depends on has returned:
//
//   - a vote grant after SaveHardState of the term and the vote (one
//     atomic write, so a crash cannot keep the term and forget the vote);
//   - an append's acknowledgement after ReplicateToLog of its entries;
//   - a snapshot's final acknowledgement after FinalizeSnapshotInstallation;
//   - a leader counts its own log toward the commit quorum once
//     AppendEntryToLog returned, and reports Applied only for committed
//     entries;
//   - any message of a new term after the term is saved.
//
// The host keeps the other half. SaveHardState, AppendEntryToLog,
// ReplicateToLog and FinalizeSnapshotInstallation must be durable when they
// return, in the host's time. A host whose storage returns earlier (a
// write-back cache, a group commit) must make everything the node does
// after the call wait until the write is durable: hold the messages and
// events of that step, deliver no further input, and drop what is held if
// the node crashes first. Package harness does exactly that: a node whose
// simulated disk has not synced is blocked, as a process is in fsync, and
// its messages and client answers depart only at the disk's durability
// horizon. What need not be durable: the commit index (a restarted node
// starts from its last applied index, the only commitment it knows
// durably) and the applied index (a store may recover an earlier one, never
// a later one). A node is fail-stop on storage errors, so a failed write is
// never followed by a message that depends on it.
//
// Usage sketch:
//
//	n, err := raft.NewNode(cfg, store, raft.Env[Cmd, Res]{Clock: c, Rand: r, Transport: t, Events: e})
//	n.Step(msg)        // a message arrived
//	n.Tick()           // the clock reached n.Deadline()
//	n.Propose(cmd, id) // a client command; the result arrives through Events
package raft
