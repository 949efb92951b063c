#!/usr/bin/env bash
# tests/func/test_hostile_verify.sh - dnsvigil verify on hostile zone files
# (issue 10 items 4, 6, 7 and 8 offline): many keys of one key tag with junk
# signatures (KeyTrap, CVE-2023-50387), an RSA key with a 4096-bit public
# exponent, NSEC3 with 65535 iterations, a report written to a full device.
# The zones are those the hostile tree serves (tests/lab/hostile.sh zones),
# signed by real signers; no server is needed.  Every run has a memory and
# time ceiling (t_limited); a clean fixture shows each finding absent.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/func/verify/common.sh"

vf_fixtures
MB=400
Z=$WORK/zones
if ! "$TOP/tests/lab/hostile.sh" zones "$Z" > "$WORK/zones.log" 2>&1; then
	not_ok "hostile zones are written" "$(tail -5 "$WORK/zones.log")"
	exit 0
fi
NOW=$(date -u +%Y%m%d%H%M%S)

# verifyj NAME SECONDS ZONE - verify --format json within the ceilings;
# findings "CODE OWNER TYPE" in $WORK/NAME.codes, details in $WORK/NAME.details
verifyj() {
	local name=$1 secs=$2
	shift 2
	t_limited "$MB" "$secs" "$DNSVIGIL" verify -q --now "$NOW" --format json "$@"
	VRC=$RC
	cp "$WORK/last.out" "$WORK/$name.json"
	if [ "$RC" -gt 2 ] || grep -Eq 'AddressSanitizer|runtime error:' "$WORK/last.err"; then
		not_ok "$name: within $MB MiB and $secs s" "exit $RC" "$(head -c 500 "$WORK/last.err")"
	else
		ok "$name: within $MB MiB and $secs s"
	fi
	json_codes "$WORK/$name.json" > "$WORK/$name.codes" 2> /dev/null
	python3 -c '
import json, sys
for f in json.load(open(sys.argv[1])).get("findings", []):
    print(f["code"], f.get("detail", ""))' "$WORK/$name.json" > "$WORK/$name.details" 2> /dev/null
}

NEW='VALIDATION_BUDGET|KEYTAG_COLLISION|DNSKEY_RSA_EXPONENT|NSEC3_ITERATIONS_INSECURE'

# ---- healthy controls --------------------------------------------------------
verifyj clean 60 "$FX/bind-a13-nsec.zone"
t_eq "clean fixture: exit 0" "$VRC" 0
t_nogrep "clean fixture: none of the hostile-input findings" "^($NEW) " "$WORK/clean.codes"
verifyj clean3 60 "$FX/ldns-a13-nsec3iter.zone"
t_grep "a fixture with a few NSEC3 iterations: NSEC3_ITERATIONS" "^NSEC3_ITERATIONS " "$WORK/clean3.codes"
t_nogrep "... but not NSEC3_ITERATIONS_INSECURE (validators accept it)" "^NSEC3_ITERATIONS_INSECURE " "$WORK/clean3.codes"

# ---- item 6: KeyTrap --------------------------------------------------------
tag=$(cat "$Z/keytrap.tag")
verifyj keytrap 60 "$Z/keytrap.zone"
t_grep "keytrap: KEYTAG_COLLISION names the tag and the count" \
	"^KEYTAG_COLLISION 300 keys share key tag $tag and algorithm 15" "$WORK/keytrap.details"
for t in DNSKEY SOA NS; do
	t_grep "keytrap: VALIDATION_BUDGET on the $t RRset" "^VALIDATION_BUDGET keytrap\. $t$" "$WORK/keytrap.codes"
done
t_grep "... saying how many signatures went unjudged, and why" \
	"^VALIDATION_BUDGET 300 of 30[12] RRSIGs not judged: they name a key tag that 300 keys share, 4 of them are tried per signature" \
	"$WORK/keytrap.details"
t_nogrep "keytrap: no RRSIG_INVALID for signatures it did not judge" "^RRSIG_INVALID " "$WORK/keytrap.codes"
t_eq "keytrap: exit 2" "$VRC" 2

# ---- item 7: an RSA public exponent of 4096 bits ----------------------------
verifyj bigexp 60 "$Z/bigexp.zone"
t_grep "bigexp: DNSKEY_RSA_EXPONENT with the size" \
	"^DNSKEY_RSA_EXPONENT public exponent of 4096 bits; validators refuse more than 35" "$WORK/bigexp.details"
t_nogrep "keytrap has no such key: no DNSKEY_RSA_EXPONENT" "^DNSKEY_RSA_EXPONENT " "$WORK/keytrap.codes"

# ---- item 8: NSEC3 with 65535 iterations ------------------------------------
verifyj nsec3 60 "$Z/nsec3.zone"
t_grep "nsec3: NSEC3_ITERATIONS_INSECURE (RFC 9276 §3.2)" \
	"^NSEC3_ITERATIONS_INSECURE 65535 additional iterations: above 50 validators treat" "$WORK/nsec3.details"

# ---- item 4: a report that cannot be written -------------------------------
for fmt in text json; do
	t_limited "$MB" 60 "$DNSVIGIL" verify -q --now "$NOW" --format "$fmt" "$FX/bind-a13-nsec.zone"
	if [ -w /dev/full ]; then
		"$DNSVIGIL" verify -q --now "$NOW" --format "$fmt" "$FX/bind-a13-nsec.zone" > /dev/full 2> "$WORK/full.err"
		rc=$?
		t_eq "verify --format $fmt > /dev/full: exit 3, not 0" "$rc" 3
		t_grep "... and says so" "cannot write the report" "$WORK/full.err"
	fi
done
