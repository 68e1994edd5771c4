package campaign

import (
	"fmt"
	"io"
	"strings"

	"github.com/raftsim/raftsim/harness"
)

// ProbeCount is how often the campaign met one coverage probe
// (harness.Probe): Seeds is how many finished seeds hit it at least once,
// Hits how many times in all. Every probe is listed, in harness.Probe
// order, also at zero: a probe at zero is a situation the campaign never
// reached.
type ProbeCount struct {
	Name  string `json:"name"`
	Seeds int    `json:"seeds"`
	Hits  uint64 `json:"hits"`
}

// newProbeCounts lists every probe at zero.
func newProbeCounts() []ProbeCount {
	names := harness.ProbeNames()
	ps := make([]ProbeCount, len(names))
	for i, n := range names {
		ps[i].Name = n
	}
	return ps
}

// addProbes counts one finished seed's probe hits.
func (s *Summary) addProbes(ps harness.Probes) {
	if len(s.Probes) != len(ps) {
		s.Probes = mergeProbes(newProbeCounts(), s.Probes)
	}
	for i, k := range ps {
		if k > 0 {
			s.Probes[i].Seeds++
			s.Probes[i].Hits += uint64(k)
		}
	}
}

// mergeProbes adds the counts of add to those of into by name; a name
// into lacks (a summary of another build) is appended.
func mergeProbes(into, add []ProbeCount) []ProbeCount {
	for _, p := range add {
		i := probeIndex(into, p.Name)
		if i < 0 {
			into = append(into, ProbeCount{Name: p.Name})
			i = len(into) - 1
		}
		into[i].Seeds += p.Seeds
		into[i].Hits += p.Hits
	}
	return into
}

func probeIndex(ps []ProbeCount, name string) int {
	for i := range ps {
		if ps[i].Name == name {
			return i
		}
	}
	return -1
}

// validateProbes checks that names are distinct and no probe counts more
// seeds than the summary ran.
func (s *Summary) validateProbes() error {
	for i, p := range s.Probes {
		if p.Name == "" || probeIndex(s.Probes[:i], p.Name) >= 0 {
			return fmt.Errorf("probes[%d] %q: names must be non-empty and distinct", i, p.Name)
		}
		if p.Seeds < 0 || p.Seeds > s.Seeds || (p.Seeds == 0) != (p.Hits == 0) || uint64(p.Seeds) > p.Hits {
			return fmt.Errorf("probes[%d] %q: %d seeds and %d hits of %d seeds run", i, p.Name, p.Seeds, p.Hits, s.Seeds)
		}
	}
	return nil
}

// ProbesMissed lists the probes no seed hit, in order.
func (s *Summary) ProbesMissed() []string {
	var out []string
	for _, p := range s.Probes {
		if p.Seeds == 0 {
			out = append(out, p.Name)
		}
	}
	return out
}

// maxMissedListed bounds the probes the report's line names; past it the
// line gives their number.
const maxMissedListed = 8

// probeLine is the text report's one line on coverage.
func (s *Summary) probeLine() string {
	missed := s.ProbesMissed()
	line := fmt.Sprintf("%d of %d hit", len(s.Probes)-len(missed), len(s.Probes))
	switch {
	case len(missed) == 0:
	case len(missed) <= maxMissedListed:
		line += "; never: " + strings.Join(missed, ", ")
	default:
		line += fmt.Sprintf("; %d never (the table: raftsim fuzz --probes)", len(missed))
	}
	return line
}

// WriteProbeTable writes every probe with the seeds that hit it, the share
// of the campaign's seeds, and the hits, as `raftsim fuzz --probes` prints
// it.
func (s *Summary) WriteProbeTable(w io.Writer) {
	width := len("probe")
	for _, p := range s.Probes {
		width = max(width, len(p.Name))
	}
	fmt.Fprintf(w, "%-*s  %7s  %6s  %10s\n", width, "probe", "seeds", "share", "hits")
	for _, p := range s.Probes {
		share := "-"
		if s.Seeds > 0 {
			share = fmt.Sprintf("%5.1f%%", 100*float64(p.Seeds)/float64(s.Seeds))
		}
		fmt.Fprintf(w, "%-*s  %7d  %6s  %10d\n", width, p.Name, p.Seeds, share, p.Hits)
	}
}
