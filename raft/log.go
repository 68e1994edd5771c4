package raft

import (
	"errors"
	"fmt"
)

// errCompacted and errUnavailable say why a term or entry lookup found
// nothing: the index lies in the snapshot, or beyond the end of the log.
var (
	errCompacted   = errors.New("compacted")
	errUnavailable = errors.New("beyond the last index")
)

// raftLog is the node's view of its log in storage. It knows where the log
// starts and ends and caches the most recent entries so that replication
// and apply rarely read storage. It never writes storage; the node writes
// and then tells the log what changed.
//
// Invariant: snapIndex <= last.Index; the cache, when non-empty, holds
// exactly the entries [cacheFirst(), last.Index] as they are in storage,
// between cacheMax and 2*cacheMax of the newest ones once it has filled.
// Slices of the cache are handed out in messages and to storage, so an
// array element, once exposed, is never written again: truncation copies.
type raftLog[D any] struct {
	fetch     func(start, stop Index) ([]Entry[D], error)
	snapIndex Index // last index covered by the live snapshot, 0 if none
	snapTerm  Term
	last      EntryID
	cache     []Entry[D]
	cacheMax  int
}

func (l *raftLog[D]) cacheFirst() Index { return l.last.Index + 1 - Index(len(l.cache)) }

// firstIndex is the first index whose entry is in the log (not compacted).
func (l *raftLog[D]) firstIndex() Index { return l.snapIndex + 1 }

// term returns the term of the entry at i. Index 0 has term 0; the
// snapshot's last index has the snapshot's term.
func (l *raftLog[D]) term(i Index) (Term, error) {
	switch {
	case i == 0:
		return 0, nil
	case i > l.last.Index:
		return 0, errUnavailable
	case i == l.last.Index:
		return l.last.Term, nil
	case len(l.cache) > 0 && i >= l.cacheFirst():
		return l.cache[i-l.cacheFirst()].Term, nil
	case i == l.snapIndex:
		return l.snapTerm, nil
	case i < l.snapIndex:
		return 0, errCompacted
	}
	es, err := l.fetch(i, i+1)
	if err != nil {
		return 0, err
	}
	if len(es) != 1 || es[0].Index != i {
		return 0, fmt.Errorf("raft: storage returned %d entries for index %d: %w", len(es), i, ErrInconsistent)
	}
	return es[0].Term, nil
}

// matches reports whether the log holds an entry with this ID.
func (l *raftLog[D]) matches(id EntryID) (bool, error) {
	t, err := l.term(id.Index)
	if errors.Is(err, errUnavailable) || errors.Is(err, errCompacted) {
		return false, nil
	}
	return t == id.Term, err
}

// entries returns up to max entries of [lo, hi). Entries must not be
// modified. lo must be at least firstIndex().
func (l *raftLog[D]) entries(lo, hi Index, max int) ([]Entry[D], error) {
	if lo < l.firstIndex() {
		return nil, errCompacted
	}
	if hi > l.last.Index+1 {
		hi = l.last.Index + 1
	}
	if lo >= hi {
		return nil, nil
	}
	if max > 0 && hi-lo > Index(max) {
		hi = lo + Index(max)
	}
	if len(l.cache) > 0 && lo >= l.cacheFirst() {
		off := l.cacheFirst()
		return l.cache[lo-off : hi-off : hi-off], nil
	}
	es, err := l.fetch(lo, hi)
	if err != nil {
		return nil, err
	}
	if Index(len(es)) != hi-lo || es[0].Index != lo {
		return nil, fmt.Errorf("raft: storage returned %d entries for [%d, %d): %w", len(es), lo, hi, ErrInconsistent)
	}
	return es, nil
}

// appended records entries just written to storage at last.Index+1.
func (l *raftLog[D]) appended(es []Entry[D]) {
	if len(es) == 0 {
		return
	}
	if es[0].Index != l.last.Index+1 {
		panic(fmt.Sprintf("raft: log: appended %v after last %v: the caller skipped a truncation", es[0].ID(), l.last))
	}
	l.last = es[len(es)-1].ID()
	if l.cacheMax == 0 {
		return
	}
	if len(l.cache)+len(es) > cap(l.cache) {
		// Full: move the newest cacheMax entries to a fresh array with
		// room for as many again. Each entry is copied about once, and
		// the old array, which messages may still hold, is never written.
		keep := l.cache[max(0, len(l.cache)-l.cacheMax):]
		// A small cache doubles (it is then at most cacheMax long, so
		// keep is all of it) until it is worth room for 2*cacheMax: a
		// node that has just started would otherwise allocate the whole
		// array (about 1 MiB) at its first append, which was a quarter
		// of the bytes a chaos run allocates. The entries cached are
		// the same either way.
		size := 2 * l.cacheMax
		if need := len(keep) + len(es); need <= l.cacheMax/2 {
			size = max(min(64, l.cacheMax), 2*need) // at most cacheMax
		}
		grown := make([]Entry[D], len(keep), max(size, len(keep)+len(es)))
		copy(grown, keep)
		l.cache = grown
	}
	l.cache = append(l.cache, es...)
}

// truncatedFrom records that storage deleted [i, last]; prevTerm is the
// term of the entry at i-1.
func (l *raftLog[D]) truncatedFrom(i Index, prevTerm Term) {
	if i > l.last.Index {
		return
	}
	if i <= l.snapIndex {
		panic(fmt.Sprintf("raft: log: truncating from %d inside the snapshot through %d", i, l.snapIndex))
	}
	if len(l.cache) > 0 {
		keep := 0
		if first := l.cacheFirst(); i > first {
			keep = int(i - first)
		}
		// Copy so that appends after the truncation never overwrite
		// entries that in-flight messages still hold.
		l.cache = append([]Entry[D](nil), l.cache[:keep]...)
	}
	l.last = EntryID{Term: prevTerm, Index: i - 1}
}

// reset forgets the cache and sets the log's bounds, after a snapshot
// install or at start.
func (l *raftLog[D]) reset(snapIndex Index, snapTerm Term, last EntryID) {
	l.snapIndex, l.snapTerm, l.last = snapIndex, snapTerm, last
	l.cache = nil
}

// compacted records that the log through index is now a snapshot.
func (l *raftLog[D]) compacted(index Index, term Term) {
	if index > l.last.Index {
		panic(fmt.Sprintf("raft: log: compacted through %d beyond last %v", index, l.last))
	}
	l.snapIndex, l.snapTerm = index, term
	if len(l.cache) > 0 && l.cacheFirst() <= index {
		l.cache = l.cache[index+1-l.cacheFirst():]
	}
}

// upToDate reports whether a log ending at id is at least as up to date as
// this one (§5.4.1).
func (l *raftLog[D]) upToDate(id EntryID) bool {
	return id.Term > l.last.Term || (id.Term == l.last.Term && id.Index >= l.last.Index)
}
