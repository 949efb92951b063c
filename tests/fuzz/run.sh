#!/usr/bin/env bash
# tests/fuzz/run.sh - a short libFuzzer run of every built fuzz target.
#
# Finds ${BUILD:-build-test}/tests/fuzz/fuzz_*, runs each for
# ${FUZZ_SECONDS:-6} seconds on its seed corpus tests/fuzz/corpus/<name>/
# (read only: new inputs go to a scratch directory), ${FUZZ_JOBS:-2} targets
# at a time (each is single-threaded), and prints one TAP line per target in
# name order.  A new target needs no change here, only a seed directory.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
BUILD=${BUILD:-build-test}
SECONDS_EACH=${FUZZ_SECONDS:-6}
JOBS=${FUZZ_JOBS:-2}
SCRATCH=$(mktemp -d /tmp/dv-fuzz.XXXXXX)
found=0

# One target; its TAP line goes to $work.tap.
fuzz_one() {
	local bin=$1 name=${1##*/fuzz_}
	local seeds="tests/fuzz/corpus/$name" work="$SCRATCH/$name"
	mkdir -p "$work/corpus" "$work/artifacts"
	local args=("$work/corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	# timeout bounds a hung target; libFuzzer itself stops at -max_total_time.
	timeout $((SECONDS_EACH + 60)) nice "$bin" -max_total_time="$SECONDS_EACH" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" \
		-print_final_stats=1 "${args[@]}" > "$work/log" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz $name" > "$SCRATCH/$name.tap"
		rm -rf "$work"
	else
		{
			echo "not ok - fuzz $name (exit $rc; log $work/log)"
			grep -m5 -E 'ERROR|SUMMARY|runtime error' "$work/log" | sed 's/^/#   /'
			ls "$work/artifacts" 2> /dev/null | sed 's/^/#   artifact: /'
		} > "$SCRATCH/$name.tap"
	fi
}

names=()
for bin in "$BUILD"/tests/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=$((found + 1))
	names+=("${bin##*/fuzz_}")
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	fuzz_one "$bin" &
done
wait
for name in "${names[@]}"; do
	if [ -f "$SCRATCH/$name.tap" ]; then
		cat "$SCRATCH/$name.tap"
		rm -f "$SCRATCH/$name.tap"
	else
		echo "not ok - fuzz $name (no result)"
	fi
done
rmdir "$SCRATCH" 2> /dev/null
if [ "$found" -eq 0 ]; then
	echo "not ok - fuzz: no targets in $BUILD/tests/fuzz (configure with -Dfuzz=true)"
fi
