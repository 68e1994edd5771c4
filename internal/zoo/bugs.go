// Package zoo is the bug zoo: known Raft implementation bugs, each a named
// knob, that can be switched on in a raft node to measure how fast the
// harness finds them (raftsim bench zoo). The knobs act through the hooks
// of package internal/zoohook, so the raft core holds the correct code
// only; a node gets them from Configure. Knobs are plain data (a failure
// file saves them by name), and the hooks they make are pure functions of
// the knobs and their arguments: deterministic, with no state, so every
// node and every world can hold its own copy.
package zoo

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/raftsim/raftsim/internal/zoohook"
	"github.com/raftsim/raftsim/raft"
)

// Bugs switches on known Raft implementation bugs, so that the harness can
// be measured by how fast it finds them. Every field is off in a correct
// node. Each comment says what the bug does and where it has been
// seen; the json name is the knob's name on the command line.
type Bugs struct {
	// VoteWithoutLogCheck grants votes without the up-to-date check of
	// §5.4.1, so a node missing committed entries can win an election and
	// overwrite them. A classic student-lab bug, and the subject of the
	// paper's own Figure 8 discussion.
	VoteWithoutLogCheck bool `json:"vote-without-log-check,omitempty"`
	// VoteBeforePersist sends a vote before the term and vote are durable,
	// so a crash can make a node vote twice in one term (seen in several
	// early Raft libraries; the dissertation §3.8 requires persisting first).
	VoteBeforePersist bool `json:"vote-before-persist,omitempty"`
	// SplitTermVotePersist writes the term and the vote as two separate
	// storage calls and lets the grant leave once the first is durable,
	// so a crash between them forgets the vote and the node can vote again
	// in the same term. Stores that keep term and vote under separate keys
	// invite it (hashicorp/raft's stable store has CurrentTerm, LastVoteTerm
	// and LastVoteCand); etcd-raft's HardState is one record.
	SplitTermVotePersist bool `json:"split-term-vote-persist,omitempty"`
	// CountStaleVotes counts duplicate votes and votes from earlier terms,
	// so a candidate can "win" with one voter counted twice (hashicorp/raft
	// issue #44-style duplicated responses; seen in student labs).
	CountStaleVotes bool `json:"count-stale-votes,omitempty"`
	// CommitPreviousTerm lets a leader commit an entry of an earlier term by
	// counting replicas: the Figure 8 bug of the Raft paper (§5.4.2).
	CommitPreviousTerm bool `json:"commit-previous-term,omitempty"`
	// UncappedFollowerCommit moves a follower's commit index to the
	// leader's without capping it at the last entry known to match the
	// leader's log, so it can commit stale entries it has not yet
	// overwritten: an append caps at the follower's last entry instead of
	// the last new one (a common bug in MIT 6.824 labs; the paper's
	// "min(leaderCommit, index of last new entry)"), and a heartbeat
	// carries the leader's whole commit index instead of min(match,
	// commit) (etcd-raft's sendHeartbeat caps it for this reason). With
	// exact conflict hints the append form alone is almost unreachable: a
	// follower's first new entry after a divergence always conflicts.
	UncappedFollowerCommit bool `json:"uncapped-follower-commit,omitempty"`
	// TruncateOnStaleAppend truncates the log at the first entry of every
	// append instead of only at a real conflict, so a delayed or reordered
	// append erases entries the follower already acknowledged (seen in
	// etcd-raft's early history and many labs).
	TruncateOnStaleAppend bool `json:"truncate-on-stale-append,omitempty"`
	// CompactedPrevIsConflict treats an append whose previous entry lies in
	// the follower's compacted prefix as a conflict, rejecting it forever
	// (a liveness bug seen around snapshots in several implementations).
	CompactedPrevIsConflict bool `json:"compacted-prev-is-conflict,omitempty"`
	// VolatileCommitRestart restores the commit index after a restart from
	// a value the node never had durably (its last log index), so it can
	// apply entries that were never committed.
	VolatileCommitRestart bool `json:"volatile-commit-restart,omitempty"`
	// UnconfirmedLeaderReads serves reads on a leader without confirming it
	// is still leader, so a deposed leader returns stale data (etcd issue
	// #741 era; Jepsen's etcd 0.4 analysis).
	UnconfirmedLeaderReads bool `json:"unconfirmed-leader-reads,omitempty"`
	// InstallOlderSnapshot installs a snapshot older than what the state
	// machine already applied and takes the snapshot's index as its
	// applied index, moving it back in time (async-raft and openraft both
	// guard against it explicitly).
	InstallOlderSnapshot bool `json:"install-older-snapshot,omitempty"`
	// ConfigChangeWithoutTermCommit lets a new leader append a membership
	// change before any entry of its own term is committed: the
	// single-server change bug Diego Ongaro reported on raft-dev in 2015.
	ConfigChangeWithoutTermCommit bool `json:"config-change-without-term-commit,omitempty"`
	// CountLearnersInQuorum counts non-voters' acknowledgements toward the
	// commit quorum (seen in implementations that added learners late).
	CountLearnersInQuorum bool `json:"count-learners-in-quorum,omitempty"`
	// AckBeforeDurable acknowledges appended entries before they are
	// durable, so a crash can lose entries a quorum was counted on.
	AckBeforeDurable bool `json:"ack-before-durable,omitempty"`
	// CheckQuorumNeverResets never clears a leader's record of which
	// followers it heard from, so after one round of answers every
	// check-quorum passes and a leader cut off from its quorum keeps
	// believing it leads (and keeps clients waiting on it). A missed
	// reset: etcd-raft clears each progress's RecentActive in the same
	// pass that counts them for this reason.
	CheckQuorumNeverResets bool `json:"check-quorum-never-resets,omitempty"`
	// TransferNeverAbandoned keeps a leadership transfer pending when no
	// new leader emerged within an election timeout, instead of giving up
	// and serving again (dissertation §3.10), so a transfer whose
	// TimeoutNow was lost, or whose target is cut off, leaves the leader
	// refusing proposals until it is deposed.
	TransferNeverAbandoned bool `json:"transfer-never-abandoned,omitempty"`
	// ElectionTimeoutNotRandom uses ElectionTimeoutMin on every node, so
	// split votes can repeat forever (a liveness bug; §5.2 randomization).
	ElectionTimeoutNotRandom bool `json:"election-timeout-not-random,omitempty"`
	// PreVoteNeverGrants makes pre-vote refuse every request, so no node
	// can ever start an election (a liveness bug).
	PreVoteNeverGrants bool `json:"prevote-never-grants,omitempty"`
}

// Names lists the knobs that are on, sorted.
func (b Bugs) Names() []string {
	var out []string
	v := reflect.ValueOf(b)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if v.Field(i).Bool() {
			out = append(out, bugName(t.Field(i)))
		}
	}
	sort.Strings(out)
	return out
}

// Any reports whether any knob is on.
func (b Bugs) Any() bool { return b != Bugs{} }

// AllNames lists every knob's name, sorted.
func AllNames() []string {
	var out []string
	t := reflect.TypeOf(Bugs{})
	for i := 0; i < t.NumField(); i++ {
		out = append(out, bugName(t.Field(i)))
	}
	sort.Strings(out)
	return out
}

// Parse switches on the knobs named in a comma-separated list.
func Parse(list string) (Bugs, error) {
	var b Bugs
	if strings.TrimSpace(list) == "" {
		return b, nil
	}
	v := reflect.ValueOf(&b).Elem()
	t := v.Type()
next:
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		for i := 0; i < t.NumField(); i++ {
			if bugName(t.Field(i)) == name {
				v.Field(i).SetBool(true)
				continue next
			}
		}
		return Bugs{}, fmt.Errorf("unknown bug %q (known: %s)", name, strings.Join(AllNames(), ", "))
	}
	return b, nil
}

func bugName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// Union switches on the knobs of both.
func (b Bugs) Union(o Bugs) Bugs {
	x, y := reflect.ValueOf(&b).Elem(), reflect.ValueOf(o)
	for i := 0; i < x.NumField(); i++ {
		x.Field(i).SetBool(x.Field(i).Bool() || y.Field(i).Bool())
	}
	return b
}

// Configure returns cfg with the hooks of b's knobs, or cfg unchanged when
// no knob is on: a node without knobs runs the correct core with no hooks
// at all.
func Configure(cfg raft.Config, b Bugs) raft.Config {
	if !b.Any() {
		return cfg
	}
	return zoohook.Attach(cfg, hooks{b}).(raft.Config)
}
