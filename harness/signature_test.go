package harness

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The one failure signature tells panics apart by the function that
// panicked, and leaves messages out.
func TestPanicFunction(t *testing.T) {
	stack := `goroutine 7 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
github.com/raftsim/raftsim/(*World).runSafely.func1()
	/work/main/harness/run.go:119 +0x65
panic({0x6f6a20?, 0xc0000a2010?})
	/usr/local/go/src/runtime/panic.go:792 +0x132
github.com/raftsim/raftsim/raft.(*Node[...]).becomeLeader(0xc0001b4000, 0x3)
	/work/main/raft/election.go:120 +0x1f
github.com/raftsim/raftsim/raft.(*Node[...]).Step(0xc0001b4000, {0x0, 0x0})
	/work/main/raft/node.go:80 +0x2a
`
	assert.Equal(t, "raft.(*Node[...]).becomeLeader", panicFunction(stack))
	runtimeErr := strings.Replace(stack, "panic({0x6f6a20?, 0xc0000a2010?})", "panic({0x6f6a20?, 0xc0000a2010?})\n\t/x.go:1\nruntime.goPanicIndex(0x5, 0x3)", 1)
	assert.Equal(t, "raft.(*Node[...]).becomeLeader", panicFunction(runtimeErr), "runtime frames are skipped")
	assert.Equal(t, "", panicFunction("no stack here"))
	f := Failure{Class: ClassPanic, Check: "raft", Stack: stack}
	assert.Equal(t, "panic/raft@raft.(*Node[...]).becomeLeader", f.Signature())
	g := Failure{Class: ClassLiveness, Check: "leader", Message: "no leader among [n1 n2]"}
	assert.Equal(t, "liveness/leader", g.Signature())
}
