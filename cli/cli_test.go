package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests that drive the real program (signals, exit codes, files) share
// one binary, built at the first such test: fuzzing, which re-runs the
// test binary in worker processes, never needs it.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// raftsimBinary builds raftsim once and returns its path.
func raftsimBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "raftsim-test-bin"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "raftsim")
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		if out, err := exec.Command(gobin, "build", "-o", binPath, "../cmd/raftsim").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building raftsim for the tests: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// result is what a run of the binary left.
type result struct {
	code           int
	stdout, stderr string
}

// raftsimBin runs the built binary in dir and waits for it (a minute at
// most: no test here should take that long).
func raftsimBin(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return raftsimEnv(t, dir, nil, args...)
}

// raftsimEnv is raftsimBin with extra environment variables ("K=V").
func raftsimEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, raftsimBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "running raftsim %v: %v", args, err)
		code = ee.ExitCode()
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
