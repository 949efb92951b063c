# tests/func/lib.sh - sourced by every functional test script.
#
# Each assertion prints one TAP line ("ok - ..." / "not ok - ...") on stdout;
# scripts/test.sh counts them.  A script should never exit early on a failed
# assertion: later assertions still run and are counted.
#
# Environment (set by scripts/test.sh): DNSVIGIL (the binary), TOP (source
# tree), WORK (a scratch directory for this script), LAB (lab state dir).

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${DNSVIGIL:=$TOP/build/dnsvigil}"
: "${WORK:=$(mktemp -d /tmp/dv-func.XXXXXX)}"
mkdir -p "$WORK"

T_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)

ok() { printf 'ok - %s: %s\n' "$T_NAME" "$1"; }
not_ok() {
	printf 'not ok - %s: %s\n' "$T_NAME" "$1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

# t_cmd DESC EXPECTED_STATUS CMD...   - run CMD, compare its exit status
t_cmd() {
	local desc=$1 want=$2 got
	shift 2
	"$@" > "$WORK/last.out" 2> "$WORK/last.err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$desc"; else
		not_ok "$desc" "exit $got, wanted $want: $*" "$(head -c 600 "$WORK/last.err")"
	fi
}

# t_grep DESC PATTERN FILE            - FILE matches the extended regexp
t_grep() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1" "no /$2/ in $3" "$(head -c 400 "$3")"; fi
}
# t_nogrep DESC PATTERN FILE          - FILE does not match
t_nogrep() {
	if grep -Eq -- "$2" "$3"; then not_ok "$1" "unexpected /$2/ in $3" "$(grep -E -m3 -- "$2" "$3")"; else ok "$1"; fi
}
# t_eq DESC GOT WANT
t_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', wanted '$3'"; fi
}

# json_codes FILE  - print "CODE OWNER TYPE" per finding of a --format json report, sorted
json_codes() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d.get("findings", []):
    print(f["code"], f.get("owner", ""), f.get("type", ""))
' "$1" | sort
}

# t_limited MB SECONDS CMD...         - run CMD with at most MB MiB of memory and
#   SECONDS of wall time (stdout/stderr to $WORK/last.out/.err, status in RC).
#   A sanitizer build reserves far more address space than it uses, so there
#   the ceiling is on resident memory (ASan's hard_rss_limit_mb: the process is
#   killed with a report); elsewhere on address space (prlimit --as).  Exceeded:
#   a status other than the command's own (timeout: 124).
t_limited() {
	local mb=$1 secs=$2
	shift 2
	if grep -qa __asan_init "$1" 2> /dev/null; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$mb" \
			timeout "$secs" "$@" > "$WORK/last.out" 2> "$WORK/last.err"
	else
		timeout "$secs" prlimit --as=$((mb * 1024 * 1024)) -- "$@" > "$WORK/last.out" 2> "$WORK/last.err"
	fi
	RC=$?
}
