# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/scenarios.sh - the scenario zones under lab.: which exist, who
# serves them (NS order) and their unsigned content.  How each one is broken
# lives with the part that breaks it (signing.sh for the pre-signed ones,
# odd.sh for the odd server's copies, faultd.sh for faulty.lab.).  Sourced by
# start.sh; defines the two lists and functions only.
#
# Reads: the LAB_* addresses, SERIAL (set by start.sh before any zone is made).
#
# name        zone                  provider  DS?  notes
#   knot: knotd signs (KASP), NSD+BIND secondaries by AXFR/NOTIFY
#   provb: pre-signed file loaded by the provider-B NSD and BIND
#   (copies.lab., ixfr.lab. and edits.lab.: copies.sh; xfrfault.lab.: xfrfault.sh)
KNOT_ZONES="healthy stale unsigned-server island copies ixfr"
PROVB_ZONES="expired expiring ds-mismatch nsec3-broken algroll unsigned cds-differ provider faulty"

# ns_addrs ZONE-LABEL - the addresses of a child's NS set, in NS order
ns_addrs() {
	case $1 in
	healthy | island | ixfr) echo "$LAB_KNOT $LAB_SEC_NSD $LAB_SEC_BIND" ;;
	stale | unsigned-server) echo "$LAB_KNOT $LAB_SEC_NSD $LAB_SEC_BIND $LAB_ODD_NSD" ;;
	copies) echo "$LAB_KNOT $LAB_SEC_NSD $LAB_SEC_BIND $LAB_COPY_BADSIG $LAB_COPY_CHANGED $LAB_COPY_STALE $LAB_COPY_TSIG $LAB_COPY_REFUSE" ;;
	edits) echo "$LAB_KNOT" ;;
	xfrfault) echo "$LAB_KNOT $LAB_XFR_PROXY" ;;
	cds-differ) echo "$LAB_PROVB_NSD $LAB_PROVB_BIND $LAB_ODD_NSD" ;;
	faulty) echo "$LAB_FAULT_DROP $LAB_FAULT_TC $LAB_FAULT_REFUSED $LAB_FAULT_GOOD" ;;
	canary) echo "$LAB_CANARY_SERVER" ;;
	*) echo "$LAB_PROVB_NSD $LAB_PROVB_BIND" ;;
	esac
}

# child_source LABEL - the unsigned zone text of LABEL.lab. (no DNSKEY)
child_source() {
	local z=$1.lab. i=0 a
	printf '$ORIGIN %s\n$TTL 300\n' "$z"
	printf '@ IN SOA ns1.%s hostmaster.lab. %s 600 60 86400 30\n' "$z" "$SERIAL"
	for a in $(ns_addrs "$1"); do
		i=$((i + 1))
		printf '@ IN NS ns%d\nns%d IN A %s\n' "$i" "$i" "$a"
	done
	printf '@ IN A 127.53.200.1\n@ IN TXT "scenario=%s"\nwww IN A 127.53.200.2\n' "$1"
	printf 'www IN TXT "www of %s"\nmail IN A 127.53.200.3\n@ IN MX 10 mail\n' "$1"
	# copies.lab. (copies.sh): names deep in the zone to break one of
	if [ "$1" = copies ]; then
		for a in $(seq 1 40); do printf 'host%d IN A 127.53.201.%d\n' "$a" "$a"; done
	fi
	return 0
}
