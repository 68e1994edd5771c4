package mutate

import (
	"fmt"
	"strconv"
)

// The operators: each names one kind of small fault.
const (
	OpBoundary = "boundary"    // < <=, <= <, > >=, >= >
	OpNegate   = "negate"      // == !=, < >=, <= >, > <=, >= <
	OpLogical  = "logical"     // && ||
	OpNot      = "not-removal" // !x -> x
	OpCond     = "cond-negate" // if c / for c, c a call or a variable -> !c
	OpArith    = "arith"       // + -, * /, and += -=, *= /=
	OpIncDec   = "incdec"      // ++ --
	OpRemove   = "remove"      // a call, assignment or ++/-- statement removed
)

// Operators lists the operators in report order.
var Operators = []string{OpBoundary, OpNegate, OpLogical, OpNot, OpCond, OpArith, OpIncDec, OpRemove}

// Mutant is one mutation of the source.
type Mutant struct {
	// ID selects the mutant in one schemata build (SwitchEnv); it is not
	// stable across builds: Key is.
	ID       int    `json:"id"`
	File     string `json:"file"` // slash path from the module root
	Func     string `json:"func"` // (*Type).method, func, or func.funcN for a closure
	Operator string `json:"operator"`
	Orig     string `json:"orig"`    // the original text, on one line
	Mutated  string `json:"mutated"` // the mutated text; "" for a removed statement
	// Occurrence counts the mutants before this one in the same function
	// with the same operator and texts.
	Occurrence int `json:"occurrence"`
	Line       int `json:"line"`
	Col        int `json:"col"`
	// outLine and outCol are where the schemata copy evaluates the
	// mutant: they map it to coverage blocks.
	outLine, outCol int
	// dropped: the mutant does not compile and is left out of the build.
	dropped bool
}

// id is the mutant's id in the build, -1 when dropped (never active).
func (m *Mutant) id() int {
	if m.dropped {
		return -1
	}
	return m.ID
}

// Key is the mutant's identity: stable across builds and across edits
// elsewhere in the file.
func (m *Mutant) Key() string {
	return fmt.Sprintf("%s %s %s#%d %s -> %s", m.File, m.Func, m.Operator, m.Occurrence,
		strconv.Quote(m.Orig), strconv.Quote(m.Mutated))
}

// Pos is file:line:col in the original source.
func (m *Mutant) Pos() string { return fmt.Sprintf("%s:%d:%d", m.File, m.Line, m.Col) }

// Change is `orig -> mutated` for reports.
func (m *Mutant) Change() string {
	if m.Mutated == "" {
		return m.Orig + " -> (removed)"
	}
	return m.Orig + " -> " + m.Mutated
}
