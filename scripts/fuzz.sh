#!/usr/bin/env bash
# Run every Go fuzz target in the repository for FUZZTIME each (default 10s).
# New Fuzz functions are picked up without editing this file.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
n=0
while IFS=: read -r file _ line; do
	name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(.*/\1/' <<<"$line")
	dir=./$(dirname "$file")
	echo "== $dir $name ($FUZZTIME)"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$dir"
	n=$((n + 1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' internal)
echo "fuzz: $n targets ran for $FUZZTIME each"
