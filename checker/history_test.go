package checker

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpKindStringAndParse(t *testing.T) {
	for _, k := range []OpKind{OpGet, OpPut, OpAppend, OpCAS} {
		parsed, err := ParseOpKind(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, parsed)
	}
	assert.Equal(t, []string{"get", "put", "append", "cas"},
		[]string{OpGet.String(), OpPut.String(), OpAppend.String(), OpCAS.String()})
	_, err := ParseOpKind("pot")
	assert.EqualError(t, err, `unknown op kind "pot"`)
	assert.Equal(t, "opkind(0)", OpKind(0).String())
}

func TestOperationString(t *testing.T) {
	cases := []struct {
		op   Operation
		want string
	}{
		{Operation{Client: 3, Seq: 7, Input: put("x", "1"), Call: 1e9, Return: 1.004e9, Outcome: OutcomeOK},
			`c3#7 put x="1" [1.000000s,1.004000s] ok`},
		{Operation{Client: 1, Seq: 2, Input: get("x"), Call: 5e8, Return: 5.01e8, Outcome: OutcomeOK, Output: read("1")},
			`c1#2 get x [0.500000s,0.501000s] ok -> "1"`},
		{Operation{Client: 2, Seq: 9, Input: cas("x", "1", "2"), Call: 2e9, Return: Never, Outcome: OutcomeUnknown},
			`c2#9 cas x "1"->"2" [2.000000s,?] unknown`},
		{Operation{Client: 0, Seq: 1, Input: cas("k 1", "", "a"), Call: 0, Return: 1500, Outcome: OutcomeOK, Output: swapped(true)},
			`c0#1 cas "k 1" ""->"a" [0.000000s,0.000001s] ok -> true`},
		{Operation{Client: 4, Seq: 1, Input: appendTo("", "z"), Call: 1, Return: 2, Outcome: OutcomeOK},
			`c4#1 append ""+="z" [0.000000s,0.000000s] ok`},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.op.String())
	}
	assert.Equal(t, "-1.500000s", formatTime(-1.5e9))
	assert.Equal(t, "-9223372036.854775s", formatTime(math.MinInt64))
}

func TestRecorder(t *testing.T) {
	var r Recorder
	a := r.Invoke(1, 1, put("x", "1"), 10)
	b := r.Invoke(2, 1, get("x"), 12)
	c := r.Invoke(1, 2, cas("x", "1", "2"), 15)
	r.Complete(b, read("1"), 20)
	r.Fail(a)
	h := r.History()
	require.Len(t, h.Ops, 3)
	assert.Equal(t, Operation{Client: 1, Seq: 1, Input: put("x", "1"), Call: 10, Return: Never, Outcome: OutcomeUnknown}, h.Ops[0])
	assert.Equal(t, Operation{Client: 2, Seq: 1, Input: get("x"), Call: 12, Return: 20, Outcome: OutcomeOK, Output: read("1")}, h.Ops[1])
	assert.Equal(t, OutcomeUnknown, h.Ops[2].Outcome, "still pending: the client never learned")
	require.NoError(t, h.Validate())

	r.Complete(c, swapped(true), 30)
	assert.Equal(t, OutcomeUnknown, h.Ops[2].Outcome, "History returns a copy")
	assert.Equal(t, OutcomeOK, r.History().Ops[2].Outcome)

	assert.PanicsWithValue(t, `checker: complete c1#1 put x="1" [0.000000s,?] unknown: already failed: a client must not report a reply it gave up on`,
		func() { r.Complete(a, Output{}, 40) })
	assert.Panics(t, func() { r.Complete(b, Output{}, 40) }, "completed twice")
	assert.Panics(t, func() { r.Fail(b) }, "fail after complete")
	assert.Panics(t, func() { r.Fail(OpID(99)) }, "no such op")
	assert.Panics(t, func() { r.Invoke(2, 1, get("y"), 50) }, "(client, seq) reused")
	assert.Panics(t, func() { r.Invoke(3, 1, get("y"), 5) }, "time went backwards")
	assert.Panics(t, func() { r.Invoke(3, 1, Input{Key: "y"}, 50) }, "zero op kind")
	assert.Panics(t, func() { r.Invoke(-1, 1, get("y"), 50) }, "negative client")
	d := r.Invoke(3, 1, get("y"), 50)
	assert.Panics(t, func() { r.Complete(d, Output{}, 49) }, "reply before call")
}

func TestValidate(t *testing.T) {
	base := func() History {
		return (&builder{}).ok(1, put("x", "1"), 10, 20, Output{}).ok(2, get("x"), 15, 30, read("1")).history()
	}
	require.NoError(t, base().Validate())
	cases := []struct {
		name   string
		mutate func(h *History)
		want   string
	}{
		{"kind", func(h *History) { h.Ops[1].Input.Kind = 9 }, "history: op 1: op kind 9 is not one of get, put, append, cas"},
		{"outcome", func(h *History) { h.Ops[1].Outcome = 0 }, "history: op 1: outcome 0 is not one of ok, unknown"},
		{"client", func(h *History) { h.Ops[0].Client = -2 }, "history: op 0: client -2 is negative"},
		{"order", func(h *History) { h.Ops[1].Call = 5 }, "history: op 1: call 5 before the previous op's call 10: ops must be in invocation order"},
		{"return", func(h *History) { h.Ops[1].Return = 14 }, "history: op 1: return 14 before call 15"},
		{"duplicate", func(h *History) { h.Ops[1].Client, h.Ops[1].Seq = 1, 1 }, "history: op 1: command c1#1 already used by op 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := base()
			c.mutate(&h)
			err := h.Validate()
			require.ErrorIs(t, err, ErrBadHistory)
			assert.EqualError(t, err, c.want)
		})
	}
	unknown := base()
	unknown.Ops[1].Outcome, unknown.Ops[1].Return = OutcomeUnknown, 0
	assert.NoError(t, unknown.Validate(), "the return of an unknown op is not checked")
}

func TestResolve(t *testing.T) {
	h := (&builder{}).
		ok(1, put("x", "a"), 0, 10, Output{}).
		unknown(2, get("x"), 5).
		unknown(3, cas("x", "a", "b"), 6).
		unknown(4, appendTo("x", "c"), 7).
		history()
	h.Ops[3].Output = read("garbage")

	none := h.Resolve(nil)
	require.Len(t, none.Ops, 3, "the unknown read is dropped")
	assert.Equal(t, h.Ops[0], none.Ops[0])
	assert.Equal(t, Operation{Client: 3, Seq: 1, Input: cas("x", "a", "b"), Call: 6, Return: Never, Outcome: OutcomeUnknown}, none.Ops[1])
	assert.Equal(t, Operation{Client: 4, Seq: 1, Input: appendTo("x", "c"), Call: 7, Return: Never, Outcome: OutcomeUnknown}, none.Ops[2])
	assert.Equal(t, none, none.Resolve(nil), "idempotent")
	assert.Equal(t, "garbage", h.Ops[3].Output.Value, "the receiver is not modified")

	var asked []command
	resolved := h.Resolve(func(client int, seq uint64) (Output, int64, bool) {
		asked = append(asked, command{client, seq})
		if client == 3 {
			return swapped(true), 40, true
		}
		return Output{}, 0, false
	})
	assert.Equal(t, []command{{1, 1}, {3, 1}, {4, 1}}, asked, "writes are looked up, in order; reads never")
	require.Len(t, resolved.Ops, 3)
	assert.Equal(t, Operation{Client: 3, Seq: 1, Input: cas("x", "a", "b"), Call: 6, Return: 40, Outcome: OutcomeOK, Output: swapped(true)}, resolved.Ops[1])
	assert.Equal(t, none.Ops[2], resolved.Ops[2])

	assert.Panics(t, func() {
		h.Resolve(func(int, uint64) (Output, int64, bool) { return Output{}, 1, true })
	}, "applied before its call")
}

// A completed write's interval ends at its first application when the
// reply came later; never later, never before its call.
func TestResolveTightensCompletedWrites(t *testing.T) {
	h := (&builder{}).
		ok(1, put("x", "a"), 0, 100, Output{}).
		ok(2, put("x", "b"), 10, 20, Output{}).
		ok(3, get("x"), 0, 100, read("a")).
		history()
	at := map[int]int64{1: 30, 2: 50}
	r := h.Resolve(func(client int, _ uint64) (Output, int64, bool) { return Output{}, at[client], at[client] != 0 })
	byClient := map[int]Operation{}
	for _, op := range r.Ops {
		byClient[op.Client] = op
	}
	assert.Equal(t, int64(30), byClient[1].Return, "applied at 30, answered at 100: it took effect by 30")
	assert.Equal(t, int64(20), byClient[2].Return, "answered at 20 before the (late) application record: unchanged")
	assert.Equal(t, int64(100), byClient[3].Return, "reads are never tightened")
}
