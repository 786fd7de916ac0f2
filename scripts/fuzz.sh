#!/usr/bin/env bash
# Run every Go fuzz target in the repository with a budget of FUZZTIME each.
# New Fuzz functions are picked up without editing this file.
#
# The default budget is an execution count ("Nx"), not a duration: with a
# wall-clock -fuzztime, Go 1.26's fuzz coordinator can report a spurious
# "context deadline exceeded" failure at the deadline with no crashing input
# (golang/go#75804, fixed in Go 1.27). A count has no deadline to race.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-60000x}
n=0
while IFS=: read -r file _ line; do
	name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(.*/\1/' <<<"$line")
	dir=./$(dirname "$file")
	echo "== $dir $name ($FUZZTIME)"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -timeout=10m "$dir"
	n=$((n + 1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' internal)
echo "fuzz: $n targets ran for $FUZZTIME each"
