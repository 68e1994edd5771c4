package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Seed is the one number that determines a world. Subsystems never share a
// stream: each derives its own by name, so adding a draw in one subsystem
// (say, the network) does not shift any other (say, node 3's timeouts), and a
// failure stays reproducible while unrelated code changes.
type Seed uint64

// ErrSeed is wrapped by every seed parsing error.
var ErrSeed = errors.New("invalid seed")

// Derivation constants. They are part of the replay format: changing any of
// them changes every derived stream and invalidates saved failure files.
const (
	fnvOffset64 = 0xcbf29ce484222325
	fnvPrime64  = 0x100000001b3
)

// Derive returns the seed of the named sub-stream:
//
//	Derive(name) = mix64(mix64(s + 0x9e3779b97f4a7c15) ^ fnv1a64(name))
//
// where mix64 is the splitmix64 finalizer and fnv1a64 is 64-bit FNV-1a over
// the name's bytes. Both mixes are bijections, so for one seed, names with
// different FNV hashes get different seeds, and for one name, different seeds
// get different seeds. Names are flat strings: Derive("node/3") is not
// Derive("node").Derive("3"). Conventional names: "network", "clients",
// "faults", "disk/2", "node/3/timeouts".
func (s Seed) Derive(name string) Seed {
	return Seed(mix64(mix64(uint64(s)+splitmixGamma) ^ fnv1a64(name)))
}

// Stream returns the independent random stream for the named subsystem,
// NewRand(s.Derive(name)).
func (s Seed) Stream(name string) *Rand {
	return NewRand(uint64(s.Derive(name)))
}

// String prints the seed in decimal, the form ParseSeed and the CLI accept.
func (s Seed) String() string { return strconv.FormatUint(uint64(s), 10) }

// MarshalText encodes the seed as a decimal string, so that in JSON it is
// "12345678901234567890" rather than a number: tools that read JSON numbers
// as doubles (jq, JavaScript) would round seeds above 2^53 and replay the
// wrong run.
func (s Seed) MarshalText() ([]byte, error) {
	return strconv.AppendUint(nil, uint64(s), 10), nil
}

// UnmarshalText accepts what ParseSeed accepts.
func (s *Seed) UnmarshalText(b []byte) error {
	v, err := ParseSeed(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeed parses a decimal ("42") or 0x-prefixed hexadecimal ("0x2a")
// unsigned 64-bit seed.
func ParseSeed(text string) (Seed, error) {
	digits, base := text, 10
	if strings.HasPrefix(text, "0x") || strings.HasPrefix(text, "0X") {
		digits, base = text[2:], 16
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		var why string
		switch {
		case text == "":
			why = "empty"
		case errors.Is(err, strconv.ErrRange):
			why = "out of range for uint64"
		default:
			why = "want a decimal or 0x-hex unsigned 64-bit integer"
		}
		return 0, fmt.Errorf("sim: seed %q: %s: %w", text, why, ErrSeed)
	}
	return Seed(v), nil
}

// fnv1a64 is 64-bit FNV-1a over the bytes of s.
func fnv1a64(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}
