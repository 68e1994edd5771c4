package failfile

import (
	"errors"
	"fmt"

	"github.com/raftsim/raftsim/harness"
)

// The regression corpus (testdata/failures/) holds minimal failure files:
// bugs found and fixed, which must now pass (expect "pass"), and specimens
// of known bugs switched on by a knob, which must still fail the same way
// (expect "fail"). CheckCorpus says whether a file still does what it
// promises, and when it does not, says what happened instead.

// ErrCorpus is wrapped by every corpus mismatch.
var ErrCorpus = errors.New("corpus file does not behave as recorded")

// CheckCorpus replays a corpus file and checks it against its
// expectation.
func CheckCorpus(f File) error {
	res, err := harness.Run(f.Config, f.Seed)
	if err != nil {
		return fmt.Errorf("corpus: seed %v: the config no longer runs: %v: %w", f.Seed, err, ErrCorpus)
	}
	want := f.Failure.Signature()
	if res.Failure == nil && res.Inconclusive != "" {
		return fmt.Errorf("corpus: seed %v: the verdict is inconclusive, neither the expected %q nor its opposite: %s: %w",
			f.Seed, f.Expect, res.Inconclusive, ErrCorpus)
	}
	switch f.Expect {
	case "fail":
		switch {
		case res.Failure == nil:
			return fmt.Errorf("corpus: seed %v: expected failure %s (%s) no longer reproduces: the run passes: %w",
				f.Seed, want, f.Failure.Message, ErrCorpus)
		case res.Failure.Signature() != want:
			return fmt.Errorf("corpus: seed %v: expected failure %s, but the run fails with %s instead: %v: %w",
				f.Seed, want, res.Failure.Signature(), res.Failure, ErrCorpus)
		}
		return nil
	default: // "pass" or empty: a fixed bug
		if res.Failure != nil {
			return fmt.Errorf("corpus: seed %v: a fixed bug (first seen as %s) fails again: %v: %w",
				f.Seed, want, res.Failure, ErrCorpus)
		}
		return nil
	}
}
