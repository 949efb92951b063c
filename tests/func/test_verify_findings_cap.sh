#!/usr/bin/env bash
# tests/func/test_verify_findings_cap.sh - a zone with very many findings, verified
# under a memory limit: the findings of a code are kept up to their ceiling
# and the rest counted, so the report comes out whole (text and JSON), with
# the dropped counts, instead of memory growing with the input until only
# "out of memory" is printed (issue 8 §4, issue 10 §10).
#
# The limit: `prlimit --as` for a plain build; an AddressSanitizer build
# reserves terabytes of address space, so there the sanitizer's own RSS
# ceiling (hard_rss_limit_mb) aborts the run instead.
. "$(dirname "$0")/lib.sh"

N=200000     # names, each with an unsigned A RRset: one RRSIG_MISSING each
LIMIT_MB=320 # the healthy-size run needs ~50 MB (~110 MB with ASan)
ZONE=$WORK/many.zone
{
	echo '$ORIGIN many.example.'
	echo '$TTL 300'
	echo '@ SOA ns.many.example. hostmaster.many.example. 1 7200 3600 1209600 300'
	echo '@ NS ns'
	echo '@ DNSKEY 257 3 13 ( GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb'
	echo '                    krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== )'
	echo 'ns A 192.0.2.1'
	echo "\$GENERATE 1-$N h\$ A 192.0.2.1"
} > "$ZONE"
MISSING=$((N + 4)) # the h names, ns, and the apex SOA, NS, DNSKEY

limited() { # limited CMD... - run CMD under the memory limit
	if grep -q __asan_init "${DNSVIGIL_BIN:-$DNSVIGIL}" 2>/dev/null; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$LIMIT_MB" "$@"
	else
		prlimit --as=$((LIMIT_MB * 1024 * 1024)) "$@"
	fi
}

for fmt in json text; do
	limited timeout 120 "$DNSVIGIL" verify -q --now 20300101000000 --format $fmt "$ZONE" \
		> "$WORK/out.$fmt" 2> "$WORK/err.$fmt"
	rc=$?
	t_eq "$fmt: exit 2 (errors found) within $LIMIT_MB MB" "$rc" 2
	t_nogrep "$fmt: no out-of-memory message" 'out of memory|Killed|rss' "$WORK/err.$fmt"
done

# JSON: complete, 1,000 kept of the code, the rest counted, the totals right.
summary=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
kept = sum(1 for f in d["findings"] if f["code"] == "RRSIG_MISSING")
print(d["status"], d["summary"]["errors"], kept,
      d.get("findings_dropped", {}).get("RRSIG_MISSING", 0),
      sum(1 for f in d["findings"] if f["code"] == "DENIAL_MISSING"),
      d["findings"][0]["owner"])
' "$WORK/out.json" 2> "$WORK/py.err")
t_eq "JSON report complete: status, errors, kept, dropped, other codes, first owner" \
	"$summary" "error $((MISSING + 1)) 1000 $((MISSING - 1000)) 1 many.example."

# Text: the heading counts every finding; the line below says what was not kept.
t_grep "text heading counts all $MISSING" "^error RRSIG_MISSING \\($MISSING\\):" "$WORK/out.text"
t_grep "text says how many were counted, not kept" \
	"\\.\\.\\. and $((MISSING - 20)) more \\(--format json lists 980; $((MISSING - 1000)) counted, not kept\\)" \
	"$WORK/out.text"
t_grep "text summary counts all" "findings +$((MISSING + 1)) errors" "$WORK/out.text"
t_grep "text report ends with the status" '^status: error$' "$WORK/out.text"

# Below the ceiling nothing is dropped: no findings_dropped member at all.
head -n 7 "$ZONE" > "$WORK/few.zone"
echo "\$GENERATE 1-500 h\$ A 192.0.2.1" >> "$WORK/few.zone"
"$DNSVIGIL" verify -q --now 20300101000000 --format json "$WORK/few.zone" > "$WORK/few.json"
t_nogrep "few findings: no findings_dropped" 'findings_dropped' "$WORK/few.json"
t_grep "few findings: all 504 listed" '"errors": 505' "$WORK/few.json"
