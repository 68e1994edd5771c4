package failfile

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/internal/zoo"
)

const corpusDir = "../testdata/failures"

// TestCorpus replays every file of the regression corpus: fixed bugs must
// pass, bug-zoo specimens must still fail the same way.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "the corpus is empty: is %s there?", corpusDir)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := Read(path)
			require.NoError(t, err)
			assert.NoError(t, CheckCorpus(f))
		})
	}
}

// A specimen that no longer fails the way it should is reported clearly:
// which failure was expected, and what happened instead.
func TestCorpusReportsWhatChanged(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	require.NoError(t, err)
	var specimen File
	for _, path := range files {
		f, err := Read(path)
		require.NoError(t, err)
		if f.Expect == "fail" && f.Config.Bugs.Any() {
			specimen = f
			break
		}
	}
	require.NotEmpty(t, specimen.Format, "the corpus holds a bug-zoo specimen")

	fixed := specimen
	fixed.Config.Bugs = zoo.Bugs{} // as if the bug were gone
	err = CheckCorpus(fixed)
	require.ErrorIs(t, err, ErrCorpus)
	assert.Contains(t, err.Error(), "expected failure "+specimen.Failure.Signature())
	assert.Contains(t, err.Error(), "no longer reproduces: the run passes")

	back := specimen
	back.Expect = "pass" // as if it were a fixed bug that came back
	err = CheckCorpus(back)
	require.ErrorIs(t, err, ErrCorpus)
	assert.Contains(t, err.Error(), "a fixed bug")
	assert.Contains(t, err.Error(), "fails again")
}
