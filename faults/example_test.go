package faults_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/sim"
)

// A small hand-built plan for five nodes: a partition, the leader crashing
// for half a second, a lossy link, then everything healed.
func ExamplePlan() {
	plan := faults.Plan{Steps: []faults.Step{
		{At: 1500 * time.Millisecond, Kind: faults.Partition, Groups: [][]int{{1, 2}, {3, 4, 5}}},
		{At: 3 * time.Second, Kind: faults.Crash, Node: faults.Leader, For: 500 * time.Millisecond},
		{At: 4 * time.Second, Kind: faults.Link, From: []int{1}, Loss: sim.Percent(10)},
		{At: 6 * time.Second, Kind: faults.Heal},
		{At: 6 * time.Second, Kind: faults.ResetLinks},
	}}
	if err := plan.WithinBudget(5, faults.Survivable); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan)
	b, _ := json.Marshal(plan.Steps[1])
	fmt.Println(string(b))

	plan.Steps[0].Groups[1][0] = 7
	fmt.Println(plan.Validate(5))
	// Output:
	// 1.500s partition {n1,n2} | {n3,n4,n5}
	// 3.000s crash leader for 500ms
	// 4.000s link {n1} -> all loss 10/100
	// 6.000s heal
	// 6.000s reset-links
	// {"at":"3s","kind":"crash","node":"leader","for":"500ms"}
	// faults: plan: step 0 (at 1.5s, partition): group {n7,n4,n5}: node 7 is not in a cluster of 5: invalid fault plan
}

// Swarm testing: a seed draws a run's shape, then a plan from it.
func ExampleDrawShape() {
	seed := sim.Seed(7)
	shape := faults.DrawShape(seed.Stream("shape"), faults.DefaultLimits())
	plan := shape.DrawPlan(seed.Stream("plan"), 3*time.Second)
	fmt.Println(shape.Params()[:3])
	fmt.Println(len(plan.Steps) > 0, plan.WithinBudget(shape.Nodes, shape.Budget))
	faulty, err := plan.StayFaulty(shape.Nodes, seed.Stream("liveness"))
	fmt.Println("stay faulty:", faulty, err)
	// Output:
	// [budget=survivable nodes=6 latency=uniform(6ms..17ms)]
	// true <nil>
	// stay faulty: [1 2] <nil>
}

// A hand-written plan read from JSON; errors name the step and the field.
func ExamplePlan_UnmarshalJSON() {
	text := `{"steps": [
		{"at": "1s",   "kind": "isolate-leader"},
		{"at": "2.5s", "kind": "heal"},
		{"at": "3s",   "kind": "clock-drift", "node": 2, "ppm": 300},
		{"at": "4s",   "kind": "disk-faults", "node": 3, "disk": {"corrupt": "1/1000", "crashPolicy": "tear"}}
	]}`
	var plan faults.Plan
	if err := json.Unmarshal([]byte(text), &plan); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan)
	fmt.Println(plan.WithinBudget(5, faults.Survivable))

	bad := `{"steps": [{"at": "1s", "kind": "heal"}, {"at": "2s", "kind": "flap", "groups": [[1], [2]], "intervall": "1s"}]}`
	fmt.Println(json.Unmarshal([]byte(bad), &plan))
	// Output:
	// 1.000s isolate leader
	// 2.500s heal
	// 3.000s clock-drift n2 +300ppm
	// 4.000s disk-faults n3 corrupt 1/1000 crash tear
	// <nil>
	// faults: plan: step 1 (at 2s, flap): json: unknown field "intervall": invalid fault plan
}
