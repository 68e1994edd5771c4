package mutate

import (
	"hash/fnv"
	"sort"
	"strconv"
)

// Sample draws n of the mutants, deterministically from the seed and the
// mutants' keys: each is ranked by a hash of the seed and its key and
// the n lowest are kept. An edit that adds or removes a few mutants
// changes only those few, so a sample stays comparable across edits.
// The result keeps the input's order; n <= 0 or n >= len(ms) keeps all.
func Sample(ms []*Mutant, n int, seed uint64) []*Mutant {
	if n <= 0 || n >= len(ms) {
		return ms
	}
	rs := rank(ms, seed)
	keep := make([]bool, len(ms))
	for _, r := range rs[:n] {
		keep[r.i] = true
	}
	out := make([]*Mutant, 0, n)
	for i, m := range ms {
		if keep[i] {
			out = append(out, m)
		}
	}
	return out
}

type ranked struct {
	rank uint64
	i    int
}

// rank orders the mutants by a hash of the seed and their keys.
func rank(ms []*Mutant, seed uint64) []ranked {
	rs := make([]ranked, len(ms))
	for i, m := range ms {
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatUint(seed, 10) + "\x00" + m.Key()))
		rs[i] = ranked{h.Sum64(), i}
	}
	sort.Slice(rs, func(a, b int) bool { return rs[a].rank < rs[b].rank || rs[a].rank == rs[b].rank && rs[a].i < rs[b].i })
	return rs
}

// Shuffle orders the mutants by the same hash as Sample: run in that
// order, the mutants finished at any moment are a random subsample of
// the run, whose score means something if the run is cut short.
func Shuffle(ms []*Mutant, seed uint64) []*Mutant {
	out := make([]*Mutant, 0, len(ms))
	for _, r := range rank(ms, seed) {
		out = append(out, ms[r.i])
	}
	return out
}
