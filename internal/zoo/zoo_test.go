package zoo

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// Every knob's name parses back to that knob alone, and Names lists it.
func TestNamesRoundTrip(t *testing.T) {
	names := AllNames()
	require.Len(t, names, reflect.TypeOf(Bugs{}).NumField())
	for _, name := range names {
		b, err := Parse(name)
		require.NoError(t, err)
		assert.Equal(t, []string{name}, b.Names())
	}
	all, err := Parse("prevote-never-grants, vote-before-persist")
	require.NoError(t, err)
	assert.Equal(t, []string{"prevote-never-grants", "vote-before-persist"}, all.Names())
	none, err := Parse(" ")
	require.NoError(t, err)
	assert.False(t, none.Any())
	_, err = Parse("vote-before-persist,no-such-bug")
	assert.ErrorContains(t, err, `unknown bug "no-such-bug"`)
}

func TestUnion(t *testing.T) {
	a := Bugs{PreVoteNeverGrants: true}
	b := Bugs{TruncateOnStaleAppend: true}
	assert.Equal(t, Bugs{PreVoteNeverGrants: true, TruncateOnStaleAppend: true}, a.Union(b))
	assert.Equal(t, a, a.Union(Bugs{}))
}

// answers records every decision a Hooks makes on a fixed set of inputs,
// ordering points included (as the order the steps ran in).
func answers(h hooks) []any {
	var order []string
	step := func(name string) func() { return func() { order = append(order, name) } }
	out := []any{
		h.RandomizeTimeout(),
		h.VoteGranted(true, true, true), h.VoteGranted(false, true, false), h.VoteGranted(false, false, true),
		h.PersistVote(true, step("term"), step("vote"), step("send")),
		h.CountDuplicateVotes(), h.CountLearners(), h.CommitNeedsCurrentTerm(), h.ChangeNeedsTermCommit(),
		h.RestartCommit(3, 9), h.ReadNeedsConfirm(), h.HeartbeatCommit(4, 7), h.AppendCommit(9, 5, 8),
		h.CompactedPrevConflicts(), h.AckAppend(step("write"), step("ack")),
		h.TruncateMatching(true, 6, 5), h.ResetActivity(), h.AbandonTransfer(), h.InstallOlderSnapshot(),
	}
	return append(out, order)
}

// Without knobs every hook answers as the correct core decides; each knob
// changes at least one answer, so none is dead.
func TestEachKnobChangesADecision(t *testing.T) {
	correct := []any{true, true, false, false, false, false, false, true, true,
		uint64(3), true, uint64(4), uint64(5), false, false, false, true, true, false, []string(nil)}
	require.Equal(t, correct, answers(hooks{}))
	for _, name := range AllNames() {
		b, err := Parse(name)
		require.NoError(t, err)
		assert.NotEqual(t, correct, answers(hooks{b}), "knob %s changes no decision", name)
	}
}

// A config without knobs gets no hooks: the node runs the correct core.
func TestConfigureWithoutKnobsChangesNothing(t *testing.T) {
	cfg := raft.DefaultConfig(1)
	assert.Equal(t, cfg, Configure(cfg, Bugs{}))
	assert.NotEqual(t, cfg, Configure(cfg, Bugs{CommitPreviousTerm: true}))
}
