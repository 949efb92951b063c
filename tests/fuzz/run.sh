#!/usr/bin/env bash
# tests/fuzz/run.sh - a short libFuzzer run of every built fuzz target.
#
# Finds ${BUILD:-build-test}/tests/fuzz/fuzz_*, runs each for
# ${FUZZ_SECONDS:-20} seconds on its seed corpus tests/fuzz/corpus/<name>/
# (read only: new inputs go to a scratch directory) and prints one TAP line
# per target.  A new target needs no change here, only a seed directory.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
BUILD=${BUILD:-build-test}
SECONDS_EACH=${FUZZ_SECONDS:-20}
SCRATCH=$(mktemp -d /tmp/dv-fuzz.XXXXXX)
found=0

for bin in "$BUILD"/tests/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	found=$((found + 1))
	seeds="tests/fuzz/corpus/$name"
	work="$SCRATCH/$name"
	mkdir -p "$work/corpus" "$work/artifacts"
	args=("$work/corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	# timeout bounds a hung target; libFuzzer itself stops at -max_total_time.
	timeout $((SECONDS_EACH + 60)) nice "$bin" -max_total_time="$SECONDS_EACH" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" \
		-print_final_stats=1 "${args[@]}" > "$work/log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz $name"
		rm -rf "$work"
	else
		echo "not ok - fuzz $name (exit $rc; log $work/log)"
		grep -m5 -E 'ERROR|SUMMARY|runtime error' "$work/log" | sed 's/^/#   /'
		ls "$work/artifacts" 2> /dev/null | sed 's/^/#   artifact: /'
	fi
done
rmdir "$SCRATCH" 2> /dev/null
if [ "$found" -eq 0 ]; then
	echo "not ok - fuzz: no targets in $BUILD/tests/fuzz (configure with -Dfuzz=true)"
fi
