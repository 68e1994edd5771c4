package campaign

import (
	"fmt"
	"reflect"
	"slices"
)

// Merge combines summaries of distinct shards of one campaign.
// The result is complete only when every shard is there and complete.
func Merge(parts []*Summary) (*Summary, error) {
	first := parts[0]
	m := &Summary{Format: summaryFormat, Version: summaryVersion, Raftsim: first.Raftsim,
		Campaign: first.Campaign, Complete: true, Scenarios: []ScenarioCount{}, Failures: []SignatureSummary{}}
	seen := map[int]int{} // shard -> input index; lookups only
	for i, p := range parts {
		if !reflect.DeepEqual(p.Campaign, first.Campaign) {
			return nil, fmt.Errorf("summary %d is of another campaign: %+v, summary 0 is of %+v", i, p.Campaign, first.Campaign)
		}
		for _, sh := range p.Shards {
			if j, dup := seen[sh]; dup {
				return nil, fmt.Errorf("shard %d is in both summary %d and summary %d", sh, j, i)
			}
			seen[sh] = i
			m.Shards = append(m.Shards, sh)
		}
		m.addSummary(p)
	}
	slices.Sort(m.Shards)
	m.Complete = m.Complete && len(MissingShards(m)) == 0
	return m, nil
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
	for _, ref := range p.InconclusiveSeeds {
		m.InconclusiveSeeds = insertExample(m.InconclusiveSeeds, ref)
	}
	m.Totals.Steps += p.Totals.Steps
	m.Totals.VirtualTime += p.Totals.VirtualTime
	m.Totals.OpsCompleted += p.Totals.OpsCompleted
	m.Totals.Messages += p.Totals.Messages
	m.Totals.Crashes += p.Totals.Crashes
	for _, sc := range p.Scenarios {
		m.addScenarioCount(sc.Name, sc.Seeds, sc.Failed)
	}
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
