package etcdloop

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// maxReadyRounds bounds the Ready/Advance rounds after one input. Two
// suffice in practice (a leader's own acknowledgement, applied on Advance,
// can commit and produce a second Ready); more means a loop.
const maxReadyRounds = 8

// node hosts one etcd-raft RawNode: its storage, its state machine and the
// client requests it proposed and has not answered yet.
type node struct {
	l     *Loop
	idx   int    // index in l.nodes
	id    uint64 // etcd-raft ID: idx+1
	rn    *raft.RawNode
	store *raft.MemoryStorage

	kv       map[string]string
	applied  uint64 // last applied index
	commands int    // client commands applied

	// lead and isLeader follow Ready.SoftState.
	lead     uint64
	isLeader bool
	// pending is, per client, the command this node proposed for it and
	// has not answered yet (seq 0: none).
	pending []pendingReq
}

type pendingReq struct {
	seq     uint64
	attempt uint32
}

// newNode bootstraps a node as etcd-raft recommends: a storage whose
// snapshot (index 1, term 1) holds the whole membership.
func newNode(l *Loop, idx int) (*node, error) {
	n := &node{l: l, idx: idx, id: uint64(idx + 1), store: raft.NewMemoryStorage(),
		kv: map[string]string{}, pending: make([]pendingReq, l.cfg.Clients)}
	voters := make([]uint64, l.cfg.Nodes)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	snap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{
		ConfState: &pb.ConfState{Voters: voters}, Index: new(uint64(1)), Term: new(uint64(1)),
	}}
	if err := n.store.ApplySnapshot(snap); err != nil {
		return nil, fmt.Errorf("etcdloop: node %d: bootstrap snapshot: %w", n.id, err)
	}
	if err := n.store.SetHardState(&pb.HardState{Term: new(uint64(1)), Commit: new(uint64(1))}); err != nil {
		return nil, fmt.Errorf("etcdloop: node %d: bootstrap hard state: %w", n.id, err)
	}
	n.applied = 1
	rn, err := raft.NewRawNode(&raft.Config{
		ID:              n.id,
		ElectionTick:    l.cfg.ElectionTick,
		HeartbeatTick:   l.cfg.HeartbeatTick,
		Storage:         n.store,
		Applied:         1,
		MaxSizePerMsg:   l.cfg.MaxSizePerMsg,
		MaxInflightMsgs: l.cfg.MaxInflightMsgs,
		CheckQuorum:     true, // as raftsim's default config
		PreVote:         true,
		// Clients are redirected, as raftsim's are, instead of having
		// followers forward proposals.
		DisableProposalForwarding: true,
		Logger:                    quietLogger{},
	})
	if err != nil {
		return nil, fmt.Errorf("etcdloop: node %d: %w", n.id, err)
	}
	n.rn = rn
	return n, nil
}

func (n *node) deliver(m *pb.Message) {
	if err := n.rn.Step(m); err != nil {
		panic(fmt.Sprintf("etcdloop: node %d: step %v from %d: %v", n.id, m.GetType(), m.GetFrom(), err))
	}
	n.handleReady()
}

func (n *node) tick() {
	n.l.stats.Ticks++
	n.rn.Tick()
	n.handleReady()
	n.l.kernel.After(n.l.cfg.TickInterval, event{kind: evTick, target: int32(n.idx)})
}

func (n *node) campaign() {
	if err := n.rn.Campaign(); err != nil {
		panic(fmt.Sprintf("etcdloop: node %d: campaign: %v", n.id, err))
	}
	n.handleReady()
}

// request proposes a client's command, or redirects the client.
func (n *node) request(e event) {
	if !n.isLeader {
		n.reply(e.client, e.token, statusNotLeader, n.lead)
		return
	}
	n.pending[e.client] = pendingReq{seq: commandSeq(e.data), attempt: e.token}
	if err := n.rn.Propose(e.data); err != nil {
		n.pending[e.client] = pendingReq{}
		n.reply(e.client, e.token, statusRetry, 0)
		return
	}
	n.handleReady()
}

// reply answers a client after the latency.
func (n *node) reply(client int32, attempt uint32, st status, leader uint64) {
	n.l.kernel.After(n.l.cfg.Latency, event{kind: evReply, target: client, token: attempt, status: st, leader: uint8(leader)})
}

// handleReady does what etcd-raft asks, synchronously, in the documented
// order: persist the hard state and entries, send, apply, Advance.
func (n *node) handleReady() {
	for round := 0; n.rn.HasReady(); round++ {
		if round == maxReadyRounds {
			panic(fmt.Sprintf("etcdloop: node %d: still ready after %d rounds: Ready and Advance are looping", n.id, round))
		}
		rd := n.rn.Ready()
		if rd.SoftState != nil {
			n.lead = rd.SoftState.Lead
			n.isLeader = rd.SoftState.RaftState == raft.StateLeader
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			if err := n.store.SetHardState(rd.HardState); err != nil {
				panic(fmt.Sprintf("etcdloop: node %d: set hard state: %v", n.id, err))
			}
		}
		if !raft.IsEmptySnap(rd.Snapshot) {
			panic(fmt.Sprintf("etcdloop: node %d: snapshot at %d: this workload never compacts, so never sends one", n.id, rd.Snapshot.GetMetadata().GetIndex()))
		}
		if err := n.store.Append(rd.Entries); err != nil {
			panic(fmt.Sprintf("etcdloop: node %d: append: %v", n.id, err))
		}
		for _, m := range rd.Messages {
			n.l.send(n, m)
		}
		n.apply(rd.CommittedEntries)
		n.rn.Advance(rd)
	}
}

// apply applies committed entries to the map, in order, and answers the
// clients whose commands this node proposed.
func (n *node) apply(ents []*pb.Entry) {
	for _, e := range ents {
		index := e.GetIndex()
		if index != n.applied+1 {
			panic(fmt.Sprintf("etcdloop: node %d: applying %d after %d: committed entries must come in order, without gaps", n.id, index, n.applied))
		}
		n.applied = index
		switch {
		case e.GetType() != pb.EntryNormal:
			panic(fmt.Sprintf("etcdloop: node %d: entry %d has type %v: this workload changes no membership", n.id, index, e.GetType()))
		case len(e.Data) == 0:
			continue // a new leader's empty entry
		}
		c := decodeCommand(e.Data)
		n.kv[c.key] = c.value
		n.commands++
		if p := n.pending[c.client]; p.seq == c.seq {
			n.pending[c.client] = pendingReq{}
			n.reply(int32(c.client), p.attempt, statusOK, 0)
		}
	}
}

// digest hashes the map in key order.
func (n *node) digest() uint64 {
	h := fnv.New64a()
	for _, k := range slices.Sorted(maps.Keys(n.kv)) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(n.kv[k]))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// command is a client's put, as the log carries it: uvarint client,
// uvarint seq, uvarint key length, key, value.
type command struct {
	client     int
	seq        uint64
	key, value string
}

func (c command) encode() []byte {
	b := make([]byte, 0, 3*binary.MaxVarintLen64+len(c.key)+len(c.value))
	b = binary.AppendUvarint(b, uint64(c.client))
	b = binary.AppendUvarint(b, c.seq)
	b = binary.AppendUvarint(b, uint64(len(c.key)))
	b = append(b, c.key...)
	return append(b, c.value...)
}

func decodeCommand(b []byte) command {
	client, n1 := binary.Uvarint(b)
	seq, n2 := binary.Uvarint(b[n1:])
	klen, n3 := binary.Uvarint(b[n1+n2:])
	if n1 <= 0 || n2 <= 0 || n3 <= 0 || uint64(len(b)-n1-n2-n3) < klen {
		panic(fmt.Sprintf("etcdloop: malformed command %x: only this package writes commands", b))
	}
	rest := b[n1+n2+n3:]
	return command{client: int(client), seq: seq, key: string(rest[:klen]), value: string(rest[klen:])}
}

// commandSeq reads only the sequence number of an encoded command.
func commandSeq(b []byte) uint64 {
	_, n1 := binary.Uvarint(b)
	seq, _ := binary.Uvarint(b[n1:])
	return seq
}

// quietLogger drops etcd-raft's log lines (the default logger writes
// elections to stderr) and keeps its panics.
type quietLogger struct{}

func (quietLogger) Debug(...any)                   {}
func (quietLogger) Debugf(string, ...any)          {}
func (quietLogger) Error(...any)                   {}
func (quietLogger) Errorf(string, ...any)          {}
func (quietLogger) Info(...any)                    {}
func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Warning(...any)                 {}
func (quietLogger) Warningf(string, ...any)        {}
func (quietLogger) Fatal(v ...any)                 { panic(fmt.Sprint(v...)) }
func (quietLogger) Fatalf(format string, v ...any) { panic(fmt.Sprintf(format, v...)) }
func (quietLogger) Panic(v ...any)                 { panic(fmt.Sprint(v...)) }
func (quietLogger) Panicf(format string, v ...any) { panic(fmt.Sprintf(format, v...)) }
