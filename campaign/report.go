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
	fmt.Fprintln(w)
	fmt.Fprintf(w, "wall       %.1fs, %.1f seeds/s, %d workers\n", s.Wall.Seconds, s.Wall.SeedsPerSecond, s.Wall.Workers)
	if s.Interrupted {
		fmt.Fprintln(w, "stopped    interrupted before the budget was spent")
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
	switch {
	case s.Failed > 0:
		fmt.Fprintf(w, "verdict    FAIL: %d failing seeds, %d distinct signatures\n", s.Failed, s.Distinct())
	case s.Inconclusive > 0:
		fmt.Fprintf(w, "verdict    INCONCLUSIVE: no failure, %d seeds undecided\n", s.Inconclusive)
	default:
		fmt.Fprintln(w, "verdict    PASS")
	}
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
