#!/usr/bin/env bash
# tests/func/test_check_revoked.sh - RFC 5011 §2.1 in `check`: a snapshot of a
# private tree served by real NSD instances (tests/func/check/
# make-revoked-snapshot.sh made it): revoked. is signed only by a revoked
# KSK, which the root's DS names; beside. has a KSK and a ZSK that count
# plus a revoked key signing the same data.  A revoked key validates only
# the DNSKEY RRset announcing its revocation, so revoked. is bogus, with
# RRSIG_REVOKED_KEY on each RRset the server signed with it; beside. is
# secure and clean.  Judged with --from (the snapshot's own time), so it
# needs no lab.
. "$(dirname "$0")/lib.sh"

SNAP=$TOP/tests/func/check/revoked.snapshot.json
t_cmd "revoked.: errors found" 2 "$DNSVIGIL" check --from "$SNAP" -f json
cp "$WORK/last.out" "$WORK/r.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for z in d["zones"]:
    print("zone", z["name"], z["status"])
for f in d["findings"]:
    print(f["code"], f.get("zone", "-"), f.get("owner", "-"), f.get("type", "-"), ",".join(f.get("server", ["-"])))
' "$WORK/r.json" | sort > "$WORK/r.txt"
cat > "$WORK/want.txt" << 'EOF2'
CHAIN_BOGUS revoked. revoked. - -
RRSIG_REVOKED_KEY revoked. revoked. NS 127.53.60.2
RRSIG_REVOKED_KEY revoked. revoked. SOA 127.53.60.2
zone . secure
zone beside. secure
zone revoked. bogus
EOF2
if diff -u "$WORK/want.txt" "$WORK/r.txt" > "$WORK/diff"; then
	ok "revoked. bogus with RRSIG_REVOKED_KEY on SOA and NS; beside. secure, no finding"
else
	not_ok "zones and findings" "$(cat "$WORK/diff")"
fi
t_nogrep "no RRSIG_REVOKED_KEY over DNSKEY" 'RRSIG_REVOKED_KEY[^}]*"type": "DNSKEY"' "$WORK/r.json"
t_cmd "--nagios: CRITICAL" 2 "$DNSVIGIL" check --from "$SNAP" --nagios
t_grep "--nagios: names the bogus zone" '^DNSVIGIL CRITICAL - bogus: revoked\.' "$WORK/last.out"
