package sim

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// fixedLink is a reliable link with a 1ms latency, so arrival times are exact.
var fixedLink = ReliableLink(FixedDist(ms))

func newNet(t *testing.T, n int, c LinkConfig) *Network {
	t.Helper()
	return NewNetwork(n, c, NewRand(1))
}

// delivered asserts that f is one copy arriving at want.
func delivered(t *testing.T, want Time, f Fate, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, Fate{Copies: 1, At: [2]Time{want}}, f, msgAndArgs...)
}

func TestNetworkLossAndDuplicationFrequencies(t *testing.T) {
	c := fixedLink
	c.Loss = Percent(20)
	c.Duplicate = Percent(10)
	nw := newNet(t, 2, c)
	const n = 50_000
	for i := 0; i < n; i++ {
		f := nw.Route(0, 0, 1, 100)
		if f.Copies == 0 {
			require.Equal(t, Lost, f.Reason)
		}
	}
	s := nw.Stats()
	assert.Equal(t, uint64(n), s.Sent)
	assert.InDelta(t, n*20/100, s.Lost, 600) // sd about 90
	assert.InDelta(t, n*80/100*10/100, s.Duplicated, 400)
	assert.Equal(t, uint64(n*100), s.Bytes)
	assert.Zero(t, s.Partitioned)
}

func TestNetworkBlockIsOneWay(t *testing.T) {
	nw := newNet(t, 2, fixedLink)
	nw.Block(0, 1)
	assert.True(t, nw.Blocked(0, 1))
	assert.False(t, nw.Blocked(1, 0))
	assert.Equal(t, Fate{Reason: Partitioned}, nw.Route(0, 0, 1, 1))
	delivered(t, Time(ms), nw.Route(0, 1, 0, 1))
	nw.Unblock(0, 1)
	delivered(t, Time(ms), nw.Route(0, 0, 1, 1))
}

// reachable lists, for each pair, whether a message gets through.
func reachable(nw *Network) [][]bool {
	out := make([][]bool, nw.Endpoints())
	for from := range out {
		out[from] = make([]bool, nw.Endpoints())
		for to := range out[from] {
			out[from][to] = nw.Route(0, from, to, 1).Copies > 0
		}
	}
	return out
}

func TestNetworkPartition(t *testing.T) {
	nw := newNet(t, 5, fixedLink)
	nw.Partition([]int{0, 1}, []int{2, 3}) // 4 is named nowhere
	const X, o = false, true
	assert.Equal(t, [][]bool{
		{o, o, X, X, o},
		{o, o, X, X, o},
		{X, X, o, o, o},
		{X, X, o, o, o},
		{o, o, o, o, o},
	}, reachable(nw))

	nw.Heal()
	for _, row := range reachable(nw) {
		assert.NotContains(t, row, false)
	}
	assert.Contains(t, panicMessage(t, func() { nw.Partition([]int{0, 1}, []int{1}) }), "endpoint 1 named in groups 0 and 1")
	assert.Contains(t, panicMessage(t, func() { nw.Partition([]int{5}) }), "endpoint 5 out of range 0..4")
}

func TestNetworkIsolate(t *testing.T) {
	nw := newNet(t, 4, fixedLink)
	nw.Isolate(2)
	const X, o = false, true
	assert.Equal(t, [][]bool{
		{o, o, X, o},
		{o, o, X, o},
		{X, X, o, X}, // the self-link stays
		{o, o, X, o},
	}, reachable(nw))
}

func TestNetworkClogHoldsUntilTime(t *testing.T) {
	nw := newNet(t, 2, fixedLink)
	until := Time(100 * ms)
	nw.Clog(0, 1, until)
	nw.Clog(0, 1, Time(50*ms)) // never shortens
	delivered(t, until.Add(ms), nw.Route(Time(10*ms), 0, 1, 1))
	delivered(t, Time(11*ms), nw.Route(Time(10*ms), 1, 0, 1))   // other direction
	delivered(t, Time(201*ms), nw.Route(Time(200*ms), 0, 1, 1)) // clog expired
	nw.Clog(0, 1, Time(500*ms))
	nw.Heal()
	delivered(t, Time(301*ms), nw.Route(Time(300*ms), 0, 1, 1))
	assert.Zero(t, nw.Stats().Lost+nw.Stats().Partitioned, "a clog delays, it never drops")
}

func TestNetworkCapacitySerializes(t *testing.T) {
	c := fixedLink
	c.BytesPerSecond = 1000
	nw := newNet(t, 2, c)
	// 100 bytes at 1000 B/s occupy the link for 100ms each, FIFO.
	delivered(t, Time(101*ms), nw.Route(0, 0, 1, 100))
	delivered(t, Time(201*ms), nw.Route(0, 0, 1, 100))
	delivered(t, Time(301*ms), nw.Route(Time(50*ms), 0, 1, 100))
	delivered(t, Time(1001*ms), nw.Route(Time(900*ms), 0, 1, 100), "an idle link starts at once")
	delivered(t, Time(1*ms), nw.Route(0, 1, 0, 0), "each direction has its own capacity")

	// Transmission rounds up to the nanosecond.
	c.BytesPerSecond = 3
	nw = newNet(t, 2, c)
	delivered(t, Time(333_333_334).Add(ms), nw.Route(0, 0, 1, 1))
	assert.Equal(t, time.Duration(1<<62), transmitTime(1<<62, int64(time.Second)))
}

func TestNetworkDuplicatesDrawTheirOwnLatency(t *testing.T) {
	c := ReliableLink(UniformDist(ms, 100*ms))
	c.Duplicate = Always
	nw := newNet(t, 2, c)
	reordered := 0
	for i := 0; i < 100; i++ {
		f := nw.Route(0, 0, 1, 1)
		require.Equal(t, 2, f.Copies)
		if f.At[1] < f.At[0] {
			reordered++
		}
	}
	assert.Greater(t, reordered, 20)
	assert.Equal(t, uint64(100), nw.Stats().Duplicated)
	assert.Equal(t, uint64(200), nw.Stats().Copies)
}

// Route draws RouteDraws values whatever the configuration, cut or clog, so
// the fates of later messages do not depend on faults applied to earlier ones.
func TestNetworkRouteDrawsAreFixed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		rng := NewRand(seed)
		c := LinkConfig{
			Latency:        validDist.Draw(t, "latency"),
			Loss:           validRatio.Draw(t, "loss"),
			Duplicate:      validRatio.Draw(t, "duplicate"),
			BytesPerSecond: rapid.Int64Range(0, 1e9).Draw(t, "bps"),
		}
		nw := NewNetwork(3, c, rng)
		switch rapid.IntRange(0, 3).Draw(t, "fault") {
		case 1:
			nw.Isolate(1)
		case 2:
			nw.Clog(0, 1, Time(time.Second))
		case 3:
			nw.Block(0, 1)
		}
		nw.Route(0, 0, 1, rapid.IntRange(0, 1e6).Draw(t, "size"))
		require.Equal(t, advanced(seed, RouteDraws).Uint64(), rng.Uint64())
	})
}

func TestNetworkIsDeterministic(t *testing.T) {
	c := LinkConfig{Latency: LongTailDist(ms, 5*ms, Percent(5), 50*ms, 200*ms),
		Loss: Percent(5), Duplicate: Percent(5), BytesPerSecond: 1 << 20}
	run := func(seed Seed) []Fate {
		nw := NewNetwork(3, c, seed.Stream("network"))
		var fates []Fate
		for i := 0; i < 1000; i++ {
			if i == 300 {
				nw.Isolate(2)
			}
			if i == 600 {
				nw.Heal()
			}
			fates = append(fates, nw.Route(Time(i)*Time(ms), i%3, (i+1)%3, 100+i))
		}
		return fates
	}
	assert.Equal(t, run(7), run(7))
	assert.NotEqual(t, run(7), run(8))
}

func TestNetworkStatsAddUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := ReliableLink(UniformDist(0, ms))
		c.Loss = validRatio.Draw(t, "loss")
		c.Duplicate = validRatio.Draw(t, "duplicate")
		nw := NewNetwork(3, c, NewRand(rapid.Uint64().Draw(t, "seed")))
		nw.Block(0, 2)
		var perLink NetStats
		for i := rapid.IntRange(0, 200).Draw(t, "n"); i > 0; i-- {
			nw.Route(0, rapid.IntRange(0, 2).Draw(t, "from"), rapid.IntRange(0, 2).Draw(t, "to"), 10)
		}
		for from := 0; from < 3; from++ {
			for to := 0; to < 3; to++ {
				s := nw.LinkStats(from, to)
				perLink.Sent += s.Sent
				perLink.Copies += s.Copies
				perLink.Lost += s.Lost
				perLink.Partitioned += s.Partitioned
				perLink.Duplicated += s.Duplicated
				perLink.Bytes += s.Bytes
			}
		}
		s := nw.Stats()
		require.Equal(t, s, perLink)
		require.Equal(t, s.Sent, s.Partitioned+s.Lost+(s.Copies-s.Duplicated))
		require.Equal(t, s.Bytes, 10*s.Sent)
		require.Equal(t, nw.LinkStats(0, 2).Sent, nw.LinkStats(0, 2).Partitioned)
	})
}

func TestNetworkLinkConfiguration(t *testing.T) {
	nw := newNet(t, 3, fixedLink)
	slow := ReliableLink(FixedDist(time.Second))
	nw.SetLink(0, 1, slow)
	assert.Equal(t, slow, nw.Link(0, 1))
	assert.Equal(t, fixedLink, nw.Link(1, 0))
	delivered(t, Time(time.Second), nw.Route(0, 0, 1, 1))

	nw.SetAllLinks(slow)
	assert.Equal(t, slow, nw.Link(2, 2))
	nw.Block(1, 2)
	nw.ResetLinks()
	assert.Equal(t, fixedLink, nw.Link(0, 1))
	assert.True(t, nw.Blocked(1, 2), "ResetLinks resets configuration, not cuts")

	assert.Contains(t, panicMessage(t, func() { nw.SetLink(0, 1, LinkConfig{}) }), "SetLink(0, 1): sim: link config: Latency")
	assert.Contains(t, panicMessage(t, func() { nw.Route(0, 3, 0, 1) }), "Route(3, 0): endpoint out of range 0..2")
	assert.Contains(t, panicMessage(t, func() { nw.Route(0, 0, -1, 1) }), "endpoint out of range")
	assert.Contains(t, panicMessage(t, func() { nw.Route(0, 0, 1, -1) }), "negative size -1")
	assert.Contains(t, panicMessage(t, func() { NewNetwork(0, fixedLink, NewRand(1)) }), "endpoints must be positive")
	assert.Contains(t, panicMessage(t, func() { NewNetwork(1, fixedLink, nil) }), "nil Rand")
	assert.Contains(t, panicMessage(t, func() { NewNetwork(1, LinkConfig{Latency: FixedDist(0)}, NewRand(1)) }), "Loss 0/0")
}

func TestLinkConfigValidate(t *testing.T) {
	require.NoError(t, fixedLink.Validate())
	bad := map[string]LinkConfig{
		"Latency unset":                    {Loss: Never, Duplicate: Never},
		"Loss 0/0: denominator is zero":    {Latency: FixedDist(ms), Duplicate: Never},
		"Duplicate 2/1: numerator exceeds": {Latency: FixedDist(ms), Loss: Never, Duplicate: Ratio{2, 1}},
		"BytesPerSecond -1: negative":      {Latency: FixedDist(ms), Loss: Never, Duplicate: Never, BytesPerSecond: -1},
	}
	for why, c := range bad {
		err := c.Validate()
		require.Error(t, err, why)
		assert.True(t, errors.Is(err, ErrLink), why)
		assert.Contains(t, err.Error(), why)
	}
}

func TestLinkConfigJSON(t *testing.T) {
	c := LinkConfig{Latency: UniformDist(ms, 5*ms), Loss: Percent(1), Duplicate: OneIn(1000), BytesPerSecond: 1 << 20}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"latency":{"kind":"uniform","min":"1ms","max":"5ms"},"loss":"1/100","duplicate":"1/1000","bytesPerSecond":1048576}`, string(b))
	var back LinkConfig
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)
}

func TestLinkConfigString(t *testing.T) {
	assert.Equal(t, "fixed(1ms) loss 0/1 dup 0/1", fixedLink.String())
	c := LinkConfig{Latency: UniformDist(ms, 5*ms), Loss: Percent(1), Duplicate: OneIn(1000), BytesPerSecond: 1 << 20}
	assert.Equal(t, "uniform(1ms..5ms) loss 1/100 dup 1/1000 1048576B/s", c.String())
	assert.Equal(t, "unset loss 0/0 dup 0/0", LinkConfig{}.String())
}

func TestFateString(t *testing.T) {
	assert.Equal(t, "lost", Fate{Reason: Lost}.String())
	assert.Equal(t, "partitioned", Fate{Reason: Partitioned}.String())
	assert.Equal(t, "1 copy @0.001000s", Fate{Copies: 1, At: [2]Time{Time(ms)}}.String())
	assert.Equal(t, "2 copies @0.003000s @0.001000s", Fate{Copies: 2, At: [2]Time{Time(3 * ms), Time(ms)}}.String())
	assert.Equal(t, "DropReason(7)", DropReason(7).String())
}
