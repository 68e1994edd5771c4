package checker

import "fmt"

// Locating a linearizability violation: "illegal on key k7" over 20,000
// operations names no culprit. Locate shrinks the failing key's operations
// by delta debugging to a set that is still not linearizable but becomes
// linearizable when any one of its operations is removed: the few reads and
// writes a person must look at to see the contradiction (typically a write,
// the read that saw it, and a later read that did not).
//
// A subset of a history can be illegal for a reason the history is not: a
// read of "1a" kept without the put of "1" and the append of "a" is illegal
// alone, and says nothing. So Locate only considers closed sets, where each
// value a kept read returned can be built from the kept writes (explained),
// and minimal means: removing any one operation makes the rest linearizable
// or leaves a read its writes no longer explain.
//
// Every check is [CheckLinearizable] on a subhistory of one key, through
// locateCheck. A check that reaches its bound counts as "not shown
// illegal", so it never lets an operation go: the set found is still proven
// illegal, and it is minimal as far as the checks could decide.

// LocateOptions bound a Locate.
type LocateOptions struct {
	// MaxChecks bounds the linearizability checks (0: DefaultLocateChecks).
	MaxChecks int
	// CheckLimit bounds each check (zero fields: DefaultLimit). The
	// histories checked are one key's and shrink as Locate goes, so each
	// check is usually far below the bound.
	CheckLimit Limit
}

// DefaultLocateChecks is LocateOptions' default MaxChecks.
const DefaultLocateChecks = 5000

// Located is the outcome of Locate.
type Located struct {
	Key string
	// Ops are the located operations, in invocation order, as the checker
	// saw them (resolved: an unknown write that applied has its outcome).
	Ops []Operation
	// KeyOps is how many operations the key had to begin with.
	KeyOps int
	// Checks is how many linearizability checks Locate ran.
	Checks int
	// Minimal: removing any one of Ops was checked and makes the rest
	// linearizable. False when the budget ran out first.
	Minimal bool
}

// ErrNotIllegal: the key's operations are not proven illegal, so there is
// nothing to locate.
var ErrNotIllegal = fmt.Errorf("checker: locate: the key's history is not proven illegal")

// locateCheck is the one place Locate asks for a verdict.
func locateCheck(h History, opts LocateOptions) Verdict {
	return CheckLinearizable(h, opts.CheckLimit).Verdict
}

// Locate finds a minimal non-linearizable set of key's operations in h. It
// is deterministic: every check is bounded by counts, not by time.
func Locate(h History, key string, opts LocateOptions) (Located, error) {
	if opts.MaxChecks <= 0 {
		opts.MaxChecks = DefaultLocateChecks
	}
	if err := h.Validate(); err != nil {
		return Located{}, err
	}
	var ops []Operation
	for _, op := range h.Resolve(nil).Ops {
		if op.Input.Key == key {
			ops = append(ops, op)
		}
	}
	loc := Located{Key: key, KeyOps: len(ops)}
	// A read the whole key's writes cannot explain (a value from nowhere)
	// is a violation in itself, and stays one in every subset.
	need := make(map[command]bool) // lookups only, never iterated
	for _, op := range unexplained(ops) {
		need[command{op.Client, op.Seq}] = true
	}
	illegal := func(cand []Operation) bool {
		if !explained(cand, need) {
			return false // not a check: a cut set that proves nothing
		}
		loc.Checks++
		return locateCheck(History{Ops: cand}, opts) == NotLinearizable
	}
	if !illegal(ops) {
		return loc, fmt.Errorf("%w (key %s, %d operations)", ErrNotIllegal, quoteKey(key), len(ops))
	}
	more := func() bool { return loc.Checks < opts.MaxChecks }
	loc.Ops, loc.Minimal = ddminOps(ops, illegal, more)
	return loc, nil
}

// ddminOps is Zeller's delta debugging over operations kept in order: it
// removes chunks, from halves down to single operations, keeping each
// removal after which the rest is still illegal. It returns the set and
// whether it is 1-minimal (no single operation can go).
func ddminOps(ops []Operation, illegal func([]Operation) bool, more func() bool) ([]Operation, bool) {
	n := 2
	for len(ops) > 1 {
		chunk := (len(ops) + n - 1) / n
		removed := false
		for start := 0; start < len(ops); start += chunk {
			if !more() {
				return ops, false
			}
			end := min(start+chunk, len(ops))
			cand := make([]Operation, 0, len(ops)-(end-start))
			cand = append(append(cand, ops[:start]...), ops[end:]...)
			if illegal(cand) {
				ops, removed = cand, true
				n = max(n-1, 2)
				break
			}
		}
		switch {
		case removed:
		case chunk == 1:
			return ops, true // every single removal was tried and refused
		default:
			n = min(2*n, len(ops))
		}
	}
	// One operation that was found illegal alone (a read of a value never
	// written): without it nothing is left, and nothing is linearizable.
	return ops, true
}

// explained reports whether every value a completed read in ops returned
// can be built from the writes in ops: "" (the initial value), or a put's
// or a compare-and-set's new value followed by any appended values. It
// ignores order and timing; that is the checker's job. Reads in exempt
// need no explanation.
func explained(ops []Operation, exempt map[command]bool) bool {
	for _, op := range unexplained(ops) {
		if !exempt[command{op.Client, op.Seq}] {
			return false
		}
	}
	return true
}

// unexplained lists the completed reads in ops whose values the writes in
// ops cannot build.
func unexplained(ops []Operation) []Operation {
	var starts, tails []string
	for _, op := range ops {
		switch op.Input.Kind {
		case OpPut, OpCAS:
			starts = append(starts, op.Input.Value)
		case OpAppend:
			tails = append(tails, op.Input.Value)
		}
	}
	var out []Operation
	for _, op := range ops {
		if op.Input.Kind == OpGet && op.Outcome == OutcomeOK && !buildable(op.Output.Value, starts, tails) {
			out = append(out, op)
		}
	}
	return out
}

// buildable reports whether v is one of starts (or "") followed by a
// sequence of tails, by dynamic programming over v's prefixes.
func buildable(v string, starts, tails []string) bool {
	reach := make([]bool, len(v)+1)
	reach[0] = true
	for _, s := range starts {
		if len(s) <= len(v) && v[:len(s)] == s {
			reach[len(s)] = true
		}
	}
	for i := 0; i < len(v); i++ {
		if !reach[i] {
			continue
		}
		for _, t := range tails {
			if t != "" && len(t) <= len(v)-i && v[i:i+len(t)] == t {
				reach[i+len(t)] = true
			}
		}
	}
	return reach[len(v)]
}
