package mutate

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Score is killed out of scored mutants, with a 95% Wilson interval.
type Score struct {
	Killed  int     `json:"killed"`
	Of      int     `json:"of"`
	Percent float64 `json:"percent"`
	Low     float64 `json:"low"`  // percent
	High    float64 `json:"high"` // percent
}

// NewScore computes the score and its Wilson interval (z = 1.96).
func NewScore(killed, of int) Score {
	s := Score{Killed: killed, Of: of}
	if of == 0 {
		return s
	}
	n, p, z := float64(of), float64(killed)/float64(of), 1.96
	d := 1 + z*z/n
	mid := (p + z*z/(2*n)) / d
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / d
	s.Percent, s.Low, s.High = 100*p, 100*max(0, mid-half), 100*min(1, mid+half)
	return s
}

func (s Score) String() string {
	return fmt.Sprintf("%d/%d = %.1f%% (95%% CI %.1f-%.1f%%)", s.Killed, s.Of, s.Percent, s.Low, s.High)
}

// OperatorRow is one operator's figures.
type OperatorRow struct {
	Operator  string `json:"operator"`
	Scored    int    `json:"scored"`
	Campaign  int    `json:"killedByCampaign"` // incl. timeouts and crashes
	Total     int    `json:"killedTotal"`      // campaign or unit tests
	Survived  int    `json:"survived"`
	Unreached int    `json:"survivedUnreached"`
}

// Report is a mutation run's result; `raftsim bench mutants --json`.
type Report struct {
	Module      string   `json:"module"`
	Targets     []string `json:"targets"`
	Command     string   `json:"campaign"`
	Budget      string   `json:"budgetCPU"`
	Generated   int      `json:"generated"`   // compiled mutants
	NotCompiled int      `json:"notCompiled"` // dropped
	Sample      int      `json:"sample"`      // 0: all
	SampleSeed  uint64   `json:"sampleSeed"`
	Run         int      `json:"run"`
	Equivalent  int      `json:"equivalent"`
	Baseline    Baseline `json:"baseline"`
	Coverage    bool     `json:"coverage"`
	// Campaign is the headline: killed by the campaign alone (timeouts
	// and crashes included); All adds the unit tests.
	Campaign  Score          `json:"scoreCampaign"`
	All       Score          `json:"scoreAll"`
	Counts    map[string]int `json:"counts"`
	Operators []OperatorRow  `json:"operators"`
	Results   []Result       `json:"results"`
	// StaleEquivalents are listed equivalents that match no generated
	// mutant (the code changed): review them.
	StaleEquivalents []string `json:"staleEquivalents,omitempty"`
	WallSeconds      float64  `json:"wallSeconds"`
}

// Tally fills the scores, counts and operator table from the results.
func (r *Report) Tally() {
	r.Counts = map[string]int{}
	rows := map[string]*OperatorRow{}
	campaign, all, scored := 0, 0, 0
	for i := range r.Results {
		res := &r.Results[i]
		r.Counts[res.Verdict]++
		if res.Verdict == Equivalent {
			continue
		}
		row := rows[res.Mutant.Operator]
		if row == nil {
			row = &OperatorRow{Operator: res.Mutant.Operator}
			rows[res.Mutant.Operator] = row
		}
		scored++
		row.Scored++
		switch {
		case res.Verdict == KilledUnit:
			all++
			row.Total++
		case res.Killed():
			campaign, all = campaign+1, all+1
			row.Campaign++
			row.Total++
		default:
			row.Survived++
			if res.Reached != nil && !*res.Reached {
				row.Unreached++
			}
		}
	}
	r.Equivalent = r.Counts[Equivalent]
	r.Campaign, r.All = NewScore(campaign, scored), NewScore(all, scored)
	r.Operators = nil
	for _, op := range Operators {
		if row := rows[op]; row != nil {
			r.Operators = append(r.Operators, *row)
		}
	}
}

// WriteText writes the report for people: stable in order, so that two
// runs diff well.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "mutation testing of %s\n", strings.Join(r.Targets, ", "))
	fmt.Fprintf(w, "campaign   %s\n", r.Command)
	sample := "all"
	if r.Sample > 0 {
		sample = fmt.Sprintf("%d (sample seed %d)", r.Sample, r.SampleSeed)
	}
	fmt.Fprintf(w, "mutants    %d generated (%d more did not compile), sample %s, %d run, %d equivalent\n",
		r.Generated, r.NotCompiled, sample, r.Run, r.Equivalent)
	fmt.Fprintf(w, "baseline   the unmutated core passed %d seeds (1.5 budgets) and its unit tests\n", r.Baseline.Seeds)
	fmt.Fprintf(w, "\nscore, campaign alone        %s\n", r.Campaign)
	fmt.Fprintf(w, "score, campaign or unit tests %s\n", r.All)
	fmt.Fprintf(w, "verdicts   campaign %d, timeout %d, crash %d, unit %d, survived %d\n",
		r.Counts[KilledCampaign], r.Counts[KilledTimeout], r.Counts[KilledCrash], r.Counts[KilledUnit], r.Counts[Survived])
	fmt.Fprintf(w, "\n%-12s %7s %9s %7s %9s %10s\n", "operator", "scored", "campaign", "total", "survived", "unreached")
	for _, o := range r.Operators {
		fmt.Fprintf(w, "%-12s %7d %9d %7d %9d %10s\n", o.Operator, o.Scored, o.Campaign, o.Total, o.Survived, r.unreached(o.Unreached))
	}
	r.list(w, "survivors (campaign and unit tests)", Survived, true)
	r.list(w, "killed only by the unit tests", KilledUnit, true)
	r.list(w, "killed by a timeout", KilledTimeout, true)
	r.list(w, "killed by a crash", KilledCrash, true)
	r.list(w, "equivalent (not scored)", Equivalent, true)
	if len(r.StaleEquivalents) > 0 {
		fmt.Fprintf(w, "\nstale equivalents (no such mutant any more):\n")
		for _, k := range r.StaleEquivalents {
			fmt.Fprintf(w, "  %s\n", k)
		}
	}
}

func (r *Report) unreached(n int) string {
	if !r.Coverage {
		return "-"
	}
	return fmt.Sprint(n)
}

// list prints the results of one verdict, by position.
func (r *Report) list(w io.Writer, title, verdict string, detail bool) {
	var rs []*Result
	for i := range r.Results {
		if r.Results[i].Verdict == verdict {
			rs = append(rs, &r.Results[i])
		}
	}
	if len(rs) == 0 {
		return
	}
	sort.SliceStable(rs, func(i, j int) bool { return lessPos(rs[i].Mutant, rs[j].Mutant) })
	fmt.Fprintf(w, "\n%s: %d\n", title, len(rs))
	for _, res := range rs {
		m := res.Mutant
		reach := ""
		if res.Reached != nil && !*res.Reached {
			reach = " [unreached]"
		}
		fmt.Fprintf(w, "  %s %s %s: %s%s\n", m.Pos(), m.Func, m.Operator, m.Change(), reach)
		if detail && res.Detail != "" && verdict != Survived {
			fmt.Fprintf(w, "      %s\n", oneLineCut(res.Detail, 160))
		}
	}
}

func lessPos(a, b *Mutant) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Col != b.Col {
		return a.Col < b.Col
	}
	return a.Operator < b.Operator
}
