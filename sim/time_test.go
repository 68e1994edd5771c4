package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTimeString(t *testing.T) {
	cases := map[Time]string{
		0:                              "0.000000s",
		1:                              "0.000000s",
		Time(time.Microsecond):         "0.000001s",
		1_234_567_890:                  "1.234567s",
		Time(90 * time.Second):         "90.000000s",
		-Time(1500 * time.Microsecond): "-0.001500s",
	}
	for in, want := range cases {
		assert.Equal(t, want, in.String(), "Time(%d)", int64(in))
	}
}

func TestTimeArithmetic(t *testing.T) {
	start := Time(5 * time.Second)
	later := start.Add(250 * time.Millisecond)
	assert.Equal(t, Time(5_250_000_000), later)
	assert.Equal(t, 250*time.Millisecond, later.Sub(start))
	assert.Equal(t, -250*time.Millisecond, start.Sub(later))
}
