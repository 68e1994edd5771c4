package checker

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// Verdict is the outcome of a linearizability check. The zero value is not a
// verdict, so a result that was never filled in is not a pass either.
type Verdict uint8

const (
	// Linearizable: a linearization of every key was found.
	Linearizable Verdict = iota + 1
	// NotLinearizable: some key's history was proven to have no
	// linearization.
	NotLinearizable
	// Inconclusive: the search reached its [Limit] before deciding. It is
	// its own outcome, never a pass, and never a bug of the system checked.
	Inconclusive
)

func (v Verdict) String() string {
	switch v {
	case Linearizable:
		return "ok"
	case NotLinearizable:
		return "illegal"
	case Inconclusive:
		return "inconclusive"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// ParseVerdict parses the String form of a Verdict. "unknown", the name
// Inconclusive had before checks were bounded by steps, still reads as
// Inconclusive, so files written then stay readable.
func ParseVerdict(s string) (Verdict, error) {
	switch s {
	case "ok":
		return Linearizable, nil
	case "illegal":
		return NotLinearizable, nil
	case "inconclusive", "unknown":
		return Inconclusive, nil
	}
	return 0, fmt.Errorf("unknown verdict %q (want ok, illegal or inconclusive)", s)
}

// Limit bounds a linearizability check by counts, never by a clock, so a
// verdict is a function of the history and the limit alone: it does not
// depend on the machine's speed, its load, GOMAXPROCS or its free memory.
// A field left zero takes its value from [DefaultLimit].
type Limit struct {
	// Steps bounds the search steps of the whole check, over all keys; a
	// step is one placement tried or one backtrack. Example: 50000000,
	// about a second or two of one core.
	Steps uint64 `json:"steps,omitempty"`
	// MemoryBytes bounds the bytes the search's memos may hold at once, as
	// the checker counts them ([memoCharge]): an upper bound of the live
	// memo, not a measurement. Example: 134217728 (128 MiB).
	MemoryBytes uint64 `json:"memoryBytes,omitempty"`
}

// DefaultLimit is the bound of a check when Limit's fields are zero:
// 50 million steps, and 128 MiB of memo. With Go's garbage collector's
// default headroom (GOGC=100, the heap may grow to twice what is live), a
// check's peak heap stays under 256 MiB.
var DefaultLimit = Limit{Steps: 50_000_000, MemoryBytes: 128 << 20}

func (l Limit) withDefaults() Limit {
	if l.Steps == 0 {
		l.Steps = DefaultLimit.Steps
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultLimit.MemoryBytes
	}
	return l
}

// String renders the limit as "50000000 steps, 134217728 memo bytes".
func (l Limit) String() string {
	return fmt.Sprintf("%d steps, %d memo bytes", l.Steps, l.MemoryBytes)
}

// LinearizabilityResult is the outcome of [CheckLinearizable]. Every field
// is a function of the history and the limit.
type LinearizabilityResult struct {
	Verdict Verdict
	Ops     int // operations checked: the history after Resolve(nil), unknown reads dropped
	Keys    int // distinct keys among them (each is searched apart)
	// FailingKeys are the keys proven not linearizable, sorted; empty
	// unless Verdict is NotLinearizable. The search stops at the end of
	// the round in which the first key was proven illegal, so a key that
	// would have failed later may be missing (it is then in UndecidedKeys).
	FailingKeys []string
	// UndecidedKeys are the keys whose search was still running when the
	// check stopped, sorted: at its limit (Verdict Inconclusive) or because
	// another key was proven illegal.
	UndecidedKeys []string
	// Steps is the search steps taken, over all keys; MemoryBytes the most
	// the memos held at once, as counted against Limit.MemoryBytes.
	Steps       uint64
	MemoryBytes uint64
	// Limit is the limit the check ran with, defaults filled in.
	Limit Limit
	// OutOfMemory tells an Inconclusive check that stopped at
	// Limit.MemoryBytes from one that stopped at Limit.Steps.
	OutOfMemory bool
}

// Ok reports whether the history was proven linearizable. An Inconclusive
// result is not ok.
func (r LinearizabilityResult) Ok() bool { return r.Verdict == Linearizable }

// String summarizes the result on one line, without wall time, so it can go
// into compared output: "illegal: 120 ops, 3 keys, failing keys [x]", and
// for an inconclusive check "inconclusive: 438 ops, 3 keys, undecided keys
// [k1] at the step limit (50000000 steps)".
func (r LinearizabilityResult) String() string {
	s := fmt.Sprintf("%v: %d ops, %d keys", r.Verdict, r.Ops, r.Keys)
	if len(r.FailingKeys) > 0 {
		s += fmt.Sprintf(", failing keys [%s]", quoteKeys(r.FailingKeys))
	}
	if r.Verdict == Inconclusive {
		s += fmt.Sprintf(", undecided keys [%s]", quoteKeys(r.UndecidedKeys))
		if r.OutOfMemory {
			s += fmt.Sprintf(" at the memory limit (%d memo bytes)", r.Limit.MemoryBytes)
		} else {
			s += fmt.Sprintf(" at the step limit (%d steps)", r.Limit.Steps)
		}
	}
	return s
}

func quoteKeys(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = quoteKey(k)
	}
	return strings.Join(quoted, " ")
}

// searchQuantum is the steps each undecided key gets per round. Rounds give
// every key the same share, so a key that is quick to prove illegal is
// found even beside a key whose search is long, and the order of the keys
// decides nothing but the order of the work.
const searchQuantum = 1 << 15

// CheckLinearizable checks h against the key-value model of [KVModel],
// each key apart (a history is linearizable iff each key's is), within
// limit (zero fields: [DefaultLimit]). Operations still unknown are made
// harmless first, as h.Resolve(nil) does: resolve them from the log with
// [History.Resolve] beforehand to check more tightly.
//
// The keys are searched in rounds, in sorted key order, each undecided key
// advancing by up to searchQuantum steps per round. The check stops when
// every key is decided (Linearizable), at the end of a round in which a key
// was proven illegal (NotLinearizable, with FailingKeys: the diagnosis
// costs nothing more), or when the steps or the memo bytes reach the limit
// (Inconclusive, unless a key was proven illegal by then). A decided key's
// memo is freed at once. One goroutine, no clock: the same history and
// limit give the same result on any machine.
//
// CheckLinearizable panics on a history that fails [History.Validate]: a
// recorder or a reader produced it, and both validate at their gateway.
func CheckLinearizable(h History, limit Limit) LinearizabilityResult {
	if err := h.Validate(); err != nil {
		panic(fmt.Sprintf("checker: CheckLinearizable: %v", err))
	}
	limit = limit.withDefaults()
	ops := checkedOps(h)
	keys, groups := groupByKey(ops, func(op Operation) string { return op.Input.Key })
	r := LinearizabilityResult{Ops: len(ops), Keys: len(keys), Limit: limit}
	searches := make([]*keySearch, len(keys))
	for i, g := range groups {
		searches[i] = newKeySearch(g)
	}
	var memory uint64
	undecided := len(keys)
	for undecided > 0 && len(r.FailingKeys) == 0 && !r.OutOfMemory && r.Steps < limit.Steps {
		for i, s := range searches {
			if s.outcome != searchRunning {
				continue
			}
			r.Steps += s.run(min(searchQuantum, limit.Steps-r.Steps), &memory, limit.MemoryBytes)
			r.MemoryBytes = max(r.MemoryBytes, memory)
			switch {
			case s.outcome == searchIllegal:
				r.FailingKeys = append(r.FailingKeys, keys[i])
			case s.starved:
				r.OutOfMemory = true
			}
			if s.outcome != searchRunning {
				undecided--
				memory -= s.release()
			}
			if r.OutOfMemory || r.Steps >= limit.Steps {
				break
			}
		}
	}
	for i, s := range searches {
		if s.outcome == searchRunning {
			r.UndecidedKeys = append(r.UndecidedKeys, keys[i])
		}
	}
	switch {
	case len(r.FailingKeys) > 0:
		r.Verdict = NotLinearizable
	case undecided > 0:
		r.Verdict = Inconclusive
	default:
		r.Verdict = Linearizable
	}
	if r.Verdict != Inconclusive {
		r.OutOfMemory = false
	}
	return r
}

// checkedOps is the history as it is checked: resolved with Resolve(nil),
// which drops unknown reads.
func checkedOps(h History) []Operation { return h.Resolve(nil).Ops }

func opKey(op porcupine.Operation) string { return op.Input.(Input).Key }

// porcupineOps converts a resolved history for porcupine. Metadata names the
// command, so the picture's tooltips say which client sequence it was.
func porcupineOps(h History) []porcupine.Operation {
	ops := make([]porcupine.Operation, 0, len(h.Ops))
	for _, op := range h.Ops {
		out := kvOutput{Output: op.Output}
		meta := fmt.Sprintf("c%d#%d", op.Client, op.Seq)
		if op.Outcome == OutcomeUnknown {
			if op.isRead() {
				continue
			}
			out = kvOutput{Unknown: true}
			meta += " (outcome unknown)"
		}
		ops = append(ops, porcupine.Operation{
			ClientId: op.Client,
			Input:    op.Input,
			Call:     op.Call,
			Output:   out,
			Return:   op.Return,
			Metadata: meta,
		})
	}
	return ops
}

// Annotation marks a span or a point of virtual time in the history picture,
// such as a fault or a leader change.
type Annotation struct {
	// Client is the row of the client the annotation belongs to, or -1 for
	// an annotation of the whole history, which gets a row of its own
	// named by Tag, or "history" when Tag is empty.
	Client int
	// Start and End are virtual nanoseconds. End < Start marks the point
	// Start.
	Start, End int64
	// Description is shown in the picture; Details in its tooltip.
	Description, Details string
	// Tag, when set, puts the annotation in a row of its own with that name
	// (e.g. "node 2", "network"), whatever Client says.
	Tag string
	// BackgroundColor is a CSS color ("#efaefc"); empty for the default.
	BackgroundColor string
}

// WriteVisualization writes porcupine's HTML picture of the check r of h,
// with the linearizations found (partial ones for a key that fails) and the
// annotations. Porcupine searches again for the picture, over the keys r
// decided only (a key still undecided is left out): its search explores
// the same nodes as the one that decided r (see search.go), so it costs no
// more than the check did. The picture is for people: its bytes are not
// deterministic, as porcupine orders partial linearizations from map
// iteration.
func WriteVisualization(w io.Writer, h History, r LinearizabilityResult, annotations []Annotation) error {
	ops := porcupineOps(h.Resolve(nil))
	if len(ops) != r.Ops {
		return fmt.Errorf("checker: visualization: the result checked %d ops, the history has %d: "+
			"pass the result of CheckLinearizable on this history", r.Ops, len(ops))
	}
	if len(r.UndecidedKeys) > 0 {
		ops = slices.DeleteFunc(ops, func(op porcupine.Operation) bool {
			_, undecided := slices.BinarySearch(r.UndecidedKeys, opKey(op))
			return undecided
		})
	}
	_, info := porcupine.CheckOperationsVerbose(KVModel(), ops, 0)
	marks := make([]porcupine.Annotation, 0, len(annotations))
	for i, a := range annotations {
		if a.Client < -1 {
			return fmt.Errorf("checker: visualization: annotation %d: client %d (want >= -1)", i, a.Client)
		}
		tag := a.Tag
		if tag == "" && a.Client == -1 {
			tag = "history"
		}
		marks = append(marks, porcupine.Annotation{
			ClientId:        max(a.Client, 0),
			Tag:             tag,
			Start:           a.Start,
			End:             a.End,
			Description:     a.Description,
			Details:         a.Details,
			BackgroundColor: a.BackgroundColor,
		})
	}
	info.AddAnnotations(marks)
	if err := porcupine.Visualize(KVModel(), info, w); err != nil {
		return fmt.Errorf("checker: visualization: %w", err)
	}
	return nil
}
