# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/knot.sh - knotd (127.53.1.1), the signing primary: signs the
# root, lab. and the knot-signed scenarios with its KASP (keys from
# signing.sh), NOTIFYs and serves AXFR to the NSD and BIND secondaries.
# Sourced by start.sh; defines functions only.
#
# Reads: LAB_DIR, LOG, the LAB_* addresses, KNOT_ZONES, PROVB_ZONES (scenarios.sh),
# DSLINES (signing.sh), CANARY, CANARY_DELEG (canary.sh), ROLL_DELEG (roll.sh).
# Sets: KC (knot.conf; keymgr reads the KASP db location from it), KZ (zones).

# knot_configure - write knot.conf (before any key is made)
knot_configure() {
	local label
	KC=$LAB_DIR/knot/knot.conf
	{
		cat << CONF
server:
    rundir: "$LAB_DIR/knot"
    user: root:root
    pidfile: "$LAB_DIR/knot/knot.pid"
    listen: $LAB_KNOT@53
    identity: knot.lab
database:
    storage: "$LAB_DIR/knot/db"
    kasp-db: "$LAB_DIR/knot/keys"
control:
    listen: "$LAB_DIR/knot/knot.sock"
log:
  - target: "$LOG/knotd.log"
    any: info
remote:
  - id: nsd-root
    address: $LAB_ROOT_SERVER@53
    via: $LAB_KNOT
  - id: nsd-tld
    address: $LAB_TLD_NSD@53
    via: $LAB_KNOT
  - id: bind-tld
    address: $LAB_TLD_BIND@53
    via: $LAB_KNOT
  - id: nsd-sec
    address: $LAB_SEC_NSD@53
    via: $LAB_KNOT
  - id: bind-sec
    address: $LAB_SEC_BIND@53
    via: $LAB_KNOT
acl:
  - id: xfr
    address: 127.0.0.0/8
    action: transfer
policy:
  - id: lab
    manual: on
    algorithm: ecdsap256sha256
    rrsig-lifetime: 14d
    rrsig-refresh: 7d
    dnskey-ttl: 300
    zone-max-ttl: 86400
    nsec3: off
template:
  - id: default
    storage: "$LAB_DIR/knot/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    serial-policy: unixtime
    dnssec-signing: on
    dnssec-policy: lab
    acl: xfr
    semantic-checks: off
zone:
  - domain: .
    file: root.zone
    notify: nsd-root
  - domain: lab.
    file: lab.zone
    notify: [nsd-tld, bind-tld]
CONF
		for label in $KNOT_ZONES; do
			printf '  - domain: %s.lab.\n    file: %s.lab.zone\n    notify: [nsd-sec, bind-sec]\n' "$label" "$label"
		done
	} > "$KC"
}

# knot_zones_write - the unsigned root, lab. (every delegation with its glue
# and DS) and the knot-signed children, for knotd to sign
knot_zones_write() {
	local label i a
	KZ=$LAB_DIR/knot/zones
	cat > "$KZ/root.zone" << ZONE
\$ORIGIN .
\$TTL 300
.	86400	IN SOA a.root-servers.lab. hostmaster.lab. 1 600 60 86400 30
.	86400	IN NS a.root-servers.lab.
lab.	3600	IN NS a.nic.lab.
lab.	3600	IN NS b.nic.lab.
$(kds lab.)
a.root-servers.lab.	86400	IN A $LAB_ROOT_SERVER
a.nic.lab.	3600	IN A $LAB_TLD_NSD
b.nic.lab.	3600	IN A $LAB_TLD_BIND
ZONE

	{
		cat << ZONE
\$ORIGIN lab.
\$TTL 300
@	IN SOA a.nic.lab. hostmaster.lab. 1 600 60 86400 30
@	IN NS a.nic
@	IN NS b.nic
a.nic	IN A $LAB_TLD_NSD
b.nic	IN A $LAB_TLD_BIND
a.root-servers	IN A $LAB_ROOT_SERVER
@	IN TXT "dnsvigil lab TLD"
ZONE
		for label in $KNOT_ZONES $PROVB_ZONES edits xfrfault; do
			i=0
			for a in $(ns_addrs "$label"); do
				i=$((i + 1))
				printf '%s\tIN NS ns%d.%s\nns%d.%s\tIN A %s\n' "$label" $i "$label" $i "$label" "$a"
			done
		done
		printf '%s' "$DSLINES" | awk 'NF { $1 = tolower($1); print }'
		[ $CANARY = 1 ] && printf '%s\n' "$CANARY_DELEG"
		printf '%s\n' "$ROLL_DELEG"
	} > "$KZ/lab.zone"

	for label in $KNOT_ZONES; do
		child_source "$label" > "$KZ/$label.lab.zone"
	done
}

# knot_start - start knotd; wait until it serves and has signed every zone
knot_start() {
	local z signed
	launch knotd knotd -c "$KC"
	wait_soa knotd "$LAB_KNOT" .
	for z in lab. $(printf '%s.lab. ' $KNOT_ZONES); do wait_soa knotd "$LAB_KNOT" "$z"; done
	for z in . lab. $(printf '%s.lab. ' $KNOT_ZONES); do
		signed=0
		for _ in $(seq 1 50); do
			dig +norec +time=1 +tries=1 +short "@$LAB_KNOT" "$z" DNSKEY | grep -q . && { signed=1; break; }
			sleep 0.2
		done
		[ $signed = 1 ] || die "knotd did not sign $z" "$LOG/knotd.log"
	done
}
