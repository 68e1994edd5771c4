package mutate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ErrNoModule: the source directory is not in a checkout of the module.
var ErrNoModule = errors.New("mutate: not in a source checkout")

// FindModule returns the directory of the go.mod declaring module, dir
// or its nearest ancestor.
func FindModule(dir, module string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == module {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no go.mod of module %s in %s or above it", ErrNoModule, module, dir)
		}
	}
}

// modulePath is the module line of a go.mod, "" when there is none.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// Target says which source the mutator mutates.
type Target struct {
	// Dirs are package directories, slash paths from the module root.
	Dirs []string
	// Exclude are files (slash paths) left unmutated.
	Exclude []string
	Options Options
}

// DefaultTarget is raftsim's: the core and the KV state machine; the
// zoo's plumbing (switched off in every campaign) is left alone.
var DefaultTarget = Target{Dirs: []string{"raft", "harness/kv"}, Exclude: []string{"raft/zoo.go"}, Options: DefaultOptions}

// Schemata is a copy of the module with every mutant compiled in.
type Schemata struct {
	Root    string // the copy
	Module  string
	Target  Target
	Mutants []*Mutant // live ones, by ID
	// Dropped are mutants that did not compile, left out.
	Dropped []*Mutant
	files   []*fileMutants
	rend    map[string]*renderer // by file, the last rendering
}

// Generate copies the module at src to dst (which must not exist or be
// empty) and rewrites the target's files into schemata form, dropping
// the mutants that do not compile (it runs go build in the copy).
func Generate(src, dst string, t Target) (*Schemata, error) {
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoModule, err)
	}
	s := &Schemata{Root: dst, Module: modulePath(gomod), Target: t}
	if err := copyModule(src, dst); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dst, filepath.FromSlash(switchImport), "switch.go"), []byte(switchSource)); err != nil {
		return nil, err
	}
	for _, dir := range t.Dirs {
		if err := s.mutateDir(dir); err != nil {
			return nil, err
		}
	}
	for i, m := range s.all() {
		m.ID = i + 1
	}
	if err := s.compile(); err != nil {
		return nil, err
	}
	for _, m := range s.all() {
		if m.dropped {
			s.Dropped = append(s.Dropped, m)
		} else {
			s.Mutants = append(s.Mutants, m)
		}
	}
	return s, nil
}

func (s *Schemata) all() []*Mutant {
	var ms []*Mutant
	for _, f := range s.files {
		ms = append(ms, f.mutants...)
	}
	return ms
}

// mutateDir generates the mutants of a package's non-test files.
func (s *Schemata) mutateDir(dir string) error {
	entries, err := os.ReadDir(filepath.Join(s.Root, filepath.FromSlash(dir)))
	if err != nil {
		return fmt.Errorf("mutate: target %s: %w", dir, err)
	}
	for _, e := range entries {
		rel := dir + "/" + e.Name()
		if e.IsDir() || !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || contains(s.Target.Exclude, rel) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(s.Root, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		fm, err := mutateFile(rel, src, s.Target.Options)
		if err != nil {
			return err
		}
		sort.SliceStable(fm.mutants, func(i, j int) bool {
			a, b := fm.mutants[i], fm.mutants[j]
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		s.files = append(s.files, fm)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errorLine is a compiler error: file:line:col: message.
var errorLine = regexp.MustCompile(`^(\S+\.go):(\d+):(\d+): (.*)$`)

// maxCompileRounds bounds the compile-and-drop loop: each round drops
// at least one mutant, and most errors show in the first round.
const maxCompileRounds = 30

// compile writes the files and builds the target packages until they
// compile, dropping the mutants each error points into.
func (s *Schemata) compile() error {
	for round := 0; round < maxCompileRounds; round++ {
		if err := s.write(); err != nil {
			return err
		}
		args := []string{"build", "-gcflags=-e"}
		for _, d := range s.Target.Dirs {
			args = append(args, "./"+d)
		}
		out, err := goCmd(s.Root, args...)
		if err == nil {
			return nil
		}
		n, unmapped := s.dropAt(out)
		if n == 0 {
			return fmt.Errorf("mutate: the schemata copy does not compile, and the errors point at no mutant (a bug of the mutator):\n%s", strings.Join(unmapped, "\n"))
		}
	}
	return fmt.Errorf("mutate: the schemata copy still does not compile after %d rounds", maxCompileRounds)
}

// dropAt drops the mutants the compiler's errors point into; it returns
// how many, and the errors that point at none.
func (s *Schemata) dropAt(out string) (int, []string) {
	n := 0
	var unmapped []string
	for _, line := range strings.Split(out, "\n") {
		g := errorLine.FindStringSubmatch(strings.TrimSpace(line))
		if g == nil {
			continue
		}
		path := g[1]
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.Root, path)
		}
		rel, _ := filepath.Rel(s.Root, path)
		r := s.rend[filepath.ToSlash(rel)]
		ln, _ := strconv.Atoi(g[2])
		col, _ := strconv.Atoi(g[3])
		var ms []*Mutant
		if r != nil {
			ms = r.mutantsAt(offsetOf(r.out.Bytes(), ln, col))
		}
		dropped := 0
		for _, m := range ms {
			if !m.dropped {
				m.dropped = true
				dropped++
			}
		}
		if len(ms) == 0 {
			unmapped = append(unmapped, line)
		}
		n += dropped
	}
	return n, unmapped
}

// offsetOf is the byte offset of a 1-based line and byte column.
func offsetOf(b []byte, line, col int) int {
	o := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(b[o:], '\n')
		if i < 0 {
			return len(b)
		}
		o += i + 1
	}
	return o + col - 1
}

// write renders every target file into the copy and records where each
// live mutant sits in it.
func (s *Schemata) write() error {
	s.rend = map[string]*renderer{}
	for _, fm := range s.files {
		r := newRenderer(fm)
		out := r.render(fm.fset.Position(fm.file.Name.End()).Offset, s.Module)
		s.rend[fm.rel] = r
		for m, o := range r.first {
			m.outLine, m.outCol = lineCol(out, o)
		}
		if err := writeFile(filepath.Join(s.Root, filepath.FromSlash(fm.rel)), out); err != nil {
			return err
		}
	}
	return nil
}

// lineCol is the 1-based line and byte column of offset o.
func lineCol(b []byte, o int) (int, int) {
	line := 1 + bytes.Count(b[:o], []byte{'\n'})
	return line, o - (bytes.LastIndexByte(b[:o], '\n') + 1) + 1
}

// goCmd runs the go command in dir and returns its combined output.
func goCmd(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyModule copies the module's files, without version control and
// without nested modules (examples, benchmarks).
func copyModule(src, dst string) error {
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return fmt.Errorf("mutate: %s is not empty", dst)
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
