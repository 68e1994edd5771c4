package harness

import "github.com/raftsim/raftsim/harness/kv"

// The application each node hosts is package kv's store. These names keep
// the harness's API (harness.Command in a scenario, harness.CommandCodec in
// a store under test) while the state machine and its codec live in a
// package of their own that knows nothing of worlds or faults.
type (
	// Command is one client command in the Raft log (kv.Command).
	Command = kv.Command
	// Response is the state machine's answer to one command (kv.Response).
	Response = kv.Response
	// KV is the replicated key-value state machine with sessions (kv.Store).
	KV = kv.Store
	// CommandCodec encodes commands for stores and byte counts (kv.Codec).
	CommandCodec = kv.Codec
)

// NewKV returns an empty store.
func NewKV() *KV { return kv.New() }
