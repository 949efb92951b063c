#!/usr/bin/env bash
# bench/audit-bench.sh - how fast `dnsvigil audit` judges resolvers, on the lab.
#
#  1. one resolver, all canary modes (28 questions with DO, 28 without, the
#     valid control and rrsig-notyet with CD, CD retries on SERVFAIL):
#     each lab resolver audited alone, twice - the first run may find a cold
#     cache (the lab caps TTLs at 30 s), the second a warm one.  Target: < 1 s.
#  2. 100 resolver addresses at once: the lab's live resolvers repeated to 100
#     entries (5800+ questions), through the bounded query engine
#     (--concurrency, default 256 in flight, 16 per address).
#
# Usage: bench/audit-bench.sh [-n ADDRESSES] [-j CONCURRENCY] [-w]
#   -w  wait 31 s first so that every resolver cache is cold for part 1
# Environment: DNSVIGIL [$TOP/build/dnsvigil], LAB_DIR [/tmp/dnsvigil-lab]
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
DNSVIGIL=${DNSVIGIL:-$TOP/build/dnsvigil}
LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
N=100 J=256 WAIT=0
while getopts "n:j:w" o; do
	case $o in
	n) N=$OPTARG ;;
	j) J=$OPTARG ;;
	w) WAIT=1 ;;
	*) sed -n 2,14p "$0"; exit 2 ;;
	esac
done
[ -x "$DNSVIGIL" ] || { echo "audit-bench: no executable $DNSVIGIL (set DNSVIGIL)" >&2; exit 1; }
[ -f "$LAB_DIR/lab.env" ] || { echo "audit-bench: lab not running (tests/lab/start.sh)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
[ "${LAB_CANARY:-0}" = 1 ] || { echo "audit-bench: the lab serves no canary" >&2; exit 1; }
CAN=${LAB_CANARY_ZONE:-canary.lab.}
W=$(mktemp -d /tmp/audit-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

ms() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_ms"])' "$1"; }
verdicts() {
	python3 -c '
import collections, json, sys
d = json.load(open(sys.argv[1]))
c = collections.Counter(r["verdict"] for r in d["resolvers"])
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$1"
}

[ $WAIT = 1 ] && { echo "waiting 31 s for the resolver caches to expire"; sleep 31; }
echo "== 1. one resolver, all $(grep -vc '^#' "$LAB_DIR/canary/modes.tsv") modes"
printf '%-22s %-16s %10s %10s\n' resolver address "1st ms" "2nd ms"
for pair in unbound:$LAB_RES_UNBOUND bind:$LAB_RES_BIND kresd:$LAB_RES_KRESD pdns:$LAB_RES_PDNS \
	non-validating:$LAB_RES_NOVALIDATE wrong-ta:$LAB_RES_WRONG_TA permissive:$LAB_RES_PERMISSIVE \
	do-only:$LAB_RES_DO_ONLY dead:$LAB_RES_DEAD; do
	name=${pair%%:*} addr=${pair#*:}
	"$DNSVIGIL" audit --canary "$CAN" --format json --timeout 1000 "$addr" > "$W/a1.json"
	"$DNSVIGIL" audit --canary "$CAN" --format json --timeout 1000 "$addr" > "$W/a2.json"
	printf '%-22s %-16s %10s %10s  %s\n' "$name" "$addr" "$(ms "$W/a1.json")" "$(ms "$W/a2.json")" \
		"$(verdicts "$W/a2.json")"
done

echo "== 2. $N resolver addresses at once (concurrency $J)"
live=($LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS $LAB_RES_NOVALIDATE $LAB_RES_WRONG_TA)
addrs=()
for ((i = 0; i < N; i++)); do addrs+=("${live[i % ${#live[@]}]}"); done
t0=$(date +%s%N)
"$DNSVIGIL" audit --canary "$CAN" --format json --timeout 2000 --concurrency "$J" "${addrs[@]}" > "$W/many.json"
t1=$(date +%s%N)
echo "$N addresses, $((N * 58))+ questions: audit ${ms:-}$(ms "$W/many.json") ms (process wall $(((t1 - t0) / 1000000)) ms)"
echo "verdicts: $(verdicts "$W/many.json")"
