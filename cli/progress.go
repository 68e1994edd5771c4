package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/raftsim/raftsim/campaign"
)

// progressMode says how a campaign reports progress.
type progressMode uint8

const (
	progressNone  progressMode = iota
	progressPlain              // a line every interval: for CI logs
	progressBar                // one line redrawn in place: for a terminal
)

// parseProgress reads --progress. "auto" draws a bar when the progress
// stream (stderr) is a terminal and prints plain lines otherwise. Progress
// goes to stderr so that stdout stays clean for --json.
func parseProgress(s string, stream *os.File) (progressMode, error) {
	switch s {
	case "auto":
		if isTerminal(stream) {
			return progressBar, nil
		}
		return progressPlain, nil
	case "bar":
		return progressBar, nil
	case "plain":
		return progressPlain, nil
	case "none":
		return progressNone, nil
	}
	return 0, fmt.Errorf("--progress %q: want auto, bar, plain or none", s)
}

// isTerminal asks the terminal driver (golang.org/x/term), not the file
// mode: /dev/null is a character device too, and is no terminal.
func isTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of f's terminal in columns, asked afresh so
// that a resized window is followed; 0 when f is no terminal.
func terminalWidth(f *os.File) int {
	if f == nil {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// progress reports a running campaign: a bar redrawn a few times a
// second, or a plain line every interval. Messages (a new failure) go
// through it, so they never tangle with the bar.
type progress struct {
	w     io.Writer
	mode  progressMode
	every time.Duration // plain mode: between lines
	start time.Time
	// total is the seeds this shard runs when the budget is a count, else
	// 0; deadline is when a time budget ends, else zero.
	total     uint64
	deadline  time.Time
	lastPlain time.Time
	drawn     bool // a bar is on the screen
	// width is the terminal's width in columns (0: unknown, taken as 80):
	// the bar line must fit in it, or every redraw wraps onto a new line.
	width func() int
}

// tickEvery is how often the command calls tick.
func (p *progress) tickEvery() time.Duration {
	if p.mode == progressBar {
		return 200 * time.Millisecond
	}
	return time.Second
}

// tick redraws the bar, or prints a plain line once an interval passed.
func (p *progress) tick(s *campaign.Summary, now time.Time) {
	switch p.mode {
	case progressBar:
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.barLine(s, now))
		p.drawn = true
	case progressPlain:
		if now.Sub(p.lastPlain) >= p.every {
			p.lastPlain = now
			fmt.Fprintf(p.w, "raftsim fuzz: %s\n", p.line(s, now))
		}
	}
}

// printf prints a message line, above the bar when one is drawn.
func (p *progress) printf(format string, args ...any) {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintf(p.w, format, args...)
}

// finish clears the bar; the command prints the summary next.
func (p *progress) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// barLine is the bar and the progress text, fitted to the terminal's
// width less one column (a line that fills the last column wraps on some
// terminals): the bar shrinks first, down to 10 cells, then goes, then the
// text is cut.
func (p *progress) barLine(s *campaign.Summary, now time.Time) string {
	width := 80
	if p.width != nil {
		if w := p.width(); w > 0 {
			width = w
		}
	}
	room := width - 1
	text := p.line(s, now)
	if bar := room - len(text) - 3; bar >= 10 {
		return drawBar(uint64(s.Seeds), p.total, p.deadline, p.start, now, min(bar, 24)) + " " + text
	}
	if len(text) > room {
		text = text[:max(room, 0)]
	}
	return text
}

// line is the progress text: seeds done, seeds/s, failures, time left.
func (p *progress) line(s *campaign.Summary, now time.Time) string {
	elapsed := now.Sub(p.start)
	done := uint64(s.Seeds)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed.Seconds()
	}
	var b strings.Builder
	if p.total > 0 {
		fmt.Fprintf(&b, "%d/%d seeds", done, p.total)
	} else {
		fmt.Fprintf(&b, "%d seeds", done)
	}
	fmt.Fprintf(&b, ", %.0f seeds/s, %d failed (%d distinct)", rate, s.Failed, s.Distinct())
	if s.Inconclusive > 0 {
		fmt.Fprintf(&b, ", %d inconclusive", s.Inconclusive)
	}
	if left, ok := p.left(done, rate, now); ok {
		fmt.Fprintf(&b, ", %v left", left.Round(time.Second))
	}
	return b.String()
}

// left estimates the time to the end of the budget: the seeds still to run
// at the rate so far, or the time budget's rest, whichever ends first.
func (p *progress) left(done uint64, rate float64, now time.Time) (time.Duration, bool) {
	var left time.Duration
	ok := false
	if p.total > 0 && rate > 0 && done <= p.total {
		left, ok = time.Duration(float64(p.total-done)/rate*float64(time.Second)), true
	}
	if !p.deadline.IsZero() {
		if d := max(p.deadline.Sub(now), 0); !ok || d < left {
			left, ok = d, true
		}
	}
	return left, ok
}

// drawBar is "[#########.........]" filled by the budget spent: seeds done
// of total, or time spent of the time budget.
func drawBar(done, total uint64, deadline, start, now time.Time, width int) string {
	frac := 0.0
	switch {
	case total > 0:
		frac = float64(done) / float64(total)
	case !deadline.IsZero() && deadline.After(start):
		frac = float64(now.Sub(start)) / float64(deadline.Sub(start))
	}
	filled := int(min(max(frac, 0), 1) * float64(width))
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}
