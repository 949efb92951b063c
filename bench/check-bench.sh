#!/usr/bin/env bash
# bench/check-bench.sh - how fast is `dnsvigil check`, and how does it compare
# with DNSViz (issue 3 section 6)?  Not a test: it prints numbers.
#
# It builds (once, cached) a private signed tree of its own - a root on
# 127.55.0.1, `bench.` on 127.55.0.2 and N child zones z0001.bench. ... on
# 127.55.0.3 and 127.55.0.4, all served by NSD - then:
#   1. checks all N zones in ONE `dnsvigil check` run: domains/s, peak RSS;
#   2. probes and groks S of them with DNSViz in one batch: zones/s, CPU/zone,
#      and dnsvigil's throughput ratio (target: >= 100x);
#   3. checks z0001.bench. alone a few times: wall time against
#      (depth x the slowest server's RTT) + 50 ms.
# The tree is stopped at the end unless -k.  See bench/check-tree/README.md.
set -u

usage() {
	cat << 'EOF'
usage: bench/check-bench.sh [-n N] [-s S] [-r RUNS] [-m RUNS] [-t THREADS] [-b DNSVIGIL] [-k]
       bench/check-bench.sh -x          (stop a tree left running by -k)
  -n N        child zones in the tree (default 1000)
  -s S        zones in the DNSViz sample (default 20; 0 skips DNSViz)
  -m RUNS     runs of the N-zone check (default 3; all printed, median used)
  -r RUNS     runs of the single-zone check (default 5)
  -t THREADS  dnsviz probe -t (default 8)
  -b BINARY   dnsvigil to time (default: build-cb/dnsvigil, built in release
              mode with -Db_ndebug=true when missing)
  -k          keep the tree running at the end
  -S          only start the tree (implies -k) and print how to use it
EOF
}

TOP=$(cd "$(dirname "$0")/.." && pwd)
SELF="$TOP/bench/check-bench.sh"
CACHE_ROOT=/var/tmp/dnsvigil-checkbench
STATE=/tmp/dnsvigil-checkbench
ADDR_ROOT=127.55.0.1
ADDR_TLD=127.55.0.2
ADDR_C1=127.55.0.3
ADDR_C2=127.55.0.4
ADDRS="$ADDR_ROOT $ADDR_TLD $ADDR_C1 $ADDR_C2"
MAX_AGE_MIN=$((5 * 24 * 60)) # re-sign a cached tree older than 5 days

die() {
	echo "check-bench: $*" >&2
	exit 1
}
say() { echo "# $*" >&2; }

# >>> tree: everything up to "<<< tree" keys the cache (its hash names it)

# One child zone: its own CSK (ECDSA P-256, SEP flag), SOA, NS x2 with
# in-zone addresses, an A, NSEC; writes zones/NAME.zone and ds/NAME.ds.
# Run by xargs as `check-bench.sh --sign-child TREE NAME` (no trailing dot).
sign_child() {
	local tree=$1 z=$2 k
	cd "$tree/keys" || exit 1
	k=$(ldns-keygen -a ECDSAP256SHA256 -k "$z.") || exit 1
	cat > "$tree/tmp/$z.in" << EOF
\$TTL 3600
$z. IN SOA ns1.$z. hostmaster.$z. 1 3600 900 604800 300
$z. IN NS ns1.$z.
$z. IN NS ns2.$z.
$z. IN A 192.0.2.1
ns1.$z. IN A $ADDR_C1
ns2.$z. IN A $ADDR_C2
EOF
	ldns-signzone -i "$SIG_INC" -e "$SIG_EXP" -f "$tree/zones/$z.zone" "$tree/tmp/$z.in" "$k" ||
		exit 1
	mv "$k.ds" "$tree/ds/$z.ds" && rm -f "$tree/tmp/$z.in"
}

build_tree() { # TREE N
	local tree=$1 n=$2 i k
	rm -rf "$tree"
	mkdir -p "$tree/keys" "$tree/zones" "$tree/ds" "$tree/tmp" || die "cannot create $tree"
	SIG_INC=$(date -u -d '-1 day' +%Y%m%d%H%M%S)
	SIG_EXP=$(date -u -d '+30 days' +%Y%m%d%H%M%S)
	export SIG_INC SIG_EXP
	for ((i = 1; i <= n; i++)); do printf 'z%04d.bench\n' "$i"; done > "$tree/names"
	sed 's/$/./' "$tree/names" > "$tree/zones.txt"
	say "signing $n child zones (xargs -P2, nice) ..."
	timeout 1800 nice -n 10 xargs -P2 -n1 "$SELF" --sign-child "$tree" < "$tree/names" ||
		die "signing the child zones failed"
	[ "$(find "$tree/ds" -name '*.ds' | wc -l)" -eq "$n" ] || die "not every child zone was signed"

	# bench.: delegations, glue and DS of every child; one CSK
	{
		echo "\$TTL 3600"
		echo "bench. IN SOA ns.bench. hostmaster.bench. 1 3600 900 604800 300"
		echo "bench. IN NS ns.bench."
		echo "ns.bench. IN A $ADDR_TLD"
		while read -r z; do
			echo "$z. IN NS ns1.$z."
			echo "$z. IN NS ns2.$z."
			echo "ns1.$z. IN A $ADDR_C1"
			echo "ns2.$z. IN A $ADDR_C2"
			cat "$tree/ds/$z.ds"
		done < "$tree/names"
	} > "$tree/tmp/bench.in"
	(cd "$tree/keys" && k=$(ldns-keygen -a ECDSAP256SHA256 -k bench.) &&
		ldns-signzone -i "$SIG_INC" -e "$SIG_EXP" -f "$tree/zones/bench.zone" "$tree/tmp/bench.in" "$k" &&
		mv "$k.ds" "$tree/ds/bench.ds") || die "signing bench. failed"

	# the root: its own server name under a TLD it serves itself (root.),
	# so the address is authoritative data, not glue under a cut
	{
		echo "\$TTL 86400"
		echo ". IN SOA ns.root. hostmaster.root. 1 1800 900 604800 86400"
		echo ". IN NS ns.root."
		echo "ns.root. IN A $ADDR_ROOT"
		echo "bench. IN NS ns.bench."
		echo "ns.bench. IN A $ADDR_TLD"
		cat "$tree/ds/bench.ds"
	} > "$tree/tmp/root.in"
	(cd "$tree/keys" && k=$(ldns-keygen -a ECDSAP256SHA256 -k .) &&
		ldns-signzone -i "$SIG_INC" -e "$SIG_EXP" -f "$tree/zones/root.zone" "$tree/tmp/root.in" "$k" &&
		cp "$k.ds" "$tree/root.ds" && cp "$k.key" "$tree/root.key") || die "signing the root failed"
	printf '.\t3600000\tIN\tNS\tns.root.\nns.root.\t3600000\tIN\tA\t%s\n' "$ADDR_ROOT" > "$tree/root.hints"
	rm -rf "$tree/tmp"
	echo "$SIG_INC $SIG_EXP" > "$tree/.done"
}

# <<< tree

if [ "${1:-}" = --sign-child ]; then
	sign_child "$2" "$3"
	exit $?
fi

N=1000 S=20 RUNS=5 MRUNS=3 THREADS=8 DNSVIGIL='' KEEP=0 STOP_ONLY=0 START_ONLY=0
while getopts n:s:r:m:t:b:kxSh opt; do
	case $opt in
	n) N=$OPTARG ;;
	s) S=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	m) MRUNS=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	b) DNSVIGIL=$OPTARG ;;
	k) KEEP=1 ;;
	x) STOP_ONLY=1 ;;
	S) START_ONLY=1 KEEP=1 ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done
for v in "$N" "$S" "$RUNS" "$MRUNS" "$THREADS"; do
	case $v in '' | *[!0-9]*) die "numeric options only: $v" ;; esac
done
[ "$N" -ge 1 ] && [ "$N" -le 99999 ] || die "-n: 1..99999"
[ "$S" -le "$N" ] || S=$N
[ "$RUNS" -ge 1 ] && [ "$MRUNS" -ge 1 ] || die "-r/-m: at least 1"

# ------------------------------------------------------------ start / stop
# NSD instances we started: $STATE/nsd-<level>.pid (written by NSD) and
# $STATE/pids (ours, read at stop).  Addresses we added: $STATE/addrs.

starttime() { # PID: field 22 of /proc/PID/stat (comm, field 2, may hold spaces)
	sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | awk '{ print $20 }'
}

stop_tree() {
	local pid st i
	# $STATE/pids: "PID STARTTIME" of each NSD we started; a reused PID
	# has another start time and is left alone
	if [ -f "$STATE/pids" ]; then
		while read -r pid st; do
			case $pid in '' | *[!0-9]*) continue ;; esac
			[ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ] || continue
			kill "$pid" 2> /dev/null
			for ((i = 0; i < 50; i++)); do
				kill -0 "$pid" 2> /dev/null || break
				sleep 0.1
			done
			kill -0 "$pid" 2> /dev/null && kill -9 "$pid" 2> /dev/null
		done < "$STATE/pids"
		rm -f "$STATE/pids" "$STATE"/nsd-*.pid
	fi
	if [ -f "$STATE/addrs" ]; then
		while read -r a; do
			[ -n "$a" ] && ip addr del "$a/32" dev lo 2> /dev/null
		done < "$STATE/addrs"
		rm -f "$STATE/addrs"
	fi
	rm -f "$STATE/tree"
	rm -rf "$STATE"/nsd-xfr-*
}

nsd_conf() { # LEVEL ADDRS... ; zones follow on stdin as "name file" lines
	local level=$1 a
	shift
	{
		echo "server:"
		for a in "$@"; do echo "  ip-address: $a"; done
		cat << EOF
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$TREE/zones"
  database: ""
  pidfile: "$STATE/nsd-$level.pid"
  zonelistfile: "$STATE/nsd-$level.zonelist"
  xfrdfile: "$STATE/nsd-$level.xfrd"
  xfrdir: "$STATE"
  logfile: "$STATE/nsd-$level.log"
  server-count: 1
  verbosity: 0
  hide-version: yes
  # NSD's response rate limiting (on by default, 200 qps per source /24)
  # would drop or truncate the root's ~N identical referrals to bench.:
  # a benchmark of the checker, not of RRL
  rrl-ratelimit: 0
remote-control:
  control-enable: no
EOF
		while read -r name file; do
			printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "$name" "$file"
		done
	} > "$STATE/nsd-$level.conf"
}

answers() { # ADDR NAME: the server answers NAME SOA authoritatively
	kdig +time=1 +retry=0 +norecurse "@$1" "$2" SOA 2> /dev/null | grep -q 'Flags: qr aa'
}

start_tree() {
	local a level pid
	if [ -f "$STATE/tree" ] && [ "$(cat "$STATE/tree")" = "$TREE" ] &&
		answers "$ADDR_ROOT" . && answers "$ADDR_TLD" bench. &&
		answers "$ADDR_C1" "$(tail -1 "$TREE/zones.txt")" &&
		answers "$ADDR_C2" "$(head -1 "$TREE/zones.txt")"; then
		say "tree already running ($TREE)"
		return 0
	fi
	stop_tree
	mkdir -p "$STATE" || die "cannot create $STATE"
	for a in $ADDRS; do
		if ! ip -4 addr show dev lo | grep -q "inet $a/"; then
			ip addr add "$a/32" dev lo || die "ip addr add $a/32 dev lo"
			echo "$a" >> "$STATE/addrs"
		fi
		if ss -Hlnu "src $a:53" 2> /dev/null | grep -q .; then
			die "$a:53 is in use by a process this script did not start"
		fi
	done
	echo ". root.zone" | nsd_conf root "$ADDR_ROOT"
	echo "bench. bench.zone" | nsd_conf bench "$ADDR_TLD"
	sed 's/\(.*\)\.$/\1. \1.zone/' "$TREE/zones.txt" | nsd_conf child "$ADDR_C1" "$ADDR_C2"
	: > "$STATE/pids"
	for level in root bench child; do
		nsd -c "$STATE/nsd-$level.conf" || die "nsd ($level) did not start: $(tail -3 "$STATE/nsd-$level.log")"
		for ((a = 0; a < 50; a++)); do # NSD writes its pidfile once forked
			[ -s "$STATE/nsd-$level.pid" ] && break
			sleep 0.1
		done
		pid=$(cat "$STATE/nsd-$level.pid" 2> /dev/null) || die "nsd ($level): no pidfile"
		echo "$pid $(starttime "$pid")" >> "$STATE/pids"
	done
	echo "$TREE" > "$STATE/tree"
	for ((a = 0; a < 300; a++)); do # 30 s for NSD to load N zones
		answers "$ADDR_ROOT" . && answers "$ADDR_TLD" bench. &&
			answers "$ADDR_C1" "$(tail -1 "$TREE/zones.txt")" &&
			answers "$ADDR_C2" "$(head -1 "$TREE/zones.txt")" && break
		sleep 0.1
	done
	[ "$a" -lt 300 ] || die "the tree did not answer within 30 s (logs: $STATE/nsd-*.log)"
	say "tree started: NSD pids $(cut -d' ' -f1 "$STATE/pids" | tr '\n' ' ')"
}

if [ "$STOP_ONLY" = 1 ]; then
	stop_tree
	echo "stopped"
	exit 0
fi

for c in nsd ldns-keygen ldns-signzone kdig python3 /usr/bin/time; do
	command -v "$c" > /dev/null || die "missing $c"
done

# ------------------------------------------------------------ the tree
HASH=$(sed -n '/^# >>> tree/,/^# <<< tree/p' "$SELF" | sha256sum | cut -c1-12)
TREE="$CACHE_ROOT/n$N-$HASH"
# trees past their re-sign age are of no use to anyone
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -name 'n*-*' -mmin "+$MAX_AGE_MIN" -exec rm -rf {} + 2> /dev/null
if [ -f "$TREE/.done" ] && [ -n "$(find "$TREE/.done" -mmin "-$MAX_AGE_MIN" 2> /dev/null)" ]; then
	say "signed tree cached: $TREE (signed $(date -u -r "$TREE/.done" +%FT%TZ))"
else
	# the tree served now may be the one about to be replaced
	[ -f "$STATE/tree" ] && [ "$(cat "$STATE/tree")" = "$TREE" ] && stop_tree
	t0=$(date +%s)
	build_tree "$TREE" "$N"
	say "signed tree built in $(($(date +%s) - t0)) s: $TREE"
fi
[ "$KEEP" = 1 ] || trap stop_tree EXIT
start_tree
if [ "$START_ONLY" = 1 ]; then
	cat << EOF
tree running; stop it with: bench/check-bench.sh -x
  dnsvigil check --root-hints $TREE/root.hints --trust-anchor $TREE/root.ds z0001.bench.
EOF
	exit 0
fi

# ------------------------------------------------------------ dnsvigil binary
DV_BUILT=
if [ -z "$DNSVIGIL" ]; then
	# build-cb: release, -Db_ndebug=true; brought up to date on each run (a
	# failing build - someone's half-written code - keeps the old binary)
	DNSVIGIL="$TOP/build-cb/dnsvigil"
	say "building build-cb (release, -Db_ndebug=true) ..."
	if (cd "$TOP" && { [ -d build-cb ] || meson setup build-cb --buildtype=release -Db_ndebug=true; } &&
		timeout 1200 nice ninja -C build-cb dnsvigil) > "$STATE/build.log" 2>&1; then
		git -C "$TOP" log -1 --format='%h %cI' > "$TOP/build-cb/.check-bench-commit" 2> /dev/null
	else
		say "build failed ($STATE/build.log); timing the existing binary"
	fi
	DV_BUILT=$(cat "$TOP/build-cb/.check-bench-commit" 2> /dev/null)
fi
[ -x "$DNSVIGIL" ] || die "no dnsvigil binary: $DNSVIGIL"

# keep the raw files of the last 5 runs
find "$STATE" -mindepth 1 -maxdepth 1 -name 'run.*' -printf '%T@ %p\n' | sort -rg | tail -n +5 |
	cut -d' ' -f2- | while read -r d; do rm -rf "$d"; done
RUN=$(mktemp -d "$STATE/run.XXXXXX") || die "mktemp"
HINTS=$TREE/root.hints
TA=$TREE/root.ds
mapfile -t ZONES < "$TREE/zones.txt"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== dnsvigil check benchmark  $(date -u +%FT%TZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dnsvigil: $DNSVIGIL ($("$DNSVIGIL" --version 2>&1 | head -1), built $(date -u -r "$DNSVIGIL" +%FT%TZ)${DV_BUILT:+, git HEAD then $DV_BUILT})"
echo "tree: $TREE (signed $(date -u -r "$TREE/.done" +%FT%TZ)); root $ADDR_ROOT, bench. $ADDR_TLD, $N children on $ADDR_C1 + $ADDR_C2 (NSD $(nsd -v 2>&1 | head -1 | awk '{ print $NF }'))"
echo

# ------------------------------------------------------------ 1. N zones, one run
# time(1) -f: wall, user, sys, max RSS (KiB)
TF='%e %U %S %M'
echo "-- 1. dnsvigil check, all $N zones in one run ($MRUNS runs)"
: > "$RUN/big.tsv"
for ((r = 1; r <= MRUNS; r++)); do
	/usr/bin/time -f "$TF" -o "$RUN/big-$r.time" timeout 600 "$DNSVIGIL" check \
		--root-hints "$HINTS" --trust-anchor "$TA" --format json "${ZONES[@]}" \
		> "$RUN/big-$r.json" 2> "$RUN/big-$r.err"
	rc=$?
	read -r wall usr sys rss < <(tail -1 "$RUN/big-$r.time")
	python3 - "$RUN/big-$r.json" "$N" "$wall" "$usr" "$sys" "$rss" "$rc" "$r" >> "$RUN/big.tsv" << 'EOF' || die "run $r: unreadable JSON (exit $rc): $(head -3 "$RUN/big-$r.err")"
import json, sys
j = json.load(open(sys.argv[1]))
n, wall, usr, sys_, rss, rc, r = int(sys.argv[2]), *map(float, sys.argv[3:7]), sys.argv[7], sys.argv[8]
asked = set(j["domains"])
st = {}
for z in j["zones"]:
    if z["name"] in asked:
        st[z["status"]] = st.get(z["status"], 0) + 1
s = j["summary"]
print("\t".join(str(x) for x in [r, wall, usr + sys_, rss / 1024, n / wall, rc, j["probe_ms"],
      s["zones"], s["servers"], s["errors"], s["warnings"], s["signatures_checked"],
      s["signatures_verified"], ",".join("%s=%d" % kv for kv in sorted(st.items()))]))
EOF
done
awk -F'\t' '{ printf "run %d: wall %.2f s, CPU %.2f s, peak RSS %.1f MiB, %.0f domains/s, exit %s, probe %d ms (after the probe: %.2f s), zones %d, servers %d, errors %d, warnings %d, signatures checked %d verified %d, asked zones: %s\n", $1, $2, $3, $4, $5, $6, $7, $2 - $7 / 1000, $8, $9, $10, $11, $12, $13, $14 }' "$RUN/big.tsv"
DV_WALL=$(cut -f2 "$RUN/big.tsv" | median)
DV_CPU=$(cut -f3 "$RUN/big.tsv" | median)
DV_RSS=$(cut -f4 "$RUN/big.tsv" | sort -g | tail -1)
DV_RATE=$(awk -v n="$N" -v w="$DV_WALL" 'BEGIN { printf "%.0f", n / w }')
printf 'dnsvigil: %s domains in %.2f s (median) = %s domains/s; CPU %.2f ms/domain; peak RSS %.1f MiB (max of runs)\n' \
	"$N" "$DV_WALL" "$DV_RATE" "$(awk -v c="$DV_CPU" -v n="$N" 'BEGIN { print c * 1000 / n }')" "$DV_RSS"
echo

# ------------------------------------------------------------ 2. DNSViz on a sample
if [ "$S" -gt 0 ]; then
	echo "-- 2. DNSViz on $S of the zones, one batch (probe -A -t $THREADS, then grok with the trust anchor)"
	if ! command -v dnsviz > /dev/null; then
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q dnsviz > "$RUN/apt.log" 2>&1 ||
			die "cannot install dnsviz: $(tail -3 "$RUN/apt.log")"
	fi
	# evenly spaced sample: z0001 ... z(N)
	SAMPLE=()
	for ((i = 0; i < S; i++)); do SAMPLE+=("${ZONES[$((i * N / S))]}"); done
	# Debian's dnsviz 0.9.4 grok imports pygraphviz.release, which Debian's
	# pygraphviz 1.7 lacks: provide it, then run dnsviz's own grok (the same
	# workaround as tests/func/test_check_dnsviz.sh).
	cat > "$RUN/grok.py" << 'EOF'
import runpy, sys, types
import pygraphviz
release = types.ModuleType("pygraphviz.release")
release.version = pygraphviz.__version__
sys.modules["pygraphviz.release"] = release
pygraphviz.release = release
sys.argv = ["dnsviz", "grok"] + sys.argv[1:]
runpy.run_path("/usr/bin/dnsviz", run_name="__main__")
EOF
	/usr/bin/time -f "$TF" -o "$RUN/viz-probe.time" timeout 1200 dnsviz probe -A -4 -t "$THREADS" \
		-x ".:ns.root.=$ADDR_ROOT" -o "$RUN/probe.json" "${SAMPLE[@]}" > "$RUN/probe.log" 2>&1 ||
		die "dnsviz probe failed: $(tail -3 "$RUN/probe.log")"
	/usr/bin/time -f "$TF" -o "$RUN/viz-grok.time" timeout 1200 /usr/bin/python3 "$RUN/grok.py" \
		-t "$TREE/root.key" -r "$RUN/probe.json" -o "$RUN/grok.json" > "$RUN/grok.log" 2>&1 ||
		die "dnsviz grok failed: $(tail -3 "$RUN/grok.log")"
	read -r pw pu ps prss < <(tail -1 "$RUN/viz-probe.time")
	read -r gw gu gs grss < <(tail -1 "$RUN/viz-grok.time")
	VIZ_ST=$(python3 - "$RUN/grok.json" "${SAMPLE[@]}" << 'EOF'
import json, sys
g = json.load(open(sys.argv[1]))
st = {}
for z in sys.argv[2:]:
    d = g.get(z, {}).get("delegation", {}) if isinstance(g.get(z), dict) else {}
    s = d.get("status", "absent").lower()
    st[s] = st.get(s, 0) + 1
print(",".join("%s=%d" % kv for kv in sorted(st.items())))
EOF
	)
	# dnsvigil on the same sample, for the record
	/usr/bin/time -f "$TF" -o "$RUN/dv-sample.time" timeout 600 "$DNSVIGIL" check \
		--root-hints "$HINTS" --trust-anchor "$TA" --format json "${SAMPLE[@]}" > "$RUN/dv-sample.json" 2>&1
	read -r sw su ss _ < <(tail -1 "$RUN/dv-sample.time")
	awk -v s="$S" -v pw="$pw" -v pu="$pu" -v ps="$ps" -v prss="$prss" \
		-v gw="$gw" -v gu="$gu" -v gs="$gs" -v grss="$grss" -v st="$VIZ_ST" \
		-v dvw="$DV_WALL" -v dvc="$DV_CPU" -v n="$N" -v sw="$sw" -v su="$su" -v ss="$ss" 'BEGIN {
		pc = pu + ps; gc = gu + gs; sc = su + ss
		printf "dnsviz probe: wall %.2f s, CPU %.2f s (%.0f ms/zone), peak RSS %.0f MiB\n", pw, pc, pc * 1000 / s, prss / 1024
		printf "dnsviz grok:  wall %.2f s, CPU %.2f s (%.0f ms/zone), peak RSS %.0f MiB\n", gw, gc, gc * 1000 / s, grss / 1024
		printf "dnsviz status of the sample (grok delegation status; absent = DNSViz failed on the zone, see probe.log): %s\n", st
		vr = s / (pw + gw); vc = (pc + gc) / s
		dr = n / dvw; dc = dvc / n
		printf "dnsviz batch: %.2f zones/s wall (probe+grok), %.0f ms CPU/zone\n", vr, vc * 1000
		printf "dnsvigil on the same %d zones: wall %.2f s (%.0f domains/s), CPU %.2f s\n", s, sw, s / sw, sc
		printf "RATIO throughput (dnsvigil %d-zone run vs dnsviz %d-zone batch, wall): %.0fx  (target >= 100x: %s)\n", n, s, dr / vr, (dr / vr >= 100 ? "met" : "NOT met")
		printf "RATIO CPU per zone (dnsviz / dnsvigil): %.0fx\n", vc / dc
	}'
	echo
fi

# ------------------------------------------------------------ 3. one zone
Z1=${ZONES[0]}
echo "-- 3. one healthy zone: dnsvigil check $Z1 alone ($RUNS runs)"
: > "$RUN/one.tsv"
for ((r = 1; r <= RUNS; r++)); do
	t0=$(date +%s%N)
	timeout 60 "$DNSVIGIL" check --root-hints "$HINTS" --trust-anchor "$TA" --format json \
		--save "$RUN/one-$r.snap" "$Z1" > "$RUN/one-$r.json" 2> "$RUN/one-$r.err"
	rc=$?
	t1=$(date +%s%N)
	python3 - "$RUN/one-$r.snap" "$RUN/one-$r.json" "$(((t1 - t0) / 1000))" "$rc" >> "$RUN/one.tsv" << 'EOF' || die "one-zone run $r failed (exit $rc)"
import json, statistics, sys
snap = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
by = {}
for q in snap["queries"]:
    if q["status"] == "ok":
        by.setdefault(snap["servers"][q["server"]]["address"], []).append(q["rtt_ms"])
med = {a: statistics.median(v) for a, v in by.items()}
slow = max(med, key=med.get)
z = [x for x in rep["zones"] if x["name"] == rep["domains"][0]][0]
print("\t".join(str(x) for x in [float(sys.argv[3]) / 1000, rep["probe_ms"], len(snap["zones"]),
      slow, med[slow], max(max(v) for v in by.values()), len(snap["queries"]), z["status"], sys.argv[4]]))
EOF
done
# process start alone (exec, dynamic linking): the part of the wall time
# that is not the check
: > "$RUN/start.ms"
for ((r = 1; r <= RUNS; r++)); do
	t0=$(date +%s%N)
	"$DNSVIGIL" check --help > /dev/null 2>&1
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000))" | awk '{ print $1 / 1000 }' >> "$RUN/start.ms"
done
START_MS=$(median < "$RUN/start.ms")
# per run: budget = depth x that run's slowest server (median RTT) + 50 ms
awk -F'\t' -v st="$START_MS" '{
	b = $3 * $5 + 50
	pm += ($2 <= b); wm += ($1 <= b)
	printf "run %d: wall %.1f ms, probe %d ms, depth %d, slowest server %s median RTT %.0f ms (max RTT of any answer %.0f ms), %d queries, %s, exit %s; budget %.0f ms: probe %s, wall %s\n", NR, $1, $2, $3, $4, $5, $6, $7, $8, $9, b, ($2 <= b ? "met" : "NOT met"), ($1 <= b ? "met" : "NOT met")
} END {
	printf "process start alone (dnsvigil check --help): median %.1f ms\n", st
	printf "ONE ZONE: budget (depth x slowest RTT + 50 ms) met by the probe (probe_ms) in %d/%d runs, by the whole process (wall) in %d/%d runs\n", pm, NR, wm, NR
}' "$RUN/one.tsv"
ONE_WALL=$(cut -f1 "$RUN/one.tsv" | median)
ONE_PROBE=$(cut -f2 "$RUN/one.tsv" | median)
KRTT=$(kdig +norecurse +dnssec "@$ADDR_C1" "$Z1" DNSKEY 2> /dev/null | sed -n 's/^;; From .* in \([0-9.]*\) ms$/\1/p')
echo "median wall $ONE_WALL ms, median probe $ONE_PROBE ms; rtt_ms is whole milliseconds; kdig cross-check: DNSKEY from $ADDR_C1 in ${KRTT:-?} ms"
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(raw files: $RUN)"
