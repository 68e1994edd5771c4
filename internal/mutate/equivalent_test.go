package mutate

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEquivalents(t *testing.T) {
	m := Mutant{File: "raft/log.go", Func: "(*raftLog).term", Operator: OpBoundary, Occurrence: 1, Orig: `i < "a b"`, Mutated: `i <= "a b"`}
	in := "# comment\n\n" + m.Key() + ": i == snapIndex returns above  \n"
	eq, err := ParseEquivalents(strings.NewReader(in), "eq.txt")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{m.Key(): "i == snapIndex returns above"}, eq)
}

func TestParseEquivalentsIsStrict(t *testing.T) {
	good := `raft/log.go f negate#0 "a == b" -> "a != b": why`
	for _, tt := range []struct{ in, want string }{
		{"# ok\n" + good + "\n" + good, "eq.txt:3: mutant listed twice"},
		{`raft/log.go f negate#0 "a == b" -> "a != b"`, `eq.txt:1: want ": reason"`},
		{`raft/log.go f negate#0 "a == b" -> "a != b":   `, `eq.txt:1: want ": reason"`},
		{`raft/log.go f nagate#0 "a == b" -> "a != b": why`, `eq.txt:1: "nagate#0": want operator#occurrence`},
		{`raft/log.go f negate "a == b" -> "a != b": why`, `eq.txt:1: "negate": want operator#occurrence`},
		{`raft/log.go f negate#-1 "a == b" -> "a != b": why`, "eq.txt:1: \"negate#-1\": the occurrence"},
		{`raft/log.go f negate#0 a == b -> "a != b": why`, "eq.txt:1: want the original text as a Go string literal"},
		{`raft/log.go f negate#0 "a == b" => "a != b": why`, `eq.txt:1: want " -> "`},
		{`raft/log.go f negate#0 "a == b" -> a != b: why`, "eq.txt:1: want the mutated text"},
		{"\n\nraft/log.go f", "eq.txt:3: want: file function"},
	} {
		_, err := ParseEquivalents(strings.NewReader(tt.in), "eq.txt")
		assert.ErrorContains(t, err, tt.want, "%q", tt.in)
	}
}

// The checked-in list parses.
func TestCheckedInEquivalentsParse(t *testing.T) {
	f, err := os.Open("equivalent.txt")
	require.NoError(t, err)
	defer f.Close()
	_, err = ParseEquivalents(f, "equivalent.txt")
	require.NoError(t, err)
}
