#!/usr/bin/env bash
# bench/ledger-bench.sh - how fast is the ledger (issue 11 "Speed")?  Not a
# test: it prints numbers.  Targets: >= 20,000 entries/s appended in batches
# with synchronous=FULL, `dnsvigil log verify` of 1M entries under 5 s, an
# inclusion proof under 1 ms.
#
# usage: bench/ledger-bench.sh [-n ENTRIES] [-b BATCH] [-d DIR]
#   -n  entries to append (default 1000000)
#   -b  entries per transaction (default 1000; a daemon cycle's batch)
#   -d  scratch directory on the disk to measure (default /var/tmp/dnsvigil-ledger-bench)
# Builds build-bench/ (release, -Db_ndebug=true) when missing.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=1000000 BATCH=1000 DIR=/var/tmp/dnsvigil-ledger-bench
while getopts "n:b:d:" o; do
	case $o in
	n) N=$OPTARG ;; b) BATCH=$OPTARG ;; d) DIR=$OPTARG ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
BUILD=$TOP/build-bench
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$TOP" --buildtype=release -Db_ndebug=true > /dev/null
fi
ninja -C "$BUILD" > /dev/null
LIBS=$(pkg-config --libs libknot libzscanner libcrypto libsodium jansson libuv sqlite3 libcurl libmicrohttpd)
cc -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/src" -o "$BUILD/ledger-bench" "$TOP/bench/ledger-bench.c" \
	"$BUILD/libdv.a" $LIBS -lpthread -lm
D=$BUILD/dnsvigil

rm -rf "$DIR" "$DIR.witness"*
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, $(df -T "$(dirname "$DIR")" | awk 'NR==2 {print $2}') on $(dirname "$DIR"), commit $(git -C "$TOP" rev-parse --short HEAD)"
"$BUILD/ledger-bench" "$DIR" "$N" "$BATCH"
echo "size on disk: $(du -sh "$DIR" | cut -f1) for $N entries"

# One-entry transactions: what an append costs when entries come alone.
rm -rf "$DIR.single"
"$BUILD/ledger-bench" "$DIR.single" 2000 1 | grep '^append' | sed 's/^append/append1/'
rm -rf "$DIR.single" "$DIR.single.witness"*

# The command a verifier runs: every leaf, node, checkpoint and root.
/usr/bin/time -f "verify\t$N entries\t%e s wall\t%U s user\t%M KiB peak" \
	"$D" log verify -d "$DIR" > /dev/null 2> "$DIR.time" || true
tail -1 "$DIR.time"
/usr/bin/time -f "prove\tone 'dnsvigil log prove' process\t%e s wall" \
	"$D" log prove -d "$DIR" --entry $((N / 2)) > /dev/null 2> "$DIR.time"
tail -1 "$DIR.time"
rm -f "$DIR.time"
