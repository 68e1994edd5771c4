package main

import (
	"fmt"
	"io"
	"reflect"
	"slices"
)

const mergeExamples = `  raftsim merge s1.json s2.json s3.json                 the text report of the whole campaign
  raftsim merge --summary all.json --junit all.xml shard-*/summary.json
  raftsim merge --json s*.json                          the merged summary on stdout
`

// mergeOptions is a parsed `raftsim merge` command line.
type mergeOptions struct {
	inputs  []string
	summary string
	junit   string
	json    bool
}

func parseMerge(args []string, stderr io.Writer) (o mergeOptions, code int, done bool) {
	fs := newFlagSet("merge", `Usage: raftsim merge [flags] SUMMARY...

Combines the summaries of the shards of one campaign (raftsim fuzz --shard
i/n --summary FILE) into the summary of the whole: counts add up, and each
signature keeps its lowest-index failure, so merging shards 1/n..n/n gives
the summary of the unsharded campaign. Exit status 1 when any shard found a
failure.`, mergeExamples, stderr)
	summary := fs.String("summary", "", "write the merged JSON summary to this file")
	junit := fs.String("junit", "", "write a JUnit XML report of the merged campaign to this file")
	asJSON := fs.Bool("json", false, "print the merged summary as JSON instead of the text report")
	pos, code, done := parseArgs(fs, args)
	if done {
		return o, code, true
	}
	if len(pos) == 0 {
		return o, usageError(stderr, fs, "missing SUMMARY files to merge (see --help)"), true
	}
	return mergeOptions{inputs: pos, summary: *summary, junit: *junit, json: *asJSON}, 0, false
}

// mergeCmd merges shard summaries.
func mergeCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseMerge(args, stderr)
	if done {
		return code
	}
	var parts []*Summary
	for _, path := range o.inputs {
		s, err := readSummaryFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
		parts = append(parts, s)
	}
	merged, err := mergeSummaries(parts)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
		return exitUsage
	}
	for i, p := range parts {
		if p.Raftsim != merged.Raftsim {
			fmt.Fprintf(stderr, "raftsim merge: warning: %s was run by raftsim %s, %s by %s: the shards may not be one campaign\n",
				o.inputs[i], p.Raftsim, o.inputs[0], merged.Raftsim)
		}
	}
	if o.summary != "" {
		if err := writeSummaryFile(o.summary, merged); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
	}
	if o.junit != "" {
		if err := writeJUnitFile(o.junit, merged); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
	}
	if o.json {
		writeJSON(stdout, merged)
	} else {
		printCampaign(stdout, merged)
		if missing := missingShards(merged); len(missing) > 0 {
			fmt.Fprintf(stdout, "missing    shards %v of %d were not merged\n", missing, merged.Campaign.Shards)
		}
	}
	if merged.Failed > 0 {
		return exitFailure
	}
	return exitPass
}

// mergeSummaries combines summaries of distinct shards of one campaign.
// The result is complete only when every shard is there and complete.
func mergeSummaries(parts []*Summary) (*Summary, error) {
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
	m.Complete = m.Complete && len(missingShards(m)) == 0
	return m, nil
}

// addSummary adds one part's counts, failures and wall time.
func (m *Summary) addSummary(p *Summary) {
	m.Complete = m.Complete && p.Complete
	m.Interrupted = m.Interrupted || p.Interrupted
	m.Seeds += p.Seeds
	m.Passed += p.Passed
	m.Failed += p.Failed
	m.Abandoned += p.Abandoned
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

// missingShards lists the shards of the campaign that no part covered.
func missingShards(s *Summary) []int {
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
