package mutate

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
)

// Options tune what the mutator generates.
type Options struct {
	// ObserveOnly names functions and methods whose calls only observe
	// (raftsim's coverage probes, n.hit): their calls are not removed,
	// and an if statement whose body holds only such calls is not
	// mutated, since no test can tell.
	ObserveOnly []string
	// SkipFuncs names functions and methods that are not mutated at all
	// (presentation only, such as String).
	SkipFuncs []string
}

// DefaultOptions are raftsim's: probes observe only, String methods are
// presentation.
var DefaultOptions = Options{ObserveOnly: []string{"hit"}, SkipFuncs: []string{"String", "GoString"}}

// site is one place of the source rewritten in the schemata: a byte
// range [lo, hi) and how to emit it with its mutants compiled in.
type site struct {
	lo, hi  int
	mutants []*Mutant
	emit    func(r *renderer)
}

// fileMutants are one file's mutants and the sites that hold them.
type fileMutants struct {
	rel     string // slash path from the module root
	src     []byte
	fset    *token.FileSet
	file    *ast.File
	sites   []*site
	mutants []*Mutant
}

// mutateFile parses one file and generates its mutants.
func mutateFile(rel string, src []byte, opts Options) (*fileMutants, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("mutate: %w", err)
	}
	g := &generator{fm: &fileMutants{rel: rel, src: src, fset: fset, file: f}, opts: opts, seen: map[string]int{}}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			g.fn = funcName(d)
			if d.Body == nil || slices.Contains(opts.SkipFuncs, d.Name.Name) {
				continue
			}
			g.lits = 0
			g.inspect(d.Body)
		case *ast.GenDecl:
			if d.Tok == token.VAR {
				g.fn, g.lits = "var", 0
				g.inspect(d)
			}
		}
	}
	return g.fm, nil
}

// funcName is (*T).m, T.m or f.
func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	star := ""
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = "*", s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	name := "?"
	if id, ok := t.(*ast.Ident); ok {
		name = id.Name
	}
	if star != "" {
		return "(*" + name + ")." + d.Name.Name
	}
	return name + "." + d.Name.Name
}

// generator walks one file.
type generator struct {
	fm   *fileMutants
	opts Options
	fn   string // the enclosing function's name
	lits int    // closures met so far in the enclosing declaration
	seen map[string]int
}

func (g *generator) inspect(root ast.Node) {
	var stack []ast.Node
	var names []string
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			if _, ok := stack[len(stack)-1].(*ast.FuncLit); ok {
				g.fn, names = names[len(names)-1], names[:len(names)-1]
			}
			stack = stack[:len(stack)-1]
			return true
		}
		if !g.visit(n) {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			g.lits++
			names = append(names, g.fn)
			g.fn = fmt.Sprintf("%s.func%d", g.fn, g.lits)
		}
		stack = append(stack, n)
		return true
	})
}

// visit generates the mutants of one node; false skips its children.
func (g *generator) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		g.binary(n)
	case *ast.UnaryExpr:
		if n.Op == token.NOT {
			g.not(n)
		}
	case *ast.IfStmt:
		if n.Else == nil && g.observeOnly(n.Body.List) {
			return false
		}
		g.cond(n.Cond)
	case *ast.ForStmt:
		g.cond(n.Cond)
	case *ast.BlockStmt:
		g.stmts(n.List)
	case *ast.CaseClause:
		g.stmts(n.Body)
	case *ast.CommClause:
		g.stmts(n.Body)
	}
	return true
}

// observeOnly reports whether every statement is an observe-only call.
func (g *generator) observeOnly(list []ast.Stmt) bool {
	for _, s := range list {
		if !g.observeCall(s) {
			return false
		}
	}
	return len(list) > 0
}

func (g *generator) observeCall(s ast.Stmt) bool {
	e, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	return slices.Contains(g.opts.ObserveOnly, calleeName(e.X))
}

// calleeName is the called function's or method's bare name, "" for no call.
func calleeName(e ast.Expr) string {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return ""
	}
	switch f := ast.Unparen(c.Fun).(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	case *ast.IndexExpr: // an explicit instantiation
		if id, ok := f.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return "?"
}

// text is the source of n on one line.
func (g *generator) text(n ast.Node) string {
	return oneLine(string(g.fm.src[g.off(n.Pos()):g.off(n.End())]))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (g *generator) off(p token.Pos) int { return g.fm.fset.Position(p).Offset }

// mutant records a mutant at n.
func (g *generator) mutant(n ast.Node, op, orig, mutated string) *Mutant {
	k := g.fn + "\x00" + op + "\x00" + orig + "\x00" + mutated
	p := g.fm.fset.Position(n.Pos())
	m := &Mutant{File: g.fm.rel, Func: g.fn, Operator: op, Orig: orig, Mutated: mutated, Occurrence: g.seen[k], Line: p.Line, Col: p.Column}
	g.seen[k]++
	g.fm.mutants = append(g.fm.mutants, m)
	return m
}

func (g *generator) addSite(n ast.Node, emit func(r *renderer), ms ...*Mutant) {
	g.fm.sites = append(g.fm.sites, &site{lo: g.off(n.Pos()), hi: g.off(n.End()), mutants: ms, emit: emit})
}

// span is a node's byte range.
type span struct{ lo, hi int }

func (g *generator) span(n ast.Node) span { return span{g.off(n.Pos()), g.off(n.End())} }

var (
	// orderedHelpers are the switch package's helpers for each ordered
	// comparison, with the boundary and negated operators.
	orderedHelpers = map[token.Token]struct {
		helper            string
		boundary, negated token.Token
	}{
		token.LSS: {"Lss", token.LEQ, token.GEQ},
		token.LEQ: {"Leq", token.LSS, token.GTR},
		token.GTR: {"Gtr", token.GEQ, token.LEQ},
		token.GEQ: {"Geq", token.GTR, token.LSS},
	}
	arithHelpers = map[token.Token]struct {
		helper string
		to     token.Token
	}{
		token.ADD: {"Add", token.SUB}, token.SUB: {"Sub", token.ADD},
		token.MUL: {"Mul", token.QUO}, token.QUO: {"Quo", token.MUL},
	}
	swapped = map[token.Token]token.Token{
		token.EQL: token.NEQ, token.NEQ: token.EQL, token.LAND: token.LOR, token.LOR: token.LAND,
		token.INC: token.DEC, token.DEC: token.INC,
		token.ADD_ASSIGN: token.SUB_ASSIGN, token.SUB_ASSIGN: token.ADD_ASSIGN,
		token.MUL_ASSIGN: token.QUO_ASSIGN, token.QUO_ASSIGN: token.MUL_ASSIGN,
	}
)

func (g *generator) binary(b *ast.BinaryExpr) {
	x, y := g.span(b.X), g.span(b.Y)
	gap := span{x.hi, y.lo}
	// with is the mutated text: an operand that binds less tightly than
	// the new operator gets the parentheses the mutant implies.
	with := func(op token.Token) string {
		x, y := g.text(b.X), g.text(b.Y)
		if bx, ok := b.X.(*ast.BinaryExpr); ok && bx.Op.Precedence() < op.Precedence() {
			x = "(" + x + ")"
		}
		if by, ok := b.Y.(*ast.BinaryExpr); ok && by.Op.Precedence() <= op.Precedence() {
			y = "(" + y + ")"
		}
		return x + " " + op.String() + " " + y
	}
	orig := g.text(b)
	if h, ok := orderedHelpers[b.Op]; ok {
		mb := g.mutant(b, OpBoundary, orig, with(h.boundary))
		mn := g.mutant(b, OpNegate, orig, with(h.negated))
		g.addSite(b, func(r *renderer) {
			r.printf("%s.%s(%d, %d, ", switchName, h.helper, mb.id(), mn.id())
			r.emit(x)
			r.write(", ")
			r.gap(gap)
			r.emit(y)
			r.write(")")
		}, mb, mn)
		return
	}
	if h, ok := arithHelpers[b.Op]; ok {
		if isLiteral(b.X) && isLiteral(b.Y) {
			return // a constant
		}
		m := g.mutant(b, OpArith, orig, with(h.to))
		g.addSite(b, func(r *renderer) {
			r.printf("%s.%s(%d, ", switchName, h.helper, m.id())
			r.emit(x)
			r.write(", ")
			r.gap(gap)
			r.emit(y)
			r.write(")")
		}, m)
		return
	}
	switch b.Op {
	case token.EQL, token.NEQ:
		// (on != (x == y)): the comparison's result flipped.
		m := g.mutant(b, OpNegate, orig, with(swapped[b.Op]))
		g.addSite(b, func(r *renderer) {
			r.printf("(%s.On(%d) != ((", switchName, m.id())
			r.emit(x)
			r.printf(") %s ", b.Op)
			r.gap(gap)
			r.write("(")
			r.emit(y)
			r.write(")))")
		}, m)
	case token.LAND, token.LOR:
		// s != ((s != x) && (s != y)) is x && y when s is false and
		// x || y when s is true, with the short-circuit of each.
		m := g.mutant(b, OpLogical, orig, with(swapped[b.Op]))
		g.addSite(b, func(r *renderer) {
			on := fmt.Sprintf("%s.On(%d)", switchName, m.id())
			r.printf("(%s != ((%s != (", on, on)
			r.emit(x)
			r.printf(")) %s ", b.Op)
			r.gap(gap)
			r.printf("(%s != (", on)
			r.emit(y)
			r.write("))))")
		}, m)
	}
}

// isLiteral reports whether e is a literal (so e op e is a constant).
func isLiteral(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.BasicLit)
	return ok
}

// not mutates !x into x: (on == x) is !x when off and x when on.
func (g *generator) not(u *ast.UnaryExpr) {
	m := g.mutant(u, OpNot, g.text(u), g.text(u.X))
	x := g.span(u.X)
	g.addSite(u, func(r *renderer) {
		r.printf("(%s.On(%d) == (", switchName, m.id())
		r.gap(span{g.off(u.OpPos) + 1, x.lo})
		r.emit(x)
		r.write("))")
	}, m)
}

// cond negates a condition that no other operator flips: a call, a
// variable, a field.
func (g *generator) cond(c ast.Expr) {
	if c == nil {
		return
	}
	switch e := ast.Unparen(c).(type) {
	case *ast.BinaryExpr:
		if _, ok := orderedHelpers[e.Op]; ok || e.Op == token.EQL || e.Op == token.NEQ || e.Op == token.LAND || e.Op == token.LOR {
			return
		}
	case *ast.UnaryExpr:
		if e.Op == token.NOT {
			return
		}
	case *ast.Ident:
		if e.Name == "true" || e.Name == "false" {
			return
		}
	}
	m := g.mutant(c, OpCond, g.text(c), "!("+g.text(c)+")")
	s := g.span(c)
	g.addSite(c, func(r *renderer) {
		r.printf("(%s.On(%d) != (", switchName, m.id())
		r.emit(s)
		r.write("))")
	}, m)
}

// stmts generates the statement mutants of a statement list: only
// there may a statement become a switch.
func (g *generator) stmts(list []ast.Stmt) {
	for _, s := range list {
		var alt *Mutant
		var altText func(r *renderer)
		switch s := s.(type) {
		case *ast.ExprStmt:
			name := calleeName(s.X)
			if name == "" || name == "panic" || slices.Contains(g.opts.ObserveOnly, name) {
				continue
			}
		case *ast.IncDecStmt:
			to := swapped[s.Tok]
			alt = g.mutant(s, OpIncDec, g.text(s), g.text(s.X)+to.String())
			x := g.span(s.X)
			altText = func(r *renderer) { r.emit(x); r.write(to.String()) }
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE || allBlank(s.Lhs) {
				continue
			}
			if to, ok := swapped[s.Tok]; ok {
				alt = g.mutant(s, OpArith, g.text(s), g.text(s.Lhs[0])+" "+to.String()+" "+g.text(s.Rhs[0]))
				l, rh := g.span(s.Lhs[0]), g.span(s.Rhs[0])
				altText = func(r *renderer) { r.emit(l); r.printf(" %s ", to); r.emit(rh) }
			}
		default:
			continue
		}
		rm := g.mutant(s, OpRemove, g.text(s), "")
		whole := g.span(s)
		ms := []*Mutant{rm}
		if alt != nil {
			ms = append(ms, alt)
		}
		g.addSite(s, func(r *renderer) {
			r.printf("switch %s.ID() { default: ", switchName)
			r.emit(whole)
			if !rm.dropped {
				r.printf(" ; case %d: ", rm.ID)
			}
			if alt != nil && !alt.dropped {
				r.printf(" ; case %d: ", alt.ID)
				r.flatAlt(alt, altText)
			}
			r.write(" }")
		}, ms...)
	}
}

func allBlank(es []ast.Expr) bool {
	for _, e := range es {
		if id, ok := e.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}
