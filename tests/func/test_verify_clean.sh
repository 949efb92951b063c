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
	read -r _ signer algs denial _ < <(grep "^$n " "$FX/manifest")
	o=$WORK/clean-$n
	vf_verify "$o" --now "$NOW" "$z"
	t_rc "$n: exit 0" 0
	t_codes "$n: no error or warning finding" "$o.json" ""
	t_eq "$n: status ok" "$("${ZT[@]}" get "$o.json" status 2>&1)" ok
	t_eq "$n: command" "$("${ZT[@]}" get "$o.json" command 2>&1)" verify
	t_eq "$n: zone" "$("${ZT[@]}" get "$o.json" zone 2>&1)" "$ORIGIN"
	t_eq "$n: summary.errors" "$("${ZT[@]}" get "$o.json" summary.errors 2>&1)" 0
	t_eq "$n: summary.warnings" "$("${ZT[@]}" get "$o.json" summary.warnings 2>&1)" 0
	nsig=$("${ZT[@]}" count "$z" RRSIG)
	t_eq "$n: summary.rrsigs = RRSIGs in the file" "$("${ZT[@]}" get "$o.json" summary.rrsigs 2>&1)" "$nsig"
	t_eq "$n: summary.rrsigs_verified = all of them" \
		"$("${ZT[@]}" get "$o.json" summary.rrsigs_verified 2>&1)" "$nsig"
	t_eq "$n: summary.records = records in the file" \
		"$("${ZT[@]}" get "$o.json" summary.records 2>&1)" "$("${ZT[@]}" count "$z")"
	t_eq "$n: summary.dnskeys" "$("${ZT[@]}" get "$o.json" summary.dnskeys 2>&1)" \
		"$("${ZT[@]}" count "$z" DNSKEY)"
	t_eq "$n: summary.denial" "$("${ZT[@]}" get "$o.json" summary.denial 2>&1)" "${denial%optout}"
	t_eq "$n: summary.earliest_expiry" \
		"$("${ZT[@]}" get "$o.json" summary.earliest_expiry 2>&1)" "$EXP_UNIX"

	# The parent's DS (SHA-256; knot: SHA-256 + SHA-384) and the KSK as a
	# DNSKEY trust anchor both lead to the zone's keys.
	vf_verify "$o-ds" --now "$NOW" --ds "$FX/$n.ds" "$z"
	t_rc "$n --ds DS: exit 0" 0
	t_codes "$n --ds DS: no error or warning finding" "$o-ds.json" ""
	vf_verify "$o-ta" --now "$NOW" --ds "$FX/$n.dnskey" "$z"
	t_rc "$n --ds DNSKEY: exit 0" 0
	t_codes "$n --ds DNSKEY: no error or warning finding" "$o-ta.json" ""
done

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
	"$DNSVIGIL" verify --now "$NOW" "$z" > "$WORK/$n.txt" 2> "$WORK/$n.txt.err"
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
exit 0
