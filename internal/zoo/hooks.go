package zoo

import "github.com/raftsim/raftsim/internal/zoohook"

// hooks is the zoohook.Hooks of a set of knobs: each method answers with
// the core's correct decision unless its knob is on, and then with the
// bug's. A value type with no state, so it is deterministic and every
// node holds its own copy.
type hooks struct{ Bugs }

var _ zoohook.Hooks = hooks{}

func (h hooks) RandomizeTimeout() bool { return !h.ElectionTimeoutNotRandom }

func (h hooks) VoteGranted(pre, canVote, upToDate bool) bool {
	if pre && h.PreVoteNeverGrants {
		return false
	}
	return canVote && (upToDate || h.VoteWithoutLogCheck)
}

func (h hooks) PersistVote(fresh bool, persistTerm, persistVote, send func()) bool {
	switch {
	case h.VoteBeforePersist:
		send()
		persistVote()
	case h.SplitTermVotePersist && fresh:
		// The term is written on its own; the grant waits for that write
		// only, and the vote follows in a second one.
		persistTerm()
		send()
		persistVote()
	default:
		return false
	}
	return true
}

func (h hooks) CountDuplicateVotes() bool { return h.CountStaleVotes }

func (h hooks) CountLearners() bool { return h.CountLearnersInQuorum }

func (h hooks) CommitNeedsCurrentTerm() bool { return !h.CommitPreviousTerm }

func (h hooks) ChangeNeedsTermCommit() bool { return !h.ConfigChangeWithoutTermCommit }

func (h hooks) RestartCommit(applied, lastIndex uint64) uint64 {
	if h.VolatileCommitRestart {
		return lastIndex
	}
	return applied
}

func (h hooks) ReadNeedsConfirm() bool { return !h.UnconfirmedLeaderReads }

func (h hooks) HeartbeatCommit(correct, leaderCommit uint64) uint64 {
	if h.UncappedFollowerCommit {
		return leaderCommit
	}
	return correct
}

func (h hooks) AppendCommit(leaderCommit, lastNew, lastIndex uint64) uint64 {
	if h.UncappedFollowerCommit {
		return min(leaderCommit, lastIndex)
	}
	return min(leaderCommit, lastNew)
}

func (h hooks) CompactedPrevConflicts() bool { return h.CompactedPrevIsConflict }

func (h hooks) AckAppend(write, ack func()) bool {
	if !h.AckBeforeDurable {
		return false
	}
	ack()
	write()
	return true
}

func (h hooks) TruncateMatching(first bool, index, commit uint64) bool {
	return h.TruncateOnStaleAppend && first && index > commit
}

func (h hooks) ResetActivity() bool { return !h.CheckQuorumNeverResets }

func (h hooks) AbandonTransfer() bool { return !h.TransferNeverAbandoned }

func (h hooks) InstallOlderSnapshot() bool { return h.Bugs.InstallOlderSnapshot }
