package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staleReadFile is a stale read found by a short campaign with the
// unconfirmed-leader-reads knob: n1, deposed leader of term 1, answers a
// get from its own state after n2, leader of term 2, applied a newer put.
const staleReadFile = "../testdata/failures/zoo-unconfirmed-leader-reads.json"

func TestReplayLocatesALinearizabilityViolation(t *testing.T) {
	code, out, errs := raftsim("replay", staleReadFile)
	require.Equal(t, exitPass, code, out+errs)
	assert.Contains(t, out, `located   3 of key "k7"'s 50 operations are not linearizable (minimal`)
	lines := strings.Split(out, "\n")
	var rows []string
	for _, l := range lines {
		if strings.HasPrefix(l, "  c") && !strings.HasPrefix(l, "  client") {
			rows = append(rows, strings.Join(strings.Fields(l), " "))
		}
	}
	require.Len(t, rows, 3, out)
	assert.Equal(t, `c1#55 put k7="1.55" ok 1.959273s #4588 1.967868s (applied; reply 1.969016s #4610) n1 leader t1`, rows[0])
	assert.Equal(t, `c3#117 put k7="3.117" ok 1.978543s #4637 2.202831s (applied; reply 2.295354s #4838) n2 leader t2`, rows[1])
	assert.Equal(t, `c4#65 get k7 "1.55" 2.205680s #4774 2.212522s #4775 n1 leader t1`, rows[2], "the stale read, served by the deposed leader")
	assert.Contains(t, out, "trace     raftsim replay "+staleReadFile+" --trace - --from-step 4568 --to-step 4858")
}

func TestReplayLocatesNothingForAnInvariantFailure(t *testing.T) {
	code, out, _ := raftsim("replay", specimen)
	require.Equal(t, exitPass, code)
	assert.NotContains(t, out, "located")
}
