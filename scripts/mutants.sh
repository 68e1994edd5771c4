#!/usr/bin/env bash
# mutants.sh: the mutation score of the core as docs/performance.md
# records it ("Mutation score"): a deterministic sample of 100 mutants of
# raft/ plus every mutant of harness/kv, 20 CPU-s of campaign each (all
# scenarios, one worker, stopping at the first failure), then the unit
# tests on the campaign's survivors. Two mutants at a time, niced.
# Usage: scripts/mutants.sh [more raftsim bench mutants flags] [-- campaign flags]
# e.g.   scripts/mutants.sh --json > mutants.json
#        scripts/mutants.sh -- --guided       the same mutants, another campaign mode
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/raftsim
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/raftsim
nice "$bin" bench mutants --sample 100 --sample-seed 1 --all-of harness/kv \
	--budget 20s --campaign-seed 1 --jobs 2 "$@"
