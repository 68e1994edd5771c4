package campaign

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one slice of a campaign: seed index k belongs to shard
// (k mod Count) + 1. Shards count from 1, as people say "shard 2 of 3".
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// AllSeeds is the unsharded campaign.
var AllSeeds = Shard{Index: 1, Count: 1}

// MaxShards bounds --shard n: far beyond any CI matrix, small enough that
// a typo is caught.
const MaxShards = 100_000

// DefaultShardEnv is where a Kubernetes indexed Job puts a pod's index
// (0-based).
const DefaultShardEnv = "JOB_COMPLETION_INDEX"

// ParseShard reads --shard: "i/n" (1 <= i <= n), or "/n", which takes the
// index from the environment variable envName (0-based, as Kubernetes
// indexed Jobs number their pods). getenv is os.Getenv in the command.
func ParseShard(s, envName string, getenv func(string) string) (Shard, error) {
	idx, cnt, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: want i/n (e.g. 2/3), or /n to read the index from $%s", s, envName)
	}
	n, err := strconv.Atoi(cnt)
	if err != nil || n < 1 || n > MaxShards {
		return Shard{}, fmt.Errorf("--shard %q: shard count %q: want an integer from 1 to %d", s, cnt, MaxShards)
	}
	if idx == "" {
		return shardFromEnv(n, envName, getenv)
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 1 || i > n {
		return Shard{}, fmt.Errorf("--shard %q: shard index %q: want an integer from 1 to %d", s, idx, n)
	}
	return Shard{Index: i, Count: n}, nil
}

func shardFromEnv(n int, envName string, getenv func(string) string) (Shard, error) {
	v := getenv(envName)
	if v == "" {
		return Shard{}, fmt.Errorf("--shard /%d: $%s is not set: give the index as --shard i/%d, or name the variable with --shard-index-env", n, envName, n)
	}
	k, err := strconv.Atoi(v)
	if err != nil || k < 0 || k >= n {
		return Shard{}, fmt.Errorf("--shard /%d: $%s=%q: want a 0-based index from 0 to %d", n, envName, v, n-1)
	}
	return Shard{Index: k + 1, Count: n}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Owns reports whether seed index k belongs to the shard.
func (s Shard) Owns(k uint64) bool { return k%uint64(s.Count) == uint64(s.Index-1) }

// nth is the seed index of the shard's j-th seed (j from 0).
func (s Shard) nth(j uint64) uint64 { return uint64(s.Index-1) + j*uint64(s.Count) }

// Size is how many of the indexes [0, total) the shard owns.
func (s Shard) Size(total uint64) uint64 {
	first := uint64(s.Index - 1)
	if first >= total {
		return 0
	}
	return (total-first-1)/uint64(s.Count) + 1
}

// validate checks a shard built in code rather than parsed.
func (s Shard) validate() error {
	if s.Count < 1 || s.Count > MaxShards || s.Index < 1 || s.Index > s.Count {
		return fmt.Errorf("campaign: shard %d/%d: want 1 <= index <= count <= %d", s.Index, s.Count, MaxShards)
	}
	return nil
}
