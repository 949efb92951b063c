#!/usr/bin/env bash
# tests/func/test_audit.sh - dnsvigil audit against the lab's resolver
# addresses (tests/lab): four validating resolvers, one non-validating, one
# with a wrong trust anchor, a permissive one, one that validates only for
# questions with DO, one dead address; and against what is no resolver or no
# canary.  Then --save/--from (a resolver snapshot, judged again byte for
# byte) and hostile snapshots under memory and time ceilings.  Needs the lab
# up with the canary served (tests/lab/start.sh runs 'dnsvigil canary').
. "$(dirname "$0")/lib.sh"

LAB_DIR=${LAB_DIR:-${LAB:-/tmp/dnsvigil-lab}}
if [ ! -f "$LAB_DIR/lab.env" ]; then
	not_ok "lab is running" "no $LAB_DIR/lab.env: run tests/lab/start.sh first"
	exit 0
fi
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
if [ "${LAB_CANARY:-0}" != 1 ]; then
	not_ok "lab serves the canary" "LAB_CANARY=${LAB_CANARY:-}: start the lab with a dnsvigil that has 'canary'"
	exit 0
fi
ok "lab serves the canary"
CAN=${LAB_CANARY_ZONE:-canary.lab.}
ALL="$LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS $LAB_RES_NOVALIDATE $LAB_RES_WRONG_TA $LAB_RES_DEAD $LAB_RES_PERMISSIVE $LAB_RES_DO_ONLY"

# field JSON ADDRESS KEY[.KEY] - one resolver's field of a --format json report
field() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["resolvers"]:
    if r["address"] == sys.argv[2]:
        v = r
        for k in sys.argv[3].split("."):
            v = v[k]
        print(" ".join(v) if isinstance(v, list) else ("null" if v is None else v))
' "$@"
}

# shellcheck disable=SC2086
"$DNSVIGIL" audit --canary "$CAN" --format json --timeout 2000 $ALL > "$WORK/audit.json" 2> "$WORK/audit.err"
t_eq "audit exits 2 (bogus data accepted somewhere)" "$?" 2
t_cmd "audit JSON parses" 0 python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/audit.json"

# Measured limits (../shared/notes/lab-recipes.md A3): Knot Resolver 5.6 50, the others 150.
for pair in "unbound $LAB_RES_UNBOUND 150" "bind $LAB_RES_BIND 150" "kresd $LAB_RES_KRESD 50" "pdns $LAB_RES_PDNS 150"; do
	set -- $pair
	t_eq "$1 is validating" "$(field "$WORK/audit.json" "$2" verdict)" validating
	t_eq "$1 NSEC3 iteration limit $3" "$(field "$WORK/audit.json" "$2" nsec3_iteration_limit)" "$3"
	t_eq "$1 accepts no bogus mode" "$(field "$WORK/audit.json" "$2" accepted_bogus)" ""
done
bogus=$(awk -F'\t' '$4 == "bogus" { printf "%s%s", s, $1; s = " " }' "$LAB_CANARY_DIR/modes.tsv")
t_cmd "modes.tsv lists bogus modes" 0 test -n "$bogus"
t_eq "non-validating resolver judged not-validating" "$(field "$WORK/audit.json" "$LAB_RES_NOVALIDATE" verdict)" not-validating
t_eq "non-validating resolver: every bogus mode listed" "$(field "$WORK/audit.json" "$LAB_RES_NOVALIDATE" accepted_bogus)" "$bogus"
t_eq "dead address unreachable" "$(field "$WORK/audit.json" "$LAB_RES_DEAD" verdict)" unreachable
t_eq "wrong trust anchor reported" "$(field "$WORK/audit.json" "$LAB_RES_WRONG_TA" verdict)" trust-anchor-broken
# issue 9 §3: the validating four reject bogus data for ordinary stubs too
for r in $LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS; do
	t_eq "$r rejects every bogus mode without DO too" "$(field "$WORK/audit.json" "$r" accepted_bogus_without_do)" ""
	t_eq "$r: canary fresh" "$(field "$WORK/audit.json" "$r" canary.state)" fresh
done
# Unbound val-permissive-mode: AD on secure data, yet bogus data handed out
t_eq "permissive Unbound judged permissive" "$(field "$WORK/audit.json" "$LAB_RES_PERMISSIVE" verdict)" permissive
t_eq "... every bogus mode listed" "$(field "$WORK/audit.json" "$LAB_RES_PERMISSIVE" accepted_bogus)" "$bogus"
# PowerDNS Recursor dnssec=process: validates only questions with DO
t_eq "DO-only PowerDNS judged validates-do-only" "$(field "$WORK/audit.json" "$LAB_RES_DO_ONLY" verdict)" validates-do-only
t_eq "... rejects every bogus mode with DO" "$(field "$WORK/audit.json" "$LAB_RES_DO_ONLY" accepted_bogus)" ""
t_eq "... accepts every one without DO" "$(field "$WORK/audit.json" "$LAB_RES_DO_ONLY" accepted_bogus_without_do)" "$bogus"
t_eq "the non-validating one: also without DO" "$(field "$WORK/audit.json" "$LAB_RES_NOVALIDATE" accepted_bogus_without_do)" "$bogus"

# EDE, evidence only: Knot Resolver sends it, BIND 9.18 sends none (lab-recipes A3, finding 1)
t_eq "kresd sends EDE" "$(field "$WORK/audit.json" "$LAB_RES_KRESD" sends_ede)" True
t_eq "BIND 9.18 sends no EDE" "$(field "$WORK/audit.json" "$LAB_RES_BIND" sends_ede)" False
python3 - "$WORK/audit.json" "$LAB_RES_KRESD" > "$WORK/ede.txt" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["resolvers"] if r["address"] == sys.argv[2]][0]
for m in r["modes"]:
    print(m["mode"], ",".join(str(e["code"]) for e in m["answer"].get("ede", [])),
          m.get("cd_answer", {}).get("rcode", "-"))
PY
t_grep "kresd: expired signature gives EDE 7" '^rrsig-exp-all 7 NOERROR$' "$WORK/ede.txt"
t_grep "kresd: missing RRSIG gives EDE 10 (CD retry answers)" '^rrsig-none-a 10 NOERROR$' "$WORK/ede.txt"

python3 - "$WORK/audit.json" > "$WORK/findings.txt" << 'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["resolvers"]:
    for f in r["findings"]:
        print(r["address"], f["code"])
PY
t_grep "finding RESOLVER_NOT_VALIDATING" "^$LAB_RES_NOVALIDATE RESOLVER_NOT_VALIDATING\$" "$WORK/findings.txt"
t_grep "finding RESOLVER_UNREACHABLE" "^$LAB_RES_DEAD RESOLVER_UNREACHABLE\$" "$WORK/findings.txt"
t_grep "finding RESOLVER_TRUST_ANCHOR_BROKEN" "^$LAB_RES_WRONG_TA RESOLVER_TRUST_ANCHOR_BROKEN\$" "$WORK/findings.txt"
t_grep "finding RESOLVER_NO_EDE for BIND" "^$LAB_RES_BIND RESOLVER_NO_EDE\$" "$WORK/findings.txt"
t_nogrep "no error finding for a validating resolver" "^($LAB_RES_UNBOUND|$LAB_RES_KRESD|$LAB_RES_PDNS) (RESOLVER_(NOT|PARTIAL|UNREACH|TRUST|PERM|VALID)|CANARY)" "$WORK/findings.txt"
t_grep "finding RESOLVER_PERMISSIVE" "^$LAB_RES_PERMISSIVE RESOLVER_PERMISSIVE\$" "$WORK/findings.txt"
t_nogrep "... and not RESOLVER_NOT_VALIDATING" "^$LAB_RES_PERMISSIVE RESOLVER_NOT_VALIDATING" "$WORK/findings.txt"
t_grep "finding RESOLVER_VALIDATES_ONLY_WITH_DO" "^$LAB_RES_DO_ONLY RESOLVER_VALIDATES_ONLY_WITH_DO\$" "$WORK/findings.txt"
t_nogrep "RESOLVER_VALIDATES_ONLY_WITH_DO only there" "^($LAB_RES_UNBOUND|$LAB_RES_BIND|$LAB_RES_KRESD|$LAB_RES_PDNS|$LAB_RES_NOVALIDATE) RESOLVER_VALIDATES_ONLY" "$WORK/findings.txt"
t_nogrep "RESOLVER_PERMISSIVE only there" "^($LAB_RES_UNBOUND|$LAB_RES_BIND|$LAB_RES_KRESD|$LAB_RES_PDNS|$LAB_RES_NOVALIDATE|$LAB_RES_DO_ONLY) RESOLVER_PERMISSIVE" "$WORK/findings.txt"

# ---- text matrix
# shellcheck disable=SC2086
"$DNSVIGIL" audit --canary "$CAN" $ALL > "$WORK/audit.txt" 2>&1
t_grep "text: one column per resolver" "^mode +expect +$LAB_RES_UNBOUND +$LAB_RES_BIND " "$WORK/audit.txt"
t_grep "text: valid row, AD from Unbound" '^valid +secure +NOERR\+AD ' "$WORK/audit.txt"
t_grep "text: bogus accepted is marked" '^rrsig-bad-a +bogus +SERVF.* !NOERR ' "$WORK/audit.txt"
t_grep "text: verdict line for kresd" "^$LAB_RES_KRESD +validating +nsec3-limit 50 +ede yes" "$WORK/audit.txt"
t_grep "text: the DO-only resolver's answer without DO shown" '^rrsig-bad-a +bogus .* !SERVF E6/NOERR ' "$WORK/audit.txt"
t_grep "text: its verdict line" "^$LAB_RES_DO_ONLY +validates-do-only " "$WORK/audit.txt"

"$DNSVIGIL" audit --canary "$CAN" --verbose "$LAB_RES_KRESD" > "$WORK/verbose.txt" 2>&1
t_grep "verbose: kresd's EDE code and extra text per mode" '^  ede rrsig-exp-all +7 [A-Z0-9]{4}' "$WORK/verbose.txt"

# ---- Nagios
t_cmd "nagios: CRITICAL with the non-validating resolver" 2 "$DNSVIGIL" audit --canary "$CAN" --nagios "$LAB_RES_UNBOUND" "$LAB_RES_NOVALIDATE"
t_grep "nagios: status line" "^DNSVIGIL AUDIT CRITICAL - 1 of 2 resolvers validating; $LAB_RES_NOVALIDATE not-validating \|" "$WORK/last.out"
t_cmd "nagios: CRITICAL for the permissive and the DO-only resolver" 2 "$DNSVIGIL" audit --canary "$CAN" --nagios "$LAB_RES_PERMISSIVE" "$LAB_RES_DO_ONLY"
t_grep "nagios: ... both named" "^DNSVIGIL AUDIT CRITICAL - 0 of 2 resolvers validating; $LAB_RES_PERMISSIVE permissive; $LAB_RES_DO_ONLY validates-do-only \|.* permissive=1 do_only=1 " "$WORK/last.out"
t_cmd "nagios: OK with the four validating resolvers" 0 "$DNSVIGIL" audit --canary "$CAN" --nagios "$LAB_RES_UNBOUND" "$LAB_RES_BIND" "$LAB_RES_KRESD" "$LAB_RES_PDNS"
t_grep "nagios: OK line" '^DNSVIGIL AUDIT OK - 4 of 4 resolvers validating \|' "$WORK/last.out"
t_cmd "nagios: UNKNOWN when the audit cannot run" 3 "$DNSVIGIL" audit --canary "$CAN" --nagios not-an-address
t_cmd "nagios: CRITICAL for a dead address" 2 "$DNSVIGIL" audit --canary "$CAN" --nagios --timeout 500 "$LAB_RES_DEAD"
t_cmd "audit exits 0 when every resolver validates" 0 "$DNSVIGIL" audit --canary "$CAN" "$LAB_RES_UNBOUND" "$LAB_RES_KRESD" "$LAB_RES_PDNS"
t_cmd "audit without addresses is refused" 3 "$DNSVIGIL" audit --canary "$CAN"

# ---- --save / --from: the raw answers judge the same; an edited answer changes it
t_cmd "audit --save" 2 "$DNSVIGIL" audit --canary "$CAN" --format json --save "$WORK/saved.json" \
	"$LAB_RES_UNBOUND" "$LAB_RES_NOVALIDATE"
cp "$WORK/last.out" "$WORK/printed.json"
t_grep "the save is a resolver snapshot" '"dnsvigil_resolver_snapshot": 1' "$WORK/saved.json"
t_grep "... holding raw answers" '"wire": "[A-Za-z0-9+/]{20,}' "$WORK/saved.json"
t_cmd "audit --from judges again" 2 "$DNSVIGIL" audit --from "$WORK/saved.json" --format json
cp "$WORK/last.out" "$WORK/again.json"
t_cmd "same answers, same JSON report" 0 cmp "$WORK/again.json" "$WORK/printed.json"
for f in text nagios; do
	if [ $f = nagios ]; then opt=--nagios; else opt="--format text"; fi
	# shellcheck disable=SC2086
	"$DNSVIGIL" audit --from "$WORK/saved.json" $opt > "$WORK/from.$f" 2>&1
	# shellcheck disable=SC2086
	"$DNSVIGIL" audit --from "$WORK/saved.json" $opt > "$WORK/from2.$f" 2>&1
	t_grep "--from $f report names both resolvers" "$LAB_RES_NOVALIDATE" "$WORK/from.$f"
	t_cmd "--from $f report is the same twice" 0 cmp "$WORK/from.$f" "$WORK/from2.$f"
done
"$DNSVIGIL" audit --canary "$CAN" --nagios --save "$WORK/saved2.json" "$LAB_RES_UNBOUND" > "$WORK/live.nagios" 2>&1
"$DNSVIGIL" audit --from "$WORK/saved2.json" --nagios > "$WORK/again.nagios" 2>&1
t_cmd "live and --from Nagios output identical" 0 cmp "$WORK/live.nagios" "$WORK/again.nagios"
# Edit one raw answer: Unbound's SERVFAIL for rrsig-exp-a (asked with DO) becomes NOERROR.
python3 - "$WORK/saved.json" "$LAB_RES_UNBOUND" > "$WORK/edited.json" << 'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
r = [i for i, x in enumerate(d["resolvers"]) if x["address"] == sys.argv[2]][0]
for q in d["queries"]:
    if q["resolver"] == r and q["qname"].startswith("rrsig-exp-a.") and q["flags"] == ["DO", "RD"]:
        w = bytearray(base64.b64decode(q["wire"]))
        w[3] &= 0xF0  # RCODE NOERROR
        q["wire"] = base64.b64encode(bytes(w)).decode()
json.dump(d, sys.stdout)
PY
"$DNSVIGIL" audit --from "$WORK/edited.json" --format json > "$WORK/edited.out"
t_eq "an accepted bogus answer makes Unbound partial" "$(field "$WORK/edited.out" "$LAB_RES_UNBOUND" verdict)" partial
t_eq "... listing that mode" "$(field "$WORK/edited.out" "$LAB_RES_UNBOUND" accepted_bogus)" rrsig-exp-a
t_cmd "--from a file that is no snapshot: UNKNOWN" 3 "$DNSVIGIL" audit --nagios --from "$WORK/findings.txt"
t_cmd "--from an audit report (no raw answers): refused" 3 "$DNSVIGIL" audit --from "$WORK/printed.json"
t_grep "... saying what it is" 'an audit report \(--format json\): it holds no raw answers' "$WORK/last.err"
t_cmd "--from with an ADDRESS: refused" 3 "$DNSVIGIL" audit --from "$WORK/saved.json" "$LAB_RES_UNBOUND"
t_cmd "--from a missing file: UNKNOWN" 3 "$DNSVIGIL" audit --nagios --from "$WORK/nonexistent.json"
t_grep "... naming the file and the reason" "nonexistent.json: No such file or directory" "$WORK/last.out"
t_cmd "--save into a missing directory: exit 3" 3 "$DNSVIGIL" audit --canary "$CAN" \
	--save "$WORK/no/such/dir/s.json" "$LAB_RES_UNBOUND"
t_grep "... the report is still printed" "^$LAB_RES_UNBOUND +validating" "$WORK/last.out"
t_grep "... and the failure said" "s.json.*No such file or directory" "$WORK/last.err"

# ---- issue 9 §3: never accuse a resolver that could not be judged
# A canary that does not exist: the validating Unbound answers NXDOMAIN+AD to
# every name; that is no evidence against it.
t_cmd "wrong canary: UNKNOWN, not CRITICAL" 3 "$DNSVIGIL" audit --canary canary.example. --nagios "$LAB_RES_UNBOUND"
t_grep "... with the reason on the status line" "^DNSVIGIL AUDIT UNKNOWN - 0 of 1 resolvers validating; $LAB_RES_UNBOUND indeterminate \(canary not found: NXDOMAIN for valid\.canary\.example\.\) \|" "$WORK/last.out"
t_cmd "wrong canary: exit 3 without --nagios too" 3 "$DNSVIGIL" audit --canary canary.example. --format json "$LAB_RES_UNBOUND"
cp "$WORK/last.out" "$WORK/wrong.json"
t_eq "... verdict indeterminate" "$(field "$WORK/wrong.json" "$LAB_RES_UNBOUND" verdict)" indeterminate
t_eq "... canary state not-found" "$(field "$WORK/wrong.json" "$LAB_RES_UNBOUND" canary.state)" not-found
t_nogrep "... no RESOLVER_NOT_VALIDATING" "RESOLVER_NOT_VALIDATING" "$WORK/wrong.json"
t_grep "... CANARY_NOT_FOUND" '"code": "CANARY_NOT_FOUND"' "$WORK/wrong.json"
t_grep "... status unknown" '^  "status": "unknown"' "$WORK/wrong.json"

# Not a resolver: the root's NSD (referrals) and the canary's NSD
# (authoritative answers), both with RA clear.
t_cmd "authoritative servers: CRITICAL" 2 "$DNSVIGIL" audit --canary "$CAN" --format json "$LAB_ROOT_SERVER" "$LAB_CANARY_SERVER"
cp "$WORK/last.out" "$WORK/auth.json"
for a in "$LAB_ROOT_SERVER" "$LAB_CANARY_SERVER"; do
	t_eq "$a is not a resolver" "$(field "$WORK/auth.json" "$a" verdict)" not-a-resolver
done
t_grep "... RESOLVER_NOT_RECURSIVE naming the referral" '"detail": "recursion not available \(RA clear\) in all [0-9]+ answers; valid\.canary\.lab\.: a referral"' "$WORK/auth.json"
t_grep "... and the authoritative answer" 'valid\.canary\.lab\.: an authoritative answer, NOERROR"' "$WORK/auth.json"
t_nogrep "... never RESOLVER_NOT_VALIDATING" "RESOLVER_NOT_VALIDATING" "$WORK/auth.json"

# A stale canary: judged days later (--now), the same real answers no longer
# test what they claim.  The lab wrote the canary at LAB_STARTED_AT: its sound
# signatures run 30 days, rrsig-notyet's start 3 days on.
"$DNSVIGIL" audit --canary "$CAN" --save "$WORK/fresh.json" --format json "$LAB_RES_UNBOUND" > "$WORK/fresh.out"
exp=$(field "$WORK/fresh.out" "$LAB_RES_UNBOUND" canary.expires)
t_eq "the canary's signatures end 30 days after it was written" "$exp" $((LAB_STARTED_AT + 30 * 86400))
t_eq "rrsig-notyet's start 3 days after" "$(field "$WORK/fresh.out" "$LAB_RES_UNBOUND" canary.notyet_valid_from)" $((LAB_STARTED_AT + 3 * 86400))
for when in "$((exp - 3600)) within a day" "$((exp + 86400)) expired at" "$((LAB_STARTED_AT + 2 * 86400 + 43200)) rrsig-notyet"; do
	set -- $when
	t_cmd "canary judged at @$1: UNKNOWN" 3 "$DNSVIGIL" audit --from "$WORK/fresh.json" --now "@$1" --nagios
	t_grep "... canary expired, re-run dnsvigil canary ($2)" "^DNSVIGIL AUDIT UNKNOWN - 0 of 1 resolvers validating; $LAB_RES_UNBOUND indeterminate \(canary expired — re-run \`dnsvigil canary\`: .*$2" "$WORK/last.out"
	t_grep "... CANARY_EXPIRED" "^$LAB_RES_UNBOUND CANARY_EXPIRED: " "$WORK/last.out"
done
t_cmd "a non-validating resolver on a stale canary: not accused" 3 "$DNSVIGIL" audit --canary "$CAN" --nagios --now "@$((exp + 86400))" "$LAB_RES_NOVALIDATE"
t_cmd "the same resolver, canary fresh: CRITICAL" 2 "$DNSVIGIL" audit --canary "$CAN" --nagios --now "@$((LAB_STARTED_AT + 3600))" "$LAB_RES_NOVALIDATE"

# ---- issue 10 §11, §15: hostile snapshots, under memory and time ceilings
# bounded MB SECS CMD... - run CMD with at most MB of memory and SECS seconds
# (an ASan build reserves terabytes of address space: there the limit is on
# the resident set, checked by the sanitizer itself)
bounded() {
	local mb=$1 secs=$2
	shift 2
	if grep -qa __asan_init "${DNSVIGIL_BIN:-$DNSVIGIL}"; then
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:hard_rss_limit_mb=$mb" timeout "$secs" "$@"
	else
		timeout "$secs" prlimit --as=$((mb * 1024 * 1024)) "$@"
	fi
}
# 60 MB of empty arrays (20 million values; 4.7 GB once parsed into a tree).
python3 -c 'import sys; sys.stdout.write("[" + "[],"*20000000 + "[]]")' > "$WORK/arrays.json"
t_cmd "60 MB of [[],[],...]: refused (384 MB, 20 s)" 3 bounded 384 20 "$DNSVIGIL" audit --from "$WORK/arrays.json"
t_grep "... by counting its values" "arrays.json: more than [0-9]+ JSON values" "$WORK/last.err"
# A file of 120 MB: refused by its size, before anything is read.
cat "$WORK/arrays.json" "$WORK/arrays.json" > "$WORK/huge.json"
t_cmd "120 MB snapshot: refused by its size (256 MB, 10 s)" 3 bounded 256 10 "$DNSVIGIL" audit --from "$WORK/huge.json"
t_grep "... saying so" "huge.json: $(stat -c %s "$WORK/huge.json") bytes, larger than the 67108864 a resolver snapshot may have" "$WORK/last.err"
rm -f "$WORK/huge.json" "$WORK/arrays.json"

# Bad types are refused, not coerced; control characters never reach the terminal.
# snap_edit SRC DST PYTHON - apply a python statement to the snapshot d
snap_edit() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
q = d["queries"][0]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))' "$@"
}
snap_edit "$WORK/saved.json" "$WORK/bad1.json" 'q["tcp"] = "true"'
t_cmd '"tcp": "true" refused' 3 bounded 256 10 "$DNSVIGIL" audit --from "$WORK/bad1.json"
t_grep '... naming the member' 'bad1.json: queries\[0\]: "tcp" must be true or false' "$WORK/last.err"
snap_edit "$WORK/saved.json" "$WORK/bad2.json" 'q["rtt_ms"] = -1'
t_cmd '"rtt_ms": -1 refused' 3 bounded 256 10 "$DNSVIGIL" audit --from "$WORK/bad2.json"
t_grep '... naming the range' 'queries\[0\]: "rtt_ms" is -1, outside 0\.\.65535' "$WORK/last.err"
snap_edit "$WORK/saved.json" "$WORK/bad3.json" 'd["probe_ms"] = -1'
t_cmd '"probe_ms": -1 refused' 3 bounded 256 10 "$DNSVIGIL" audit --from "$WORK/bad3.json"
snap_edit "$WORK/saved.json" "$WORK/bad4.json" 'd["queries"] = {"q": q}'
t_cmd 'a non-list "queries" refused' 3 bounded 256 10 "$DNSVIGIL" audit --from "$WORK/bad4.json"
t_grep '... saying what it must be' '"queries" must be an array' "$WORK/last.err"
snap_edit "$WORK/saved.json" "$WORK/bad5.json" 'd["resolvers"][0]["address"] += "\n| DNSVIGIL AUDIT OK - forged"'
t_cmd 'an address with a forged second line: refused' 3 bounded 256 10 "$DNSVIGIL" audit --nagios --from "$WORK/bad5.json"
t_eq '... one line of output, no forged one' "$(wc -l < "$WORK/last.out")" 1
t_grep '... saying why' '^DNSVIGIL AUDIT UNKNOWN - .*bad5.json: resolvers\[0\]: "address" is not an IP address$' "$WORK/last.out"
snap_edit "$WORK/saved.json" "$WORK/esc.json" 'd["canary"] = "\x1b]0;owned\x07canary.lab."'
for f in text json nagios; do
	if [ $f = nagios ]; then opt=--nagios; else opt="--format $f"; fi
	# shellcheck disable=SC2086
	bounded 256 10 "$DNSVIGIL" audit --from "$WORK/esc.json" $opt > "$WORK/esc.$f" 2>&1
	t_cmd "$f: no control character from the snapshot on the terminal" 1 grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$WORK/esc.$f"
done
t_grep "text: the canary name shown escaped" '^canary \\027\\\]0\\;owned\\007canary\.lab\.: ' "$WORK/esc.text"

# ---- a full audit of one resolver (all modes) reports its own duration; how
# fast it is is measured by bench/audit-bench.sh, never asserted here
"$DNSVIGIL" audit --canary "$CAN" --format json "$LAB_RES_UNBOUND" > "$WORK/one.json"
t_eq "one resolver, all modes: clean" "$?" 0
ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_ms"])' "$WORK/one.json")
echo "# full audit of one resolver: $ms ms"
t_grep "... its elapsed_ms reported ($ms)" '^[0-9]+$' <(echo "$ms")
exit 0
