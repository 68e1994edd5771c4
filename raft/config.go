package raft

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/internal/zoohook"
)

// ReadMode chooses how a leader proves a read is linearizable.
type ReadMode uint8

const (
	// ReadIndex confirms leadership with a heartbeat round to a quorum
	// before serving (dissertation §6.4). Safe whatever the clocks do.
	ReadIndex ReadMode = iota
	// ReadLease serves reads without a round trip while the leader holds a
	// lease: a quorum acknowledged it within the last ElectionTimeoutMin,
	// less MaxClockDrift. It is safe only while no clock runs faster than
	// the others by more than MaxClockDrift over one election timeout
	// (dissertation §6.4.1): a follower whose clock runs fast can time out
	// and elect a new leader while the old one still believes its lease.
	ReadLease
)

// MarshalText writes the mode's name.
func (m ReadMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a mode's name.
func (m *ReadMode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "read-index":
		*m = ReadIndex
	case "lease":
		*m = ReadLease
	default:
		return fmt.Errorf("raft: unknown read mode %q (want read-index or lease)", b)
	}
	return nil
}

func (m ReadMode) String() string {
	switch m {
	case ReadIndex:
		return "read-index"
	case ReadLease:
		return "lease"
	}
	return fmt.Sprintf("read-mode(%d)", m)
}

// Config is a node's configuration. It is a plain struct so that it can be
// printed and saved in a failure file. DefaultConfig gives sensible values.
type Config struct {
	// ID is this node's ID (non-zero).
	ID NodeID `json:"id"`

	// ElectionTimeoutMin and ElectionTimeoutMax bound the randomized
	// election timeout; each timeout is drawn uniformly from
	// [Min, Max) from the injected Rand. Example: 150ms and 300ms.
	ElectionTimeoutMin time.Duration `json:"electionTimeoutMin"`
	ElectionTimeoutMax time.Duration `json:"electionTimeoutMax"`
	// HeartbeatInterval is how often a leader sends heartbeats. It must be
	// well below ElectionTimeoutMin. Example: 50ms.
	HeartbeatInterval time.Duration `json:"heartbeatInterval"`

	// PreVote makes a node ask whether it could win before it increments
	// its term (dissertation §9.6), so a node rejoining from a partition
	// does not depose a healthy leader.
	PreVote bool `json:"preVote"`
	// CheckQuorum makes a leader step down when it has not heard from a
	// quorum within an election timeout, and makes followers that heard
	// from a leader recently ignore vote requests (dissertation §4.2.3).
	CheckQuorum bool `json:"checkQuorum"`

	// MaxEntriesPerAppend bounds the entries in one AppendEntries.
	MaxEntriesPerAppend int `json:"maxEntriesPerAppend"`
	// MaxInflightAppends bounds the appends in flight to one follower
	// (pipelining). 1 means stop-and-wait.
	MaxInflightAppends int `json:"maxInflightAppends"`
	// MaxUncommittedEntries bounds how far a leader's log may run ahead of
	// its commit index before Propose returns ErrBusy.
	MaxUncommittedEntries int `json:"maxUncommittedEntries"`

	// SnapshotThreshold triggers log compaction when this many entries have
	// been applied since the last snapshot. 0 disables compaction, which
	// makes every restart replay the whole log. A restart reads and
	// applies again what came after the last snapshot, so the threshold
	// sets its cost: the default, 256, keeps that small where nodes crash
	// every few seconds (the simulator's scenarios), where 1,024 made a
	// long run's virtual second cost 1.4 times a short one's (issue 18);
	// production stores, restarted rarely, compact every few thousand.
	SnapshotThreshold uint64 `json:"snapshotThreshold"`
	// SnapshotChunkSize is the number of bytes in one InstallSnapshot
	// message.
	SnapshotChunkSize int `json:"snapshotChunkSize"`

	// NonVoterCatchUpLag is how close (in entries) a non-voter's log must
	// be to the leader's for it to count as caught up.
	NonVoterCatchUpLag uint64 `json:"nonVoterCatchUpLag"`

	// SingleServerChanges applies a membership change of one voter in one
	// step instead of by joint consensus (see ChangeMembership).
	SingleServerChanges bool `json:"singleServerChanges,omitempty"`

	// ReadMode chooses how reads are confirmed.
	ReadMode ReadMode `json:"readMode"`
	// MaxClockDrift is the drift allowance subtracted from a read lease
	// (ReadLease only). Example: 10ms for a 150ms election timeout.
	MaxClockDrift time.Duration `json:"maxClockDrift"`

	// LogCacheEntries bounds the in-memory cache of the log's tail that
	// spares storage reads on the replication path.
	LogCacheEntries int `json:"logCacheEntries"`

	// zoo holds the bug zoo's hooks (see zoo.go); nil in every node but
	// the zoo's.
	zoo zoohook.Hooks
}

// DefaultConfig returns a configuration with the timing of the Raft paper
// (150-300ms election timeout) and pre-vote and check-quorum on.
func DefaultConfig(id NodeID) Config {
	return Config{
		ID:                    id,
		ElectionTimeoutMin:    150 * time.Millisecond,
		ElectionTimeoutMax:    300 * time.Millisecond,
		HeartbeatInterval:     50 * time.Millisecond,
		PreVote:               true,
		CheckQuorum:           true,
		MaxEntriesPerAppend:   64,
		MaxInflightAppends:    8,
		MaxUncommittedEntries: 4096,
		SnapshotThreshold:     256,
		SnapshotChunkSize:     16 << 10,
		NonVoterCatchUpLag:    16,
		ReadMode:              ReadIndex,
		MaxClockDrift:         10 * time.Millisecond,
		LogCacheEntries:       4096,
	}
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid raft config")

// Validate reports the first field that makes no sense, naming it.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("raft: config: %s: %w", fmt.Sprintf(format, args...), ErrConfig)
	}
	switch {
	case c.ID == None:
		return bad("ID must be non-zero")
	case c.HeartbeatInterval <= 0:
		return bad("HeartbeatInterval %v must be positive", c.HeartbeatInterval)
	case c.ElectionTimeoutMin <= c.HeartbeatInterval:
		return bad("ElectionTimeoutMin %v must exceed HeartbeatInterval %v", c.ElectionTimeoutMin, c.HeartbeatInterval)
	case c.ElectionTimeoutMax <= c.ElectionTimeoutMin:
		return bad("ElectionTimeoutMax %v must exceed ElectionTimeoutMin %v", c.ElectionTimeoutMax, c.ElectionTimeoutMin)
	case c.MaxEntriesPerAppend < 1:
		return bad("MaxEntriesPerAppend %d must be at least 1", c.MaxEntriesPerAppend)
	case c.MaxInflightAppends < 1:
		return bad("MaxInflightAppends %d must be at least 1", c.MaxInflightAppends)
	case c.MaxUncommittedEntries < 1:
		return bad("MaxUncommittedEntries %d must be at least 1", c.MaxUncommittedEntries)
	case c.SnapshotChunkSize < 1:
		return bad("SnapshotChunkSize %d must be at least 1", c.SnapshotChunkSize)
	case c.ReadMode > ReadLease:
		return bad("unknown ReadMode %d", c.ReadMode)
	case c.ReadMode == ReadLease && c.MaxClockDrift >= c.ElectionTimeoutMin:
		return bad("MaxClockDrift %v leaves no lease within ElectionTimeoutMin %v", c.MaxClockDrift, c.ElectionTimeoutMin)
	case c.MaxClockDrift < 0:
		return bad("MaxClockDrift %v must not be negative", c.MaxClockDrift)
	case c.LogCacheEntries < 0:
		return bad("LogCacheEntries %d must not be negative", c.LogCacheEntries)
	}
	return nil
}
