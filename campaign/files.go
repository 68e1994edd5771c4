package campaign

import (
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"strings"

	"github.com/raftsim/raftsim/scenarios"
)

// FailureFileName is where a campaign keeps the failure file of a
// signature found by shard sh: a readable slug of the signature, the
// campaign seed, and a hash of the campaign's identity (seed, scenario,
// short mode, bugs, store, shard) and the signature. Two campaigns, or two
// shards of one, writing into the same directory never replace each
// other's files; slugs that collide differ by the hash.
func (c *Campaign) FailureFileName(sh Shard, sig string) string {
	id := fmt.Sprintf("%v\x00%s\x00%v\x00%s\x00%s\x00%v\x00%s", c.Seed, c.Scenario, c.Short,
		strings.Join(c.Bugs, ","), c.Store, sh, sig)
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%s-c%v-%08x.json", slug(sig), c.Seed, h.Sum32())
}

// slug is a file-name-safe, lower-case form of a signature.
func slug(sig string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(sig) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		s = "failure"
	}
	return s
}

// RunCommand is the `raftsim run` command line that reruns a campaign's
// seed: its seed and scenario, the short mode, the planted bugs and the
// store when the campaign replaced the scenario's.
func RunCommand(o Outcome, short bool, bugs []string, store string) string {
	parts := []string{"raftsim run"}
	if o.Scenario != scenarios.DefaultName {
		parts = append(parts, "--scenario", o.Scenario)
	}
	parts = append(parts, "--seed", o.Seed.String())
	if short {
		parts = append(parts, "--short")
	}
	if len(bugs) > 0 {
		parts = append(parts, "--bugs", strings.Join(bugs, ","))
	}
	if store != "" {
		parts = append(parts, "--store", store)
	}
	return strings.Join(parts, " ")
}

// Rebase returns a copy of the summary whose failure files, named relative
// to directory from, are named relative to directory to. A summary file
// names its failure files relative to its own directory, so that a merge
// that reads it from elsewhere (a CI artifact) finds them: `raftsim fuzz`
// rebases from the working directory to the summary's, `raftsim merge`
// from each input's directory to its own working directory.
func (s *Summary) Rebase(from, to string) *Summary {
	c := *s
	c.Failures = slices.Clone(s.Failures)
	absFrom, err1 := filepath.Abs(from)
	absTo, err2 := filepath.Abs(to)
	if err1 != nil || err2 != nil {
		return &c // no working directory: leave the names as they are
	}
	for i := range c.Failures {
		f := &c.Failures[i].First.File
		if *f == "" || filepath.IsAbs(*f) {
			continue
		}
		if rel, err := filepath.Rel(absTo, filepath.Join(absFrom, *f)); err == nil {
			*f = filepath.ToSlash(rel)
		}
	}
	return &c
}
