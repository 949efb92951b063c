#!/usr/bin/env bash
# bench/watch-ab.sh BIN_A BIN_B [BIN...] - CPU per zone-cycle of two or more
# builds of `dnsvigil watch`, side by side.  Not a test: it prints numbers.
#
# On a shared machine separate bench/watch-bench.sh runs of one binary
# differed by half (0.50 to 0.72 ms per zone-cycle): whatever else runs
# meanwhile moves the figure more than a change does.  Here every daemon
# watches the same N zones of the check benchmark's tree (bench/check-bench.sh
# -S, NSD on 127.55.0.0/16) at once, steady state, and each one's CPU
# (utime+stime) is taken over the same WINDOW seconds after a first round,
# so they share the load they run under.  (They also share the servers and
# two cores: compare the figures with each other, not with watch-bench.sh's.)
# Run it in a network namespace: scripts/netns.sh NAME bench/watch-ab.sh A B
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
INTERVAL=${INTERVAL:-60}
WINDOW=${WINDOW:-150}
CONC=${CONC:-4}
[ $# -ge 2 ] || { echo "usage: $0 BIN_A BIN_B [BIN...]" >&2; exit 2; }
. "$TOP/bench/watch_lib.sh"
watch_tree "$N" watch-ab
port() { echo $((19870 + $1)); }
i=0
for b in "$@"; do
	i=$((i + 1))
	mkdir -p "$WORK/$i"
	watch_conf "$WORK/$i" "$(port $i)" "$CONC" "$INTERVAL" "$N"
	"$b" watch --config "$WORK/$i/watch.yaml" 2> "$WORK/$i/log" &
	PIDS+=($!)
	disown # ended by cleanup, with no "Killed" line
done
cycles() { curl -s "http://127.0.0.1:$(port "$1")/metrics" | awk '$1 == "dnsvigil_cycles_total{result=\"ok\"}" {print $2}'; }
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# the first round (every zone's first store writes) out of the window
for ((t = 0; t < 600; t++)); do
	done_all=1
	for ((k = 1; k <= i; k++)); do
		c=$(cycles $k)
		[ -n "$c" ] && [ "${c%.*}" -ge "$N" ] || done_all=0
	done
	[ $done_all = 1 ] && break
	sleep 1
done
sleep 10
declare -a c0 t0
for ((k = 1; k <= i; k++)); do
	c0[k]=$(cycles $k)
	t0[k]=$(cpu "${PIDS[k - 1]}")
done
sleep "$WINDOW"
for ((k = 1; k <= i; k++)); do
	c1=$(cycles $k)
	t1=$(cpu "${PIDS[k - 1]}")
	awk -v b="${!k}" -v zc=$((${c1%.*} - ${c0[k]%.*})) -v c="$(echo "$t1 - ${t0[k]}" | bc -l)" -v w="$WINDOW" \
		'BEGIN {printf "%s: %d zone-cycles in %d s, CPU %.2f s = %.3f ms per zone-cycle\n", b, zc, w, c, zc ? c / zc * 1000 : 0}'
done
