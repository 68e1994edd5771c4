package etcdloop

import (
	"errors"
	"fmt"
	"time"
)

// Config describes one run of the loop. It is plain data, printable.
type Config struct {
	// Nodes is the cluster size. Example: 3.
	Nodes int `json:"nodes"`
	// Latency is every message's one-way delay, client messages included.
	// Example: 1ms.
	Latency time.Duration `json:"latency"`
	// TickInterval is the virtual time between two RawNode.Tick calls on a
	// node. Example: 10ms.
	TickInterval time.Duration `json:"tickInterval"`
	// HeartbeatTick and ElectionTick are etcd-raft's, in ticks. With a 10ms
	// tick, 5 and 15 give raftsim's defaults: a 50ms heartbeat and an
	// election timeout drawn from [150ms, 300ms) (etcd-raft randomizes over
	// [ElectionTick, 2*ElectionTick)).
	HeartbeatTick int `json:"heartbeatTick"`
	ElectionTick  int `json:"electionTick"`
	// MaxInflightMsgs bounds the appends in flight to one follower
	// (raftsim's MaxInflightAppends). Example: 8.
	MaxInflightMsgs int `json:"maxInflightMsgs"`
	// MaxSizePerMsg bounds the bytes of entries in one append. Example:
	// 1 MiB (etcd's own default), far above what 16 clients can have
	// outstanding, so the entry count is what limits a batch, as in raftsim.
	MaxSizePerMsg uint64 `json:"maxSizePerMsg"`
	// Clients is the number of closed-loop clients, each with one put
	// outstanding. Example: 16.
	Clients int `json:"clients"`
	// Keys is the key space the puts draw from. Example: 1000.
	Keys int `json:"keys"`
	// StopAfterCommands ends the run once this many commands completed.
	// Example: 100000.
	StopAfterCommands int `json:"stopAfterCommands"`
	// ClientEvents makes the clients cost the events raftsim's cost: each
	// command starts from an event of its own, and each attempt arms a
	// timeout event (ClientTimeout later) that pops, usually stale. Off,
	// the next command starts inline and nothing times out (a reliable
	// network loses nothing): the minimal loop.
	ClientEvents bool `json:"clientEvents"`
	// ClientTimeout is the timeout of an attempt with ClientEvents.
	// Example: 1s.
	ClientTimeout time.Duration `json:"clientTimeout"`
	// MaxEvents bounds the events of a run, so no run can hang.
	MaxEvents uint64 `json:"maxEvents"`
	// MaxTime bounds the virtual time of a run. Example: 1h.
	MaxTime time.Duration `json:"maxTime"`
}

// Throughput is workload (a) of raftsim's docs/performance.md: 3 nodes, 1ms
// one-way latency, storage in memory, 16 closed-loop clients writing without
// pause, until 100,000 commands completed.
func Throughput() Config {
	return Config{
		Nodes:             3,
		Latency:           time.Millisecond,
		TickInterval:      10 * time.Millisecond,
		HeartbeatTick:     5,
		ElectionTick:      15,
		MaxInflightMsgs:   8,
		MaxSizePerMsg:     1 << 20,
		Clients:           16,
		Keys:              1000,
		StopAfterCommands: 100_000,
		ClientTimeout:     time.Second,
		MaxEvents:         100_000_000,
		MaxTime:           time.Hour,
	}
}

// String is the config in one line, to print first with the results.
func (c Config) String() string {
	s := fmt.Sprintf("%d nodes, latency %v, tick %v (heartbeat %d, election %d ticks), inflight %d, maxSizePerMsg %d, %d clients on %d keys, %d commands, pre-vote, check-quorum",
		c.Nodes, c.Latency, c.TickInterval, c.HeartbeatTick, c.ElectionTick, c.MaxInflightMsgs, c.MaxSizePerMsg,
		c.Clients, c.Keys, c.StopAfterCommands)
	if c.ClientEvents {
		s += fmt.Sprintf(", client events (timeout %v)", c.ClientTimeout)
	}
	return s
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid etcdloop config")

// maxNodes keeps node indexes and client bitmasks small.
const maxNodes = 9

// Validate reports the first field that makes no sense, naming it.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("etcdloop: config: %s: %w", fmt.Sprintf(format, args...), ErrConfig)
	}
	switch {
	case c.Nodes < 1 || c.Nodes > maxNodes:
		return bad("nodes %d: want 1 to %d", c.Nodes, maxNodes)
	case c.Latency < 0:
		return bad("latency %v: must not be negative", c.Latency)
	case c.TickInterval <= 0:
		return bad("tickInterval %v: must be positive", c.TickInterval)
	case c.HeartbeatTick < 1:
		return bad("heartbeatTick %d: must be at least 1", c.HeartbeatTick)
	case c.ElectionTick <= c.HeartbeatTick:
		return bad("electionTick %d: must exceed heartbeatTick %d", c.ElectionTick, c.HeartbeatTick)
	case c.MaxInflightMsgs < 1:
		return bad("maxInflightMsgs %d: must be at least 1", c.MaxInflightMsgs)
	case c.Clients < 1 || c.Clients > 1<<16:
		return bad("clients %d: want 1 to %d", c.Clients, 1<<16)
	case c.Keys < 1:
		return bad("keys %d: want at least 1", c.Keys)
	case c.StopAfterCommands < 1:
		return bad("stopAfterCommands %d: want at least 1", c.StopAfterCommands)
	case c.ClientEvents && c.ClientTimeout <= 0:
		return bad("clientTimeout %v: must be positive with clientEvents", c.ClientTimeout)
	case c.MaxEvents == 0:
		return bad("maxEvents must be positive: a run without an event budget could hang")
	case c.MaxTime <= 0:
		return bad("maxTime %v: must be positive", c.MaxTime)
	}
	return nil
}
