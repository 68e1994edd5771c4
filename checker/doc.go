// Package checker decides whether a run of the simulated cluster was correct:
// it checks the clients' recorded key-value history for linearizability with
// porcupine, and (in other files of this package) Raft's invariants.
//
// # Determinism
//
// The checker runs inside campaigns whose output is compared across runs, so
// it is deterministic by construction:
//
//   - nothing reads wall time; time in a [History] is the simulator's
//     virtual time in nanoseconds. Only porcupine's timeout is wall time,
//     and running out of it gives an inconclusive verdict, never a pass.
//     Callers that report how long a check took time it themselves.
//   - the package starts no goroutine of its own and uses no global
//     randomness.
//   - no map iteration reaches output: keys are sorted wherever order shows.
//
// The one exception is porcupine's own parallelism and its timeout: a check
// that runs out of time yields [Inconclusive], which is never a pass
// ([LinearizabilityResult.Ok] is false), so machine speed can turn a verdict
// into "unknown" but never into a wrong "ok" or "illegal".
//
// # Linearizability
//
// A key-value store with four operations (get, put, append, compare-and-set)
// on string keys is modelled by [KVModel], partitioned by key. Clients record
// what they saw through a [Recorder]; an operation whose outcome a client
// never learned is resolved from the committed log with [History.Resolve]
// (and dropped when it is a read) before [CheckLinearizable] runs:
//
//	var rec checker.Recorder
//	id := rec.Invoke(client, seq, checker.Input{Kind: checker.OpPut, Key: "x", Value: "1"}, now)
//	// ... later, when the reply arrives:
//	rec.Complete(id, checker.Output{}, now)
//	// ... or, when the client gives up:
//	rec.Fail(id)
//
//	h := rec.History().Resolve(appliedFromLog)
//	r := checker.CheckLinearizable(h, time.Minute)
//	if !r.Ok() {
//		_ = checker.WriteVisualization(f, h, r, faultAnnotations)
//	}
//
// Histories are saved and read with [WriteHistory] and [ReadHistory] (the
// format is documented there), and porcupine's own key-value test histories
// are read with [ReadPorcupineKV].
package checker
