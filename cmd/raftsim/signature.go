package main

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/raftsim/raftsim/harness"
)

// signature names a failure for deduplication: two failing seeds with the
// same signature are taken to be the same bug, and a campaign keeps one
// failure file per signature.
//
// It is the harness's Failure.Signature(), "class/check" (the check names
// the invariant, the liveness condition, the storage call, the kind of
// budget), and for a panic, "@" and the function that panicked, with its
// package but without file, line or arguments:
//
//	invariant/election-safety
//	liveness/leader
//	linearizability/illegal
//	panic/raft@raft.(*Node[...]).becomeLeader
//
// The message is left out on purpose: it names nodes, terms and indexes,
// which differ from seed to seed for the same bug. Line numbers are left
// out so that signatures survive unrelated edits and merge across builds.
func signature(f *harness.Failure) string {
	sig := f.Signature()
	if f.Class == harness.ClassPanic {
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

// failureFileName is where a campaign keeps the failure file of a
// signature: a readable slug and a hash that tells apart signatures whose
// slugs collide.
func failureFileName(sig string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(sig) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	slug := strings.TrimSuffix(b.String(), "-")
	if slug == "" {
		slug = "failure"
	}
	h := fnv.New32a()
	h.Write([]byte(sig))
	return fmt.Sprintf("%s-%08x.json", slug, h.Sum32())
}
