#!/usr/bin/env bash
# tests/func/test_xfr.sh - zone transfers (src/net/xfr.h) against real servers,
# through the tests/func/xfr_probe driver:
#   AXFR of a signed zone from knotd, NSD and BIND, record for record equal to
#   kdig AXFR; servers that refuse (NSD without the zone: REFUSED; knotd and
#   BIND TSIG-only zones without a key: NOTAUTH / REFUSED; with the wrong key:
#   BADKEY); TSIG-signed AXFR from knotd (Knot key file) and BIND (BIND key
#   file); IXFR from knotd after real changes (knotc zone-set), equal to kdig
#   IXFR; IXFR from BIND after a knsupdate; up-to-date and AXFR-style IXFR
#   answers; a TSIG-signed AXFR (IPv4 and IPv6) of ~180
#   messages from NSD (every MAC chained to the one before, RFC 8945 §5.3.1); and
#   tests/func/xfr_faultd.py for streams no real server breaks (cut, reset,
#   wrong ID, stall, slow, out of zone, TC, no question), plus the ceilings.
# shellcheck source=tests/func/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=${XFR_PROBE:-$(dirname "${DNSVIGIL_BIN:-$DNSVIGIL}")/tests/func/xfr_probe}
FAULT=127.0.0.210
FAULT_PORT=5300
BIGNSD=127.0.0.211
BIGNSD_PORT=5301
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null; done
}
trap 'cleanup; dv_schema_report' EXIT

LAB_ENV=${LAB_DIR:-/tmp/dnsvigil-lab}/lab.env
if [ ! -x "$PROBE" ] || [ ! -f "$LAB_ENV" ]; then
	not_ok "xfr_probe built and the lab up" "probe: $PROBE, lab: $LAB_ENV"
	exit 0
fi
# shellcheck source=/dev/null
. "$LAB_ENV"
if [ -z "${LAB_XFR_TSIG_ZONE:-}" ]; then
	not_ok "the lab has the xfr TSIG zone" "restart the lab (tests/lab/start.sh)"
	exit 0
fi

# Fixed addresses below: two suites on one machine (outside namespaces) take turns.
exec 8> /tmp/dnsvigil-test_xfr.lock
if ! flock -w 300 8; then
	not_ok "test_xfr lock" "another test_xfr.sh held /tmp/dnsvigil-test_xfr.lock for 300 s"
	exit 0
fi

# xfr NAME ARGS... - run xfr_probe (bounded), output in $WORK/NAME.out, status in .rc
xfr() {
	local name=$1
	shift
	timeout 60 "$PROBE" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
	echo $? > "$WORK/$name.rc"
}
# field NAME KEY - value of KEY=... in the summary line of $WORK/NAME.out
field() {
	grep -o "\\b$2=[^ ]*" "$WORK/$1.out" | head -1 | cut -d= -f2
}
rc() { cat "$WORK/$1.rc"; }
# expect NAME DESC KEY=VALUE... - every KEY has VALUE in the summary line
expect() {
	local name=$1 desc=$2 kv bad=""
	shift 2
	for kv in "$@"; do
		[ "$(field "$name" "${kv%%=*}")" = "${kv#*=}" ] || bad+="${kv%%=*}=$(field "$name" "${kv%%=*}") (wanted ${kv#*=}) "
	done
	if [ -z "$bad" ]; then ok "$desc"; else not_ok "$desc" "$bad" "$(head -c 600 "$WORK/$name.out")"; fi
}
# kdig_axfr ADDR ZONE [KDIG-ARGS] - the zone's records as kdig prints them, closing SOA dropped, sorted
kdig_axfr() {
	local addr=$1 zone=$2
	shift 2
	kdig "@$addr" "$zone" AXFR +nocomments "$@" 2> /dev/null | grep -v '^;;' | grep . |
		awk '$4 != "TSIG"' | sed '$d' | sort
}
soa_serial() { kdig +short "@$1" "$2" SOA 2> /dev/null | awk '{ print $3 }'; }

# --- AXFR of a signed zone from the three implementations, compared with kdig ------
for srv in "knotd $LAB_KNOT" "nsd $LAB_SEC_NSD" "bind $LAB_SEC_BIND"; do
	set -- $srv
	xfr "axfr-$1" "$2" healthy.lab. axfr dump="$WORK/axfr-$1.txt"
	expect "axfr-$1" "AXFR healthy.lab. from $1: complete, full zone, no TSIG" \
		status=ok failure=ok kind=full tsig=none
	t_eq "AXFR from $1: exit status 0" "$(rc "axfr-$1")" 0
	kdig_axfr "$2" healthy.lab. > "$WORK/kdig-$1.txt"
	sort "$WORK/axfr-$1.txt" > "$WORK/axfr-$1.sorted"
	if [ -s "$WORK/kdig-$1.txt" ] && cmp -s "$WORK/axfr-$1.sorted" "$WORK/kdig-$1.txt"; then
		ok "AXFR from $1: record for record what kdig AXFR gets ($(wc -l < "$WORK/kdig-$1.txt") records)"
	else
		not_ok "AXFR from $1: record for record what kdig AXFR gets" \
			"$(diff "$WORK/axfr-$1.sorted" "$WORK/kdig-$1.txt" | head -5)"
	fi
	t_eq "AXFR from $1: records received = delivered + the closing SOA" \
		"$(field "axfr-$1" records)" "$(($(field "axfr-$1" delivered) + 1))"
	if grep -q $'\tRRSIG\t' "$WORK/axfr-$1.txt" && grep -q $'\tDNSKEY\t' "$WORK/axfr-$1.txt" &&
		grep -q $'\tNSEC\t' "$WORK/axfr-$1.txt"; then
		ok "AXFR from $1: the signed zone (RRSIG, DNSKEY, NSEC) came through"
	else
		not_ok "AXFR from $1: the signed zone (RRSIG, DNSKEY, NSEC) came through"
	fi
	t_eq "AXFR from $1: the SOA is delivered first" "$(head -1 "$WORK/axfr-$1.txt" | awk '{ print $4 }')" SOA
done
t_eq "the three servers hold the same copy" \
	"$(sort -u "$WORK"/axfr-knotd.sorted "$WORK"/axfr-nsd.sorted "$WORK"/axfr-bind.sorted | wc -l)" \
	"$(wc -l < "$WORK/axfr-knotd.sorted")"

# --- servers that refuse ----------------------------------------------------------------
xfr refused "$LAB_FAULT_REFUSED" healthy.lab. axfr
expect refused "NSD without the zone: refused, NOTAUTH" status=fail failure=refused rcode=NOTAUTH
t_eq "refused: exit status 1" "$(rc refused)" 1
t_grep "refused: the detail names the RCODE" 'detail: message 1: the server answered NOTAUTH' "$WORK/refused.out"

Z=$LAB_XFR_TSIG_ZONE
xfr knot-nokey "$LAB_KNOT" "$Z" axfr
expect knot-nokey "knotd TSIG-only zone without a key: refused, NOTAUTH" status=fail failure=refused rcode=NOTAUTH
xfr bind-nokey "$LAB_PROVB_BIND" "$Z" axfr
expect bind-nokey "BIND TSIG-only zone without a key: refused, REFUSED" status=fail failure=refused rcode=REFUSED
xfr knot-wrongkey "$LAB_KNOT" "$Z" axfr tsig="$LAB_XFR_TSIG_BIND_KEY"
expect knot-wrongkey "knotd with a key it does not know: TSIG rejected, BADKEY (17)" \
	status=fail failure=tsig-rejected rcode=NOTAUTH tsig_error=17
xfr bind-wrongkey "$LAB_PROVB_BIND" "$Z" axfr tsig="$LAB_XFR_TSIG_KNOT_KEY"
expect bind-wrongkey "BIND with a key it does not know: TSIG rejected, BADKEY (17)" \
	status=fail failure=tsig-rejected rcode=NOTAUTH tsig_error=17

# --- TSIG-signed AXFR (Knot's key file for knotd, BIND's for BIND) ----------------------
xfr knot-tsig "$LAB_KNOT" "$Z" axfr tsig="$LAB_XFR_TSIG_KNOT_KEY" dump="$WORK/knot-tsig.txt"
expect knot-tsig "knotd TSIG-only zone with keymgr's key file: verified" status=ok kind=full tsig=verified
t_eq "knotd signs every message" "$(field knot-tsig tsig_signed)" "$(field knot-tsig messages)"
secret=$(awk '$1 == "secret:" { print $2 }' "$LAB_XFR_TSIG_KNOT_KEY")
kdig_axfr "$LAB_KNOT" "$Z" -y "hmac-sha256:xfr-knot.lab.:$secret" > "$WORK/kdig-knot-tsig.txt"
if [ -s "$WORK/kdig-knot-tsig.txt" ] && sort "$WORK/knot-tsig.txt" | cmp -s - "$WORK/kdig-knot-tsig.txt"; then
	ok "TSIG AXFR from knotd: the records kdig -y gets"
else
	not_ok "TSIG AXFR from knotd: the records kdig -y gets" "$(sort "$WORK/knot-tsig.txt" | diff - "$WORK/kdig-knot-tsig.txt" | head -5)"
fi
xfr bind-tsig "$LAB_PROVB_BIND" "$Z" axfr tsig="$LAB_XFR_TSIG_BIND_KEY"
expect bind-tsig "BIND TSIG-only zone with tsig-keygen's key file: verified" status=ok kind=full tsig=verified

# --- IXFR from knotd after real changes (the TSIG zone, so IXFR is signed too) ----------
KC=$LAB_DIR/knot/knot.conf
S0=$(soa_serial "$LAB_KNOT" "$Z")
change() { # change OWNER TEXT - one knotc transaction, then wait for a new serial
	local before after
	before=$(soa_serial "$LAB_KNOT" "$Z")
	knotc -c "$KC" zone-begin "$Z" > /dev/null &&
		knotc -c "$KC" zone-set "$Z" "$1" 300 TXT "\"$2\"" > /dev/null &&
		knotc -c "$KC" zone-commit "$Z" > /dev/null || return 1
	for _ in $(seq 1 50); do
		after=$(soa_serial "$LAB_KNOT" "$Z")
		[ -n "$after" ] && [ "$after" != "$before" ] && return 0
		sleep 0.1
	done
	return 1
}
if change "ixfr-one" "first change $$"; then ok "knotc changed $Z"; else not_ok "knotc changed $Z"; fi
S1=$(soa_serial "$LAB_KNOT" "$Z")
xfr ixfr1 "$LAB_KNOT" "$Z" "ixfr=$S0" tsig="$LAB_XFR_TSIG_KNOT_KEY" dump="$WORK/ixfr1.txt"
expect ixfr1 "IXFR from $S0 after one change: a difference sequence, TSIG verified" \
	status=ok kind=diff tsig=verified serial="$S1"
t_grep "IXFR: one step $S0 -> $S1" "^step $S0 $S1 " "$WORK/ixfr1.out"
t_grep "IXFR: the TXT record added" "^\\+ixfr-one\\.$Z.*TXT.*first change" "$WORK/ixfr1.txt"
t_grep "IXFR: its signature added (knotd signs online)" "^\\+ixfr-one\\.$Z.*RRSIG.*TXT" "$WORK/ixfr1.txt"
# kdig's IXFR: every record but the SOAs, in stream order, against ours
kdig "@$LAB_KNOT" "$Z" "IXFR=$S0" +nocomments -y "hmac-sha256:xfr-knot.lab.:$secret" 2> /dev/null |
	grep -v '^;;' | grep . | awk '$4 != "SOA" && $4 != "TSIG"' | sort > "$WORK/kdig-ixfr1.txt"
grep '^[-+]' "$WORK/ixfr1.txt" | cut -c2- | sort > "$WORK/ixfr1.records"
if [ -s "$WORK/kdig-ixfr1.txt" ] && cmp -s "$WORK/ixfr1.records" "$WORK/kdig-ixfr1.txt"; then
	ok "IXFR: the removed and added records are the ones kdig IXFR gets ($(wc -l < "$WORK/ixfr1.records"))"
else
	not_ok "IXFR: the removed and added records are the ones kdig IXFR gets" "$(diff "$WORK/ixfr1.records" "$WORK/kdig-ixfr1.txt" | head -5)"
fi

change "ixfr-two" "second change $$" || not_ok "knotc changed $Z twice"
S2=$(soa_serial "$LAB_KNOT" "$Z")
xfr ixfr2 "$LAB_KNOT" "$Z" "ixfr=$S0" tsig="$LAB_XFR_TSIG_KNOT_KEY" dump="$WORK/ixfr2.txt"
expect ixfr2 "IXFR from $S0 after two changes: a difference sequence" status=ok kind=diff serial="$S2"
t_grep "IXFR: the sequence runs $S0 -> $S2" "^ixfr from=$S0 to=$S2 " "$WORK/ixfr2.out"
t_grep "IXFR: the second step ends at $S2" "^step [0-9]+ $S2 " "$WORK/ixfr2.out"
t_grep "IXFR: the second TXT added" "^\\+ixfr-two\\.$Z.*TXT" "$WORK/ixfr2.txt"
xfr ixfr-current "$LAB_KNOT" "$Z" "ixfr=$S2" tsig="$LAB_XFR_TSIG_KNOT_KEY"
expect ixfr-current "IXFR from the current serial: the SOA alone, up to date" \
	status=ok kind=soa up_to_date=1 serial="$S2"
xfr ixfr-old "$LAB_KNOT" "$Z" ixfr=1 tsig="$LAB_XFR_TSIG_KNOT_KEY"
expect ixfr-old "IXFR from a serial knotd has no history for: the whole zone, AXFR-style" \
	status=ok kind=full serial="$S2"
xfr ixfr-nsd "$LAB_SEC_NSD" healthy.lab. ixfr=1
expect ixfr-nsd "IXFR from NSD (no IXFR history): the whole zone, AXFR-style" status=ok kind=full
t_eq "IXFR AXFR-style from NSD: as many records as its AXFR" "$(field ixfr-nsd delivered)" "$(field axfr-nsd delivered)"

# IXFR from BIND after a real dynamic update (knsupdate, signed with BIND's key)
bsecret=$(awk -F'"' '/secret/ { print $2 }' "$LAB_XFR_TSIG_BIND_KEY")
B0=$(soa_serial "$LAB_PROVB_BIND" "$Z")
printf 'server %s\nzone %s\nupdate add upd-%s.%s 300 TXT "by knsupdate"\nsend\n' \
	"$LAB_PROVB_BIND" "$Z" "$$" "$Z" | knsupdate -y "hmac-sha256:xfr-bind.lab.:$bsecret" > "$WORK/knsupdate.out" 2>&1
B1=""
for _ in $(seq 1 50); do
	B1=$(soa_serial "$LAB_PROVB_BIND" "$Z")
	[ -n "$B1" ] && [ "$B1" != "$B0" ] && break
	sleep 0.1
done
xfr bind-ixfr "$LAB_PROVB_BIND" "$Z" "ixfr=$B0" tsig="$LAB_XFR_TSIG_BIND_KEY" dump="$WORK/bind-ixfr.txt"
expect bind-ixfr "IXFR from BIND after knsupdate: a difference sequence, TSIG verified" \
	status=ok kind=diff tsig=verified serial="$B1"
t_grep "IXFR from BIND: one step $B0 -> $B1, one record added" "^step $B0 $B1 removed=0 added=1$" "$WORK/bind-ixfr.out"
t_grep "IXFR from BIND: the updated TXT" "^\\+upd-$$\\.$Z.*TXT.*by knsupdate" "$WORK/bind-ixfr.txt"

# --- a long TSIG-signed AXFR from NSD (RFC 8945 §5.3.1: each MAC covers the one before) ---
if command -v nsd > /dev/null; then
	N=$WORK/bignsd
	mkdir -p "$N"
	{
		printf '$ORIGIN big.test.\n$TTL 300\n@ SOA ns host 1 600 60 86400 30\n@ NS ns\nns A 192.0.2.1\n'
		for i in $(seq 1 40000); do printf 't%d TXT "%s record %d"\n' "$i" padding-padding-padding-padding-padding "$i"; done
	} > "$N/big.test.zone"
	cat > "$N/nsd.conf" << EOF
server:
    ip-address: $BIGNSD@$BIGNSD_PORT
    ip-address: ::1@$BIGNSD_PORT
    username: ""
    chroot: ""
    zonesdir: "$N"
    database: ""
    pidfile: "$N/nsd.pid"
    zonelistfile: "$N/zone.list"
    xfrdfile: "$N/xfrd.state"
    xfrdir: "$N"
    logfile: "$N/nsd.log"
    server-count: 1
    zonefiles-write: 0
remote-control:
    control-enable: no
key:
    name: "xfr-bind.lab."
    algorithm: hmac-sha256
    secret: "$bsecret"
zone:
    name: "big.test."
    zonefile: "big.test.zone"
    provide-xfr: 127.0.0.0/8 xfr-bind.lab.
    provide-xfr: ::1 xfr-bind.lab.
EOF
	nsd -d -c "$N/nsd.conf" > "$N/nsd.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		[ -n "$(kdig +short "@$BIGNSD" -p "$BIGNSD_PORT" big.test. SOA 2> /dev/null)" ] && break
		sleep 0.1
	done
	xfr bignsd "$BIGNSD@$BIGNSD_PORT" big.test. axfr tsig="$LAB_XFR_TSIG_BIND_KEY"
	expect bignsd "NSD, 40003 records, TSIG: verified" status=ok kind=full tsig=verified delivered=40003
	msgs=$(field bignsd messages)
	if [ -n "$msgs" ] && [ "$msgs" -gt 100 ] && [ "$(field bignsd tsig_signed)" = "$msgs" ]; then
		ok "NSD: $msgs messages, each MAC chained to the one before, all verified"
	else
		not_ok "NSD: more than 100 messages, all signed and verified" "messages=$msgs signed=$(field bignsd tsig_signed)"
	fi
	xfr bignsd-v6 "[::1]:$BIGNSD_PORT" big.test. axfr tsig="$LAB_XFR_TSIG_BIND_KEY"
	expect bignsd-v6 "the same over IPv6 (::1)" status=ok kind=full tsig=verified delivered=40003
	xfr bignsd-nokey "$BIGNSD@$BIGNSD_PORT" big.test. axfr
	expect bignsd-nokey "NSD TSIG-only zone without a key: refused" status=fail failure=refused
	xfr bignsd-bytes "$BIGNSD@$BIGNSD_PORT" big.test. axfr tsig="$LAB_XFR_TSIG_BIND_KEY" max_bytes=100000
	expect bignsd-bytes "byte ceiling: the transfer stops" status=fail failure=limit
	t_grep "byte ceiling: named" 'more than 100000 bytes' "$WORK/bignsd-bytes.out"
	xfr bignsd-msgs "$BIGNSD@$BIGNSD_PORT" big.test. axfr tsig="$LAB_XFR_TSIG_BIND_KEY" max_messages=20
	expect bignsd-msgs "message ceiling: the transfer stops at message 21" status=fail failure=limit messages=21
	xfr bignsd-recs "$BIGNSD@$BIGNSD_PORT" big.test. axfr tsig="$LAB_XFR_TSIG_BIND_KEY" max_records=1000
	expect bignsd-recs "record ceiling: the transfer stops" status=fail failure=limit
	xfr bignsd-stop "$BIGNSD@$BIGNSD_PORT" big.test. axfr tsig="$LAB_XFR_TSIG_BIND_KEY" stop_after=3
	expect bignsd-stop "the record consumer stops the transfer after message 3" status=fail failure=aborted messages=3
else
	not_ok "nsd installed"
fi

# --- broken streams (xfr_faultd.py) -------------------------------------------------------
python3 "$(dirname "$0")/xfr_faultd.py" "$FAULT" "$FAULT_PORT" > "$WORK/faultd.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
	(echo > "/dev/tcp/$FAULT/$FAULT_PORT") 2> /dev/null && break
	sleep 0.1
done
F=$FAULT@$FAULT_PORT
xfr f-ok "$F" ok.test. axfr
expect f-ok "a stream in 7-byte pieces, 5 messages: complete" status=ok kind=full messages=5 delivered=51
xfr f-eof "$F" eof.test. axfr
expect f-eof "closed after message 1: truncated" status=fail failure=truncated
t_grep "truncated: named" 'after message 1, before the closing SOA' "$WORK/f-eof.out"
xfr f-reset "$F" reset.test. axfr
expect f-reset "reset after message 1: network" status=fail failure=network
t_grep "reset: named" 'connection lost: connection reset by peer' "$WORK/f-reset.out"
xfr f-badid "$F" badid.test. axfr
expect f-badid "another ID in message 2: malformed" status=fail failure=malformed
t_grep "wrong ID: named" 'message 2: ID [0-9]+, the query.s was' "$WORK/f-badid.out"
xfr f-stall "$F" stall.test. axfr idle_ms=500
expect f-stall "silence after message 1: idle timeout" status=fail failure=timeout
t_grep "idle timeout: named" 'nothing received for 500 ms \(after 1 messages\)' "$WORK/f-stall.out"
xfr f-slow "$F" slow.test. axfr max_ms=500
expect f-slow "slower than the whole-transfer ceiling: timeout" status=fail failure=timeout
t_grep "transfer ceiling: named" 'took longer than 500 ms' "$WORK/f-slow.out"
xfr f-outside "$F" outside.test. axfr
expect f-outside "a record of another zone: malformed" status=fail failure=malformed
t_grep "out of zone: names message and record" 'message 2, record 11 \(www.elsewhere. A\): outside the zone' "$WORK/f-outside.out"
xfr f-noq "$F" noquestion.test. axfr
expect f-noq "no question in message 1: malformed" status=fail failure=malformed
xfr f-tc "$F" tc.test. axfr
expect f-tc "TC in a transfer message: malformed" status=fail failure=malformed
xfr f-refused "$F" refused.test. axfr
expect f-refused "REFUSED" status=fail failure=refused rcode=REFUSED
xfr f-dead "$LAB_DEAD" healthy.lab. axfr
expect f-dead "nothing listens: network, connection refused" status=fail failure=network
t_grep "dead: named" 'connect: connection refused' "$WORK/f-dead.out"
xfr f-repeat "$F" ok.test. axfr repeat=3
t_eq "three transfers one after another on one engine" "$(grep -c '^status=ok' "$WORK/f-repeat.out")" 3

cat "$WORK"/*.err > "$WORK/all.err" 2> /dev/null
t_nogrep "no sanitizer report from any xfr_probe run" 'Sanitizer|runtime error|leak' "$WORK/all.err"
exit 0
