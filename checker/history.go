package checker

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// OpKind names a key-value operation. The zero value is not a valid kind, so
// an operation that was never filled in is caught by [History.Validate].
type OpKind uint8

const (
	OpGet    OpKind = iota + 1 // read the key's value
	OpPut                      // set the key's value
	OpAppend                   // append to the key's value; returns nothing
	OpCAS                      // set Value if the current value equals Expected; returns whether it did
)

var opKindNames = [...]string{OpGet: "get", OpPut: "put", OpAppend: "append", OpCAS: "cas"}

func (k OpKind) valid() bool { return k >= OpGet && k <= OpCAS }

func (k OpKind) String() string {
	if !k.valid() {
		return fmt.Sprintf("opkind(%d)", uint8(k))
	}
	return opKindNames[k]
}

// ParseOpKind parses the String form of an OpKind ("get", "put", "append",
// "cas").
func ParseOpKind(s string) (OpKind, error) {
	for k := OpGet; k <= OpCAS; k++ {
		if opKindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown op kind %q", s)
}

// Input is what a client asked for.
type Input struct {
	Kind     OpKind
	Key      string
	Value    string // put and append: the value; cas: the new value; get: unused
	Expected string // cas only: the value the key must hold (a missing key holds "")
}

// Output is what a client learned. Only the field of the operation's kind is
// meaningful.
type Output struct {
	Value   string // get: the value read (a missing key reads as "")
	Swapped bool   // cas: whether the value was set
}

// Outcome says whether the client learned the result of an operation. The
// zero value is not a valid outcome.
type Outcome uint8

const (
	// OutcomeOK: the client received the reply; Return and Output are valid.
	OutcomeOK Outcome = iota + 1
	// OutcomeUnknown: the client never learned the result (it timed out,
	// its peer crashed, the reply was lost); the operation may or may not
	// have taken effect, at any time after its call. Return and Output are
	// meaningless until [History.Resolve] resolves it.
	OutcomeUnknown
)

func (o Outcome) valid() bool { return o == OutcomeOK || o == OutcomeUnknown }

func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeUnknown:
		return "unknown"
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// parseOutcome parses the String form of an Outcome.
func parseOutcome(s string) (Outcome, error) {
	switch s {
	case "ok":
		return OutcomeOK, nil
	case "unknown":
		return OutcomeUnknown, nil
	}
	return 0, fmt.Errorf("unknown outcome %q", s)
}

// Operation is one client command as the client saw it.
type Operation struct {
	Client  int    // client id, >= 0 (porcupine draws one row per client)
	Seq     uint64 // the client's sequence number: (Client, Seq) identifies the command
	Input   Input
	Call    int64 // virtual nanoseconds at invocation
	Return  int64 // virtual nanoseconds at the reply; meaningless for OutcomeUnknown
	Outcome Outcome
	Output  Output // valid when Outcome is OutcomeOK
}

// isRead reports whether the operation leaves the state unchanged whatever
// its output, so that an unknown outcome makes it carry no information.
func (op Operation) isRead() bool { return op.Input.Kind == OpGet }

// String renders the operation on one line, for traces and failure reports:
//
//	c3#7 put x="1" [1.000000s,1.004000s] ok
//	c1#2 get x [0.500000s,0.501000s] ok -> "1"
//	c2#9 cas x "1"->"2" [2.000000s,?] unknown
func (op Operation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "c%d#%d ", op.Client, op.Seq)
	key := quoteKey(op.Input.Key)
	switch op.Input.Kind {
	case OpGet:
		fmt.Fprintf(&b, "get %s", key)
	case OpPut:
		fmt.Fprintf(&b, "put %s=%q", key, op.Input.Value)
	case OpAppend:
		fmt.Fprintf(&b, "append %s+=%q", key, op.Input.Value)
	case OpCAS:
		fmt.Fprintf(&b, "cas %s %q->%q", key, op.Input.Expected, op.Input.Value)
	default:
		fmt.Fprintf(&b, "%v %s", op.Input.Kind, key)
	}
	ret := "?"
	if op.Outcome == OutcomeOK {
		ret = formatTime(op.Return)
	}
	fmt.Fprintf(&b, " [%s,%s] %v", formatTime(op.Call), ret, op.Outcome)
	if op.Outcome == OutcomeOK {
		switch op.Input.Kind {
		case OpGet:
			fmt.Fprintf(&b, " -> %q", op.Output.Value)
		case OpCAS:
			fmt.Fprintf(&b, " -> %t", op.Output.Swapped)
		}
	}
	return b.String()
}

// quoteKey leaves plain keys bare, so traces read "x", and quotes anything
// that could be mistaken for the surrounding syntax.
func quoteKey(key string) string {
	if key == "" {
		return `""`
	}
	for _, r := range key {
		plain := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '_' || r == '-' || r == '.' || r == '/' || r == ':'
		if !plain {
			return strconv.Quote(key)
		}
	}
	return key
}

// formatTime renders virtual nanoseconds as seconds with microseconds.
func formatTime(ns int64) string {
	sign := ""
	u := uint64(ns)
	if ns < 0 {
		sign = "-"
		u = uint64(-(ns + 1)) + 1 // avoids overflow at math.MinInt64
	}
	return fmt.Sprintf("%s%d.%06ds", sign, u/1e9, u%1e9/1e3)
}

// History is what all clients saw, in invocation order (Call non-decreasing).
type History struct {
	Ops []Operation
}

// ErrBadHistory is wrapped by every error about a malformed history, whether
// it comes from [History.Validate] or from reading a file. The message names
// the place: "history: op 12: unknown op kind \"pot\"".
var ErrBadHistory = errors.New("bad history")

type historyError struct {
	msg string
	op  int // the op the message is about, -1 for none
}

func (e *historyError) Error() string { return e.msg }
func (e *historyError) Unwrap() error { return ErrBadHistory }

func badOp(i int, format string, args ...any) error {
	return &historyError{msg: fmt.Sprintf("history: op %d: ", i) + fmt.Sprintf(format, args...), op: i}
}

// command identifies a client command across retries (client sessions).
type command struct {
	client int
	seq    uint64
}

// Validate reports the first operation (0-based index into Ops) that breaks
// the rules every checked history keeps: a valid kind and outcome, a
// non-negative client, calls in invocation order, a return no earlier than
// the call when the outcome is known, and each (Client, Seq) used once.
func (h History) Validate() error {
	seen := make(map[command]int, len(h.Ops)) // lookups only, never iterated
	for i, op := range h.Ops {
		if !op.Input.Kind.valid() {
			return badOp(i, "op kind %d is not one of get, put, append, cas", uint8(op.Input.Kind))
		}
		if !op.Outcome.valid() {
			return badOp(i, "outcome %d is not one of ok, unknown", uint8(op.Outcome))
		}
		if op.Client < 0 {
			return badOp(i, "client %d is negative", op.Client)
		}
		if i > 0 && op.Call < h.Ops[i-1].Call {
			return badOp(i, "call %d before the previous op's call %d: ops must be in invocation order",
				op.Call, h.Ops[i-1].Call)
		}
		if op.Outcome == OutcomeOK && op.Return < op.Call {
			return badOp(i, "return %d before call %d", op.Return, op.Call)
		}
		cmd := command{op.Client, op.Seq}
		if first, dup := seen[cmd]; dup {
			return badOp(i, "command c%d#%d already used by op %d", op.Client, op.Seq, first)
		}
		seen[cmd] = i
	}
	return nil
}

// Never is the Return of an unresolved indeterminate write: its interval is
// open to the end of time, because it may take effect at any point after its
// call, or never.
const Never int64 = math.MaxInt64

// Resolve returns the history ready to check, with every operation whose
// outcome the client never learned either resolved or made harmless. The
// receiver is not modified.
//
// applied reports what the committed log knows about a command: its output
// and the virtual time at which any replica first applied it. A nil applied
// means no log knowledge.
//
//   - An unknown read is dropped. A read changes nothing, so whether or not it
//     happened, and whatever it returned, no other operation can tell; and
//     with its output unknown the model could only accept it.
//   - An unknown write that applied reports as applied becomes OutcomeOK with
//     the log's output and Return = appliedAt. The first application by any
//     replica comes after the entry committed, and a Raft write takes effect
//     at its commit, so its linearization point is no later than appliedAt;
//     tightening the interval to [Call, appliedAt] is sound, and it lets the
//     checker catch a stale read that a later, looser bound would excuse.
//   - Any other unknown write keeps OutcomeUnknown with Return = [Never] and a
//     zero Output, which [KVModel] accepts whatever the state. Its interval
//     [Call, +inf) lets porcupine place it anywhere after its call, including
//     after every operation with a known return, which is the same as never
//     having happened. A CAS whose result is unknown needs nothing more: at
//     whatever point it is placed, the state there decides whether it swaps.
//
// The same bound ends a completed write's interval at its first application
// when that comes before the reply (the reply may take long to arrive).
//
// Resolve is idempotent, and [CheckLinearizable] applies Resolve(nil) to
// whatever is still unknown, so an unresolved history is checked soundly.
// Resolve panics if applied claims a command applied before its call: the
// log and the history then disagree on (Client, Seq) or on time, a harness
// bug.
func (h History) Resolve(applied func(client int, seq uint64) (out Output, appliedAt int64, ok bool)) History {
	ops := make([]Operation, 0, len(h.Ops))
	for _, op := range h.Ops {
		if op.Outcome != OutcomeUnknown {
			// A completed write took effect no later than its first
			// application either: end its interval there when that is
			// earlier than the reply. Fewer overlaps, fewer placements for
			// the checker to try, and nothing a correct run could violate.
			if applied != nil && !op.isRead() {
				if _, at, ok := applied(op.Client, op.Seq); ok && at >= op.Call && at < op.Return {
					op.Return = at
				}
			}
			ops = append(ops, op)
			continue
		}
		if op.isRead() {
			continue
		}
		op.Return = Never
		op.Output = Output{}
		if applied != nil {
			if out, at, ok := applied(op.Client, op.Seq); ok {
				if at < op.Call {
					panic(fmt.Sprintf("checker: resolve %v: applied at %d before its call at %d: "+
						"the log and the history disagree on (client, seq) or on time", op, at, op.Call))
				}
				op.Outcome = OutcomeOK
				op.Output = out
				op.Return = at
			}
		}
		ops = append(ops, op)
	}
	return History{Ops: ops}
}

// OpID names an operation in a [Recorder].
type OpID int

type opState uint8

const (
	opPending opState = iota
	opCompleted
	opFailed
)

// Recorder collects a history as clients run. The zero value is ready to
// use. It is not safe for concurrent use; the simulator runs one world on
// one goroutine.
//
// Invariant: len(ops) == len(states); ops are in invocation order.
type Recorder struct {
	ops    []Operation
	states []opState
	cmds   map[command]OpID // lookups only, never iterated
}

// Invoke records that client sent command (client, seq) with input in at
// virtual time at. Until Complete, the operation's outcome is unknown.
func (r *Recorder) Invoke(client int, seq uint64, in Input, at int64) OpID {
	if !in.Kind.valid() {
		panic(fmt.Sprintf("checker: invoke c%d#%d: invalid op kind %d", client, seq, uint8(in.Kind)))
	}
	if client < 0 {
		panic(fmt.Sprintf("checker: invoke c%d#%d: negative client id", client, seq))
	}
	if n := len(r.ops); n > 0 && at < r.ops[n-1].Call {
		panic(fmt.Sprintf("checker: invoke c%d#%d at %d before the previous invocation at %d: "+
			"virtual time must not go backwards", client, seq, at, r.ops[n-1].Call))
	}
	cmd := command{client, seq}
	if prev, dup := r.cmds[cmd]; dup {
		panic(fmt.Sprintf("checker: invoke c%d#%d: already invoked as op %d: "+
			"a retry of the same command must not be recorded twice", client, seq, prev))
	}
	if r.cmds == nil {
		r.cmds = make(map[command]OpID)
	}
	id := OpID(len(r.ops))
	r.cmds[cmd] = id
	if len(r.ops) == cap(r.ops) {
		// Double, rather than append's quarter steps for long slices: a
		// long history is otherwise copied several times over.
		r.ops = append(make([]Operation, 0, max(2*cap(r.ops), 64)), r.ops...)
		r.states = append(make([]opState, 0, max(2*cap(r.states), 64)), r.states...)
	}
	r.ops = append(r.ops, Operation{
		Client: client, Seq: seq, Input: in,
		Call: at, Return: Never, Outcome: OutcomeUnknown,
	})
	r.states = append(r.states, opPending)
	return id
}

func (r *Recorder) pending(id OpID, verb string) *Operation {
	if id < 0 || int(id) >= len(r.ops) {
		panic(fmt.Sprintf("checker: %s op %d: no such op (recorded %d)", verb, id, len(r.ops)))
	}
	switch r.states[id] {
	case opCompleted:
		panic(fmt.Sprintf("checker: %s %v: already completed", verb, r.ops[id]))
	case opFailed:
		panic(fmt.Sprintf("checker: %s %v: already failed: a client must not report a reply it gave up on",
			verb, r.ops[id]))
	}
	return &r.ops[id]
}

// Complete records that the client received the reply out at virtual time at.
func (r *Recorder) Complete(id OpID, out Output, at int64) {
	op := r.pending(id, "complete")
	if at < op.Call {
		panic(fmt.Sprintf("checker: complete %v at %d: reply before the call", *op, at))
	}
	op.Return = at
	op.Output = out
	op.Outcome = OutcomeOK
	r.states[id] = opCompleted
}

// Fail records that the client gave up on the operation without learning
// whether it took effect. Its outcome stays unknown.
func (r *Recorder) Fail(id OpID) {
	r.pending(id, "fail")
	r.states[id] = opFailed
}

// History returns a copy of what was recorded. Operations still pending
// count as unknown: the run ended before their clients learned the result.
func (r *Recorder) History() History {
	ops := make([]Operation, len(r.ops))
	copy(ops, r.ops)
	return History{Ops: ops}
}
