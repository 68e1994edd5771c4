package harness

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The classic Raft lab's tests, ported to the simulator, one file per part
// of the lab: lab_election_test.go, lab_agree_test.go, lab_persist_test.go,
// lab_snapshot_test.go. Each asserts what the original asserts; time is
// virtual, so the whole list runs in seconds.
//
// Differences from the lab that every test shares:
//   - Servers are numbered from 1, as node IDs are.
//   - Index 1 holds the first leader's membership entry, and every new
//     leader appends a blank entry, so commands do not sit at the indices
//     the lab hard-codes; the tests use the index a Start or One returned.
//   - Where the lab runs Start or one() from concurrent goroutines, the
//     test makes those calls at the same virtual instant.
//   - A crash keeps the node's storage, state machine included, so a
//     restarted node does not re-apply its log; the invariant checkers
//     (newLabT's cleanup) catch a node that applies anything twice or out
//     of order, as the lab's applier does.

// labElectionTimeout is the lab's RaftElectionTimeout: how long the tests
// give an election, well above the core's 150-300ms timeouts.
const labElectionTimeout = time.Second

// labSeed replaces every lab test's seed, to try them on others:
//
//	go test ./harness/ -run Lab -lab.seed=7
var labSeed = flag.Uint64("lab.seed", 0, "run the lab tests with this seed instead of their own")

func newLabT(t *testing.T, cfg LabConfig) *Lab {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if *labSeed != 0 {
		cfg.Seed = sim.Seed(*labSeed)
	}
	l, err := NewLab(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		s := l.w.stats
		t.Logf("seed %v: %v virtual, %d steps, %d messages, %d leader terms, %d crashes",
			cfg.Seed, time.Duration(l.Now()), l.w.kernel.Steps(), s.Messages, s.LeaderChanges, s.Crashes)
		require.NoError(t, l.Err(), "an invariant broke")
	})
	return l
}

func raftIndex(i int) raft.Index { return raft.Index(i) }

// oneLeader is the lab's checkOneLeader, failing the test if it fails.
func oneLeader(t *testing.T, l *Lab) int {
	t.Helper()
	leader, err := l.CheckOneLeader()
	require.NoError(t, err)
	return leader
}

// one is the lab's one(), failing the test if it fails.
func one(t *testing.T, l *Lab, cmd, expected int, retry bool) raft.Index {
	t.Helper()
	index, err := l.One(cmd, expected, retry)
	require.NoError(t, err, "one(%d, %d) at %v", cmd, expected, l.Now())
	return index
}

// restart is the lab's start1 on a server: crash it if it is up, then
// start it again from its storage. Its connection is left as it was.
func restart(l *Lab, i int) {
	l.Crash(i)
	l.Restart(i)
}

// crash is the lab's crash1: the server is cut off and crashes; the
// lab's start1 (restart) then leaves it cut off until Connect.
func crash(l *Lab, i int) {
	l.Disconnect(i)
	l.Crash(i)
}

// ring is the server k places after server i among n (1-based), the lab's
// (i + k) % servers.
func ring(i, k, n int) int { return (i-1+k)%n + 1 }

// value draws a command: any positive int, since 0 means "nothing" in the
// lab's applied view.
func value(r *sim.Rand) int { return 1 + r.Intn(1<<30) }
