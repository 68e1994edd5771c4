package campaign

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Part is one summary given to Merge, with where it came from (for the
// problems Merge reports).
type Part struct {
	Name    string
	Summary *Summary
}

// Merge combines the summaries of the shards of one campaign. It takes
// the campaign's identity and shard count from the first part; a part of
// another campaign, or a shard given twice, is left out of the counts, and
// it and every shard no part covers is listed in Problems, which makes the
// merged summary fail (Verdict). The result is complete only when every
// shard is there once and complete.
func Merge(parts []Part) (*Summary, error) {
	if len(parts) == 0 {
		return nil, errors.New("campaign: no summary to merge")
	}
	first := parts[0].Summary
	m := &Summary{Format: summaryFormat, Version: summaryVersion, Raftsim: first.Raftsim,
		Campaign: first.Campaign, Complete: true, Scenarios: []ScenarioCount{}, Failures: []SignatureSummary{},
		Probes: newProbeCounts()}
	seen := map[int]string{} // shard -> the part that covered it; lookups only
	for _, p := range parts {
		s := p.Summary
		m.Problems = append(m.Problems, s.Problems...)
		if !reflect.DeepEqual(s.Campaign, first.Campaign) {
			m.Problems = append(m.Problems, fmt.Sprintf("%s is of another campaign (%s), not of %s: left out",
				p.Name, s.Campaign.Describe(), first.Campaign.Describe()))
			continue
		}
		dup := false
		for _, sh := range s.Shards {
			if other, ok := seen[sh]; ok {
				m.Problems = append(m.Problems, fmt.Sprintf("shard %d of %d is in both %s and %s: %s left out",
					sh, first.Campaign.Shards, other, p.Name, p.Name))
				dup = true
			}
		}
		if dup {
			continue
		}
		for _, sh := range s.Shards {
			seen[sh] = p.Name
			m.Shards = append(m.Shards, sh)
		}
		m.addSummary(s)
	}
	slices.Sort(m.Shards)
	if missing := MissingShards(m); len(missing) > 0 {
		m.Problems = append(m.Problems, fmt.Sprintf("shards %s of %d are missing: no summary covers them",
			intList(missing), m.Campaign.Shards))
	}
	m.Complete = m.Complete && len(m.Problems) == 0
	return m, nil
}

// intList is "1, 3, 4".
func intList(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

// Describe is the campaign in a few words, for messages.
func (c Campaign) Describe() string {
	d := fmt.Sprintf("campaign seed %v, scenario %s, %d shards", c.Seed, c.Scenario, c.Shards)
	if c.Short {
		d += ", short"
	}
	if len(c.Bugs) > 0 {
		d += ", bugs " + strings.Join(c.Bugs, ",")
	}
	if c.Store != "" {
		d += ", store " + c.Store
	}
	if c.SeedBudget > 0 {
		d += fmt.Sprintf(", %d seeds", c.SeedBudget)
	}
	if c.TimeBudget > 0 {
		d += fmt.Sprintf(", time %v", c.TimeBudget)
	}
	if c.CPUBudget > 0 {
		d += fmt.Sprintf(", cpu %v", c.CPUBudget)
	}
	return d
}

// addSummary adds one part's counts, failures and wall time.
func (m *Summary) addSummary(p *Summary) {
	m.Complete = m.Complete && p.Complete
	m.Interrupted = m.Interrupted || p.Interrupted
	m.Seeds += p.Seeds
	m.Passed += p.Passed
	m.Failed += p.Failed
	m.Inconclusive += p.Inconclusive
	m.Abandoned += p.Abandoned
	m.Perturbed += p.Perturbed
	for _, ref := range p.InconclusiveSeeds {
		m.InconclusiveSeeds = insertExample(m.InconclusiveSeeds, ref)
	}
	m.Totals.Steps += p.Totals.Steps
	m.Totals.VirtualTime += p.Totals.VirtualTime
	m.Totals.OpsCompleted += p.Totals.OpsCompleted
	m.Totals.Messages += p.Totals.Messages
	m.Totals.Crashes += p.Totals.Crashes
	for _, sc := range p.Scenarios {
		m.addScenarioCount(sc)
	}
	m.Probes = mergeProbes(m.Probes, p.Probes)
	for _, f := range p.Failures {
		if e := m.entry(f.Signature); e != nil {
			e.add(f.First, f.Count)
		} else {
			m.insertSignature(SignatureSummary{Signature: f.Signature, Class: f.Class, Check: f.Check, Count: f.Count, First: f.First})
		}
		e := m.entry(f.Signature)
		for _, ex := range f.Examples {
			e.add(ex, 0)
		}
	}
	m.addWall(p.Wall)
}

// insertSignature adds a new signature in sorted place.
func (m *Summary) insertSignature(g SignatureSummary) {
	i, _ := slices.BinarySearchFunc(m.Failures, g.Signature, func(e SignatureSummary, sig string) int {
		switch {
		case e.Signature < sig:
			return -1
		case e.Signature > sig:
			return 1
		}
		return 0
	})
	m.Failures = slices.Insert(m.Failures, i, g)
}

// addWall treats the shards as having run side by side: the merged
// campaign took as long as its slowest shard, on all their workers.
func (m *Summary) addWall(w Wall) {
	if m.Wall.Started.IsZero() || (!w.Started.IsZero() && w.Started.Before(m.Wall.Started)) {
		m.Wall.Started = w.Started
	}
	m.Wall.Seconds = max(m.Wall.Seconds, w.Seconds)
	m.Wall.Workers += w.Workers
	for name, secs := range w.ScenarioSeconds { // sums: the order does not matter
		m.addScenarioSeconds(name, secs)
	}
	if m.Wall.Seconds > 0 {
		m.Wall.SeedsPerSecond = float64(m.Seeds) / m.Wall.Seconds
	}
}

// MissingShards lists the shards of the campaign that no part covered.
func MissingShards(s *Summary) []int {
	covered := make(map[int]bool, len(s.Shards)) // lookups only
	for _, i := range s.Shards {
		covered[i] = true
	}
	var missing []int
	for i := 1; i <= s.Campaign.Shards; i++ {
		if !covered[i] {
			missing = append(missing, i)
		}
	}
	return missing
}
