package checker

import (
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
)

func TestKVStep(t *testing.T) {
	unknown := kvOutput{Unknown: true}
	cases := []struct {
		name  string
		state string
		in    Input
		out   any
		ok    bool
		after string
	}{
		{"get matches", "a", get("x"), read("a"), true, "a"},
		{"get differs", "a", get("x"), read("b"), false, "a"},
		{"get missing key", "", get("x"), read(""), true, ""},
		{"get unknown", "a", get("x"), unknown, true, "a"},
		{"put", "a", put("x", "b"), Output{}, true, "b"},
		{"put unknown", "a", put("x", "b"), unknown, true, "b"},
		{"append", "a", appendTo("x", "b"), Output{}, true, "ab"},
		{"append to missing", "", appendTo("x", "b"), Output{}, true, "b"},
		{"cas swaps", "a", cas("x", "a", "b"), swapped(true), true, "b"},
		{"cas claims swap", "a", cas("x", "z", "b"), swapped(true), false, "a"},
		{"cas does not swap", "a", cas("x", "z", "b"), swapped(false), true, "a"},
		{"cas claims no swap", "a", cas("x", "a", "b"), swapped(false), false, "a"},
		{"cas missing key is empty", "", cas("x", "", "b"), swapped(true), true, "b"},
		{"cas unknown, matching", "a", cas("x", "a", "b"), unknown, true, "b"},
		{"cas unknown, not matching", "a", cas("x", "z", "b"), unknown, true, "a"},
		{"kvOutput known", "a", get("x"), kvOutput{Output: read("a")}, true, "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, after := kvStep(c.state, c.in, c.out)
			assert.Equal(t, c.ok, ok)
			if ok {
				assert.Equal(t, c.after, after)
			}
		})
	}
	assert.Panics(t, func() { kvStep("", get("x"), "a") }, "foreign output type")
	assert.Panics(t, func() { kvStep("", Input{}, Output{}) }, "zero op kind")
}

func TestKVDescribe(t *testing.T) {
	m := KVModel()
	assert.Equal(t, `put("x", "1")`, m.DescribeOperation(put("x", "1"), Output{}))
	assert.Equal(t, `append("x", "1")`, m.DescribeOperation(appendTo("x", "1"), Output{}))
	assert.Equal(t, `get("x") -> "1"`, m.DescribeOperation(get("x"), read("1")))
	assert.Equal(t, `cas("x", "1" -> "2") -> true`, m.DescribeOperation(cas("x", "1", "2"), swapped(true)))
	assert.Equal(t, `cas("x", "1" -> "2") -> ?`, m.DescribeOperation(cas("x", "1", "2"), kvOutput{Unknown: true}))
	assert.Equal(t, `put("x", "1") -> ?`, m.DescribeOperation(put("x", "1"), kvOutput{Unknown: true}))
	assert.Equal(t, `"a\"b"`, m.DescribeState(`a"b`))
	assert.True(t, m.Equal("a", "a"))
	assert.False(t, m.Equal("a", "b"))
	assert.Equal(t, m.Hash("abc"), m.Hash("abc"))
	assert.NotEqual(t, m.Hash("abc"), m.Hash("abd"))
	assert.Equal(t, uint64(0xcbf29ce484222325), hashString(""), "FNV-1a offset basis")
	assert.Equal(t, uint64(0xaf63dc4c8601ec8c), hashString("a"), "FNV-1a test vector")
}

func TestKVPartitionSortedByKey(t *testing.T) {
	ops := []porcupine.Operation{
		{Input: put("b", "1"), Call: 1, Return: 2, Output: Output{}},
		{Input: get("a"), Call: 3, Return: 4, Output: read("")},
		{Input: put("c", "1"), Call: 5, Return: 6, Output: Output{}},
		{Input: get("b"), Call: 7, Return: 8, Output: read("1")},
	}
	parts := KVModel().Partition(ops)
	var keys [][]string
	for _, p := range parts {
		var ks []string
		for _, op := range p {
			ks = append(ks, op.Input.(Input).Key)
		}
		keys = append(keys, ks)
	}
	assert.Equal(t, [][]string{{"a"}, {"b", "b"}, {"c"}}, keys)
	assert.Equal(t, int64(7), parts[1][1].Call, "input order kept within a key")

	events := []porcupine.Event{
		{Kind: porcupine.CallEvent, Value: put("b", "1"), Id: 0},
		{Kind: porcupine.CallEvent, Value: get("a"), Id: 1},
		{Kind: porcupine.ReturnEvent, Value: read(""), Id: 1},
		{Kind: porcupine.ReturnEvent, Value: Output{}, Id: 0},
	}
	eparts := KVModel().PartitionEvent(events)
	assert.Equal(t, [][]porcupine.Event{{events[1], events[2]}, {events[0], events[3]}}, eparts)
	assert.Panics(t, func() {
		KVModel().PartitionEvent([]porcupine.Event{{Kind: porcupine.ReturnEvent, Value: Output{}, Id: 4}})
	})
}

// The model is usable with porcupine directly, with checker.Input and
// checker.Output values, through both of its history forms.
func TestKVModelWithPorcupineDirectly(t *testing.T) {
	m := KVModel()
	ops := []porcupine.Operation{
		{ClientId: 0, Input: put("x", "1"), Call: 0, Output: Output{}, Return: 10},
		{ClientId: 1, Input: get("x"), Call: 20, Output: read(""), Return: 30},
	}
	assert.False(t, porcupine.CheckOperations(m, ops), "stale read")
	ops[1].Output = read("1")
	assert.True(t, porcupine.CheckOperations(m, ops))
}
