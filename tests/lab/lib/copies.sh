# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/copies.sh - whole copies of a zone on every kind of server,
# for the checks that transfer and compare them (check --full, watch with
# full: true; tests/func/test_full.sh).
#
# copies.lab.: knotd signs it online and NSD and BIND follow by AXFR/NOTIFY,
# as every knot-signed child (scenarios.sh lists it); five more NSDs on
# addresses of their own each serve one copy: one RRSIG corrupted deep in
# the zone (host23 A), one record changed at the same serial (host11 A), a
# stale one (the serial before knotd's last change), one that transfers
# only with TSIG (xfr-bind.lab., xfr.sh's key) and one that refuses
# transfers.  Tests only read it (its copies are fixed at start).
# ixfr.lab.: a knot-signed child like healthy.lab. that tests change: knotd
# takes dynamic updates for it (knsupdate, no key) and keeps a ZONEMD in it.
# edits.lab.: signed here by dnssec-signzone and served by knotd without
# signing, so that a change made on knotd can break a signature (knotd
# re-signs whatever changes in the zones it signs).
# Sourced by start.sh; defines functions only.
#
# Reads: LAB_DIR, LOG, Z, KD, KC, KZ, NOW, the LAB_* addresses; XFR_BIND_KEY
# (xfr.sh).  Sets: COPIES_OLD, COPIES_NEW (serials of copies.lab.).

# copies_presign - before knot_zones_write: edits.lab. signed, its DS for lab.
copies_presign() {
	local k z
	k=$(bkey edits-ksk edits.lab. 13 KSK) || die "dnssec-keygen edits"
	z=$(bkey edits-zsk edits.lab. 13 ZSK) || die "dnssec-keygen edits"
	child_source edits | sign edits "$Z/edits.lab.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "$k" "$z" || exit 1
	adds "$(ds_of "$k")"
}

# copies_knot_conf - before knot_start: updates to ixfr.lab., and edits.lab.
# loaded as signed, never signed by knotd
copies_knot_conf() {
	# the ACL is defined before the zone that names it (knot.conf order)
	sed -i '0,/^acl:$/s//acl:\n  - id: copies-update\n    address: 127.0.0.0\/8\n    action: update/' "$KC"
	# ixfr.lab. carries a ZONEMD (RFC 8976) knotd recomputes on every change:
	# the copies kept by IXFR are checked against it each time.
	sed -i '/^  - domain: ixfr\.lab\.$/a \    acl: [xfr, copies-update]\n    zonemd-generate: zonemd-sha384' "$KC"
	cp "$Z/edits.lab.zone" "$KZ/edits.lab.zone" || die "copy edits.lab."
	cat >> "$KC" << CONF
zone:
  - domain: edits.lab.
    file: edits.lab.zone
    dnssec-signing: off
CONF
}

# copies_nsd NAME ADDR FILE [XFR] - an NSD serving copies.lab. from FILE;
# XFR: the provide-xfr line ("" refuses every transfer)
copies_nsd() {
	nsd_conf "$1" "$2"
	cp "$3" "$LAB_DIR/nsd-$1/zones/copies.lab.zone" || die "copy $3"
	{
		if [ "${4-x}" != "" ]; then
			local secret
			secret=$(awk -F'"' '/secret/ { print $2 }' "$XFR_BIND_KEY")
			printf 'key:\n    name: "xfr-bind.lab."\n    algorithm: hmac-sha256\n    secret: "%s"\n' "$secret"
		fi
		printf 'zone:\n    name: "copies.lab."\n    zonefile: "copies.lab.zone"\n'
		[ -n "${4-}" ] && printf '    provide-xfr: %s\n' "$4"
	} >> "$LAB_DIR/nsd-$1/nsd.conf"
	nsd_start "$1"
}

# copies_start - after zones_wait: the stale copy, then knotd's change, then
# the copies of the new serial
copies_start() {
	axfr "$LAB_KNOT" copies.lab. > "$Z/copies.lab.old"
	grep -q 'RRSIG' "$Z/copies.lab.old" || die "AXFR of copies.lab. from knotd failed"
	COPIES_OLD=$(soa_serial "$LAB_KNOT" copies.lab.)
	copies_nsd copystale "$LAB_COPY_STALE" "$Z/copies.lab.old" "127.0.0.0/8 NOKEY"
	knotc -c "$KC" zone-begin copies.lab. > "$LOG/last-failure" 2>&1 &&
		knotc -c "$KC" zone-set copies.lab. news 300 TXT "after the stale copy was taken" >> "$LOG/last-failure" 2>&1 &&
		knotc -c "$KC" zone-commit copies.lab. >> "$LOG/last-failure" 2>&1 || die "knotc update of copies.lab." "$LOG/last-failure"
	for _ in $(seq 1 50); do
		COPIES_NEW=$(soa_serial "$LAB_KNOT" copies.lab.)
		[ -n "$COPIES_NEW" ] && [ "$COPIES_NEW" != "$COPIES_OLD" ] && break
		sleep 0.2
	done
	[ "$COPIES_NEW" != "$COPIES_OLD" ] || die "knotd did not bump copies.lab."
	wait_soa nsd-sec "$LAB_SEC_NSD" copies.lab. "$COPIES_NEW"
	wait_soa named-auth "$LAB_SEC_BIND" copies.lab. "$COPIES_NEW"
	axfr "$LAB_KNOT" copies.lab. > "$Z/copies.lab.new"
	# one RRSIG deep in the zone with its first signature octets changed
	awk '$1 == "host23.copies.lab." && $4 == "RRSIG" && $5 == "A" {
		c = substr($13, 1, 1); $13 = (c == "A" ? "B" : "A") substr($13, 2) } { print }' \
		"$Z/copies.lab.new" > "$Z/copies.lab.badsig"
	# one record changed, the serial (and the old RRSIG) kept
	awk '$1 == "host11.copies.lab." && $4 == "A" { $5 = "127.53.201.99" } { print }' \
		"$Z/copies.lab.new" > "$Z/copies.lab.changed"
	cmp -s "$Z/copies.lab.new" "$Z/copies.lab.badsig" && die "copies.lab.: no RRSIG of host23 A to break"
	cmp -s "$Z/copies.lab.new" "$Z/copies.lab.changed" && die "copies.lab.: no host11 A to change"
	copies_nsd copybadsig "$LAB_COPY_BADSIG" "$Z/copies.lab.badsig" "127.0.0.0/8 NOKEY"
	copies_nsd copychanged "$LAB_COPY_CHANGED" "$Z/copies.lab.changed" "127.0.0.0/8 NOKEY"
	copies_nsd copytsig "$LAB_COPY_TSIG" "$Z/copies.lab.new" "127.0.0.0/8 xfr-bind.lab."
	copies_nsd copyrefuse "$LAB_COPY_REFUSE" "$Z/copies.lab.new" ""
	wait_soa nsd-copystale "$LAB_COPY_STALE" copies.lab. "$COPIES_OLD"
	for n in badsig:$LAB_COPY_BADSIG changed:$LAB_COPY_CHANGED tsig:$LAB_COPY_TSIG refuse:$LAB_COPY_REFUSE; do
		wait_soa "nsd-copy${n%%:*}" "${n#*:}" copies.lab. "$COPIES_NEW"
	done
	wait_soa knotd "$LAB_KNOT" edits.lab.
}

# copies_env - for the tests (appended to lab.env)
copies_env() {
	{
		echo "LAB_COPIES_OLD_SERIAL=$COPIES_OLD"
		echo "LAB_COPIES_SERIAL=$COPIES_NEW"
		echo "LAB_EDITS_ZONE=edits.lab."
	} >> "$LAB_DIR/lab.env"
}
