package mutate

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// renderer writes the schemata form of one file: the source, with each
// site replaced by its emission. It keeps the original's lines: text
// between operands that a site drops contributes its newlines (written
// only where a newline cannot end a statement), and a statement's
// mutated copy is written on one line without comments. Spans record
// which mutants each stretch of the output belongs to, so that a
// compile error maps back to its mutant.
type renderer struct {
	src     []byte
	sites   []*site
	comment []bool // comment[i]: byte i of src is in a comment
	out     bytes.Buffer
	flat    int   // > 0: writing a one-line copy
	cur     []int // the sites being emitted, innermost last
	spans   []outSpan
	first   map[*Mutant]int // where each mutant's site was first written
}

// outSpan is a stretch [lo, hi) of the output and the mutants it holds.
type outSpan struct {
	lo, hi  int
	mutants []*Mutant
}

// newRenderer renders the file's sites that still hold a live mutant.
func newRenderer(fm *fileMutants) *renderer {
	r := &renderer{src: fm.src, comment: make([]bool, len(fm.src)), first: map[*Mutant]int{}}
	for _, s := range fm.sites {
		if slices.ContainsFunc(s.mutants, func(m *Mutant) bool { return !m.dropped }) {
			r.sites = append(r.sites, s)
		}
	}
	for _, cg := range fm.file.Comments {
		for _, c := range cg.List {
			lo, hi := fm.fset.Position(c.Pos()).Offset, fm.fset.Position(c.End()).Offset
			for i := lo; i < hi; i++ {
				r.comment[i] = true
			}
		}
	}
	sort.SliceStable(r.sites, func(i, j int) bool {
		a, b := r.sites[i], r.sites[j]
		if a.lo != b.lo {
			return a.lo < b.lo
		}
		return a.hi > b.hi
	})
	return r
}

// render is the whole file in schemata form, the switch package imported
// on the package clause's line.
func (r *renderer) render(name int, module string) []byte {
	r.copy(0, name)
	if len(r.sites) > 0 {
		r.printf("; import %s %s", switchName, strconv.Quote(module+"/"+switchImport))
	}
	r.emitRange(name, len(r.src))
	return r.out.Bytes()
}

func (r *renderer) write(s string)                 { r.out.WriteString(s) }
func (r *renderer) printf(format string, a ...any) { fmt.Fprintf(&r.out, format, a...) }

// emit writes the source range with the sites inside it that come after
// the one being emitted.
func (r *renderer) emit(s span) { r.emitRange(s.lo, s.hi) }

func (r *renderer) emitRange(lo, hi int) {
	after := -1
	if len(r.cur) > 0 {
		after = r.cur[len(r.cur)-1]
	}
	pos := lo
	for i := after + 1; i < len(r.sites); i++ {
		s := r.sites[i]
		if s.lo >= hi {
			break
		}
		if s.lo < pos || s.hi > hi {
			continue
		}
		r.copy(pos, s.lo)
		start := r.out.Len()
		r.cur = append(r.cur, i)
		s.emit(r)
		r.cur = r.cur[:len(r.cur)-1]
		r.spans = append(r.spans, outSpan{start, r.out.Len(), s.mutants})
		for _, m := range s.mutants {
			if _, ok := r.first[m]; !ok {
				r.first[m] = start
			}
		}
		pos = s.hi
	}
	r.copy(pos, hi)
}

// copy writes src[lo:hi]; in a one-line copy without comments, newlines
// as spaces.
func (r *renderer) copy(lo, hi int) {
	if r.flat == 0 {
		r.out.Write(r.src[lo:hi])
		return
	}
	for i := lo; i < hi; i++ {
		switch c := r.src[i]; {
		case r.comment[i]:
		case c == '\n':
			r.out.WriteByte(' ')
		default:
			r.out.WriteByte(c)
		}
	}
}

// gap writes the newlines of a stretch of source a site drops, so that
// the lines after it keep their numbers.
func (r *renderer) gap(s span) {
	if r.flat > 0 {
		return
	}
	r.out.Write(bytes.Repeat([]byte{'\n'}, bytes.Count(r.src[s.lo:s.hi], []byte{'\n'})))
}

// flatAlt writes a mutant's alternative statement on one line and
// records its span apart, so that an alternative that does not compile
// drops only its own mutant.
func (r *renderer) flatAlt(m *Mutant, emit func(r *renderer)) {
	start := r.out.Len()
	r.flat++
	emit(r)
	r.flat--
	r.spans = append(r.spans, outSpan{start, r.out.Len(), []*Mutant{m}})
}

// mutantsAt are the mutants of the innermost span holding offset o.
func (r *renderer) mutantsAt(o int) []*Mutant {
	best := -1
	for i, s := range r.spans {
		if s.lo <= o && o < s.hi && (best < 0 || s.hi-s.lo < r.spans[best].hi-r.spans[best].lo) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	return r.spans[best].mutants
}
