package checker

import (
	"sort"
)

// The linearizability search of one key: Wing and Gong's backtracking
// search with Lowe's just-in-time linearization and a memo of the
// (linearized set, state) pairs already explored, the algorithm porcupine
// implements. It is written here so that it can count its work: the search
// runs in slices of a given number of steps, so a check is bounded by a
// count instead of a clock, and it charges the bytes its memo holds, so its
// memory is bounded by a count as well.
//
// The events are ordered as porcupine orders them (sort.Sort with the same
// comparison on the same input order gives the same permutation), and the
// loop takes the same branches, so the search explores exactly the nodes
// porcupine's would. That keeps porcupine usable as an oracle in tests and
// makes the picture, which porcupine draws after searching again, cost no
// more than the search that decided the verdict.

// searchOutcome is where a key's search stands.
type searchOutcome uint8

const (
	searchRunning searchOutcome = iota // not decided yet: run it more
	searchOK                           // a linearization was found
	searchIllegal                      // every placement was tried: none works
)

// event is a call or a return of one operation, for sorting.
type event struct {
	time   int64
	isCall bool
	op     int32 // index into keySearch.ops
}

// byTime is porcupine's event order: by time, and a call before a return
// at the same time (operations that touch are concurrent). sort.Sort is not
// stable, but it is deterministic: the same comparisons on the same input
// give the same permutation.
type byTime []event

func (a byTime) Len() int      { return len(a) }
func (a byTime) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a byTime) Less(i, j int) bool {
	if a[i].time != a[j].time {
		return a[i].time < a[j].time
	}
	return a[i].isCall && !a[j].isCall
}

// frame is a linearized call on the search stack, with the state before it.
type frame struct {
	node  int32
	state valueID
}

// keySearch is the resumable search over one key's operations.
//
// The events form a doubly linked list over node indices: node 0 is the
// head, nodes 1..2n the events in porcupine's order, -1 the end. match[c] is
// the return node of call node c and -1 for a return node. Lifting a call
// unlinks it and its return; the stack remembers what to relink.
//
// Invariants: bits has the bit of op i set iff a frame of op i is on the
// stack; bitsHash is the Zobrist hash of bits; state is the model's state
// after the stack's operations in stack order.
type keySearch struct {
	ops   []Operation
	next  []int32
	prev  []int32
	match []int32
	opOf  []int32 // node -> op index

	cur      int32 // the node to try next
	state    valueID
	values   *values
	facts    []opFacts // per op
	stack    []frame
	bits     []uint64
	bitsHash uint64
	memo     memo
	outcome  searchOutcome
	starved  bool   // the last run stopped because the memo would pass the memory limit
	charged  uint64 // the memo's bytes as memoCharge counts them
}

func newKeySearch(ops []Operation) *keySearch {
	n := len(ops)
	events := make(byTime, 0, 2*n)
	for i, op := range ops {
		events = append(events, event{time: op.Call, isCall: true, op: int32(i)},
			event{time: op.Return, op: int32(i)})
	}
	sort.Sort(events)
	s := &keySearch{
		ops:   ops,
		next:  make([]int32, 2*n+1),
		prev:  make([]int32, 2*n+1),
		match: make([]int32, 2*n+1),
		opOf:  make([]int32, 2*n+1),
		bits:  make([]uint64, (n+63)/64),
		stack: make([]frame, 0, n),
	}
	returnNode := make([]int32, n)
	for i, e := range events {
		node := int32(i + 1)
		s.prev[node] = node - 1
		s.next[node-1] = node
		s.opOf[node] = e.op
		s.match[node] = -1
		if !e.isCall {
			returnNode[e.op] = node
		}
	}
	s.next[2*n] = -1
	s.match[0], s.opOf[0] = -1, -1
	for node := int32(1); node <= int32(2*n); node++ {
		if events[node-1].isCall {
			s.match[node] = returnNode[s.opOf[node]]
		}
	}
	s.cur = s.next[0]
	s.values = newValues()
	s.facts = make([]opFacts, n)
	for i := range ops {
		s.facts[i] = factsOf(&ops[i])
	}
	s.memo.init(len(s.bits))
	if n == 0 {
		s.outcome = searchOK
	}
	return s
}

// run advances the search by at most steps steps, or until its charges
// bring *memory above memoryMax (then s.starved). It returns the steps
// taken; the outcome is s.outcome. A step is one turn of the loop: one
// placement tried or one backtrack. *memory may pass memoryMax by one
// step's charges, a few hundred bytes and the values it appends.
func (s *keySearch) run(steps uint64, memory *uint64, memoryMax uint64) uint64 {
	var taken uint64
	for s.outcome == searchRunning && taken < steps {
		if s.next[0] == -1 {
			s.outcome = searchOK
			break
		}
		if *memory > memoryMax {
			s.starved = true // stays searchRunning
			break
		}
		taken++
		e := s.cur
		if s.match[e] < 0 { // a return: its call is not linearized; backtrack
			if len(s.stack) == 0 {
				s.outcome = searchIllegal
				break
			}
			s.backtrack()
			continue
		}
		op := s.opOf[e]
		ok, state, charge := s.apply(op)
		*memory += charge
		s.charged += charge
		if !ok {
			s.cur = s.next[e]
			continue
		}
		bits, hash := s.withBit(op)
		key := hash ^ mix64(uint64(state))
		if s.memo.contains(key, s.bits, state) {
			s.clearBit(op, bits)
			s.cur = s.next[e]
			continue
		}
		charge = memoCharge(len(s.bits))
		*memory += charge
		s.charged += charge
		s.memo.add(key, s.bits, state)
		s.stack = append(s.stack, frame{node: e, state: s.state})
		s.state = state
		s.bitsHash = hash
		s.lift(e)
		s.cur = s.next[0]
		if s.cur == -1 { // everything is linearized: decided within this step
			s.outcome = searchOK
		}
	}
	return taken
}

// release frees the memo of a decided search and returns the bytes it was
// charged.
func (s *keySearch) release() uint64 {
	s.memo = memo{}
	s.values = nil
	c := s.charged
	s.charged = 0
	return c
}

// withBit sets op's bit and returns the word before and the hash after.
func (s *keySearch) withBit(op int32) (uint64, uint64) {
	w := &s.bits[op/64]
	before := *w
	*w |= 1 << (op % 64)
	return before, s.bitsHash ^ zobrist(op)
}

func (s *keySearch) clearBit(op int32, before uint64) { s.bits[op/64] = before }

func (s *keySearch) backtrack() {
	top := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	op := s.opOf[top.node]
	s.bits[op/64] &^= 1 << (op % 64)
	s.bitsHash ^= zobrist(op)
	s.state = top.state
	s.unlift(top.node)
	s.cur = s.next[top.node]
}

// lift unlinks call node c and its return. A call always has a successor
// (at least its return), so only the return's successor can be the end.
func (s *keySearch) lift(c int32) {
	s.next[s.prev[c]] = s.next[c]
	s.prev[s.next[c]] = s.prev[c]
	r := s.match[c]
	s.next[s.prev[r]] = s.next[r]
	if s.next[r] != -1 {
		s.prev[s.next[r]] = s.prev[r]
	}
}

// unlift relinks what lift(c) unlinked, in the reverse order.
func (s *keySearch) unlift(c int32) {
	r := s.match[c]
	s.next[s.prev[r]] = r
	if s.next[r] != -1 {
		s.prev[s.next[r]] = r
	}
	s.next[s.prev[c]] = c
	s.prev[s.next[c]] = c
}

// linearization returns the operations of the stack, in linearization
// order: a complete linearization once the outcome is searchOK.
func (s *keySearch) linearization() []int32 {
	ops := make([]int32, len(s.stack))
	for i, f := range s.stack {
		ops[i] = s.opOf[f.node]
	}
	return ops
}

// opFacts is what the search needs of an operation, computed once: the
// content hashes of its strings, and the value ids it resolves to, filled
// in as the search meets them (-1 until then).
type opFacts struct {
	valueHash, valuePow uint64  // in.Value
	expectedHash        uint64  // cas: in.Expected
	outputHash          uint64  // get: the value read
	valueID             valueID // put, cas: the id of in.Value
	matchID             valueID // get: the id of the value read; cas: of in.Expected
}

func factsOf(op *Operation) opFacts {
	f := opFacts{valueID: -1, matchID: -1}
	f.valueHash, f.valuePow = polyHash(op.Input.Value)
	f.expectedHash, _ = polyHash(op.Input.Expected)
	f.outputHash, _ = polyHash(op.Output.Value)
	return f
}

// apply is [kvStep] on value ids: whether op can take effect in the current
// state, the state after it, and the bytes new values cost. An operation
// whose outcome is unknown accepts any state (an unknown get never reaches
// here: CheckLinearizable drops it).
func (s *keySearch) apply(op int32) (bool, valueID, uint64) {
	o := &s.ops[op]
	f := &s.facts[op]
	known := o.Outcome == OutcomeOK
	switch o.Input.Kind {
	case OpGet:
		return !known || s.is(f, s.state, o.Output.Value, f.outputHash), s.state, 0
	case OpPut:
		charge := s.resolve(f, o.Input.Value)
		return true, f.valueID, charge
	case OpAppend:
		id, charge := s.values.append(s.state, op, o.Input.Value, f.valueHash, f.valuePow)
		return true, id, charge
	case OpCAS:
		swapped := s.is(f, s.state, o.Input.Expected, f.expectedHash)
		if known && o.Output.Swapped != swapped {
			return false, s.state, 0
		}
		if !swapped {
			return true, s.state, 0
		}
		charge := s.resolve(f, o.Input.Value)
		return true, f.valueID, charge
	}
	panic("checker: search: invalid op kind " + o.Input.Kind.String())
}

// is reports whether value id is want, remembering the answer in f: a
// string has one id, so once an id matched, no other can.
func (s *keySearch) is(f *opFacts, id valueID, want string, hash uint64) bool {
	if f.matchID >= 0 {
		return id == f.matchID
	}
	if s.values.equalString(id, want, hash) {
		f.matchID = id
		return true
	}
	return false
}

// resolve fills f.valueID with the id of value and returns what it cost.
func (s *keySearch) resolve(f *opFacts, value string) uint64 {
	if f.valueID >= 0 {
		return 0
	}
	id, charge := s.values.root(value, f.valueHash)
	f.valueID = id
	return charge
}

// zobrist is op's random word in the hash of a linearized set: the set's
// hash is the XOR of its members' words, updated in O(1) as ops are
// linearized and undone. mix64 (logshadow.go) of the index: fixed, not random.
func zobrist(op int32) uint64 { return mix64(uint64(op) + 0x9e3779b97f4a7c15) }
