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

# Every JSON report the tests see is checked against its schema in
# doc/schemas (issue 9 §5): $DNSVIGIL becomes a wrapper that keeps a copy of
# each --format json output written to a file or a pipe (a terminal or a
# device such as /dev/full gets the binary itself), and the copies are
# validated when the script ends (dv_schema_report; a script with an EXIT
# trap of its own calls it there).  /usr/bin/python3 is Debian's, with
# python3-jsonschema (scripts/install-deps.sh).
if [ -z "${DNSVIGIL_BIN:-}" ]; then
	export DNSVIGIL_BIN=$DNSVIGIL DV_JSON_DIR=$WORK/json-reports
	mkdir -p "$DV_JSON_DIR"
	cat > "$WORK/dnsvigil" << 'WRAP'
#!/usr/bin/env bash
json=0 prev=
for a in "$@"; do
	case "$a" in
	--) break ;;
	--format=json | -fjson) json=1 ;;
	json) [ "$prev" = --format ] || [ "$prev" = -f ] && json=1 ;;
	esac
	prev=$a
done
if [ $json = 0 ] || [ -c /dev/stdout ] || [ -z "$DV_JSON_DIR" ]; then exec "$DNSVIGIL_BIN" "$@"; fi
out=$(mktemp "$DV_JSON_DIR/report.XXXXXX")
"$DNSVIGIL_BIN" "$@" > "$out"
rc=$?
cat "$out" || exit 3
printf '%s\n' "$*" > "$out.cmd"
mv "$out" "$out.json"
exit $rc
WRAP
	chmod +x "$WORK/dnsvigil"
	DNSVIGIL=$WORK/dnsvigil
fi
dv_schema_report() {
	[ -d "$DV_JSON_DIR" ] || return 0
	/usr/bin/python3 "$TOP/tests/func/schema_check.py" "$TOP/doc/schemas" "$DV_JSON_DIR" "$T_NAME"
	[ -n "${DV_KEEP_JSON:-}" ] || rm -f "$DV_JSON_DIR"/report.*
}
trap dv_schema_report EXIT

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

# ---- a private tree of NSD servers (tests with a tree of their own) ----------
# They use $D (the tree: $D/zones, $D/run) and $PORT; nsd_run (below) starts
# each NSD.
serial_at() { # ADDR ZONE
	kdig +time=1 +retry=0 +norec -p "$PORT" "@$1" "$2" SOA +short 2> /dev/null | awk '{ print $3 }'
}

wait_serial() { # ADDR ZONE SERIAL
	for _ in $(seq 1 100); do
		[ "$(serial_at "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
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
	local bin=$1
	[ "$bin" = "$DNSVIGIL" ] && bin=$DNSVIGIL_BIN
	if grep -qa __asan_init "$bin" 2> /dev/null; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$mb" \
			timeout "$secs" "$@" > "$WORK/last.out" 2> "$WORK/last.err"
	else
		timeout "$secs" prlimit --as=$((mb * 1024 * 1024)) -- "$@" > "$WORK/last.out" 2> "$WORK/last.err"
	fi
	RC=$?
}

# need CMD... - every command is installed, else one not_ok naming the rest
# triples FILE - "CODE OWNER TYPE SERVER" per finding of a JSON report, sorted
triples() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d.get("findings", []):
    print(f["code"], f.get("owner", "-"), f.get("type", "-"), ",".join(f.get("server") or ["-"]))
' "$1" | sort
}
need() {
	local c missing=()
	for c in "$@"; do
		command -v "$c" > /dev/null || missing+=("$c")
	done
	[ ${#missing[@]} = 0 ] && return 0
	not_ok "missing ${missing[*]}"
	return 1
}

# nsd_run NAME "ADDR..." PORT CONF-LINES... - NSD NAME on each ADDR@PORT (a
# test's own tree: its files in $D/run, zone files relative to $D/zones),
# CONF-LINES (zone: clauses) appended; its pid added to PIDS
nsd_run() {
	local name=$1 addrs=$2 port=$3 a
	shift 3
	{
		echo "server:"
		for a in $addrs; do echo "  ip-address: $a"; done
		cat << EOF
  port: $port
  username: ""
  chroot: ""
  zonesdir: "$D/zones"
  database: ""
  pidfile: "$D/run/nsd-$name.pid"
  zonelistfile: "$D/run/nsd-$name.zonelist"
  xfrdfile: "$D/run/nsd-$name.xfrd"
  xfrdir: "$D/run"
  logfile: "$D/run/nsd-$name.log"
  server-count: 1
  verbosity: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: no
EOF
		printf '%s\n' "$@"
	} > "$D/run/nsd-$name.conf"
	nsd -c "$D/run/nsd-$name.conf" || return 1
	for _ in $(seq 1 50); do
		[ -s "$D/run/nsd-$name.pid" ] && break
		sleep 0.1
	done
	PIDS+=("$(cat "$D/run/nsd-$name.pid")")
}

# need_lab - source the running lab's lab.env, or say it is not up and end
# the script (a functional test of the live commands needs tests/lab).
need_lab() {
	LAB_DIR=${LAB_DIR:-${LAB:-/tmp/dnsvigil-lab}}
	if [ ! -f "$LAB_DIR/lab.env" ] || [ ! -d "$LAB_DIR/run" ]; then
		not_ok "lab is running" "no $LAB_DIR/lab.env: run tests/lab/start.sh first"
		exit 0
	fi
	# shellcheck disable=SC1091
	. "$LAB_DIR/lab.env"
}
