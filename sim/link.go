package sim

import (
	"errors"
	"fmt"
)

// LinkConfig is the behaviour of one directed link.
//
// Example: LinkConfig{Latency: UniformDist(time.Millisecond, 5*time.Millisecond),
// Loss: Percent(1), Duplicate: OneIn(1000), BytesPerSecond: 10 << 20}.
type LinkConfig struct {
	// Latency is the delay from the end of transmission to arrival, drawn
	// per copy, so copies and consecutive messages can reorder.
	Latency Dist `json:"latency"`
	// Loss is the probability that a message vanishes in flight. Write
	// Never, not the zero Ratio, for a lossless link.
	Loss Ratio `json:"loss"`
	// Duplicate is the probability that a message arrives twice.
	Duplicate Ratio `json:"duplicate"`
	// BytesPerSecond is the link's capacity; 0 means unlimited. A limited
	// link transmits one message at a time, FIFO.
	BytesPerSecond int64 `json:"bytesPerSecond"`
}

// String is compact, for summaries: "uniform(1ms..5ms) loss 1/100 dup 0/1",
// with " 1048576B/s" appended on a limited link.
func (c LinkConfig) String() string {
	s := fmt.Sprintf("%v loss %v dup %v", c.Latency, c.Loss, c.Duplicate)
	if c.BytesPerSecond != 0 {
		s += fmt.Sprintf(" %dB/s", c.BytesPerSecond)
	}
	return s
}

// ErrLink is wrapped by every link configuration error.
var ErrLink = errors.New("invalid link config")

// ReliableLink is a link with the given latency, no loss, no duplication and
// unlimited capacity: the usual default of a network.
func ReliableLink(latency Dist) LinkConfig {
	return LinkConfig{Latency: latency, Loss: Never, Duplicate: Never}
}

// Validate reports the first field that makes c unusable, naming it.
func (c LinkConfig) Validate() error {
	bad := func(field, why string) error {
		return fmt.Errorf("sim: link config: %s: %s: %w", field, why, ErrLink)
	}
	if why := c.Latency.problem(); why != "" {
		return bad("Latency "+c.Latency.String(), why)
	}
	if why := c.Loss.problem(); why != "" {
		return bad("Loss "+c.Loss.String(), why)
	}
	if why := c.Duplicate.problem(); why != "" {
		return bad("Duplicate "+c.Duplicate.String(), why)
	}
	if c.BytesPerSecond < 0 {
		return bad(fmt.Sprintf("BytesPerSecond %d", c.BytesPerSecond), "negative (0 means unlimited)")
	}
	return nil
}

// DropReason says why a message was not delivered.
type DropReason uint8

const (
	// NotDropped: at least one copy is on its way.
	NotDropped DropReason = iota
	// Partitioned: the link is cut (Block, Partition, Isolate).
	Partitioned
	// Lost: the link's Loss probability struck.
	Lost
)

// String names the reason.
func (r DropReason) String() string {
	switch r {
	case NotDropped:
		return "not dropped"
	case Partitioned:
		return "partitioned"
	case Lost:
		return "lost"
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Fate is what the network decided for one message: how many copies arrive
// and when. At[i] is valid for i < Copies; the copies are not sorted, since
// each has its own latency draw.
type Fate struct {
	Copies int // 0, 1 or 2
	At     [2]Time
	Reason DropReason // NotDropped exactly when Copies > 0
}

// String is compact for traces: "lost", "partitioned", "1 copy @0.001000s",
// "2 copies @0.001000s @0.003000s".
func (f Fate) String() string {
	switch f.Copies {
	case 0:
		return f.Reason.String()
	case 1:
		return "1 copy @" + f.At[0].String()
	}
	return fmt.Sprintf("%d copies @%v @%v", f.Copies, f.At[0], f.At[1])
}

// NetStats counts what the network decided. Every routed message is counted
// once in Sent and ends in exactly one of Partitioned, Lost or delivered, so
//
//	Sent == Partitioned + Lost + (Copies - Duplicated)
type NetStats struct {
	Sent        uint64 // Route calls
	Copies      uint64 // copies scheduled for delivery
	Lost        uint64 // messages dropped by Loss
	Partitioned uint64 // messages dropped by a cut
	Duplicated  uint64 // messages delivered twice
	Bytes       uint64 // bytes offered to Route, whatever their fate
}

// add counts one routed message of size bytes with fate f.
func (s *NetStats) add(f Fate, size int) {
	s.Sent++
	s.Bytes += uint64(size)
	s.Copies += uint64(f.Copies)
	switch {
	case f.Reason == Lost:
		s.Lost++
	case f.Reason == Partitioned:
		s.Partitioned++
	case f.Copies == 2:
		s.Duplicated++
	}
}
