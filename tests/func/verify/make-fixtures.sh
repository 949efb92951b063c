#!/usr/bin/env bash
# make-fixtures.sh OUTDIR - signed test zones for the `dnsvigil verify` tests.
#
# Writes into OUTDIR (created; must not exist or be empty):
#   unsigned.zone          the small realistic zone every fixture is signed from
#   NAME.zone              the signed zone, exactly as the signer wrote it
#   NAME.ds                parent DS (SHA-256) of the zone's KSK(s)
#   NAME.ds1               the same KSK's DS with SHA-1 (digest type 1)
#   NAME.dnskey            the KSK(s) as DNSKEY records (trust-anchor form)
#   manifest               one line per fixture: NAME SIGNER ALGS DENIAL KIND
#                          (KIND: clean, faulty = not clean by design, aux,
#                          bulk = clean but large, deep = clean, other origin)
#   complete               written last; its presence means the set is whole
#
# Fixtures (every signer x every algorithm x every denial kind appears):
#   ldns-a8-nsec  ldns-a13-nsec3  ldns-a15-nsec3optout      (ldns-signzone)
#   bind-a8-nsec3optout  bind-a13-nsec  bind-a15-nsec3      (dnssec-signzone)
#   knot-a8-nsec3  knot-a13-nsec3optout  knot-a15-nsec      (kzonesign;
#                  knot-a15-nsec also has CDS and CDNSKEY at the apex)
#   ldns-a13-zonemd   NSEC + ZONEMD SHA-384 and SHA-512 (ldns-signzone -z)
#   knot-a13-zonemd   NSEC3 + ZONEMD SHA-384 (knot zonemd-generate)
#   ldns-a8a13-nsec   two algorithms, every RRset signed by both
#   ldns-a13-bulk     NSEC3, plus 2000 hosts hNNNN.hosts (thread tests)
#   ldns-a13-deep     NSEC3, origin Zone.Example.TEST. (kind "deep")
#   ldns-a13-nsec3iter        NSEC3 with 5 iterations and salt ABCD (not clean)
#   ldns-a13-alg8unused       alg 8 DNSKEY published but signing nothing (not clean)
#   ldns-a13-dsapex           a DS RRset at the apex, signed (not clean)
#   ldns-a13-zskonly          DNSKEY RRset signed by the ZSK only (KSK idle)
#   ldns-a13-revoked          plus a revoked KSK (flags 385) signing DNSKEY
#   ldns-a5-nsec              RSASHA1 keys (not clean: deprecated algorithm)
#   ldns-a8b1024-nsec         RSA-1024 keys (not clean: weak keys)
#   ldns-a13-nsec3-{past,early,future}  ldns-a13-nsec3 signed with the windows
#                             2024-01-01..2025-06-01, 2025-01-01..2031-01-01,
#                             2032-01-01..2035-01-01 (aux: spliced by tests)
#
# Every RRSIG has inception 2025-01-01 00:00:00 UTC (1735689600) and
# expiration 2035-01-01 00:00:00 UTC (2051222400); NSEC3 uses 0 iterations
# and no salt unless stated.  Keys are fresh per run (a signer x algorithm
# pair has its own KSK+ZSK), so signatures differ between runs; the tests
# only rely on names, types, key tags read back from the files and times.
#
# Needs: ldnsutils, bind9-utils, knot-dnssecutils (kzonesign, keymgr).
set -euo pipefail
export LC_ALL=C TZ=UTC

OUT=${1:?usage: make-fixtures.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd -P)
[ -z "$(ls -A "$OUT")" ] || { echo "make-fixtures: $OUT is not empty" >&2; exit 1; }

ORIGIN=example.
INCEPTION=20250101000000
EXPIRATION=20350101000000
# kzonesign: inception = now - 90 min, expiration = now + rrsig-lifetime.
KNOT_NOW=$((1735689600 + 5400))
KNOT_LIFETIME=$((2051222400 - KNOT_NOW))
KEYDATE=1735603200 # 2024-12-31, before KNOT_NOW

log() { echo "make-fixtures: $*" >&2; }

# ---------------------------------------------------------------- the zone
# apex SOA/NS/MX/TXT/CAA; hosts; a CNAME; SRV; a wildcard; an empty
# non-terminal pair (b.sub, sub: only a.b.sub exists); three delegations:
# "secure" with DS, "glued" with in-zone glue (A+AAAA), "plain" without.
# Mixed case in owners (WWW, NS2, Txt-Host) and RDATA names (SOA RNAME,
# NS, MX, CNAME, SRV) exercises canonical form (RFC 4034 §6.2); "multi"
# holds RRsets whose canonical RDATA order (§6.3) differs from the text
# order (192.0.2.9 < .10 < .200 on the wire; "b" < "zz" < "aaa" by length
# octet; MX targets lowercased before sorting); escaped owners (\032, \.,
# \065 = 'A', lowercased in canonical form; \000 inside a label; "\*"
# as a plain label) test name handling; a wildcard at the apex level; a
# DNAME (data below it is added by a fault test: kzonesign would sign it).
cat > "$OUT/unsigned.zone" <<'EOF'
$ORIGIN example.
$TTL 3600
@		86400	IN SOA	ns1.example. Hostmaster.Example. 2025010101 7200 3600 1209600 3600
@		86400	IN NS	ns1
@		86400	IN NS	NS2.Example.
@			IN MX	10 Mail.example.
@			IN TXT	"v=spf1 mx -all"
@			IN CAA	0 issue "letsencrypt.org"
ns1			IN A	192.0.2.1
ns1			IN AAAA	2001:db8::1
NS2			IN A	192.0.2.2
mail			IN A	192.0.2.25
WWW			IN A	192.0.2.80
WWW			IN AAAA	2001:db8::80
ftp			IN CNAME WWW.Example.
_sip._tcp		IN SRV	10 60 5060 Mail.Example.
*.wild			IN A	192.0.2.99
*.wild			IN TXT	"wildcard"
a.b.sub			IN A	192.0.2.50
Txt-Host		IN TXT	"Mixed Case" "two strings"
secure		86400	IN NS	ns1.hosting.test.
secure		86400	IN DS	31589 13 2 3490A6806D47F17A34C29E2CE80E8A999FFBE4BE6B5A1F7D93B2A6A9C04B5CE1
glued		86400	IN NS	ns1.glued
glued		86400	IN NS	ns2.glued
ns1.glued	86400	IN A	192.0.2.53
ns1.glued	86400	IN AAAA	2001:db8::53
ns2.glued	86400	IN A	192.0.2.54
plain		86400	IN NS	ns.other.test.
multi			IN A	192.0.2.10
multi			IN A	192.0.2.9
multi			IN A	192.0.2.200
multi			IN TXT	"zz"
multi			IN TXT	"aaa"
multi			IN TXT	"b"
multi			IN MX	20 ZZ.mx.test.
multi			IN MX	20 aa.mx.test.
multi			IN MX	5 m.mx.test.
sp\032ace		IN TXT	"escaped space in the owner"
dot\.label		IN A	192.0.2.46
\065bc			IN A	192.0.2.65
a\000			IN A	192.0.2.11
a-			IN A	192.0.2.12
a.\*.b			IN TXT	"a star that is not a wildcard"
*			IN MX	10 mail
alias			IN DNAME	target.other.test.
EOF

TMP=$(mktemp -d /tmp/dv-mkfx.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
KEYS=$TMP/keys
mkdir -p "$KEYS"

# keys_bind SET ALG -> creates $KEYS/SET/{ksk,zsk} symlink-free basenames in
# files $KEYS/SET/ksk.name and zsk.name (BIND key format; ldns reads it too).
keys_bind() { # SET ALG [RSA-BITS]
	local set=$1 alg=$2 d=$KEYS/$1 b=()
	[ -d "$d" ] && return 0
	mkdir -p "$d"
	case $alg in 5 | 8) b=(-b "${3:-2048}") ;; esac
	dnssec-keygen -q -K "$d" -a "$alg" "${b[@]}" -L 3600 -f KSK "$ORIGIN" > "$d/ksk.name" 2> /dev/null
	dnssec-keygen -q -K "$d" -a "$alg" "${b[@]}" -L 3600 "$ORIGIN" > "$d/zsk.name" 2> /dev/null
}
ksk() { echo "$KEYS/$1/$(cat "$KEYS/$1/ksk.name")"; }
zsk() { echo "$KEYS/$1/$(cat "$KEYS/$1/zsk.name")"; }
pubkeys() { # DNSKEY lines of key set(s), no comments
	local s
	for s in "$@"; do grep -hv '^;' "$(ksk "$s").key" "$(zsk "$s").key"; done
}
ds_files() { # NAME KEYSET... : .ds .ds1 .dnskey from BIND key files
	local name=$1 s
	shift
	: > "$OUT/$name.ds"; : > "$OUT/$name.ds1"; : > "$OUT/$name.dnskey"
	for s in "$@"; do
		dnssec-dsfromkey -2 "$(ksk "$s").key" >> "$OUT/$name.ds"
		dnssec-dsfromkey -1 "$(ksk "$s").key" >> "$OUT/$name.ds1"
		grep -v '^;' "$(ksk "$s").key" >> "$OUT/$name.dnskey"
	done
}
manifest() { echo "$*" >> "$OUT/manifest"; }

# sign_ldns NAME DENIAL KEYSET... [-- EXTRA-ldns-args] ; input zone on stdin
sign_ldns() {
	local name=$1 denial=$2 sets=() extra=() s k=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sets+=("$1"); shift; done
	[ $# -gt 0 ] && { shift; extra=("$@"); }
	for s in "${sets[@]}"; do k+=("$(ksk "$s")" "$(zsk "$s")"); done
	# Denial defaults first: a later -t/-s in EXTRA overrides them.
	case $denial in
	nsec) ;;
	nsec3) extra=(-n -a 1 -t 0 "${extra[@]}") ;;
	nsec3optout) extra=(-n -a 1 -t 0 -p "${extra[@]}") ;;
	esac
	cat > "$TMP/$name.in"
	ldns-signzone -o "$ORIGIN" -i "$INCEPTION" -e "$EXPIRATION" "${extra[@]}" \
		-f "$OUT/$name.zone" "$TMP/$name.in" "${k[@]}"
}

# sign_bind NAME DENIAL KEYSET ; input zone on stdin
sign_bind() {
	local name=$1 denial=$2 set=$3 extra=()
	case $denial in
	nsec) ;;
	nsec3) extra=(-3 - -H 0) ;;
	nsec3optout) extra=(-3 - -H 0 -A) ;;
	esac
	cat > "$TMP/$name.in"
	# -x: DNSKEY RRset signed by the KSK only; -P: no built-in verification
	# (it is done below by ldns-verify-zone for every fixture).
	dnssec-signzone -q -P -O full -N keep -x -o "$ORIGIN" -K "$KEYS/$set" \
		-d "$TMP" -s "$INCEPTION" -e "$EXPIRATION" "${extra[@]}" \
		-f "$OUT/$name.zone" "$TMP/$name.in" "$(ksk "$set")" "$(zsk "$set")" > /dev/null
}

# sign_knot NAME ALG DENIAL [ZONEMD] : kzonesign with keys made by keymgr
sign_knot() {
	local name=$1 alg=$2 denial=$3 zonemd=${4:-} d=$TMP/knot-$1 kalg size="" cds=none
	# knot-a15-nsec also publishes CDS + CDNSKEY (RFC 7344) for its KSK.
	[ "$name" = knot-a15-nsec ] && cds=always
	case $alg in
	8) kalg=rsasha256; size=2048 ;;
	13) kalg=ecdsap256sha256 ;;
	15) kalg=ed25519 ;;
	esac
	mkdir -p "$d/db" "$d/keys" "$d/out"
	cp "$OUT/unsigned.zone" "$d/example.zone"
	{
		cat <<EOF
server:
    rundir: $d
database:
    storage: $d/db
keystore:
  - id: ks
    config: $d/keys
policy:
  - id: p
    keystore: ks
    manual: on
    algorithm: $kalg
    dnskey-ttl: 3600
    zone-max-ttl: 86400
    rrsig-lifetime: $KNOT_LIFETIME
    rrsig-refresh: 7d
    cds-cdnskey-publish: $cds
EOF
		[ -n "$size" ] && printf '    ksk-size: %s\n    zsk-size: %s\n' "$size" "$size"
		case $denial in
		nsec) echo "    nsec3: off" ;;
		nsec3) printf '    nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n' ;;
		nsec3optout) printf '    nsec3: on\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n    nsec3-opt-out: on\n' ;;
		esac
		cat <<EOF
zone:
  - domain: $ORIGIN
    storage: $d
    file: example.zone
    dnssec-signing: on
    dnssec-policy: p
EOF
		[ -n "$zonemd" ] && echo "    zonemd-generate: zonemd-sha384"
	} > "$d/knot.conf"
	local g=(algorithm="$kalg" created="$KEYDATE" publish="$KEYDATE" active="$KEYDATE")
	[ -n "$size" ] && g+=(size="$size")
	keymgr -c "$d/knot.conf" "$ORIGIN" generate "${g[@]}" ksk=yes zsk=no ready=$KEYDATE > "$d/ksk.id"
	keymgr -c "$d/knot.conf" "$ORIGIN" generate "${g[@]}" ksk=no > "$d/zsk.id"
	kzonesign -c "$d/knot.conf" -o "$d/out" -t "$KNOT_NOW" "$ORIGIN" > /dev/null
	cp "$d/out/example.zone" "$OUT/$name.zone"
	# keymgr prints SHA-256 and SHA-384 DS: keep both (a two-digest DS set).
	keymgr -c "$d/knot.conf" "$ORIGIN" ds "$(cat "$d/ksk.id")" > "$OUT/$name.ds"
	keymgr -c "$d/knot.conf" "$ORIGIN" dnskey "$(cat "$d/ksk.id")" |
		awk '{ $2 = "3600 IN " $2; print }' > "$OUT/$name.dnskey"
	# SHA-1 DS from the DNSKEY (keymgr makes only SHA-256/384).
	local ta=$d/Kta.key
	cp "$OUT/$name.dnskey" "$ta"
	dnssec-dsfromkey -1 -f "$ta" "$ORIGIN" > "$OUT/$name.ds1"
}

# ---------------------------------------------------------------- fixtures
log "generating keys"
for s in ldns8 ldns13 ldns15 bind8 bind13 bind15; do keys_bind "$s" "${s#????}"; done
keys_bind ldns5 5
keys_bind ldns8weak 8 1024

log "signing with ldns-signzone"
{ cat "$OUT/unsigned.zone"; pubkeys ldns8; } | sign_ldns ldns-a8-nsec nsec ldns8
ds_files ldns-a8-nsec ldns8; manifest ldns-a8-nsec ldns 8 nsec clean
{ cat "$OUT/unsigned.zone"; pubkeys ldns13; } | sign_ldns ldns-a13-nsec3 nsec3 ldns13
ds_files ldns-a13-nsec3 ldns13; manifest ldns-a13-nsec3 ldns 13 nsec3 clean
{ cat "$OUT/unsigned.zone"; pubkeys ldns15; } | sign_ldns ldns-a15-nsec3optout nsec3optout ldns15
ds_files ldns-a15-nsec3optout ldns15; manifest ldns-a15-nsec3optout ldns 15 nsec3optout clean
{ cat "$OUT/unsigned.zone"; pubkeys ldns13; } | sign_ldns ldns-a13-zonemd nsec ldns13 -- -z 1:1 -z 1:2
ds_files ldns-a13-zonemd ldns13; manifest ldns-a13-zonemd ldns 13 nsec clean
{ cat "$OUT/unsigned.zone"; pubkeys ldns8 ldns13; } | sign_ldns ldns-a8a13-nsec nsec ldns8 ldns13
ds_files ldns-a8a13-nsec ldns8 ldns13; manifest ldns-a8a13-nsec ldns 8,13 nsec clean
{ cat "$OUT/unsigned.zone"; pubkeys ldns13; } |
	sign_ldns ldns-a13-nsec3iter nsec3 ldns13 -- -t 5 -s ABCD
ds_files ldns-a13-nsec3iter ldns13; manifest ldns-a13-nsec3iter ldns 13 nsec3 faulty
# Alg-8 keys published in the DNSKEY RRset, but only the alg-13 keys sign.
{ cat "$OUT/unsigned.zone"; pubkeys ldns13 ldns8; } | sign_ldns ldns-a13-alg8unused nsec ldns13
ds_files ldns-a13-alg8unused ldns13; manifest ldns-a13-alg8unused ldns 8,13 nsec faulty
{
	cat "$OUT/unsigned.zone"; pubkeys ldns13
	echo "@ 3600 IN DS 4242 13 2 3490A6806D47F17A34C29E2CE80E8A999FFBE4BE6B5A1F7D93B2A6A9C04B5CE1"
} | sign_ldns ldns-a13-dsapex nsec ldns13
ds_files ldns-a13-dsapex ldns13; manifest ldns-a13-dsapex ldns 13 nsec faulty

# A larger zone (2000 more hosts) for the thread-count comparisons.
{
	cat "$OUT/unsigned.zone"
	awk 'BEGIN { for (i = 1; i <= 2000; i++)
		printf "h%04d.hosts\tIN A\t10.%d.%d.%d\n", i, int(i / 65536), int(i / 256) % 256, i % 256 }'
	pubkeys ldns13
} | sign_ldns ldns-a13-bulk nsec3 ldns13
ds_files ldns-a13-bulk ldns13; manifest ldns-a13-bulk ldns 13 nsec3 bulk

# RSASHA1 (RFC 8624: NOT RECOMMENDED) and RSA-1024 keys.
{ cat "$OUT/unsigned.zone"; pubkeys ldns5; } | sign_ldns ldns-a5-nsec nsec ldns5
ds_files ldns-a5-nsec ldns5; manifest ldns-a5-nsec ldns 5 nsec faulty
{ cat "$OUT/unsigned.zone"; pubkeys ldns8weak; } | sign_ldns ldns-a8b1024-nsec nsec ldns8weak
ds_files ldns-a8b1024-nsec ldns8weak; manifest ldns-a8b1024-nsec ldns 8 nsec faulty

# The KSK published but not signing: the DNSKEY RRset is signed by the ZSK
# alone (clean without --ds; with the KSK's DS the chain is broken).
{ cat "$OUT/unsigned.zone"; pubkeys ldns13; } > "$TMP/zskonly.in"
ldns-signzone -o "$ORIGIN" -i "$INCEPTION" -e "$EXPIRATION" -f "$OUT/ldns-a13-zskonly.zone" \
	"$TMP/zskonly.in" "$(zsk ldns13)"
ds_files ldns-a13-zskonly ldns13; manifest ldns-a13-zskonly ldns 13 nsec faulty
# A second KSK, revoked (RFC 5011 flags 385), self-signing the DNSKEY RRset.
mkdir -p "$KEYS/ldns13rev"
rev=$(dnssec-keygen -q -K "$KEYS/ldns13rev" -a 13 -L 3600 -f KSK "$ORIGIN")
rev=$(dnssec-revoke -r -K "$KEYS/ldns13rev" "$KEYS/ldns13rev/$rev.key")
{ cat "$OUT/unsigned.zone"; pubkeys ldns13; grep -v '^;' "$rev.key"; } > "$TMP/revoked.in"
ldns-signzone -o "$ORIGIN" -i "$INCEPTION" -e "$EXPIRATION" -f "$OUT/ldns-a13-revoked.zone" \
	"$TMP/revoked.in" "$(ksk ldns13)" "$(zsk ldns13)" "$rev"
ds_files ldns-a13-revoked ldns13; manifest ldns-a13-revoked ldns 13 nsec faulty

# The same data under a three-label, mixed-case origin (Zone.Example.TEST.):
# label counts, NSEC3 hashes of longer names, a lowercased signer name.
DEEP=Zone.Example.TEST.
mkdir -p "$KEYS/deep"
dk=$KEYS/deep/$(dnssec-keygen -q -K "$KEYS/deep" -a 13 -L 3600 -f KSK "$DEEP")
dz=$KEYS/deep/$(dnssec-keygen -q -K "$KEYS/deep" -a 13 -L 3600 "$DEEP")
{
	sed "s/^\$ORIGIN example\./\$ORIGIN $DEEP/" "$OUT/unsigned.zone"
	grep -hv '^;' "$dk.key" "$dz.key"
} > "$TMP/deep.in"
ldns-signzone -n -a 1 -t 0 -o "$DEEP" -i "$INCEPTION" -e "$EXPIRATION" -f "$OUT/ldns-a13-deep.zone" \
	"$TMP/deep.in" "$dk" "$dz"
dnssec-dsfromkey -2 "$dk.key" > "$OUT/ldns-a13-deep.ds"
manifest ldns-a13-deep ldns 13 nsec3 deep

# Same keys and data as ldns-a13-nsec3, other validity windows: the tests
# splice single RRSIGs from these into ldns-a13-nsec3 (valid signatures with
# an expiration in the past, in 2031, or an inception in the future).
for w in "past 20240101000000 20250601000000" "early 20250101000000 20310101000000" \
	"future 20320101000000 20350101000000"; do
	# shellcheck disable=SC2086 # three words wanted
	set -- $w
	{ cat "$OUT/unsigned.zone"; pubkeys ldns13; } |
		sign_ldns "ldns-a13-nsec3-$1" nsec3 ldns13 -- -i "$2" -e "$3"
	manifest "ldns-a13-nsec3-$1" ldns 13 nsec3 aux
done

log "signing with dnssec-signzone"
{ cat "$OUT/unsigned.zone"; pubkeys bind8; } | sign_bind bind-a8-nsec3optout nsec3optout bind8
ds_files bind-a8-nsec3optout bind8; manifest bind-a8-nsec3optout bind 8 nsec3optout clean
{ cat "$OUT/unsigned.zone"; pubkeys bind13; } | sign_bind bind-a13-nsec nsec bind13
ds_files bind-a13-nsec bind13; manifest bind-a13-nsec bind 13 nsec clean
{ cat "$OUT/unsigned.zone"; pubkeys bind15; } | sign_bind bind-a15-nsec3 nsec3 bind15
ds_files bind-a15-nsec3 bind15; manifest bind-a15-nsec3 bind 15 nsec3 clean

log "signing with kzonesign"
sign_knot knot-a8-nsec3 8 nsec3; manifest knot-a8-nsec3 knot 8 nsec3 clean
sign_knot knot-a13-nsec3optout 13 nsec3optout; manifest knot-a13-nsec3optout knot 13 nsec3optout clean
sign_knot knot-a15-nsec 15 nsec; manifest knot-a15-nsec knot 15 nsec clean
sign_knot knot-a13-zonemd 13 nsec3 zonemd; manifest knot-a13-zonemd knot 13 nsec3 clean

# Keys are kept (tests re-sign nothing, but a person debugging may want them).
cp -r "$KEYS" "$OUT/keys"

# Cross-check every clean fixture with an independent verifier, so a test
# failure later points at dnsvigil and not at the fixture.
log "cross-checking clean fixtures with ldns-verify-zone"
while read -r name _ _ _ clean; do
	case $clean in clean | bulk | deep) ;; *) continue ;; esac
	if ! ldns-verify-zone -t 20300101000000 "$OUT/$name.zone" > "$TMP/v.out" 2>&1; then
		cat "$TMP/v.out" >&2
		echo "make-fixtures: $name does not verify with ldns-verify-zone" >&2
		exit 1
	fi
done < "$OUT/manifest"
date -u +%FT%TZ > "$OUT/complete"
log "done: $OUT"
