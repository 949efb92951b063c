# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/env.sh - $LAB_DIR/lab.env, what the tests see of the lab:
# every address (from addresses.sh), zone, server set, serial and time they
# need, as sourceable KEY=value lines.  Names are stable and documented in
# tests/lab/README.md (test_lab.sh fails when a documented one is missing).
# Sourced by start.sh; defines functions only.
#
# Reads: HERE, LAB_DIR, NOW, KNOT_ZONES, PROVB_ZONES, ROOT_DS, WRONG_DS,
# STALE_OLD, STALE_NEW, EXPIRED_AT, EXPIRING_AT, NSEC3_APEX, CANARY, CD,
# CANARY_ZONES, the LAB_* addresses.

# sv LABEL - the NS addresses of LABEL.lab., space-separated
sv() { local a s=""; for a in $(ns_addrs "$1"); do s+="$a "; done; echo "${s% }"; }

# lab_env_write - write lab.env (atomically: readers never see half of it)
lab_env_write() {
	local label v zf
	{
		echo "# $LAB_DIR/lab.env - written by tests/lab/start.sh at $(date -u +%FT%TZ); see tests/lab/README.md"
		echo "LAB_DIR=$LAB_DIR"
		grep -E '^LAB_[A-Z_]+=' "$HERE/addresses.sh" | grep -v '^LAB_ALL_ADDRS' | sed 's/[[:space:]]*#.*//' |
			while IFS='=' read -r k v; do printf '%s=%s\n' "$k" "$(eval echo "$v")"; done
		echo "LAB_TLD_SERVERS=\"$LAB_TLD_NSD $LAB_TLD_BIND\""
		echo "LAB_RES_VALIDATING=\"$LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS\""
		echo "LAB_RESOLVERS=\"$LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS $LAB_RES_NOVALIDATE $LAB_RES_WRONG_TA $LAB_RES_DEAD\""
		echo "LAB_ROOT_HINTS=$LAB_DIR/root.hints"
		echo "LAB_ROOT_DS=$LAB_DIR/root.ds"
		echo "LAB_ROOT_KEY=$LAB_DIR/root.key"
		echo "LAB_ROOT_DS_RR=\"$ROOT_DS\""
		echo "LAB_WRONG_DS_RR=\"$WRONG_DS\""
		echo "LAB_TLD=lab."
		echo "LAB_STARTED_AT=$NOW"
		for label in $KNOT_ZONES $PROVB_ZONES; do
			v=$(tr 'a-z-' 'A-Z_' <<< "$label")
			echo "LAB_${v}_ZONE=$label.lab."
			echo "LAB_${v}_SERVERS=\"$(sv "$label")\""
		done
		echo "LAB_SCENARIOS=\"$(printf '%s.lab. ' $KNOT_ZONES $PROVB_ZONES | sed 's/ $//')\""
		echo "LAB_STALE_BAD=$LAB_ODD_NSD"
		echo "LAB_STALE_OLD_SERIAL=$STALE_OLD"
		echo "LAB_STALE_NEW_SERIAL=$STALE_NEW"
		echo "LAB_UNSIGNED_SERVER_BAD=$LAB_ODD_NSD"
		echo "LAB_CDS_DIFFER_BAD=$LAB_ODD_NSD"
		echo "LAB_EXPIRED_AT=$EXPIRED_AT"
		echo "LAB_EXPIRING_AT=$EXPIRING_AT"
		echo "LAB_NSEC3_BROKEN_MISSING=$NSEC3_APEX.nsec3-broken.lab."
		echo "LAB_CANARY=$CANARY"
		echo "LAB_CANARY_ZONE=canary.lab."
		echo "LAB_CANARY_DIR=$CD"
		echo "LAB_CANARY_ZONES=\"$(for zf in $CANARY_ZONES; do printf '%s ' "${zf%%:*}"; done | sed 's/ $//')\""
	} > "$LAB_DIR/lab.env.tmp" && mv "$LAB_DIR/lab.env.tmp" "$LAB_DIR/lab.env"
}
