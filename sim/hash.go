package sim

import "fmt"

// TraceHash condenses a run into 64-bit values so that two runs of one seed
// can be compared cheaply: equal sums mean (with overwhelming probability)
// equal traces, and the per-step chain names the first step where two runs
// part.
//
// The state is a rolling value h. Each added word v does
//
//	h = mix64(h ^ (v + 0x9e3779b97f4a7c15))
//
// with mix64 the splitmix64 finalizer: a full-avalanche bijection per word,
// faster than byte-wise FNV. Byte strings are added as their length, then
// 8-byte little-endian words, the last one zero-padded, so that "ab","c" and
// "a","bc" differ. EndStep folds a step marker into h, so step boundaries
// count too, and h after step i (the chain value) covers everything up to and
// including step i. The algorithm is part of the golden trace hashes stored
// under testdata/: changing it changes them all.
//
// The zero TraceHash is ready to use, with keeping off.
type TraceHash struct {
	h     uint64
	steps uint64
	keep  bool
	// sums[i] is the chain value after step i, while keeping.
	// Limit: 8 bytes per step, so keep only when hunting a divergence.
	sums []uint64
}

// stepMarker is folded in at each step boundary ("STEP" in ASCII).
const stepMarker = 0x53544550

// AddUint64 folds one word into the hash.
func (t *TraceHash) AddUint64(v uint64) {
	t.h = mix64(t.h ^ (v + splitmixGamma))
}

// AddBytes folds b, length first, into the hash.
func (t *TraceHash) AddBytes(b []byte) { t.h = addBytes(t.h, b) }

// AddString folds s, length first, into the hash; it hashes as the same
// bytes would.
func (t *TraceHash) AddString(s string) { t.h = addBytes(t.h, s) }

// addBytes is shared by AddBytes and AddString without converting (and so
// without allocating).
func addBytes[T ~string | ~[]byte](h uint64, b T) uint64 {
	h = mix64(h ^ (uint64(len(b)) + splitmixGamma))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		h = mix64(h ^ (v + splitmixGamma))
	}
	if i < len(b) {
		var v uint64
		for shift := 0; i < len(b); i, shift = i+1, shift+8 {
			v |= uint64(b[i]) << shift
		}
		h = mix64(h ^ (v + splitmixGamma))
	}
	return h
}

// Sum returns the hash of everything added so far, step boundaries included.
func (t *TraceHash) Sum() uint64 { return t.h }

// Steps returns how many steps have ended.
func (t *TraceHash) Steps() uint64 { return t.steps }

// EndStep closes the current step: it folds a boundary into the chain and,
// while keeping, records the chain value.
func (t *TraceHash) EndStep() {
	t.AddUint64(stepMarker)
	t.steps++
	if t.keep {
		t.sums = append(t.sums, t.h)
	}
}

// KeepSteps turns recording of per-step chain values on or off. Turning it
// on after a step has ended panics: index i of StepSums must be step i, or
// FirstDivergence would name the wrong step.
func (t *TraceHash) KeepSteps(keep bool) {
	if keep && !t.keep && t.steps > uint64(len(t.sums)) {
		panic(fmt.Sprintf("sim: TraceHash.KeepSteps: enable before the first EndStep (%d steps already ended), so that StepSums index i is step i", t.steps))
	}
	t.keep = keep
}

// StepSums returns the kept chain values, one per step. The slice is shared
// with the hash but capped, so appending to it never overwrites later steps.
func (t *TraceHash) StepSums() []uint64 { return t.sums[:len(t.sums):len(t.sums)] }

// FirstDivergence returns the first step at which two runs' StepSums differ,
// or at which the shorter one ends; ok is false when they are identical.
// Because each chain value covers all earlier steps, every step after the
// first divergence differs too: the answer is the step to look at.
func FirstDivergence(a, b []uint64) (step int, ok bool) {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i, true
		}
	}
	if len(a) != len(b) {
		return n, true
	}
	return 0, false
}
