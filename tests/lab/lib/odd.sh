# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/odd.sh - the odd-one-out NSD (127.53.4.1) and what makes it
# odd: a stale copy of stale.lab., unsigned-server.lab. without its RRSIGs,
# the other CDS of cds-differ.lab.; then knotd changes stale.lab. so that only
# the real secondaries follow.  The same NSD answers REFUSED on
# LAB_FAULT_REFUSED (it has no faulty.lab.).  Sourced by start.sh; defines
# functions only.
#
# Reads: LAB_DIR, LOG, the LAB_* addresses, KC (knot.sh), Z.
# Sets: STALE_OLD, STALE_NEW (serials of stale.lab. on the odd server / the others).

# axfr ADDR ZONE - the zone as ADDR transfers it, one RR per line
axfr() { dig +norec +time=2 +tries=1 "@$1" "$2" AXFR +onesoa +nocmd +nostats +nocomments 2> /dev/null; }

odd_start() {
	nsd_conf odd "$LAB_ODD_NSD $LAB_FAULT_REFUSED"
	# stale.lab.: the odd server keeps the version transferred now; knotd then
	# changes the zone and NOTIFYs only the real secondaries, which follow
	axfr "$LAB_KNOT" stale.lab. > "$Z/stale.lab.old"
	grep -q 'RRSIG' "$Z/stale.lab.old" || die "AXFR of stale.lab. from knotd failed"
	STALE_OLD=$(soa_serial "$LAB_KNOT" stale.lab.)
	nsd_primary odd stale.lab. "$Z/stale.lab.old"
	# unsigned-server.lab.: the odd server has the signed data minus every RRSIG
	axfr "$LAB_KNOT" unsigned-server.lab. | awk '$4 != "RRSIG"' > "$Z/unsigned-server.lab.stripped"
	grep -q DNSKEY "$Z/unsigned-server.lab.stripped" || die "AXFR of unsigned-server.lab. from knotd failed"
	nsd_primary odd unsigned-server.lab. "$Z/unsigned-server.lab.stripped"
	nsd_primary odd cds-differ.lab. "$Z/cds-differ.v2.zone"
	nsd_start odd
}

# stale_update - change stale.lab. on knotd after the odd server copied it;
# wait until the secondaries have the new serial and the odd server the old
stale_update() {
	local z
	knotc -c "$KC" zone-begin stale.lab. > "$LOG/last-failure" 2>&1 &&
		knotc -c "$KC" zone-set stale.lab. changed 300 TXT "changed after the odd server copied the zone" >> "$LOG/last-failure" 2>&1 &&
		knotc -c "$KC" zone-commit stale.lab. >> "$LOG/last-failure" 2>&1 || die "knotc update of stale.lab." "$LOG/last-failure"
	for _ in $(seq 1 50); do
		STALE_NEW=$(soa_serial "$LAB_KNOT" stale.lab.)
		[ -n "$STALE_NEW" ] && [ "$STALE_NEW" != "$STALE_OLD" ] && break
		sleep 0.2
	done
	[ "$STALE_NEW" != "$STALE_OLD" ] || die "knotd did not bump stale.lab."
	wait_soa nsd-sec "$LAB_SEC_NSD" stale.lab. "$STALE_NEW"
	wait_soa named-auth "$LAB_SEC_BIND" stale.lab. "$STALE_NEW"
	for z in stale.lab. unsigned-server.lab. cds-differ.lab.; do wait_soa nsd-odd "$LAB_ODD_NSD" "$z"; done
	wait_soa nsd-odd "$LAB_ODD_NSD" stale.lab. "$STALE_OLD"
}
