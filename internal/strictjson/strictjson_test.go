package strictjson

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestCheckRejects(t *testing.T) {
	schema := map[string][]string{"": {"key", "value", "list"}, "list[]": {"a"}}
	known := func(path, key string) bool {
		for _, k := range schema[path] {
			if k == key {
				return true
			}
		}
		return false
	}
	cases := []struct{ name, in, want string }{
		{"invalid UTF-8", "{\"key\":\"\xff\"}", `line 1, column 9: invalid UTF-8 (byte 0xff)`},
		{"invalid UTF-8 on line 2", "{\n  \"key\": \"a\xc3\"}", `line 2, column 12: invalid UTF-8 (byte 0xc3)`},
		{"lone high surrogate", `{"key":"\ud800"}`, `line 1, column 9: lone surrogate escape \ud800 (not a character)`},
		{"lone low surrogate", `{"key":"\udc00"}`, `line 1, column 9: lone surrogate escape \udc00 (not a character)`},
		{"low after an escaped backslash", `{"key":"\\ud800\udc00"}`, `line 1, column 16: lone surrogate escape \udc00 (not a character)`},
		{"high then not low", `{"key":"\ud800\u0041"}`, `line 1, column 9: lone surrogate escape \ud800 (not a character)`},
		{"case", `{"KEY":"x"}`, `line 1, column 2: unknown key "KEY" in the top level (keys are matched exactly, case included)`},
		{"kelvin sign", `{"\u212aey":"x"}`, "line 1, column 2: unknown key \"\u212aey\" in the top level (keys are matched exactly, case included)"},
		{"repeated", `{"key":"x","key":"y"}`, `line 1, column 12: repeated key "key"`},
		{"repeated nested", `{"list":[{"a":1},{"a":1,"a":2}]}`, `line 1, column 25: repeated key "a"`},
		{"unknown nested", `{"list":[{"b":1}]}`, `line 1, column 11: unknown key "b" in list[] (keys are matched exactly, case included)`},
		{"syntax", `{"key":}`, `line 1, column 8: invalid JSON: invalid character '}' looking for beginning of value`},
		{"truncated", `{"key":"x"`, `line 1, column 11: truncated JSON`},
		{"empty", ``, `line 1, column 1: truncated JSON`},
		{"trailing", `{} []`, `line 1, column 4: unexpected data after the document`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check([]byte(c.in), known)
			require.Error(t, err)
			assert.EqualError(t, err, c.want)
		})
	}
	assert.NoError(t, Check([]byte(`{"key":"\ud83d\ude00","list":[{"a":"\\ud800"}]}`), known),
		"a surrogate pair is a character; an escaped backslash is no escape")
	deep := strings.Repeat("[", depthMax+2) + strings.Repeat("]", depthMax+2)
	assert.ErrorContains(t, Check([]byte(deep), nil), "nested deeper than 64", "nesting is bounded")
	ok := strings.Repeat("[", depthMax) + strings.Repeat("]", depthMax)
	assert.NoError(t, Check([]byte(ok), nil))
}

func TestOffsets(t *testing.T) {
	data := []byte("{\"ops\":[\n{\"a\":1},\n  {\"a\":2}\n]}")
	offsets, err := CheckOffsets(data, nil, "ops[]")
	require.NoError(t, err)
	require.Len(t, offsets, 2)
	l, c := Position(data, offsets[1])
	assert.Equal(t, [2]int{3, 3}, [2]int{l, c})
}

// What encoding/json writes from valid strings passes, and Check agrees
// with json.Valid on syntax.
func TestPropertyMarshalledPasses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.MapOf(rapid.String(), rapid.SliceOf(rapid.String())).Draw(t, "doc")
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(data, nil); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"\ud83d\ude00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if Check(data, nil) == nil && !json.Valid(data) {
			t.Fatalf("Check passed what json.Valid refuses: %q", data)
		}
	})
}
