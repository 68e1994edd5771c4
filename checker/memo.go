package checker

import "math/bits"

// memo is the set of (linearized set, state) pairs a key's search has
// explored: reaching one again cannot lead anywhere new. It is an
// open-addressing hash table of entry numbers over entries stored in
// chunks, so that it grows without copying its entries and its size in
// bytes is a function of what it holds, which [memoCharge] counts.
type memo struct {
	words  int // bitset words per entry
	n      int // entries
	chunks []*memoChunk
	slots  []uint32 // entry number + 1, 0 for empty; length a power of two, at most half full
}

// Chunks hold memoChunkFirst entries, then twice as many each up to
// memoChunkMax: a key with few operations allocates little.
const (
	memoChunkFirst = 64
	memoChunkMax   = 4096
	memoSmallTotal = memoChunkFirst*(memoChunkMax/memoChunkFirst*2) - memoChunkFirst // entries in the growing chunks
)

type memoChunk struct {
	hashes []uint64
	states []valueID
	bits   []uint64 // words per entry
}

// memoCharge is what one entry costs: its hash, its state, its bitset, and
// up to four table slots with the table's growth (at most half full after
// growing, a quarter before, and the old table while it grows).
func memoCharge(words int) uint64 {
	return uint64(8 + 4 + 8*words + 4*4)
}

func (m *memo) init(words int) {
	m.words = words
	m.slots = make([]uint32, 64)
}

// locate returns the chunk and offset of entry i.
func (m *memo) locate(i int) (int, int) {
	if i < memoSmallTotal {
		k := bits.Len(uint(i/memoChunkFirst+1)) - 1
		return k, i - memoChunkFirst*(1<<k-1)
	}
	growing := bits.Len(memoChunkMax / memoChunkFirst) // chunks of the doubling part
	i -= memoSmallTotal
	return growing + i/memoChunkMax, i % memoChunkMax
}

func (m *memo) entry(i int) (hash uint64, state valueID, set []uint64) {
	c, off := m.locate(i)
	ch := m.chunks[c]
	return ch.hashes[off], ch.states[off], ch.bits[off*m.words : (off+1)*m.words]
}

// contains reports whether the memo holds (set, state), whose hash is key.
func (m *memo) contains(key uint64, set []uint64, state valueID) bool {
	mask := uint64(len(m.slots) - 1)
	for i := key & mask; ; i = (i + 1) & mask {
		slot := m.slots[i]
		if slot == 0 {
			return false
		}
		h, st, bs := m.entry(int(slot - 1))
		if h == key && st == state && equalWords(bs, set) {
			return true
		}
	}
}

// add stores (set, state), which the memo must not hold, under key.
func (m *memo) add(key uint64, set []uint64, state valueID) {
	c, off := m.locate(m.n)
	if c == len(m.chunks) {
		size := memoChunkMax
		if c < bits.Len(memoChunkMax/memoChunkFirst) {
			size = memoChunkFirst << c
		}
		m.chunks = append(m.chunks, &memoChunk{
			hashes: make([]uint64, size),
			states: make([]valueID, size),
			bits:   make([]uint64, size*m.words),
		})
	}
	ch := m.chunks[c]
	ch.hashes[off] = key
	ch.states[off] = state
	copy(ch.bits[off*m.words:], set)
	m.n++
	if 2*m.n > len(m.slots) {
		m.grow()
	}
	m.insertSlot(key, uint32(m.n))
}

func (m *memo) insertSlot(key uint64, slot uint32) {
	mask := uint64(len(m.slots) - 1)
	i := key & mask
	for m.slots[i] != 0 {
		i = (i + 1) & mask
	}
	m.slots[i] = slot
}

// grow doubles the table and reinserts every entry but the newest, which
// add inserts next.
func (m *memo) grow() {
	m.slots = make([]uint32, 2*len(m.slots))
	for i := 0; i < m.n-1; i++ {
		h, _, _ := m.entry(i)
		m.insertSlot(h, uint32(i+1))
	}
}

func equalWords(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
