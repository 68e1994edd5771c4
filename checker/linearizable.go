package checker

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Verdict is the outcome of a linearizability check. The zero value is not a
// verdict, so a result that was never filled in is not a pass either.
type Verdict uint8

const (
	// Linearizable: porcupine found a linearization of every key.
	Linearizable Verdict = iota + 1
	// NotLinearizable: some key's history has no linearization.
	NotLinearizable
	// Inconclusive: porcupine ran out of time before deciding. It is its
	// own outcome, never a pass.
	Inconclusive
)

func (v Verdict) String() string {
	switch v {
	case Linearizable:
		return "ok"
	case NotLinearizable:
		return "illegal"
	case Inconclusive:
		return "unknown"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// LinearizabilityResult is the outcome of [CheckLinearizable].
type LinearizabilityResult struct {
	Verdict Verdict
	Ops     int // operations checked: the history after Resolve(nil), unknown reads dropped
	Keys    int // distinct keys among them (porcupine partitions)
	// FailingKeys are the keys whose own history was proven not
	// linearizable, sorted; empty unless Verdict is NotLinearizable. A key
	// whose own check ran out of time is not listed.
	FailingKeys []string
	// Info is porcupine's record of a NotLinearizable check, covering the
	// keys whose own check finished (partial linearizations for the failing
	// ones, complete ones for the rest). It is empty for other verdicts, to
	// spare a passing check a second search; [WriteVisualization] computes
	// what it needs from the history then.
	Info porcupine.LinearizationInfo

	timeout time.Duration // the budget of each porcupine run, reused by WriteVisualization
}

// Ok reports whether the history was proven linearizable. An Inconclusive
// result is not ok.
func (r LinearizabilityResult) Ok() bool { return r.Verdict == Linearizable }

// String summarizes the result on one line, without wall time, so it can go
// into compared output: "illegal: 120 ops, 3 keys, failing keys [x]".
func (r LinearizabilityResult) String() string {
	s := fmt.Sprintf("%v: %d ops, %d keys", r.Verdict, r.Ops, r.Keys)
	if len(r.FailingKeys) > 0 {
		quoted := make([]string, len(r.FailingKeys))
		for i, k := range r.FailingKeys {
			quoted[i] = quoteKey(k)
		}
		s += fmt.Sprintf(", failing keys [%s]", strings.Join(quoted, " "))
	}
	return s
}

// CheckLinearizable checks h against [KVModel]. Operations still unknown are
// made harmless first, as h.Resolve(nil) does: resolve them from the log with
// [History.Resolve] beforehand to check more tightly.
//
// timeout bounds each porcupine search (<= 0: no bound); running out yields
// Inconclusive, so only a run that times out depends on the machine. The
// verdict comes from one search over all keys in parallel, which stops at
// the first key proven illegal. An illegal history is then diagnosed: each
// key is checked alone, in sorted key order, each within timeout, to fill
// FailingKeys, and the keys so decided are searched once more to fill Info.
// Proving that a key is illegal can take exponential time where finding
// another key illegal is quick, so diagnosing can take up to timeout per
// such key, and forever with no timeout: give campaigns a timeout.
//
// CheckLinearizable panics on a history that fails [History.Validate]: a
// recorder or a reader produced it, and both validate at their gateway.
func CheckLinearizable(h History, timeout time.Duration) LinearizabilityResult {
	if err := h.Validate(); err != nil {
		panic(fmt.Sprintf("checker: CheckLinearizable: %v", err))
	}
	ops := porcupineOps(h.Resolve(nil))
	keys, groups := groupByKey(ops, opKey)
	model := KVModel()
	r := LinearizabilityResult{Ops: len(ops), Keys: len(keys), timeout: timeout}
	switch porcupine.CheckOperationsTimeout(model, ops, timeout) {
	case porcupine.Ok:
		r.Verdict = Linearizable
	case porcupine.Illegal:
		r.Verdict = NotLinearizable
		r.FailingKeys, r.Info = diagnose(model, keys, groups, timeout)
	default:
		r.Verdict = Inconclusive
	}
	return r
}

func opKey(op porcupine.Operation) string { return op.Input.(Input).Key }

// diagnose checks each key alone, in key order, and returns the keys proven
// illegal with porcupine's record of all the keys that were decided.
func diagnose(model porcupine.Model, keys []string, groups [][]porcupine.Operation,
	timeout time.Duration) ([]string, porcupine.LinearizationInfo) {
	var failing []string
	var decided []porcupine.Operation
	for i, group := range groups {
		switch porcupine.CheckOperationsTimeout(model, group, timeout) {
		case porcupine.Illegal:
			failing = append(failing, keys[i])
			decided = append(decided, group...)
		case porcupine.Ok:
			decided = append(decided, group...)
		}
	}
	_, info := porcupine.CheckOperationsVerbose(model, decided, timeout)
	return failing, info
}

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
// annotations. It uses r.Info when r has it, and otherwise searches h again
// within r's timeout; for an illegal h, keys whose own check ran out of time
// are left out of the picture. The picture is for people: its bytes are not
// deterministic, as porcupine orders partial linearizations from map
// iteration.
func WriteVisualization(w io.Writer, h History, r LinearizabilityResult, annotations []Annotation) error {
	if n := len(porcupineOps(h.Resolve(nil))); n != r.Ops {
		return fmt.Errorf("checker: visualization: the result checked %d ops, the history has %d: "+
			"pass the result of CheckLinearizable on this history", r.Ops, n)
	}
	info := r.Info
	if len(info.PartialLinearizations()) == 0 {
		_, info = porcupine.CheckOperationsVerbose(KVModel(), porcupineOps(h.Resolve(nil)), r.timeout)
	}
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
