package strictjson

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type inner struct {
	Value string `json:"value"`
	Skip  int    `json:"-"`
}

type selfDecoded struct{ X int }

func (s *selfDecoded) UnmarshalJSON([]byte) error { return nil }

type outer struct {
	Name  string           `json:"name"`
	In    inner            `json:"in"`
	Ptr   *inner           `json:"ptr,omitempty"`
	List  []inner          `json:"list"`
	Grid  [][]inner        `json:"grid"`
	Map   map[string]inner `json:"map"`
	Self  selfDecoded      `json:"self"`
	Walk  *walked          `json:"walk"`
	Any   map[string]any   `json:"any"`
	Time  time.Duration    `json:"time"`
	Plain string
	_     struct{}
	Names map[string]string `json:"names"`
}

type walked struct {
	A int `json:"a"`
}

func (w *walked) UnmarshalJSON([]byte) error { return nil }

func TestFieldsMatchesExactly(t *testing.T) {
	known := Fields(outer{}, walked{})
	for _, tt := range []struct {
		path, key string
		ok        bool
	}{
		{"", "name", true}, {"", "Name", false}, {"", "NAME", false}, {"", "Plain", true}, {"", "plain", false},
		{"in", "value", true}, {"in", "Value", false}, {"in", "Skip", false},
		{"ptr", "value", true}, {"list[]", "value", true}, {"list[]", "VALUE", false},
		{"grid[][]", "value", true}, {"grid[][]", "Value", false},
		{"map", "anything", true}, {"map.k", "value", true}, {"map.k", "Value", false},
		{"self", "whatever", true},                // decodes itself
		{"walk", "a", true}, {"walk", "A", false}, // walked through
		{"any.k", "z", true}, {"nosuch", "value", false}, {"", "\u212aey", false},
	} {
		assert.Equal(t, tt.ok, known(tt.path, tt.key), "%q in %q", tt.key, tt.path)
	}
}
