package simdisk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/raftsim/raftsim/internal/wire"
	"github.com/raftsim/raftsim/raft"
)

// A record in a segment's stream (see sector.go):
//
//	0  4  CRC-32C of bytes 4 .. end of body, big-endian
//	4  4  body length, big-endian
//	8  1  type
//	9     body, integers as unsigned varints:
//
//	entry     term, index, kind (1 byte), then by kind: normal: the
//	          codec's bytes to the end; config: membership; blank: nothing
//	truncate  from: the log drops every entry from this index on
//	pointer   index, term, last, snapshot file number, ID length and
//	          bytes, membership: the log becomes a snapshot pointer at
//	          index followed by the entries (index, last] it held
//	applied   the last applied index, a lower bound after a crash
//
//	membership  count and IDs, then 1 byte: 0, or 1 and count and IDs of
//	            the members after consensus
//
// An entry record lands as ReplicateToLog says an entry does: it replaces
// whatever the log held at its index and drops everything after it. So
// every record is self-contained about what it changes, and replaying the
// stream from any segment on rebuilds the log (see recovery.go).
const recordHeader = 9

// maxRecordBody bounds a record's length, so a corrupt length is caught
// before it allocates.
const maxRecordBody = 1 << 28

const (
	recEntry    byte = 1
	recTruncate byte = 2
	recPointer  byte = 3
	recApplied  byte = 4
)

// beginRecord appends a record header to be completed by endRecord, and
// returns where the record starts.
func beginRecord(b []byte, typ byte) ([]byte, int) {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, typ)
	return b, start
}

// endRecord fills in the length and checksum of the record at start.
func endRecord(b []byte, start int) []byte {
	binary.BigEndian.PutUint32(b[start+4:], uint32(len(b)-start-recordHeader))
	binary.BigEndian.PutUint32(b[start:], crc32.Checksum(b[start+4:], castagnoli))
	return b
}

// recordStatus is what parseRecord found.
type recordStatus uint8

const (
	recordOK      recordStatus = iota
	recordPartial              // the stream ends inside it: a torn tail
	recordBad                  // complete but failing its checks: corruption
)

// parseRecord reads the record at off in stream.
func parseRecord(stream []byte, off int) (typ byte, body []byte, n int, st recordStatus) {
	rest := stream[off:]
	if len(rest) < recordHeader {
		return 0, nil, 0, recordPartial
	}
	size := binary.BigEndian.Uint32(rest[4:8])
	if size > maxRecordBody {
		return 0, nil, 0, recordBad
	}
	n = recordHeader + int(size)
	if len(rest) < n {
		return 0, nil, 0, recordPartial
	}
	if crc32.Checksum(rest[4:n], castagnoli) != binary.BigEndian.Uint32(rest[0:4]) {
		return 0, nil, 0, recordBad
	}
	return rest[8], rest[recordHeader:n], n, recordOK
}

// checkedRecordAt returns the record at off of a stream parseRecord has
// already checked through it: it reads the header again, not the checksum.
func checkedRecordAt(stream []byte, off int) (typ byte, body []byte, n int) {
	n = recordHeader + int(binary.BigEndian.Uint32(stream[off+4:off+8]))
	return stream[off+8], stream[off+recordHeader : off+n], n
}

// appendEntryRecord appends the record of e, encoding its data with codec.
func appendEntryRecord[D any](b []byte, e *raft.Entry[D], codec raft.Codec[D]) []byte {
	b, start := beginRecord(b, recEntry)
	b = binary.AppendUvarint(b, uint64(e.Term))
	b = binary.AppendUvarint(b, uint64(e.Index))
	b = append(b, byte(e.Kind))
	switch e.Kind {
	case raft.EntryNormal:
		b = codec.AppendEncode(b, e.Data)
	case raft.EntryConfigChange:
		b = appendMembership(b, *e.Membership)
	}
	return endRecord(b, start)
}

func appendTruncateRecord(b []byte, from raft.Index) []byte {
	b, start := beginRecord(b, recTruncate)
	b = binary.AppendUvarint(b, uint64(from))
	return endRecord(b, start)
}

func appendAppliedRecord(b []byte, applied raft.Index) []byte {
	b, start := beginRecord(b, recApplied)
	b = binary.AppendUvarint(b, uint64(applied))
	return endRecord(b, start)
}

// pointerRec is a pointer record's content.
type pointerRec struct {
	index      raft.Index
	term       raft.Term
	last       raft.Index
	file       uint64 // the snapshot file's number
	id         string
	membership raft.Membership
}

func appendPointerRecord(b []byte, p *pointerRec) []byte {
	b, start := beginRecord(b, recPointer)
	for _, v := range []uint64{uint64(p.index), uint64(p.term), uint64(p.last), p.file, uint64(len(p.id))} {
		b = binary.AppendUvarint(b, v)
	}
	b = append(b, p.id...)
	b = appendMembership(b, p.membership)
	return endRecord(b, start)
}

func appendMembership(b []byte, m raft.Membership) []byte {
	b = appendIDList(b, m.Members)
	if !m.IsJoint() {
		return append(b, 0)
	}
	b = append(b, 1)
	return appendIDList(b, m.MembersAfterConsensus)
}

func appendIDList(b []byte, ids []raft.NodeID) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// entryHead is an entry record's content but for a normal entry's data.
type entryHead struct {
	term       raft.Term
	index      raft.Index
	kind       raft.EntryKind
	membership *raft.Membership
	data       []byte // a normal entry's encoded command
}

// errMalformed is the reason a checksummed record still does not parse.
var errMalformed = errors.New("malformed")

// decodeEntryHead parses an entry record's body.
func decodeEntryHead(body []byte) (entryHead, error) {
	// Most records are normal entries, decoded at every restart: their
	// head is read here directly; anything else takes the general path,
	// which gives the same result and says what is wrong.
	if term, n := binary.Uvarint(body); n > 0 {
		if index, m := binary.Uvarint(body[n:]); m > 0 && n+m < len(body) && raft.EntryKind(body[n+m]) == raft.EntryNormal {
			return entryHead{term: raft.Term(term), index: raft.Index(index), kind: raft.EntryNormal, data: body[n+m+1:]}, nil
		}
	}
	return decodeEntryHeadAny(body)
}

// decodeEntryHeadAny parses an entry record's body of any kind.
func decodeEntryHeadAny(body []byte) (entryHead, error) {
	r := reader{wire.NewReader(body)}
	h := entryHead{term: raft.Term(r.Uvarint()), index: raft.Index(r.Uvarint()), kind: raft.EntryKind(r.Byte())}
	switch h.kind {
	case raft.EntryNormal:
		h.data = r.Rest()
	case raft.EntryConfigChange:
		m := r.membership()
		h.membership = &m
	case raft.EntryBlank:
	default:
		r.Fail("entry kind %d", h.kind)
	}
	return h, r.done()
}

func decodePointer(body []byte) (pointerRec, error) {
	r := reader{wire.NewReader(body)}
	p := pointerRec{index: raft.Index(r.Uvarint()), term: raft.Term(r.Uvarint()), last: raft.Index(r.Uvarint()), file: r.Uvarint()}
	p.id = string(r.Bytes(r.Uvarint()))
	p.membership = r.membership()
	return p, r.done()
}

func decodeIndex(body []byte) (raft.Index, error) {
	r := reader{wire.NewReader(body)}
	i := raft.Index(r.Uvarint())
	return i, r.done()
}

// reader parses a record body with the project's one binary reader; the
// first failure sticks. ids, membership and done are this format's own.
type reader struct{ wire.Reader }

func (r *reader) ids() []raft.NodeID {
	n := r.Uvarint()
	if n > uint64(r.Len()) {
		r.Fail("id count beyond the record")
		return nil
	}
	ids := make([]raft.NodeID, n)
	for k := range ids {
		ids[k] = raft.NodeID(r.Uvarint())
	}
	return ids
}

func (r *reader) membership() raft.Membership {
	m := raft.Membership{Members: r.ids()}
	switch r.Byte() {
	case 0:
	case 1:
		m.MembersAfterConsensus = r.ids()
	default:
		r.Fail("bad joint flag")
	}
	if r.Err() == nil {
		if err := m.Validate(); err != nil {
			r.Fail("%v", err)
		}
	}
	return m
}

// done reports a failure, or bytes left over.
func (r *reader) done() error {
	if r.Err() == nil && r.Len() != 0 {
		r.Fail("%d bytes left over", r.Len())
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	return nil
}
