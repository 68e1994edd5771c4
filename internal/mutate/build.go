package mutate

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Binaries are the schemata copy's builds: one of each serves every
// mutant.
type Binaries struct {
	Raftsim string // the CLI
	Cover   string // the CLI with coverage of the targets; "" when not built
	// Tests are `go test -c` binaries of the target packages, by
	// directory.
	Tests map[string]string
}

// Build compiles the CLI, the targets' test binaries and, with cover,
// the CLI with coverage counters on the targets, into dir.
func (s *Schemata) Build(dir string, cover bool) (*Binaries, error) {
	b := &Binaries{Raftsim: filepath.Join(dir, "raftsim"), Tests: map[string]string{}}
	if out, err := goCmd(s.Root, "build", "-o", b.Raftsim, "./cmd/raftsim"); err != nil {
		return nil, fmt.Errorf("mutate: building the mutated raftsim: %v\n%s", err, out)
	}
	for _, d := range s.Target.Dirs {
		bin := filepath.Join(dir, strings.ReplaceAll(d, "/", "_")+".test")
		if out, err := goCmd(s.Root, "test", "-c", "-o", bin, "./"+d); err != nil {
			return nil, fmt.Errorf("mutate: building the tests of %s: %v\n%s", d, err, out)
		}
		b.Tests[d] = bin
	}
	if cover {
		// The main package must be among the covered ones, or the binary
		// writes no counters at all.
		pkgs := []string{s.Module + "/cmd/raftsim"}
		for _, d := range s.Target.Dirs {
			pkgs = append(pkgs, s.Module+"/"+d)
		}
		b.Cover = filepath.Join(dir, "raftsim.cover")
		if out, err := goCmd(s.Root, "build", "-cover", "-covermode=set", "-coverpkg="+strings.Join(pkgs, ","), "-o", b.Cover, "./cmd/raftsim"); err != nil {
			return nil, fmt.Errorf("mutate: building the coverage raftsim: %v\n%s", err, out)
		}
	}
	return b, nil
}
