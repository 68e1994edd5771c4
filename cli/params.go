package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// printParams prints the seed first, then every parameter drawn from it, so
// that a run's output starts with what reproduces it.
func printParams(w io.Writer, seed sim.Seed, scenario string, cfg harness.Config) {
	wl := cfg.Workload
	fmt.Fprintf(w, "seed      %v\n", seed)
	fmt.Fprintf(w, "scenario  %s\n", scenario)
	fmt.Fprintf(w, "cluster   %d nodes, election %v-%v, heartbeat %v, pre-vote %v, check-quorum %v\n",
		cfg.Nodes, cfg.Raft.ElectionTimeoutMin, cfg.Raft.ElectionTimeoutMax, cfg.Raft.HeartbeatInterval, cfg.Raft.PreVote, cfg.Raft.CheckQuorum)
	if names := cfg.Bugs.Names(); len(names) > 0 {
		fmt.Fprintf(w, "bugs      %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "network   %v\n", cfg.Network)
	if cfg.Crashes.Interval > 0 {
		fmt.Fprintf(w, "crashes   every ~%v, down %v-%v\n", cfg.Crashes.Interval, cfg.Crashes.DownMin, cfg.Crashes.DownMax)
	}
	writers := "no bound on concurrent writes per key"
	if wl.WritersPerKey > 0 {
		writers = fmt.Sprintf("at most %d concurrent writes per key", wl.WritersPerKey)
	}
	fmt.Fprintf(w, "workload  %d clients, %d keys, mix get %d put %d append %d cas %d, %s, timeout %v, reads %v%s\n",
		wl.Clients, wl.Keys, wl.Mix.Get, wl.Mix.Put, wl.Mix.Append, wl.Mix.CAS, writers, wl.Timeout, wl.ReadPath, clientKind(wl))
	fmt.Fprintf(w, "raft      snapshot every %d entries in %d-byte chunks, %d appends in flight of up to %d entries, reads %v\n",
		cfg.Raft.SnapshotThreshold, cfg.Raft.SnapshotChunkSize, cfg.Raft.MaxInflightAppends, cfg.Raft.MaxEntriesPerAppend, cfg.Raft.ReadMode)
	printStorage(w, cfg)
	if n := len(cfg.Plan.Steps); n > 0 {
		fmt.Fprintf(w, "plan      %d steps: %s\n", n, planKinds(cfg))
	}
	if cfg.Shape != nil {
		var parts []string
		for _, p := range cfg.Shape.Params() {
			parts = append(parts, p.Name+"="+p.Value)
		}
		fmt.Fprintf(w, "shape     %s\n", strings.Join(parts, " "))
	}
	bound := "a bound derived at the heal"
	if cfg.LivenessBound > 0 {
		bound = cfg.LivenessBound.String()
	}
	fmt.Fprintf(w, "time      chaos %v, then liveness within %s (virtual), budget %v\n\n", cfg.Duration, bound, cfg.Budget)
}

// clientKind describes the clients' behaviour beyond the defaults: open
// loop, stickiness, reads sent anywhere; empty for closed-loop clients
// that move on at a timeout.
func clientKind(wl harness.Workload) string {
	var b strings.Builder
	if o := wl.OpenLoop; o.On() {
		fmt.Fprintf(&b, ", open-loop in groups of %d sessions, arrivals every ~%v", o.Sessions, o.Arrival)
	}
	if wl.Sticky > 0 {
		fmt.Fprintf(&b, ", sticky for %d resends", wl.Sticky)
	}
	if wl.ReadAnywhere != (sim.Ratio{}) {
		fmt.Fprintf(&b, ", %v of reads sent anywhere", wl.ReadAnywhere)
	}
	return b.String()
}

func printStorage(w io.Writer, cfg harness.Config) {
	if !cfg.Storage.UsesDevice() {
		fmt.Fprintf(w, "storage   %v\n", cfg.Storage)
		return
	}
	store := ""
	if cfg.Storage != harness.StorageDisk {
		store = string(cfg.Storage) + " on the "
	}
	d := cfg.Disk
	cut := ""
	if d.PowerCut {
		cut = ", crashes cut power mid-call"
	}
	fmt.Fprintf(w, "storage   %ssimulated disk: write %v, sync %v, crash %v%s\n", store, d.Device.WriteLatency, d.Device.SyncLatency, d.CrashPolicy, cut)
}

// planKinds counts a plan's steps by kind, in order of first appearance.
func planKinds(cfg harness.Config) string {
	var order []string
	count := map[string]int{}
	for _, s := range cfg.Plan.Steps {
		k := s.Kind.String()
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%d %s", count[k], k)
	}
	return strings.Join(parts, ", ")
}

func printSummary(w io.Writer, res harness.Result, wall time.Duration, repro, file string) {
	s := res.Stats
	fmt.Fprintf(w, "operations  %d completed, %d unknown\n", s.OpsCompleted, s.OpsUnknown)
	fmt.Fprintf(w, "leaders     %d changes\n", s.LeaderChanges)
	fmt.Fprintf(w, "faults      %d crashes, %d restarts, %d pauses\n", s.Crashes, s.Restarts, s.Pauses)
	fmt.Fprintf(w, "recovery    converged %v after healing (bound %v)\n", s.RecoveryTime, s.LivenessBound)
	if len(s.Outside) > 0 {
		fmt.Fprintf(w, "outside     %v: healed, outside the committed configuration, not required to follow\n", s.Outside)
	}
	fmt.Fprintf(w, "events      %d (%d messages)\n", s.Steps, s.Messages)
	fmt.Fprintf(w, "time        %v virtual, %v wall, %.0fx\n", s.VirtualTime, wall.Round(time.Millisecond), ratio(s.VirtualTime, wall))
	fmt.Fprintf(w, "trace       %016x\n", res.TraceHash)
	if res.Passed() {
		fmt.Fprintf(w, "verdict     PASS (linearizable: %v)\n", res.Linearizability.Verdict)
		return
	}
	if res.Failure == nil {
		fmt.Fprintf(w, "verdict     INCONCLUSIVE (%s)\n", oneLine(res.Inconclusive))
		fmt.Fprintf(w, "reproduce   %s\n", repro)
		return
	}
	fmt.Fprintf(w, "verdict     FAIL %v\n", res.Failure)
	fmt.Fprintf(w, "reproduce   %s\n", repro)
	if file != "" {
		fmt.Fprintf(w, "replay      raftsim replay %s\n", file)
	}
}

// runJSON is `raftsim run --json`.
type runJSON struct {
	Seed     sim.Seed         `json:"seed"`
	Scenario string           `json:"scenario"`
	Verdict  string           `json:"verdict"`
	Failure  *harness.Failure `json:"failure,omitempty"`
	// Inconclusive says why the verdict is undecided, when it is.
	Inconclusive string        `json:"inconclusive,omitempty"`
	Stats        harness.Stats `json:"stats"`
	TraceHash    string        `json:"traceHash"`
	WallMs       int64         `json:"wallMs"`
	Reproduce    string        `json:"reproduce,omitempty"`
	FailureFile  string        `json:"failureFile,omitempty"`
}

func printRunJSON(w io.Writer, scenario string, res harness.Result, wall time.Duration, repro, file string) {
	out := runJSON{Seed: res.Seed, Scenario: scenario, Verdict: "pass", Failure: res.Failure, Stats: res.Stats,
		TraceHash: failfile.FormatHash(res.TraceHash), WallMs: wall.Milliseconds(), FailureFile: file}
	switch {
	case res.Failure != nil:
		out.Verdict = "fail"
		out.Reproduce = repro
	case res.Inconclusive != "":
		out.Verdict, out.Inconclusive = "inconclusive", res.Inconclusive
		out.Reproduce = repro
	}
	writeJSON(w, out)
}

func ratio(v sim.Time, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(v) / float64(wall)
}
