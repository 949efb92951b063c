#!/usr/bin/env bash
# tests/func/test_audit.sh - dnsvigil audit against the lab's six resolver
# addresses (tests/lab): four validating resolvers, one non-validating, one
# with a wrong trust anchor, one dead address.  Needs the lab up with the
# canary served (tests/lab/start.sh runs 'dnsvigil canary').
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
ALL="$LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS $LAB_RES_NOVALIDATE $LAB_RES_WRONG_TA $LAB_RES_DEAD"

# field JSON ADDRESS KEY - one resolver's field of a --format json report
field() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["resolvers"]:
    if r["address"] == sys.argv[2]:
        v = r[sys.argv[3]]
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
t_nogrep "no error finding for a validating resolver" "^($LAB_RES_UNBOUND|$LAB_RES_KRESD|$LAB_RES_PDNS) RESOLVER_(NOT|PARTIAL|UNREACH|TRUST)" "$WORK/findings.txt"

# ---- text matrix
# shellcheck disable=SC2086
"$DNSVIGIL" audit --canary "$CAN" $ALL > "$WORK/audit.txt" 2>&1
t_grep "text: one column per resolver" "^mode +expect +$LAB_RES_UNBOUND +$LAB_RES_BIND " "$WORK/audit.txt"
t_grep "text: valid row, AD from Unbound" '^valid +secure +NOERR\+AD ' "$WORK/audit.txt"
t_grep "text: bogus accepted is marked" '^rrsig-bad-a +bogus +SERVF.* !NOERR ' "$WORK/audit.txt"
t_grep "text: verdict line for kresd" "^$LAB_RES_KRESD +validating +nsec3-limit 50 +ede yes" "$WORK/audit.txt"

"$DNSVIGIL" audit --canary "$CAN" --verbose "$LAB_RES_KRESD" > "$WORK/verbose.txt" 2>&1
t_grep "verbose: kresd's EDE code and extra text per mode" '^  ede rrsig-exp-all +7 [A-Z0-9]{4}' "$WORK/verbose.txt"

# ---- Nagios
t_cmd "nagios: CRITICAL with the non-validating resolver" 2 "$DNSVIGIL" audit --canary "$CAN" --nagios "$LAB_RES_UNBOUND" "$LAB_RES_NOVALIDATE"
t_grep "nagios: status line" "^DNSVIGIL AUDIT CRITICAL - 1 of 2 resolvers validating; $LAB_RES_NOVALIDATE not-validating \|" "$WORK/last.out"
t_cmd "nagios: OK with the four validating resolvers" 0 "$DNSVIGIL" audit --canary "$CAN" --nagios "$LAB_RES_UNBOUND" "$LAB_RES_BIND" "$LAB_RES_KRESD" "$LAB_RES_PDNS"
t_grep "nagios: OK line" '^DNSVIGIL AUDIT OK - 4 of 4 resolvers validating \|' "$WORK/last.out"
t_cmd "nagios: UNKNOWN when the audit cannot run" 3 "$DNSVIGIL" audit --canary "$CAN" --nagios not-an-address
t_cmd "nagios: CRITICAL for a dead address" 2 "$DNSVIGIL" audit --canary "$CAN" --nagios --timeout 500 "$LAB_RES_DEAD"
t_cmd "audit exits 0 when every resolver validates" 0 "$DNSVIGIL" audit --canary "$CAN" "$LAB_RES_UNBOUND" "$LAB_RES_KRESD" "$LAB_RES_PDNS"
t_cmd "audit without addresses is refused" 2 "$DNSVIGIL" audit --canary "$CAN"

# ---- --save / --from: the saved answers judge the same; an edited answer changes it
t_cmd "audit --save" 2 "$DNSVIGIL" audit --canary "$CAN" --format json --save "$WORK/saved.json" \
	"$LAB_RES_UNBOUND" "$LAB_RES_NOVALIDATE"
cp "$WORK/last.out" "$WORK/printed.json"
t_cmd "saved report equals the printed one" 0 cmp "$WORK/printed.json" "$WORK/saved.json"
t_cmd "audit --from judges again" 2 "$DNSVIGIL" audit --from "$WORK/saved.json" --format json
cp "$WORK/last.out" "$WORK/again.json"
t_cmd "same answers, same report" 0 cmp "$WORK/again.json" "$WORK/saved.json"
python3 - "$WORK/saved.json" "$LAB_RES_UNBOUND" > "$WORK/edited.json" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["resolvers"]:
    if r["address"] == sys.argv[2]:
        for m in r["modes"]:
            if m["mode"] == "rrsig-exp-a":
                m["answer"]["rcode"] = "NOERROR"
json.dump(d, sys.stdout)
PY
"$DNSVIGIL" audit --from "$WORK/edited.json" --format json > "$WORK/edited.out"
t_eq "an accepted bogus answer makes Unbound partial" "$(field "$WORK/edited.out" "$LAB_RES_UNBOUND" verdict)" partial
t_eq "... listing that mode" "$(field "$WORK/edited.out" "$LAB_RES_UNBOUND" accepted_bogus)" rrsig-exp-a
t_cmd "--from a file that is no report: UNKNOWN" 3 "$DNSVIGIL" audit --nagios --from "$WORK/findings.txt"

# ---- speed: a full audit of one resolver (all modes) under a second
"$DNSVIGIL" audit --canary "$CAN" --format json "$LAB_RES_UNBOUND" > "$WORK/one.json"
ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_ms"])' "$WORK/one.json")
echo "# full audit of one resolver: $ms ms"
t_cmd "one resolver, all modes, under 1000 ms ($ms ms)" 0 test "$ms" -lt 1000
exit 0
