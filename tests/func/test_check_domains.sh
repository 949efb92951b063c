#!/usr/bin/env bash
# tests/func/test_check_domains.sh - check's verdict is about the requested
# domain (issue 9 §1, §2), against the lab: a name that does not exist is
# CRITICAL (proven or not), a name inside a zone is judged by that zone and
# the report says so, --expect holds the status, expiry and perfdata are the
# requested zone's own (negative once expired), the thresholds judge only
# the requested zones, our own failures (no root answers, a wrong trust
# anchor) are UNKNOWN, and every Nagios UNKNOWN prints its one line.
. "$(dirname "$0")/lib.sh"

need_lab
CHECK=("$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" --trust-anchor "$LAB_ROOT_DS")
PY=/usr/bin/python3

# result FILE DOMAIN FIELD - a member of a domain's result in a JSON report
result() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = next((r for r in d.get("results", []) if r["domain"] == sys.argv[2]), None)
print("absent" if r is None else r.get(sys.argv[3]))
' "$1" "$2" "$3"
}
# codes FILE - "CODE ZONE OWNER" per finding, sorted
codes() {
	"$PY" -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["code"], f.get("zone", "-"), f.get("owner", "-"))
' "$1" | sort
}

# ---- a name that does not exist ------------------------------------------------
t_cmd "nonexistent.lab.: errors (exit 2)" 2 "${CHECK[@]}" -f json nonexistent.lab.
cp "$WORK/last.out" "$WORK/nx.json"
codes "$WORK/nx.json" > "$WORK/nx.codes"
t_grep "nonexistent.lab.: DOMAIN_NOT_FOUND, proven by lab." '^DOMAIN_NOT_FOUND lab\. nonexistent\.lab\.$' "$WORK/nx.codes"
t_eq "nonexistent.lab.: the result says nonexistent" "$(result "$WORK/nx.json" nonexistent.lab. status)" nonexistent
t_eq "nonexistent.lab.: ... in lab." "$(result "$WORK/nx.json" nonexistent.lab. zone)" lab.
t_eq "nonexistent.lab.: ... proven" "$(result "$WORK/nx.json" nonexistent.lab. existence)" nonexistent
t_cmd "--nagios nonexistent.lab.: CRITICAL" 2 "${CHECK[@]}" --nagios nonexistent.lab.
t_grep "--nagios: says it does not exist" '^DNSVIGIL CRITICAL - nonexistent\.lab\. does not exist \(proven\)' "$WORK/last.out"
t_nogrep "--nagios: no expiry perfdata for a name that does not exist" 'expiry' "$WORK/last.out"
# unproven: the zone that would hold it is insecure (unsigned.lab.)
t_cmd "nope.unsigned.lab.: errors (exit 2)" 2 "${CHECK[@]}" -f json nope.unsigned.lab.
codes "$WORK/last.out" > "$WORK/nxu.codes"
t_grep "nope.unsigned.lab.: DOMAIN_NOT_FOUND_UNPROVEN" '^DOMAIN_NOT_FOUND_UNPROVEN unsigned\.lab\. nope\.unsigned\.lab\.$' "$WORK/nxu.codes"
t_grep "... saying why it is unproven" '"reason": "NXDOMAIN from the servers of unsigned\.lab\., not proven: unsigned\.lab\. is insecure"' "$WORK/last.out"
t_nogrep "... not claimed proven" '^DOMAIN_NOT_FOUND ' "$WORK/nxu.codes"

# ---- a name inside a zone (not a zone apex) -------------------------------------
t_cmd "www.healthy.lab.: clean (exit 0)" 0 "${CHECK[@]}" -f json www.healthy.lab.
cp "$WORK/last.out" "$WORK/www.json"
t_eq "www.healthy.lab.: held by healthy.lab." "$(result "$WORK/www.json" www.healthy.lab. zone)" healthy.lab.
t_eq "www.healthy.lab.: not an apex" "$(result "$WORK/www.json" www.healthy.lab. apex)" False
t_eq "www.healthy.lab.: secure" "$(result "$WORK/www.json" www.healthy.lab. status)" secure
t_eq "www.healthy.lab.: healthy.lab. judged (in the zones)" \
	"$("$PY" -c 'import json,sys; print([z["name"] for z in json.load(open(sys.argv[1]))["zones"]])' "$WORK/www.json")" \
	"['.', 'lab.', 'healthy.lab.']"
t_eq "www.healthy.lab.: no finding" "$(codes "$WORK/www.json" | wc -l)" 0
t_cmd "www.healthy.lab. (text)" 0 "${CHECK[@]}" www.healthy.lab.
t_grep "text: the report says which zone holds it" '^  www\.healthy\.lab\. +secure +in healthy\.lab\. +signed until ' "$WORK/last.out"
t_cmd "www.healthy.lab. (--nagios)" 0 "${CHECK[@]}" --nagios www.healthy.lab.
t_grep "--nagios: the zone named" '^DNSVIGIL OK - www\.healthy\.lab\. secure \(in healthy\.lab\.\)' "$WORK/last.out"
# control: the zone itself is its own apex, and exists
t_cmd "healthy.lab.: clean" 0 "${CHECK[@]}" -f json healthy.lab.
t_eq "healthy.lab.: an apex" "$(result "$WORK/last.out" healthy.lab. apex)" True
t_nogrep "healthy.lab.: no DOMAIN_NOT_FOUND" 'DOMAIN_NOT_FOUND' "$WORK/last.out"

# ---- --expect ------------------------------------------------------------------
t_cmd "--expect secure island.lab.: CRITICAL" 2 "${CHECK[@]}" --nagios --expect secure island.lab.
t_grep "... island.lab. insecure, expected secure" '^DNSVIGIL CRITICAL - island\.lab\. insecure, expected secure' "$WORK/last.out"
t_cmd "--expect secure island.lab. (json)" 2 "${CHECK[@]}" -f json --expect secure island.lab.
t_grep "... ZONE_NOT_AS_EXPECTED" '^ZONE_NOT_AS_EXPECTED island\.lab\. island\.lab\.$' <(codes "$WORK/last.out")
t_eq "... as_expected false" "$(result "$WORK/last.out" island.lab. as_expected)" False
t_cmd "--expect any island.lab.: a warning only (the island)" 1 "${CHECK[@]}" -f json island.lab.
t_nogrep "... no ZONE_NOT_AS_EXPECTED" 'ZONE_NOT_AS_EXPECTED' "$WORK/last.out"
t_cmd "--expect secure healthy.lab.: clean" 0 "${CHECK[@]}" --expect secure healthy.lab.
t_cmd "--expect insecure unsigned.lab.: clean" 0 "${CHECK[@]}" --expect insecure unsigned.lab.
t_cmd "--expect insecure healthy.lab.: not as expected" 2 "${CHECK[@]}" -f json --expect insecure healthy.lab.
t_grep "... ZONE_NOT_AS_EXPECTED" '"code": "ZONE_NOT_AS_EXPECTED"' "$WORK/last.out"
t_cmd "--expect maybe: refused (exit 3)" 3 "${CHECK[@]}" --expect maybe healthy.lab.
t_grep "... saying what --expect takes" 'secure, insecure or any' "$WORK/last.err"

# ---- expiry is the requested zone's own ----------------------------------------
t_cmd "expired.lab. (--nagios): CRITICAL" 2 "${CHECK[@]}" --nagios expired.lab.
t_grep "... perfdata: negative seconds since it expired, thresholds as lower bounds" \
	'\| expiry=-[0-9]+s;604800:;86400: ' "$WORK/last.out"
left=$(sed -n 's/.*| expiry=\(-[0-9]*\)s.*/\1/p' "$WORK/last.out")
t_eq "... the seconds since LAB_EXPIRED_AT ($LAB_EXPIRED_AT)" \
	"$([ -n "$left" ] && [ $((left + $(date +%s) - LAB_EXPIRED_AT)) -lt 300 ] && [ $((left + $(date +%s) - LAB_EXPIRED_AT)) -gt -300 ] && echo near)" near
t_cmd "expired.lab. (text)" 2 "${CHECK[@]}" expired.lab.
t_grep "text: expired.lab. expired, with its own time" '^  expired\.lab\. +bogus +zone apex +expired [0-9T:-]+Z \(-[0-9.]+ days\)' "$WORK/last.out"
t_cmd "expired.lab. (json)" 2 "${CHECK[@]}" -f json expired.lab.
t_eq "json: the result's expiry is LAB_EXPIRED_AT" "$(result "$WORK/last.out" expired.lab. expiry)" "$LAB_EXPIRED_AT"
t_eq "json: the summary's earliest expiry is the requested zone's" \
	"$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["earliest_expiry"])' "$WORK/last.out")" "$LAB_EXPIRED_AT"
# two domains: one label each
t_cmd "two domains (--nagios)" 0 "${CHECK[@]}" --nagios healthy.lab. provider.lab.
t_grep "... one expiry per domain" '\| expiry_healthy\.lab\.=[0-9]+s;604800:;86400: expiry_provider\.lab\.=[0-9]+s;604800:;86400: ' "$WORK/last.out"
t_grep "... min/max where meaningful" ' servers=[0-9]+;;;0;[0-9]+ probe_time=[0-9.]+s;;;0 errors=0;;;0 warnings=0;;;0$' "$WORK/last.out"

# ---- thresholds judge the requested zones; ancestors by validity ---------------
# . and lab. are signed for 14 days, provider.lab. for 30: --warn 20d warns
# of nothing the operator runs.
t_cmd "--warn 20d provider.lab.: clean (exit 0)" 0 "${CHECK[@]}" -f json --warn 20d provider.lab.
codes "$WORK/last.out" > "$WORK/anc.codes"
t_grep "... the root: ANCESTOR_EXPIRES_SOON (info)" '^ANCESTOR_EXPIRES_SOON \. \.$' "$WORK/anc.codes"
t_grep "... lab.: ANCESTOR_EXPIRES_SOON (info)" '^ANCESTOR_EXPIRES_SOON lab\. lab\.$' "$WORK/anc.codes"
t_nogrep "... no RRSIG_EXPIRES_SOON" 'RRSIG_EXPIRES_SOON' "$WORK/anc.codes"
t_cmd "--warn 20d lab.: lab. is asked for, so its thresholds apply" 1 "${CHECK[@]}" -f json --warn 20d lab.
codes "$WORK/last.out" > "$WORK/tld.codes"
t_grep "... RRSIG_EXPIRES_SOON on lab." '^RRSIG_EXPIRES_SOON lab\. lab\.$' "$WORK/tld.codes"
t_grep "... the root still an ancestor" '^ANCESTOR_EXPIRES_SOON \. \.$' "$WORK/tld.codes"
t_nogrep "... no RRSIG_EXPIRES_SOON on the root" '^RRSIG_EXPIRES_SOON \. ' "$WORK/tld.codes"
t_cmd "--warn 20d --crit 15d provider.lab.: still clean" 0 "${CHECK[@]}" --warn 20d --crit 15d provider.lab.

# ---- our own side failing: UNKNOWN, not the root's fault -----------------------
printf '.\t3600000\tNS\ta.root-servers.lab.\na.root-servers.lab.\t3600000\tA\t%s\n' "$LAB_DEAD" > "$WORK/dead.hints"
printf '.\t3600000\tNS\ta.root-servers.lab.\na.root-servers.lab.\t3600000\tA\t%s\n' "$LAB_FAULT_DROP" > "$WORK/drop.hints"
for h in dead drop; do
	t_cmd "$h root hints: UNKNOWN (exit 3)" 3 "$DNSVIGIL" check --root-hints "$WORK/$h.hints" \
		--trust-anchor "$LAB_ROOT_DS" --timeout 300 --retries 0 --nagios healthy.lab.
	t_grep "... the probe could not start" '^DNSVIGIL UNKNOWN - the probe could not start: ' "$WORK/last.out"
	t_eq "... one line" "$(wc -l < "$WORK/last.out")" 1
	t_nogrep "... no SERVER_UNREACHABLE blamed on ." 'SERVER_UNREACHABLE|CRITICAL' "$WORK/last.out"
done
t_cmd "dead root hints (json): exit 3" 3 "$DNSVIGIL" check --root-hints "$WORK/dead.hints" \
	--trust-anchor "$LAB_ROOT_DS" -f json healthy.lab.
t_grep "... the error object names the hints file" '"file": ".*/dead\.hints"' "$WORK/last.out"
# a stale anchor next to a good one: a warning about our file, not a registrar's DS
{ cat "$LAB_ROOT_DS"; printf '%s\n' "$LAB_WRONG_DS_RR"; } > "$WORK/two.ds"
t_cmd "one stale trust anchor record: a warning" 1 "$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" \
	--trust-anchor "$WORK/two.ds" -f json healthy.lab.
t_grep "... TRUST_ANCHOR_STALE" '^TRUST_ANCHOR_STALE \. \.$' <(codes "$WORK/last.out")
t_nogrep "... no DS_NO_MATCHING_DNSKEY" 'DS_NO_MATCHING_DNSKEY' "$WORK/last.out"
t_eq "... healthy.lab. still secure" "$(result "$WORK/last.out" healthy.lab. status)" secure

# ---- every UNKNOWN prints its one line on stdout -------------------------------
for args in "-w 1.5 x." "--crit soon x." "-w 0 x." "--expect x x." "--from $WORK/none.json" "--bogus x." "" "-T"; do
	# shellcheck disable=SC2086 # the words are the options
	t_cmd "check --nagios $args: UNKNOWN (exit 3)" 3 "$DNSVIGIL" check --nagios $args
	t_grep "... its one line on stdout" '^DNSVIGIL UNKNOWN - [^ ]' "$WORK/last.out"
	t_eq "... and nothing else" "$(wc -l < "$WORK/last.out")" 1
done
t_grep "check -w 0: names both thresholds" "--warn 0s is shorter than --crit 1d \(the default\)" <("$DNSVIGIL" check -w 0 x. 2>&1)

# ---- words: the signature counts add up ---------------------------------------
t_cmd "expired.lab. healthy.lab. (text)" 2 "${CHECK[@]}" --save "$WORK/two.snap" expired.lab. healthy.lab.
cp "$WORK/last.out" "$WORK/two.txt"
line=$(grep -E '^[0-9]+ zones, ' "$WORK/two.txt")
t_grep "words: checked, valid, expired, not yet valid, failed" \
	'^[0-9]+ zones, [0-9]+ servers \([0-9]+ answering\); [0-9]+ signatures checked: [0-9]+ valid, [0-9]+ expired, 0 not yet valid, 0 failed \([0-9]+ verifications run\)$' "$WORK/two.txt"
read -r checked valid expired <<< "$(echo "$line" | sed -E 's/.*; ([0-9]+) signatures checked: ([0-9]+) valid, ([0-9]+) expired.*/\1 \2 \3/')"
t_eq "words: checked = valid + expired + 0 + 0" "$checked" "$((valid + expired))"
t_eq "words: 8 expired signatures (4 RRsets x 2 servers of expired.lab.)" "$expired" 8
t_grep "words: singular and plural" '^findings: [0-9]+ errors, 0 warnings, [0-9]+ info$' "$WORK/two.txt"
t_cmd "the same report from the saved snapshot" 2 "$DNSVIGIL" check --from "$WORK/two.snap"
t_eq "... byte for byte" "$(cmp "$WORK/two.txt" "$WORK/last.out" > /dev/null && echo same)" same
# The root refers both domains to lab.: it is asked that once per root
# server, not once per domain (src/probe/probe.c: step_leader); lab.'s
# servers are still asked for each domain's own delegation.
referrals() { # SNAP ZONE -> "QNAME count" of the NS queries to ZONE's servers below it
	"$PY" -c '
import collections, json, sys
d = json.load(open(sys.argv[1]))
z = next(z for z in d["zones"] if z["name"] == sys.argv[2])
n = collections.Counter(q["qname"] for q in d["queries"]
    if q["server"] in z["servers"] and q["qtype"] == "NS" and q["qname"] != z["name"])
print(" ".join("%s:%d" % kv for kv in sorted(n.items())), len(z["servers"]))
' "$1" "$2"
}
read -r at_root nroot <<< "$(referrals "$WORK/two.snap" .)"
t_eq "the root is asked for one referral per root server for both domains" \
	"$(echo "$at_root" | awk -F: '{print NF == 2 ? $2 : "several: " $0}')" "$nroot"
t_eq "lab.'s servers are asked for each domain's delegation" \
	"$(referrals "$WORK/two.snap" lab.)" "expired.lab.:2 healthy.lab.:2 2"
t_cmd "nonexistent and inner names, saved" 2 "${CHECK[@]}" --save "$WORK/nx.snap" nonexistent.lab. www.healthy.lab.
cp "$WORK/last.out" "$WORK/nx.txt"
t_cmd "... judged again" 2 "$DNSVIGIL" check --from "$WORK/nx.snap"
t_eq "... byte for byte" "$(cmp "$WORK/nx.txt" "$WORK/last.out" > /dev/null && echo same)" same

# ---- verify -: a zone straight from a transfer (issue 9 §5) ----------------------
t_cmd "kdig axfr healthy.lab. | dnsvigil verify -" 0 bash -c \
	"set -o pipefail; kdig @$LAB_KNOT axfr healthy.lab. | \"$DNSVIGIL\" verify -q -f json -"
t_eq "... the transferred zone verified, from standard input" "$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["zone"], d["file"], d["summary"]["signatures_valid"] > 0, d["summary"]["signatures_failed"])' "$WORK/last.out")" "healthy.lab. - True 0"

# ---- text from a snapshot is escaped ---------------------------------------------
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["domains"][0] = "\x1b]0;owned\x07healthy.lab."
json.dump(d, open(sys.argv[2], "w"))' "$WORK/nx.snap" "$WORK/esc.snap"
"$DNSVIGIL" check --from "$WORK/esc.snap" > "$WORK/esc.txt" 2>&1
t_nogrep "a control character from a snapshot does not reach the terminal" $'\x1b|\x07' "$WORK/esc.txt"
# (the strict snapshot reader keeps names in presentation form: ']' and ';' escaped too)
t_grep "... it is shown escaped" '\\027\\?\]0\\?;owned\\007healthy\.lab\.' "$WORK/esc.txt"
"$DNSVIGIL" check --from "$WORK/esc.snap" --nagios > "$WORK/esc.nagios" 2>&1
t_eq "... one Nagios line, whatever the snapshot holds" "$(wc -l < "$WORK/esc.nagios")" 1
exit 0
