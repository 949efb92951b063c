#!/usr/bin/env bash
# bench/hostile.sh - time and peak memory of dnsvigil on each hostile input
# of issue 10, beside kzonecheck, ldns-verify-zone and dnssec-verify where
# they take the same input (the zone files), and beside an older dnsvigil
# (BEFORE) for before/after figures.
#
# Usage: bench/hostile.sh [--live] [-T SECONDS] [-M MIB]
#   --live       also the live inputs: `dnsvigil check` against the hostile
#                tree (tests/lab/hostile.sh; run as root inside the lab's
#                network namespace: scripts/netns.sh NAME bench/hostile.sh --live)
#   -T SECONDS   kill one run after this long (exit 124)          [300]
#   -M MIB       address-space ceiling of one run (prlimit --as)   [6144]
#
# Environment:
#   DNSVIGIL     the binary measured [$TOP/build-gcc/dnsvigil, or build/]
#   BEFORE       an older dnsvigil to measure beside it (optional)
#   WORKDIR      where the inputs are written [a fresh /tmp directory]
#
# One line per (input, tool): wall seconds, peak RSS (MiB), exit status, the
# ratios of time and peak memory to dnsvigil's run of the same input (the
# first row of each input; "12.3x" = 12.3 times dnsvigil's) and the findings
# that name the input's problem (dnsvigil JSON).  Every run is
# bounded in time and memory: a run that hits a ceiling shows exit 124 (time)
# or a failure to allocate (memory), never a stuck machine.
set -uo pipefail
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
LIVE=0
TMO=300
MEM=6144
while [[ $# -gt 0 ]]; do
	case $1 in
	--live) LIVE=1 ;;
	-T) TMO=$2; shift ;;
	-M) MEM=$2; shift ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/hostile.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
DNSVIGIL=${DNSVIGIL:-}
for c in "$DNSVIGIL" "$TOP/build-gcc/dnsvigil" "$TOP/build/dnsvigil"; do
	[ -n "$c" ] && [ -x "$c" ] && { DNSVIGIL=$c; break; }
done
[ -x "$DNSVIGIL" ] || { echo "bench/hostile.sh: no dnsvigil (set DNSVIGIL)" >&2; exit 1; }
BEFORE=${BEFORE:-}
W=${WORKDIR:-$(mktemp -d /tmp/dv-hostile-bench.XXXXXX)}
mkdir -p "$W"

# run LABEL TOOL CMD... - one measured run; prints a row
run() {
	local label=$1 tool=$2
	shift 2
	local t0 t1 rc rss
	t0=$(date +%s.%N)
	/usr/bin/time -f "%M" -o "$W/time" timeout "$TMO" prlimit --as=$((MEM * 1024 * 1024)) -- \
		"$@" > "$W/out" 2> "$W/err"
	rc=$?
	t1=$(date +%s.%N)
	rss=$(tail -1 "$W/time" | grep -E '^[0-9]+$' || echo 0)
	local what=""
	if head -c 1 "$W/out" | grep -q '{'; then
		what=$(python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
c = {}
for f in d.get("findings", []):
    c[f["code"]] = c.get(f["code"], 0) + 1
keep = [k for k in c if k in ("VALIDATION_BUDGET", "KEYTAG_COLLISION", "DNSKEY_RSA_EXPONENT",
        "NSEC3_ITERATIONS_INSECURE", "NSEC3_ITERATIONS", "PROBE_LIMIT", "CHECK_INCOMPLETE",
        "SERVER_BAD_REPLY", "RRSIG_INVALID", "SERVER_UNREACHABLE", "SERVER_UDP_FAILS")]
v = d.get("summary", {}).get("signatures_verified")
print(" ".join("%s:%d" % (k, c[k]) for k in sorted(keep)) + ("  verified:%s" % v if v is not None else ""))
' "$W/out")
	else
		what=$(grep -m1 -oE '(larger than|more than|nested deeper|line [0-9-]+)[^"]{0,60}' "$W/err" "$W/out" 2> /dev/null | head -1 | cut -d: -f2-)
	fi
	# Ratios to the first run of the same input (dnsvigil as it is now):
	# how many times its time and peak memory the other tool took.
	local secs mib ratio=""
	secs=$(echo "$t1 - $t0" | bc)
	mib=$(echo "$rss / 1024" | bc -l)
	if [ "$label" != "$REF_LABEL" ]; then
		REF_LABEL=$label REF_SECS=$secs REF_MIB=$mib
		ratio="1x / 1x"
	else
		ratio="$(ratio_of "$secs" "$REF_SECS")x / $(ratio_of "$mib" "$REF_MIB")x"
	fi
	printf '%-24s %-22s %8.2f %8.1f %4d %15s  %s\n' "$label" "$tool" "$secs" "$mib" "$rc" \
		"$ratio" "$what"
}
REF_LABEL="" REF_SECS=0 REF_MIB=0
# ratio_of A B - A/B to one decimal (B below 0.01 counts as 0.01)
ratio_of() { printf '%.1f' "$(echo "$1 / (($2 < 0.01) * 0.01 + ($2 >= 0.01) * $2)" | bc -l)"; }

header() {
	printf '\n%-24s %-22s %8s %8s %4s %15s  %s\n' input tool seconds "peak MiB" exit \
		"time / memory" "what it found"
	printf '%s\n' "-----------------------------------------------------------------------------------------------------------"
	REF_LABEL=""
}

NOW=$(date -u +%Y%m%d%H%M%S)
echo "bench/hostile.sh $(date -u +%FT%TZ) on $(nproc) cores; dnsvigil: $DNSVIGIL${BEFORE:+; before: $BEFORE}"
echo "ceilings per run: $TMO s, $MEM MiB address space"

# ---- zone files: verify and its peers -------------------------------------
"$TOP/tests/lab/hostile.sh" zones "$W/zones" > "$W/zones.log" 2>&1 || { cat "$W/zones.log"; exit 1; }
header
for z in keytrap bigexp nsec3; do
	f=$W/zones/$z.zone
	label="$z.zone ($(($(stat -c %s "$f") / 1024)) KB)"
	run "$label" "dnsvigil verify" "$DNSVIGIL" verify -q --now "$NOW" --format json "$f"
	[ -n "$BEFORE" ] && run "$label" "dnsvigil (before)" "$BEFORE" verify -q --now "$NOW" --format json "$f"
	command -v kzonecheck > /dev/null && run "$label" "kzonecheck" kzonecheck -o "$z." -d on "$f"
	command -v ldns-verify-zone > /dev/null && run "$label" "ldns-verify-zone" ldns-verify-zone "$f"
	command -v dnssec-verify > /dev/null && run "$label" "dnssec-verify" dnssec-verify -o "$z." "$f"
done

# ---- snapshot files: check --from ------------------------------------------
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("[" + "[]," * 33000000 + "[]]")' "$W/arrays.json"
truncate -s 510M "$W/huge.json"
header
run "[[],...] (100 MB)" "dnsvigil check --from" "$DNSVIGIL" check --from "$W/arrays.json"
[ -n "$BEFORE" ] && run "[[],...] (100 MB)" "dnsvigil (before)" "$BEFORE" check --from "$W/arrays.json"
run "510 MB file" "dnsvigil check --from" "$DNSVIGIL" check --from "$W/huge.json"
[ -n "$BEFORE" ] && run "510 MB file" "dnsvigil (before)" "$BEFORE" check --from "$W/huge.json"
rm -f "$W/arrays.json" "$W/huge.json"

# ---- live: check against the hostile tree ---------------------------------
if [ $LIVE = 1 ]; then
	LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
	"$TOP/tests/lab/hostile.sh" start > "$W/hostile.log" 2>&1 || { cat "$W/hostile.log"; exit 1; }
	# shellcheck disable=SC1091
	. "$LAB_DIR/hostile/hostile.env"
	header
	live() { # live LABEL ARGS... - check, then the same with BEFORE
		local label=$1
		shift
		run "$label" "dnsvigil check" "$DNSVIGIL" check -r "$H_ROOT_HINTS" -t "$H_ROOT_DS" \
			--format json --save "$W/$label.snap" "$@"
		[ -n "$BEFORE" ] && run "$label" "dnsvigil (before)" "$BEFORE" check -r "$H_ROOT_HINTS" \
			-t "$H_ROOT_DS" --format json --save "$W/$label.before.snap" "$@"
	}
	live keytrap. --timeout 2000 keytrap.
	live bigexp. --timeout 2000 bigexp.
	live nsec3. --timeout 3000 nsec3.
	live wide. wide.
	live many. many.
	live deep "$H_DEEP_LAST"
	live droppy. droppy.
	live garbage. garbage.
	header
	run "keytrap. snapshot" "dnsvigil check --from" "$DNSVIGIL" check --from "$W/keytrap..snap" --format json
	[ -n "$BEFORE" ] && [ -f "$W/keytrap..before.snap" ] &&
		run "keytrap. snapshot" "dnsvigil (before)" "$BEFORE" check --from "$W/keytrap..before.snap" --format json
fi
echo
echo "inputs and outputs in $W"
