package sim_test

import (
	"fmt"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// A message in flight: the world's own event type. The kernel and the network
// never look inside it.
type message struct {
	from, to int
	text     string
}

// Three endpoints on a 1ms network; endpoint 2 is cut off after the first
// round, so its second message is dropped while the others still arrive.
func ExampleKernel() {
	seed := sim.Seed(42)
	k := sim.NewKernel[message](sim.Budget{MaxSteps: 100, MaxTime: sim.Time(time.Second)})
	net := sim.NewNetwork(3, sim.ReliableLink(sim.FixedDist(time.Millisecond)), seed.Stream("network"))

	send := func(m message) {
		f := net.Route(k.Now(), m.from, m.to, len(m.text))
		if f.Copies == 0 {
			fmt.Printf("%v %d->%d %q %v\n", k.Now(), m.from, m.to, m.text, f.Reason)
		}
		for i := 0; i < f.Copies; i++ {
			k.At(f.At[i], m)
		}
	}
	send(message{0, 1, "ping"})
	send(message{2, 0, "hello"})

	stop := k.Run(func(m message) bool {
		fmt.Printf("%v %d->%d %q delivered\n", k.Now(), m.from, m.to, m.text)
		switch m.text {
		case "ping":
			send(message{m.to, m.from, "pong"})
		case "hello":
			net.Isolate(2)
			send(message{2, 1, "hello again"})
		}
		return true
	})
	fmt.Println(stop, "after", k.Steps(), "steps at", k.Now())
	fmt.Printf("%+v\n", net.Stats())
	// Output:
	// 0.001000s 0->1 "ping" delivered
	// 0.001000s 2->0 "hello" delivered
	// 0.001000s 2->1 "hello again" partitioned
	// 0.002000s 1->0 "pong" delivered
	// drained after 3 steps at 0.002000s
	// {Sent:4 Copies:3 Lost:0 Partitioned:1 Duplicated:0 Bytes:24}
}

// Each subsystem draws from its own named stream, so a new draw in one never
// shifts another.
func ExampleSeed_Stream() {
	seed := sim.Seed(7)
	timeouts := seed.Stream("node/1/timeouts")
	first := timeouts.Duration(150*time.Millisecond, 300*time.Millisecond)

	seed.Stream("clients").Uint64() // an unrelated subsystem draws
	again := seed.Stream("node/1/timeouts").Duration(150*time.Millisecond, 300*time.Millisecond)
	fmt.Println(first == again)
	// Output: true
}
