#!/usr/bin/env bash
# make-example.sh DIR - write DIR/example.zone.signed (ECDSA P-256, NSEC,
# signed with dnssec-signzone) and DIR/dsset-example. for the demo.
set -euo pipefail
DIR=$1
mkdir -p "$DIR"
cd "$DIR"
cat > example.zone <<'ZONE'
$ORIGIN example.
$TTL 3600
@        SOA  ns1 hostmaster 2026112301 7200 3600 1209600 300
@        NS   ns1
@        NS   ns2.example.net.
@        MX   10 mail
ns1      A    192.0.2.1
mail     A    192.0.2.3
www      A    192.0.2.2
www      AAAA 2001:db8::2
a.b.ent  TXT  "below an empty non-terminal"
*.wild   TXT  "wildcard"
sub      NS   ns.sub
ns.sub   A    192.0.2.4
secure   NS   ns.example.net.
secure   DS   12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ZONE
dnssec-keygen -q -K . -a ECDSAP256SHA256 -f KSK example. > /dev/null
dnssec-keygen -q -K . -a ECDSAP256SHA256 example. > /dev/null
# Sign for 30 days from an hour ago: the demo shows the expiry countdown.
dnssec-signzone -q -S -K . -o example. -s now-3600 -e now+2592000 example.zone > /dev/null
