package cli

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBenchMutantsRejectsBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--budget", "0s"}, "--budget 0s"},
		{[]string{"--jobs", "0"}, "--jobs 0"},
		{[]string{"--sample", "-1"}, "--sample -1"},
		{[]string{"--budget", "20s", "--timeout", "10s"}, "--timeout 10s"},
		{[]string{"--campaign-seed", "x"}, "--campaign-seed"},
		{[]string{"--", "--cpu", "1s"}, "set by bench mutants"},
		{[]string{"--campaign-flags", "--workers=4"}, "set by bench mutants"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		code, _, errs := raftsim(append([]string{"bench", "mutants"}, tt.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tt.args)
		assert.Contains(t, errs, tt.want, "%v", tt.args)
	}
	code, help, _ := raftsim("bench", "mutants", "--help")
	assert.Equal(t, exitPass, code)
	assert.Contains(t, help, "Examples:\n  raftsim bench mutants")
}

// Outside a checkout of the module there is nothing to mutate: exit 2.
func TestBenchMutantsNeedsACheckout(t *testing.T) {
	code, _, errs := raftsim("bench", "mutants", "--list", "--src", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "not in a source checkout: no go.mod of module github.com/raftsim/raftsim")
}

// Campaign flags come from --campaign-flags and after --, in that order;
// the timeout defaults to well above the budget.
func TestBenchMutantsPassesCampaignFlags(t *testing.T) {
	o, code, done := parseMutants([]string{"--campaign-flags", "--scenario swarm", "--budget", "5s", "--", "--short"}, io.Discard)
	require.False(t, done, code)
	assert.Equal(t, []string{"--scenario", "swarm", "--short"}, o.run.CampaignFlags)
	assert.Equal(t, 30*5*time.Second+10*time.Minute, o.run.Timeout)
	assert.Contains(t, o.run.CampaignCommand(), "fuzz --cpu 5s --workers 1 --campaign-seed 1 --out \"\" --max-failures 1")
	assert.Contains(t, o.run.CampaignCommand(), "--scenario swarm --short")
}
