#!/usr/bin/env bash
# tests/func/test_verify_revoked.sh - RFC 5011 §2.1: a DNSKEY with the REVOKE
# bit validates only the DNSKEY RRset that announces its revocation.  A zone
# whose data is signed only by a revoked key is unsigned to a validator:
# every RRset but DNSKEY gets RRSIG_REVOKED_KEY (an error).  A revoked key
# signing beside a key that counts changes nothing but DNSKEY_REVOKED.
# Zones signed here by ldns-signzone with keys from dnssec-keygen/-revoke.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
cat > unsigned.zone << 'EOF'
$ORIGIN example.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.53
www A 192.0.2.80
mail A 192.0.2.25
EOF
keygen() { dnssec-keygen -q -K "$WORK" -a 13 -L 3600 "$@" example.; }
revoke() { basename "$(dnssec-revoke -r -K "$WORK" "$WORK/$1.key" 2> /dev/null)"; }
pub() { grep -hv '^;' "${@/%/.key}"; }
sign() { # sign OUT KEY... - the unsigned zone with the keys' DNSKEYs, signed by them
	local out=$1
	shift
	{ cat unsigned.zone; pub "$@"; } > "$out.in"
	ldns-signzone -o example. -i 20250101000000 -e 20350101000000 -f "$out" "$out.in" "$@"
}
ksk=$(keygen -f KSK)
zsk=$(keygen)
rksk=$(revoke "$(keygen -f KSK)") # flags 385: a revoked KSK
rzsk=$(revoke "$(keygen)")        # flags 384: ldns-signzone signs the data with it too
sign only.zone "$rksk" 2> /dev/null
sign beside.zone "$ksk" "$zsk" "$rzsk" 2> /dev/null
t_eq "signed by the revoked key alone: 10 RRSIGs over data, 1 over DNSKEY" \
	"$(awk '$4 == "RRSIG" { n[$5 == "DNSKEY"]++ } END { print n[0] + 0, n[1] + 0 }' only.zone)" "10 1"
t_eq "beside: the revoked key signs the data too" \
	"$(awk -v t="$(sed 's/.*+//; s/^0*//' <<< "$rzsk")" '$4 == "RRSIG" && $5 == "A" && $11 == t' beside.zone | wc -l)" 3

for j in 1 2; do
	t_cmd "only a revoked key (-j $j): errors" 2 "$DNSVIGIL" verify -q -j $j --now 20300101000000 \
		--format json only.zone
	json_codes "$WORK/last.out" > "only-$j.codes"
	cat > only.want << 'EOF'
DNSKEY_REVOKED example. DNSKEY
RRSIG_REVOKED_KEY example. MX
RRSIG_REVOKED_KEY example. NS
RRSIG_REVOKED_KEY example. NSEC
RRSIG_REVOKED_KEY example. SOA
RRSIG_REVOKED_KEY mail.example. A
RRSIG_REVOKED_KEY mail.example. NSEC
RRSIG_REVOKED_KEY ns1.example. A
RRSIG_REVOKED_KEY ns1.example. NSEC
RRSIG_REVOKED_KEY www.example. A
RRSIG_REVOKED_KEY www.example. NSEC
EOF
	if diff -u only.want "only-$j.codes" > only.diff; then ok "only a revoked key (-j $j): every RRset but DNSKEY, nothing else"
	else not_ok "only a revoked key (-j $j): findings" "$(cat only.diff)"; fi
	t_grep "only a revoked key (-j $j): evidence names the key" \
		"\"keytag\": $(sed 's/.*+//; s/^0*//' <<< "$rksk")" "$WORK/last.out"

	t_cmd "revoked key beside good ones (-j $j): warning only" 1 "$DNSVIGIL" verify -q -j $j \
		--now 20300101000000 --format json beside.zone
	t_eq "revoked key beside good ones (-j $j): DNSKEY_REVOKED, nothing else" \
		"$(json_codes "$WORK/last.out" | tr '\n' ';')" "DNSKEY_REVOKED example. DNSKEY;"
done

# The text report says it in words.
"$DNSVIGIL" verify -q --now 20300101000000 only.zone > only.txt
t_grep "text: the error heading" '^error RRSIG_REVOKED_KEY \(10\): RRset signed only by a revoked key$' only.txt
