package mutate

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// coverBlock is one block of a coverage profile: its span in the
// schemata copy and whether it ran.
type coverBlock struct {
	l0, c0, l1, c1 int
	ran            bool
}

// Reach runs the coverage build on the baseline's seeds (a fixed seed
// count, so that instrumentation's slowness does not shrink the set) and
// returns, for each mutant ID, whether a block holding it ran. A mutant
// in no block (a package-level initializer) is left out.
func (c *RunConfig) Reach(s *Schemata, b *Binaries, seeds int, tmp string) (map[int]bool, error) {
	dir := filepath.Join(tmp, "cover")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"fuzz", "--seeds", strconv.Itoa(max(seeds, 1)), "--workers", "1", "--campaign-seed", c.CampaignSeed,
		"--out", "", "--progress", "none", "--json"}
	args = append(args, c.CampaignFlags...)
	r := c.campaignWith(b.Cover, 0, args, 4*c.Timeout+10*time.Minute, []string{"GOCOVERDIR=" + dir})
	if r.verdict != Survived {
		return nil, fmt.Errorf("mutate: the coverage run failed (%s: %s)", r.verdict, r.detail)
	}
	prof := filepath.Join(tmp, "cover.txt")
	if out, err := goCmd(s.Root, "tool", "covdata", "textfmt", "-i="+dir, "-o="+prof); err != nil {
		return nil, fmt.Errorf("mutate: go tool covdata: %v\n%s", err, out)
	}
	text, err := os.ReadFile(prof)
	if err != nil {
		return nil, err
	}
	blocks, err := parseProfile(string(text))
	if err != nil {
		return nil, err
	}
	reached := map[int]bool{}
	for _, m := range s.Mutants {
		var in, ran bool
		for _, bl := range blocks[s.Module+"/"+m.File] {
			if bl.holds(m.outLine, m.outCol) {
				in, ran = true, ran || bl.ran
			}
		}
		if in {
			reached[m.ID] = ran
		}
	}
	return reached, nil
}

func (b coverBlock) holds(l, c int) bool {
	after := l > b.l0 || l == b.l0 && c >= b.c0
	before := l < b.l1 || l == b.l1 && c < b.c1
	return after && before
}

// parseProfile reads a text coverage profile: file:l0.c0,l1.c1 n count.
func parseProfile(text string) (map[string][]coverBlock, error) {
	blocks := map[string][]coverBlock{}
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if i == 0 && strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		file, rest, ok := strings.Cut(line, ":")
		f := strings.Fields(rest)
		var b coverBlock
		var count int
		if ok && len(f) == 3 {
			_, err := fmt.Sscanf(f[0]+" "+f[2], "%d.%d,%d.%d %d", &b.l0, &b.c0, &b.l1, &b.c1, &count)
			ok = err == nil
		}
		if !ok {
			return nil, fmt.Errorf("mutate: coverage profile line %d: cannot parse %q", i+1, line)
		}
		b.ran = count > 0
		blocks[file] = append(blocks[file], b)
	}
	return blocks, nil
}
