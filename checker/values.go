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

	appended  map[edge]valueID     // (value, append op) -> the value after it; lookups only
	byContent map[uint64][]valueID // content hash -> ids (distinct contents); lookups only
	buf       []byte               // scratch for comparisons
}

// valueID names a value in a [values] table; 0 is "".
type valueID int32

type edge struct {
	from valueID
	op   int32
}

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
	v := &values{appended: map[edge]valueID{}, byContent: map[uint64][]valueID{}}
	v.add(0, 0, -1, "")
	return v
}

func (v *values) add(hash uint64, length int, parent valueID, tail string) valueID {
	id := valueID(len(v.hash))
	v.hash = append(v.hash, hash)
	v.length = append(v.length, length)
	v.parent = append(v.parent, parent)
	v.tail = append(v.tail, tail)
	v.byContent[hash] = append(v.byContent[hash], id)
	return id
}

// valueCharge is what a new value costs in memory, beyond its tail's bytes:
// its entries in the slices and the two maps.
const valueCharge = 8 + 8 + 4 + 16 + 64 + 64

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
	for _, id := range v.byContent[hash] {
		if v.equalString(id, s, hash) {
			return id, 0
		}
	}
	return v.add(hash, len(s), -1, s), uint64(valueCharge + len(s))
}

// append returns the id of value from followed by the suffix of op, whose
// hash and power are hash and pow, and the bytes it cost.
func (v *values) append(from valueID, op int32, suffix string, hash, pow uint64) (valueID, uint64) {
	e := edge{from, op}
	if id, ok := v.appended[e]; ok {
		return id, 0
	}
	h := v.hash[from]*pow + hash
	length := v.length[from] + len(suffix)
	var charge uint64 = 64 // the edge
	id := valueID(-1)
	for _, c := range v.byContent[h] {
		if v.length[c] == length && v.equalAppended(c, from, suffix) {
			id = c
			break
		}
	}
	if id < 0 {
		id = v.add(h, length, from, suffix)
		charge += valueCharge + uint64(len(suffix))
	}
	v.appended[e] = id
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
