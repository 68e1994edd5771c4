package etcdloop

import (
	"testing"
	"time"

	"github.com/raftsim/raftsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// small is workload (a) cut short, so that the tests stay quick.
func small(commands int) Config {
	cfg := Throughput()
	cfg.StopAfterCommands = commands
	return cfg
}

func runSettled(t *testing.T, cfg Config, seed sim.Seed) (*Loop, Result) {
	t.Helper()
	l, err := New(cfg, seed)
	require.NoError(t, err)
	res, err := l.Run()
	require.NoError(t, err)
	require.NoError(t, l.Settle(time.Second), "replicas disagree after settling")
	return l, res
}

// TestReplicasAgree is the correctness guard: after the run and a quiet
// second, all replicas applied the same index and hold the same map, and
// every completed command was applied everywhere.
func TestReplicasAgree(t *testing.T) {
	for _, clientEvents := range []bool{false, true} {
		cfg := small(20_000)
		cfg.ClientEvents = clientEvents
		l, res := runSettled(t, cfg, 7)
		applied, digests := l.Applied(), l.Digests()
		for i := 1; i < len(applied); i++ {
			assert.Equal(t, applied[0], applied[i], "applied index of node %d vs node 1", i+1)
			assert.Equal(t, digests[0], digests[i], "map digest of node %d vs node 1", i+1)
		}
		assert.Equal(t, cfg.StopAfterCommands, res.Stats.Commands)
		for i, n := range l.CommandsApplied() {
			// The commands still in flight at the stop commit while settling.
			assert.GreaterOrEqual(t, n, cfg.StopAfterCommands, "commands applied on node %d", i+1)
			assert.LessOrEqual(t, n, cfg.StopAfterCommands+cfg.Clients, "commands applied on node %d", i+1)
		}
		assert.NotZero(t, res.Stats.Leader, "a leader at the end")
		assert.NotZero(t, res.Stats.Messages)
		assert.NotZero(t, res.Stats.Ticks)
	}
}

// TestSeedReproducesRun runs a seed twice: same events, same virtual time,
// same maps. etcd-raft's own randomness must not reach the run.
func TestSeedReproducesRun(t *testing.T) {
	a, ra := runSettled(t, small(5_000), 3)
	b, rb := runSettled(t, small(5_000), 3)
	assert.Equal(t, ra.Stats, rb.Stats)
	assert.Equal(t, a.Digests(), b.Digests())
	assert.Equal(t, a.Applied(), b.Applied())
	_, rc := runSettled(t, small(5_000), 4)
	assert.NotEqual(t, ra.Stats, rc.Stats, "another seed, another run")
}

// TestClientEventsCostEvents checks that ClientEvents adds at least the
// event per command it promises (the timeouts come due only a second after
// their attempt). It also changes the order of simultaneous events, and
// with it how appends batch: the log shows the messages per command.
func TestClientEventsCostEvents(t *testing.T) {
	plain, clientEvents := small(5_000), small(5_000)
	clientEvents.ClientEvents = true
	_, rp := runSettled(t, plain, 1)
	_, rc := runSettled(t, clientEvents, 1)
	assert.GreaterOrEqual(t, rc.Stats.Events, rp.Stats.Events+uint64(plain.StopAfterCommands))
	perCmd := func(r Result) float64 { return float64(r.Stats.Messages) / float64(r.Stats.Commands) }
	t.Logf("messages per command: %.2f minimal, %.2f with client events", perCmd(rp), perCmd(rc))
}

func TestValidate(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.Nodes = 0 },
		func(c *Config) { c.Nodes = maxNodes + 1 },
		func(c *Config) { c.TickInterval = 0 },
		func(c *Config) { c.ElectionTick = c.HeartbeatTick },
		func(c *Config) { c.MaxInflightMsgs = 0 },
		func(c *Config) { c.Clients = 0 },
		func(c *Config) { c.Keys = 0 },
		func(c *Config) { c.StopAfterCommands = 0 },
		func(c *Config) { c.ClientEvents, c.ClientTimeout = true, 0 },
		func(c *Config) { c.MaxEvents = 0 },
		func(c *Config) { c.MaxTime = 0 },
	}
	require.NoError(t, Throughput().Validate())
	for i, f := range bad {
		c := Throughput()
		f(&c)
		assert.ErrorIs(t, c.Validate(), ErrConfig, "case %d", i)
	}
}

func TestCommandRoundTrip(t *testing.T) {
	c := command{client: 300, seq: 1 << 40, key: "k999", value: "15.12345"}
	assert.Equal(t, c, decodeCommand(c.encode()))
	assert.Equal(t, c.seq, commandSeq(c.encode()))
	assert.Panics(t, func() { decodeCommand([]byte{1, 2, 9, 'k'}) }, "key longer than the command")
}

func TestRunStopsOnEventBudget(t *testing.T) {
	cfg := small(1_000)
	cfg.MaxEvents = 100
	l, err := New(cfg, 1)
	require.NoError(t, err)
	res, err := l.Run()
	require.Error(t, err)
	assert.Equal(t, sim.StepBudget, res.Stop)
}
