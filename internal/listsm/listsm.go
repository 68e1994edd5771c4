// Package listsm is the state machine the storage packages' own tests
// share: it appends each command to a list and answers with the list's new
// length, and it records the index of every Apply, so that a test sees a
// re-applied or skipped entry. Its snapshot and restore can be made to
// fail. It implements raft.StateMachine[string, int].
package listsm

import (
	"encoding/json"
	"slices"

	"github.com/raftsim/raftsim/raft"
)

// SM is the list state machine.
type SM struct {
	Items   []string
	Indices []raft.Index

	FailSnapshot error // returned by Snapshot when set
	FailRestore  error // returned by Restore when set
}

// Apply appends data and answers with the list's new length.
func (m *SM) Apply(index raft.Index, data string) int {
	m.Items = append(m.Items, data)
	m.Indices = append(m.Indices, index)
	return len(m.Items)
}

// Snapshot encodes the list and its indices.
func (m *SM) Snapshot() ([]byte, error) {
	if m.FailSnapshot != nil {
		return nil, m.FailSnapshot
	}
	return json.Marshal(struct {
		Items   []string
		Indices []raft.Index
	}{m.Items, m.Indices})
}

// Restore replaces the list with a snapshot's.
func (m *SM) Restore(data []byte) error {
	if m.FailRestore != nil {
		return m.FailRestore
	}
	var v struct {
		Items   []string
		Indices []raft.Index
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	m.Items, m.Indices = v.Items, v.Indices
	return nil
}

// Clone copies the list and its indices, without the failure switches.
func (m *SM) Clone() SM {
	return SM{Items: slices.Clone(m.Items), Indices: slices.Clone(m.Indices)}
}
