package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

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
the summary of the unsharded campaign. The campaign and its shard count
come from the summaries: a shard that is missing, given twice or of another
campaign is a problem that fails the merge. Failure files are named from
each summary's directory, so run merge where the shards' directories are.

Exit status: 0 pass; 1 a failure was found or a shard is missing,
duplicated or foreign; 2 a summary cannot be read; 4 no failure, but a
shard was interrupted before its budget was spent.`, mergeExamples, stderr)
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

// mergeCmd merges shard summaries. The campaign and its shard count come
// from the summaries: a shard missing, given twice or of another campaign
// fails the merge (exit 1, a failing JUnit case), never a silent pass.
func mergeCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseMerge(args, stderr)
	if done {
		return code
	}
	var parts []campaign.Part
	for _, path := range o.inputs {
		s, err := campaign.ReadSummaryFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
		// Its failure files are named from its directory; from here on,
		// from the working directory.
		parts = append(parts, campaign.Part{Name: path, Summary: s.Rebase(filepath.Dir(path), ".")})
	}
	merged, err := campaign.Merge(parts)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
		return exitUsage
	}
	for i, p := range parts {
		if p.Summary.Raftsim != merged.Raftsim {
			fmt.Fprintf(stderr, "raftsim merge: warning: %s was run by raftsim %s, %s by %s: the shards may not be one campaign\n",
				o.inputs[i], p.Summary.Raftsim, o.inputs[0], merged.Raftsim)
		}
	}
	checkFailureFiles(merged, stderr)
	if o.summary != "" {
		if err := campaign.WriteSummaryFile(o.summary, merged.Rebase(".", filepath.Dir(o.summary))); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
	}
	if o.junit != "" {
		if err := campaign.WriteJUnitFile(o.junit, merged.Rebase(".", filepath.Dir(o.junit))); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: %v\n", err)
			return exitUsage
		}
	}
	if o.json {
		writeJSON(stdout, merged)
	} else {
		merged.WriteText(stdout)
	}
	return campaignExit(merged)
}

// checkFailureFiles makes the merged report name only failure files that
// exist: a signature whose file is not where its shard's summary says
// (the shard's failures were not downloaded with its summary) keeps its
// rerun command line instead, with a warning.
func checkFailureFiles(s *campaign.Summary, stderr io.Writer) {
	for i := range s.Failures {
		f := &s.Failures[i].First
		if f.File == "" {
			continue
		}
		if _, err := os.Stat(f.File); err != nil {
			fmt.Fprintf(stderr, "raftsim merge: warning: the failure file of %s is not at %s (%v): the report gives its rerun line\n",
				s.Failures[i].Signature, f.File, err)
			f.File = ""
		}
	}
}
