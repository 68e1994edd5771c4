package campaign

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the text report of a summary, as `raftsim fuzz` and
// `raftsim merge` print it.
func (s *Summary) WriteText(w io.Writer) {
	c := s.Campaign
	bugs := "none"
	if len(c.Bugs) > 0 {
		bugs = strings.Join(c.Bugs, ",")
	}
	store := ""
	if c.Store != "" {
		store = ", store " + c.Store
	}
	fmt.Fprintf(w, "campaign   seed %v, scenario %s%s, bugs %s%s, shards %v of %d\n", c.Seed, c.Scenario, shortNote(c.Short), bugs, store, s.Shards, c.Shards)
	fmt.Fprintf(w, "seeds      %d run: %d passed, %d failed", s.Seeds, s.Passed, s.Failed)
	if s.Inconclusive > 0 {
		fmt.Fprintf(w, ", %d inconclusive", s.Inconclusive)
	}
	if s.Abandoned > 0 {
		fmt.Fprintf(w, ", %d abandoned", s.Abandoned)
	}
	if c.Guided {
		fmt.Fprintf(w, "; guided, %d perturbations", s.Perturbed)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "wall       %.1fs, %.1f seeds/s, %d workers\n", s.Wall.Seconds, s.Wall.SeedsPerSecond, s.Wall.Workers)
	if s.Interrupted {
		fmt.Fprintln(w, "stopped    interrupted before the budget was spent")
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "problem    %s\n", p)
	}
	for _, f := range s.Failures {
		fmt.Fprintf(w, "failure    %s: %d seeds, first index %d (seed %v, %s)\n", f.Signature, f.Count, f.First.Index, f.First.Seed, f.First.Scenario)
		fmt.Fprintf(w, "           %s\n", oneLine(f.First.Message))
		if f.First.File != "" {
			fmt.Fprintf(w, "           raftsim replay %s\n", f.First.File)
		} else {
			fmt.Fprintf(w, "           %s\n", f.First.Reproduce)
		}
	}
	for _, r := range s.InconclusiveSeeds {
		fmt.Fprintf(w, "undecided  index %d (seed %v, %s): %s\n", r.Index, r.Seed, r.Scenario, oneLine(r.Message))
		fmt.Fprintf(w, "           %s\n", r.Reproduce)
	}
	if len(s.Probes) > 0 {
		fmt.Fprintf(w, "probes     %s\n", s.probeLine())
	}
	fmt.Fprintf(w, "verdict    %s\n", s.VerdictLine())
}

// Verdicts of a summary, strongest first: what its report says and its
// command's exit code follows.
const (
	VerdictFail         = "FAIL"
	VerdictInterrupted  = "INTERRUPTED"
	VerdictInconclusive = "INCONCLUSIVE"
	VerdictPass         = "PASS"
)

// Verdict is the summary's verdict. A failure found, or a merged summary
// that does not cover its campaign (Problems), is FAIL; else a campaign
// cut short by a signal is INTERRUPTED, however many seeds passed, since
// its budget was not spent; else undecided seeds make it INCONCLUSIVE.
func (s *Summary) Verdict() string {
	switch {
	case s.Failed > 0 || len(s.Problems) > 0:
		return VerdictFail
	case s.Interrupted:
		return VerdictInterrupted
	case s.Inconclusive > 0:
		return VerdictInconclusive
	}
	return VerdictPass
}

// VerdictLine is the verdict with what it rests on.
func (s *Summary) VerdictLine() string {
	switch v := s.Verdict(); {
	case s.Failed > 0:
		return fmt.Sprintf("%s: %d failing seeds, %d distinct signatures", v, s.Failed, s.Distinct())
	case v == VerdictFail:
		return fmt.Sprintf("%s: the summaries do not cover the campaign (%d problems above)", v, len(s.Problems))
	case v == VerdictInterrupted:
		return fmt.Sprintf("%s: no failure in the %d seeds that ran%s, but the budget (%s) was not spent",
			v, s.Seeds, s.abandonedNote(), s.budgetNote())
	case v == VerdictInconclusive:
		return fmt.Sprintf("%s: no failure, %d seeds undecided", v, s.Inconclusive)
	default:
		return v
	}
}

func (s *Summary) abandonedNote() string {
	if s.Abandoned == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d more abandoned mid-run)", s.Abandoned)
}

// budgetNote is the campaign's budget in words.
func (s *Summary) budgetNote() string {
	c := s.Campaign
	var parts []string
	if c.SeedBudget > 0 {
		parts = append(parts, fmt.Sprintf("%d seeds", c.SeedBudget))
	}
	if c.TimeBudget > 0 {
		parts = append(parts, fmt.Sprintf("%v of wall time", c.TimeBudget))
	}
	if c.CPUBudget > 0 {
		parts = append(parts, fmt.Sprintf("%v of CPU time", c.CPUBudget))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// shortNote is how reports mark the scenarios' short mode.
func shortNote(short bool) string {
	if short {
		return " (short)"
	}
	return ""
}

// oneLine keeps a message to one line of reasonable length for logs.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
