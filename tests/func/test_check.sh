#!/usr/bin/env bash
# tests/func/test_check.sh - dnsvigil check against the lab (tests/lab): every
# scenario gives its code on its zone and server, healthy zones give none,
# --save/--from repeat the verdict byte for byte, fault servers are reported
# within the time budget, --nagios and the exit statuses.
. "$(dirname "$0")/lib.sh"

need_lab
CHECK=("$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" --trust-anchor "$LAB_ROOT_DS")

# triples FILE - "CODE ZONE SERVER" per finding of a JSON report, one server
# per line (merged findings name several servers, comma-separated)
triples() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d.get("findings", []):
    for s in f.get("server") or ["-"]:
        print(f["code"], f.get("zone", "-"), s)
' "$1" | sort -u
}
# status FILE ZONE - the chain status of ZONE in a JSON report
status() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(next((z["status"] for z in d["zones"] if z["name"] == sys.argv[2]), "absent"))
' "$1" "$2"
}
# has CODE ZONE SERVER - the triple is in $WORK/all.triples
has() {
	if grep -qx -- "$1 $2 $3" "$WORK/all.triples"; then ok "$1 on $2 @$3"; else
		not_ok "$1 on $2 @$3" "findings of $2:" "$(grep " $2 " "$WORK/all.triples")"
	fi
}
hasnt() {
	if grep -q -- "^$1 $2 " "$WORK/all.triples"; then
		not_ok "no $1 on $2" "$(grep -- "^$1 $2 " "$WORK/all.triples")"
	else ok "no $1 on $2"; fi
}

# ---------------------------------------------------------------- every scenario in one run

t0=$(date +%s%N)
# shellcheck disable=SC2086
t_cmd "check of every scenario exits 2 (errors)" 2 "${CHECK[@]}" -f json --save "$WORK/snap.json" $LAB_SCENARIOS
cp "$WORK/last.out" "$WORK/all.json"
ms=$((($(date +%s%N) - t0) / 1000000))
# a dropping server costs (1 + retries) x timeout + a TCP attempt; the rest is fast
if [ "$ms" -lt 15000 ]; then ok "all scenarios checked within 15 s ($ms ms)"; else not_ok "all scenarios within 15 s" "took $ms ms"; fi
triples "$WORK/all.json" > "$WORK/all.triples"
t_grep "snapshot saved" '"dnsvigil_snapshot": 1' "$WORK/snap.json"

# unsigned-server.lab.: validators retry the signed servers, so the zone is
# secure (DNSViz agrees); the odd server is the finding
for z in . lab. healthy.lab. provider.lab. stale.lab. expiring.lab. algroll.lab. cds-differ.lab. \
	faulty.lab. nsec3-broken.lab. unsigned-server.lab.; do
	t_eq "$z is secure" "$(status "$WORK/all.json" "$z")" secure
done
for z in expired.lab. ds-mismatch.lab.; do
	t_eq "$z is bogus" "$(status "$WORK/all.json" "$z")" bogus
	has CHAIN_BOGUS "$z" -
done
for z in island.lab. unsigned.lab.; do
	t_eq "$z is insecure" "$(status "$WORK/all.json" "$z")" insecure
	has CHAIN_INSECURE "$z" -
done

# healthy zones: no finding at all
for z in . lab. healthy.lab. provider.lab.; do
	if grep -q " $z " "$WORK/all.triples"; then not_ok "no finding on $z" "$(grep " $z " "$WORK/all.triples")"; else ok "no finding on $z"; fi
done

# stale: the odd server serves the old serial
has SERVERS_SERIAL_DIFFER stale.lab. "$LAB_STALE_BAD"
for s in $LAB_STALE_SERVERS; do
	[ "$s" = "$LAB_STALE_BAD" ] && continue
	if grep -qx "SERVERS_SERIAL_DIFFER stale.lab. $s" "$WORK/all.triples"; then not_ok "serial of $s not blamed"; else ok "serial of $s not blamed"; fi
done
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
z = next(z for z in d["zones"] if z["name"] == "stale.lab.")
for s in z["servers"]:
    print(s["address"], s.get("serial"), "expiry" if "seconds_to_expiry" in s else "-")
' "$WORK/all.json" > "$WORK/stale.servers"
t_grep "stale: the odd server's own serial in the JSON" "^$LAB_STALE_BAD $LAB_STALE_OLD_SERIAL expiry\$" "$WORK/stale.servers"
t_grep "stale: a current server's serial in the JSON" " $LAB_STALE_NEW_SERIAL expiry\$" "$WORK/stale.servers"
t_grep "stale: detail names both serials" "serial $LAB_STALE_OLD_SERIAL, while .* serves $LAB_STALE_NEW_SERIAL" "$WORK/all.json"

# unsigned-server: one server strips every RRSIG
has SERVER_NO_DNSSEC unsigned-server.lab. "$LAB_UNSIGNED_SERVER_BAD"
has SERVERS_RRSIG_DIFFER unsigned-server.lab. "$LAB_UNSIGNED_SERVER_BAD"
has DNSKEY_NOT_SIGNED_BY_DS_KEY unsigned-server.lab. "$LAB_UNSIGNED_SERVER_BAD"
if grep -E "^SERVER_NO_DNSSEC unsigned-server.lab. " "$WORK/all.triples" | grep -vq " $LAB_UNSIGNED_SERVER_BAD\$"; then
	not_ok "only the odd server lacks DNSSEC"; else ok "only the odd server lacks DNSSEC"; fi

# island: signed, no DS
has ISLAND_OF_SECURITY island.lab. -
hasnt ISLAND_OF_SECURITY unsigned.lab.

# expired / expiring
for s in $LAB_EXPIRED_SERVERS; do has RRSIG_EXPIRED expired.lab. "$s"; done
t_grep "expired: expiration time in the evidence" "\"time\": $LAB_EXPIRED_AT" "$WORK/all.json"
for s in $LAB_EXPIRING_SERVERS; do has RRSIG_EXPIRES_SOON expiring.lab. "$s"; done
hasnt RRSIG_EXPIRED expiring.lab.

# ds-mismatch
for s in $LAB_DS_MISMATCH_SERVERS; do has DS_NO_MATCHING_DNSKEY ds-mismatch.lab. "$s"; done

# nsec3-broken: NXDOMAIN and NODATA proofs fail on both servers
for s in $LAB_NSEC3_BROKEN_SERVERS; do has DENIAL_PROOF_INVALID nsec3-broken.lab. "$s"; done
for z in healthy.lab. provider.lab. expiring.lab. stale.lab.; do hasnt DENIAL_PROOF_INVALID "$z"; done

# algroll: RRsets not signed with algorithm 8
has RRSIG_ALGORITHM_MISSING algroll.lab. "${LAB_ALGROLL_SERVERS%% *}"
t_grep "algroll: algorithm 8 named" '"detail": "no RRSIG of algorithm 8' "$WORK/all.json"

# cds-differ: the odd server publishes other CDS/CDNSKEY
has CDS_DIFFER cds-differ.lab. "$LAB_CDS_DIFFER_BAD"
hasnt CDS_NO_MATCHING_DNSKEY cds-differ.lab.

# faulty: drop, truncate, refuse; the good server is fine
has SERVER_UNREACHABLE faulty.lab. "$LAB_FAULT_DROP"
has SERVER_UDP_FAILS faulty.lab. "$LAB_FAULT_TC"
has SERVER_REFUSED faulty.lab. "$LAB_FAULT_REFUSED"
if grep -q " faulty.lab. $LAB_FAULT_GOOD\$" "$WORK/all.triples"; then
	not_ok "good server of faulty.lab. not blamed" "$(grep " faulty.lab. $LAB_FAULT_GOOD\$" "$WORK/all.triples")"
else ok "good server of faulty.lab. not blamed"; fi

# the time budget of one zone with a dropping server: with --timeout 500
# --retries 1 the drop server costs 2 x 0.5 s over UDP, then 0.5 s over TCP
t0=$(date +%s%N)
t_cmd "faulty.lab. alone, short timeout" 2 "${CHECK[@]}" --timeout 500 --retries 1 -f json faulty.lab.
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -lt 4000 ]; then ok "faulty.lab. checked within 4 s ($ms ms)"; else not_ok "faulty.lab. within 4 s" "took $ms ms"; fi
triples "$WORK/last.out" > "$WORK/faulty.triples"
t_grep "short timeout: drop server still reported" "^SERVER_UNREACHABLE faulty.lab. $LAB_FAULT_DROP\$" "$WORK/faulty.triples"

# a root server address where nothing listens (ICMP port unreachable)
{ cat "$LAB_ROOT_HINTS"; printf '.\t3600000\tNS\tdead.root-servers.lab.\ndead.root-servers.lab.\t3600000\tA\t%s\n' "$LAB_DEAD"; } > "$WORK/dead.hints"
t_cmd "a dead root server: errors, exit 2" 2 "$DNSVIGIL" check --root-hints "$WORK/dead.hints" \
	--trust-anchor "$LAB_ROOT_DS" -f json healthy.lab.
triples "$WORK/last.out" > "$WORK/dead.triples"
t_grep "dead root server unreachable" "^SERVER_UNREACHABLE \. $LAB_DEAD\$" "$WORK/dead.triples"
t_grep "dead root server: network error named" '"detail": "network error on every query' "$WORK/last.out"
t_eq "dead root server: healthy.lab. still secure" "$(status "$WORK/last.out" healthy.lab.)" secure

# --port: every server asked on that port (nothing listens on 5399 in the lab)
# (so no root server answers: the probe could not start, UNKNOWN, exit 3)
t_cmd "--port 5399: nothing answers, could not judge (exit 3)" 3 "${CHECK[@]}" --port 5399 --timeout 300 --retries 0 \
	-f json --save "$WORK/port.json" healthy.lab.
t_grep "--port: the address carries the port" '"address": "'"$LAB_ROOT_SERVER"'@5399"' "$WORK/port.json"
t_grep "--port: the JSON error object says the probe could not start" '"message": "the probe could not start' "$WORK/last.out"

# a dead server costs one query's timeout: its other queries wait for the
# first and are then recorded unsent (attempts 0)
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
idx = {i for i, s in enumerate(d["servers"]) if s["address"] == sys.argv[2]}
qs = [q for q in d["queries"] if q["server"] in idx]
print(len(qs), sum(1 for q in qs if q["attempts"] > 0), sum(1 for q in qs if q["status"] != "timeout"))
' "$WORK/snap.json" "$LAB_FAULT_DROP" > "$WORK/drop.count"
read -r n sent answered < "$WORK/drop.count"
t_eq "drop server: one query sent, the others recorded unsent" "$sent" 1
t_eq "drop server: nothing answered" "$answered" 0
if [ "${n:-0}" -ge 8 ]; then ok "drop server: every query recorded ($n)"; else not_ok "drop server: every query recorded" "$n"; fi

# ---------------------------------------------------------------- --save / --from

t_cmd "--from the saved snapshot" 2 "$DNSVIGIL" check --from "$WORK/snap.json" -f json
cp "$WORK/last.out" "$WORK/from.json"
if cmp -s "$WORK/all.json" "$WORK/from.json"; then ok "--from JSON report byte-identical to the live one"; else
	not_ok "--from JSON report byte-identical" "$(diff "$WORK/all.json" "$WORK/from.json" | head -10)"; fi
"$DNSVIGIL" check --from "$WORK/snap.json" > "$WORK/from1.txt"
sleep 1.1
"$DNSVIGIL" check --from "$WORK/snap.json" > "$WORK/from2.txt"
if cmp -s "$WORK/from1.txt" "$WORK/from2.txt"; then ok "--from text report independent of the clock"; else not_ok "--from text independent of the clock"; fi
t_grep "text report draws the tree" '└─ ' "$WORK/from1.txt"
t_grep "text report gives remediation" '^  fix: ' "$WORK/from1.txt"
# re-saving a snapshot read back gives the same file
t_cmd "--from with --save" 2 "$DNSVIGIL" check --from "$WORK/snap.json" --save "$WORK/snap2.json"
if cmp -s "$WORK/snap.json" "$WORK/snap2.json"; then ok "snapshot round-trips byte for byte"; else not_ok "snapshot round-trips"; fi

# time is an input: 30 days on, every signature of healthy.lab. has expired
t_cmd "--from with --now 30 days later" 2 "$DNSVIGIL" check --from "$WORK/snap.json" -f json --now "@$((LAB_STARTED_AT + 30 * 86400))"
triples "$WORK/last.out" > "$WORK/later.triples"
t_grep "30 days later healthy.lab. has expired signatures" '^RRSIG_EXPIRED healthy.lab. ' "$WORK/later.triples"
t_grep "30 days later healthy.lab. is bogus" '^CHAIN_BOGUS healthy.lab. ' "$WORK/later.triples"

# thresholds
t_cmd "expiring.lab. with -w 10 -c 3" 2 "$DNSVIGIL" check --from "$WORK/snap.json" -f json -w 10 -c 3
t_grep "-c 3 makes expiring critical" '"code": "RRSIG_EXPIRES_CRITICAL"' "$WORK/last.out"
t_cmd "--warn 1 --crit 0 silences expiring" 2 "$DNSVIGIL" check --from "$WORK/snap.json" -f json --warn 1 --crit 0
t_nogrep "no expiry warning with --warn 1" 'RRSIG_EXPIRES_(SOON|CRITICAL)' "$WORK/last.out"

# ---------------------------------------------------------------- exit statuses and --nagios

t_cmd "healthy zones exit 0" 0 "${CHECK[@]}" healthy.lab. provider.lab.
t_grep "healthy report says no findings" 'findings: 0 errors, 0 warnings' "$WORK/last.out"
t_cmd "expiring alone exits 1 (warnings)" 1 "${CHECK[@]}" expiring.lab.
t_cmd "expired exits 2" 2 "${CHECK[@]}" expired.lab.
t_cmd "--nagios healthy: OK" 0 "${CHECK[@]}" --nagios healthy.lab. --save "$WORK/healthy.json"
t_grep "nagios OK line with perfdata" '^DNSVIGIL OK - .*\| expiry=[0-9]+s;604800:;86400: servers=[0-9]+;;;0;[0-9]+ probe_time=[0-9.]+s' "$WORK/last.out"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["probe_ms"] < 1000, d["probe_ms"]
' "$WORK/healthy.json" && ok "healthy.lab. probed within 1 s" || not_ok "healthy.lab. probed within 1 s"
t_cmd "--nagios expiring: WARNING" 1 "${CHECK[@]}" --nagios expiring.lab.
t_grep "nagios WARNING line" '^DNSVIGIL WARNING - .*RRSIG_EXPIRES_SOON' "$WORK/last.out"
t_cmd "--nagios expired: CRITICAL" 2 "$DNSVIGIL" check --nagios --from "$WORK/snap.json"
t_grep "nagios CRITICAL line names the bogus zones" '^DNSVIGIL CRITICAL - bogus: .*expired\.lab\.' "$WORK/last.out"
t_cmd "--nagios, unreadable snapshot: UNKNOWN" 3 "$DNSVIGIL" check --nagios --from "$WORK/missing.json"
t_grep "nagios UNKNOWN line" '^DNSVIGIL UNKNOWN - ' "$WORK/last.out"
t_cmd "--nagios, bad trust anchor: UNKNOWN" 3 "$DNSVIGIL" check --nagios --root-hints "$LAB_ROOT_HINTS" --trust-anchor "$WORK/missing.ds" healthy.lab.

# ---------------------------------------------------------------- trust anchor forms, names below a cut

t_cmd "DNSKEY trust anchor (root.key) works as well" 0 "$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" \
	--trust-anchor "$LAB_ROOT_KEY" -f json healthy.lab.
t_eq "healthy.lab. secure from the DNSKEY anchor" "$(status "$WORK/last.out" healthy.lab.)" secure
printf '%s\n' "$LAB_WRONG_DS_RR" > "$WORK/wrong.ds"
# (our file is wrong, not the root: could not judge, no zone blamed)
t_cmd "a trust anchor matching no root key: could not judge (exit 3)" 3 "$DNSVIGIL" check \
	--root-hints "$LAB_ROOT_HINTS" --trust-anchor "$WORK/wrong.ds" -f json healthy.lab.
t_grep "wrong anchor: the message names the anchor file" \
	'"message": "the trust anchor file does not match the root.s keys' "$WORK/last.out"
t_grep "wrong anchor: the error object names the file" '"file": ".*/wrong\.ds"' "$WORK/last.out"
t_nogrep "wrong anchor: no registrar advice" 'registrar' "$WORK/last.err"
t_cmd "a name below a zone cut checks its zone" 0 "${CHECK[@]}" -f json www.healthy.lab.
t_eq "www.healthy.lab. walks to healthy.lab." "$(status "$WORK/last.out" healthy.lab.)" secure
t_eq "no zone www.healthy.lab." "$(status "$WORK/last.out" www.healthy.lab.)" absent

# ---------------------------------------------------------------- bad input never crashes

printf '{"dnsvigil_snapshot": 1, "time": 5' > "$WORK/trunc.json"
t_cmd "truncated snapshot: exit 3" 3 "$DNSVIGIL" check --from "$WORK/trunc.json"
t_grep "truncated snapshot: FILE: message" "^$WORK/trunc.json: " "$WORK/last.err"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["queries"][0]["server"] = 99999
json.dump(d, open(sys.argv[2], "w"))
' "$WORK/snap.json" "$WORK/badidx.json"
t_cmd "server index out of range: exit 3" 3 "$DNSVIGIL" check --from "$WORK/badidx.json"
t_grep "server index out of range: message" 'queries\[0\]: "server" out of range' "$WORK/last.err"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
q = next(q for q in d["queries"] if "wire" in q)
q["wire"] = "AAAA"
d["zones"][1]["parent"] = "nonexistent."
json.dump(d, open(sys.argv[2], "w"))
' "$WORK/snap.json" "$WORK/badparent.json"
t_cmd "zone with unknown parent: exit 3" 3 "$DNSVIGIL" check --from "$WORK/badparent.json"
t_grep "unknown parent: message" 'parent must be listed before the zone' "$WORK/last.err"
t_cmd "no domain: exit 3" 3 "$DNSVIGIL" check
t_cmd "bad --warn: exit 3" 3 "$DNSVIGIL" check --warn soon healthy.lab.
t_cmd "bad root hints: exit 3" 3 "$DNSVIGIL" check --root-hints "$WORK/missing.hints" --trust-anchor "$LAB_ROOT_DS" healthy.lab.
