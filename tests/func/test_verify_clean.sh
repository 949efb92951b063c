#!/usr/bin/env bash
# test_verify_clean.sh - `dnsvigil verify` on correctly signed zones from three
# signers (ldns-signzone, dnssec-signzone, kzonesign), algorithms 8/13/15,
# NSEC, NSEC3 and NSEC3 opt-out, ZONEMD: exit 0, no error or warning, the
# summary counts what the file holds; --ds (DS and DNSKEY form) keeps it
# clean; the thread count does not change the findings.  These are also the
# clean controls of test_verify_faults.sh (same fixtures, no fault).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/func/verify/common.sh"

vf_fixtures

for n in $(vf_names clean); do
	z=$FX/$n.zone
	read -r _ _ _ denial _ < <(grep "^$n " "$FX/manifest")
	o=$WORK/clean-$n
	vf_verify "$o" --now "$NOW" "$z"
	t_rc "$n: exit 0" 0
	t_codes "$n: no error or warning finding" "$o.json" ""
	mapfile -t v < <("${ZT[@]}" get "$o.json" status command zone summary.errors summary.warnings \
		summary.rrsigs summary.rrsigs_verified summary.records summary.dnskeys summary.denial \
		summary.earliest_expiry 2>&1)
	mapfile -t c < <(for ty in RRSIG "" DNSKEY; do "${ZT[@]}" count "$z" $ty; done)
	t_eq "$n: status ok" "${v[0]}" ok
	t_eq "$n: command" "${v[1]}" verify
	t_eq "$n: zone" "${v[2]}" "$ORIGIN"
	t_eq "$n: summary.errors" "${v[3]}" 0
	t_eq "$n: summary.warnings" "${v[4]}" 0
	t_eq "$n: summary.rrsigs = RRSIGs in the file" "${v[5]}" "${c[0]}"
	t_eq "$n: summary.rrsigs_verified = all of them" "${v[6]}" "${c[0]}"
	t_eq "$n: summary.records = records in the file" "${v[7]}" "${c[1]}"
	t_eq "$n: summary.dnskeys" "${v[8]}" "${c[2]}"
	t_eq "$n: summary.denial" "${v[9]}" "${denial%optout}"
	t_eq "$n: summary.earliest_expiry" "${v[10]}" "$EXP_UNIX"
	t_eq "$n: now" "$("${ZT[@]}" get "$o.json" now)" 1893456000

	# The parent's DS (SHA-256; knot: SHA-256 + SHA-384) and the KSK as a
	# DNSKEY trust anchor both lead to the zone's keys.
	vf_verify "$o-ds" --now "$NOW" --ds "$FX/$n.ds" "$z"
	t_rc "$n --ds DS: exit 0" 0
	t_codes "$n --ds DS: no error or warning finding" "$o-ds.json" ""
	vf_verify "$o-ta" --now "$NOW" --ds "$FX/$n.dnskey" "$z"
	t_rc "$n --ds DNSKEY: exit 0" 0
	t_codes "$n --ds DNSKEY: no error or warning finding" "$o-ta.json" ""
done

# A three-label, mixed-case origin: reported in lowercase, clean, with --ds.
vf_verify "$WORK/deep" --now "$NOW" --ds "$FX/ldns-a13-deep.ds" "$FX/ldns-a13-deep.zone"
t_rc "deep origin: exit 0" 0
t_codes "deep origin: no error or warning finding" "$WORK/deep.json" ""
t_eq "deep origin: zone name" "$("${ZT[@]}" get "$WORK/deep.json" zone)" zone.example.test.
t_eq "deep origin: every RRSIG verified" "$("${ZT[@]}" get "$WORK/deep.json" summary.rrsigs_verified)" \
	"$("${ZT[@]}" count "$FX/ldns-a13-deep.zone" RRSIG)"
vf_fault deep-corrupt ldns-a13-deep "corrupt www.zone.example.test. A" &&
	vf_verify "$WORK/deep-corrupt" --now "$NOW" "$WORK/deep-corrupt.zone"
t_codes "deep origin, one signature corrupted: found" "$WORK/deep-corrupt.json" \
	"RRSIG_INVALID www.zone.example.test. A"

# Controls for the fault tests on fixtures that are not clean by design:
# the fault's code appears only where expected (asserted in the fault test);
# here, the same zones without --ds give no DS-related finding.
for n in ldns-a13-nsec3iter ldns-a13-alg8unused ldns-a13-dsapex; do
	vf_verify "$WORK/ctl-$n" --now "$NOW" "$FX/$n.zone"
	t_nogrep "$n: no DS finding without --ds" '"DS_NO_MATCHING_DNSKEY"|"DNSKEY_NOT_SIGNED_BY_DS_KEY"' \
		"$WORK/ctl-$n.json"
done

# Human report: exit 0, names the zone, and shows the summary (the RRSIG
# count appears, next to a word about signatures).
for n in ldns-a8-nsec bind-a15-nsec3 knot-a13-nsec3optout; do
	z=$FX/$n.zone
	timeout 60 "$DNSVIGIL" verify --now "$NOW" "$z" > "$WORK/$n.txt" 2> "$WORK/$n.txt.err"
	rc=$?
	vf_crashcheck "$WORK/$n.txt.err" "$rc" "text report $n"
	t_eq "$n text: exit 0" "$rc" 0
	t_grep "$n text: names the zone" 'example\.' "$WORK/$n.txt"
	nsig=$("${ZT[@]}" count "$z" RRSIG)
	t_grep "$n text: mentions signatures" '[Ss]ignature|RRSIG' "$WORK/$n.txt"
	t_grep "$n text: shows the RRSIG count ($nsig)" "(^|[^0-9])$nsig([^0-9]|\$)" "$WORK/$n.txt"
	t_grep "$n text: says 0 errors or ok" '([Ee]rrors?[:= ]+0|0 errors?|\bOK\b|\bok\b)' "$WORK/$n.txt"
	t_nogrep "$n text: no ERROR/WARNING line" '^(ERROR|WARNING|error|warning)[ :]' "$WORK/$n.txt"
done

# Threads: the same findings whatever the thread count, on a zone with many
# findings (every signature expired) and on a clean one.
norm() { "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps(sorted(d.get("findings", []), key=lambda f: json.dumps(f, sort_keys=True)), sort_keys=True))
print(d.get("summary", {}).get("rrsigs_verified"), d.get("summary", {}).get("errors"), d.get("status"))
' "$1" 2>&1; }
for n in ldns-a8-nsec bind-a13-nsec knot-a15-nsec ldns-a13-nsec3; do
	for when in "$NOW" 20350102000000; do
		for th in 1 2 4; do
			vf_verify "$WORK/th-$n-$when-$th" --now "$when" --threads "$th" "$FX/$n.zone"
		done
		a=$(norm "$WORK/th-$n-$when-1.json")
		t_eq "$n now=$when: --threads 1 and 2 give the same findings" \
			"$(norm "$WORK/th-$n-$when-2.json")" "$a"
		t_eq "$n now=$when: --threads 1 and 4 give the same findings" \
			"$(norm "$WORK/th-$n-$when-4.json")" "$a"
	done
	t_grep "$n: the expired run has findings (threads compare real data)" \
		'RRSIG_EXPIRED' "$WORK/th-$n-20350102000000-1.json"
done
# The bulk zone with scattered faults: 54 corrupted signatures, 20 RRSIGs
# deleted, 15 TTLs changed.  Every thread count finds exactly those.
vf_verify "$WORK/bulk-clean" --now "$NOW" "$FX/ldns-a13-bulk.zone"
t_rc "bulk, no fault: exit 0" 0
t_codes "bulk, no fault: no finding" "$WORK/bulk-clean.json" ""
ops=() exp="" used=" "
bulkfault() { # STEP FIRST OP CODE - every STEP-th host from FIRST, once each
	local i h
	for ((i = $2; i <= 2000; i += $1)); do
		case $used in *" $i "*) continue ;; esac
		used+="$i "
		h=$(printf 'h%04d.hosts.example.' "$i")
		ops+=("${3/@/$h}")
		exp+="$4 $h A"$'\n'
	done
}
bulkfault 37 37 "corrupt @ A" RRSIG_INVALID
bulkfault 100 11 "del @ RRSIG A" RRSIG_MISSING
bulkfault 133 5 "ttl @ A 60" RRSIG_TTL_MISMATCH
if vf_fault bulk ldns-a13-bulk "${ops[@]}"; then
	for th in 1 2 4; do
		vf_verify "$WORK/bulk-$th" --now "$NOW" --threads "$th" "$WORK/bulk.zone"
		t_rc "bulk --threads $th: exit 2" 2
		t_codes "bulk --threads $th: exactly the injected faults" "$WORK/bulk-$th.json" "$exp"
	done
	t_eq "bulk: --threads 1 and 2, same JSON findings" "$(norm "$WORK/bulk-2.json")" "$(norm "$WORK/bulk-1.json")"
	t_eq "bulk: --threads 1 and 4, same JSON findings" "$(norm "$WORK/bulk-4.json")" "$(norm "$WORK/bulk-1.json")"
	# Order is part of "identical": the findings lists, unsorted, agree too.
	t_eq "bulk: --threads 1 and 2, same order" \
		"$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["findings"]))' "$WORK/bulk-2.json")" \
		"$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["findings"]))' "$WORK/bulk-1.json")"
fi
exit 0
