// Package validate checks the CI configurations docs/ci.md gives: the
// GitHub Actions workflow with actionlint (as a library), and the
// Kubernetes Job decoded strictly into the batch/v1 API types, plus the
// properties the text promises (raftsim is PID 1 and stops within the
// grace period, the shard counts agree, the merge can fail the run).
//
// It is a module of its own so that actionlint's and Kubernetes'
// dependencies stay out of raftsim's: cd docs/ci/validate && go test ./...
// (.ci/run does).
package validate
