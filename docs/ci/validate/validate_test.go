package validate

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// yamlBlocks are the fenced yaml blocks of docs/ci.md, in order.
func yamlBlocks(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../ci.md")
	require.NoError(t, err)
	var out []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```\n").FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// block is the one yaml block of docs/ci.md that contains marker.
func block(t *testing.T, marker string) string {
	t.Helper()
	var found []string
	for _, b := range yamlBlocks(t) {
		if strings.Contains(b, marker) {
			found = append(found, b)
		}
	}
	require.Len(t, found, 1, "docs/ci.md has one yaml block with %q", marker)
	return found[0]
}

func workflow(t *testing.T) string { return block(t, "\njobs:\n") }
func jobSpec(t *testing.T) string  { return block(t, "kind: Job") }

// lint runs actionlint on a workflow and returns its errors.
func lint(t *testing.T, content string) []*actionlint.Error {
	t.Helper()
	l, err := actionlint.NewLinter(os.Stderr, &actionlint.LinterOptions{Shellcheck: "", Pyflakes: ""})
	require.NoError(t, err)
	errs, err := l.Lint(".github/workflows/nightly-campaign.yml", []byte(content), nil)
	require.NoError(t, err)
	return errs
}

// The workflow passes actionlint: syntax, expressions, action inputs,
// job dependencies.
func TestWorkflowPassesActionlint(t *testing.T) {
	for _, e := range lint(t, workflow(t)) {
		t.Errorf("actionlint: %d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
}

// actionlint is not a rubber stamp here: a broken workflow fails it.
func TestActionlintCatchesABrokenWorkflow(t *testing.T) {
	bad := strings.Replace(workflow(t), "runs-on: ubuntu-latest", "runs_on: ubuntu-latest", 1)
	assert.NotEmpty(t, lint(t, bad), "a misspelled key")
	bad = strings.Replace(workflow(t), "${{ matrix.shard }}", "${{ matrix.shrad }}", 1)
	assert.NotEmpty(t, lint(t, bad), "an unknown matrix value")
}

// The workflow keeps what docs/ci.md says of it: one matrix entry per
// shard, a merge that runs whatever the shards did and whose exit status
// is not swallowed, and the JUnit report published.
func TestWorkflowShardsMergeAndPublish(t *testing.T) {
	var wf struct {
		Env  map[string]string `json:"env"`
		Jobs map[string]struct {
			Needs    any    `json:"needs"`
			If       string `json:"if"`
			Strategy struct {
				Matrix struct {
					Shard []int `json:"shard"`
				} `json:"matrix"`
			} `json:"strategy"`
			Steps []struct {
				Uses string            `json:"uses"`
				Run  string            `json:"run"`
				If   string            `json:"if"`
				With map[string]string `json:"with"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(workflow(t)), &wf))
	shards, err := strconv.Atoi(wf.Env["SHARDS"])
	require.NoError(t, err)
	assert.Len(t, wf.Jobs["shard"].Strategy.Matrix.Shard, shards, "one matrix entry per shard")
	merge := wf.Jobs["merge"]
	assert.Equal(t, "always()", merge.If, "the merge runs even when a shard failed, so a lost shard is reported")
	var merged, published bool
	for _, s := range merge.Steps {
		if strings.Contains(s.Run, "raftsim merge") {
			merged = true
			assert.NotContains(t, s.Run, "|| true", "the merge's exit status fails the job")
			assert.Contains(t, s.Run, "--junit merged.xml")
		}
		if strings.HasPrefix(s.Uses, "mikepenz/action-junit-report@") {
			published = true
			assert.Equal(t, "merged.xml", s.With["report_paths"])
			assert.Equal(t, "always()", s.If, "published when the merge failed too")
		}
	}
	assert.True(t, merged, "a merge step")
	assert.True(t, published, "the JUnit report is published")
}

// decodeJob decodes the Job strictly: an unknown or misspelled field, or
// a field twice, is an error.
func decodeJob(t *testing.T, spec string) (batchv1.Job, error) {
	t.Helper()
	var job batchv1.Job
	err := yaml.UnmarshalStrict([]byte(spec), &job)
	return job, err
}

// The Job spec is a valid batch/v1 Job, decoded strictly, and keeps what
// docs/ci.md says of it: raftsim is exec'ed (PID 1, so SIGTERM reaches
// it), --grace ends inside terminationGracePeriodSeconds, the shard count
// is the completions, and a failed shard fails only its index.
func TestJobSpecDecodesStrictlyAndStopsInTime(t *testing.T) {
	job, err := decodeJob(t, jobSpec(t))
	require.NoError(t, err)
	assert.Equal(t, "batch/v1", job.APIVersion)
	assert.Equal(t, "Job", job.Kind)
	s := job.Spec
	require.NotNil(t, s.CompletionMode)
	assert.Equal(t, batchv1.IndexedCompletion, *s.CompletionMode, "JOB_COMPLETION_INDEX needs an indexed Job")
	require.NotNil(t, s.Completions)
	require.NotNil(t, s.BackoffLimitPerIndex)
	assert.Equal(t, int32(0), *s.BackoffLimitPerIndex, "a shard that found failures is not rerun")
	require.NotNil(t, s.PodFailurePolicy)
	assert.Equal(t, corev1.RestartPolicyNever, s.Template.Spec.RestartPolicy)
	require.Len(t, s.Template.Spec.Containers, 1)
	c := s.Template.Spec.Containers[0]
	script := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
	assert.Regexp(t, `(?m)^\s*exec raftsim fuzz`, strings.Join(c.Args, "\n"), "raftsim replaces the shell: PID 1 gets the SIGTERM")
	assert.Contains(t, script, "--shard /"+strconv.Itoa(int(*s.Completions)), "one shard per completion index")

	grace := regexp.MustCompile(`--grace (\d+)s`).FindStringSubmatch(script)
	require.NotNil(t, grace, "the script sets --grace")
	secs, _ := strconv.Atoi(grace[1])
	require.NotNil(t, s.Template.Spec.TerminationGracePeriodSeconds)
	// The summary is written after the grace: leave it a margin.
	assert.Less(t, int64(secs)+10, *s.Template.Spec.TerminationGracePeriodSeconds,
		"raftsim stops within the pod's termination grace period")
	for _, rule := range s.PodFailurePolicy.Rules {
		if rule.Action == batchv1.PodFailurePolicyActionFailJob {
			require.NotNil(t, rule.OnExitCodes)
			assert.Equal(t, []int32{2}, rule.OnExitCodes.Values, "only bad usage fails the whole Job")
			assert.Equal(t, c.Name, *rule.OnExitCodes.ContainerName)
		}
	}
}

// Strict decoding is not a rubber stamp: a misspelled field fails it.
func TestStrictDecodingCatchesAMisspelledField(t *testing.T) {
	_, err := decodeJob(t, strings.Replace(jobSpec(t), "terminationGracePeriodSeconds", "terminationGracePeriod", 1))
	assert.ErrorContains(t, err, "terminationGracePeriod")
	_, err = decodeJob(t, strings.Replace(jobSpec(t), "completionMode: Indexed", "completionMode: Indexed\n  completionMode: NonIndexed", 1))
	assert.Error(t, err, "a field twice")
}
