#!/usr/bin/env bash
# Verification that starts during parsing (src/checks/presign.c) must never
# change a verdict: a name whose records are not consecutive in the file is
# verified again once the whole zone is known.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
"$TOP/scripts/make-example.sh" "$WORK/ex" > /dev/null 2>&1
Z="$WORK/ex/example.zone.signed"
NOW=$(date -u +%Y%m%d%H%M%S)

t_cmd "intact zone verifies" 0 "$DNSVIGIL" verify --now "$NOW" --format json "$Z"

# The A RRset of www gains a record at the end of the file: its RRSIG, valid
# over the RRset seen while parsing, no longer covers the whole RRset.
cp "$Z" split.zone
echo 'www.example. 3600 IN A 192.0.2.99' >> split.zone
t_cmd "record appended to a signed RRset: exit 2" 2 "$DNSVIGIL" verify --now "$NOW" --format json split.zone
cp "$WORK/last.out" split.json
t_eq "record appended to a signed RRset: RRSIG_INVALID on www A" \
	"$(json_codes split.json | grep -v '^RRSIG_ORPHAN' | tr '\n' ';')" "RRSIG_INVALID www.example. A;"

# The same records in another order (owners interleaved) give the same
# findings as the file in signer order.
ldns-read-zone "$Z" | sort -r > shuffled.zone
t_cmd "records in reverse order: still clean" 0 "$DNSVIGIL" verify --now "$NOW" --format json shuffled.zone
t_cmd "--threads 1 gives the same verdict" 2 "$DNSVIGIL" verify --threads 1 --now "$NOW" --format json split.zone
