// Package bench measures raftsim against etcd-raft on the throughput
// workload (a) of docs/performance.md, in one process: raftsim's harness.Run
// with every invariant checker on, and etcd-raft driven by the minimal loop
// of package etcdloop, run in interleaved rounds so that the machine's load
// reaches both alike.
//
// It is a module of its own (github.com/raftsim/raftsim/bench) so that
// etcd-raft never enters the main module's go.mod: users of raftsim do not
// build it.
//
// # Determinism rules
//
// Each run is deterministic (one seed, one run, on either side); only the
// wall time around a run is measured, outside the event loops.
//
// # Usage sketch
//
//	rep, err := bench.Compare(bench.Options{Rounds: 3, Commands: 100_000, Seed: 1, ClientEvents: true}, os.Stderr)
//	rep.WriteTable(os.Stdout)
package bench
