#!/usr/bin/env bash
# store-mutants.sh: run every store mutant (storage/storagetest/fsmutants_test.go
# and mutantstores_test.go) through the whole storage kit and print, per
# mutant, whether the kit caught it (its subtest FAILED), then caught/total.
# Usage: scripts/store-mutants.sh [extra go test flags]
# Deterministic: the kit's workloads are fixed by their seeds and rapid is
# seeded with -rapid.seed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/storagetest.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./storage/storagetest/
out=$(dirname "$bin")/out
(cd storage/storagetest && "$bin" -test.run '^TestStoreMutants$' -test.v -test.short \
	-storagetest.mutants -rapid.seed=1 -rapid.checks=50 -rapid.nofailfile -rapid.shrinktime=2s "$@" >"$out" 2>&1) || true
caught=0 total=0
while read -r verdict name; do
	total=$((total + 1))
	if [ "$verdict" = FAIL ]; then
		caught=$((caught + 1))
		printf 'caught  %s\n' "$name"
	else
		printf 'MISSED  %s\n' "$name"
	fi
done < <(tr -d '\000' <"$out" | sed -n 's/^    --- \(PASS\|FAIL\): TestStoreMutants\/\([^ ]*\) .*/\1 \2/p')
if [ "$total" -eq 0 ]; then
	tail -20 "$out"
	echo "store-mutants: no mutant ran" >&2
	exit 2
fi
echo "kit: caught $caught/$total store mutants"
