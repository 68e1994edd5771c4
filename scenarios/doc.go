// Package scenarios is the library of named scenarios: each is a Go value
// with a prose header saying what it tests and why, and builds the concrete
// harness configuration for a seed.
//
// Determinism: Build must depend only on the seed (draw from sim streams
// derived from it), so that the same scenario and seed always give the same
// run.
//
// Usage:
//
//	s, err := scenarios.Get("leader-isolation")
//	res, err := harness.Run(s.Config(seed, false), seed)
package scenarios
