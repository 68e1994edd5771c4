package simdisk

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// A log segment is a run of sectors. Each sector carries a header that
// names its own place, so that every sector can be judged alone:
//
//	0   4  CRC-32C (Castagnoli) of bytes 4 .. sector end, big-endian
//	4   4  magic "RWL1" (the last byte is the format version)
//	8   8  segment number, big-endian
//	16  8  sector number within the segment, big-endian
//	24  4  payload bytes used, big-endian (at most sector size - 32)
//	28  4  zero
//	32     payload; bytes past the used ones are zero
//
// The payloads of a segment's sectors, in order, form its record stream.
// A sector is full when all its payload is used; only the last sector of
// a segment is ever rewritten (to append to it), and only while it is not
// full. Judging a sector read back:
//
//   - all zeros: never written (or lost in a crash): the stream ends;
//   - valid, not full: the stream ends inside it;
//   - valid, full: the stream goes on;
//   - anything else (checksum, magic, place or length wrong): corruption.
//     Sectors are atomic, so a torn write never produces one; a flipped
//     bit or a misdirected write does.
const sectorHeader = 32

var sectorMagic = [4]byte{'R', 'W', 'L', '1'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameSector writes into dst (one whole sector) the header for sector k
// of segment seg and the payload p.
func frameSector(dst []byte, seg uint64, k int64, p []byte) {
	copy(dst[4:8], sectorMagic[:])
	binary.BigEndian.PutUint64(dst[8:16], seg)
	binary.BigEndian.PutUint64(dst[16:24], uint64(k))
	binary.BigEndian.PutUint32(dst[24:28], uint32(len(p)))
	clear(dst[28:sectorHeader])
	n := copy(dst[sectorHeader:], p)
	clear(dst[sectorHeader+n:])
	binary.BigEndian.PutUint32(dst[0:4], crc32.Checksum(dst[4:], castagnoli))
}

// sectorState is the judgement of one sector read back.
type sectorState uint8

const (
	sectorZero sectorState = iota
	sectorValid
	sectorBad
)

// checkSector judges b, read as sector k of segment seg. For a valid
// sector it returns the used payload; for a bad one, why.
func checkSector(b []byte, seg uint64, k int64) (sectorState, []byte, string) {
	if isZero(b) {
		return sectorZero, nil, ""
	}
	if got, want := crc32.Checksum(b[4:], castagnoli), binary.BigEndian.Uint32(b[0:4]); got != want {
		return sectorBad, nil, fmt.Sprintf("checksum mismatch (%08x, want %08x)", got, want)
	}
	if [4]byte(b[4:8]) != sectorMagic {
		return sectorBad, nil, fmt.Sprintf("bad magic %q", b[4:8])
	}
	if s, n := binary.BigEndian.Uint64(b[8:16]), int64(binary.BigEndian.Uint64(b[16:24])); s != seg || n != k {
		return sectorBad, nil, fmt.Sprintf("holds sector %d of segment %d (misplaced)", n, s)
	}
	used := int(binary.BigEndian.Uint32(b[24:28]))
	if used > len(b)-sectorHeader {
		return sectorBad, nil, fmt.Sprintf("uses %d payload bytes of %d", used, len(b)-sectorHeader)
	}
	return sectorValid, b[sectorHeader : sectorHeader+used], ""
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
