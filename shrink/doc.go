// Package shrink minimizes a failing run: a failure found after minutes of
// virtual chaos becomes the same failure in a handful of events.
//
// It keeps the failure's signature (class and check) and removes what the
// failure does not need: fault-plan steps and client commands by delta
// debugging, whole clients, nodes, the tail of the chaos phase, and network
// noise (loss, duplication, jitter). Every cut is kept only if a run still
// fails the same way.
//
// Determinism: a shrink is a sequence of harness runs, each deterministic,
// chosen by a fixed procedure, so the same failure file and options always
// give the same result. Its only bound is a budget of runs; a wall-clock
// budget belongs to the caller (Options.Stop).
//
// Usage:
//
//	f, _ := failfile.Read("failure.json")
//	res, err := shrink.Shrink(f, shrink.Options{MaxRuns: 2000})
//	fmt.Println(res.Summary())
//	failfile.Write("failure.min.json", res.File)
package shrink
