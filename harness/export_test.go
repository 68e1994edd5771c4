package harness

import "github.com/raftsim/raftsim/checker"

// WriteOverlaps lets the external tests (liveness_corpus_test.go) count
// concurrent writes of a key as client_test.go does.
func WriteOverlaps(h checker.History) int { return writeOverlaps(h) }
