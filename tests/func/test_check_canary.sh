#!/usr/bin/env bash
# tests/func/test_check_canary.sh - dnsvigil check on the zones `dnsvigil
# canary` wrote and the lab serves under canary.lab.: one deliberately broken
# zone per failure mode, each judged with the expected status and code.
. "$(dirname "$0")/lib.sh"

need_lab
if [ "${LAB_CANARY:-0}" != 1 ]; then
	not_ok "the lab serves canary.lab." "LAB_CANARY=${LAB_CANARY:-unset}: start the lab with a dnsvigil that has 'canary'"
	exit 0
fi

# shellcheck disable=SC2086
t_cmd "check of every canary zone exits 2" 2 "$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" \
	--trust-anchor "$LAB_ROOT_DS" -f json $LAB_CANARY_ZONES
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
codes = {}
for f in d["findings"]:
    codes.setdefault(f.get("zone"), set()).add(f["code"])
for z in d["zones"]:
    print(z["name"], z["status"], " ".join(sorted(codes.get(z["name"], []))) or "-")
' "$WORK/last.out" > "$WORK/verdicts"

# expect ZONE STATUS [CODE...] - status, and each CODE among the zone's findings
expect() {
	local zone=$1.canary.lab. st=$2 line
	shift 2
	line=$(grep "^$zone " "$WORK/verdicts")
	t_eq "$zone is $st" "$(echo "$line" | cut -d' ' -f2)" "$st"
	for c in "$@"; do
		if grep -qw -- "$c" <<< "$line"; then ok "$zone: $c"; else not_ok "$zone: $c" "$line"; fi
	done
}
t_grep "canary.lab. itself is secure without findings" '^canary.lab. secure -$' "$WORK/verdicts"
t_grep "valid.canary.lab. is secure without findings" '^valid.canary.lab. secure -$' "$WORK/verdicts"
expect unsigned insecure CHAIN_INSECURE
expect island insecure ISLAND_OF_SECURITY
expect dnskey-none bogus DS_NO_MATCHING_DNSKEY CHAIN_BOGUS
expect ds-bad-digest bogus DS_NO_MATCHING_DNSKEY
expect ds-bad-tag bogus DS_NO_MATCHING_DNSKEY
expect ds-bad-alg bogus DS_NO_MATCHING_DNSKEY
expect ds-unknown-digest insecure DS_DIGEST_UNKNOWN
expect ds-unknown-alg insecure CHAIN_INSECURE
expect no-zone-bit bogus RRSIG_NO_DNSKEY
expect rrsig-exp-all bogus RRSIG_EXPIRED
expect rrsig-notyet bogus RRSIG_NOT_YET_VALID
expect rrsig-inverted bogus RRSIG_WINDOW_INVERTED
expect rrsig-none-dnskey bogus DNSKEY_NOT_SIGNED_BY_DS_KEY
expect nsec-none secure DENIAL_PROOF_INVALID
expect nsec-bad-cover secure DENIAL_PROOF_INVALID
expect nsec3-iter-1 secure NSEC3_ITERATIONS
t_grep "nsec3-iter-0: no iterations finding" '^nsec3-iter-0.canary.lab. secure -$' "$WORK/verdicts"
