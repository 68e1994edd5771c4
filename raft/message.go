package raft

import (
	"strconv"
	"strings"
)

// MessageType says what a Message is.
type MessageType uint8

const (
	MsgPreVote MessageType = iota + 1
	MsgPreVoteResp
	MsgVote
	MsgVoteResp
	MsgApp
	MsgAppResp
	MsgHeartbeat
	MsgHeartbeatResp
	MsgSnap
	MsgSnapResp
	MsgTimeoutNow
)

var messageTypeNames = [...]string{
	MsgPreVote: "PreVote", MsgPreVoteResp: "PreVoteResp", MsgVote: "Vote", MsgVoteResp: "VoteResp",
	MsgApp: "App", MsgAppResp: "AppResp", MsgHeartbeat: "Heartbeat", MsgHeartbeatResp: "HeartbeatResp",
	MsgSnap: "Snap", MsgSnapResp: "SnapResp", MsgTimeoutNow: "TimeoutNow",
}

func (t MessageType) String() string {
	if int(t) < len(messageTypeNames) && messageTypeNames[t] != "" {
		return messageTypeNames[t]
	}
	return "Msg(" + strconv.Itoa(int(t)) + ")"
}

// IsResponse reports whether the message answers another.
func (t MessageType) IsResponse() bool {
	switch t {
	case MsgPreVoteResp, MsgVoteResp, MsgAppResp, MsgHeartbeatResp, MsgSnapResp:
		return true
	}
	return false
}

// Message is every message nodes exchange, in one struct so that traces,
// byte counts and the network treat them alike. Which fields mean what
// depends on Type:
//
//	PreVote, Vote        Index/LogTerm: the candidate's last log entry;
//	                     Transfer: the election is a leadership transfer.
//	                     A PreVote's Term is the term the candidate would use.
//	PreVoteResp, VoteResp Reject: vote refused.
//	App                  Index/LogTerm: the entry before Entries; Commit.
//	AppResp              Index: on success the last index now matching the
//	                     leader; on reject the Index of the rejected App.
//	                     ConflictTerm/ConflictIndex: the backtracking hint.
//	Heartbeat            Commit (never beyond what the follower matches);
//	                     Context: the leader's heartbeat round, echoed back.
//	Snap                 Snapshot: one chunk of the leader's snapshot.
//	SnapResp             Index: the snapshot's index once installed, or the
//	                     offset expected next in Snapshot.Offset.
//	TimeoutNow           start an election at once (leadership transfer).
type Message[D any] struct {
	Type     MessageType
	From, To NodeID
	Term     Term

	LogTerm Term
	Index   Index
	Commit  Index
	Entries []Entry[D]

	Reject        bool
	ConflictTerm  Term
	ConflictIndex Index

	Context  uint64
	Transfer bool

	Snapshot *SnapshotChunk
}

// SnapshotChunk is one piece of a snapshot streamed from leader to
// follower. Chunks are sent one at a time, in order.
type SnapshotChunk struct {
	ID         string
	Index      Index
	Term       Term
	Membership Membership
	Offset     uint64
	Data       []byte
	Done       bool
}

// Size estimates the bytes the message would take on the wire: a fixed
// header plus entries and snapshot data. dataSize gives the size of one
// command; nil counts commands as zero bytes.
func (m *Message[D]) Size(dataSize func(D) int) int {
	const header, perEntry = 64, 24
	n := header + perEntry*len(m.Entries)
	if dataSize != nil {
		for i := range m.Entries {
			if m.Entries[i].Kind == EntryNormal {
				n += dataSize(m.Entries[i].Data)
			}
		}
	}
	if m.Snapshot != nil {
		n += len(m.Snapshot.Data) + len(m.Snapshot.ID)
	}
	return n
}

// String renders the message compactly, for traces and golden files:
//
//	n1->n2 App t3 prev 3/10 commit 9 [3/11 put x=1]
func (m *Message[D]) String() string {
	var b strings.Builder
	b.WriteString(m.From.String())
	b.WriteString("->")
	b.WriteString(m.To.String())
	b.WriteByte(' ')
	b.WriteString(m.Type.String())
	b.WriteString(" t")
	b.WriteString(strconv.FormatUint(uint64(m.Term), 10))
	switch m.Type {
	case MsgPreVote, MsgVote:
		b.WriteString(" last " + EntryID{m.LogTerm, m.Index}.String())
		if m.Transfer {
			b.WriteString(" transfer")
		}
	case MsgPreVoteResp, MsgVoteResp:
		b.WriteString(grantWord(!m.Reject))
	case MsgApp:
		b.WriteString(" prev " + EntryID{m.LogTerm, m.Index}.String())
		b.WriteString(" commit " + strconv.FormatUint(uint64(m.Commit), 10))
		writeEntries(&b, m.Entries)
	case MsgAppResp:
		if m.Reject {
			b.WriteString(" reject " + strconv.FormatUint(uint64(m.Index), 10))
			b.WriteString(" hint " + EntryID{m.ConflictTerm, m.ConflictIndex}.String())
		} else {
			b.WriteString(" ok " + strconv.FormatUint(uint64(m.Index), 10))
		}
	case MsgHeartbeat:
		b.WriteString(" commit " + strconv.FormatUint(uint64(m.Commit), 10))
		b.WriteString(" ctx " + strconv.FormatUint(m.Context, 10))
	case MsgHeartbeatResp:
		b.WriteString(" ctx " + strconv.FormatUint(m.Context, 10))
	case MsgSnap:
		if c := m.Snapshot; c != nil {
			b.WriteString(" " + c.ID + " at " + EntryID{c.Term, c.Index}.String())
			b.WriteString(" off " + strconv.FormatUint(c.Offset, 10) + " len " + strconv.Itoa(len(c.Data)))
			if c.Done {
				b.WriteString(" done")
			}
		}
	case MsgSnapResp:
		if m.Reject {
			b.WriteString(" reject")
		}
		b.WriteString(" index " + strconv.FormatUint(uint64(m.Index), 10))
		if m.Snapshot != nil {
			b.WriteString(" next " + strconv.FormatUint(m.Snapshot.Offset, 10))
		}
	}
	return b.String()
}

func grantWord(granted bool) string {
	if granted {
		return " granted"
	}
	return " rejected"
}

func writeEntries[D any](b *strings.Builder, es []Entry[D]) {
	if len(es) == 0 {
		return
	}
	b.WriteString(" [")
	const show = 4
	for i := range es {
		if i == show {
			b.WriteString(" ... " + es[len(es)-1].ID().String())
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(es[i].String())
	}
	b.WriteByte(']')
}
