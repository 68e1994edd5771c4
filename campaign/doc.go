// Package campaign runs many seeds of the simulated cluster and reports
// what failed: the engine behind `raftsim fuzz` and behind a campaign in
// a user's own go test.
//
// A Spec names the seeds (a campaign seed; seed k derives from it and k
// alone), the scenarios, the planted bugs, the store, the budget (seeds,
// wall time, CPU time), the shard and the workers. Start runs it and
// streams each seed's Outcome; a Recorder counts outcomes into a Summary,
// deduplicates failures by harness.Failure.Signature and writes one
// failure file per signature, of its lowest seed index. Summaries of the
// shards of one campaign Merge into the summary of the whole; WriteText
// and JUnit report them.
//
// Determinism: the seeds, the scenario each runs and every verdict are
// functions of the Spec alone; only the order in which outcomes arrive,
// the wall-time fields of the summary and where a time budget ends depend
// on the machine. A summary with a seed budget is the same on any machine
// with any number of workers. A guided campaign (Spec.Guided, guided.go)
// perturbs the runs that hit rare probes; it decides in generations, from
// finished generations taken in index order, so its runs are functions of
// the Spec too.
//
// From a test, Test runs a campaign on a user's store (a harness.Store:
// a name and a factory) and reports each failure signature as an error,
// with its failure file and the go test command that replays it:
//
//	func TestMyStoreInTheCluster(t *testing.T) {
//		campaign.Test(t, campaign.Spec{Store: mystore.Store, Seeds: 200, Short: true})
//	}
package campaign
