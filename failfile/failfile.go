// Package failfile is the failure file: the JSON record of one failed run
// (config, seed, verdict, trace hash) that replays it exactly, and the
// regression corpus built from such files. It sits above the harness: it
// describes and re-runs harness runs, and the harness knows nothing of it.
package failfile

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/atomicfile"
	"github.com/raftsim/raftsim/internal/strictjson"
	"github.com/raftsim/raftsim/sim"
)

// Format and FormatVersion identify a failure file.
const (
	Format        = "raftsim-failure"
	FormatVersion = 1
)

// File is everything needed to reproduce a failure exactly: the
// concrete configuration the run used (with its materialized fault plan),
// the seed, what broke and where, and the trace hash a replay must match.
// It is JSON:
//
//	{
//	  "format": "raftsim-failure", "version": 1,
//	  "raftsim": "v0.1.0 (rev 3bbc5f8)",
//	  "scenario": "default",
//	  "seed": "42",
//	  "config": { ...harness.Config... },
//	  "failure": {"class": "invariant", "check": "election-safety", "message": "...", "step": 1234, "time": 5000000},
//	  "traceHash": "582dc29765ca4eb4",
//	  "steps": 16675,
//	  "expect": "fail"
//	}
//
// Durations inside config are integers of nanoseconds. The config names
// its store ("storage"): a file of a user's store reads only where that
// store is registered (RegisterStore, cli.WithStore), and says so
// otherwise.
type File struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Raftsim  string          `json:"raftsim"`
	Scenario string          `json:"scenario"`
	Seed     sim.Seed        `json:"seed"`
	Config   harness.Config  `json:"config"`
	Failure  harness.Failure `json:"failure"`
	// TraceHash is the run's trace hash, in hex.
	TraceHash string `json:"traceHash"`
	Steps     uint64 `json:"steps"`
	// StepHashes holds the low 32 bits of the trace hash after each step
	// (runs of up to MaxStepHashes steps), so a replay that differs can
	// name the first step where the runs part. Base64 of little-endian
	// uint32s.
	StepHashes StepHashes `json:"stepHashes,omitempty"`
	// Expect is "fail" for a file that must still fail the same way (a
	// known bug kept as a specimen), and "pass" (or empty) for a fixed bug
	// whose reproduction must now pass.
	Expect string `json:"expect,omitempty"`
}

// New describes a failed run of cfg.
func New(scenario string, cfg harness.Config, res harness.Result) File {
	f := File{
		Format: Format, Version: FormatVersion, Raftsim: harness.Version(),
		Scenario: scenario, Seed: res.Seed, Config: cfg,
		TraceHash: FormatHash(res.TraceHash), Steps: res.Stats.Steps,
	}
	if res.Failure != nil {
		f.Failure = *res.Failure
	}
	if n := len(res.StepHashes); n > 0 && n <= MaxStepHashes {
		f.StepHashes = make(StepHashes, n)
		for i, h := range res.StepHashes {
			f.StepHashes[i] = uint32(h)
		}
	}
	return f
}

// MaxStepHashes bounds the per-step hashes a failure file keeps (4 bytes
// each); longer runs keep none, and a replay can only say that they differ.
const MaxStepHashes = 1 << 20

// StepHashes are truncated per-step trace hashes, stored as base64.
type StepHashes []uint32

// MarshalText encodes the hashes as base64 of little-endian uint32s.
func (s StepHashes) MarshalText() ([]byte, error) {
	raw := make([]byte, 4*len(s))
	for i, h := range s {
		binary.LittleEndian.PutUint32(raw[4*i:], h)
	}
	return []byte(base64.StdEncoding.EncodeToString(raw)), nil
}

// UnmarshalText decodes MarshalText's form.
func (s *StepHashes) UnmarshalText(b []byte) error {
	raw, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("stepHashes: %w", err)
	}
	if len(raw)%4 != 0 {
		return fmt.Errorf("stepHashes: %d bytes is not a whole number of hashes", len(raw))
	}
	out := make(StepHashes, len(raw)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(raw[4*i:])
	}
	*s = out
	return nil
}

// FirstDivergence compares the file's step hashes with a replay's, and
// returns the first step (0-based) where they differ.
func (s StepHashes) FirstDivergence(replay []uint64) (step int, ok bool) {
	a := make([]uint64, len(s))
	for i, h := range s {
		a[i] = uint64(h)
	}
	b := make([]uint64, len(replay))
	for i, h := range replay {
		b[i] = uint64(uint32(h))
	}
	return sim.FirstDivergence(a, b)
}

// FormatHash renders a trace hash as 16 hex digits.
func FormatHash(h uint64) string { return fmt.Sprintf("%016x", h) }

// ParseHash reads a hash written by FormatHash.
func ParseHash(s string) (uint64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("trace hash %q: want 16 hex digits", s)
	}
	return strconv.ParseUint(s, 16, 64)
}

// ErrBad is wrapped by every error reading a failure file.
var ErrBad = errors.New("bad failure file")

// Read parses and validates a failure file. Errors say what is
// wrong and where (the file, and the JSON offset or field).
func Read(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	f, err := Decode(bytes.NewReader(b))
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Decode parses and validates a failure file from r.
func Decode(r io.Reader) (File, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrBad)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return File{}, err
	}
	// encoding/json would take invalid UTF-8 and lone surrogates as
	// U+FFFD, match field names case-insensitively and let a repeated
	// field win: strictjson refuses each, with its line and column.
	if err := strictjson.Check(data, failureFileKeys); err != nil {
		return File{}, bad("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var ce *harness.ConfigError
		switch {
		case errors.As(err, &ce) && ce.Path == "":
			return f, bad("config: %s", ce.Msg)
		case errors.As(err, &ce):
			return f, bad("field config.%s: %s", ce.Path, ce.Msg)
		case errors.As(err, &se):
			return f, bad("%s: %v", lineCol(data, se.Offset-1), err) // Offset is just past the bad byte
		case errors.As(err, &te):
			return f, bad("%s: field %s: %v", lineCol(data, te.Offset), te.Field, err)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return f, bad("truncated: the JSON ends early")
		}
		return f, bad("%v", err)
	}
	if dec.More() {
		return f, bad("trailing data after the JSON object")
	}
	switch {
	case f.Format != Format:
		return f, bad("format %q: want %q", f.Format, Format)
	case f.Version != FormatVersion:
		return f, bad("version %d: this raftsim reads version %d", f.Version, FormatVersion)
	case f.Failure.Class == "":
		return f, bad("failure.class is empty")
	case f.Expect != "" && f.Expect != "fail" && f.Expect != "pass":
		return f, bad("expect %q: want \"fail\", \"pass\" or nothing", f.Expect)
	}
	if _, err := ParseHash(f.TraceHash); err != nil {
		return f, bad("traceHash: %v", err)
	}
	if err := f.Config.Validate(); err != nil {
		return f, bad("config: %v", err)
	}
	return f, nil
}

// failureFileKeys accepts exactly the field names of a failure file, the
// configuration's included.
var failureFileKeys = strictjson.Fields(File{}, harness.Config{})

// lineCol turns a byte offset into "line L, column C" (both from 1).
func lineCol(data []byte, offset int64) string {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

// Write writes f to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, then the directory
// synced. A crash leaves the old file or the new one, never half of one.
func Write(path string, f File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}
