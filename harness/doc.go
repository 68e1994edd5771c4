// Package harness is where raft, sim, the storage and checker meet: it builds
// a simulated cluster for a seed, drives it with clients and faults, and
// checks what happened.
//
// Determinism: a World runs on one goroutine, takes all its randomness from
// streams split from the seed (network, each node's timeouts, each client,
// faults), reads no wall clock, and never lets map iteration order reach
// behaviour or output. The same Config and seed always give the same trace
// hash.
//
// Usage:
//
//	res, err := harness.Run(harness.DefaultConfig(), 42)
//	if err != nil { ... }     // the config is invalid
//	switch {
//	case res.Failure != nil: fmt.Println(res.Failure)          // something broke
//	case res.Inconclusive != "": fmt.Println(res.Inconclusive) // undecided: not a pass
//	}
package harness
