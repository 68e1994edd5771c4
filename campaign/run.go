package campaign

import (
	"time"
)

// Run runs a campaign to the end of its budget on the calling goroutine's
// behalf and returns its summary, with failure files written to dir ("" for
// none). each, if not nil, sees every outcome as it is recorded.
func Run(spec Spec, dir string, each func(Outcome, Recorded)) (*Summary, error) {
	r, err := Start(spec)
	if err != nil {
		return nil, err
	}
	rec := NewRecorder(spec, dir)
	rec.Begin(time.Now(), r.spec.Workers)
	for o := range r.Outcomes() {
		got := rec.Record(o)
		if each != nil {
			each(o, got)
		}
	}
	rec.Finish(time.Now(), false)
	return rec.Summary, nil
}

// Begin starts the summary's wall clock.
func (c *Recorder) Begin(now time.Time, workers int) {
	c.start = now
	c.Summary.Wall = Wall{Started: now.UTC().Truncate(time.Second), Workers: workers}
}

// Finish closes the summary at now: its wall time, and whether it is
// complete (not interrupted).
func (c *Recorder) Finish(now time.Time, interrupted bool) {
	s := c.Summary
	s.Interrupted = s.Interrupted || interrupted
	s.Complete = !s.Interrupted
	c.SetWall(now)
}

// SetWall sets the summary's wall time to now since it started.
func (c *Recorder) SetWall(now time.Time) {
	s := c.Summary
	secs := now.Sub(c.start).Seconds()
	s.Wall.Seconds = secs
	if secs > 0 {
		s.Wall.SeedsPerSecond = float64(s.Seeds) / secs
	}
}
