#!/usr/bin/env bash
# test_verify_faults.sh - `dnsvigil verify` on signed zones with one injected
# fault each.  Every case asserts the exit status and the COMPLETE list of
# error/warning findings (code, owner, type): the expected code on the
# expected name and nothing else.  The clean controls (the same fixtures
# without the fault give no finding at all) are in test_verify_clean.sh.
#
# Expectation lines (zt.py match): "CODE OWNER TYPE"; "*" = any; "a|b" =
# either; "?" prefix = allowed, not required; "+" prefix = one or more.
# Where the contract leaves a choice open (e.g. the type of an NSEC_MISSING
# finding, a second finding that follows from the first), the line uses
# "*" or "?"; everything else is exact.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/func/verify/common.sh"

vf_fixtures

# fcase NAME RC EXPECT ZONE VERIFY-ARGS... - verify ZONE, check rc + findings
fcase() {
	local name=$1 rc=$2 exp=$3 zone=$4
	shift 4
	vf_verify "$WORK/$name" "$@" "$zone"
	t_rc "$name: exit $rc" "$rc"
	t_codes "$name: findings" "$WORK/$name.json" "$exp"
}
# fault NAME BASE RC EXPECT OP... - edit a copy of fixture BASE, verify at $NOW
fault() {
	local name=$1 base=$2 rc=$3 exp=$4
	shift 4
	vf_fault "$name" "$base" "$@" || return 0
	fcase "$name" "$rc" "$exp" "$WORK/$name.zone" --now "$NOW"
}
# every RRSIG'd RRset of a zone as expectation lines "PREFIXCODE owner type"
all_rrsets() { "${ZT[@]}" rrsigs "$2" | awk -v c="$1" '{ print c, $1, $2 }'; }
tag() { "${ZT[@]}" keytag "$FX/$1.zone" "$2" "$3"; }
h3() { "${ZT[@]}" nsec3hash "$FX/$1.zone" "$2"; }

# ---- signatures -----------------------------------------------------------
# One base64 character of the signature flipped: RSA, ECDSA, Ed25519.
for base in ldns-a8-nsec bind-a13-nsec knot-a15-nsec; do
	fault "sig-corrupt-$base" "$base" 2 "RRSIG_INVALID www.example. A" \
		"corrupt www.example. A"
done
# Two algorithms: one of the two signatures over www A broken.  The RRset then
# lacks a valid signature of that algorithm, which may be reported too.
fault sig-corrupt-ldns-a8a13-nsec ldns-a8a13-nsec 2 "RRSIG_INVALID www.example. A
?RRSIG_ALGORITHM_MISSING www.example. A" "corrupt www.example. A"
# Evidence: the finding names the ZSK's key tag and algorithm.
for base in ldns-a8-nsec bind-a13-nsec knot-a15-nsec; do
	alg=$(awk -v n="$base" '$1 == n { print $3 }' "$FX/manifest")
	j=$WORK/sig-corrupt-$base.json
	t_eq "sig-corrupt-$base: keytag of the ZSK" "$("${ZT[@]}" get "$j" findings.0.keytag 2>&1)" \
		"$(tag "$base" 256 "$alg")"
	t_eq "sig-corrupt-$base: algorithm" "$("${ZT[@]}" get "$j" findings.0.algorithm 2>&1)" "$alg"
	t_eq "sig-corrupt-$base: severity" "$("${ZT[@]}" get "$j" findings.0.severity 2>&1)" error
	t_eq "sig-corrupt-$base: status" "$("${ZT[@]}" get "$j" status 2>&1)" error
	t_eq "sig-corrupt-$base: summary.errors" "$("${ZT[@]}" get "$j" summary.errors 2>&1)" 1
done

# The text report of the same fault names the code, the owner and the key.
timeout 60 "$DNSVIGIL" verify --now "$NOW" "$WORK/sig-corrupt-bind-a13-nsec.zone" > "$WORK/sig-corrupt.txt" 2>&1
t_eq "sig-corrupt text report: exit 2" $? 2
t_grep "sig-corrupt text report: code and owner" 'RRSIG_INVALID' "$WORK/sig-corrupt.txt"
t_grep "sig-corrupt text report: owner" 'www\.example\.' "$WORK/sig-corrupt.txt"
t_grep "sig-corrupt text report: key tag" "$(tag bind-a13-nsec 256 13)" "$WORK/sig-corrupt.txt"

# An RRSIG deleted.
fault rrsig-del-a bind-a8-nsec3optout 2 "RRSIG_MISSING mail.example. A" \
	"del mail.example. RRSIG A"
fault rrsig-del-dnskey knot-a13-nsec3optout 2 "RRSIG_MISSING example. DNSKEY" \
	"del example. RRSIG DNSKEY"
fault rrsig-del-ds ldns-a15-nsec3optout 2 "RRSIG_MISSING secure.example. DS" \
	"del secure.example. RRSIG DS"
# Two algorithms in the DNSKEY RRset; www A loses its algorithm-8 signature.
fault alg-missing-one ldns-a8a13-nsec 2 "RRSIG_ALGORITHM_MISSING www.example. A" \
	"del www.example. RRSIG A $(tag ldns-a8a13-nsec 256 8)"
# Algorithm 8 keys published, nothing signed with them: every RRset.
fcase alg-missing-all 2 "$(all_rrsets +RRSIG_ALGORITHM_MISSING "$FX/ldns-a13-alg8unused.zone")" \
	"$FX/ldns-a13-alg8unused.zone" --now "$NOW"

# Data changed after signing: the value, one more record, the case of TXT
# data (not a name: case matters).
fault data-changed knot-a13-nsec3optout 2 "RRSIG_INVALID www.example. A" \
	"rdata www.example. A 192.0.2.80 192.0.2.81"
fault data-added ldns-a13-nsec3 2 "RRSIG_INVALID www.example. A" \
	"add www.example. 3600 IN A 192.0.2.81"
fault txt-case ldns-a15-nsec3optout 2 "RRSIG_INVALID txt-host.example. TXT" \
	'rdata Txt-Host.example. TXT "\"Mixed Case\" \"two strings\"" "\"mixed case\" \"two strings\""'
# ... while the case of names in RDATA and of owners does not matter
# (canonical form, RFC 4034 §6.2): still clean.
fault name-case-mx ldns-a8-nsec 0 "" \
	"rdata example. MX '10 Mail.example.' '10 MAIL.EXAMPLE.'" \
	"rdata _sip._tcp.example. SRV '10 60 5060 Mail.Example.' '10 60 5060 mail.example.'" \
	"rdata example. NS NS2.Example. ns2.EXAMPLE."
sed 's/^WWW\.example\./wWw.ExAmple./' "$FX/bind-a13-nsec.zone" > "$WORK/owner-case.zone"
t_grep "owner-case: fault applied" '^wWw\.ExAmple\.' "$WORK/owner-case.zone"
fcase owner-case 0 "" "$WORK/owner-case.zone" --now "$NOW"

# Record order in the file does not matter (canonical RR order, RFC 4034
# §6.3, is the verifier's job): every line shuffled, SOA kept first.
for base in bind-a13-nsec knot-a8-nsec3 ldns-a15-nsec3optout; do
	"$PY" -c '
import random, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.strip() and not l.startswith(";")]
soa = [l for l in lines if "\tSOA\t" in l or " SOA " in l.replace("\t", " ")][:1]
rest = [l for l in lines if l not in soa]
random.Random(4034).shuffle(rest)
print("\n".join(soa + rest))' "$FX/$base.zone" > "$WORK/shuffled-$base.zone"
	t_eq "shuffled-$base: same records" "$("${ZT[@]}" count "$WORK/shuffled-$base.zone")" "$("${ZT[@]}" count "$FX/$base.zone")"
	fcase "shuffled-$base" 0 "" "$WORK/shuffled-$base.zone" --now "$NOW"
done
# Owner case differing between an RRset, its RRSIG, its NSEC and the NSEC's
# RRSIG (names compare case-insensitively): still valid.
sed -E -e '/^WWW\.example\.[[:space:]].*RRSIG[[:space:]]+A /s/^WWW\.example\./wWw.EXAMPLE./' \
	-e '/^WWW\.example\.[[:space:]].*[[:space:]]NSEC[[:space:]]/s/^WWW\.example\./www.Example./' \
	"$FX/bind-a13-nsec.zone" > "$WORK/owner-case-mixed.zone"
t_eq "owner-case-mixed: fault applied" "$(grep -cE '^(wWw\.EXAMPLE|www\.Example)\.' "$WORK/owner-case-mixed.zone")" 3
fcase owner-case-mixed 0 "" "$WORK/owner-case-mixed.zone" --now "$NOW"
# A record repeated in the file is one record (RFC 2181 §5): still valid.
fault duplicate-rr bind-a13-nsec 0 "" "add mail.example. 3600 IN A 192.0.2.25" \
	"add multi.example. 3600 IN A 192.0.2.9"
# ... and so is a repeated RRSIG.
grep -E '^mail\.example\.[[:space:]].*RRSIG[[:space:]]+A ' "$FX/bind-a13-nsec.zone" > "$WORK/dup-sig.line"
t_eq "duplicate-rrsig: one RRSIG line to repeat" "$(wc -l < "$WORK/dup-sig.line")" 1
cat "$FX/bind-a13-nsec.zone" "$WORK/dup-sig.line" > "$WORK/duplicate-rrsig.zone"
fcase duplicate-rrsig 0 "" "$WORK/duplicate-rrsig.zone" --now "$NOW"

# TTL changed (the signature still verifies with the original TTL).
fault ttl-changed bind-a13-nsec 1 "RRSIG_TTL_MISMATCH mail.example. A" \
	"ttl mail.example. A 7200"
t_eq "ttl-changed: warning severity" "$("${ZT[@]}" sev "$WORK/ttl-changed.json" RRSIG_TTL_MISMATCH 2>&1)" warning

# RRSIG fields that are wrong in themselves.  The edit also breaks the
# signature, so RRSIG_INVALID may be reported beside them.
fault labels ldns-a8-nsec 2 "RRSIG_LABELS_MISMATCH www.example. A
?RRSIG_INVALID www.example. A" "rrsigfield www.example. A 2 3"
# Labels below the owner's count on a non-wildcard name (it would claim a
# wildcard expansion), and above it on the wildcard (counting the "*").
fault labels-low bind-a13-nsec 2 "RRSIG_LABELS_MISMATCH www.example. A
?RRSIG_INVALID www.example. A" "rrsigfield www.example. A 2 1"
fault labels-wild knot-a15-nsec 2 "RRSIG_LABELS_MISMATCH *.wild.example. A
?RRSIG_INVALID *.wild.example. A" "rrsigfield *.wild.example. A 2 3"
fault signer bind-a13-nsec 2 "RRSIG_SIGNER_MISMATCH www.example. A
?RRSIG_INVALID www.example. A
?RRSIG_NO_DNSKEY www.example. A
?RRSIG_MISSING www.example. A" "rrsigfield www.example. A 7 other.test."
fault window-inverted knot-a15-nsec 2 "RRSIG_WINDOW_INVERTED www.example. A
?RRSIG_INVALID www.example. A
?RRSIG_NOT_YET_VALID www.example. A" "rrsigfield www.example. A 5 20360101000000"
fault no-dnskey ldns-a13-nsec3 2 "RRSIG_NO_DNSKEY www.example. A
?RRSIG_MISSING www.example. A" "rrsigfield www.example. A 6 1"
# A stale RRSIG for a type that is gone (its NSEC still lists the type).
fault rrsig-orphan bind-a13-nsec 2 "RRSIG_ORPHAN mail.example. A
NSEC_BITMAP_MISMATCH mail.example. *" "del mail.example. A"

# ---- time ---------------------------------------------------------------
# One RRset carries a valid signature from another run with another window.
fault expired-one ldns-a13-nsec3 2 "RRSIG_EXPIRED www.example. A" \
	"splice $FX/ldns-a13-nsec3-past.zone www.example. A"
t_eq "expired-one: earliest_expiry is that signature's" \
	"$("${ZT[@]}" get "$WORK/expired-one.json" summary.earliest_expiry 2>&1)" 1748736000
t_eq "expired-one: finding time = expiration" \
	"$("${ZT[@]}" get "$WORK/expired-one.json" findings.0.time 2>&1)" 1748736000
fault notyet-one ldns-a13-nsec3 2 "RRSIG_NOT_YET_VALID www.example. A" \
	"splice $FX/ldns-a13-nsec3-future.zone www.example. A"
t_eq "notyet-one: finding time = inception" \
	"$("${ZT[@]}" get "$WORK/notyet-one.json" findings.0.time 2>&1)" 1956528000
vf_fault soon-one ldns-a13-nsec3 "splice $FX/ldns-a13-nsec3-early.zone www.example. A" &&
	fcase soon-one 1 "RRSIG_EXPIRES_SOON www.example. A" "$WORK/soon-one.zone" --now 20301226000000
t_eq "soon-one: earliest_expiry" \
	"$("${ZT[@]}" get "$WORK/soon-one.json" summary.earliest_expiry 2>&1)" 1924992000
t_eq "soon-one: status warning" "$("${ZT[@]}" get "$WORK/soon-one.json" status 2>&1)" warning
t_eq "soon-one: summary.warnings" "$("${ZT[@]}" get "$WORK/soon-one.json" summary.warnings 2>&1)" 1
# The same zone at $NOW (a year before) is clean, and so is the base at that time.
fcase soon-one-control 0 "" "$WORK/soon-one.zone" --now "$NOW"
fcase soon-base-control 0 "" "$FX/ldns-a13-nsec3.zone" --now 20301226000000

# Whole zones past expiry / before inception / close to expiry: every RRset,
# one per signer.  Expiry is 2035-01-01 00:00:00.
for base in ldns-a13-nsec3 bind-a15-nsec3 knot-a8-nsec3; do
	z=$FX/$base.zone
	fcase "expired-all-$base" 2 "$(all_rrsets +RRSIG_EXPIRED "$z")" "$z" --now 20350101000001
	j=$WORK/expired-all-$base.json
	t_eq "expired-all-$base: earliest_expiry" "$("${ZT[@]}" get "$j" summary.earliest_expiry 2>&1)" "$EXP_UNIX"
	t_eq "expired-all-$base: every finding's time is the expiration" "$("$PY" -c '
import json, sys
print(sorted({f.get("time") for f in json.load(open(sys.argv[1]))["findings"]
              if f.get("code") == "RRSIG_EXPIRED"}))' "$j" 2>&1)" "[$EXP_UNIX]"
	t_eq "expired-all-$base: status error" "$("${ZT[@]}" get "$j" status 2>&1)" error
	fcase "notyet-all-$base" 2 "$(all_rrsets +RRSIG_NOT_YET_VALID "$z")" "$z" --now 20241231235959
	# 5 days before expiry: inside the default 7-day warning window.
	fcase "soon-all-$base" 1 "$(all_rrsets +RRSIG_EXPIRES_SOON "$z")" "$z" --now 20341227000000
	# Last second of validity: not expired yet (it may be "soon" or
	# "critical", whatever the critical threshold is).
	vf_verify "$WORK/lastsec-$base" --now 20341231235959 "$z"
	t_nogrep "lastsec-$base: nothing expired at the last second" 'RRSIG_EXPIRED"' "$WORK/lastsec-$base.json"
	t_codes "lastsec-$base: every RRset expires soon" "$WORK/lastsec-$base.json" \
		"$(all_rrsets +RRSIG_EXPIRES_SOON "$z" | sed 's/^+/?/')
$(all_rrsets +RRSIG_EXPIRES_CRITICAL "$z" | sed 's/^+/?/')"
	t_grep "lastsec-$base: reports the coming expiry" 'RRSIG_EXPIRES_(SOON|CRITICAL)' "$WORK/lastsec-$base.json"
done
# Boundaries (RFC 4035 §5.3.1: inception <= now <= expiration is valid).
z=$FX/knot-a15-nsec.zone
fcase at-inception 0 "" "$z" --now 20250101000000
# At the expiration second 0 s are left: below the critical threshold (1d
# by default), an error for every RRset.
fcase at-expiration 2 "$(all_rrsets +RRSIG_EXPIRES_CRITICAL "$z")" "$z" --now 20350101000000 --warn 2d
t_nogrep "at-expiration: not expired at the expiration second" 'RRSIG_EXPIRED"' "$WORK/at-expiration.json"
# --warn-expiry (the deprecated name of --warn): the window, its units; a
# bare number is days, as in every threshold.
z=$FX/bind-a13-nsec.zone
for w in "4d 0" "6d 1" "96h 0" "144h 1" "4 0" "6 1" "1w 1" "5759m 0" "7201m 1" "432001s 1" "431999s 0"; do
	# shellcheck disable=SC2086 # two words wanted
	set -- $w
	vf_verify "$WORK/warn-$1" --now 20341227000000 --warn-expiry "$1" "$z"
	t_rc "--warn-expiry $1 at 5 days before expiry: exit $2" "$2"
	if [ "$2" = 0 ]; then
		t_codes "--warn-expiry $1: no finding" "$WORK/warn-$1.json" ""
	else
		t_codes "--warn-expiry $1: every RRset expires soon" "$WORK/warn-$1.json" \
			"$(all_rrsets +RRSIG_EXPIRES_SOON "$z")"
	fi
done
# --now as @UNIXSECONDS means the same instant as the calendar form.
vf_verify "$WORK/now-unix" --now @2051222401 "$FX/ldns-a13-nsec3.zone"
t_rc "--now @UNIX: exit 2 after expiry" 2
t_codes "--now @UNIX: every RRset expired" "$WORK/now-unix.json" \
	"$(all_rrsets +RRSIG_EXPIRED "$FX/ldns-a13-nsec3.zone")"

# ---- NSEC ---------------------------------------------------------------
# A name's NSEC (and its RRSIG) deleted.  The predecessor's NSEC still names
# the right next name; the chain stops at the gap, which NSEC_MISSING already
# says, so NSEC_CHAIN_BROKEN there is allowed, not required.  (Same for NSEC3.)
for base in bind-a13-nsec ldns-a8-nsec; do
	fault "nsec-del-$base" "$base" 2 "NSEC_MISSING mail.example. *
?NSEC_CHAIN_BROKEN $("${ZT[@]}" nsecprev "$FX/$base.zone" mail.example.) *" \
		"del mail.example. NSEC" "del mail.example. RRSIG NSEC"
done
# An NSEC whose next name skips a name (mail -> the name after its successor).
z=$FX/bind-a13-nsec.zone
n1=$("${ZT[@]}" field "$z" mail.example. NSEC 0)
n2=$("${ZT[@]}" field "$z" "$n1" NSEC 0)
fault nsec-skip bind-a13-nsec 2 "NSEC_CHAIN_BROKEN mail.example. *
RRSIG_INVALID mail.example. NSEC
?NSEC_CHAIN_BROKEN * *" "field mail.example. NSEC 0 $n2"
fault nsec-bitmap knot-a15-nsec 2 "NSEC_BITMAP_MISMATCH ns1.example. *
RRSIG_INVALID ns1.example. NSEC" "nsecbitmap ns1.example. A RRSIG NSEC"
# A type added at a name without re-signing: unsigned, and not in the bitmap.
fault add-a-nsec ldns-a8-nsec 2 "RRSIG_MISSING txt-host.example. A
NSEC_BITMAP_MISMATCH txt-host.example. *" "add Txt-Host.example. 3600 IN A 192.0.2.77"
fault nsec-unexpected bind-a13-nsec 2 "NSEC_UNEXPECTED ns1.glued.example. *
?NSEC_CHAIN_BROKEN * *" "add ns1.glued.example. 3600 IN NSEC ns2.glued.example. A AAAA NSEC"
fault denial-none bind-a13-nsec 2 "DENIAL_MISSING example. *" "delapex-all NSEC"
# Every NSEC3 removed, NSEC3PARAM kept: no chain at all.  Reported as missing
# denial, or as missing NSEC3 (at least at the apex); nothing else.
vf_fault nsec3-none bind-a15-nsec3 "delapex-all NSEC3" &&
	vf_verify "$WORK/nsec3-none" --now "$NOW" "$WORK/nsec3-none.zone"
t_rc "nsec3-none: exit 2" 2
if "${ZT[@]}" match "$WORK/nsec3-none.json" <(printf 'DENIAL_MISSING example. *\n?NSEC3_MISSING * *\n') > /dev/null 2>&1 ||
	"${ZT[@]}" match "$WORK/nsec3-none.json" <(printf 'NSEC3_MISSING example.|%s *\n?NSEC3_MISSING * *\n' \
		"$(h3 bind-a15-nsec3 example.)") > /dev/null 2>&1; then
	ok "nsec3-none: findings"
else
	not_ok "nsec3-none: findings" "$("${ZT[@]}" ew "$WORK/nsec3-none.json" 2>&1 | head -5)"
fi

# ---- NSEC3 --------------------------------------------------------------
for base in ldns-a13-nsec3 knot-a8-nsec3 bind-a15-nsec3; do
	fault "nsec3-del-$base" "$base" 2 "NSEC3_MISSING www.example.|$(h3 "$base" www.example.) *
?NSEC3_CHAIN_BROKEN $("${ZT[@]}" nsec3prev "$FX/$base.zone" www.example.) *" "delnsec3 www.example."
done
# An NSEC3 whose next hash skips one (www's NSEC3 -> its successor's next).
z=$FX/knot-a8-nsec3.zone
o=$(h3 knot-a8-nsec3 www.example.)
n1=$("${ZT[@]}" field "$z" "$o" NSEC3 4)
n2=$("${ZT[@]}" field "$z" "$n1.example." NSEC3 4)
fault nsec3-skip knot-a8-nsec3 2 "NSEC3_CHAIN_BROKEN $o *
RRSIG_INVALID $o NSEC3
?NSEC3_CHAIN_BROKEN * *" "field $o NSEC3 4 $n2"
# The NSEC3 of an empty non-terminal (b.sub: only a.b.sub exists) deleted.
fault nsec3-del-ent ldns-a13-nsec3 2 "NSEC3_MISSING b.sub.example.|$(h3 ldns-a13-nsec3 b.sub.example.) *
?NSEC3_CHAIN_BROKEN $("${ZT[@]}" nsec3prev "$FX/ldns-a13-nsec3.zone" b.sub.example.) *" "delnsec3 b.sub.example."
# Opt-out: a delegation WITH a DS still needs its NSEC3 (RFC 5155 §7.1).
fault nsec3-del-secure bind-a8-nsec3optout 2 "NSEC3_MISSING secure.example.|$(h3 bind-a8-nsec3optout secure.example.) *
?NSEC3_CHAIN_BROKEN $("${ZT[@]}" nsec3prev "$FX/bind-a8-nsec3optout.zone" secure.example.) *" "delnsec3 secure.example."
# The only name under sub removed (with its RRSIG): the NSEC3 records of
# a.b.sub, b.sub and sub now hash no name of the zone.
fault nsec3-orphan knot-a8-nsec3 2 "NSEC3_ORPHAN $(h3 knot-a8-nsec3 a.b.sub.example.) *
NSEC3_ORPHAN $(h3 knot-a8-nsec3 b.sub.example.) *
NSEC3_ORPHAN $(h3 knot-a8-nsec3 sub.example.) *" "del a.b.sub.example. A" "del a.b.sub.example. RRSIG A"
fault add-a-nsec3 bind-a15-nsec3 2 "RRSIG_MISSING txt-host.example. A
NSEC3_BITMAP_MISMATCH txt-host.example.|$(h3 bind-a15-nsec3 txt-host.example.) *" \
	"add Txt-Host.example. 3600 IN A 192.0.2.77"
fault add-name-nsec3 ldns-a13-nsec3 2 "RRSIG_MISSING new.example. A
NSEC3_MISSING new.example.|$(h3 ldns-a13-nsec3 new.example.) *" \
	"add new.example. 3600 IN A 192.0.2.9"
# Opt-out: an unsigned delegation added needs no NSEC3 (RFC 5155 §6) - clean.
fault add-deleg-optout knot-a13-nsec3optout 0 "" "add new.example. 86400 IN NS ns.other.test."
# ... but without opt-out it does.
fault add-deleg-nooptout knot-a8-nsec3 2 "NSEC3_MISSING new.example.|$(h3 knot-a8-nsec3 new.example.) *" \
	"add new.example. 86400 IN NS ns.other.test."
fault nsec3param-del bind-a15-nsec3 2 "NSEC3PARAM_MISSING example. *
NSEC3_BITMAP_MISMATCH example.|$(h3 bind-a15-nsec3 example.) *" \
	"del example. NSEC3PARAM" "del example. RRSIG NSEC3PARAM"
# NSEC3PARAM iterations edited (the chain keeps 0): the parameters differ,
# whatever the count - also above the count where hashing is given up.
for it in 100 3000; do
	fault "nsec3param-iter-$it" ldns-a13-nsec3 2 "+NSEC3_PARAM_MISMATCH * *
NSEC3_ITERATIONS example. *
RRSIG_INVALID example. NSEC3PARAM
?NSEC3_MISSING * *" "field example. NSEC3PARAM 2 $it"
done
# Iterations and salt (ldns-signzone -t 5 -s ABCD): a warning and an info.
fcase nsec3-iter 1 "NSEC3_ITERATIONS example. *" "$FX/ldns-a13-nsec3iter.zone" --now "$NOW"
t_eq "nsec3-iter: NSEC3_SALT reported as info" \
	"$("${ZT[@]}" sev "$WORK/nsec3-iter.json" NSEC3_SALT | sort -u)" info
t_eq "nsec3-iter: NSEC3_ITERATIONS is a warning" \
	"$("${ZT[@]}" sev "$WORK/nsec3-iter.json" NSEC3_ITERATIONS | sort -u)" warning
vf_verify "$WORK/nsec3-noiter" --now "$NOW" "$FX/ldns-a13-nsec3.zone"
t_nogrep "nsec3-iter control: no NSEC3_SALT/ITERATIONS at 0 iterations, no salt" \
	'NSEC3_SALT|NSEC3_ITERATIONS' "$WORK/nsec3-noiter.json"

# ---- keys and DS ----------------------------------------------------------
# The KSK removed from the DNSKEY RRset; the parent's DS still names it.
fault ksk-gone ldns-a13-nsec3 2 "RRSIG_NO_DNSKEY example. DNSKEY
?RRSIG_MISSING example. DNSKEY" "delrdata example. DNSKEY 257"
vf_verify "$WORK/ksk-gone-ds" --now "$NOW" --ds "$FX/ldns-a13-nsec3.ds" "$WORK/ksk-gone.zone"
t_rc "ksk-gone --ds: exit 2" 2
t_codes "ksk-gone --ds: findings" "$WORK/ksk-gone-ds.json" "DS_NO_MATCHING_DNSKEY example. *
DNSKEY_NOT_SIGNED_BY_DS_KEY example. *
RRSIG_NO_DNSKEY example. DNSKEY
?RRSIG_MISSING example. DNSKEY"
# A DS for another zone's key of the same algorithm.
fcase ds-other-key 2 "DS_NO_MATCHING_DNSKEY example. *
DNSKEY_NOT_SIGNED_BY_DS_KEY example. *" "$FX/ldns-a13-nsec3.zone" --now "$NOW" --ds "$FX/bind-a13-nsec.ds"
# The same with a DNSKEY-form trust anchor of another key.
fcase ta-other-key 2 "DS_NO_MATCHING_DNSKEY example. *
DNSKEY_NOT_SIGNED_BY_DS_KEY example. *" "$FX/ldns-a13-nsec3.zone" --now "$NOW" --ds "$FX/bind-a13-nsec.dnskey"
# One DS matches, one does not (the other key's): the chain holds.
cat "$FX/ldns-a13-nsec3.ds" "$FX/bind-a13-nsec.ds" > "$WORK/two.ds"
# (A DS without key is normal while a KSK roll is under way, so reporting it
# is optional; the chain must hold.)
vf_verify "$WORK/ds-one-of-two" --now "$NOW" --ds "$WORK/two.ds" "$FX/ldns-a13-nsec3.zone"
t_codes "ds-one-of-two: chain holds" "$WORK/ds-one-of-two.json" "?DS_NO_MATCHING_DNSKEY example. *"
# SHA-1 DS of the right key: deprecated digest, a warning.
fcase ds-sha1 1 "DS_DIGEST_DEPRECATED example. *" "$FX/bind-a13-nsec.zone" --now "$NOW" --ds "$FX/bind-a13-nsec.ds1"
# Algorithm field of the DS changed (13 -> 8), key tag kept.
awk '{ for (i = 1; i <= NF; i++) if ($i == "DS") { $(i + 2) = 8; break } print }' \
	"$FX/bind-a13-nsec.ds" > "$WORK/alg.ds"
fcase ds-alg 2 "DS_ALGORITHM_MISMATCH example. *
DNSKEY_NOT_SIGNED_BY_DS_KEY example. *
?DS_NO_MATCHING_DNSKEY example. *" "$FX/bind-a13-nsec.zone" --now "$NOW" --ds "$WORK/alg.ds"
# Digest changed.
awk '{ n = split($0, f, " "); d = f[n]; f[n] = (substr(d, 1, 1) == "0" ? "1" : "0") substr(d, 2)
       s = f[1]; for (i = 2; i <= n; i++) s = s " " f[i]; print s }' "$FX/knot-a15-nsec.ds" > "$WORK/digest.ds"
fcase ds-digest 2 "+DS_NO_MATCHING_DNSKEY example. *
DNSKEY_NOT_SIGNED_BY_DS_KEY example. *" "$FX/knot-a15-nsec.zone" --now "$NOW" --ds "$WORK/digest.ds"
# DNSKEY RRset signed by the ZSK alone: fine on its own, but the DS names
# the KSK, which signs nothing - the chain of trust is broken.
fcase zskonly 0 "" "$FX/ldns-a13-zskonly.zone" --now "$NOW"
fcase zskonly-ds 2 "DNSKEY_NOT_SIGNED_BY_DS_KEY example. *" "$FX/ldns-a13-zskonly.zone" --now "$NOW" \
	--ds "$FX/ldns-a13-zskonly.ds"
# A revoked KSK beside the active one (RFC 5011 §2.1).
fcase revoked 1 "DNSKEY_REVOKED example. DNSKEY" "$FX/ldns-a13-revoked.zone" --now "$NOW" \
	--ds "$FX/ldns-a13-revoked.ds"
# RSASHA1 keys: deprecated (RFC 8624 §3.1), still verified.
fcase alg5 1 "+ALGORITHM_DEPRECATED example. *" "$FX/ldns-a5-nsec.zone" --now "$NOW"
t_eq "alg5: every RRSIG verified" "$("${ZT[@]}" get "$WORK/alg5.json" summary.rrsigs_verified)" \
	"$("${ZT[@]}" count "$FX/ldns-a5-nsec.zone" RRSIG)"
# RSA keys of 1024 bits.
fcase weak-rsa 1 "+DNSKEY_WEAK_KEY example. DNSKEY" "$FX/ldns-a8b1024-nsec.zone" --now "$NOW"
# CDS (knot-a15-nsec publishes CDS + CDNSKEY): digest edited.  (The CDS
# check is optional here: the contract of verify does not name it.)
fault cds-digest knot-a15-nsec 2 "?CDS_NO_MATCHING_DNSKEY example. *
RRSIG_INVALID example. CDS" "flip example. CDS 3"
# DS RRset at the apex (signed by ldns-signzone, listed in the NSEC bitmap).
fcase ds-apex 2 "DS_AT_APEX example. *" "$FX/ldns-a13-dsapex.zone" --now "$NOW"
# Unsigned zone.
fcase unsigned 2 "ZONE_UNSIGNED example. *
?DENIAL_MISSING example. *" "$FX/unsigned.zone" --now "$NOW"

# ---- non-authoritative data ----------------------------------------------
# An RRSIG copied onto glue (labels fixed to the glue name's 3), and onto the
# delegation NS of "plain": parent-side data must not be signed.
fault rrsig-glue bind-a13-nsec 2 "RRSIG_NON_AUTHORITATIVE ns1.glued.example. A" \
	"copyrrsig www.example. A ns1.glued.example. 3"
# (plain's NSEC3 bitmap lacks the RRSIG type now present there: optional.)
fault rrsig-deleg-ns ldns-a13-nsec3 2 "RRSIG_NON_AUTHORITATIVE plain.example. NS
?NSEC3_BITMAP_MISMATCH plain.example.|$(h3 ldns-a13-nsec3 plain.example.) *" \
	"copyrrsig example. NS plain.example. 2"

# Occluded data below a delegation point: not authoritative, needs neither
# RRSIG nor NSEC - clean (a notice at most).
fault occluded bind-a13-nsec 0 "" "add www.plain.example. 3600 IN A 192.0.2.1"
fault occluded-nsec3 knot-a8-nsec3 0 "" "add www.plain.example. 3600 IN A 192.0.2.1"
# ... and below a DNAME (RFC 6672 §2.4).
fault occluded-dname ldns-a13-nsec3 0 "" "add below.alias.example. 3600 IN A 192.0.2.7"
fault occluded-dname-nsec bind-a13-nsec 0 "" "add below.alias.example. 3600 IN A 192.0.2.7"

# ---- ZONEMD (RFC 8976) ---------------------------------------------------
# Glue is covered by the digest but not signed: only ZONEMD can see this.
fault zonemd-glue knot-a13-zonemd 2 "+ZONEMD_MISMATCH example. *" \
	"rdata ns2.glued.example. A 192.0.2.54 192.0.2.55"
fault zonemd-glue2 ldns-a13-zonemd 2 "+ZONEMD_MISMATCH example. *" \
	"rdata ns2.glued.example. A 192.0.2.54 192.0.2.55"
fault zonemd-digest knot-a13-zonemd 2 "ZONEMD_MISMATCH example. *
RRSIG_INVALID example. ZONEMD" "flip example. ZONEMD 3"
# Two digests (SHA-384, SHA-512), one edited: RFC 8976 §4 accepts the zone
# through the other, so a ZONEMD_MISMATCH is optional; the signature is not.
fault zonemd-digest-one ldns-a13-zonemd 2 "?ZONEMD_MISMATCH example. *
RRSIG_INVALID example. ZONEMD" "flip example. ZONEMD 3 2 1"
# Serial field edited: the digest itself excludes the apex ZONEMD (§3.1) and
# still matches.
fault zonemd-serial knot-a13-zonemd 2 "ZONEMD_SERIAL_MISMATCH example. *
RRSIG_INVALID example. ZONEMD" "field example. ZONEMD 0 2025010102"
# Hash algorithm 240 (unassigned) on the SHA-512 ZONEMD: unsupported; the
# SHA-384 one still verifies.
fault zonemd-unsupported ldns-a13-zonemd 2 "ZONEMD_UNSUPPORTED example. *
RRSIG_INVALID example. ZONEMD" "field example. ZONEMD 2 240 2 2"
# A second SHA-384 ZONEMD (RFC 8976 §2.4: at most one per scheme and hash).
fault zonemd-duplicate knot-a13-zonemd 2 "ZONEMD_DUPLICATE example. *
RRSIG_INVALID example. ZONEMD
?ZONEMD_MISMATCH example. *" "add example. 86400 IN ZONEMD 2025010101 1 1 $(printf '%096d' 0)"
exit 0
