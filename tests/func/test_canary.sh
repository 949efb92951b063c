#!/usr/bin/env bash
# tests/func/test_canary.sh - dnsvigil canary writes the documented layout, and
# each child zone has exactly its fault: checked with 'dnsvigil verify' and,
# where installed, an independent verifier (ldns-verify-zone).
. "$(dirname "$0")/lib.sh"

NOW=20261123000000
OUT=$WORK/canary
t_cmd "canary writes the zones" 0 "$DNSVIGIL" canary --zone canary.test. --out "$OUT" \
	--now "$NOW" --ns-addr 127.0.0.1 --ns-addr ::1
t_cmd "canary without --out is refused" 3 "$DNSVIGIL" canary --zone canary.test.
t_cmd "canary with a bad --ns-addr is refused" 3 "$DNSVIGIL" canary --zone canary.test. \
	--out "$WORK/bad" --ns-addr not-an-address

# ---- layout (doc/canary.md)
t_eq "zones.list starts with the parent" "$(head -1 "$OUT/zones.list")" "canary.test. canary.test.zone"
nmodes=$(grep -vc '^#' "$OUT/modes.tsv")
t_eq "one zone per mode plus the parent" "$(wc -l < "$OUT/zones.list")" "$((nmodes + 1))"
t_eq "28 modes" "$nmodes" 28
missing=0
while read -r z f; do [ -s "$OUT/$f" ] || missing=$((missing + 1)); done < "$OUT/zones.list"
t_eq "every listed zone file exists" "$missing" 0
t_grep "dsset holds the parent's DS" '^canary\.test\.[[:space:]]+30[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9A-F]{64}$' "$OUT/dsset"
t_grep "delegation names ns1 with its address" '^ns1\.canary\.test\. 30 IN AAAA ::1$' "$OUT/delegation"
t_grep "modes.tsv: bogus mode with its EDE" $'^rrsig-exp-all\trrsig-exp-all\\.canary\\.test\\.\tA\tbogus\t7$' "$OUT/modes.tsv"
t_grep "modes.tsv: NSEC3 mode" $'^nsec3-iter-51\tnx\\.nsec3-iter-51\\.canary\\.test\\.\tA\tnsec3-iter-51\t27$' "$OUT/modes.tsv"
t_eq "bogus modes" "$(awk -F'\t' '$4 == "bogus"' "$OUT/modes.tsv" | wc -l)" 15
t_grep "children are delegated to ns1" '^valid\.canary\.test\.[[:space:]].*NS[[:space:]]+ns1\.canary\.test\.$' "$OUT/canary.test.zone"
t_nogrep "no DS for the island" '^island\.canary\.test\.[[:space:]].*[[:space:]]DS[[:space:]]' "$OUT/canary.test.zone"
t_grep "DS with unknown digest type 100" '^ds-unknown-digest\.canary\.test\.[[:space:]].*[[:space:]]DS[[:space:]]+[0-9]+ 13 100 ' "$OUT/canary.test.zone"
t_grep "DS with unknown algorithm 100" '^ds-unknown-alg\.canary\.test\.[[:space:]].*[[:space:]]DS[[:space:]]+[0-9]+ 100 2 ' "$OUT/canary.test.zone"
t_grep "DS naming algorithm 8 for an algorithm 13 key" '^ds-bad-alg\.canary\.test\.[[:space:]].*[[:space:]]DS[[:space:]]+[0-9]+ 8 2 ' "$OUT/canary.test.zone"
t_grep "no-zone-bit key has flags 0" $'DNSKEY\t0 3 13 ' "$OUT/no-zone-bit.canary.test.zone"
t_nogrep "unsigned child has no RRSIG" 'RRSIG' "$OUT/unsigned.canary.test.zone"
t_nogrep "dnskey-none child has no DNSKEY" $'\tDNSKEY\t' "$OUT/dnskey-none.canary.test.zone"
t_grep "nsec3-iter-500 has 500 iterations" $'NSEC3PARAM\t1 0 500 -' "$OUT/nsec3-iter-500.canary.test.zone"
t_grep "inverted window: expiration 3 days before, inception 3 days after" 'RRSIG[[:space:]]+A 13 3 30 20261120000000 20261126000000 ' "$OUT/rrsig-inverted.canary.test.zone"
t_grep "expired: ended 3 days before --now" 'RRSIG[[:space:]]+A 13 3 30 20261120000000 20261021000000 ' "$OUT/rrsig-exp-a.canary.test.zone"
t_grep "rrsig-exp-a: the SOA signature is still good" 'RRSIG[[:space:]]+SOA 13 3 30 20261223000000 20261122000000 ' "$OUT/rrsig-exp-a.canary.test.zone"
big=$(awk '$3 == "DNSKEY" { n += length($0) } END { print n }' "$OUT/big-dnskey.canary.test.zone")
t_cmd "big-dnskey: DNSKEY RRset text over 1232 bytes ($big)" 0 test "$big" -gt 1700

# ---- stable across runs with the same keys and --now
"$DNSVIGIL" canary --zone canary.test. --out "$WORK/again" --keys "$OUT/keys" --now "$NOW" \
	--ns-addr 127.0.0.1 --ns-addr ::1 > /dev/null 2>&1
t_cmd "same keys, same DS" 0 cmp "$OUT/dsset" "$WORK/again/dsset"
t_cmd "same keys, same parent (but ECDSA signatures)" 0 diff <(grep -v $'\tRRSIG\t' "$OUT/canary.test.zone") \
	<(grep -v $'\tRRSIG\t' "$WORK/again/canary.test.zone")
"$DNSVIGIL" canary --zone canary.test. --out "$WORK/fresh" --now "$NOW" > /dev/null 2>&1
t_cmd "new keys, new DS" 1 cmp -s "$OUT/dsset" "$WORK/fresh/dsset"

# ---- each child has exactly its fault: dnsvigil verify
# verify_codes ZONE [DS-FILE] - the sorted, de-duplicated finding codes
verify_codes() {
	local f=$OUT/$1.zone ds=()
	[ "$1" = canary.test ] || f=$OUT/$1.canary.test.zone
	[ -n "${2:-}" ] && ds=(--ds "$2")
	"$DNSVIGIL" verify -q --now "$NOW" "${ds[@]}" --format json "$f" > "$WORK/v.json" 2> "$WORK/v.err"
	json_codes "$WORK/v.json" | awk '{ print $1 }' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# DS of a child, from the parent zone, as a --ds file
ds_of() {
	awk -v o="$1.canary.test." '$1 == o && $3 == "DS"' "$OUT/canary.test.zone" > "$WORK/ds.$1"
	echo "$WORK/ds.$1"
}

while read -r label want; do
	t_eq "verify $label: $want" "$(verify_codes "$label")" "$want"
done << 'TABLE'
valid
big-dnskey
island
nsec3-iter-0
unsigned ZONE_UNSIGNED
rrsig-exp-all RRSIG_EXPIRED
rrsig-exp-a RRSIG_EXPIRED
rrsig-notyet RRSIG_NOT_YET_VALID
rrsig-inverted RRSIG_WINDOW_INVERTED
rrsig-none-a RRSIG_MISSING
dnskey-none ZONE_UNSIGNED
nsec-none DENIAL_MISSING
nsec-bad-cover NSEC_CHAIN_BROKEN
wildcard-no-proof NSEC_MISSING
nsec3-iter-1 NSEC3_ITERATIONS
nsec3-iter-51 NSEC3_ITERATIONS
nsec3-iter-500 NSEC3_ITERATIONS
TABLE

# Faults that bring a consequence along: their own code must be there.
contains() { case " $2 " in *" $3 "*) ok "$1";; *) not_ok "$1" "codes: $2";; esac; }
contains "verify rrsig-bad-a: RRSIG_INVALID" "$(verify_codes rrsig-bad-a)" RRSIG_INVALID
contains "verify rrsig-none-dnskey: RRSIG_MISSING" "$(verify_codes rrsig-none-dnskey)" RRSIG_MISSING
contains "verify no-zone-bit: DNSKEY_NOT_ZONE_KEY" "$(verify_codes no-zone-bit)" DNSKEY_NOT_ZONE_KEY
t_eq "verify parent: only the deliberate unknown-digest DS" "$(verify_codes canary.test)" DS_DIGEST_UNKNOWN

# DS faults: the child is sound; the parent's DS is not (verify --ds)
t_eq "verify valid with its DS" "$(verify_codes valid "$(ds_of valid)")" ""
t_eq "verify big-dnskey with its DS" "$(verify_codes big-dnskey "$(ds_of big-dnskey)")" ""
for m in ds-bad-digest ds-bad-tag; do
	t_eq "verify $m alone" "$(verify_codes $m)" ""
	contains "verify $m with its DS: DS_NO_MATCHING_DNSKEY" "$(verify_codes $m "$(ds_of $m)")" DS_NO_MATCHING_DNSKEY
done
contains "verify ds-bad-alg with its DS" "$(verify_codes ds-bad-alg "$(ds_of ds-bad-alg)")" DS_ALGORITHM_MISMATCH
contains "verify ds-unknown-digest with its DS" "$(verify_codes ds-unknown-digest "$(ds_of ds-unknown-digest)")" DS_DIGEST_UNKNOWN

# ---- an independent verifier agrees on the signatures
if command -v ldns-verify-zone > /dev/null; then
	for z in valid big-dnskey nsec3-iter-0 nsec3-iter-150; do
		t_cmd "ldns-verify-zone accepts $z" 0 ldns-verify-zone -t "$NOW" "$OUT/$z.canary.test.zone"
	done
	t_cmd "ldns-verify-zone accepts the parent" 0 ldns-verify-zone -t "$NOW" "$OUT/canary.test.zone"
	# (its exit status is an ldns error number: read the message instead)
	ldns-verify-zone -t "$NOW" "$OUT/rrsig-bad-a.canary.test.zone" > "$WORK/ldns.out" 2>&1
	t_grep "ldns-verify-zone rejects rrsig-bad-a" 'Bogus DNSSEC signature for rrsig-bad-a\.canary\.test\.[[:space:]]+A' "$WORK/ldns.out"
	ldns-verify-zone -t "$NOW" "$OUT/rrsig-none-a.canary.test.zone" > "$WORK/ldns.out" 2>&1
	t_grep "ldns-verify-zone rejects rrsig-none-a" 'no signatures for rrsig-none-a\.canary\.test\.[[:space:]]+A' "$WORK/ldns.out"
else
	ok "ldns-verify-zone not installed # SKIP"
fi
exit 0
