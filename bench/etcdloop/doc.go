// Package etcdloop drives etcd-raft (go.etcd.io/raft/v3) with a minimal
// seeded, single-threaded event loop on raftsim's throughput workload (a),
// so that raftsim's speed can be compared with etcd-raft's in one process.
//
// # Determinism rules
//
// The loop follows raftsim's (see package sim): virtual time only, advanced
// by popping events from a [sim.Kernel] ordered by (time, sequence); no
// goroutines; every draw from a [sim.Rand] stream derived from the seed.
// etcd-raft itself draws its randomized election timeouts from crypto/rand,
// which cannot be seeded; the loop keeps that randomness from reaching the
// run by electing the first leader itself ([raft.RawNode.Campaign], on a
// seeded node at a seeded time, before any node has ticked) on a reliable
// network where no follower's election timeout can fire afterwards. The
// tests check that a seed reproduces its run.
//
// # What it models, and what it leaves out
//
// Three nodes, each a [raft.RawNode] on a [raft.MemoryStorage]; every Ready
// is handled at once (store, send, apply, Advance), so storage is free and
// synchronous. Messages arrive after a fixed one-way latency, never lost or
// reordered. Closed-loop clients send one put at a time to the node they
// believe leads and get the answer when the leader applies the entry. There
// are no checkers, no history and no fault machinery: it is the least a
// host must do to run etcd-raft, the reference point for raftsim.
//
// # Usage sketch
//
//	l, err := etcdloop.New(etcdloop.Throughput(), sim.Seed(1))
//	res, err := l.Run()        // until cfg.StopAfterCommands completed
//	err = l.Settle(time.Second) // then let every replica apply everything
//	fmt.Println(res.Stats.Events, l.Applied(), l.Digests())
package etcdloop
