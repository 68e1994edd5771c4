package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/raftsim/raftsim/sim"
)

// Options says what a comparison runs.
type Options struct {
	// Rounds is how many times each side runs, interleaved. Example: 3.
	Rounds int
	// Commands is when each run stops. Example: 100000.
	Commands int
	// Seed is the first round's seed; round r runs seed Seed+r on every
	// side.
	Seed sim.Seed
	// ClientEvents adds the etcd-raft loop with raftsim's client events
	// as a third side.
	ClientEvents bool
}

// Validate reports the first option that makes no sense.
func (o Options) Validate() error {
	switch {
	case o.Rounds < 1 || o.Rounds > 100:
		return fmt.Errorf("bench: rounds %d: want 1 to 100", o.Rounds)
	case o.Commands < 1 || o.Commands > 10_000_000:
		return fmt.Errorf("bench: commands %d: want 1 to 10000000", o.Commands)
	}
	return nil
}

// Report is every measurement of a comparison, in the order taken.
type Report struct {
	Options Options       `json:"options"`
	Runs    []Measurement `json:"runs"`
}

// Compare runs every side Rounds times, interleaved so that a change in the
// machine's load reaches every side alike; odd rounds run the sides in
// reverse order, so that no side always follows the same one. Each finished
// run is printed to progress (nil: nowhere).
func Compare(o Options, progress io.Writer) (Report, error) {
	if err := o.Validate(); err != nil {
		return Report{}, err
	}
	rep := Report{Options: o}
	type side struct {
		name string
		run  func(sim.Seed) (Measurement, error)
	}
	sides := []side{
		{SideRaftsim, func(s sim.Seed) (Measurement, error) { return RunRaftsim(RaftsimConfig(o.Commands), s) }},
		{SideEtcd, func(s sim.Seed) (Measurement, error) { return RunEtcd(SideEtcd, EtcdConfig(o.Commands), s) }},
	}
	if o.ClientEvents {
		cfg := EtcdConfig(o.Commands)
		cfg.ClientEvents = true
		sides = append(sides, side{SideEtcdClients, func(s sim.Seed) (Measurement, error) { return RunEtcd(SideEtcdClients, cfg, s) }})
	}
	for r := 0; r < o.Rounds; r++ {
		order := slices.Clone(sides)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, s := range order {
			m, err := s.run(o.Seed + sim.Seed(r))
			if err != nil {
				return rep, err
			}
			m.Round = r
			rep.Runs = append(rep.Runs, m)
			if progress != nil {
				fmt.Fprintf(progress, "round %d  %-24s %9s events/s %8s cmds/s %6.1f vsec/s  (%v wall, %v cpu)\n",
					r+1, m.Side, thousands(m.EventsPerSec()), thousands(m.CmdsPerSec()), m.VsecPerSec(), m.Wall.Round(1e6), m.CPU.Round(1e6))
			}
		}
	}
	return rep, nil
}

// Sides is the sides measured, in first-run order.
func (r Report) Sides() []string {
	var out []string
	for _, m := range r.Runs {
		if !slices.Contains(out, m.Side) {
			out = append(out, m.Side)
		}
	}
	return out
}

// of is the runs of one side.
func (r Report) of(side string) []Measurement {
	var out []Measurement
	for _, m := range r.Runs {
		if m.Side == side {
			out = append(out, m)
		}
	}
	return out
}

// Ratio is, per round, side a's figure over side b's (f picks the figure),
// summarized. Pairing by round cancels load that changed between rounds.
func (r Report) Ratio(a, b string, f func(Measurement) float64) Summary {
	byRound := map[int]float64{}
	for _, m := range r.of(b) {
		byRound[m.Round] = f(m)
	}
	var xs []float64
	for _, m := range r.of(a) {
		if d, ok := byRound[m.Round]; ok && d > 0 {
			xs = append(xs, f(m)/d)
		}
	}
	return summarize(xs)
}

// Summary is the median and range of some figures.
type Summary struct {
	Median, Min, Max float64
	N                int
}

func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := slices.Sorted(slices.Values(xs))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Summary{Median: med, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Summarize is one figure of one side over its runs.
func (r Report) Summarize(side string, f func(Measurement) float64) Summary {
	var xs []float64
	for _, m := range r.of(side) {
		xs = append(xs, f(m))
	}
	return summarize(xs)
}

// Per-command figures: the work a side does for one command.
func eventsPerCmd(m Measurement) float64 { return float64(m.Events) / float64(m.Commands) }
func msgsPerCmd(m Measurement) float64   { return float64(m.Messages) / float64(m.Commands) }
func allocsPerCmd(m Measurement) float64 { return float64(m.Mallocs) / float64(m.Commands) }
func bytesPerCmd(m Measurement) float64  { return float64(m.AllocBytes) / float64(m.Commands) }

// WriteTable prints the comparison: per side the median (and range) of
// events/s, cmds/s and vsec/s, the work per command, then the ratios of
// raftsim to each etcd-raft side.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "side\tevents/s\tcmds/s\tvsec/s\tcmds/cpu-s\tevents/cmd\tmsgs/cmd\tallocs/cmd\tbytes/cmd")
	for _, side := range r.Sides() {
		ev := r.Summarize(side, Measurement.EventsPerSec)
		cm := r.Summarize(side, Measurement.CmdsPerSec)
		vs := r.Summarize(side, Measurement.VsecPerSec)
		cpu := r.Summarize(side, Measurement.CmdsPerCPUSec)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%.1f\t%.0f\n", side,
			rangeOf(ev, thousands), rangeOf(cm, thousands), rangeOf(vs, oneDecimal), rangeOf(cpu, thousands),
			r.Summarize(side, eventsPerCmd).Median, r.Summarize(side, msgsPerCmd).Median,
			r.Summarize(side, allocsPerCmd).Median, r.Summarize(side, bytesPerCmd).Median)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ratios paired by round: median (min-max)")
	for _, side := range r.Sides() {
		if side == SideRaftsim {
			continue
		}
		cm := r.Ratio(SideRaftsim, side, Measurement.CmdsPerSec)
		ev := r.Ratio(SideRaftsim, side, Measurement.EventsPerSec)
		cpu := r.Ratio(SideRaftsim, side, Measurement.CmdsPerCPUSec)
		fmt.Fprintf(w, "raftsim / %-24s cmds/s %s   events/s %s   cmds/cpu-s %s\n",
			side, rangeOf(cm, twoDecimals), rangeOf(ev, twoDecimals), rangeOf(cpu, twoDecimals))
	}
	return nil
}

// rangeOf prints "median (min-max)", or just the median for one run.
func rangeOf(s Summary, f func(float64) string) string {
	if s.N <= 1 {
		return f(s.Median)
	}
	return f(s.Median) + " (" + f(s.Min) + "-" + f(s.Max) + ")"
}

func oneDecimal(x float64) string  { return strconv.FormatFloat(x, 'f', 1, 64) }
func twoDecimals(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// thousands prints a figure rounded to an integer with thousands commas.
func thousands(x float64) string {
	s := strconv.FormatInt(int64(x+0.5), 10)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
