package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Ratio is a probability Num/Den in integers. Probabilities are fractions
// rather than floats so that a decision never depends on floating-point
// rounding, and so that a configuration prints and parses back exactly.
//
// Invariant: Den > 0 and Num <= Den (see Validate). The zero Ratio (0/0) is
// deliberately invalid, so an unset probability in a configuration is caught
// by Validate instead of silently meaning "never"; write [Never].
type Ratio struct {
	Num, Den uint32
}

// Never and Always are the two certain probabilities.
var (
	Never  = Ratio{Num: 0, Den: 1}
	Always = Ratio{Num: 1, Den: 1}
)

// ErrRatio is wrapped by every ratio validation and parsing error.
var ErrRatio = errors.New("invalid ratio")

// Percent returns n/100. Panics if n > 100, which can only be a typo.
func Percent(n uint32) Ratio {
	if n > 100 {
		panic(fmt.Sprintf("sim: Percent(%d): a probability is at most 100%%", n))
	}
	return Ratio{Num: n, Den: 100}
}

// OneIn returns 1/n. Panics if n is 0.
func OneIn(n uint32) Ratio {
	if n == 0 {
		panic("sim: OneIn(0): the denominator must be positive")
	}
	return Ratio{Num: 1, Den: n}
}

// Validate reports why r is not a probability, or nil.
func (r Ratio) Validate() error {
	if why := r.problem(); why != "" {
		return fmt.Errorf("sim: ratio %s: %s: %w", r, why, ErrRatio)
	}
	return nil
}

// problem says what makes r invalid, or "" if it is valid.
func (r Ratio) problem() string {
	switch {
	case r.Den == 0 && r.Num == 0:
		return "denominator is zero (the zero Ratio is unset; write sim.Never for no chance)"
	case r.Den == 0:
		return "denominator is zero"
	case r.Num > r.Den:
		return "numerator exceeds denominator (a probability above 1)"
	}
	return ""
}

// IsZero reports whether r can never happen (Num is 0). It is also true of
// the unset zero Ratio, which Validate still rejects.
func (r Ratio) IsZero() bool { return r.Num == 0 }

// String prints "num/den", the form ParseRatio reads back exactly.
func (r Ratio) String() string {
	var buf [24]byte
	b := strconv.AppendUint(buf[:0], uint64(r.Num), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(r.Den), 10)
	return string(b)
}

// ParseRatio parses "3/100", "5%" (meaning 5/100), "0" (Never) or "1"
// (Always), with surrounding spaces allowed, and validates the result. The
// fraction is kept as written, not reduced, so it prints back the same.
func ParseRatio(text string) (Ratio, error) {
	r, err := parseRatioSyntax(text)
	if err != nil {
		return Ratio{}, err
	}
	if why := r.problem(); why != "" {
		return Ratio{}, fmt.Errorf("sim: ratio %q: %s: %w", text, why, ErrRatio)
	}
	return r, nil
}

// parseRatioSyntax reads the forms ParseRatio accepts without validating the
// value, so that UnmarshalText can round-trip whatever MarshalText wrote.
func parseRatioSyntax(text string) (Ratio, error) {
	s := strings.TrimSpace(text)
	bad := func(why string) (Ratio, error) {
		return Ratio{}, fmt.Errorf("sim: ratio %q: %s: %w", text, why, ErrRatio)
	}
	switch {
	case s == "":
		return bad("empty")
	case strings.HasSuffix(s, "%"):
		n, err := strconv.ParseUint(strings.TrimSpace(s[:len(s)-1]), 10, 32)
		if err != nil {
			return bad(`want a whole percentage such as "5%" (for a fraction of a percent write "5/1000")`)
		}
		return Ratio{Num: uint32(n), Den: 100}, nil
	case strings.Contains(s, "/"):
		numText, denText, _ := strings.Cut(s, "/")
		num, err := strconv.ParseUint(strings.TrimSpace(numText), 10, 32)
		if err != nil {
			return bad("numerator is not an unsigned 32-bit integer")
		}
		den, err := strconv.ParseUint(strings.TrimSpace(denText), 10, 32)
		if err != nil {
			return bad("denominator is not an unsigned 32-bit integer")
		}
		return Ratio{Num: uint32(num), Den: uint32(den)}, nil
	case s == "0":
		return Never, nil
	case s == "1":
		return Always, nil
	}
	return bad(`want "num/den", "n%", "0" or "1"`)
}

// MarshalText encodes r as "num/den", so it appears in JSON as "3/100". It
// never fails, even for an invalid r: saving a failure file must not fail.
func (r Ratio) MarshalText() ([]byte, error) {
	return []byte(r.String()), nil
}

// UnmarshalText accepts the forms ParseRatio accepts but checks syntax only,
// so every value MarshalText writes reads back; as for every configuration,
// Validate checks the value.
func (r *Ratio) UnmarshalText(b []byte) error {
	v, err := parseRatioSyntax(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
