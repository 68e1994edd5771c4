package raftsim_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/raftsim/raftsim"

// allowedImports is the design's dependency direction (docs/design.md): for
// each package, the project packages its non-test files may import. Lower
// never imports higher; raft and sim never see each other. A new package
// must be added here, which is the moment to decide where it sits.
var allowedImports = map[string][]string{
	"raft":                {"internal/zoohook", "internal/wire"},
	"internal/zoohook":    {},
	"internal/wire":       {},
	"internal/zoo":        {"raft", "internal/zoohook"},
	"internal/listsm":     {"raft"},
	"sim":                 {},
	"faults":              {"sim"},
	"storage/memstore":    {"raft"},
	"storage/vfs":         {},
	"storage/simdisk":     {"raft", "sim", "internal/wire", "storage/vfs"},
	"storage/storagetest": {"raft", "sim", "internal/wire", "storage/memstore", "storage/simdisk", "storage/vfs"},
	"internal/strictjson": {},
	"internal/atomicfile": {},
	"checker":             {"raft", "sim", "internal/strictjson"},
	"harness/kv":          {"raft", "checker", "internal/wire"},
	"harness":             {"harness/kv", "raft", "sim", "faults", "checker", "internal/wire", "internal/zoo", "storage/memstore", "storage/simdisk", "storage/vfs", "internal/strictjson", "internal/atomicfile"},
	"failfile":            {"harness", "sim", "internal/strictjson", "internal/atomicfile"},
	"scenarios":           {"harness", "faults", "sim", "raft", "storage/simdisk"},
	"shrink":              {"failfile", "harness", "faults", "sim", "checker", "raft", "scenarios"},
	"internal/cpuclock":   {},
	"internal/mutate":     {},
	"campaign":            {"scenarios", "failfile", "harness", "faults", "checker", "raft", "sim", "internal/cpuclock", "internal/zoo", "internal/strictjson", "internal/atomicfile"},
	"cli":                 {"*"},
	"cmd/raftsim":         {"cli"},
}

// TestDependencyDirection fails when a package imports a project package
// the design does not allow it to.
func TestDependencyDirection(t *testing.T) {
	imports := projectImports(t)
	for _, core := range []string{"raft", "sim", "harness"} {
		if _, ok := imports[core]; !ok {
			t.Fatalf("package %s not found: the layout test is looking in the wrong place", core)
		}
	}
	for _, v := range dependencyViolations(imports, allowedImports) {
		t.Error(v)
	}
}

// TestDependencyCheckCanFail feeds the check forbidden edges and unknown
// packages, and requires it to name each.
func TestDependencyCheckCanFail(t *testing.T) {
	imports := map[string][]string{
		"raft":    {"sim"},
		"sim":     {"raft"},
		"checker": {"harness", "raft"},
		"mystery": {},
	}
	got := dependencyViolations(imports, allowedImports)
	want := []string{
		"checker imports harness: the design allows only [raft sim internal/strictjson]",
		"package mystery is not in allowedImports: decide where it sits in the dependency graph",
		"raft imports sim: the design allows only [internal/zoohook internal/wire]",
		"sim imports raft: the design allows only []",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// dependencyViolations lists every import the table forbids, and every
// package the table does not know, in sorted order.
func dependencyViolations(imports, allowed map[string][]string) []string {
	var pkgs, out []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		ok, known := allowed[pkg]
		switch {
		case !known:
			out = append(out, "package "+pkg+" is not in allowedImports: decide where it sits in the dependency graph")
		case slices.Contains(ok, "*"):
		default:
			for _, imp := range imports[pkg] {
				if !slices.Contains(ok, imp) {
					out = append(out, pkg+" imports "+imp+": the design allows only ["+strings.Join(ok, " ")+"]")
				}
			}
		}
	}
	return out
}

// projectImports maps each package directory (relative to the module root)
// to the project packages its non-test Go files import, sorted.
func projectImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != "." && err == nil {
				return filepath.SkipDir // a module of its own (bench, examples/...)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		seen := out[dir]
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(p, module+"/"); ok && !slices.Contains(seen, rel) {
				seen = append(seen, rel)
			}
		}
		sort.Strings(seen)
		out[dir] = seen
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatalf("run from the module root: %v", err)
	}
	return out
}
