#!/usr/bin/env bash
# bench/replica-bench.sh - whole-zone verification of a server's copy (issue
# 13 §4).  Not a test: it prints numbers.
#
# A. AXFR + verification: a knotd of its own (loopback ADDR@PORT, the zone
#    file served as is) and, RUNS times alternating, `dnsvigil verify
#    --axfr` against `dnsvigil verify` of the same zone's file; then once
#    each, the peers on the zone as `kdig AXFR` wrote it: `kzonecheck -d
#    on` (Knot DNS) and `ldns-verify-zone`.  Wall, CPU and peak memory per
#    run (/usr/bin/time).  Zone: the 100k-delegation alg 13 NSEC zone of
#    /work/shared/bench/make-zones.sh.
# B. Incremental: bench/step-bench.c on STEPZONE (the 1M-delegation alg 13
#    NSEC3 opt-out zone): a full verification, N changed RRsets applied
#    (dv_zone_patch) and verified by a step (dv_verify_zone_step), and the
#    new version verified from nothing; the step's findings must equal the
#    full verification's.
#
# usage: [BUILD=DIR] [ROUNDS_B=6] bench/replica-bench.sh [-p A|B|AB] [-r RUNS] [-n N] [-j THREADS]
# (BUILD: a release build directory; default build-bench, made when missing)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
ZONE=/var/tmp/dnsvigil-zones/bench-n100000-a13-nsec.zone
STEPZONE=/var/tmp/dnsvigil-zones/bench-n1000000-a13-nsec3-optout.zone
ORIGIN=bench.
ADDR=127.56.0.2
PORT=53000
RUNS=3
N=100
THREADS=2
ROUNDS_B=${ROUNDS_B:-6} # B: changes in a row
PARTS=AB
while getopts 'p:r:n:j:z:s:h' o; do
	case $o in
	p) PARTS=$OPTARG ;; r) RUNS=$OPTARG ;; n) N=$OPTARG ;; j) THREADS=$OPTARG ;;
	z) ZONE=$OPTARG ;; s) STEPZONE=$OPTARG ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
die() { echo "replica-bench: $*" >&2; exit 1; }
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] 2> /dev/null || die "RUNS must be 1..20"
BUILD=${BUILD:-$TOP/build-bench}
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$TOP" --buildtype=release -Db_ndebug=true > /dev/null || die "meson setup"
fi
ninja -C "$BUILD" > /dev/null || die "ninja"
DV=$BUILD/dnsvigil
W=$(mktemp -d /tmp/dv-replicabench.XXXXXX)
KPID=""
# shellcheck source=bench/knotd-serve.sh
. "$TOP/bench/knotd-serve.sh"
cleanup() {
	knotd_stop
	rm -rf "$W"
}
trap cleanup EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$TOP" rev-parse --short HEAD)"

# timed NAME CMD... - one run: "NAME wall_s cpu_s peak_MiB exit"
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$W/time" timeout 1200 "$@" > "$W/out" 2>&1
	local rc=$?
	awk -v n="$name" -v rc=$rc '{ printf "%-24s %8.2f %8.2f %9.0f %4d\n", n, $1, $2 + $3, $4 / 1024, rc }' "$W/time"
}

if [[ $PARTS == *A* ]]; then
	[ -f "$ZONE" ] || die "no $ZONE (/work/shared/bench/make-zones.sh -n 100000 -a 13 -d nsec)"
	knotd_serve "$W" "$ZONE" "$ORIGIN" "$ADDR" "$PORT" || die "knotd"
	echo "== A: $ZONE ($(wc -l < "$ZONE") lines) from knotd $(knotd --version | awk '{ print $NF }') on $ADDR@$PORT, $THREADS threads"
	printf '%-24s %8s %8s %9s %4s\n' run wall_s cpu_s peak_MiB exit
	for i in $(seq 1 "$RUNS"); do
		timed "dnsvigil verify --axfr" "$DV" verify -q -j "$THREADS" --axfr "$ADDR@$PORT" --origin "$ORIGIN" | tee -a "$W/axfr.txt"
		timed "dnsvigil verify FILE" "$DV" verify -q -j "$THREADS" "$ZONE" | tee -a "$W/file.txt"
	done
	kdig "@$ADDR" -p "$PORT" "$ORIGIN" AXFR +nocomments 2> /dev/null | grep -v '^;;' | grep . | sed '$d' > "$W/axfr.zone"
	echo "(the peers read the zone as kdig AXFR wrote it: $(wc -l < "$W/axfr.zone") records)"
	timed "kzonecheck -d on" kzonecheck -o "$ORIGIN" -d on "$W/axfr.zone"
	timed "ldns-verify-zone" ldns-verify-zone "$W/axfr.zone"
	median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
	a=$(awk '{ print $(NF - 3) }' "$W/axfr.txt" | median)
	f=$(awk '{ print $(NF - 3) }' "$W/file.txt" | median)
	awk -v a="$a" -v f="$f" 'BEGIN { printf "median wall: verify --axfr %.2f s, verify FILE %.2f s: ratio %.2f\n", a, f, a / f }'
	knotd_stop
fi

if [[ $PARTS == *B* ]]; then
	[ -f "$STEPZONE" ] || die "no $STEPZONE (/work/shared/bench/make-zones.sh -n 1000000 -a 13 -d nsec3-optout)"
	LIBS=$(pkg-config --libs libknot libzscanner libcrypto libsodium jansson libuv sqlite3 libcurl libmicrohttpd)
	# shellcheck disable=SC2086
	cc -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/src" -o "$BUILD/step-bench" "$TOP/bench/step-bench.c" \
		"$BUILD/libdv.a" $LIBS -lpthread -lm || die "cc step-bench"
	echo "== B: $STEPZONE, $N changed RRsets, $THREADS threads"
	"$BUILD/step-bench" "$STEPZONE" "$ORIGIN" "$N" "$(date +%s)" "$THREADS" "$ROUNDS_B"
fi
