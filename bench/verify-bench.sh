#!/usr/bin/env bash
# bench/verify-bench.sh - time `dnsvigil verify` against the peer offline
# DNSSEC zone verifiers on the benchmark corpus, and against the crypto floor.
#
# Usage: bench/verify-bench.sh [options] [ZONE-NAME...]
#   -d ZONEDIR   corpus built by /work/shared/bench/make-zones.sh
#                                                   [/var/tmp/dnsvigil-zones]
#   -r RUNS      runs per (zone, tool); tables show the median    [1]
#   -t "TOOLS"   subset of: dnsvigil ldns bind kzc kzs validns    [all]
#   -T SECONDS   kill one run after this long (exit 124)          [3600]
#   -f FILE      crypto floor TSV from bench/cryptofloor (default: measure now)
#   -o FILE      raw TSV output     [bench/results/raw-<UTC stamp>.tsv];
#                with -o, bench/results/latest.tsv is left alone
#   -a           append this run's rows to bench/results/latest.tsv instead
#                of replacing it
#   --quick      only the 100k-delegation zones
#   --report F   print the tables of an existing raw/latest TSV and exit
#                (with -f FLOOR.tsv: recompute the floor from that file)
#   ZONE-NAME    e.g. bench-n100000-a13-nsec3 (default: every *.meta in ZONEDIR)
#
# Environment:
#   DNSVIGIL     binary to time [$TOP/build-bench/dnsvigil, built here with
#                `meson setup build-bench --buildtype=release -Db_ndebug=true`]
#   DNSVIGIL_ARGS extra arguments for `dnsvigil verify`
#   NOW          --now for dnsvigil (inside the corpus's 2025-2035 window)
#                [20300101000000]
#
# dnsvigil runs as `dnsvigil verify --now $NOW --threads $(nproc) ZONE`; the
# peers exactly as /work/shared/bench/verifiers.sh runs them (run_verifier),
# each alone, one after the other, under GNU time (wall, peak RSS).
#
# Crypto floor of a zone = RRSIGs in the zone (its .meta) / the all-core
# verifies per second of the fastest verifier for the zone's algorithm.
set -uo pipefail
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
SHARED=${SHARED_BENCH:-$(cd "$(dirname "$0")/../../shared/bench" 2>/dev/null && pwd)}
RESULTS="$TOP/bench/results"

ZDIR=/var/tmp/dnsvigil-zones; RUNS=1; TOOLS="dnsvigil ldns bind kzc kzs validns"
TMO=3600; FLOOR_IN=; OUT=; APPEND=0; QUICK=0; REPORT=
NOW=${NOW:-20300101000000}
NCPU=$(nproc 2>/dev/null || echo 1)

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "verify-bench: $*" >&2; exit 1; }
log() { echo "verify-bench: $*" >&2; }

args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) QUICK=1 ;;
	--report) [[ $# -ge 2 ]] || usage 2; REPORT=$2; shift ;;
	--help) usage 0 ;;
	-d|-r|-t|-T|-f|-o) [[ $# -ge 2 ]] || usage 2
		case $1 in -d) ZDIR=$2 ;; -r) RUNS=$2 ;; -t) TOOLS=$2 ;; -T) TMO=$2 ;;
			   -f) FLOOR_IN=$2 ;; -o) OUT=$2 ;; esac
		shift ;;
	-a) APPEND=1 ;;
	-h) usage 0 ;;
	-*) usage 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 && $RUNS -le 20 ]] || die "-r must be 1..20"
[[ $TMO =~ ^[0-9]+$ && $TMO -ge 1 ]] || die "-T must be a number of seconds"

# ------------------------------------------------------------------ report
# Input: the raw TSV (comment lines '#', one header line).  One table per
# zone; medians over runs; ratios against dnsvigil and the crypto floor.
report() { # report RAW.tsv [FLOOR.tsv]: FLOOR.tsv, if given, replaces the floor in the rows
	awk -F'\t' -v ffile="${2:-}" '
	# One cryptofloor row: keep the fastest all-core rate (most threads), and
	# the fastest 1-thread rate per CPU-second (column 5; older files without
	# it: column 4) per algorithm.
	function floorrow(line,   f, r1) {
		sub(/^# floor\t/, "", line)
		split(line, f, "\t")
		if (f[1] !~ /^[0-9]+$/) return
		if (f[3] + 0 > maxt[f[1]] + 0) { maxt[f[1]] = f[3]; fbest[f[1]] = 0 }
		if (f[3] + 0 == maxt[f[1]] + 0 && f[4] + 0 > fbest[f[1]] + 0) { fbest[f[1]] = f[4]; fl[f[1]] = f[2] "x" f[3] }
		r1 = f[5] != "" ? f[5] : f[4]
		if (f[3] == 1 && r1 + 0 > f1[f[1]] + 0) f1[f[1]] = r1
	}
	BEGIN {
		if (ffile != "") {
			while ((getline line < ffile) > 0) floorrow(line)
			close(ffile)
		}
	}
	function median(key,   n, i, j, t, a) {
		n = cnt[key]
		for (i = 1; i <= n; i++) a[i] = vals[key, i]
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	/^# floor\t/ && ffile == "" { floorrow($0) }
	/^# parse\t/ { split($0, pf, "\t"); pcpu[pf[2]] = pf[3]; pcores[pf[2]] = pf[4] }
	/^#/ || $1 == "zone" { next }
	{
		z = $1; t = $2
		if (!(z in seen)) { seen[z] = 1; zones[++nz] = z }
		if (!((z, t) in seent)) { seent[z, t] = 1; tools[z, ++nt[z]] = t }
		k = z SUBSEP t SUBSEP "w"; cnt[k]++; vals[k, cnt[k]] = $4
		k = z SUBSEP t SUBSEP "c"; cnt[k]++; vals[k, cnt[k]] = $5 + $6
		k = z SUBSEP t SUBSEP "m"; cnt[k]++; vals[k, cnt[k]] = $7 / 1024
		if ($8 != 0) bad[z, t] = bad[z, t] " rc" $8
		sigs[z] = $9; bytes[z] = $10; fvps[z] = $11; flo[z] = $12; flib[z] = $13
		zalg[z] = match(z, /-a[0-9]+-/) ? substr(z, RSTART + 2, RLENGTH - 3) : ""
	}
	END {
		# Rows appended by later runs (-a) carry their own floor: every
		# zone is judged against the fastest floor of all the blocks.
		for (i = 1; i <= nz; i++) {
			z = zones[i]; a = zalg[z]
			if (fbest[a] > 0) { fvps[z] = fbest[a]; flo[z] = sigs[z] / fbest[a]; flib[z] = fl[a] (ffile != "" ? " from " ffile : "") }
		}
		for (i = 1; i <= nz; i++) {
			z = zones[i]; zmib = bytes[z] / 1048576
			cfl = f1[zalg[z]] > 0 ? sigs[z] / f1[zalg[z]] : 0
			printf "\n== %s: %d RRSIGs, zone file %.1f MiB\n   crypto floor %.2f s wall (%d verifies/s, %s); %.2f CPU-s (RRSIGs / 1-thread verifies per CPU-s)\n",
				z, sigs[z], zmib, flo[z], fvps[z], flib[z], cfl
			if (pcpu[z] > 0 && cfl > 0 && pcores[z] > 0 && flo[z] > 0)
				printf "   parse floor %.2f CPU-s (libzscanner alone); crypto + parse on %d cores: %.2f s at best = %.2f x the crypto floor\n",
					pcpu[z], pcores[z], (cfl + pcpu[z]) / pcores[z], (cfl + pcpu[z]) / pcores[z] / flo[z]
			hasdv = (z, "dnsvigil") in seent
			dv = hasdv ? median(z SUBSEP "dnsvigil" SUBSEP "w") : 0
			dc = hasdv ? median(z SUBSEP "dnsvigil" SUBSEP "c") : 0
			dm = hasdv ? median(z SUBSEP "dnsvigil" SUBSEP "m") : 0
			printf "%-9s %8s %8s %9s %9s %8s %10s %10s  %s\n", "tool", "wall_s", "cpu_s", "peak_MiB", "zone_MiB",
				"x_floor", "x_dv_wall", "x_dv_cpu", "notes"
			best = 0
			for (j = 1; j <= nt[z]; j++) {
				t = tools[z, j]
				w = median(z SUBSEP t SUBSEP "w"); c = median(z SUBSEP t SUBSEP "c")
				m = median(z SUBSEP t SUBSEP "m")
				xf = flo[z] > 0 ? sprintf("%.2f", w / flo[z]) : "-"
				xd = (t != "dnsvigil" && dv > 0) ? sprintf("%.2f", w / dv) : "-"
				xc = (t != "dnsvigil" && dc > 0) ? sprintf("%.2f", c / dc) : "-"
				note = ((z, t) in bad) ? "FAILED/unsupported:" bad[z, t] : ""
				printf "%-9s %8.2f %8.2f %9.1f %9.1f %8s %10s %10s  %s\n", t, w, c, m, zmib, xf, xd, xc, note
				if (t != "dnsvigil" && !((z, t) in bad) && (best == 0 || w < best)) { best = w; bestt = t }
			}
			if (hasdv) {
				okf = flo[z] > 0 && dv <= 1.2 * flo[z]
				okm = dm <= 2 * zmib
				printf "targets: wall/floor %.2f (<= 1.2: %s); peak/zone %.2f (<= 2: %s)",
					(flo[z] > 0 ? dv / flo[z] : 0), okf ? "PASS" : "FAIL", dm / zmib, okm ? "PASS" : "FAIL"
				if (best > 0) {
					need = (z ~ /-n1000000-/) ? 3 : 1
					printf "; fastest peer %s / dnsvigil wall %.2f (%s %d: %s)", bestt, best / dv,
						need == 3 ? ">=" : ">", need,
						(need == 3 ? best / dv >= 3 : best / dv > 1) ? "PASS" : "FAIL"
				}
				if (cfl > 0 && dc > 0)
					printf "; dnsvigil cpu/cpu-floor %.2f", dc / cfl
				printf "\n"
			}
		}
	}' "$1"
}

if [[ -n $REPORT ]]; then
	[[ -f $REPORT ]] || die "no such file: $REPORT"
	report "$REPORT" "$FLOOR_IN"
	exit 0
fi

[[ -x /usr/bin/time ]] || die "need GNU time (apt-get install time)"
[[ -f $SHARED/verifiers.sh ]] || die "no $SHARED/verifiers.sh"

# ------------------------------------------------------------------ builds
BUILD="$TOP/build-bench"
if [[ -z ${DNSVIGIL:-} && " $TOOLS " == *" dnsvigil "* ]]; then
	if [[ ! -f $BUILD/build.ninja ]]; then
		log "meson setup build-bench (release, NDEBUG)"
		(cd "$TOP" && meson setup build-bench --buildtype=release -Db_ndebug=true) > /tmp/verify-bench-setup.$$.log 2>&1 ||
			{ tail -30 /tmp/verify-bench-setup.$$.log; die "meson setup failed"; }
		rm -f /tmp/verify-bench-setup.$$.log
	fi
	log "ninja -C build-bench dnsvigil"
	nice -n 5 ninja -C "$BUILD" dnsvigil >&2 || die "build of dnsvigil failed"
	DNSVIGIL="$BUILD/dnsvigil"
fi
if [[ " $TOOLS " == *" dnsvigil "* ]]; then
	[[ -x $DNSVIGIL ]] || die "DNSVIGIL=$DNSVIGIL is not executable"
fi

PF="$BUILD/parsefloor"
build_parsefloor() {
	mkdir -p "$BUILD"
	if [[ ! -x $PF || $TOP/bench/parsefloor.c -nt $PF ]]; then
		cc -O2 -std=c11 -Wall -Wextra -o "$PF" "$TOP/bench/parsefloor.c" -lzscanner ||
			die "cannot build parsefloor"
	fi
}
CF="$BUILD/cryptofloor"
build_cryptofloor() {
	mkdir -p "$BUILD"
	if [[ ! -x $CF || $TOP/bench/cryptofloor.c -nt $CF ]]; then
		cc -O2 -std=c11 -Wall -Wextra -o "$CF" "$TOP/bench/cryptofloor.c" \
			-lcrypto -lsodium -lpthread || die "cannot build cryptofloor"
	fi
}

# ------------------------------------------------------------------ zones
if [[ ${#args[@]} -gt 0 ]]; then names=("${args[@]}"); else
	names=()
	for m in "$ZDIR"/*.meta; do
		[[ -f $m ]] || continue
		n=$(basename "${m%.meta}")
		[[ $QUICK == 1 && $n != *-n100000-* ]] && continue
		names+=("$n")
	done
fi
[[ ${#names[@]} -gt 0 ]] || die "no zones in $ZDIR (build them: $SHARED/make-zones.sh corpus)"

meta() { # meta ZONE KEY -> value of key=value on the params/counts lines, or a whole line's value
	awk -v k="$2" '{ for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }
		$1 == k ":" { print $2; exit }' "$ZDIR/$1.meta"
}

# ------------------------------------------------------------------ floor
FLOOR_TSV=$(mktemp /tmp/verify-bench-floor.XXXXXX)
trap 'rm -f "$FLOOR_TSV"' EXIT
if [[ -n $FLOOR_IN ]]; then
	# a cryptofloor TSV, or a raw/latest TSV whose "# floor" lines hold one
	sed 's/^# floor\t//' "$FLOOR_IN" | grep -v '^#' > "$FLOOR_TSV" || die "cannot read $FLOOR_IN"
else
	build_cryptofloor
	log "measuring the crypto floor (~40 s, $NCPU threads)"
	"$CF" -s 2 -t "$NCPU" > "$FLOOR_TSV" || die "cryptofloor failed"
fi
# floor ALG -> "verifies_per_s library" of the fastest all-core row
floor_of() {
	awk -F'\t' -v a="$1" 'NR > 1 && $1 == a { if ($3 > maxt) { maxt = $3; best = 0 }
		if ($3 == maxt && $4 > best) { best = $4; lib = $2 "x" $3 } }
		END { if (best > 0) print best, lib }' "$FLOOR_TSV"
}

# ------------------------------------------------------------------ run
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS" "$ZDIR/logs"
UPDATE_LATEST=1; [[ -n $OUT ]] && UPDATE_LATEST=0
OUT=${OUT:-$RESULTS/raw-$STAMP.tsv}
{
	echo "# verify-bench $STAMP on $(hostname), $(uname -sr)"
	echo "# cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $NCPU online cpus, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: other jobs were running)"
	echo "# dnsvigil: ${DNSVIGIL:-n/a} $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?') args: verify --now $NOW --threads $NCPU ${DNSVIGIL_ARGS:-}"
	echo "# peers: $(ldns-verify-zone -v 2>&1 | head -1); $(dnssec-verify -V 2>&1 | head -1); $(kzonecheck -V 2>&1 | head -1); $(kzonesign -V 2>&1 | head -1); validns $(dpkg-query -W -f '${Version}' validns 2>/dev/null)"
	sed 's/^/# floor\t/' "$FLOOR_TSV"
	printf 'zone\ttool\trun\twall_s\tuser_s\tsys_s\tmaxrss_kib\texit\trrsigs\tzone_bytes\tfloor_vps\tfloor_s\tfloor_lib\n'
} > "$OUT"

build_parsefloor
for z in "${names[@]}"; do
	zf="$ZDIR/$z.zone"
	[[ -s $zf && -f $ZDIR/$z.meta ]] || { log "skip $z: no $zf or .meta"; continue; }
	origin=$(meta "$z" origin); alg=$(meta "$z" alg)
	sigs=$(meta "$z" rrsig); bytes=$(stat -c %s "$zf")
	read -r fvps flib < <(floor_of "$alg")
	[[ -n ${fvps:-} ]] || { fvps=0; flib=none; }
	fs=$(awk -v s="$sigs" -v r="$fvps" 'BEGIN { printf "%.3f", (r > 0 ? s / r : 0) }')
	# The parse floor: libzscanner alone on this file, 1 thread (CPU-s).
	if read -r pcpu _ < <("$PF" "$origin" "$zf"); then
		printf '# parse\t%s\t%s\t%s\n' "$z" "$pcpu" "$NCPU" >> "$OUT"
	fi
	for t in $TOOLS; do
		[[ $t == validns && $z != *-a8-* ]] && continue # validns 0.8: RSA/DSA only
		for r in $(seq 1 "$RUNS"); do
			tf=$(mktemp /tmp/verify-bench-time.XXXXXX)
			lf="$ZDIR/logs/$z.$t.$r.log"
			log "$z: $t run $r"
			if [[ $t == dnsvigil ]]; then
				/usr/bin/time -f '%e %U %S %M %x' -o "$tf" \
					timeout "$TMO" "$DNSVIGIL" verify --now "$NOW" --threads "$NCPU" \
					${DNSVIGIL_ARGS:-} "$zf" > "$lf" 2>&1
			else
				VERIFY_THREADS=$NCPU /usr/bin/time -f '%e %U %S %M %x' -o "$tf" \
					timeout "$TMO" bash -c '. "$0"; run_verifier "$@"' \
					"$SHARED/verifiers.sh" "$t" "$zf" "$origin" > "$lf" 2>&1
			fi
			read -r wall user sys rss rc < <(tail -1 "$tf"); rm -f "$tf"
			[[ ${rc:-x} =~ ^[0-9]+$ ]] || rc=255
			[[ $rc == 0 ]] || log "$z: $t exited $rc (log: $lf)"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$z" "$t" "$r" \
				"${wall:-0}" "${user:-0}" "${sys:-0}" "${rss:-0}" "$rc" "$sigs" "$bytes" \
				"$fvps" "$fs" "$flib" >> "$OUT"
		done
	done
done

# latest.tsv: the committed figures (replace, or -a: append rows of this run)
if [[ $UPDATE_LATEST == 0 ]]; then
	log "raw TSV: $OUT"
elif [[ $APPEND == 1 && -f $RESULTS/latest.tsv ]]; then
	# "# floor" lines stay as they are: the report takes the fastest of all blocks
	{ grep '^#' "$OUT" | sed '/^# \(floor\|parse\)\t/!s/^# /# (appended) /'; grep -v '^#' "$OUT" | tail -n +2; } >> "$RESULTS/latest.tsv"
else
	cp "$OUT" "$RESULTS/latest.tsv"
fi
[[ $UPDATE_LATEST == 1 ]] && log "raw TSV: $OUT (also in bench/results/latest.tsv)"
report "$OUT"
