package raft

// Coverage probes, in the manner of FoundationDB's code probes: each names
// a rare situation at the code point where the node decides it, and the
// node counts how often it happened. A campaign reports how many seeds hit
// each probe, so a situation the chaos never reaches shows up as a probe
// at zero instead of passing unnoticed.
//
// The counters are a fixed array in the node, indexed by the probe
// constant: recording is one increment, deterministic, and per node (worlds
// run in parallel, so nothing is global). Probes observe only; they change
// no decision and no message, so trace hashes do not depend on them. The
// API is one accessor, Node.Probes, and the Probe names.

// Probe names one rare situation in the protocol.
type Probe uint8

const (
	// ProbeTruncateMultiTerm: a follower deletes a conflicting suffix
	// whose entries span more than one term.
	ProbeTruncateMultiTerm Probe = iota
	// ProbeTruncateConfig: a truncation removes the entry holding the
	// current configuration, which falls back to an earlier one.
	ProbeTruncateConfig
	// ProbeConflictSkipsTerm: a leader's reply to a conflict hint skips
	// the follower's whole conflicting term (the leader has no entry of
	// it).
	ProbeConflictSkipsTerm
	// ProbeConflictBacksUpMany: a conflict hint moves a follower's next
	// index back by more than one entry.
	ProbeConflictBacksUpMany
	// ProbeAppendBelowCommit: an append (delayed or duplicated) starts
	// below the follower's commit index, whose committed prefix is skipped.
	ProbeAppendBelowCommit
	// ProbeVoteDeniedStaleLog: a vote or pre-vote refused because the
	// candidate's log is not up to date.
	ProbeVoteDeniedStaleLog
	// ProbeVoteIgnoredLeaderAlive: a pre-vote or vote with a higher term
	// ignored because a leader was heard from recently (check-quorum).
	ProbeVoteIgnoredLeaderAlive
	// ProbeElectionLost: a candidate or pre-candidate lost its election
	// by a quorum of refusals.
	ProbeElectionLost
	// ProbeLeaderJoint: a node became leader while the configuration is
	// joint.
	ProbeLeaderJoint
	// ProbeStaleLeaderNotified: a message from a leader of an older term
	// answered with the newer term.
	ProbeStaleLeaderNotified
	// ProbeCheckQuorumStepDown: a leader stepped down because it had not
	// heard from a quorum within an election timeout.
	ProbeCheckQuorumStepDown
	// ProbeCommitWaitsForTerm: a quorum matched an entry of an earlier
	// term, which the leader did not commit directly (§5.4.2, Figure 8).
	ProbeCommitWaitsForTerm
	// ProbeAppendsLost: a replicating follower made no progress over a
	// heartbeat interval and went back to probing.
	ProbeAppendsLost
	// ProbeTransferToLagging: a leadership transfer to a follower that
	// must first catch up.
	ProbeTransferToLagging
	// ProbeTransferAfterCatchUp: a transfer's TimeoutNow sent once the
	// lagging target caught up.
	ProbeTransferAfterCatchUp
	// ProbeTransferAbandoned: a transfer gave no new leader within an
	// election timeout; the leader serves again.
	ProbeTransferAbandoned
	// ProbeCompactEarlierTerm: a compaction whose last entry is of an
	// earlier term than the node's.
	ProbeCompactEarlierTerm
	// ProbeSnapshotStale: a follower refused a snapshot it already holds
	// committed.
	ProbeSnapshotStale
	// ProbeSnapshotChunkDuplicate: a follower received a snapshot chunk
	// out of order (a duplicate, a delayed one, or one of another
	// transfer) and answered with the offset it expects.
	ProbeSnapshotChunkDuplicate
	// ProbeSnapshotAnswerStale: a leader received a snapshot answer that
	// was not for the chunk in flight.
	ProbeSnapshotAnswerStale
	// ProbeSnapshotKeepsSuffix: an installed snapshot kept the log
	// entries that follow it (§7).
	ProbeSnapshotKeepsSuffix
	// ProbeSnapshotJoint: a snapshot installed while a joint
	// configuration is pending, before or after the install.
	ProbeSnapshotJoint
	// ProbeReadWaitsForTerm: a read reached a new leader before an entry
	// of its term committed and was confirmed after.
	ProbeReadWaitsForTerm
	// ProbeReadLease: a read served on the leader's lease without a round.
	ProbeReadLease
	// ProbeReadLeaseExpired: in lease mode, a read needed a round because
	// the lease had lapsed.
	ProbeReadLeaseExpired
	// ProbeReadsDropped: a leader lost leadership with reads pending.
	ProbeReadsDropped
	// ProbeLeaderRemoved: a leader removed by a configuration change
	// stepped down once the change committed.
	ProbeLeaderRemoved
	// ProbeRemovedCampaigns: a node its latest, uncommitted configuration
	// removes campaigned to get that configuration committed.
	ProbeRemovedCampaigns

	// NumProbes is the number of probes.
	NumProbes
)

var probeNames = [NumProbes]string{
	ProbeTruncateMultiTerm:      "truncate-multi-term",
	ProbeTruncateConfig:         "truncate-config",
	ProbeConflictSkipsTerm:      "conflict-skips-term",
	ProbeConflictBacksUpMany:    "conflict-backs-up-many",
	ProbeAppendBelowCommit:      "append-below-commit",
	ProbeVoteDeniedStaleLog:     "vote-denied-stale-log",
	ProbeVoteIgnoredLeaderAlive: "vote-ignored-leader-alive",
	ProbeElectionLost:           "election-lost",
	ProbeLeaderJoint:            "leader-in-joint-config",
	ProbeStaleLeaderNotified:    "stale-leader-notified",
	ProbeCheckQuorumStepDown:    "check-quorum-step-down",
	ProbeCommitWaitsForTerm:     "commit-waits-for-term",
	ProbeAppendsLost:            "appends-lost",
	ProbeTransferToLagging:      "transfer-to-lagging",
	ProbeTransferAfterCatchUp:   "transfer-after-catch-up",
	ProbeTransferAbandoned:      "transfer-abandoned",
	ProbeCompactEarlierTerm:     "compact-earlier-term",
	ProbeSnapshotStale:          "snapshot-stale",
	ProbeSnapshotChunkDuplicate: "snapshot-chunk-duplicate",
	ProbeSnapshotAnswerStale:    "snapshot-answer-stale",
	ProbeSnapshotKeepsSuffix:    "snapshot-keeps-suffix",
	ProbeSnapshotJoint:          "snapshot-in-joint-config",
	ProbeReadWaitsForTerm:       "read-waits-for-term",
	ProbeReadLease:              "read-lease",
	ProbeReadLeaseExpired:       "read-lease-expired",
	ProbeReadsDropped:           "reads-dropped",
	ProbeLeaderRemoved:          "leader-removed",
	ProbeRemovedCampaigns:       "removed-campaigns",
}

// String is the probe's name, as campaign reports list it.
func (p Probe) String() string {
	if p < NumProbes {
		return probeNames[p]
	}
	return "probe(?)"
}

// Probes counts the hits of each probe, indexed by Probe.
type Probes [NumProbes]uint32

// Probes returns how often each probe fired in this node since it was
// created. A host that restarts nodes adds up the counts of each
// incarnation before dropping it.
func (n *Node[D, R]) Probes() Probes { return n.probes }

// hit records that probe p's situation happened.
func (n *Node[D, R]) hit(p Probe) { n.probes[p]++ }
