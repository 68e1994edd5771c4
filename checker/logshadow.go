package checker

import (
	"sort"

	"github.com/raftsim/raftsim/raft"
)

// A log shadow mirrors one view of a node's log (what it wrote, or what is
// durable) as one slot per index: the entry's term and the chain hash of the
// whole log through it, chain(i) = hash(chain(i-1), i, term, digest). Two
// logs with the same chain hash at an index hold the same entries through
// it, so every cross-log comparison is one word compare: log matching,
// leader completeness, the committed log, what a quorum holds.

// slot is one position of a shadowed log.
type slot struct {
	term  raft.Term
	chain uint64
}

// chainHash extends prev, the chain hash of a log through index-1, by the
// entry (index, term, digest). prev and digest are already well mixed, so
// two different histories collide only by 64-bit chance.
func chainHash(prev uint64, index raft.Index, term raft.Term, digest uint64) uint64 {
	h := mix64(prev + uint64(index)*0x9e3779b97f4a7c15 + uint64(term)*0xc2b2ae3d27d4eb4f)
	return mix64(h ^ digest)
}

// mix64 is the finalizer of MurmurHash3: a bijection that spreads every
// input bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// configAt is a configuration and the index of the entry holding it.
type configAt struct {
	index raft.Index
	m     raft.Membership
}

// logShadow is one view of a node's log.
//
// Invariant: len(slots) >= 1; slots[k] is the entry at base+k, slots[0] the
// anchor (index 0 with term 0 and chain 0 on a log never compacted);
// base <= purged <= last(). The slots in [base, purged) are entries the store
// no longer holds: the shadow keeps them until they are committed, so that
// the committed log can still be extended from a leader that compacted in
// the same step as it committed. configs is ascending by index; configs[0]
// may lie at or below base (the configuration in force there).
type logShadow struct {
	base  raft.Index
	slots []slot
	// purged is the index of the store's snapshot pointer (0: none): the
	// store holds no entry before it.
	purged raft.Index
	// snap is the store's live snapshot (zero: none).
	snap    raft.EntryID
	configs []configAt
}

func (l *logShadow) init() {
	l.base = 0
	l.slots = append(l.slots[:0], slot{})
	l.purged = 0
	l.snap = raft.EntryID{}
	l.configs = l.configs[:0]
}

func (l *logShadow) last() raft.Index { return l.base + raft.Index(len(l.slots)-1) }

func (l *logShadow) lastID() raft.EntryID {
	return raft.EntryID{Term: l.slots[len(l.slots)-1].term, Index: l.last()}
}

// at returns the slot at index i, if the shadow holds it.
func (l *logShadow) at(i raft.Index) (slot, bool) {
	if i < l.base || i > l.last() {
		return slot{}, false
	}
	return l.slots[i-l.base], true
}

// config returns the latest configuration in the log.
func (l *logShadow) config() (raft.Membership, bool) {
	if len(l.configs) == 0 {
		return raft.Membership{}, false
	}
	return l.configs[len(l.configs)-1].m, true
}

// firstOfTerm is the index of the first entry of term the shadow holds, by
// binary search (terms never decrease along a log).
func (l *logShadow) firstOfTerm(term raft.Term) (raft.Index, bool) {
	k := sort.Search(len(l.slots), func(k int) bool { return l.slots[k].term >= term })
	if k == len(l.slots) || l.slots[k].term != term {
		return 0, false
	}
	return l.base + raft.Index(k), true
}

// truncate drops [from, last]; base < from.
func (l *logShadow) truncate(from raft.Index) {
	l.slots = l.slots[:from-l.base]
	k := len(l.configs)
	for k > 0 && l.configs[k-1].index >= from {
		k--
	}
	l.configs = l.configs[:k]
}

// trim forgets the slots before to (base <= to <= last), keeping the
// configuration in force at to.
func (l *logShadow) trim(to raft.Index) {
	to = min(to, l.last())
	if to <= l.base {
		return
	}
	l.slots = l.slots[to-l.base:]
	l.base = to
	k := 0
	for k+1 < len(l.configs) && l.configs[k+1].index <= to {
		k++
	}
	l.configs = l.configs[k:]
}

func (l *logShadow) copyFrom(o *logShadow) {
	l.base = o.base
	l.slots = append(l.slots[:0], o.slots...)
	l.purged = o.purged
	l.snap = o.snap
	l.configs = append(l.configs[:0], o.configs...)
}

// opKind says what a write did to a node's storage.
type opKind uint8

const (
	opPut       opKind = iota + 1 // the entry at index replaces [index, last]
	opTruncate                    // [index, last] deleted
	opHardState                   // hs saved
	opCompact                     // pointer at index, snapshot snap; shadow trimmed to trimTo
	opReset                       // the log is a pointer at index alone (snapshot install)
)

// writeOp is one storage write, as applied to a log shadow. The written
// view applies it at once; with lagging durability the durable view applies
// it at the next sync, and a restart may find any prefix of the unsynced
// ones applied.
type writeOp struct {
	kind   opKind
	index  raft.Index
	trimTo raft.Index
	s      slot
	snap   raft.EntryID
	hs     raft.HardState
	// cfg is the configuration a put entry installs (opPut), or the one
	// in force at a reset pointer (opReset); hasCfg says it is set.
	cfg    configAt
	hasCfg bool
}

// apply applies a log write; preconditions were checked when the written
// view took it.
func (l *logShadow) apply(op *writeOp) {
	switch op.kind {
	case opPut:
		if op.index <= l.last() {
			l.truncate(op.index)
		}
		l.slots = append(l.slots, op.s)
		if op.hasCfg {
			l.configs = append(l.configs, op.cfg)
		}
	case opTruncate:
		if op.index <= l.last() {
			l.truncate(op.index)
		}
	case opCompact:
		l.purged, l.snap = op.index, op.snap
		l.trim(op.trimTo)
	case opReset:
		l.base = op.index
		l.slots = append(l.slots[:0], op.s)
		l.purged, l.snap = op.index, op.snap
		l.configs = l.configs[:0]
		if op.hasCfg {
			l.configs = append(l.configs, op.cfg)
		}
	}
}

// matches reports whether the view ends where a restarted node says its
// storage ends.
func (l *logShadow) matches(st *raft.Status) bool {
	return l.lastID() == st.Last && l.snap.Index == st.SnapshotIndex
}

// pages is an append-only array kept in fixed-size pages, so that growing
// it never copies what it holds: the Watch's global tables grow for the
// whole run, and copying them as a slice grows would cost more than the
// checks themselves.
type pages[T any] struct {
	p  [][]T
	n  int
	lo int // pages before lo are freed (dropBelow)
}

const pageBits = 12

func (a *pages[T]) len() int { return a.n }

// at returns the element at i < len().
func (a *pages[T]) at(i int) *T { return &a.p[i>>pageBits][i&(1<<pageBits-1)] }

// growTo makes the array at least n long, the new elements zero.
func (a *pages[T]) growTo(n int) {
	for len(a.p)<<pageBits < n {
		a.p = append(a.p, make([]T, 1<<pageBits))
	}
	a.n = max(a.n, n)
}

// has reports whether i < len() lies in a page not freed.
func (a *pages[T]) has(i int) bool { return i >= 0 && i < a.n && i>>pageBits >= a.lo }

// floor is the first index not freed.
func (a *pages[T]) floor() int { return a.lo << pageBits }

// dropBelow frees the pages wholly below index n; at must not be called
// for an index in them again (has says which).
func (a *pages[T]) dropBelow(n int) {
	for a.lo < len(a.p) && (a.lo+1)<<pageBits <= n {
		a.p[a.lo] = nil
		a.lo++
	}
}

// truncate shortens the array to n <= len() elements.
func (a *pages[T]) truncate(n int) {
	var zero T
	for i := max(n, a.floor()); i < a.n; i++ {
		*a.at(i) = zero
	}
	a.n = n
}

func (a *pages[T]) push(v T) {
	a.growTo(a.n + 1)
	*a.at(a.n - 1) = v
}

// entryTable maps (index, term) to the chain hash of the first log seen
// holding that entry: log matching says every log holding it agrees. Most
// indexes only ever see one term, so the first is stored inline, indexed
// by the index, and the rare others chain into an overflow pool. Lookups
// and inserts are O(1) and allocate only when the tables grow.
type entryTable struct {
	first pages[tableSlot]
	more  []tableSlot
}

type tableSlot struct {
	term  raft.Term
	chain uint64
	node  uint32 // a raft.NodeID (IDs are at most maxNodeID)
	next  int32  // 1 + position in more of the next term at this index; 0: none
}

// record notes that node holds (i, t) with chain. It returns the node that
// holds (i, t) with a different chain, if one does.
func (tb *entryTable) record(i raft.Index, t raft.Term, chain uint64, node raft.NodeID) (raft.NodeID, bool) {
	if int(i) < tb.first.floor() {
		return raft.None, false // trimmed: no node can hold it (see Watch.trimCommitted)
	}
	tb.first.growTo(int(i) + 1)
	s := tb.first.at(int(i))
	if s.term == 0 {
		*s = tableSlot{term: t, chain: chain, node: uint32(node)}
		return raft.None, false
	}
	at := -1 // where s lives: -1 for first, else its position in more
	for {
		if s.term == t {
			if s.chain != chain {
				return raft.NodeID(s.node), true
			}
			return raft.None, false
		}
		if s.next == 0 {
			break
		}
		at = int(s.next - 1)
		s = &tb.more[at]
	}
	// The append may move more, so s is not used past it.
	tb.more = append(tb.more, tableSlot{term: t, chain: chain, node: uint32(node)})
	if at < 0 {
		tb.first.at(int(i)).next = int32(len(tb.more))
	} else {
		tb.more[at].next = int32(len(tb.more))
	}
	return raft.None, false
}
