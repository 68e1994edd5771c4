// Package faults describes fault plans as data (partitions, lossy links,
// crashes, pauses, clocks, disks, membership changes, each at a virtual
// time), draws a run's shape and plan from a seed (swarm testing), and keeps
// plans within a fault budget that Raft promises to survive.
//
// # Determinism rules
//
// Like package sim, on which it builds:
//
//   - No wall-clock time: step times are offsets in virtual time.
//   - No goroutines.
//   - No global randomness: DrawShape, Shape.DrawPlan, DrawMinority and
//     Plan.StayFaulty draw only from the *sim.Rand they are given, and the
//     same stream state gives the same result. DrawPlan gives each fault
//     family its own stream, so changing one family's rates does not move
//     another family's faults.
//   - No floats in decisions: probabilities are sim.Ratio, weights are
//     integers.
//   - No map iteration that reaches behaviour or output: nodes are 1-based
//     IDs into slices, and every list (steps, params, kinds) has a fixed
//     order.
//
// # Kinds
//
// A Plan is a list of Steps in time order. Each step has a time (At, from
// the run's start), a Kind, and the parameters of its kind; Validate
// rejects parameters the kind does not use. Nodes are 1-based IDs; Node
// may also be a target resolved when the step fires: Leader (the node that
// is up, not paused and leads with the highest term; with none, the step
// is skipped and the executor records the skip), AnyVoter or AllNodes.
// Steps at 0s apply before the nodes boot (a node crashed at 0s starts
// down; a clock skewed at 0s starts skewed); a leader target at 0s finds
// no leader. The executor (the harness) applies:
//
//	kind              parameters            what the executor does
//	----------------  --------------------  ---------------------------------------------------------
//	partition         groups (2+)           cut both ways every link between nodes of different
//	                                        groups; nodes in no group keep their links; cuts add up
//	                                        with earlier ones until a heal
//	partition-oneway  from, to              cut every link from a node in from to a node in to, one
//	                                        way: to can still reach from
//	isolate           node (ID, leader)     cut node off from every other node, both ways
//	split             nodes (optional)      cut the minority nodes off from the rest, both ways; with
//	                                        no nodes, draw the minority with DrawMinority on the
//	                                        executor's fault stream
//	bridge            groups (2), node      cut the two sides from each other; node (in neither) keeps
//	                                        its links to both, so it sees everyone and they see it
//	flap              groups (2+), interval at At cut as partition does; Interval later restore those
//	                                        links, Interval later cut them again, and so on until the
//	                                        next heal. A flap's cuts are ORed with every other cut: a
//	                                        link cut by another step stays cut in the flap's connected half
//	heal              -                     remove every cut (partition, one-way, isolate, split,
//	                                        bridge) and every clog, and stop every flap with its
//	                                        links connected. Link configurations stay: see reset-links
//	link              from, to, latency,    set the given parameters on the links from -> to (empty:
//	                  loss, duplicate,      every node); unset parameters keep their current value.
//	                  node (ID, leader),    With node, one end is that node (the leader when the step
//	                  clients               fires): from -> node, or node -> to (exactly one of from
//	                                        and to). With clients ("replies" or "requests"), the links
//	                                        node (empty: every node) -> every client, or every client
//	                                        -> node, instead of node links (from and to empty)
//	capacity          as link, and          set the links' capacity; 0 is unlimited
//	                  bytesPerSecond
//	clog              as link, and for      messages sent on the links leave no earlier than At+For:
//	                                        late, not lost (sim.Network.Clog)
//	reset-links       -                     every link back to the scenario's default configuration;
//	                                        cuts and clogs stay
//	crash             node (ID, leader),    crash the node (volatile state gone, unsynced writes per
//	                  for                   the disk's crash policy); For > 0: restart it For later.
//	                                        Crashing a down node does nothing, its For included
//	restart           node (ID, all)        restart the node from its storage if it is down
//	                                        (crashed, or stopped by a storage error); otherwise nothing
//	pause             node (ID, leader),    stall the node, like a GC pause: it handles nothing (no
//	                  for                   message, no timer, no client request, no storage
//	                                        completion) and sends nothing; messages to it queue at the
//	                                        node; its clock keeps running. For > 0: resume it For later
//	resume            node (ID, all)        if paused: handle everything that came due during the
//	                                        pause, at the resume time, in the order it would have been
//	                                        handled ((time, sequence) order, timers included). A crash
//	                                        of a paused node drops the queue and ends the pause
//	clock-skew        node (ID, leader),    set the node's clock offset from true time; the clock steps
//	                  offset                by (new - old) at that moment
//	clock-drift       node (ID, leader),    from now on the node's clock advances (1e6+ppm)/1e6 times
//	                  ppm                   as fast as true time (|ppm| <= MaxDriftPPM)
//	clock-jump        node (ID, leader),    the node's clock jumps forward by offset, once
//	                  offset
//	disk-faults       node (ID, leader,     replace the node's disk fault rates and crash policy with
//	                  all), disk            disk (rates left out are off)
//	disk-slow         node (...), latency   every disk operation of the node takes a latency draw
//	disk-heal         node (...)            disk fault rates off and latency back to the default; the
//	                                        crash policy and damage already done stay
//	add-member        node (ID)             if node is not a voter: the leader adds it as a non-voter,
//	                                        waits until it catches up, then changes membership jointly
//	                                        to voters + node
//	remove-member     node (ID, leader)     the leader changes membership jointly to voters - node; a
//	                                        removed node keeps running (a removed leader steps down)
//	transfer-leader   node (ID, any)        the leader hands leadership to node; "any" is the first
//	                                        voter after the leader in ID order that is up and not paused
//
// JSON also accepts "isolate-leader", "crash-leader" and "pause-leader" as
// shorthand for the kind with "node": "leader".
//
// Membership steps go to the executor's operator, which performs one at a
// time, asking whichever node leads and retrying until the change is done
// or it gives up (after 10s in the harness), as an operator's script
// would. A remove-member of the leader resolves the leader when the step
// fires. A step
// that finds nothing to do (restart of a node that is up, resume of one
// not paused, add-member of a voter, transfer to the leader) is valid and
// does nothing. Steps at or after the end of the chaos phase are not
// applied, and a For that would undo a fault after it is dropped: the
// liveness phase decides (see Plan.StayFaulty).
//
// # Fault budget
//
// Under the Survivable budget (the default), a plan stays within what Raft
// promises to survive, so that the liveness phase can heal a majority into
// a working cluster and safety failures are bugs. Crashes, pauses,
// partitions, lossy and slow links and drift are all within it, however
// many nodes they hit at once, because they end when the liveness phase
// heals them. WithinBudget enforces exactly these rules:
//
//  1. No silent disk faults (lostWrite, misdirectedWrite) on any node: a
//     write acknowledged durable that vanishes (a vote, an appended entry)
//     breaks Raft's stable-storage assumption even on one node; two
//     leaders in one term follow from one forgotten vote.
//  2. Damaging disk faults (corrupt, latentSector) name one node, not the
//     leader or all. A damaged node may lose synced data, so the store must
//     detect the damage and stop (fail-stop), never truncate it away as a
//     torn tail; such a node may be down for good.
//  3. The nodes that may be lost for good (damaged) are fewer than the
//     healthy nodes that remain voters for sure (never removed by a
//     remove-member step, less one for each remove-member of the leader).
//     Then every configuration the membership steps can lead to, joint
//     ones included, has a healthy majority.
//  4. Clocks never run backward after the start: a clock-skew after 0s
//     does not lower its node's offset (clock-jump adds to it), and a
//     clock-skew on the leader is at least every node's offset. A node's
//     timers and lease measure time on its own clock alone, as a
//     monotonic clock never steps back.
//
// Under Unbounded anything valid goes, and the harness checks safety only.
// The budget does not know the Raft configuration: with lease reads, the
// harness must keep drift within the lease's allowance (see
// ShapeLimits.DriftMaxPPM).
//
// # Liveness phase
//
// After the chaos phase, Plan.StayFaulty picks the nodes that stay faulty:
// a minority of every reachable configuration, possibly empty, always
// including damaged nodes. The harness heals the rest and cuts the faulty
// ones off; its doc comment says precisely what healing does.
//
// # Usage sketch
//
//	seed := sim.Seed(42)
//	shape := faults.DrawShape(seed.Stream("shape"), faults.DefaultLimits())
//	for _, p := range shape.Params() {
//		fmt.Println(p) // printed first, saved with any failure
//	}
//	plan := shape.DrawPlan(seed.Stream("plan"), 10*time.Second)
//	// ... the harness applies plan.Steps at their times ...
//	faulty, err := plan.StayFaulty(shape.Nodes, seed.Stream("liveness"))
//	// ... heal every other node, then check liveness on them ...
//
// Hand-written plans read from JSON and are checked before use:
//
//	var plan faults.Plan
//	err := json.Unmarshal(data, &plan)       // names the step and field
//	err = plan.WithinBudget(5, faults.Survivable) // validates, then the budget
package faults
