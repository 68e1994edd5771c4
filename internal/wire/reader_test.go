package wire

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestReadsWhatWasWritten(t *testing.T) {
	b := binary.AppendUvarint(nil, 300)
	b = append(b, 7)
	b = binary.BigEndian.AppendUint64(b, 1<<60)
	b = AppendText(b, "héllo")
	b = AppendText(b, "")
	b = append(b, 'x', 'y')
	r := NewReader(b)
	assert.Equal(t, uint64(300), r.Uvarint())
	assert.Equal(t, byte(7), r.Byte())
	assert.Equal(t, uint64(1<<60), r.Uint64())
	assert.Equal(t, "héllo", r.Text())
	assert.Equal(t, "", r.Text())
	assert.Equal(t, 2, r.Len())
	assert.Equal(t, []byte("xy"), r.Rest())
	assert.NoError(t, r.Done())
}

func TestFailures(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
		read func(r *Reader)
		want string
	}{
		{"truncated varint", []byte{0x80}, func(r *Reader) { r.Uvarint() }, "truncated or overlong varint"},
		{"overlong varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, func(r *Reader) { r.Uvarint() }, "truncated or overlong varint"},
		{"no byte", nil, func(r *Reader) { r.Byte() }, "truncated"},
		{"short uint64", []byte{1, 2, 3}, func(r *Reader) { r.Uint64() }, "truncated"},
		{"count beyond the input", []byte{9, 1}, func(r *Reader) { r.Count() }, "9 items in 1 bytes"},
		{"text beyond the input", []byte{3, 'a'}, func(r *Reader) { r.Text() }, "3 items in 1 bytes"},
		{"bytes beyond the input", []byte{1}, func(r *Reader) { r.Bytes(2) }, "2 bytes wanted, 1 left"},
		{"trailing bytes", []byte{1, 2}, func(r *Reader) { r.Byte(); r.Done() }, "1 trailing bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(c.in)
			c.read(&r)
			require.Error(t, r.Err())
			assert.Equal(t, c.want, r.Err().Error())
		})
	}
}

// The first failure sticks: later reads return zero values and do not
// replace it.
func TestFirstFailureSticks(t *testing.T) {
	r := NewReader([]byte{0x80, 0x80})
	r.Uvarint()
	assert.Equal(t, byte(0), r.Byte())
	assert.Equal(t, "", r.Text())
	r.Fail("later")
	assert.Equal(t, "truncated or overlong varint", r.Err().Error())
	assert.Equal(t, 0, r.Len())
}

func TestPeekCountConsumesNothing(t *testing.T) {
	r := NewReader([]byte{2, 'a', 'b'})
	assert.Equal(t, uint64(2), r.PeekCount())
	assert.Equal(t, "ab", r.Text())
	assert.Equal(t, uint64(0), r.PeekCount(), "nothing left")
	assert.NoError(t, r.Err(), "a peek past the end records no failure")
}

// Any input: no panic, and no count larger than the bytes left.
func TestArbitraryInput(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := NewReader(rapid.SliceOf(rapid.Byte()).Draw(t, "input"))
		for i := 0; i < 8; i++ {
			switch rapid.IntRange(0, 4).Draw(t, "op") {
			case 0:
				r.Uvarint()
			case 1:
				r.Byte()
			case 2:
				left := r.Len()
				if n := r.Count(); n > uint64(left) {
					t.Fatalf("count %d with %d bytes left", n, left)
				}
			case 3:
				r.Text()
			case 4:
				r.Uint64()
			}
		}
		_ = r.Done()
	})
}
