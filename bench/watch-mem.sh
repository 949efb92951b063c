#!/usr/bin/env bash
# bench/watch-mem.sh - the memory one more watched zone costs `dnsvigil
# watch` (issue 12 §5: a per-zone figure that extrapolates to 100k zones).
# Not a test: it prints numbers.
#
# RSS over N zones mixes what each zone holds with what the daemon needs
# whatever the number (code, SQLite's cache, the metrics page, the batches
# in flight).  So two daemons watch the first N1 and N2 zones of the check
# benchmark's tree (bench/check-bench.sh -S, NSD on 127.55.0.0/16) side by
# side for WINDOW seconds; the difference of their RSS over N2 - N1 is the
# cost of a zone.  With gdb installed, each daemon's heap in use
# (glibc's malloc_stats) is printed beside it: what the zones' data is,
# without the allocator's free pages.
# Run it in a network namespace: scripts/netns.sh NAME bench/watch-mem.sh [BIN]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
N1=${N1:-300}
N2=${N2:-1000}
WINDOW=${WINDOW:-150}
BIN=${1:-$TOP/build-cb/dnsvigil}
[ -x "$BIN" ] || { echo "no $BIN (build it, or give a dnsvigil binary)" >&2; exit 2; }
. "$TOP/bench/watch_lib.sh"
watch_tree "$N2" watch-mem

for n in "$N1" "$N2"; do
	mkdir -p "$WORK/$n"
	watch_conf "$WORK/$n" $((19880 + n % 97)) 4 60 "$n"
	"$BIN" watch --config "$WORK/$n/watch.yaml" 2> "$WORK/$n/log" &
	PIDS+=($!)
	disown # ended by watch_cleanup, with no "Killed" line
done
echo "# $BIN: $N1 and $N2 zones side by side for ${WINDOW}s" >&2
sleep "$WINDOW"

kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
mib() { awk -v v="$1" -v d="$2" 'BEGIN {printf "%.1f", v / d}'; }
i=0
for n in "$N1" "$N2"; do
	p=${PIDS[$i]}
	i=$((i + 1))
	rss[n]=$(kb "$p" VmRSS)
	heap=""
	if command -v gdb > /dev/null; then
		gdb -p "$p" -batch -ex 'call (void)malloc_stats()' > /dev/null 2>&1
		sleep 1
		heap=$(grep -A2 '^Total' "$WORK/$n/log" | sed -n 's/.*in use bytes *= *//p' | tail -1)
		use[n]=$heap
	fi
	echo "$n zones: RSS $(mib "${rss[n]}" 1024) MiB, peak $(mib "$(kb "$p" VmHWM)" 1024) MiB${heap:+, heap in use $(mib "$heap" 1048576) MiB}"
done
awk -v a="${rss[N1]}" -v b="${rss[N2]}" -v n1="$N1" -v n2="$N2" 'BEGIN {
	per = (b - a) / (n2 - n1)
	printf "per zone: %.1f KiB of RSS; 100k zones ~ %.2f GiB\n", per, (b + (100000 - n2) * per) / 1048576
}'
if [ -n "${use[N1]:-}" ] && [ -n "${use[N2]:-}" ]; then
	awk -v a="${use[N1]}" -v b="${use[N2]}" -v n1="$N1" -v n2="$N2" \
		'BEGIN {printf "per zone: %.1f KiB of heap in use\n", (b - a) / 1024 / (n2 - n1)}'
fi
