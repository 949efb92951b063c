# shellcheck shell=bash disable=SC2034  # variables set here are read by the test
# tests/func/rehearsal_servers.sh - the servers of the rollover rehearsal
# (sourced by test_rollover_lab.sh; defines functions only).  Everything is
# made from nothing in $R on every run, because a rehearsal changes keys and
# DS records for good:
#
#   roll.lab.      knotd at LAB_ROLL_PARENT, signed with the lab's kept
#                  roll.lab. keys (their DS is in lab.); takes DS updates by
#                  DDNS from 127.0.0.0/8 (knotd's ds-push, the test's knsupdate)
#   <z>.roll.lab.  knotd at LAB_ROLL_SIGNER, a hidden primary signing with
#                  its KASP, timers of seconds; NOTIFY and AXFR to
#   a.ns, b.ns     two NSDs (LAB_ROLL_PUB_A, LAB_ROLL_PUB_B), the zones'
#                  public servers, each running `dnsvigil rollover preflight`
#                  on every new version as its zone verifier (NSD's verify:
#                  hook): a version preflight refuses is not published,
#                  unless the test forces it ($R/force/<zone>.<server>)
#
# Reads: LAB_* (lab.env), DNSVIGIL, R (state directory), STATE (the watch
# daemon's state directory the verifier reads), TTL (of the data and the DS),
# KTTL (of the DNSKEY RRsets: longer than the data's, as in most zones), PROP
# (the manual policy's propagation delay), SAFE_PROP (the automatic ones').
# Sets: SIGNER_CONF, PARENT_CONF, PIDS (appended).

# the zones: safe rollovers (automatic key management) and unsafe ones (manual)
SAFE_ZONES="zsk.roll.lab. ksk.roll.lab. alg.roll.lab."
UNSAFE_ZONES="uzsk.roll.lab. uksk.roll.lab. ualg.roll.lab."

# child_zone ZONE - the unsigned zone text (SOA refresh 1 s: the NSDs ask
# for a version their verifier refused again within a second)
child_zone() {
	cat << EOF
\$ORIGIN $1
\$TTL $TTL
@ IN SOA a.ns.roll.lab. hostmaster.lab. 1 1 1 600 2
@ IN NS a.ns.roll.lab.
@ IN NS b.ns.roll.lab.
@ IN A 127.53.200.1
www IN A 127.53.200.2
www IN TXT "rehearsal"
EOF
}

# auto_policy ID LINE... - a knotd policy of automatic key management with
# the rehearsal's timers; LINEs: its algorithm and key sizes
auto_policy() {
	local l
	printf '  - id: %s\n' "$1"
	shift
	for l in "$@" "dnskey-ttl: $KTTL" "zone-max-ttl: $KTTL" "propagation-delay: $SAFE_PROP" \
		"ksk-lifetime: 0" "zsk-lifetime: 0" "cds-cdnskey-publish: double-ds" \
		"ksk-submission: parent" "ds-push: parent"; do
		printf '    %s\n' "$l"
	done
}

# signer_conf - knot.conf of the signing knotd
signer_conf() {
	local z
	SIGNER_CONF=$R/signer/knot.conf
	mkdir -p "$R/signer/zones" "$R/signer/keys" "$R/signer/db"
	cat > "$SIGNER_CONF" << EOF
server:
    rundir: "$R/signer"
    user: root:root
    pidfile: "$R/signer/knot.pid"
    listen: $LAB_ROLL_SIGNER@53
    identity: roll-signer
database:
    storage: "$R/signer/db"
    kasp-db: "$R/signer/keys"
control:
    listen: "$R/signer/knot.sock"
log:
  - target: "$R/log/signer.log"
    any: info
remote:
  - id: pub-a
    address: $LAB_ROLL_PUB_A@53
    via: $LAB_ROLL_SIGNER
  - id: pub-b
    address: $LAB_ROLL_PUB_B@53
    via: $LAB_ROLL_SIGNER
  - id: parent
    address: $LAB_ROLL_PARENT@53
    via: $LAB_ROLL_SIGNER
submission:
  - id: parent
    parent: parent
    check-interval: 1s
    parent-delay: $((TTL + SAFE_PROP))s
acl:
  - id: xfr
    address: 127.0.0.0/8
    action: transfer
policy:
  # safe: automatic key management, RFC 7583 intervals of seconds
$(auto_policy auto13 "algorithm: ecdsap256sha256")
$(auto_policy auto8 "algorithm: rsasha256" "ksk-size: 1024" "zsk-size: 1024")
  # unsafe: key timers set by the test (keymgr), as an operator would
  - id: manual
    manual: on
    dnskey-ttl: $KTTL
    zone-max-ttl: $KTTL
    propagation-delay: $PROP
    cds-cdnskey-publish: none
    unsafe-operation: no-check-keyset
template:
  - id: default
    storage: "$R/signer/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    serial-policy: unixtime
    dnssec-signing: on
    acl: xfr
    notify: [pub-a, pub-b]
    semantic-checks: off
zone:
EOF
	for z in $SAFE_ZONES $UNSAFE_ZONES; do
		printf '  - domain: %s\n    file: %szone\n' "$z" "$z" >> "$SIGNER_CONF"
		case $z in
		zsk.* | ksk.*) echo "    dnssec-policy: auto13" ;;
		alg.*) echo "    dnssec-policy: auto8" ;;
		*) echo "    dnssec-policy: manual" ;;
		esac >> "$SIGNER_CONF"
		child_zone "$z" > "$R/signer/zones/${z}zone"
	done
}

# signer_keys - the first keys of every zone (before knotd starts, so their
# DS can go into roll.lab.): ECDSA P-256 for all but the algorithm rollovers
# (RSA/SHA-256), KSK active at once, ZSK active at once
signer_keys() {
	local z alg ksk
	for z in $SAFE_ZONES $UNSAFE_ZONES; do
		alg="algorithm=ecdsap256sha256"
		case $z in alg.* | ualg.*) alg="algorithm=rsasha256 size=1024" ;; esac
		for ksk in yes no; do
			# shellcheck disable=SC2086
			keymgr -c "$SIGNER_CONF" "$z" generate $alg ksk=$ksk publish=+0 active=+0 \
				> /dev/null 2>> "$R/log/keymgr.log" || return 1
		done
	done
}

# parent_conf - knot.conf and roll.lab. for the parent knotd (the lab's
# kept roll.lab. keys, imported from their BIND files)
parent_conf() {
	local z
	PARENT_CONF=$R/parent/knot.conf
	mkdir -p "$R/parent/zones" "$R/parent/keys" "$R/parent/db"
	cat > "$PARENT_CONF" << EOF
server:
    rundir: "$R/parent"
    user: root:root
    pidfile: "$R/parent/knot.pid"
    listen: $LAB_ROLL_PARENT@53
    identity: roll-parent
database:
    storage: "$R/parent/db"
    kasp-db: "$R/parent/keys"
control:
    listen: "$R/parent/knot.sock"
log:
  - target: "$R/log/parent.log"
    any: info
acl:
  - id: ddns
    address: 127.0.0.0/8
    action: update
policy:
  - id: manual
    manual: on
    dnskey-ttl: $TTL
    zone-max-ttl: $TTL
template:
  - id: default
    storage: "$R/parent/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    serial-policy: unixtime
    dnssec-signing: on
    dnssec-policy: manual
    acl: ddns
    semantic-checks: off
zone:
  - domain: roll.lab.
    file: roll.lab.zone
EOF
	keymgr -c "$PARENT_CONF" roll.lab. import-bind "$LAB_ROLL_KSK.private" > /dev/null 2>> "$R/log/keymgr.log" &&
		keymgr -c "$PARENT_CONF" roll.lab. import-bind "$LAB_ROLL_ZSK.private" > /dev/null 2>> "$R/log/keymgr.log" ||
		return 1
	{
		cat << EOF
\$ORIGIN roll.lab.
\$TTL $TTL
@ IN SOA ns1 hostmaster.lab. 1 1 1 600 2
@ IN NS ns1
ns1 IN A $LAB_ROLL_PARENT
a.ns IN A $LAB_ROLL_PUB_A
b.ns IN A $LAB_ROLL_PUB_B
EOF
		for z in $SAFE_ZONES $UNSAFE_ZONES; do
			printf '%s IN NS a.ns.roll.lab.\n%s IN NS b.ns.roll.lab.\n' "$z" "$z"
			keymgr -c "$SIGNER_CONF" "$z" ds |
				awk -v ttl="$TTL" '$5 == 2 { print $1, ttl, "IN DS", $3, $4, $5, $6; exit }'
		done
	} > "$R/parent/zones/roll.lab.zone"
}

# verifier - the NSDs' zone verifier: preflight of every new version against
# the history the watch daemon keeps in $STATE; its verdict goes to
# $R/verify.log ("TIME SERVER ZONE SERIAL STATUS forced|refused|accepted")
verifier_write() {
	local name
	cat > "$R/verify.sh" << EOF
#!/usr/bin/env bash
# NSD zone verifier (nsd.conf verify:): the zone arrives on stdin
server=\$1
zone=\$VERIFY_ZONE
tmp=\$(mktemp "$R/cand.XXXXXX")
cat > "\$tmp"
serial=\$(awk '/[[:space:]]SOA[[:space:]]/ { f = 1 }
	f { gsub(/[()]/, ""); for (i = 1; i <= NF && \$i !~ /^;/; i++) t[++n] = \$i }
	f && n >= 7 { print t[7]; exit }' "\$tmp")
"$DNSVIGIL" rollover preflight --zone "\$zone" --candidate "\$tmp" --state-dir "$STATE" \\
	--propagation-delay ${PROP}s --format json > "\$tmp.json" 2> "\$tmp.err"
rc=\$?
verdict=accepted
[ \$rc -gt 1 ] && verdict=refused
[ -e "$R/force/\${zone%.}.\$server" ] && [ \$rc -gt 1 ] && verdict=forced
printf '%s %s %s %s %s %s\n' "\$(date +%s)" "\$server" "\$zone" "\$serial" "\$rc" "\$verdict" >> "$R/verify.log"
[ \$rc -gt 1 ] && cp "\$tmp.json" "$R/refused.\${zone%.}.\$server.\$serial.json" 2> /dev/null
rm -f "\$tmp" "\$tmp.json" "\$tmp.err"
[ "\$verdict" = refused ] && exit 1
exit 0
EOF
	chmod +x "$R/verify.sh"
	# NSD runs the verifier without a shell: one script per server
	for name in pub-a pub-b; do
		printf '#!/bin/sh\nexec "%s" %s\n' "$R/verify.sh" "$name" > "$R/verify-$name.sh"
		chmod +x "$R/verify-$name.sh"
	done
}

# nsd_pub NAME ADDR - one public NSD, secondary of the signer for every zone
nsd_pub() {
	local name=$1 addr=$2 d=$R/$1 z
	mkdir -p "$d"
	{
		cat << EOF
server:
    ip-address: $addr
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$d"
    database: ""
    pidfile: "$d/nsd.pid"
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    logfile: "$R/log/$name.log"
    server-count: 1
    verbosity: 1
    zonefiles-write: 0
remote-control:
    control-enable: no
verify:
    enable: yes
    ip-address: $addr
    port: 5347
    verifier-feed-zone: yes
    verifier-timeout: 20
    verifier-count: 2
EOF
		for z in $SAFE_ZONES $UNSAFE_ZONES; do
			cat << EOF
zone:
    name: "$z"
    allow-notify: 127.0.0.0/8 NOKEY
    request-xfr: AXFR $LAB_ROLL_SIGNER@53 NOKEY
    verify-zone: yes
    verifier: "$R/verify-$name.sh"
EOF
		done
	} > "$d/nsd.conf"
	nsd -c "$d/nsd.conf" -d > "$R/log/$name.out" 2>&1 &
	PIDS+=($!)
}

# serial ADDR ZONE - the SOA serial ADDR serves ("" none)
serial() { dig +norec +time=1 +tries=1 +short "@$1" "$2" SOA 2> /dev/null | awk 'NF >= 7 { print $3; exit }'; }

# servers_start - parent, signer, the two NSDs; wait until every zone is
# served by both NSDs
servers_start() {
	local z i
	mkdir -p "$R/log" "$R/force"
	signer_conf && signer_keys && parent_conf || return 1
	verifier_write
	knotd -c "$PARENT_CONF" > "$R/log/parent.out" 2>&1 &
	PIDS+=($!)
	knotd -c "$SIGNER_CONF" > "$R/log/signer.out" 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 50); do
		[ -n "$(serial "$LAB_ROLL_PARENT" roll.lab.)" ] && break
		sleep 0.2
	done
	# the first version of each zone is published whatever preflight says
	# (there is no history yet): the NSDs start with verification forced
	for z in $SAFE_ZONES $UNSAFE_ZONES; do touch "$R/force/${z%.}.pub-a" "$R/force/${z%.}.pub-b"; done
	nsd_pub pub-a "$LAB_ROLL_PUB_A"
	nsd_pub pub-b "$LAB_ROLL_PUB_B"
	for z in $SAFE_ZONES $UNSAFE_ZONES; do
		for i in $(seq 1 100); do
			[ -n "$(serial "$LAB_ROLL_PUB_A" "$z")" ] && [ -n "$(serial "$LAB_ROLL_PUB_B" "$z")" ] && break
			sleep 0.2
		done
		[ -n "$(serial "$LAB_ROLL_PUB_B" "$z")" ] || return 1
	done
	rm -f "$R/force/"*
}
