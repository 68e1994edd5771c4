package sim

// Queue is a min-heap of events ordered by (time, sequence), where the
// sequence number is assigned at Push from a counter that only grows. Ties in
// time therefore pop in insertion order, which makes the order of
// simultaneous events a function of the program, not of the heap's layout.
//
// It is a hand-written 4-ary heap over a slice of values: a wider node halves
// the depth of a binary heap, sifts move a hole instead of swapping, and no
// interface (container/heap) sits on the path. Push and Pop allocate nothing
// once the slice has grown to the steady-state size; a popped slot is cleared
// so that the queue does not keep an event's pointers alive.
//
// Limit: the queue itself is unbounded; what bounds it is the harness, whose
// handlers schedule a bounded number of events per step within a step budget.
//
// The zero Queue is empty and ready to use.
type Queue[E any] struct {
	items []queued[E]
	// Invariant: every queued seq is below next, and seqs are unique, so
	// (at, seq) is a strict total order on the queue.
	next uint64
}

// queued is one heap slot.
type queued[E any] struct {
	at  Time
	seq uint64
	e   E
}

// heapArity is the fan-out of the heap.
const heapArity = 4

// Len returns the number of queued events.
func (q *Queue[E]) Len() int { return len(q.items) }

// PeekTime returns the time of the next event, if any, without removing it.
func (q *Queue[E]) PeekTime() (Time, bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return q.items[0].at, true
}

// Push adds e at time at. Any time is accepted; refusing the past is the
// Kernel's job, since only it knows the present.
func (q *Queue[E]) Push(at Time, e E) {
	seq := q.next
	q.next++
	q.items = append(q.items, queued[E]{at: at, seq: seq, e: e})
	q.up(len(q.items) - 1)
}

// Pop removes and returns the earliest event (the earliest pushed among
// equal times); ok is false when the queue is empty.
func (q *Queue[E]) Pop() (at Time, e E, ok bool) {
	n := len(q.items)
	if n == 0 {
		return 0, e, false
	}
	top := q.items[0]
	last := q.items[n-1]
	q.items[n-1] = queued[E]{} // do not retain the event's pointers
	q.items = q.items[:n-1]
	if n > 1 {
		q.down(last)
	}
	return top.at, top.e, true
}

// before is the heap order.
func before(aAt Time, aSeq uint64, bAt Time, bSeq uint64) bool {
	return aAt < bAt || (aAt == bAt && aSeq < bSeq)
}

// up moves the item at i toward the root until its parent is before it.
func (q *Queue[E]) up(i int) {
	items := q.items
	x := items[i]
	for i > 0 {
		parent := (i - 1) / heapArity
		p := &items[parent]
		if !before(x.at, x.seq, p.at, p.seq) {
			break
		}
		items[i] = *p
		i = parent
	}
	items[i] = x
}

// down places x, which was the last item, into the hole at the root and
// moves it toward the leaves until no child is before it.
func (q *Queue[E]) down(x queued[E]) {
	items := q.items
	n := len(items)
	i := 0
	for {
		first := heapArity*i + 1
		if first >= n {
			break
		}
		end := min(first+heapArity, n)
		m := first
		for c := first + 1; c < end; c++ {
			if before(items[c].at, items[c].seq, items[m].at, items[m].seq) {
				m = c
			}
		}
		if !before(items[m].at, items[m].seq, x.at, x.seq) {
			break
		}
		items[i] = items[m]
		i = m
	}
	items[i] = x
}
