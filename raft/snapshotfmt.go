package raft

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/raftsim/raftsim/internal/wire"
)

// SnapshotMeta is what a snapshot covers: the last entry it includes and the
// membership in force there. It heads the snapshot's bytes, so a snapshot
// streamed to another node carries it.
type SnapshotMeta struct {
	Index      Index
	Term       Term
	Membership Membership
}

func (m SnapshotMeta) String() string {
	return fmt.Sprintf("%d/%d %v", m.Term, m.Index, m.Membership)
}

// snapshotMagic opens every snapshot; its last byte is the format version.
const snapshotMagic = "RSS\x01"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// EncodeSnapshot returns the bytes of a snapshot: meta, then the state
// machine's serialized state. The format, all integers unsigned varints
// (encoding/binary) unless said otherwise:
//
//	magic       4 bytes "RSS\x01" (the last byte is the version)
//	index       the last index the snapshot covers (>= 1)
//	term        that entry's term (>= 1)
//	members     count, then each node ID, ascending
//	joint       1 byte: 0, or 1 followed by count and IDs of
//	            MembersAfterConsensus
//	state       length, then the bytes of StateMachine.Snapshot
//	checksum    4 bytes, big-endian CRC-32C (Castagnoli) of all of the above
func EncodeSnapshot(meta SnapshotMeta, state []byte) []byte {
	b := make([]byte, 0, len(snapshotMagic)+8*(4+len(meta.Membership.Members)+len(meta.Membership.MembersAfterConsensus))+len(state)+4)
	b = append(b, snapshotMagic...)
	b = binary.AppendUvarint(b, uint64(meta.Index))
	b = binary.AppendUvarint(b, uint64(meta.Term))
	b = appendIDs(b, meta.Membership.Members)
	if meta.Membership.IsJoint() {
		b = append(b, 1)
		b = appendIDs(b, meta.Membership.MembersAfterConsensus)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(state)))
	b = append(b, state...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func appendIDs(b []byte, ids []NodeID) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// DecodeSnapshot parses bytes written by EncodeSnapshot and returns the
// metadata and the state machine's bytes (a subslice of b). Anything
// malformed (bad magic or version, truncation, trailing bytes, checksum
// mismatch, index or term 0, an invalid membership) is an error wrapping
// ErrCorrupt.
func DecodeSnapshot(b []byte) (SnapshotMeta, []byte, error) {
	var meta SnapshotMeta
	if len(b) < len(snapshotMagic)+4 {
		return meta, nil, corrupt("%d bytes is too short", len(b))
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, crcTable); got != sum {
		return meta, nil, corrupt("checksum %08x, want %08x", got, sum)
	}
	if string(body[:len(snapshotMagic)]) != snapshotMagic {
		return meta, nil, corrupt("bad magic or version %q", body[:len(snapshotMagic)])
	}
	d := wire.NewReader(body[len(snapshotMagic):])
	meta.Index = Index(d.Uvarint())
	meta.Term = Term(d.Uvarint())
	meta.Membership.Members = readIDs(&d)
	switch d.Byte() {
	case 0:
	case 1:
		meta.Membership.MembersAfterConsensus = readIDs(&d)
	default:
		d.Fail("bad joint flag")
	}
	n := d.Uvarint()
	if d.Err() == nil && n != uint64(d.Len()) {
		d.Fail("state length %d, %d bytes left", n, d.Len())
	}
	if err := d.Err(); err != nil {
		return SnapshotMeta{}, nil, corrupt("%v", err)
	}
	if meta.Index == 0 || meta.Term == 0 {
		return SnapshotMeta{}, nil, corrupt("covers %d/%d, before the log", meta.Term, meta.Index)
	}
	if err := meta.Membership.Validate(); err != nil {
		return SnapshotMeta{}, nil, corrupt("%v", err)
	}
	return meta, d.Rest(), nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("raft: decode snapshot: %s: %w", fmt.Sprintf(format, args...), ErrCorrupt)
}

// readIDs reads a counted list of node IDs. The count is bounded by the
// bytes left (each ID takes at least one), so a corrupt count cannot
// allocate much.
func readIDs(d *wire.Reader) []NodeID {
	n := d.Uvarint()
	if n > uint64(d.Len()) {
		d.Fail("%d node ids in %d bytes", n, d.Len())
	}
	if d.Err() != nil {
		return nil
	}
	ids := make([]NodeID, n)
	for k := range ids {
		ids[k] = NodeID(d.Uvarint())
	}
	return ids
}
