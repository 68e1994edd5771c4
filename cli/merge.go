package cli

import (
	"fmt"
	"io"

	"github.com/raftsim/raftsim/campaign"
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
	var parts []*campaign.Summary
	for _, path := range o.inputs {
		s, err := campaign.ReadSummaryFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
		parts = append(parts, s)
	}
	merged, err := campaign.Merge(parts)
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
		if err := campaign.WriteSummaryFile(o.summary, merged); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
	}
	if o.junit != "" {
		if err := campaign.WriteJUnitFile(o.junit, merged); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
	}
	if o.json {
		writeJSON(stdout, merged)
	} else {
		merged.WriteText(stdout)
		if missing := campaign.MissingShards(merged); len(missing) > 0 {
			fmt.Fprintf(stdout, "missing    shards %v of %d were not merged\n", missing, merged.Campaign.Shards)
		}
	}
	if merged.Failed > 0 {
		return exitFailure
	}
	return exitPass
}
