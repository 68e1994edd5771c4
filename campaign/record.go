package campaign

import (
	"os"
	"path/filepath"
	"time"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
)

// Recorder counts outcomes into a summary and keeps one failure file per
// signature. It is meant for the one goroutine that drains a Runner, so
// nothing it touches needs a lock.
type Recorder struct {
	Summary *Summary
	// Dir is where failure files go (created at the first failure); ""
	// for none.
	Dir string
	// Reproduce is the command line that reruns a seed (Spec.Reproduce).
	Reproduce func(Outcome) string
	shard     Shard
	start     time.Time
}

// NewRecorder starts the summary of the spec's campaign.
func NewRecorder(spec Spec, dir string) *Recorder {
	d := spec.withDefaults()
	rep := d.Reproduce
	if rep == nil {
		rep = func(o Outcome) string { return RunCommand(o, d.Short, d.Bugs.Names(), d.Store.Name) }
	}
	if plain := rep; d.Guided {
		rep = func(o Outcome) string {
			if o.Perturbed {
				return perturbedReproduce
			}
			return plain(o)
		}
	}
	s := NewSummary(d.Campaign(), d.Shard)
	for _, sc := range d.Scenarios {
		// Every scenario the campaign draws from is listed, seeds or not,
		// so that reports have the same cases from run to run.
		s.addScenarioCount(ScenarioCount{Name: sc.Name})
	}
	return &Recorder{Summary: s, Dir: dir, Reproduce: rep, shard: d.Shard}
}

// perturbedReproduce is the reproduce line of a guided campaign's
// perturbed run: its config is its own, so no scenario and seed rerun it.
const perturbedReproduce = "a guided perturbation: raftsim replay its failure file, or rerun the guided campaign"

// Recorded is what recording one outcome did.
type Recorded struct {
	Verdict Verdict
	// Signature is the failure's (Failed only).
	Signature string
	// Ref is the seed as the summary lists it (Failed and Inconclusive).
	Ref SeedRef
	// New: the first seed of its signature in this campaign.
	New bool
	// File is the failure file written for it ("" for none); Err says why
	// writing it failed.
	File string
	Err  error
}

// Record counts one outcome. A failing seed that becomes its signature's
// first (the lowest index so far) has its failure file written at once,
// so that an interrupted campaign has every failure it counted on disk.
// An inconclusive seed is listed apart and never gets a failure file: it
// is not a failure of the system under test.
func (c *Recorder) Record(o Outcome) Recorded {
	s := c.Summary
	v := o.Verdict()
	rec := Recorded{Verdict: v}
	if v == Abandoned {
		s.Abandoned++
		return rec
	}
	s.Seeds++
	if o.Perturbed {
		s.Perturbed++
	}
	st := o.Result.Stats
	s.Totals.Steps += st.Steps
	s.Totals.VirtualTime += st.VirtualTime
	s.Totals.OpsCompleted += st.OpsCompleted
	s.Totals.Messages += st.Messages
	s.Totals.Crashes += st.Crashes
	s.addScenario(o.Scenario, v, o.Wall)
	s.addProbes(o.Result.Probes)
	switch v {
	case Passed:
		s.Passed++
	case Inconclusive:
		s.Inconclusive++
		rec.Ref = SeedRef{Index: o.Index, Seed: o.Seed, Scenario: o.Scenario, Message: inconclusiveReason(o.Result),
			TraceHash: failfile.FormatHash(o.Result.TraceHash), Reproduce: c.Reproduce(o)}
		s.InconclusiveSeeds = insertExample(s.InconclusiveSeeds, rec.Ref)
	case Failed:
		s.Failed++
		c.recordFailure(o, &rec)
	}
	return rec
}

func inconclusiveReason(res harness.Result) string {
	if res.Inconclusive != "" {
		return res.Inconclusive
	}
	if res.Failure != nil {
		return res.Failure.Message
	}
	return ""
}

func (c *Recorder) recordFailure(o Outcome, rec *Recorded) {
	s, f := c.Summary, o.Result.Failure
	sig := f.Signature()
	ref := SeedRef{Index: o.Index, Seed: o.Seed, Scenario: o.Scenario, Message: f.Message, Step: f.Step,
		TraceHash: failfile.FormatHash(o.Result.TraceHash), Reproduce: c.Reproduce(o)}
	if c.Dir != "" {
		ref.File = filepath.Join(c.Dir, s.Campaign.FailureFileName(c.shard, sig))
		if o.Perturbed {
			ref.Reproduce = "raftsim replay " + ref.File
		}
	}
	rec.Signature, rec.Ref = sig, ref
	rec.New = s.entry(sig) == nil
	if !s.addFailure(sig, f, ref) {
		return
	}
	e := s.entry(sig)
	if ref.File != "" {
		if err := WriteFailureFile(ref.File, o); err != nil {
			e.First.File = ""
			rec.Err = err
			return
		}
		rec.File = ref.File
	}
}

// WriteFailureFile writes the failure file of an outcome, atomically,
// creating its directory.
func WriteFailureFile(path string, o Outcome) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f := failfile.New(o.Scenario, o.Config, o.Result)
	f.Expect = "fail"
	return failfile.Write(path, f)
}
