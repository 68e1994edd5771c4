package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/raftsim/raftsim/harness"
)

// collector is the one goroutine that sees every outcome: it counts,
// deduplicates, and writes failure files and the summary, so nothing it
// touches needs a lock.
type collector struct {
	opts  *fuzzOptions
	sum   *Summary
	prog  *progress
	start time.Time
	// lastSummary is when the summary file was last rewritten.
	lastSummary time.Time
	writeErrors int
}

// record counts one outcome.
func (c *collector) record(o outcome) {
	if o.abandoned {
		c.sum.Abandoned++
		return
	}
	s := c.sum
	s.Seeds++
	st := o.res.Stats
	s.Totals.Steps += st.Steps
	s.Totals.VirtualTime += st.VirtualTime
	s.Totals.OpsCompleted += st.OpsCompleted
	s.Totals.Messages += st.Messages
	s.Totals.Crashes += st.Crashes
	if o.res.Failure == nil && o.res.Inconclusive != "" {
		// Neither a pass nor a failure: listed apart (the summary's
		// counting of it belongs to the campaign package).
		c.prog.printf("raftsim fuzz: inconclusive seed index %d (seed %v, %s): %s\n",
			o.index, o.seed, o.scenario, oneLine(o.res.Inconclusive))
		return
	}
	s.addScenario(o.scenario, !o.res.Passed())
	if o.res.Passed() {
		s.Passed++
		return
	}
	s.Failed++
	c.recordFailure(o)
}

// recordFailure files a failing seed under its signature. When it is the
// signature's first (lowest index), its failure file is written at once,
// so that an interrupted campaign has every failure it counted on disk.
func (c *collector) recordFailure(o outcome) {
	s, f := c.sum, o.res.Failure
	sig := signature(f)
	ref := SeedRef{Index: o.index, Seed: o.seed, Scenario: o.scenario, Message: f.Message, Step: f.Step,
		TraceHash: harness.FormatHash(o.res.TraceHash), Reproduce: c.reproduce(o)}
	if c.opts.out != "" {
		ref.File = filepath.Join(c.opts.out, failureFileName(sig))
	}
	isNew := s.entry(sig) == nil
	if !s.addFailure(sig, f, ref) {
		return
	}
	e := s.entry(sig)
	if ref.File != "" {
		if err := c.writeFailure(ref.File, o); err != nil {
			c.writeErrors++
			e.First.File = ""
			c.prog.printf("raftsim fuzz: writing the failure file of seed index %d: %v\n", o.index, err)
		}
	}
	if isNew {
		where := ""
		if e.First.File != "" {
			where = " -> " + e.First.File
		}
		c.prog.printf("raftsim fuzz: new failure %s at seed index %d (seed %v, %s): %s%s\n",
			sig, o.index, o.seed, o.scenario, oneLine(f.Message), where)
	}
}

func (c *collector) writeFailure(path string, o outcome) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f := harness.NewFailureFile(o.scenario, o.cfg, o.res)
	f.Expect = "fail"
	return harness.WriteFailureFile(path, f)
}

// reproduce is the `raftsim run` command line of a campaign seed.
func (c *collector) reproduce(o outcome) string {
	p := &c.opts.plan
	return runCommandLine(o.seed, o.scenario, p.campaign.Short, p.bugs.Names(), nil, o.cfg)
}

// checkpoint rewrites the summary file every progress interval, so that
// even a campaign killed without a chance to finish leaves a recent one.
func (c *collector) checkpoint(now time.Time) {
	if c.opts.summary == "" || now.Sub(c.lastSummary) < c.opts.every {
		return
	}
	c.lastSummary = now
	c.finishWall(now)
	if err := writeSummaryFile(c.opts.summary, c.sum); err != nil {
		c.prog.printf("raftsim fuzz: writing the summary: %v\n", err)
	}
}

func (c *collector) finishWall(now time.Time) {
	secs := now.Sub(c.start).Seconds()
	c.sum.Wall.Seconds = secs
	if secs > 0 {
		c.sum.Wall.SeedsPerSecond = float64(c.sum.Seeds) / secs
	}
}

// report writes the summary, JUnit and the text report, and returns the
// exit code: 1 when any seed failed.
func (c *collector) report(stdout, stderr io.Writer) int {
	s := c.sum
	s.Complete = !s.Interrupted
	c.finishWall(time.Now())
	code := exitPass
	if s.Failed > 0 {
		code = exitFailure
	}
	if c.opts.summary != "" {
		if err := writeSummaryFile(c.opts.summary, s); err != nil {
			fmt.Fprintf(stderr, "raftsim fuzz: writing the summary: %v\n", err)
			code = max(code, exitFailure)
		}
	}
	if c.opts.junit != "" {
		if err := writeJUnitFile(c.opts.junit, s); err != nil {
			fmt.Fprintf(stderr, "raftsim fuzz: writing JUnit: %v\n", err)
		}
	}
	if c.opts.json {
		writeJSON(stdout, s)
	} else {
		printCampaign(stdout, s)
	}
	if c.writeErrors > 0 {
		fmt.Fprintf(stderr, "raftsim fuzz: %d failure files could not be written (see above)\n", c.writeErrors)
	}
	return code
}

// printCampaign is the text report of a summary.
func printCampaign(w io.Writer, s *Summary) {
	c := s.Campaign
	bugs := "none"
	if len(c.Bugs) > 0 {
		bugs = strings.Join(c.Bugs, ",")
	}
	fmt.Fprintf(w, "campaign   seed %v, scenario %s%s, bugs %s, shards %v of %d\n", c.Seed, c.Scenario, shortNote(c.Short), bugs, s.Shards, c.Shards)
	fmt.Fprintf(w, "seeds      %d run: %d passed, %d failed", s.Seeds, s.Passed, s.Failed)
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
	if s.Failed == 0 {
		fmt.Fprintln(w, "verdict    PASS")
		return
	}
	fmt.Fprintf(w, "verdict    FAIL: %d failing seeds, %d distinct signatures\n", s.Failed, s.Distinct())
}

// oneLine keeps a message to one line of reasonable length for logs.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
