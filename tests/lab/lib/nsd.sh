# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/nsd.sh - NSD: one process per role (a server with both parent
# and child would answer child data for parent-side questions): the root, the
# TLD, the secondaries of the knot-signed children and provider B's primary.
# The helpers also serve odd.sh (the odd server), faultd.sh's REFUSED address
# and canary.sh.  Sourced by start.sh; defines functions only.
#
# Reads: LAB_DIR, LOG, the LAB_* addresses, KNOT_ZONES, PROVB_ZONES, Z.

# nsd_conf NAME "ADDR..." - write $LAB_DIR/nsd-NAME/nsd.conf header; zones follow
nsd_conf() {
	local d=$LAB_DIR/nsd-$1 a
	mkdir -p "$d/zones"
	{
		echo "server:"
		for a in $2; do echo "    ip-address: $a"; done
		cat << CONF
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$d/zones"
    database: ""
    pidfile: "$d/nsd.pid"
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    logfile: "$LOG/nsd-$1.log"
    server-count: 1
    identity: "nsd-$1"
    verbosity: 1
    zonefiles-write: 0
    minimal-responses: no
remote-control:
    control-enable: no
CONF
	} > "$d/nsd.conf"
}
nsd_secondary() { # nsd_secondary NAME ZONE - ZONE by AXFR (and NOTIFY) from knotd
	printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n    request-xfr: AXFR %s NOKEY\n    allow-notify: 127.0.0.0/8 NOKEY\n    provide-xfr: 127.0.0.0/8 NOKEY\n' \
		"$2" "${2%.}" "$LAB_KNOT" >> "$LAB_DIR/nsd-$1/nsd.conf"
	[ "$2" = . ] && sed -i 's/zonefile: "\.zone"/zonefile: "root.zone"/' "$LAB_DIR/nsd-$1/nsd.conf"
	return 0
}
nsd_primary() { # nsd_primary NAME ZONE FILE - ZONE from a copy of FILE
	cp "$3" "$LAB_DIR/nsd-$1/zones/$2zone" || die "copy $3"
	printf 'zone:\n    name: "%s"\n    zonefile: "%szone"\n    provide-xfr: 127.0.0.0/8 NOKEY\n' "$2" "$2" >> "$LAB_DIR/nsd-$1/nsd.conf"
}
nsd_start() { # nsd_start NAME - check the configuration, start nsd-NAME
	nsd-checkconf "$LAB_DIR/nsd-$1/nsd.conf" > "$LOG/last-failure" 2>&1 || die "nsd-checkconf nsd-$1" "$LOG/last-failure"
	launch "nsd-$1" nsd -d -c "$LAB_DIR/nsd-$1/nsd.conf"
}

# nsd_tree_start - the root, TLD, knot-secondary and provider-B NSDs (their
# zones are awaited in zones_wait, ready.sh)
nsd_tree_start() {
	local label n
	nsd_conf root "$LAB_ROOT_SERVER"
	nsd_secondary root .
	nsd_conf tld "$LAB_TLD_NSD"
	nsd_secondary tld lab.
	nsd_conf sec "$LAB_SEC_NSD"
	for label in $KNOT_ZONES; do nsd_secondary sec "$label.lab."; done
	nsd_conf provb "$LAB_PROVB_NSD"
	for label in $PROVB_ZONES; do nsd_primary provb "$label.lab." "$Z/$label.lab.zone"; done
	for n in root tld sec provb; do nsd_start $n; done
}
