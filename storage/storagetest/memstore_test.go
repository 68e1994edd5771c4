package storagetest

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// memFactory makes the reference store.
var memFactory = Memory(func(id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	return memstore.New(id, sm)
})

func TestMemstore(t *testing.T) {
	Run(t, memFactory)
}

// FuzzMemstore drives the model-based property from fuzzer input:
// go test -fuzz FuzzMemstore ./storage/storagetest/
func FuzzMemstore(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(ModelCheck(memFactory)))
}
