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
// Usage sketch:
//
//	n, err := raft.NewNode(cfg, store, raft.Env[Cmd, Res]{Clock: c, Rand: r, Transport: t, Events: e})
//	n.Step(msg)        // a message arrived
//	n.Tick()           // the clock reached n.Deadline()
//	n.Propose(cmd, id) // a client command; the result arrives through Events
package raft
