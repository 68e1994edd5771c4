// Package sim is the deterministic kernel of raftsim: virtual time, an event
// queue, seeded random streams, latency distributions, a simulated network and
// trace hashing, so that one seed reproduces one run exactly.
//
// # Determinism rules
//
// Everything in this package follows these rules, and code built on it must
// too, or a seed stops reproducing its run:
//
//   - No wall-clock time. Time is [Time], virtual nanoseconds advanced only
//     by [Kernel] when it pops an event.
//   - No goroutines. One world runs on one goroutine; a campaign runs many
//     worlds in parallel, sharing nothing.
//   - No global randomness. Every draw comes from a [Rand] stream derived
//     from the world's [Seed] by name ([Seed.Stream]), so a new draw in one
//     subsystem never shifts another subsystem's draws.
//   - No floats in any decision. Probabilities are integer [Ratio] values and
//     distributions use integer arithmetic only.
//   - No map iteration that reaches behaviour or output. Endpoints are dense
//     indices into slices.
//   - Fixed draw counts. [Rand.Chance], [Dist.Sample] and [Network.Route]
//     consume a fixed number of values whatever the probability, kind, cut or
//     clog, so changing a fault changes only what that fault decides.
//   - Ties are broken by insertion order. Events at the same virtual time pop
//     in the order they were scheduled.
//
// The package imports nothing from the rest of the project and uses no
// interfaces on its hot paths (Push, Pop, Route, Rand), which allocate nothing
// in steady state.
//
// # Usage sketch
//
//	seed := sim.Seed(42)
//	k := sim.NewKernel[event](sim.Budget{MaxSteps: 1e6, MaxTime: sim.Time(60 * time.Second)})
//	net := sim.NewNetwork(3, sim.ReliableLink(sim.UniformDist(time.Millisecond, 5*time.Millisecond)),
//		seed.Stream("network"))
//	timeouts := seed.Stream("node/1/timeouts")
//
//	k.After(timeouts.Duration(150*time.Millisecond, 300*time.Millisecond), event{kind: tick, node: 1})
//	stop := k.Run(func(e event) bool {
//		// Handle e at k.Now(). To send a message m from a to b:
//		f := net.Route(k.Now(), a, b, size(m))
//		for i := 0; i < f.Copies; i++ {
//			k.At(f.At[i], event{kind: deliver, to: b, msg: m})
//		}
//		return true // false stops the run with sim.Stopped
//	})
//	fmt.Println(stop, k.Now(), k.Steps())
package sim
