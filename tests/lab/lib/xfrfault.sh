# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/xfrfault.sh - xfrfault.lab.: a zone whose transfers a test
# can damage on one of its two servers (tests/func/test_xfr_faults.sh).
# knotd signs it online (with a ZONEMD, RFC 8976) and takes dynamic updates
# for it (knsupdate, no key), like ixfr.lab.; its NS set is knotd and
# LAB_XFR_PROXY, where xfrproxy.py relays every query to knotd and answers
# unchanged, except the transfers the mode in $LAB_DIR/xfrproxy.mode names
# (xfrproxy.py's header lists them; "pass" when the lab starts).  Not in
# KNOT_ZONES: the scenario tests do not walk it.  Sourced by start.sh;
# defines functions only.
#
# Reads: HERE, LAB_DIR, LOG, KC, KZ, the LAB_* addresses.

# xfrfault_keys - after knot_keys, before knot_zones_write: its keys, its DS for lab.
xfrfault_keys() {
	local d
	kkey xfrfault.lab.
	d=$(kds xfrfault.lab.)
	[ -n "$d" ] || die "no DS for xfrfault.lab. from keymgr"
	adds "$d"
}

# xfrfault_knot_conf - before knot_start: the zone on knotd, updates allowed
# (copies.sh defines the copies-update ACL), a ZONEMD kept
xfrfault_knot_conf() {
	child_source xfrfault > "$KZ/xfrfault.lab.zone"
	cat >> "$KC" << CONF
zone:
  - domain: xfrfault.lab.
    file: xfrfault.lab.zone
    acl: [xfr, copies-update]
    zonemd-generate: zonemd-sha384
CONF
}

# xfrfault_start - the relay in pass mode; wait until the zone is signed on
# knotd and answered through the relay
xfrfault_start() {
	local ok=0
	echo pass > "$LAB_DIR/xfrproxy.mode"
	launch xfrproxy python3 "$HERE/xfrproxy.py" --listen "$LAB_XFR_PROXY" --backend "$LAB_KNOT" \
		--mode-file "$LAB_DIR/xfrproxy.mode" --lab "$LAB_DIR"
	for _ in $(seq 1 50); do
		dig +norec +time=1 +tries=1 +short "@$LAB_XFR_PROXY" xfrfault.lab. ZONEMD | grep -q . && { ok=1; break; }
		pid_alive xfrproxy || die "xfrproxy exited" "$LOG/xfrproxy.out"
		sleep 0.2
	done
	[ $ok = 1 ] || die "xfrfault.lab.: no ZONEMD through $LAB_XFR_PROXY" "$LOG/xfrproxy.out"
}

# xfrfault_env - for the tests (appended to lab.env)
xfrfault_env() {
	{
		echo "LAB_XFRFAULT_ZONE=xfrfault.lab."
		echo "LAB_XFRPROXY_MODE=$LAB_DIR/xfrproxy.mode"
	} >> "$LAB_DIR/lab.env"
}
