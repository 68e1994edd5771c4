package harness

import "strings"

// signature names a failure for deduplication: two failing runs with the
// same signature are taken to be the same bug. A campaign keeps one
// failure file per signature, and shrink keeps a failure only while its
// signature stays the same.
//
// It is "class/check" (the check names the invariant, the liveness
// condition, the storage call, the kind of budget), and for a panic, "@"
// and the function that panicked, with its package but without file, line
// or arguments, so that one panic is never taken for another:
//
//	invariant/election-safety
//	liveness/leader
//	linearizability/illegal
//	panic/raft@raft.(*Node[...]).becomeLeader
//
// The message is left out on purpose: it names nodes, terms and indexes,
// which differ from seed to seed for the same bug. Line numbers are left
// out so that signatures survive unrelated edits and merge across builds.
func signature(f *Failure) string {
	if f == nil {
		return ""
	}
	sig := f.Class + "/" + f.Check
	if f.Class == ClassPanic {
		if fn := panicFunction(f.Stack); fn != "" {
			sig += "@" + fn
		}
	}
	return sig
}

// modulePrefix is trimmed from function names in signatures.
const modulePrefix = "github.com/raftsim/raftsim/"

// panicFunction finds the function that panicked in a goroutine stack as
// runtime/debug.Stack prints it: the first frame after the last "panic("
// frame that is not in the runtime. It returns "" when there is none.
func panicFunction(stack string) string {
	lines := strings.Split(stack, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			start = i + 1
		}
	}
	if start < 0 {
		return ""
	}
	for _, l := range lines[start:] {
		if l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "runtime.") {
			continue
		}
		if i := strings.LastIndex(l, "("); i > 0 && strings.HasSuffix(l, ")") {
			l = l[:i] // the arguments never hold "(", the receiver type may
		}
		return strings.TrimPrefix(l, modulePrefix)
	}
	return ""
}
