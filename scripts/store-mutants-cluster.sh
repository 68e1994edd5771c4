#!/usr/bin/env bash
# store-mutants-cluster.sh: run every disk-store mutant (storeMutants() in
# storage/storagetest/fsmutants_test.go) under every node of cluster
# campaigns, through the store hook on the node's device as the file
# interface, on crash-persistence-points and disk-faults (-short chaos),
# and print, per mutant, whether a campaign caught it (a seed failed) and
# how, then caught/total. The disk store without a bug runs first and must
# pass every seed.
# Usage: scripts/store-mutants-cluster.sh [seeds per scenario per mutant, default 40]
# Deterministic: a campaign's seeds and verdicts are functions of its spec.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-40}
bin=$(mktemp -d)/storagetest.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" ./storage/storagetest/
out=$(dirname "$bin")/out
(cd storage/storagetest && "$bin" -test.run '^TestStoreMutantsInTheCluster$' -test.v -test.timeout 60m \
	-storagetest.cluster -storagetest.cluster.seeds="$seeds" >"$out" 2>&1) || true
if grep -q 'the disk store without a bug fails' "$out"; then
	grep -A5 'the disk store without a bug fails' "$out" >&2
	exit 1
fi
caught=0 total=0
while read -r verdict name; do
	total=$((total + 1))
	if [ "$verdict" = FAIL ]; then
		caught=$((caught + 1))
		how=$(tr -d '\000' <"$out" | awk -v n="TestStoreMutantsInTheCluster/$name" \
			'$0 ~ "^=== RUN +"n"$" {on=1; next} /^=== RUN/ {on=0} on && /caught:/ {sub(/.*caught: /, ""); print; exit}')
		printf 'caught  %-34s %s\n' "$name" "$how"
	else
		printf 'MISSED  %s\n' "$name"
	fi
done < <(tr -d '\000' <"$out" | sed -n 's/^    --- \(PASS\|FAIL\): TestStoreMutantsInTheCluster\/\([^ ]*\) .*/\1 \2/p')
if [ "$total" -eq 0 ]; then
	tail -20 "$out"
	echo "store-mutants-cluster: no mutant ran" >&2
	exit 2
fi
echo "cluster: caught $caught/$total disk-store mutants ($seeds seeds each of crash-persistence-points and disk-faults, -short)"
