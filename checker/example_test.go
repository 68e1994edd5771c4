package checker_test

import (
	"fmt"

	"github.com/raftsim/raftsim/checker"
)

func Example() {
	var rec checker.Recorder
	// Client 1 writes x; its reply is lost.
	w := rec.Invoke(1, 1, checker.Input{Kind: checker.OpPut, Key: "x", Value: "1"}, 1_000_000_000)
	rec.Fail(w)
	// Client 2 then reads x twice and sees nothing.
	r1 := rec.Invoke(2, 1, checker.Input{Kind: checker.OpGet, Key: "x"}, 2_000_000_000)
	rec.Complete(r1, checker.Output{Value: ""}, 2_004_000_000)
	r2 := rec.Invoke(2, 2, checker.Input{Kind: checker.OpGet, Key: "x"}, 3_000_000_000)
	rec.Complete(r2, checker.Output{Value: ""}, 3_001_000_000)

	h := rec.History()
	for _, op := range h.Ops {
		fmt.Println(op)
	}
	// The write may never have happened: the reads are fine.
	fmt.Println(checker.CheckLinearizable(h, checker.Limit{}))

	// The log says a replica applied it at 1.5s: both reads are stale.
	applied := func(client int, seq uint64) (checker.Output, int64, bool) {
		return checker.Output{}, 1_500_000_000, client == 1 && seq == 1
	}
	r := checker.CheckLinearizable(h.Resolve(applied), checker.Limit{})
	fmt.Println(r, r.Ok())
	// Output:
	// c1#1 put x="1" [1.000000s,?] unknown
	// c2#1 get x [2.000000s,2.004000s] ok -> ""
	// c2#2 get x [3.000000s,3.001000s] ok -> ""
	// ok: 3 ops, 1 keys
	// illegal: 3 ops, 1 keys, failing keys [x] false
}

// A check is bounded by counted steps, not by a clock: too small a limit
// gives the same inconclusive verdict on every machine, and never a pass.
func ExampleCheckLinearizable_limit() {
	var rec checker.Recorder
	for c := range 4 { // four concurrent appends, then a read no order explains
		id := rec.Invoke(c, 1, checker.Input{Kind: checker.OpAppend, Key: "x", Value: fmt.Sprint(c)}, 10)
		rec.Complete(id, checker.Output{}, 100)
	}
	id := rec.Invoke(9, 1, checker.Input{Kind: checker.OpGet, Key: "x"}, 200)
	rec.Complete(id, checker.Output{Value: "0099"}, 210)
	h := rec.History()

	r := checker.CheckLinearizable(h, checker.Limit{Steps: 10})
	fmt.Println(r, r.Ok())
	r = checker.CheckLinearizable(h, checker.Limit{})
	fmt.Println(r, r.Steps)
	// Output:
	// inconclusive: 5 ops, 1 keys, undecided keys [x] at the step limit (10 steps) false
	// illegal: 5 ops, 1 keys, failing keys [x] 153
}
