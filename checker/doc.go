// Package checker decides whether a run of the simulated cluster was correct:
// it checks the clients' recorded key-value history for linearizability
// within a deterministic bound ([CheckLinearizable], [Limit]), and Raft's
// invariants after every step of the run ([Watch]).
//
// # Determinism
//
// The checker runs inside campaigns whose output is compared across runs, so
// it is deterministic by construction:
//
//   - nothing reads wall time; time in a [History] is the simulator's
//     virtual time in nanoseconds. [CheckLinearizable] is bounded by a
//     [Limit] of counted search steps and memo bytes, never by a clock, so
//     its verdict, [Inconclusive] included, is a function of the history and
//     the limit: not of the machine's speed, load, memory or GOMAXPROCS.
//     Callers that report how long a check took time it themselves.
//   - the package starts no goroutine of its own and uses no global
//     randomness.
//   - no map iteration reaches output: keys are sorted wherever order shows.
//
// The one exception is [WriteVisualization], a picture for people: it runs
// porcupine, whose parallel search orders partial linearizations from map
// iteration. Its search explores the nodes the check explored, so it costs
// what the check did; no verdict depends on it.
//
// # Linearizability
//
// A key-value store with four operations (get, put, append, compare-and-set)
// on string keys is checked one key at a time (a history is linearizable iff
// each key's is) by a Wing-Gong-Lowe search of our own, the algorithm
// porcupine implements, written so that it counts its steps and its memory;
// [KVModel] is the same model for porcupine, which draws the picture. Clients record
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
//	r := checker.CheckLinearizable(h, checker.Limit{}) // DefaultLimit
//	if !r.Ok() {
//		_ = checker.WriteVisualization(f, h, r, faultAnnotations)
//	}
//
// Histories are saved and read with [WriteHistory] and [ReadHistory] (the
// format is documented there), and porcupine's own key-value test histories
// are read with [ReadPorcupineKV].
//
// # Raft invariants
//
// A [Watch] checks Raft's safety properties incrementally, one observation
// at a time, each in O(1) or O(entries changed): it keeps a shadow of every
// node's written and durable log as chain hashes, so comparing two logs, or
// a log with the committed log, is one word compare. A wrapper around each
// node's storage reports what the store accepted, and the host reports each
// node's life, status and messages:
//
//	w := checker.NewWatch() // checker.NewWatchConfig for lagging durability
//	w.Started(node.Status())                      // after raft.NewNode
//	w.Replicated(id, refs)                        // in the storage wrapper
//	w.Sent(checker.OutgoingOf(m))                 // in Transport.Send
//	if v := w.Observe(node.Status()); v != nil {  // after every step
//		fail(v) // names the invariant, nodes, term and index
//	}
//
// Every method returns the first [*Violation] or nil; [Invariants] lists
// their names. Entries are passed as [EntryRef] (index, term, digest), with
// digests made by [RefOf] or the Digest functions, so the Watch never sees
// the application's types.
package checker
