#!/usr/bin/env bash
# bench/rollover-bench.sh - how fast is `dnsvigil rollover check` (issue 14 §6)?
# Not a test: it prints numbers.
#
#   1. the model: 30 days of observations at one-minute resolution for a zone
#      with 3 servers and 2 parent servers (993,600 observations), built in
#      memory by tests/func/roll_series (re-signed daily, a ZSK and a KSK
#      rollover with servers lagging 2-10 minutes; real ECDSA keys and
#      signatures), then checked.  43,200 snapshot files would be silly: the
#      series is what a daemon's history feeds the model.  Target: < 1 s.
#   2. the snapshot path: N copies of one real snapshot (the functional
#      test's private tree, tests/fuzz/corpus/rollover/roll-cds.json) one
#      minute apart, read by the real command: what reading and extracting
#      costs per snapshot file.
set -u

usage() {
	cat << 'EOF'
usage: bench/rollover-bench.sh [-r RUNS] [-d DAYS] [-n SNAPSHOTS] [-b BUILD]
  -r RUNS       runs of each measurement (default 5; all printed, median used)
  -d DAYS       days of observations for the model (default 30)
  -n SNAPSHOTS  snapshot files for the snapshot path (default 1000; 0 skips)
  -b BUILD      build directory (default build-rb: release, -Db_ndebug=true,
                built when missing)
EOF
}

TOP=$(cd "$(dirname "$0")/.." && pwd)
RUNS=5 DAYS=30 NSNAP=1000 BUILD="$TOP/build-rb"
while getopts r:d:n:b:h opt; do
	case $opt in
	r) RUNS=$OPTARG ;;
	d) DAYS=$OPTARG ;;
	n) NSNAP=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	h) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
done
for v in "$RUNS" "$DAYS" "$NSNAP"; do
	case $v in '' | *[!0-9]*) echo "rollover-bench: numeric options only" >&2 && exit 2 ;; esac
done
[ "$RUNS" -ge 1 ] && [ "$DAYS" -ge 1 ] && [ "$DAYS" -le 366 ] && [ "$NSNAP" -le 100000 ] ||
	{ echo "rollover-bench: -r >= 1, -d 1..366, -n <= 100000" >&2 && exit 2; }

say() { echo "# $*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if [ ! -f "$BUILD/build.ninja" ]; then
	say "setting up $BUILD (release, -Db_ndebug=true) ..."
	meson setup "$BUILD" --buildtype=release -Db_ndebug=true > /dev/null || exit 1
fi
say "building $BUILD ..."
nice ninja -C "$BUILD" dnsvigil tests/func/roll_series > /dev/null || exit 1
DV=$BUILD/dnsvigil
GEN=$BUILD/tests/func/roll_series
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "commit: $(git -C "$TOP" log -1 --format='%h %cI' 2> /dev/null)"

echo
echo "== the model: $DAYS days at one observation a minute, 3 servers, 2 parent servers"
: > /tmp/dv-rollbench.$$
for ((i = 1; i <= RUNS; i++)); do
	out=$("$GEN" --days "$DAYS")
	[ "$i" = 1 ] && echo "$out" | head -2 | sed 's/^/  /'
	echo "$out" | grep '^build' | sed 's/^/  /'
	echo "$out" | awk '/^build/ { print $2, $9, $12 }' >> /tmp/dv-rollbench.$$
done
printf 'median of %d: building the series %.3f s, check %.3f s, together %.3f s\n' "$RUNS" \
	"$(cut -d' ' -f1 /tmp/dv-rollbench.$$ | median)" "$(cut -d' ' -f2 /tmp/dv-rollbench.$$ | median)" \
	"$(cut -d' ' -f3 /tmp/dv-rollbench.$$ | median)"
rm -f /tmp/dv-rollbench.$$
say "the --unsafe variant (old ZSK removed 10 minutes after the new one signs):"
"$GEN" --days "$DAYS" --unsafe | sed -n '2,3p' | sed 's/^/  /' >&2

if [ "$NSNAP" -gt 0 ]; then
	echo
	echo "== the snapshot path: $NSNAP snapshot files, one minute apart, through dnsvigil rollover check"
	SEED="$TOP/tests/fuzz/corpus/rollover/roll-cds.json"
	DIR=$(mktemp -d /tmp/dv-rollbench.XXXXXX)
	trap 'rm -rf "$DIR"' EXIT
	mkdir -p "$DIR/snaps"
	python3 - "$SEED" "$DIR/snaps" "$NSNAP" << 'EOF'
import json, sys
seed, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(seed))
t0 = d["time"]
for i in range(n):
    d["time"] = t0 + 60 * i
    with open(f"{out}/{i:06d}.json", "w") as f:
        json.dump(d, f)
EOF
	say "$(du -sh "$DIR/snaps" | cut -f1) of snapshots written"
	: > "$DIR/times"
	for ((i = 1; i <= RUNS; i++)); do
		/usr/bin/time -f '%e %M' -o "$DIR/t" "$DV" rollover check --zone roll. --from "$DIR/snaps" \
			--now "@$(python3 -c "import json;print(json.load(open('$SEED'))['time'] + 60 * ($NSNAP - 1))")" \
			-f json > "$DIR/out.json"
		cat "$DIR/t" >> "$DIR/times"
		printf '  run %d: %s s, peak RSS %s KiB\n' "$i" $(cat "$DIR/t")
	done
	m=$(cut -d' ' -f1 "$DIR/times" | median)
	printf 'median of %d: %s s for %d snapshots: %.0f us per snapshot (read, decoded, extracted)\n' \
		"$RUNS" "$m" "$NSNAP" "$(echo "$m $NSNAP" | awk '{ print $1 / $2 * 1e6 }')"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  verdict", d["verdict"], "-", d["observations"]["count"], "observations,", d["observations"]["versions"], "versions")' "$DIR/out.json"
fi
