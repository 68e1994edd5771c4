package cli

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
)

// The pages raftsim writes are checked in a real browser: headless
// Chromium renders each one, and the test fails on a script error or an
// empty picture. CI installs Chromium (scripts/install-chromium.sh); where
// it is absent the tests skip and say how to get it.

// chromiumPath finds Debian's chromium, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "chromium is not installed: run scripts/install-chromium.sh to check the HTML pages in a browser"
	if os.Getenv("RAFTSIM_REQUIRE_CHROMIUM") != "" {
		t.Fatal(why + " (RAFTSIM_REQUIRE_CHROMIUM is set, as in CI)")
	}
	t.Skip(why)
	return ""
}

// chromium runs headless Chromium on a local page with a throwaway profile
// and no network services, and returns what it printed on stdout.
func chromium(t *testing.T, page string, extra ...string) []byte {
	t.Helper()
	bin := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--window-size=1400,900"}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+page)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), "chromium on %s:\n%s", page, errb.String())
	return out.Bytes()
}

// render loads a page once and returns its DOM after its scripts ran and
// the number of distinct colours in a screenshot of it (up to a few
// hundred: one colour is a blank page).
func render(t *testing.T, page string) (dom string, colours int) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	dom = string(chromium(t, page, "--dump-dom", "--screenshot="+shot, "--hide-scrollbars"))
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return dom, countColours(img, 300)
}

func countColours(img image.Image, limit int) int {
	seen := map[uint32]bool{} // lookups and a count only
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// classCount counts the elements of a class in a dumped DOM.
func classCount(dom, class string) int {
	return len(regexp.MustCompile(`class="`+regexp.QuoteMeta(class)+`[" ]`).FindAllStringIndex(dom, -1))
}

// attr is the value of an attribute in a dumped DOM, and whether it is
// there: the pages put their markers on the root element.
func attr(dom, name string) (string, bool) {
	m := regexp.MustCompile(` ` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(dom)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// has reports whether a DOM holds s, without printing the DOM on failure.
func has(t *testing.T, dom, s string) bool {
	t.Helper()
	return assert.True(t, strings.Contains(dom, s), "the rendered page has no %q", s)
}

// noError fails when the page recorded a script error in attribute name.
func noError(t *testing.T, dom, name string) {
	t.Helper()
	if msg, ok := attr(dom, name); ok {
		t.Errorf("the page's script failed: %s", msg)
	}
}

// probe wraps a page we do not write (porcupine's) so that a script error
// is recorded in the DOM (the hook runs before any of the page's scripts)
// and a marker shows the page's scripts all ran.
func probe(t *testing.T, page string) string {
	t.Helper()
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	html := string(b)
	require.Contains(t, html, "<head>")
	require.Contains(t, html, "</body>")
	html = strings.Replace(html, "<head>", `<head><script>window.onerror = function (m, s, l) {
  document.documentElement.setAttribute('data-probe-error', m + ' (line ' + l + ')'); };</script>`, 1)
	html = strings.Replace(html, "</body>", `<script>document.documentElement.setAttribute('data-probe', 'ran');</script></body>`, 1)
	out := filepath.Join(t.TempDir(), "probed-"+filepath.Base(page))
	require.NoError(t, os.WriteFile(out, []byte(html), 0o644))
	return out
}

// pages finds a failing seed with a planted bug (the first a small
// campaign keeps, whatever the harness catches), replays it, and writes
// both pages.
func pages(t *testing.T) (history, timeline string) {
	t.Helper()
	chromiumPath(t) // skip early, before the campaign
	dir := t.TempDir()
	code, out, errs := raftsim("fuzz", "--campaign-seed", "1", "--seeds", "4", "--short", "--scenario", "default",
		"--bugs", "truncate-on-stale-append", "--out", filepath.Join(dir, "failures"), "--json", "--progress", "none")
	require.Equal(t, exitFailure, code, out+errs)
	s, err := campaign.DecodeSummary(strings.NewReader(out))
	require.NoError(t, err)
	file := s.Failures[0].First.File
	history, timeline = filepath.Join(dir, "history.html"), filepath.Join(dir, "timeline.html")
	code, out, errs = raftsim("replay", file, "--history-html", history, "--timeline", timeline)
	require.Equal(t, exitPass, code, out+errs)
	return history, timeline
}

func TestPagesRenderInChromium(t *testing.T) {
	t.Parallel()
	history, timeline := pages(t)

	dom, colours := render(t, timeline)
	requireTimelinePage(t, dom)
	has(t, dom, `id="violation-box"`)
	assert.Greater(t, colours, 20, "the screenshot shows a picture")

	dom, colours = render(t, probe(t, history))
	has(t, dom, `data-probe="ran"`)
	noError(t, dom, "data-probe-error")
	assert.Greater(t, classCount(dom, "history-rect"), 0, "operations drawn")
	assert.Greater(t, classCount(dom, "client-annotation-rect"), 0, "annotations drawn")
	assert.Greater(t, colours, 20, "the screenshot shows a picture")
}

// requireTimelinePage checks a rendered timeline page: its script ran to
// the end with no error, and the legend, the canvas and both plots are
// there.
func requireTimelinePage(t *testing.T, dom string) {
	t.Helper()
	has(t, dom, `data-timeline="rendered"`) // the timeline's script ran to its end
	noError(t, dom, "data-timeline-error")
	has(t, dom, `<canvas id="timeline"`)
	assert.GreaterOrEqual(t, classCount(dom, "legend-item"), 11, "a legend of roles, faults, messages, indexes, the violation")
	for _, entry := range []string{"leader", "crashed (down)", "commit index", "lost message", "violation"} {
		has(t, dom, entry)
	}
	assert.Equal(t, 2, strings.Count(dom, `class="uplot`), "the latency and throughput plots")
	has(t, dom, "reads completed")
	has(t, dom, "unknown outcome")
}

// The page of a located stale read: the violation on n1 at the step of
// the read, and the three located operations as rows that link to the
// trace around them.
func TestLocatedPageRendersInChromium(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	page := filepath.Join(t.TempDir(), "timeline.html")
	code, out, errs := raftsim("replay", staleReadFile, "--timeline", page)
	require.Equal(t, exitPass, code, out+errs)
	dom, colours := render(t, page)
	requireTimelinePage(t, dom)
	assert.Equal(t, 3, classCount(dom, "located-op"), "a row per located operation")
	has(t, dom, "located operation")
	has(t, dom, "Violation at step #4775, 2.212523s on n1: not linearizable: c4#65 get k7")
	has(t, dom, "--trace - --from-step 4754 --to-step 4795")
	assert.Greater(t, colours, 20)
}

// A page of a 60 s run with more than 20,000 operations stays under 5 MB:
// the messages are capped, the rest (roles, indexes thinned, faults, every
// operation for the plots) is there for the whole run. Its render time is
// measured in docs/debugging.md, not asserted: that is wall time.
func TestLongRunPageStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("a 60 s run")
	}
	t.Parallel()
	f, err := failfile.Read(staleReadFile)
	require.NoError(t, err)
	f.Config.Duration = 60 * time.Second
	f.Config.Workload.Clients, f.Config.Workload.Keys = 12, 20
	f.StepHashes = nil
	file := filepath.Join(t.TempDir(), "long.json")
	require.NoError(t, failfile.Write(file, f))
	page := filepath.Join(t.TempDir(), "timeline.html")
	hist := filepath.Join(t.TempDir(), "history.json")
	raftsim("replay", file, "--timeline", page, "--history", hist)
	h, err := os.Open(hist)
	require.NoError(t, err)
	defer h.Close()
	ops, err := checker.ReadHistory(h)
	require.NoError(t, err)
	require.Greater(t, len(ops.Ops), 20000, "a long, busy run")
	st, err := os.Stat(page)
	require.NoError(t, err)
	assert.Less(t, st.Size(), int64(5<<20), "the page is under 5 MB")
	if _, err := exec.LookPath("chromium"); err == nil {
		dom, _ := render(t, page)
		requireTimelinePage(t, dom)
		ms, _ := attr(dom, "data-render-ms")
		t.Logf("timeline of %d operations: %d bytes, drawn in %s ms", len(ops.Ops), st.Size(), ms)
	}
}

// raftsim check --html on a history with a stale read: porcupine's page
// draws the operations and the illegal linearization point.
func TestCheckPageShowsTheViolation(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	page := filepath.Join(t.TempDir(), "check.html")
	code, _, _ := raftsim("check", writeHistory(t, staleRead(true)), "--html", page)
	require.Equal(t, exitFailure, code)
	dom, colours := render(t, probe(t, page))
	has(t, dom, `data-probe="ran"`)
	noError(t, dom, "data-probe-error")
	assert.Equal(t, 2, classCount(dom, "history-rect"), "both operations")
	assert.Greater(t, classCount(dom, "linearization-invalid"), 0, "the violation drawn")
	assert.Greater(t, colours, 20)
}

// The check catches a broken page: data the script chokes on leaves an
// error in the DOM and no "rendered" marker; a probe catches the same in a
// page of another's.
func TestPageCheckCatchesScriptErrors(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	tl := checker.Timeline{End: 10, Lanes: []checker.TimelineLane{{Name: "n1"}}}
	var page bytes.Buffer
	require.NoError(t, checker.WriteTimeline(&page, tl))
	dom, _ := render(t, writeFile(t, "ok.html", page.String()))
	has(t, dom, `data-timeline="rendered"`)
	has(t, dom, `<canvas id="timeline"`)

	broken := strings.Replace(page.String(), `"lanes":[`, `"lanes":null,"x":[`, 1)
	dom, _ = render(t, writeFile(t, "broken.html", broken))
	_, rendered := attr(dom, "data-timeline")
	assert.False(t, rendered, "no rendered marker after an error")
	msg, _ := attr(dom, "data-timeline-error")
	assert.Contains(t, msg, "null", "the error is in the DOM")

	bad := writeFile(t, "bad.html", "<html><head></head><body><script>undefinedFunction()</script></body></html>")
	dom, _ = render(t, probe(t, bad))
	msg, _ = attr(dom, "data-probe-error")
	assert.Contains(t, msg, "undefinedFunction")
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}
