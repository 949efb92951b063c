#!/usr/bin/env bash
# bench/xfr-bench.sh - how fast does dnsvigil's transfer engine (src/net/xfr.h)
# take an AXFR of a large signed zone, beside `kdig AXFR` to /dev/null?
# Not a test: it prints numbers.
#
# It starts a knotd of its own on ADDR@PORT (loopback) serving the zone file
# as is (no signing, no journal), waits until it answers, then runs RUNS
# rounds of: kdig AXFR > /dev/null, and tests/func/xfr_probe (every message
# checked and parsed, records counted, none printed), alternating, after one
# warm-up each.  It prints each time, the medians and the ratio
# dnsvigil / kdig, and stops knotd.
#
# The zone: the 100k-delegation alg 13 NSEC zone of
# /work/shared/bench/make-zones.sh (built when missing).
set -u

usage() {
	cat << 'EOF'
usage: bench/xfr-bench.sh [-z ZONEFILE] [-o ORIGIN] [-r RUNS] [-a ADDR] [-p PORT] [-b BUILD]
  -z ZONEFILE  zone to serve (default /var/tmp/dnsvigil-zones/bench-n100000-a13-nsec.zone)
  -o ORIGIN    its origin (default bench.)
  -r RUNS      timed rounds (default 5, at most 50)
  -a ADDR      loopback address for knotd (default 127.56.0.1)
  -p PORT      port (default 53000)
  -b BUILD     build directory with tests/func/xfr_probe (default build-xb,
               configured --buildtype=release when missing)
EOF
}

TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_BENCH:-$(cd "$TOP/../../shared/bench" 2> /dev/null && pwd)}
[ -n "$SHARED" ] || SHARED=/work/shared/bench
ZONE=/var/tmp/dnsvigil-zones/bench-n100000-a13-nsec.zone
ORIGIN=bench.
RUNS=5
ADDR=127.56.0.1
PORT=53000
BUILD=$TOP/build-xb
while getopts 'z:o:r:a:p:b:h' o; do
	case $o in
	z) ZONE=$OPTARG ;;
	o) ORIGIN=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	a) ADDR=$OPTARG ;;
	p) PORT=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	*) usage; exit 2 ;;
	esac
done
die() { echo "xfr-bench: $*" >&2; exit 1; }
case $ADDR in 127.* | ::1) ;; *) die "loopback addresses only" ;; esac
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 50 ] 2> /dev/null || die "RUNS must be 1..50"
for b in knotd kdig; do command -v $b > /dev/null || die "missing $b"; done

if [ ! -f "$ZONE" ]; then
	echo "building the zone with $SHARED/make-zones.sh (once) ..."
	"$SHARED/make-zones.sh" -n 100000 -a 13 -d nsec -o "$(dirname "$ZONE")" > /dev/null || die "make-zones.sh failed"
fi
[ -f "$ZONE" ] || die "no zone file $ZONE"

PROBE=$BUILD/tests/func/xfr_probe
if [ ! -x "$PROBE" ]; then
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release -Db_ndebug=true > /dev/null || die "meson setup"
fi
ninja -C "$BUILD" tests/func/xfr_probe > /dev/null || die "ninja xfr_probe"

W=$(mktemp -d /tmp/dv-xfrbench.XXXXXX)
KPID=""
# shellcheck source=bench/knotd-serve.sh
. "$TOP/bench/knotd-serve.sh"
cleanup() {
	knotd_stop
	rm -rf "$W"
}
trap cleanup EXIT
knotd_serve "$W" "$ZONE" "$ORIGIN" "$ADDR" "$PORT" || die "knotd"

ms() { echo $(($(date +%s%N) / 1000000)); }
run_kdig() { timeout 120 kdig "@$ADDR" -p "$PORT" "$ORIGIN" AXFR > /dev/null 2>&1; }
run_dv() { timeout 120 "$PROBE" "$ADDR@$PORT" "$ORIGIN" axfr > "$W/probe.out" 2>&1; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

run_kdig || die "kdig AXFR failed"
run_dv || { cat "$W/probe.out"; die "xfr_probe failed"; }
echo "zone: $ZONE ($(wc -l < "$ZONE") lines)"
echo "transfer: $(head -1 "$W/probe.out" | grep -o 'messages=[0-9]* records=[0-9]* bytes=[0-9]*')"
echo "knotd $(knotd --version | head -1 | awk '{ print $NF }') on $ADDR@$PORT; $RUNS rounds, alternating"
: > "$W/kdig.ms"
: > "$W/dv.ms"
for i in $(seq 1 "$RUNS"); do
	t=$(ms); run_kdig || die "kdig failed in round $i"; k=$(($(ms) - t))
	t=$(ms); run_dv || die "xfr_probe failed in round $i"; d=$(($(ms) - t))
	echo "$k" >> "$W/kdig.ms"
	echo "$d" >> "$W/dv.ms"
	printf 'round %d: kdig %d ms, dnsvigil %d ms\n' "$i" "$k" "$d"
done
km=$(median < "$W/kdig.ms")
dm=$(median < "$W/dv.ms")
echo "median: kdig AXFR > /dev/null $km ms, dnsvigil xfr engine $dm ms"
awk -v d="$dm" -v k="$km" 'BEGIN { printf "ratio dnsvigil / kdig: %.2f\n", d / k }'
