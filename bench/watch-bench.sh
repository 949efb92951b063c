#!/usr/bin/env bash
# bench/watch-bench.sh - what does `dnsvigil watch` cost per zone-cycle, and
# how much memory per zone (issue 12 §5)?  Not a test: it prints numbers.
#
# Uses the check benchmark's tree (bench/check-bench.sh -S: N signed child
# zones under a private root on 127.55.0.0/16, served by NSD), runs the daemon
# watching all N zones at INTERVAL, and measures over WINDOW seconds after
# every zone has been seen once:
#   steady  - nothing changes: CPU seconds (utime+stime of the daemon) per
#             zone-cycle, peak and current RSS;
#   change  - 1 % of the zones re-signed with a new serial every INTERVAL
#             (their events, snapshots and store writes included).
# Then the extrapolation to 100k zones every 5 minutes.
# Run it in a network namespace: scripts/netns.sh NAME bench/watch-bench.sh
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
INTERVAL=${INTERVAL:-60}
WINDOW=${WINDOW:-180}
CONC=${CONC:-4}
DNSVIGIL=${DNSVIGIL:-}
STATE=/tmp/dnsvigil-checkbench
say() { echo "# $*" >&2; }

if [ -z "$DNSVIGIL" ]; then
	DNSVIGIL=$TOP/build-cb/dnsvigil
	say "building build-cb (release) ..."
	(cd "$TOP" && { [ -d build-cb ] || meson setup build-cb --buildtype=release -Db_ndebug=true; } &&
		nice ninja -C build-cb dnsvigil) > /tmp/watch-bench-build.log 2>&1 ||
		{ echo "build failed: /tmp/watch-bench-build.log" >&2; exit 1; }
fi
"$TOP/bench/check-bench.sh" -n "$N" -S > /tmp/watch-bench-tree.txt || exit 1
TREE=$(sed -n 's/.*--root-hints \([^ ]*\)\/root.hints.*/\1/p' /tmp/watch-bench-tree.txt)
[ -d "$TREE" ] || { echo "no tree" >&2; exit 1; }
trap '"$TOP/bench/check-bench.sh" -x > /dev/null 2>&1; [ -n "${DPID:-}" ] && kill -9 "$DPID" 2> /dev/null' EXIT

WORK=$(mktemp -d /tmp/watch-bench.XXXXXX)
PORT=19854
{
	echo "state_directory: $WORK/state"
	echo "root_hints: $TREE/root.hints"
	echo "trust_anchor: $TREE/root.ds"
	echo "listen: 127.0.0.1:$PORT"
	echo "probe:"
	echo "  concurrency: $CONC"
	echo "defaults:"
	echo "  interval: ${INTERVAL}s"
	echo "zones:"
	sed 's/^/  - /' "$TREE/zones.txt"
} > "$WORK/watch.yaml"

cpu() { # utime+stime of PID in seconds
	awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
cycles() { metric 'dnsvigil_cycles_total{result="ok"}'; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

"$DNSVIGIL" watch --config "$WORK/watch.yaml" 2> "$WORK/log" &
DPID=$!
say "daemon $DPID watching $N zones every ${INTERVAL}s (concurrency $CONC); waiting for the first round"
for ((i = 0; i < 600; i++)); do
	c=$(cycles)
	[ -n "$c" ] && [ "${c%.*}" -ge "$N" ] && break
	sleep 1
done
say "first round done after ~${i}s (it includes the first store writes of every zone)"

measure() { # LABEL [changer]
	local label=$1 c0 c1 t0 t1 cpu0 cpu1
	c0=$(cycles)
	cpu0=$(cpu "$DPID")
	t0=$(date +%s)
	local end=$((t0 + WINDOW))
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ "${2:-}" = change ]; then change_some; fi
		sleep "$INTERVAL"
	done
	c1=$(cycles)
	cpu1=$(cpu "$DPID")
	t1=$(date +%s)
	local zc=$((${c1%.*} - ${c0%.*}))
	local rss hwm
	rss=$(kb "$DPID" VmRSS)
	hwm=$(kb "$DPID" VmHWM)
	awk -v l="$label" -v zc="$zc" -v c="$(echo "$cpu1 - $cpu0" | bc -l)" -v t=$((t1 - t0)) \
		-v rss="$rss" -v hwm="$hwm" -v n="$N" 'BEGIN {
		per = zc ? c / zc * 1000 : 0
		printf "%-7s %5d zone-cycles in %3d s: CPU %.2f s = %.3f ms per zone-cycle; RSS %.1f MiB, peak %.1f MiB (%.1f KiB per zone)\n",
			l, zc, t, c, per, rss / 1024, hwm / 1024, rss / n
		# 100k zones every 300 s: cycles/s = 333; cores = 333 * per / 1000
		# RSS / N counts the fixed part of the daemon as if each zone had it:
		# bench/watch-mem.sh measures what one more zone costs
		printf "%-7s extrapolated to 100k zones / 5 min: %.3f cores; memory at RSS/N ~ %.2f GiB (per zone: bench/watch-mem.sh)\n",
			l, 100000 / 300 * per / 1000, rss / n * 100000 / 1024 / 1024
	}'
}

# Re-sign 1 % of the zones with the next serial (their keys are in the tree)
# and make the child NSD reload them (SIGHUP).
SERIAL=$(date +%s)
change_some() {
	local k=$((N / 100)) i z key
	[ "$k" -ge 1 ] || k=1
	SERIAL=$((SERIAL + 1))
	for ((i = 0; i < k; i++)); do
		z=$(printf 'z%04d.bench' $((RANDOM % N + 1)))
		key=$(ls "$TREE/keys/K$z.+013+"*.private 2> /dev/null | head -1)
		key=${key%.private}
		[ -n "$key" ] || continue
		cat > "$WORK/$z.in" << EOF
\$TTL 3600
$z. IN SOA ns1.$z. hostmaster.$z. $SERIAL 3600 900 604800 300
$z. IN NS ns1.$z.
$z. IN NS ns2.$z.
$z. IN A 192.0.2.1
ns1.$z. IN A 127.55.0.3
ns2.$z. IN A 127.55.0.4
EOF
		ldns-signzone -i "$(date -u -d '-1 day' +%Y%m%d%H%M%S)" -e "$(date -u -d '+30 days' +%Y%m%d%H%M%S)" \
			-f "$TREE/zones/$z.zone" "$WORK/$z.in" "$key" 2> /dev/null
	done
	for p in "$STATE"/nsd-*.pid; do kill -HUP "$(cat "$p")" 2> /dev/null; done
}

measure steady
measure change change
echo "store: $(du -sh "$WORK/state" | cut -f1) after the run; events: $(metric dnsvigil_events_total)"
kill -TERM "$DPID"
wait "$DPID"
DPID=
rm -rf "$WORK"
