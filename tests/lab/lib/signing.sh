# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/signing.sh - keys and signatures: BIND-style keys and
# dnssec-signzone for the pre-signed scenarios of provider B (each broken in
# its own way here), knotd's KASP keys, the DS records lab. publishes, and the
# trust anchor files every resolver is given.  Sourced by start.sh; defines
# functions only.
#
# Reads: LAB_DIR, LOG, KD (kept keys), Z (zones), NOW, SERIAL; KC (knot.conf,
# from knot.sh) for the KASP functions.
# Sets: DSLINES (every DS record for lab., one per line), EXPIRED_AT,
# EXPIRING_AT, NSEC3_APEX (presign_zones); ROOT_DS, TA_TAG/ALG/DT/HEX,
# WRONG_DS, W_TAG/ALG/DT/HEX (trust_anchors_write).

DAY=86400
DSLINES=""
SIGNOPTS=() # extra dnssec-signzone options of the next sign()

# bkey NAME ZONE ALG KSK|ZSK - a cached key; prints the K-file base path
bkey() {
	local name=$1 zone=$2 alg=$3 role=$4 base
	if [ -f "$KD/$name.base" ] && [ -f "$KD/$(cat "$KD/$name.base").private" ]; then
		echo "$KD/$(cat "$KD/$name.base")"
		return 0
	fi
	local flags=()
	[ "$role" = KSK ] && flags=(-f KSK)
	case $alg in
	13) base=$(dnssec-keygen -q -a ECDSAP256SHA256 "${flags[@]}" -K "$KD" "$zone") ;;
	8) base=$(dnssec-keygen -q -a RSASHA256 -b 2048 "${flags[@]}" -K "$KD" "$zone") ;;
	esac
	[ -n "$base" ] || return 1
	echo "$base" > "$KD/$name.base"
	echo "$KD/$base"
}
ds_of() { dnssec-dsfromkey -2 "$1.key" | awk '{ $1 = $1; print }'; }

# sign LABEL OUT START END KEYS... - dnssec-signzone a child (source on stdin).
# It ends a pipeline, so it runs in a subshell: its die reports and stops
# what was started, and the caller's "|| exit 1" ends start.sh too.
sign() {
	local label=$1 out=$2 s=$3 e=$4
	shift 4
	local src=$LAB_DIR/zones/$label.src k
	cat > "$src"
	for k in "$@"; do cat "$k.key" >> "$src"; done
	dnssec-signzone -P -O full -K "$KD" -d "$LAB_DIR/zones" -o "$label.lab." -s "$(utc "$s")" -e "$(utc "$e")" \
		-f "$out" "${SIGNOPTS[@]}" "$src" "${@/%/.private}" > "$LOG/sign-$label.log" 2>&1 ||
		die "dnssec-signzone $label.lab." "$LOG/sign-$label.log"
}

adds() { DSLINES+="$*"$'\n'; } # adds DS-RR - lab. publishes it

# presign_zones - sign every provider-B scenario into $Z/<label>.lab.zone
presign_zones() {
	local -A KSK ZSK
	local label dsm_other ar_k8 ar_z8 ar_k13 ar_z13 cd_k2 v k
	for label in expired expiring ds-mismatch nsec3-broken cds-differ provider faulty; do
		KSK[$label]=$(bkey "$label-ksk" "$label.lab." 13 KSK) || die "dnssec-keygen $label"
		ZSK[$label]=$(bkey "$label-zsk" "$label.lab." 13 ZSK) || die "dnssec-keygen $label"
	done

	SIGNOPTS=()
	# healthy, pre-signed, 30-day signatures
	for label in provider faulty; do
		child_source "$label" | sign "$label" "$Z/$label.lab.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[$label]}" "${ZSK[$label]}" || exit 1
		adds "$(ds_of "${KSK[$label]}")"
	done

	# expired: every signature ended 5 days ago (beyond Unbound's 1-day skew)
	EXPIRED_AT=$((NOW - 5 * DAY))
	child_source expired | sign expired "$Z/expired.lab.zone" $((NOW - 20 * DAY)) $EXPIRED_AT "${KSK[expired]}" "${ZSK[expired]}" || exit 1
	adds "$(ds_of "${KSK[expired]}")"

	# expiring: valid now, every signature ends in 2 days
	EXPIRING_AT=$((NOW + 2 * DAY))
	child_source expiring | sign expiring "$Z/expiring.lab.zone" $((NOW - 12 * DAY)) $EXPIRING_AT "${KSK[expiring]}" "${ZSK[expiring]}" || exit 1
	adds "$(ds_of "${KSK[expiring]}")"

	# ds-mismatch: zone fine, the DS at lab. digests a key that is not in the zone
	dsm_other=$(bkey ds-mismatch-other ds-mismatch.lab. 13 KSK) || die "dnssec-keygen ds-mismatch-other"
	child_source ds-mismatch | sign ds-mismatch "$Z/ds-mismatch.lab.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[ds-mismatch]}" "${ZSK[ds-mismatch]}" || exit 1
	adds "$(ds_of "$dsm_other")"

	# nsec3-broken: NSEC3 (no salt, 0 iterations); the NSEC3 matching the apex is
	# removed, so the chain has a gap and apex NODATA / any NXDOMAIN lacks its proof
	SIGNOPTS=(-3 - -H 0)
	child_source nsec3-broken | sign nsec3-broken "$Z/nsec3-broken.full" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[nsec3-broken]}" "${ZSK[nsec3-broken]}" || exit 1
	SIGNOPTS=()
	NSEC3_APEX=$(nsec3hash - 1 0 nsec3-broken.lab. | awk '{ print $1 }')
	[ -n "$NSEC3_APEX" ] || die "nsec3hash"
	awk -v h="$NSEC3_APEX.nsec3-broken.lab." 'tolower($1) != tolower(h)' "$Z/nsec3-broken.full" > "$Z/nsec3-broken.lab.zone"
	adds "$(ds_of "${KSK[nsec3-broken]}")"

	# algroll: DNSKEYs of alg 8 (old, in DS) and alg 13 (new); DNSKEY RRset signed
	# by both, every other RRset only by alg 13 - half of an algorithm rollover done
	# in the wrong order (RFC 6781 4.1.4, RFC 4035 2.2)
	ar_k8=$(bkey algroll-ksk8 algroll.lab. 8 KSK) || die "dnssec-keygen algroll"
	ar_z8=$(bkey algroll-zsk8 algroll.lab. 8 ZSK) || die "dnssec-keygen algroll"
	ar_k13=$(bkey algroll-ksk13 algroll.lab. 13 KSK) || die "dnssec-keygen algroll"
	ar_z13=$(bkey algroll-zsk13 algroll.lab. 13 ZSK) || die "dnssec-keygen algroll"
	child_source algroll | sign algroll "$Z/algroll.full" $((NOW - DAY)) $((NOW + 30 * DAY)) "$ar_k8" "$ar_z8" "$ar_k13" "$ar_z13" || exit 1
	awk '!($4 == "RRSIG" && $6 == "8" && $5 != "DNSKEY")' "$Z/algroll.full" > "$Z/algroll.lab.zone"
	adds "$(ds_of "$ar_k8")"

	# unsigned: plain, no DS
	child_source unsigned > "$Z/unsigned.lab.zone"

	# cds-differ: two copies, same serial, both validly signed, both carrying the
	# same two KSKs; provider B publishes CDS/CDNSKEY for KSK 1, the odd server for KSK 2
	cd_k2=$(bkey cds-differ-ksk2 cds-differ.lab. 13 KSK) || die "dnssec-keygen cds-differ"
	for v in 1 2; do
		if [ $v = 1 ]; then k=${KSK[cds-differ]}; else k=$cd_k2; fi
		{
			child_source cds-differ
			dnssec-dsfromkey -2 "$k.key" | awk '{ $3 = "CDS"; print }'
			awk '$0 !~ /^;/ && NF { $3 = "CDNSKEY"; print }' "$k.key"
		} | sign cds-differ "$Z/cds-differ.v$v.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[cds-differ]}" "$cd_k2" "${ZSK[cds-differ]}" || exit 1
	done
	cp "$Z/cds-differ.v1.zone" "$Z/cds-differ.lab.zone"
	adds "$(ds_of "${KSK[cds-differ]}")"
}

# ---------------------------------------------------------------- knotd's keys (KASP)

kkey() { # kkey ZONE - make sure ZONE has a KSK and a ZSK in the KASP db
	if ! keymgr -c "$KC" "$1" list 2> /dev/null | grep -q KSK; then
		keymgr -c "$KC" "$1" generate algorithm=ecdsap256sha256 ksk=yes > /dev/null 2>> "$LOG/keymgr.log" || die "keymgr generate KSK $1"
		keymgr -c "$KC" "$1" generate algorithm=ecdsap256sha256 ksk=no > /dev/null 2>> "$LOG/keymgr.log" || die "keymgr generate ZSK $1"
	fi
}
kds() { keymgr -c "$KC" "$1" ds 2> /dev/null | awk '$5 == 2 { print; exit }'; } # kds ZONE - its SHA-256 DS

# knot_keys - keys for every zone knotd signs (made before knotd first starts,
# so the DS records are known when the parent is written); DS for lab.
knot_keys() {
	local z label d
	for z in . lab. $(printf '%s.lab. ' $KNOT_ZONES); do kkey "$z"; done
	for label in $KNOT_ZONES; do
		[ "$label" = island ] && continue
		d=$(kds "$label.lab.")
		[ -n "$d" ] || die "no DS for $label.lab. from keymgr"
		adds "$d"
	done
}

# trust_anchors_write - root.ds, root.key and root.hints in $LAB_DIR, and a
# trust anchor matching no root key (for the "trust anchor broken" resolver)
trust_anchors_write() {
	local wrong
	ROOT_DS=$(kds . | awk '{ print $1, "IN", $2, $3, $4, $5, toupper($6) }')
	[ -n "$ROOT_DS" ] || die "no DS for the root from keymgr"
	echo "$ROOT_DS" > "$LAB_DIR/root.ds"
	keymgr -c "$KC" . dnskey 2> /dev/null | awk '$3 == 257 { print $1, "IN", $2, $3, $4, $5, $6 $7 $8 $9 $10 }' > "$LAB_DIR/root.key"
	[ -s "$LAB_DIR/root.key" ] || die "no root DNSKEY from keymgr"
	read -r _ _ _ TA_TAG TA_ALG TA_DT TA_HEX < "$LAB_DIR/root.ds"
	printf '.\t3600000\tNS\ta.root-servers.lab.\na.root-servers.lab.\t3600000\tA\t%s\n' "$LAB_ROOT_SERVER" > "$LAB_DIR/root.hints"
	wrong=$(bkey wrong-root . 13 KSK) || die "dnssec-keygen wrong root key"
	WRONG_DS=$(ds_of "$wrong")
	read -r _ _ _ W_TAG W_ALG W_DT W_HEX <<< "$WRONG_DS"
}
