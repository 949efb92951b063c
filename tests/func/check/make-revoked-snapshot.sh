#!/usr/bin/env bash
# tests/func/check/make-revoked-snapshot.sh OUT.json - the snapshot that
# tests/func/test_check_revoked.sh judges: a private root and two signed
# children served by two real NSD instances on loopback, probed by
# `dnsvigil check --save`.
#
#   revoked.   signed only by a KSK with the REVOKE bit (flags 385): the DS
#              at the root names it, it signs the DNSKEY RRset (allowed,
#              RFC 5011 §2.1) and every other RRset (which then counts as
#              unsigned)
#   beside.    a KSK and a ZSK that count, plus a revoked key (flags 384)
#              that signs the data too: nothing wrong but the revoked key
#
# Every RRSIG runs 2025-01-01 .. 2035-01-01, so the snapshot's own time (its
# default --now) stays inside.  Run it where binding 127.53.60.1-2 port 53
# is harmless, e.g. scripts/netns.sh NAME bash tests/func/check/make-revoked-snapshot.sh OUT
# (needs nsd, bind9-utils, ldnsutils).  Regenerating changes keys and
# signatures, not what the test asserts.
set -euo pipefail
OUT=$(realpath -m "${1:?usage: make-revoked-snapshot.sh OUT.json}")
DNSVIGIL=${DNSVIGIL:-$(dirname "$0")/../../../build/dnsvigil}
D=$(mktemp -d /tmp/dv-revoked.XXXXXX)
stop() {
	local p
	for p in "$D"/*/nsd.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2> /dev/null
	done
	sleep 0.2
	rm -rf "$D"
}
trap stop EXIT
cd "$D"
ROOT_IP=127.53.60.1 CHILD_IP=127.53.60.2
SIGN=(-i 20250101000000 -e 20350101000000)

keygen() { # keygen ZONE [FLAGS...] - a new alg 13 key; prints its K-file base
	dnssec-keygen -q -K "$D" -a 13 -L 3600 "${@:2}" "$1"
}
revoke() { basename "$(dnssec-revoke -r -K "$D" "$D/$1.key" 2> /dev/null)"; }
pub() { grep -hv '^;' "${@/%/.key}"; }
child() { # child ZONE - the unsigned zone text
	printf '$ORIGIN %s\n$TTL 300\n@ SOA ns1 hostmaster 1 600 60 86400 30\n' "$1"
	printf '@ NS ns1\nns1 A %s\n@ A 192.0.2.1\nwww A 192.0.2.2\n' "$CHILD_IP"
}

# revoked.: one revoked KSK signs everything
rk=$(revoke "$(keygen revoked. -f KSK)")
{ child revoked.; pub "$rk"; } > revoked.in
ldns-signzone -o revoked. "${SIGN[@]}" -f revoked.zone revoked.in "$rk"
# beside.: KSK + ZSK, and a revoked ZSK signing the data too
bk=$(keygen beside. -f KSK)
bz=$(keygen beside.)
br=$(revoke "$(keygen beside.)")
{ child beside.; pub "$bk" "$bz" "$br"; } > beside.in
ldns-signzone -o beside. "${SIGN[@]}" -f beside.zone beside.in "$bk" "$bz" "$br"

# the root: delegations with glue and DS, signed by its own KSK and ZSK
rootk=$(keygen . -f KSK)
rootz=$(keygen .)
{
	printf '$ORIGIN .\n$TTL 300\n. SOA a.root-servers.test. hostmaster.test. 1 600 60 86400 30\n'
	printf '. NS a.root-servers.test.\na.root-servers.test. A %s\n' "$ROOT_IP"
	for z in revoked beside; do
		printf '%s. NS ns1.%s.\nns1.%s. A %s\n' "$z" "$z" "$z" "$CHILD_IP"
	done
	# (dnssec-dsfromkey prints nothing for a revoked key: ldns-key2ds does)
	ldns-key2ds -n -2 "$rk.key"
	ldns-key2ds -n -2 "$bk.key"
	pub "$rootk" "$rootz"
} > root.in
ldns-signzone -o . "${SIGN[@]}" -f root.zone root.in "$rootk" "$rootz"
dnssec-dsfromkey -2 "$rootk.key" > root.ds
printf '. 3600 IN NS a.root-servers.test.\na.root-servers.test. 3600 IN A %s\n' "$ROOT_IP" > root.hints

nsd_run() { # nsd_run NAME ADDRESS ZONE... - one NSD serving the zones
	local n=$1 a=$2 z
	shift 2
	mkdir -p "$D/$n"
	printf 'server:\n    ip-address: %s\n    port: 53\n    do-ip6: no\n    username: ""\n' "$a" > "$n/nsd.conf"
	printf '    chroot: ""\n    zonesdir: "%s"\n    database: ""\n    pidfile: "%s/nsd.pid"\n' "$D" "$D/$n" >> "$n/nsd.conf"
	printf '    zonelistfile: "%s/zone.list"\n    xfrdfile: "%s/xfrd.state"\n    xfrdir: "%s"\n' "$D/$n" "$D/$n" "$D/$n" >> "$n/nsd.conf"
	printf '    server-count: 1\n    minimal-responses: no\nremote-control:\n    control-enable: no\n' >> "$n/nsd.conf"
	for z in "$@"; do printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$z" "${z%.}" >> "$n/nsd.conf"; done
	sed -i 's/zonefile: "\.zone"/zonefile: "root.zone"/' "$n/nsd.conf"
	nsd -c "$n/nsd.conf" > "$n/log" 2>&1
}
nsd_run root "$ROOT_IP" .
nsd_run child "$CHILD_IP" revoked. beside.
for _ in $(seq 50); do
	dig +short +norec @"$CHILD_IP" beside. SOA > /dev/null 2>&1 && dig +short +norec @"$ROOT_IP" . SOA | grep -q . && break
	sleep 0.1
done
"$DNSVIGIL" check --root-hints root.hints --trust-anchor root.ds --save "$OUT" -f json \
	revoked. beside. > /dev/null || true
echo "wrote $OUT"
