// Package harness is where raft, sim, the storage and checker meet: it builds
// a simulated cluster for a seed, drives it with clients and faults, and
// checks what happened.
//
// By job: the world and its event loop (world.go, run.go), the node host
// (node.go, storage.go, stores.go, clock.go), the fault executor (plan.go,
// plan_network.go, plan_node.go), the clients and operator (client.go,
// admin.go), the configuration and its JSON (config.go, configjson.go), the
// checks (safety.go, watchstore.go, signature.go), the availability checks
// of the chaos phase (availability.go and availability_quorum.go,
// _transfer.go, _majority.go), the trace and probes (trace.go, probes.go),
// the liveness phase (liveness.go, livebound.go)
// and the hand-driven Lab (lab.go). The application each node runs is
// package harness/kv; the failure file that replays a run is package
// failfile, above this one.
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
