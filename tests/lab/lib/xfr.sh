# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/xfr.sh - zone transfers with TSIG (tests/func/test_xfr.sh):
# a TSIG-only zone xfr-tsig.lab. on knotd (a key in Knot's key-file format)
# and in BIND's provider-B view (a key in BIND's format; the same key allows
# dynamic updates, so IXFR from BIND can be tested after a real change).
# Sourced by start.sh; defines functions only.
#
# Reads: KD (keys), KC (knot.conf), KZ (knotd's zones), BA (named-auth), the
# LAB_* addresses.  Sets: XFR_KNOT_KEY, XFR_BIND_KEY.

# xfr_knot_conf - before knot_start: the key, an ACL that requires it, the zone
xfr_knot_conf() {
	XFR_KNOT_KEY=$KD/xfr-knot.key
	[ -s "$XFR_KNOT_KEY" ] || keymgr -t xfr-knot.lab. hmac-sha256 > "$XFR_KNOT_KEY" || die "keymgr -t"
	cat >> "$KC" << CONF
include: "$XFR_KNOT_KEY"
acl:
  - id: xfr-tsig
    address: 127.0.0.0/8
    key: xfr-knot.lab.
    action: transfer
zone:
  - domain: xfr-tsig.lab.
    file: xfr-tsig.lab.zone
    acl: xfr-tsig
CONF
	child_source xfr-tsig > "$KZ/xfr-tsig.lab.zone"
	kkey xfr-tsig.lab.
}

# xfr_bind_conf - inside named_auth_start, before named-checkconf: the key and
# the zone in the provider-B view, transfers and updates with the key only
xfr_bind_conf() {
	XFR_BIND_KEY=$KD/xfr-bind.key
	[ -s "$XFR_BIND_KEY" ] || tsig-keygen -a hmac-sha256 xfr-bind.lab. > "$XFR_BIND_KEY" || die "tsig-keygen"
	child_source xfr-tsig > "$BA/provb/xfr-tsig.lab.zone"
	sed -i "1i include \"$XFR_BIND_KEY\";" "$BA/named.conf"
	sed -i "/^view provb {/a \\\\tzone \"xfr-tsig.lab.\" { type primary; file \"provb/xfr-tsig.lab.zone\"; allow-transfer { key xfr-bind.lab.; }; allow-update { key xfr-bind.lab.; }; };" "$BA/named.conf"
}

# xfr_wait - the TSIG-only zones are served
xfr_wait() {
	wait_soa knotd "$LAB_KNOT" xfr-tsig.lab.
	wait_soa named-auth "$LAB_PROVB_BIND" xfr-tsig.lab.
}

# xfr_env - their names for the tests (appended to lab.env)
xfr_env() {
	{
		echo "LAB_XFR_TSIG_ZONE=xfr-tsig.lab."
		echo "LAB_XFR_TSIG_KNOT_KEY=$XFR_KNOT_KEY"
		echo "LAB_XFR_TSIG_BIND_KEY=$XFR_BIND_KEY"
	} >> "$LAB_DIR/lab.env"
}
