#!/usr/bin/env bash
# scripts/test.sh - the whole test suite (the README's second command; .ci/run
# runs exactly this).  Installs dependencies, builds with -Wall -Wextra
# -Werror and AddressSanitizer + UndefinedBehaviorSanitizer, runs the unit
# tests, starts the lab, runs the functional tests and a short fuzzing run,
# and ends with "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
export TOP
./scripts/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

BUILD=${BUILD:-build-test}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
RESULTS=$(mktemp -d /tmp/dv-results.XXXXXX)
pass=0; fail=0; skip=0

count() { # count TAP lines from a file into pass/fail
	# A TAP "# SKIP" is neither: it is listed, and counted apart.
	local p f s
	p=$(grep '^ok ' "$1" | grep -vc '# SKIP'); f=$(grep '^not ok ' "$1" | grep -vc '# SKIP')
	s=$(grep -c '# SKIP' "$1")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=${CC:-clang} meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dwerror=true -Dwarning_level=2 -Dfuzz=true > "$RESULTS/setup.log" 2>&1 ||
		{ cat "$RESULTS/setup.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$BUILD" > "$RESULTS/build.log" 2>&1; then
	tail -50 "$RESULTS/build.log"; echo "0 passed, 1 failed"; exit 1
fi
export DNSVIGIL="$TOP/$BUILD/dnsvigil"

echo "== static checks"
scripts/check-layers.sh > "$RESULTS/layers.tap" 2>&1
count "$RESULTS/layers.tap"; grep -v '^ok' "$RESULTS/layers.tap"

echo "== alert rules"
tests/alerts/run.sh > "$RESULTS/alerts.tap" 2>&1
count "$RESULTS/alerts.tap"; grep -A10 '^not ok' "$RESULTS/alerts.tap"

echo "== unit tests"
for t in "$BUILD"/tests/unit/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" > "$RESULTS/unit-$(basename "$t").tap" 2>&1
	rc=$?
	count "$RESULTS/unit-$(basename "$t").tap"
	grep '^not ok' "$RESULTS/unit-$(basename "$t").tap" | grep -v '# SKIP'
	if [ $rc -ne 0 ] && ! grep '^not ok' "$RESULTS/unit-$(basename "$t").tap" | grep -vq '# SKIP'; then
		echo "not ok - $(basename "$t") exited $rc"; fail=$((fail + 1))
		tail -20 "$RESULTS/unit-$(basename "$t").tap"
	fi
done

echo "== lab"
if [ -x tests/lab/start.sh ]; then
	if tests/lab/start.sh > "$RESULTS/lab.log" 2>&1; then
		echo "ok - lab started"; pass=$((pass + 1)); export LAB_UP=1
	else
		echo "not ok - lab start"; tail -30 "$RESULTS/lab.log"; fail=$((fail + 1))
	fi
fi

echo "== functional tests"
for t in tests/func/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	WORK=$(mktemp -d "/tmp/dv-$name.XXXXXX") timeout 600 bash "$t" > "$RESULTS/$name.tap" 2>&1
	rc=$?
	count "$RESULTS/$name.tap"
	grep -A3 '^not ok' "$RESULTS/$name.tap"
	if [ $rc -ne 0 ]; then echo "not ok - $name exited $rc"; fail=$((fail + 1)); fi
	printf '%s: %s ok, %s not ok\n' "$name" "$(grep -c '^ok ' "$RESULTS/$name.tap")" \
		"$(grep -c '^not ok ' "$RESULTS/$name.tap")"
done

if [ -x tests/fuzz/run.sh ]; then
	echo "== fuzzing (short)"
	tests/fuzz/run.sh > "$RESULTS/fuzz.tap" 2>&1
	count "$RESULTS/fuzz.tap"; grep -A5 '^not ok' "$RESULTS/fuzz.tap"
fi

[ -x tests/lab/stop.sh ] && [ "${KEEP_LAB:-0}" != 1 ] && tests/lab/stop.sh > /dev/null 2>&1
echo "results in $RESULTS"
grep -h "# SKIP" "$RESULTS"/*.tap 2>/dev/null | sed "s/^/skipped: /"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
