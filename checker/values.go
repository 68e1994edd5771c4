package checker

// values is the table of the values one key takes during its search. A
// value is named by a valueID, and each distinct string has exactly one id,
// so comparing states is comparing ids. An appended value is stored as its
// prefix's id and the suffix, not as a new string: a key that is appended
// to holds values that grow with the history, and copying and hashing each
// of them at every step of the search made a check of a long history cost
// kilobytes and microseconds per step. Here a step costs O(1) but for the
// first time a value is reached by a new path (it is then compared with the
// values of the same content hash) and the first time a read or cas is
// matched against a value.
type values struct {
	hash   []uint64  // polynomial content hash (see polyHash)
	length []int     // bytes
	parent []valueID // the prefix's id; -1 for a root, whose tail is the whole value
	tail   []string

	byContent idTable // the values, by content hash
	edges     idTable // the appends seen: (from, op) -> to
	edgeFrom  []valueID
	edgeOp    []int32
	edgeTo    []valueID
	buf       []byte // scratch for comparisons
}

// idTable is an open-addressing hash table of ids (stored + 1, 0 for
// empty), at most half full; what an id's hash is, and when two match, the
// caller decides while probing. Go maps cost an allocation per content
// hash and most of a search's time here.
type idTable struct{ slots []int32 }

func (t *idTable) init() { t.slots = make([]int32, 64) }

// probe calls match with each id in hash's probe sequence until it returns
// true (then probe returns that id) or an empty slot ends it (-1).
func (t *idTable) probe(hash uint64, match func(id int32) bool) int32 {
	mask := uint64(len(t.slots) - 1)
	for i := mix64(hash) & mask; ; i = (i + 1) & mask {
		slot := t.slots[i]
		if slot == 0 {
			return -1
		}
		if match(slot - 1) {
			return slot - 1
		}
	}
}

// insert adds id under hash; n is the ids in the table with it, hashOf
// gives any id's hash for regrowing.
func (t *idTable) insert(id int32, hash uint64, n int, hashOf func(int32) uint64) {
	if 2*n > len(t.slots) {
		old := t.slots
		t.slots = make([]int32, 2*len(old))
		for _, slot := range old {
			if slot != 0 {
				t.place(slot-1, hashOf(slot-1))
			}
		}
	}
	t.place(id, hash)
}

func (t *idTable) place(id int32, hash uint64) {
	mask := uint64(len(t.slots) - 1)
	i := mix64(hash) & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = id + 1
}

// valueID names a value in a [values] table; 0 is "".
type valueID int32

func edgeHash(from valueID, op int32) uint64 { return uint64(uint32(from))<<32 | uint64(uint32(op)) }

// polyBase is the base of the content hash. Contents with equal hashes are
// compared byte for byte, so the hash only needs to spread, not to be
// collision-free.
const polyBase = 0x100000001b3

// polyHash is sum(s[i] * polyBase^(len(s)-1-i)) mod 2^64, and polyPow is
// polyBase^len(s): hash(a+b) = hash(a)*pow(b) + hash(b).
func polyHash(s string) (hash, pow uint64) {
	pow = 1
	for i := 0; i < len(s); i++ {
		hash = hash*polyBase + uint64(s[i])
		pow *= polyBase
	}
	return hash, pow
}

func newValues() *values {
	v := &values{}
	v.byContent.init()
	v.edges.init()
	v.add(0, 0, -1, "")
	return v
}

func (v *values) add(hash uint64, length int, parent valueID, tail string) valueID {
	id := valueID(len(v.hash))
	v.hash = append(v.hash, hash)
	v.length = append(v.length, length)
	v.parent = append(v.parent, parent)
	v.tail = append(v.tail, tail)
	v.byContent.insert(int32(id), hash, len(v.hash), func(i int32) uint64 { return v.hash[i] })
	return id
}

// valueCharge is what a new value costs in memory, beyond its tail's bytes:
// its entries in the slices (twice: append's growth copies) and its table
// slots; edgeCharge is the same for an edge.
const (
	valueCharge = 2*(8+8+4+16) + 4*4
	edgeCharge  = 2*(4+4+4) + 4*4
)

// equalString reports whether value id is s, whose hash is hash.
func (v *values) equalString(id valueID, s string, hash uint64) bool {
	if v.length[id] != len(s) || v.hash[id] != hash {
		return false
	}
	end := len(s)
	for ; id >= 0; id = v.parent[id] {
		t := v.tail[id]
		if s[end-len(t):end] != t {
			return false
		}
		end -= len(t)
	}
	return end == 0
}

// bytes writes value id into v.buf and returns it; valid until the next call.
func (v *values) bytes(id valueID) []byte {
	n := v.length[id]
	if cap(v.buf) < n {
		v.buf = make([]byte, n)
	}
	b := v.buf[:n]
	end := n
	for ; id >= 0; id = v.parent[id] {
		end -= copy(b[end-len(v.tail[id]):end], v.tail[id])
	}
	return b
}

// root returns the id of the whole string s, whose hash is hash, and the
// bytes it cost (0 if s was known).
func (v *values) root(s string, hash uint64) (valueID, uint64) {
	id := v.byContent.probe(hash, func(id int32) bool { return v.equalString(valueID(id), s, hash) })
	if id >= 0 {
		return valueID(id), 0
	}
	return v.add(hash, len(s), -1, s), uint64(valueCharge + len(s))
}

// append returns the id of value from followed by the suffix of op, whose
// hash and power are hash and pow, and the bytes it cost.
func (v *values) append(from valueID, op int32, suffix string, hash, pow uint64) (valueID, uint64) {
	eh := edgeHash(from, op)
	if e := v.edges.probe(eh, func(e int32) bool { return v.edgeFrom[e] == from && v.edgeOp[e] == op }); e >= 0 {
		return v.edgeTo[e], 0
	}
	h := v.hash[from]*pow + hash
	length := v.length[from] + len(suffix)
	var charge uint64 = edgeCharge
	id := valueID(v.byContent.probe(h, func(c int32) bool {
		return v.hash[c] == h && v.length[c] == length && v.equalAppended(valueID(c), from, suffix)
	}))
	if id < 0 {
		id = v.add(h, length, from, suffix)
		charge += valueCharge + uint64(len(suffix))
	}
	e := int32(len(v.edgeTo))
	v.edgeFrom = append(v.edgeFrom, from)
	v.edgeOp = append(v.edgeOp, op)
	v.edgeTo = append(v.edgeTo, id)
	v.edges.insert(e, eh, len(v.edgeTo), func(e int32) uint64 { return edgeHash(v.edgeFrom[e], v.edgeOp[e]) })
	return id, charge
}

// equalAppended reports whether value c is value from followed by suffix;
// their lengths are equal.
func (v *values) equalAppended(c, from valueID, suffix string) bool {
	b := v.bytes(c)
	if string(b[len(b)-len(suffix):]) != suffix {
		return false
	}
	prefix := string(b[:len(b)-len(suffix)]) // a copy: bytes(from) reuses buf
	return v.equalString(from, prefix, v.hash[from])
}
