package campaign

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/raftsim/raftsim/scenarios"
)

// FailureFileName is where a campaign keeps the failure file of a
// signature: a readable slug and a hash that tells apart signatures whose
// slugs collide.
func FailureFileName(sig string) string {
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
	slug := strings.TrimSuffix(b.String(), "-")
	if slug == "" {
		slug = "failure"
	}
	h := fnv.New32a()
	h.Write([]byte(sig))
	return fmt.Sprintf("%s-%08x.json", slug, h.Sum32())
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
