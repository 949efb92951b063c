#!/usr/bin/env bash
# scripts/test.sh - the whole test suite (the README's second command; .ci/run
# runs exactly this).  Installs dependencies, builds with -Wall -Wextra
# -Werror and AddressSanitizer + UndefinedBehaviorSanitizer, runs the static
# checks (layers, clang-format), the unit tests, starts the lab, runs the
# functional tests and a short fuzzing run, builds a gcc release build with
# -Werror beside all that, and ends with "N passed, N failed, N skipped".
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
export TOP
T0=$(date +%s)
./scripts/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

BUILD=${BUILD:-build-test}
GCC_BUILD=${GCC_BUILD:-$BUILD-gcc}
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

# options_match DIR ARGS... - every -Dname=value / --name=value of ARGS is what
# `meson introspect` reports for DIR (catches a `meson configure` by hand)
options_match() {
	local dir=$1
	shift
	meson introspect "$dir" --buildoptions 2> /dev/null | python3 -c '
import json, sys
have = {}
for o in json.load(sys.stdin):
    v = o["value"]
    if isinstance(v, bool):
        v = "true" if v else "false"
    elif isinstance(v, list):
        v = ",".join(map(str, v))
    have[o["name"]] = str(v)
for a in sys.argv[1:]:
    k, _, v = a[2:].partition("=")
    if have.get(k.replace("-", "_")) != v:
        sys.exit(1)
' "$@"
}

# setup_build DIR COMPILER ARGS... - DIR is a meson build directory made by
# COMPILER with exactly ARGS.  A stamp of the compiler, ARGS, the meson
# version, meson_options.txt and every meson.build is kept in DIR; when it
# differs, or `meson configure` shows another value, DIR is set up again from
# nothing (`meson setup --wipe` would keep options ARGS no longer gives, and
# an existing DIR keeps its old option defaults and project() default_options).
setup_build() {
	local dir=$1 cc=$2 want
	shift 2
	want=$({
		printf '%s\n' "CC=$cc" "$@"
		meson --version
		find . -name meson.build -not -path './build*' -print0 | LC_ALL=C sort -z |
			xargs -0 cat meson_options.txt
	} | sha256sum | cut -c1-16)
	if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.dv-setup" 2> /dev/null)" = "$want" ] &&
		options_match "$dir" "$@"; then
		return 0
	fi
	if [ -e "$dir" ]; then
		# only ever remove a build directory (never, say, BUILD=.)
		[ -d "$dir/meson-private" ] || { echo "$dir is not a meson build directory"; return 1; }
		echo "setting up $dir again (arguments, meson files or options changed)"
		rm -rf "$dir"
	fi
	CC=$cc meson setup "$dir" "$@" && echo "$want" > "$dir/.dv-setup"
}

if ! setup_build "$BUILD" "${CC:-clang}" -Db_sanitize=address,undefined -Db_lundef=false \
	-Dwerror=true -Dwarning_level=2 -Dfuzz=true > "$RESULTS/setup.log" 2>&1; then
	cat "$RESULTS/setup.log"; echo "0 passed, 1 failed"; exit 1
fi
grep -h '^setting up' "$RESULTS/setup.log"
if ! ninja -C "$BUILD" > "$RESULTS/build.log" 2>&1; then
	tail -50 "$RESULTS/build.log"; echo "0 passed, 1 failed"; exit 1
fi
export DNSVIGIL="$TOP/$BUILD/dnsvigil"

echo "== static checks (at $(($(date +%s) - T0)) s)"
scripts/check-layers.sh > "$RESULTS/layers.tap" 2>&1
count "$RESULTS/layers.tap"; grep -v '^ok' "$RESULTS/layers.tap"
# clang-format: every C file of src/ and tests/ as .clang-format wants it
# (one clang-format run; it names the first difference of each file)
if find src tests -name '*.[ch]' -type f -print0 | LC_ALL=C sort -z |
	xargs -0 clang-format --dry-run -Werror > "$RESULTS/format.log" 2>&1; then
	echo "ok - clang-format: src/ and tests/ are formatted" > "$RESULTS/format.tap"
else
	unformatted=$(grep -- '-Wclang-format-violations' "$RESULTS/format.log" | cut -d: -f1 | sort -u)
	if [ -n "$unformatted" ]; then
		{ echo "not ok - clang-format: $(wc -w <<< "$unformatted") file(s) differ (clang-format -i FILE)"
			printf '#   %s\n' $unformatted; } > "$RESULTS/format.tap"
	else
		{ echo "not ok - clang-format could not check (log $RESULTS/format.log)"
			head -5 "$RESULTS/format.log" | sed 's/^/#   /'; } > "$RESULTS/format.tap"
	fi
fi
count "$RESULTS/format.tap"; grep -v '^ok' "$RESULTS/format.tap"

echo "== alert rules (at $(($(date +%s) - T0)) s)"
tests/alerts/run.sh > "$RESULTS/alerts.tap" 2>&1
count "$RESULTS/alerts.tap"; grep -A10 '^not ok' "$RESULTS/alerts.tap"

echo "== unit tests (at $(($(date +%s) - T0)) s)"
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

echo "== lab (at $(($(date +%s) - T0)) s)"
if [ -x tests/lab/start.sh ]; then
	if tests/lab/start.sh > "$RESULTS/lab.log" 2>&1; then
		echo "ok - lab started"; pass=$((pass + 1)); export LAB_UP=1
	else
		echo "not ok - lab start"; tail -30 "$RESULTS/lab.log"; fail=$((fail + 1))
	fi
fi

echo "== functional tests (at $(($(date +%s) - T0)) s)"
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

# The gcc release build (-Werror) runs in the background beside the fuzzers:
# each fuzzer is single-threaded and runs for a fixed time, so on a machine
# of N cores the build takes the other N-1 and adds no wall time.  Its result
# is counted at the end.
jobs=$(($(nproc) > 1 ? $(nproc) - 1 : 1))
(setup_build "$GCC_BUILD" "${GCC:-gcc}" --buildtype=release -Dwerror=true &&
	nice ninja -j "$jobs" -C "$GCC_BUILD") > "$RESULTS/gcc.log" 2>&1 &
gcc_pid=$!

if [ -x tests/fuzz/run.sh ]; then
	echo "== fuzzing (short, at $(($(date +%s) - T0)) s)"
	tests/fuzz/run.sh > "$RESULTS/fuzz.tap" 2>&1
	count "$RESULTS/fuzz.tap"; grep -A5 '^not ok' "$RESULTS/fuzz.tap"
fi

[ -x tests/lab/stop.sh ] && [ "${KEEP_LAB:-0}" != 1 ] && tests/lab/stop.sh > /dev/null 2>&1

echo "== gcc release build (at $(($(date +%s) - T0)) s)"
if wait "$gcc_pid"; then
	echo "ok - gcc release build with -Werror ($GCC_BUILD)" > "$RESULTS/gcc.tap"
else
	{ echo "not ok - gcc release build with -Werror ($GCC_BUILD; log $RESULTS/gcc.log)"
		grep -E -m 20 'error:|warning:' "$RESULTS/gcc.log" | sed 's/^/#   /'; } > "$RESULTS/gcc.tap"
fi
count "$RESULTS/gcc.tap"; grep -v '^ok' "$RESULTS/gcc.tap"

echo "results in $RESULTS; $(($(date +%s) - T0)) s"
grep -h "# SKIP" "$RESULTS"/*.tap 2>/dev/null | sed "s/^/skipped: /"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
