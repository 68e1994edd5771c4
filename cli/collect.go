package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/raftsim/raftsim/campaign"
)

// collector is the one goroutine that sees every outcome of `raftsim
// fuzz`: the campaign's Recorder counts, deduplicates and writes failure
// files; the collector prints what happened and keeps the summary file
// fresh.
type collector struct {
	opts *fuzzOptions
	rec  *campaign.Recorder
	prog *progress
	// lastSummary is when the summary file was last rewritten.
	lastSummary time.Time
	writeErrors int
}

// record counts one outcome and says so when it is a new failure.
func (c *collector) record(o campaign.Outcome) {
	r := c.rec.Record(o)
	if r.Verdict == campaign.Inconclusive {
		// Neither a pass nor a failure: listed apart, with no failure file.
		c.prog.printf("raftsim fuzz: inconclusive seed index %d (seed %v, %s%s): %s\n",
			o.Index, o.Seed, o.Scenario, perturbedNote(o), oneLine(r.Ref.Message))
		return
	}
	if r.Verdict != campaign.Failed {
		return
	}
	if r.Err != nil {
		c.writeErrors++
		c.prog.printf("raftsim fuzz: writing the failure file of seed index %d: %v\n", o.Index, r.Err)
	}
	if r.New {
		where := ""
		if r.File != "" {
			where = " -> " + r.File
		}
		c.prog.printf("raftsim fuzz: new failure %s at seed index %d (seed %v, %s%s): %s%s\n",
			r.Signature, o.Index, o.Seed, o.Scenario, perturbedNote(o), oneLine(o.Result.Failure.Message), where)
	}
}

// perturbedNote says that a guided campaign's run is a perturbation,
// which its scenario and seed do not rerun.
func perturbedNote(o campaign.Outcome) string {
	if o.Perturbed {
		return fmt.Sprintf(", guided perturbation of index %d", o.Parent)
	}
	return ""
}

// checkpoint rewrites the summary file every progress interval, so that
// even a campaign killed without a chance to finish leaves a recent one.
func (c *collector) checkpoint(now time.Time) {
	if c.opts.summary == "" || now.Sub(c.lastSummary) < c.opts.every {
		return
	}
	c.lastSummary = now
	c.rec.SetWall(now)
	if err := c.writeSummary(c.rec.Summary); err != nil {
		c.prog.printf("raftsim fuzz: writing the summary: %v\n", err)
	}
}

// report writes the summary, JUnit and the text report, and returns the
// exit code: 1 when any seed failed, 4 when the campaign was interrupted
// with no failure found.
func (c *collector) report(stdout, stderr io.Writer) int {
	c.rec.Finish(time.Now(), false)
	s := c.rec.Summary
	code := campaignExit(s)
	if c.opts.summary != "" {
		if err := c.writeSummary(s); err != nil {
			fmt.Fprintf(stderr, "raftsim fuzz: writing the summary: %v\n", err)
			code = max(code, exitFailure)
		}
	}
	if c.opts.junit != "" {
		if err := campaign.WriteJUnitFile(c.opts.junit, s.Rebase(".", filepath.Dir(c.opts.junit))); err != nil {
			fmt.Fprintf(stderr, "raftsim fuzz: writing JUnit: %v\n", err)
		}
	}
	if c.opts.json {
		writeJSON(stdout, s)
	} else {
		if c.opts.probes {
			s.WriteProbeTable(stdout)
			fmt.Fprintln(stdout)
		}
		s.WriteText(stdout)
	}
	if c.writeErrors > 0 {
		fmt.Fprintf(stderr, "raftsim fuzz: %d failure files could not be written (see above)\n", c.writeErrors)
	}
	return code
}

// writeSummary writes the summary file, naming the failure files relative
// to its directory (campaign.Summary.Rebase), so that a merge elsewhere
// finds them.
func (c *collector) writeSummary(s *campaign.Summary) error {
	return campaign.WriteSummaryFile(c.opts.summary, s.Rebase(".", filepath.Dir(c.opts.summary)))
}

// oneLine keeps a message to one line of reasonable length for logs.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
