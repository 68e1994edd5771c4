package checker

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestWriteHistoryFormat(t *testing.T) {
	h := (&builder{}).
		ok(1, put("x", "1"), 1000, 2000, Output{}).
		unknown(2, cas("x", "1", "<2>"), 1500).
		history().Resolve(nil)
	var buf bytes.Buffer
	require.NoError(t, WriteHistory(&buf, h))
	want := `{"format":"raftsim-history","version":1,"ops":[
{"client":1,"seq":1,"op":"put","key":"x","value":"1","call":1000,"return":2000,"outcome":"ok","output":{"value":"","swapped":false}},
{"client":2,"seq":1,"op":"cas","key":"x","value":"<2>","expected":"1","call":1500,"return":9223372036854775807,"outcome":"unknown","output":{"value":"","swapped":false}}
]}
`
	assert.Equal(t, want, buf.String())

	var empty bytes.Buffer
	require.NoError(t, WriteHistory(&empty, History{}))
	assert.Equal(t, "{\"format\":\"raftsim-history\",\"version\":1,\"ops\":[\n]}\n", empty.String())
	got, err := ReadHistory(&empty)
	require.NoError(t, err)
	assert.Empty(t, got.Ops)
}

func drawHistory(t *rapid.T) History {
	str := rapid.OneOf(rapid.SampledFrom([]string{"", "x", "y"}), rapid.String())
	var h History
	seqs := map[int]uint64{}
	call := rapid.Int64Range(math.MinInt64/2, math.MaxInt64/2).Draw(t, "start")
	for range rapid.IntRange(0, 20).Draw(t, "n") {
		client := rapid.IntRange(0, 5).Draw(t, "client")
		seqs[client] += rapid.Uint64Range(1, math.MaxUint64/64).Draw(t, "seqStep")
		call += rapid.Int64Range(0, 1e9).Draw(t, "gap")
		op := Operation{
			Client: client, Seq: seqs[client],
			Input: Input{
				Kind: OpKind(rapid.IntRange(int(OpGet), int(OpCAS)).Draw(t, "kind")),
				Key:  str.Draw(t, "key"), Value: str.Draw(t, "value"), Expected: str.Draw(t, "expected"),
			},
			Call:    call,
			Outcome: rapid.SampledFrom([]Outcome{OutcomeOK, OutcomeUnknown}).Draw(t, "outcome"),
			Output:  Output{Value: str.Draw(t, "out"), Swapped: rapid.Bool().Draw(t, "swapped")},
		}
		if op.Outcome == OutcomeOK {
			op.Return = call + rapid.Int64Range(0, 1e9).Draw(t, "latency")
		} else {
			op.Return = rapid.Int64().Draw(t, "return")
		}
		h.Ops = append(h.Ops, op)
	}
	return h
}

func TestPropertyHistoryFileRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t)
		var buf bytes.Buffer
		if err := WriteHistory(&buf, h); err != nil {
			t.Fatalf("write: %v", err)
		}
		first := buf.String()
		got, err := ReadHistory(&buf)
		if err != nil {
			t.Fatalf("read: %v\n%s", err, first)
		}
		if len(h.Ops) == 0 {
			h.Ops = []Operation{}
		}
		if !assert.Equal(t, h, got) {
			t.FailNow()
		}
		var again bytes.Buffer
		if err := WriteHistory(&again, got); err != nil || again.String() != first {
			t.Fatalf("second write differs (err %v)", err)
		}
	})
}

func TestReadHistoryErrors(t *testing.T) {
	const head = `{"format":"raftsim-history","version":1,"ops":[`
	good := `{"client":1,"seq":1,"op":"put","key":"x","value":"1","call":10,"return":20,"outcome":"ok"}`
	// three good ops, then the one under test, so the index shows
	withOp := func(op string) string {
		return head + good + "," + strings.Replace(good, `"seq":1`, `"seq":2`, 1) + "," +
			strings.Replace(good, `"seq":1`, `"seq":3`, 1) + "," + op + "]}"
	}
	cases := []struct {
		name, in, want string
	}{
		{"op kind", withOp(`{"client":2,"seq":1,"op":"pot","key":"x","call":30,"outcome":"ok","return":40}`),
			`history: op 3: unknown op kind "pot"`},
		{"return before call", withOp(`{"client":2,"seq":1,"op":"get","key":"x","call":20,"return":10,"outcome":"ok"}`),
			`history: op 3: return 10 before call 20`},
		{"unknown op field", withOp(`{"client":2,"seq":1,"op":"get","key":"x","call":20,"retrun":30,"outcome":"ok"}`),
			`history: line 1, column 372: unknown key "retrun" in ops[] (keys are matched exactly, case included)`},
		{"missing client", withOp(`{"seq":1,"op":"get","key":"x","call":20,"return":30,"outcome":"ok"}`),
			`history: op 3: missing "client"`},
		{"missing key", withOp(`{"client":2,"seq":1,"op":"get","call":20,"return":30,"outcome":"ok"}`),
			`history: op 3: missing "key"`},
		{"missing return", withOp(`{"client":2,"seq":1,"op":"get","key":"x","call":20,"outcome":"ok"}`),
			`history: op 3: missing "return" for an ok op`},
		{"outcome", withOp(`{"client":2,"seq":1,"op":"get","key":"x","call":20,"return":30,"outcome":"maybe"}`),
			`history: op 3: unknown outcome "maybe"`},
		{"duplicate command", withOp(`{"client":1,"seq":2,"op":"get","key":"x","call":20,"return":30,"outcome":"ok"}`),
			`history: op 3: command c1#2 already used by op 1`},
		{"invocation order", withOp(`{"client":2,"seq":1,"op":"get","key":"x","call":5,"return":30,"outcome":"ok"}`),
			`history: op 3: call 5 before the previous op's call 10: ops must be in invocation order`},
		{"negative client", withOp(`{"client":-1,"seq":1,"op":"get","key":"x","call":20,"return":30,"outcome":"ok"}`),
			`history: op 3: client -1 is negative`},
		{"float time", withOp(`{"client":2,"seq":1,"op":"get","key":"x","call":2.5,"return":30,"outcome":"ok"}`),
			`history: op 3: cannot unmarshal number 2.5 into Go struct field fileOp.call of type int64`},
		{"not an object", withOp(`[]`),
			`history: op 3: cannot unmarshal array into Go value of type checker.fileOp`},
		{"unknown top field", `{"format":"raftsim-history","version":1,"ops":[],"seed":3}`,
			`history: line 1, column 50: unknown key "seed" in the top level (keys are matched exactly, case included)`},
		{"wrong version", `{"format":"raftsim-history","version":2,"ops":[]}`,
			`history: line 1, column 1: version 2 is not supported (this reader knows version 1)`},
		{"wrong format", `{"format":"jepsen","version":1,"ops":[]}`,
			`history: line 1, column 1: format "jepsen", want "raftsim-history"`},
		{"missing format", `{"version":1,"ops":[]}`, `history: line 1, column 1: missing "format": not a raftsim history`},
		{"missing version", `{"format":"raftsim-history","ops":[]}`, `history: line 1, column 1: missing "version"`},
		{"missing ops", `{"format":"raftsim-history","version":1}`, `history: line 1, column 1: missing "ops"`},
		{"syntax", `{"format":"raftsim-history",,}`, `history: line 1, column 29: invalid JSON: invalid character ',' looking for beginning of object key string`},
		{"truncated", head + good, `history: line 1, column 138: truncated JSON`},
		{"empty", ``, `history: line 1, column 1: truncated JSON`},
		{"trailing data", `{"format":"raftsim-history","version":1,"ops":[]} {}`,
			`history: line 1, column 51: unexpected data after the document`},
	}
	// the fourth op begins right after the three good ones
	opColumn := len(withOp("")) - len("]}") + 1
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadHistory(strings.NewReader(c.in))
			require.Error(t, err)
			want := c.want
			if rest, ok := strings.CutPrefix(want, "history: op 3: "); ok {
				want = fmt.Sprintf("history: line 1, column %d: op 3: %s", opColumn, rest)
			}
			assert.EqualError(t, err, want)
			assert.ErrorIs(t, err, ErrBadHistory)
		})
	}

	h, err := ReadHistory(strings.NewReader(withOp(`{"client":2,"seq":1,"op":"cas","key":"x","value":"2","expected":"1","call":20,"outcome":"unknown"}`)))
	require.NoError(t, err, "return may be omitted when the outcome is unknown")
	assert.Equal(t, Operation{Client: 2, Seq: 1, Input: cas("x", "1", "2"), Call: 20, Outcome: OutcomeUnknown}, h.Ops[3])

	_, err = ReadHistory(iotest.ErrReader(errors.New("disk on fire")))
	assert.EqualError(t, err, "history: read: disk on fire")
	assert.NotErrorIs(t, err, ErrBadHistory)
}

func TestWriteHistoryRefuses(t *testing.T) {
	h := (&builder{}).ok(1, put("x\xff", "1"), 0, 1, Output{}).history()
	err := WriteHistory(&bytes.Buffer{}, h)
	assert.EqualError(t, err, `history: op 0: key "x\xff" is not valid UTF-8`)
	assert.ErrorIs(t, err, ErrBadHistory)

	h = (&builder{}).ok(1, put("x", "1"), 5, 1, Output{}).history()
	assert.EqualError(t, WriteHistory(&bytes.Buffer{}, h), "history: op 0: return 1 before call 5")

	assert.EqualError(t, WriteHistory(failWriter{}, (&builder{}).ok(1, get("x"), 0, 1, read("")).history()),
		"history: write: no space")
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space") }

func TestReadPorcupineKV(t *testing.T) {
	in := `{:process 0, :type :invoke, :f :put, :key "x", :value "a"}
{:process 1, :type :invoke, :f :get, :key "x", :value nil}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 0, :type :ok, :f :put, :key "x", :value "a"}
{:process 1, :type :ok, :f :get, :key "x", :value "a", :time 12345, :error {:why [1 "two"]}}

{:process 2, :type :invoke, :f :cas, :key 7, :value ["a" "b"]}
{:process 0, :type :invoke, :f :append, :key "x", :value "c"}
{:process 2, :type :ok, :f :cas, :key 7, :value ["a" "b"]}
{:process 0, :type :info, :f :append, :key "x", :value "c"}
{:process 0, :type :invoke, :f :put, :key "x", :value "z"}
{:process 0, :type :fail, :f :put, :key "x", :value "z"}
{:process 3, :type :invoke, :f :get, :key "esc\"aped\\", :value nil}
{:process 1, :type :invoke, :f :get, :key "x", :value nil}
{:process 1, :type :ok, :f :get, :key "x", :value nil}
`
	h, err := ReadPorcupineKV(strings.NewReader(in))
	require.NoError(t, err)
	want := []Operation{
		{Client: 0, Seq: 1, Input: put("x", "a"), Call: 1, Return: 4, Outcome: OutcomeOK},
		{Client: 1, Seq: 1, Input: get("x"), Call: 2, Return: 5, Outcome: OutcomeOK, Output: read("a")},
		{Client: 2, Seq: 1, Input: cas("7", "a", "b"), Call: 7, Return: 9, Outcome: OutcomeOK, Output: swapped(true)},
		{Client: 0, Seq: 2, Input: appendTo("x", "c"), Call: 8, Return: Never, Outcome: OutcomeUnknown},
		// the failed put (seq 3) is dropped
		{Client: 3, Seq: 1, Input: get(`esc"aped\`), Call: 13, Return: Never, Outcome: OutcomeUnknown},
		{Client: 1, Seq: 2, Input: get("x"), Call: 14, Return: 15, Outcome: OutcomeOK, Output: read("")},
	}
	assert.Equal(t, want, h.Ops)
	assert.Equal(t, NotLinearizable, CheckLinearizable(h, Limit{}).Verdict,
		"x reads empty after put a, unless the unknown append... which cannot make it empty")
}

func TestReadPorcupineKVErrors(t *testing.T) {
	const invoke = `{:process 0, :type :invoke, :f :get, :key "x", :value nil}` + "\n"
	cases := []struct{ name, in, want string }{
		{"unknown type", `{:process 0, :type :maybe, :f :get, :key "x", :value nil}`, `porcupine kv: line 1, column 20: unknown :type :maybe`},
		{"unknown f", `{:process 0, :type :invoke, :f :pot, :key "x", :value nil}`, `porcupine kv: line 1, column 32: :f unknown op kind "pot"`},
		{"ok without invoke", `{:process 0, :type :ok, :f :get, :key "x", :value nil}`,
			`porcupine kv: line 1, column 1: :ok for process 0, which has no pending op`},
		{"invoke while pending", invoke + invoke, `porcupine kv: line 2, column 1: process 0 invokes while its op from line 1 is pending`},
		{"mismatched completion", invoke + `{:process 0, :type :ok, :f :put, :key "x", :value "a"}`,
			`porcupine kv: line 2, column 1: :ok :put for process 0, whose pending op from line 1 is :get`},
		{"missing key", `{:process 0, :type :invoke, :f :get, :value nil}`, `porcupine kv: line 1, column 1: missing :key`},
		{"missing value", `{:process 0, :type :invoke, :f :put, :key "x"}`, `porcupine kv: line 1, column 1: missing :value`},
		{"bad cas value", `{:process 0, :type :invoke, :f :cas, :key "x", :value "a"}`,
			`porcupine kv: line 1, column 55: cas :value must be [expected new]`},
		{"missing process", `{:type :invoke, :f :get, :key "x", :value nil}`, `porcupine kv: line 1, column 1: missing :process`},
		{"negative process", `{:process -3, :type :invoke, :f :get, :key "x", :value nil}`,
			`porcupine kv: line 1, column 11: :process -3 is not a client id (want 0 to 9223372036854775807)`},
		{"not a map", `[:process 0]`, `porcupine kv: line 1, column 1: want '{'`},
		{"unterminated string", `{:process 0, :key "x}`, `porcupine kv: line 1, column 19: unterminated string`},
		{"unterminated map", `{:process 0`, `porcupine kv: line 1, column 12: unterminated map`},
		{"non-keyword key", `{"process" 0}`, `porcupine kv: line 1, column 2: map key must be a keyword`},
		{"duplicate key", `{:process 0 :process 1}`, `porcupine kv: line 1, column 13: duplicate key :process`},
		{"trailing text", `{:process 0} x`, `porcupine kv: line 1, column 14: unexpected text after the map`},
		{"bad escape", `{:key "\q"}`, `porcupine kv: line 1, column 8: unknown escape \q`},
		// an integer too large is an error, not a nemesis whose events are dropped
		{"oversized process", `{:process 99999999999999999999, :type :invoke, :f :get, :key "x", :value nil}`,
			`porcupine kv: line 1, column 11: integer 99999999999999999999 out of range (want -2^63 to 2^63-1)`},
		{"string process", `{:process "n1", :type :invoke, :f :get, :key "x", :value nil}`,
			`porcupine kv: line 1, column 11: :process must be an integer client id or a keyword such as :nemesis`},
		{"invalid UTF-8", "  {:process 0, :type :invoke, :f :get, :key \"\xff\", :value nil}",
			`porcupine kv: line 1, column 46: invalid UTF-8`},
		{"too deep", `{:a ` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`,
			`porcupine kv: line 1, column 21: nested deeper than 16`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadPorcupineKV(strings.NewReader(c.in))
			require.Error(t, err)
			assert.EqualError(t, err, c.want)
			assert.ErrorIs(t, err, ErrBadHistory)
		})
	}
}

func TestReadPorcupineKVTestData(t *testing.T) {
	for _, name := range []string{"c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(porcupineKVFile(t, name))
			require.NoError(t, err)
			h, err := ReadPorcupineKV(bytes.NewReader(data))
			require.NoError(t, err)
			lines := strings.Count(string(data), "\n")
			assert.Equal(t, lines/2, len(h.Ops), "every invocation completes in these files")
			for _, op := range h.Ops {
				assert.Equal(t, OutcomeOK, op.Outcome)
				assert.Contains(t, []OpKind{OpGet, OpPut, OpAppend}, op.Input.Kind)
			}
			// Our own format carries the same history.
			var buf bytes.Buffer
			require.NoError(t, WriteHistory(&buf, h))
			back, err := ReadHistory(&buf)
			require.NoError(t, err)
			assert.Equal(t, h, back)
		})
	}
}
