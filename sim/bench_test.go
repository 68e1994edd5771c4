package sim

import (
	"testing"
	"time"
)

// benchEvent is a representative payload: a few words, as a harness event is.
type benchEvent struct {
	kind, node uint32
	arg        uint64
	ptr        *int
}

// BenchmarkQueuePushPop measures one Pop and one Push in a queue holding
// about 1e5 events, the steady state of a busy world.
func BenchmarkQueuePushPop(b *testing.B) {
	var q Queue[benchEvent]
	r := NewRand(1)
	for i := 0; i < 100_000; i++ {
		q.Push(Time(r.Uint64n(uint64(time.Second))), benchEvent{arg: uint64(i)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at, e, _ := q.Pop()
		q.Push(at+Time(r.Uint64n(uint64(time.Second))), e)
	}
}

// BenchmarkKernelStep measures a step plus one reschedule with a small queue,
// the kernel's own overhead per event.
func BenchmarkKernelStep(b *testing.B) {
	k := NewKernel[benchEvent](Budget{})
	r := NewRand(1)
	for i := 0; i < 1000; i++ {
		k.At(Time(r.Uint64n(uint64(time.Millisecond))), benchEvent{})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, _, _ := k.Step()
		k.After(time.Duration(r.Uint64n(uint64(time.Millisecond))), e)
	}
}

func BenchmarkRoute(b *testing.B) {
	c := LinkConfig{Latency: LongTailDist(time.Millisecond, 5*time.Millisecond, Percent(1), 50*time.Millisecond, 200*time.Millisecond),
		Loss: Percent(1), Duplicate: OneIn(1000), BytesPerSecond: 100 << 20}
	nw := NewNetwork(5, c, NewRand(1))
	b.ReportAllocs()
	b.ResetTimer()
	var now Time
	for i := 0; i < b.N; i++ {
		now += 1000
		nw.Route(now, i%5, (i+1)%5, 256)
	}
}

func BenchmarkRand(b *testing.B) {
	r := NewRand(1)
	b.ReportAllocs()
	var sink uint64
	for i := 0; i < b.N; i++ {
		sink += r.Uint64()
	}
	_ = sink
}

func BenchmarkRandUint64n(b *testing.B) {
	r := NewRand(1)
	b.ReportAllocs()
	var sink uint64
	for i := 0; i < b.N; i++ {
		sink += r.Uint64n(1_000_003)
	}
	_ = sink
}

func BenchmarkDistSample(b *testing.B) {
	d := NormalishDist(time.Millisecond, 5*time.Millisecond)
	r := NewRand(1)
	b.ReportAllocs()
	var sink time.Duration
	for i := 0; i < b.N; i++ {
		sink += d.Sample(r)
	}
	_ = sink
}

func BenchmarkTraceHashStep(b *testing.B) {
	var h TraceHash
	payload := []byte("append entries 3/10 commit 9")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.AddUint64(uint64(i))
		h.AddUint64(3)
		h.AddBytes(payload)
		h.EndStep()
	}
}
