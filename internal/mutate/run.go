package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The verdicts of a mutant.
const (
	KilledCampaign = "campaign"   // the campaign found a failure
	KilledTimeout  = "timeout"    // the campaign hung: killed at the tool's CPU or wall-clock limit
	KilledCrash    = "crash"      // the mutated binary crashed
	KilledUnit     = "unit"       // the campaign passed, a unit test failed
	Survived       = "survived"   // neither killed it
	Equivalent     = "equivalent" // listed as equivalent: not run, not scored
)

// RunConfig is how each mutant is run.
type RunConfig struct {
	// Budget is each campaign's CPU time (raftsim fuzz --cpu).
	Budget       time.Duration
	CampaignSeed string
	// CampaignFlags are passed on to raftsim fuzz (e.g. --scenario swarm).
	CampaignFlags []string
	// Timeout is the wall time after which a mutant's process is killed
	// (a hang): a backstop, well above the budget even on a loaded
	// machine. The first limit is of CPU time (CPULimit), which load
	// does not stretch.
	Timeout time.Duration
	// CPULimit, when set, replaces the CPU time after which a campaign
	// counts as hung (default: 3 of its budgets + 30s).
	CPULimit time.Duration
	// Jobs run mutants in parallel, each campaign on one worker.
	Jobs int
	// Unit runs the targets' unit tests on the campaign's survivors.
	Unit bool
	// Progress receives one line per mutant; nil for none.
	Progress io.Writer
}

// Result is what became of one mutant.
type Result struct {
	Mutant  *Mutant `json:"mutant"`
	Key     string  `json:"key"`
	Verdict string  `json:"verdict"`
	// Detail is the failure that killed it: a signature, a test, a
	// crash's first line, or an equivalent's reason.
	Detail string `json:"detail,omitempty"`
	Seeds  int    `json:"seeds"` // seeds the campaign ran
	// Reached: a coverage block holding the mutant ran in the baseline's
	// seeds (nil: not measured).
	Reached *bool   `json:"reached,omitempty"`
	Wall    float64 `json:"wallSeconds"`
}

// Killed reports whether the mutant was killed at all.
func (r *Result) Killed() bool {
	return r.Verdict != Survived && r.Verdict != Equivalent
}

// Baseline is the unmutated run: it must pass for a score to mean
// anything, since a false alarm would count as a kill.
type Baseline struct {
	Seeds int     `json:"seeds"`
	Wall  float64 `json:"wallSeconds"`
}

// campaignArgs is the raftsim fuzz command line of one campaign.
func (c *RunConfig) campaignArgs(budget time.Duration) []string {
	args := []string{"fuzz", "--cpu", budget.String(), "--workers", "1", "--campaign-seed", c.CampaignSeed,
		"--out", "", "--max-failures", "1", "--progress", "none", "--json"}
	return append(args, c.CampaignFlags...)
}

// CampaignCommand is the command line each mutant's campaign runs, for
// reports.
func (c *RunConfig) CampaignCommand() string {
	return "raftsim " + strings.Join(quoteAll(c.campaignArgs(c.Budget)), " ")
}

func quoteAll(args []string) []string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " '\"") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return q
}

// RunBaseline runs the unmutated binary (no mutant active) on one and a
// half budgets, so that it covers at least every seed a mutant's
// campaign reaches, and the unit tests; any failure refuses the score.
func (c *RunConfig) RunBaseline(s *Schemata, b *Binaries) (Baseline, error) {
	start := time.Now()
	r := c.campaign(b.Raftsim, 0, c.Budget*3/2, 2*c.Timeout, nil)
	base := Baseline{Seeds: r.seeds, Wall: time.Since(start).Seconds()}
	if r.verdict != Survived {
		return base, fmt.Errorf("mutate: the unmutated core fails its campaign (%s: %s): a score would count false alarms as kills", r.verdict, r.detail)
	}
	if v, d := c.unit(s, b, 0); v != Survived {
		return base, fmt.Errorf("mutate: the unmutated core fails its unit tests (%s: %s)", v, d)
	}
	return base, nil
}

// Run runs every mutant: the campaign, then for its survivors the unit
// tests. Equivalent mutants are not run. Results come back in the order
// of ms.
func (c *RunConfig) Run(s *Schemata, b *Binaries, ms []*Mutant, equivalent map[string]string) []Result {
	res := make([]Result, len(ms))
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for j := 0; j < max(c.Jobs, 1); j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				res[i] = c.runOne(s, b, ms[i], equivalent)
				mu.Lock()
				done++
				c.progress(done, len(ms), &res[i])
				mu.Unlock()
			}
		}()
	}
	for i := range ms {
		work <- i
	}
	close(work)
	wg.Wait()
	return res
}

func (c *RunConfig) progress(done, total int, r *Result) {
	if c.Progress == nil {
		return
	}
	d := r.Detail
	if d != "" {
		d = ": " + oneLineCut(d, 100)
	}
	fmt.Fprintf(c.Progress, "mutants: [%d/%d] %s %s %s%s (%d seeds, %.0fs) key %s\n", done, total, r.Mutant.Pos(), r.Mutant.Operator, r.Verdict, d, r.Seeds, r.Wall, r.Key)
}

func oneLineCut(s string, n int) string {
	s = oneLine(s)
	if len(s) > n {
		s = s[:n-3] + "..."
	}
	return s
}

func (c *RunConfig) runOne(s *Schemata, b *Binaries, m *Mutant, equivalent map[string]string) Result {
	r := Result{Mutant: m, Key: m.Key()}
	if why, ok := equivalent[r.Key]; ok {
		r.Verdict, r.Detail = Equivalent, why
		return r
	}
	start := time.Now()
	cr := c.campaign(b.Raftsim, m.ID, c.Budget, c.Timeout, nil)
	r.Verdict, r.Detail, r.Seeds = cr.verdict, cr.detail, cr.seeds
	if r.Verdict == Survived && c.Unit {
		r.Verdict, r.Detail = c.unit(s, b, m.ID)
	}
	r.Wall = time.Since(start).Seconds()
	return r
}

// campaignRun is one campaign's outcome.
type campaignRun struct {
	verdict, detail string
	seeds           int
}

// campaign runs the binary's campaign with mutant id active (0: none).
// extraEnv is added to the environment (GOCOVERDIR).
func (c *RunConfig) campaign(bin string, id int, budget, timeout time.Duration, extraEnv []string) campaignRun {
	return c.campaignWith(bin, id, c.campaignArgs(budget), timeout, extraEnv)
}

func (c *RunConfig) campaignWith(bin string, id int, args []string, timeout time.Duration, extraEnv []string) campaignRun {
	stdout, stderr, err := runProcess(bin, "", id, args, limits{wall: timeout, cpu: c.cpuLimit(args)}, extraEnv)
	var sum struct {
		Seeds    int `json:"seeds"`
		Failures []struct {
			Signature string `json:"signature"`
		} `json:"failures"`
	}
	_ = json.Unmarshal(stdout, &sum) // a crash leaves none; the exit status decides
	r := campaignRun{seeds: sum.Seeds}
	switch code := exitCode(err); {
	case errors.Is(err, errCPULimit):
		r.verdict, r.detail = KilledTimeout, fmt.Sprintf("used more than %v of CPU", c.cpuLimit(args))
	case errors.Is(err, context.DeadlineExceeded):
		r.verdict, r.detail = KilledTimeout, fmt.Sprintf("still running after %v of wall time", timeout)
	case code == 0 || code == 3 || code == 4:
		r.verdict = Survived // passed, inconclusive or interrupted: no failure
	case code == 1 && len(sum.Failures) > 0:
		r.verdict, r.detail = KilledCampaign, sum.Failures[0].Signature
	default:
		r.verdict, r.detail = KilledCrash, fmt.Sprintf("exit %d: %s", code, crashLine(stderr))
	}
	return r
}

// unit runs the targets' test binaries with mutant id active.
func (c *RunConfig) unit(s *Schemata, b *Binaries, id int) (verdict, detail string) {
	dirs := make([]string, 0, len(b.Tests))
	for d := range b.Tests {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		stdout, stderr, err := runProcess(b.Tests[d], filepath.Join(s.Root, filepath.FromSlash(d)), id,
			[]string{"-test.count=1", "-test.timeout=" + c.Timeout.String()}, limits{wall: c.Timeout + 30*time.Second, cpu: max(c.Budget, time.Minute)}, nil)
		if err != nil {
			return KilledUnit, d + ": " + firstFail(stdout, stderr)
		}
	}
	return Survived, ""
}

// cpuLimit is the CPU time after which a campaign counts as hung: three
// of its budgets and half a minute (a campaign uses its budget and
// finishes the seeds it started); 0 for a campaign budgeted in seeds.
func (c *RunConfig) cpuLimit(args []string) time.Duration {
	if c.CPULimit > 0 {
		return c.CPULimit
	}
	for i, a := range args {
		if a == "--cpu" && i+1 < len(args) {
			d, err := time.ParseDuration(args[i+1])
			if err == nil {
				return 3*d + 30*time.Second
			}
		}
	}
	return 0
}

// limits are when runProcess gives up on a process: wall time, and CPU
// time (0: none) where the system reports it.
type limits struct{ wall, cpu time.Duration }

var errCPULimit = errors.New("mutate: the CPU limit was reached")

// runProcess runs a binary with mutant id active, killing it at its
// limits (tool-level decisions: a verdict of the harness never reads
// them).
func runProcess(bin, dir string, id int, args []string, lim limits, extraEnv []string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), lim.wall)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), SwitchEnv+"="+strconv.Itoa(id)), extraEnv...)
	cmd.WaitDelay = 5 * time.Second
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err = cmd.Start(); err != nil {
		return nil, nil, err
	}
	var overCPU atomic.Bool
	stopWatch := make(chan struct{})
	if lim.cpu > 0 {
		go watchCPU(cmd.Process, lim.cpu, stopWatch, &overCPU)
	}
	err = cmd.Wait()
	close(stopWatch)
	switch {
	case overCPU.Load():
		err = errCPULimit
	case ctx.Err() != nil:
		err = context.DeadlineExceeded
	}
	return o.Bytes(), e.Bytes(), err
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// crashLine is the first line of a crash's message.
func crashLine(stderr []byte) string {
	for _, l := range strings.Split(string(stderr), "\n") {
		if strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
			return l
		}
	}
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	return lines[len(lines)-1]
}

// firstFail is the first failed test of a test binary's output.
func firstFail(stdout, stderr []byte) string {
	for _, l := range strings.Split(string(stdout)+"\n"+string(stderr), "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "--- FAIL:") || strings.HasPrefix(t, "panic:") {
			return t
		}
	}
	return crashLine(append(stdout, stderr...))
}
