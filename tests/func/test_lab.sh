#!/usr/bin/env bash
# tests/func/test_lab.sh - the lab (tests/lab) really has every scenario.
# These tests check the lab, not dnsvigil: they ask real servers and real
# resolvers with dig, after tests/lab/start.sh.
. "$(dirname "$0")/lib.sh"

LAB_DIR=${LAB_DIR:-${LAB:-/tmp/dnsvigil-lab}}
if [ ! -f "$LAB_DIR/lab.env" ] || [ ! -d "$LAB_DIR/run" ]; then
	not_ok "lab is running" "no $LAB_DIR/lab.env or $LAB_DIR/run: run tests/lab/start.sh first"
	exit 0
fi
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"

n=0
# q FILE-TAG DIG-ARGS... - run dig, output in $WORK/TAG.out, path in $OUT
q() {
	local tag=$1
	shift
	n=$((n + 1))
	OUT=$WORK/$n-$tag.out
	dig +time=3 +tries=1 "$@" > "$OUT" 2>&1
}
# auth ADDR ARGS... - non-recursive query to an authoritative server
auth() { local a=$1; shift; q auth "@$a" +norec +dnssec "$@"; }
# res ADDR ARGS... - a resolver query (validators may need several upstream trips)
res() { local a=$1; shift; n=$((n + 1)); OUT=$WORK/$n-res.out; dig +time=8 +tries=1 "@$a" +dnssec "$@" > "$OUT" 2>&1; }
serial() { dig +time=2 +tries=1 +norec +short "@$1" "$2" SOA 2> /dev/null | awk 'NF >= 7 { print $3; exit }'; }
AD='flags:[a-z ]* ad[ ;]'

# ---------------------------------------------------------------- lab.env has what README.md documents

for v in $(sed -n '/^## Addresses and `lab.env`/,/^## /p' "$TOP/tests/lab/README.md" |
	grep -oE '`LAB_[A-Z0-9_]+`' | tr -d '`' | sort -u); do
	case $v in LAB_CANARY_ZONES) [ "${LAB_CANARY:-0}" = 1 ] || continue ;; esac
	if [ -n "${!v:-}" ]; then ok "lab.env sets $v"; else not_ok "lab.env sets $v"; fi
done
for s in HEALTHY STALE UNSIGNED_SERVER ISLAND EXPIRED EXPIRING DS_MISMATCH NSEC3_BROKEN ALGROLL UNSIGNED CDS_DIFFER PROVIDER FAULTY; do
	zv=LAB_${s}_ZONE sv=LAB_${s}_SERVERS
	[ -n "${!zv:-}" ] && [ -n "${!sv:-}" ] && ok "lab.env sets $zv and $sv" || not_ok "lab.env sets $zv and $sv"
done

# ---------------------------------------------------------------- trust anchor files and root

t_grep "root.hints names the root server" "a.root-servers.lab..*A.*$LAB_ROOT_SERVER" "$LAB_ROOT_HINTS"
t_grep "root.ds is one DS RR in zone-file form" '^\. IN DS [0-9]+ 13 2 [0-9a-fA-F]{64}$' "$LAB_ROOT_DS"
t_grep "root.key is a KSK DNSKEY RR" '^\. IN DNSKEY 257 3 13 ' "$LAB_ROOT_KEY"

auth "$LAB_ROOT_SERVER" . DNSKEY
t_grep "root server answers DNSKEY authoritatively" 'flags: qr aa' "$OUT"
t_grep "root DNSKEY RRset is signed" 'RRSIG[[:space:]]+DNSKEY 13 0 ' "$OUT"
grep -E '[[:space:]]DNSKEY[[:space:]]+257 ' "$OUT" | dnssec-dsfromkey -2 -f - . > "$WORK/root-ds-from-server" 2>&1
want=$(awk '{ print $4, toupper($7) }' "$LAB_ROOT_DS")
t_grep "root.ds matches the KSK the root server publishes" "DS $(awk '{ print $1 }' <<< "$want") 13 2 $(awk '{ print $2 }' <<< "$want")" "$WORK/root-ds-from-server"

auth "$LAB_ROOT_SERVER" lab. DS
t_grep "root has a signed DS for lab." 'lab\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 ' "$OUT"
t_grep "root's DS for lab. carries an RRSIG" 'RRSIG[[:space:]]+DS 13 1 ' "$OUT"
auth "$LAB_ROOT_SERVER" www.healthy.lab. A
t_grep "root refers lab. to both TLD servers" "a.nic.lab.*$LAB_TLD_NSD" "$OUT"
t_grep "root glue for b.nic.lab." "b.nic.lab.*$LAB_TLD_BIND" "$OUT"

ks=$(serial "$LAB_KNOT" .)
t_eq "NSD root secondary is at knotd's serial (AXFR/NOTIFY)" "$(serial "$LAB_ROOT_SERVER" .)" "$ks"
ks=$(serial "$LAB_KNOT" lab.)
for s in $LAB_TLD_SERVERS; do
	t_eq "TLD server $s is at knotd's lab. serial" "$(serial "$s" lab.)" "$ks"
done
t_grep "knotd served outgoing AXFRs" 'AXFR, outgoing' "$LAB_DIR/log/knotd.log"
t_grep "knotd NOTIFYed the secondaries of stale.lab." '\[stale\.lab\.\] notify, outgoing, remote .*, serial' "$LAB_DIR/log/knotd.log"
t_grep "NSD secondary received knotd's NOTIFY" "notify for stale.lab. from $LAB_KNOT" "$LAB_DIR/log/nsd-sec.log"

# ---------------------------------------------------------------- delegations, DS

for z in $LAB_SCENARIOS; do
	auth "$LAB_TLD_NSD" "$z" DS
	case $z in
	island.lab. | unsigned.lab.)
		t_nogrep "lab. has no DS for $z" "^${z}[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS" "$OUT"
		t_grep "lab. proves no DS for $z (NSEC)" "^${z}[[:space:]].*NSEC[[:space:]]" "$OUT"
		;;
	*) t_grep "lab. has a DS for $z" "^${z}[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS[[:space:]]" "$OUT" ;;
	esac
done

# every server named in a scenario answers for it, except the fault servers
for v in $(compgen -v | grep -E '^LAB_[A-Z0-9_]+_SERVERS$' | grep -v TLD); do
	zv=${v%_SERVERS}_ZONE
	z=${!zv:-}
	[ -n "$z" ] || continue
	for s in ${!v}; do
		case $s in "$LAB_FAULT_DROP" | "$LAB_FAULT_TC" | "$LAB_FAULT_REFUSED") continue ;; esac
		auth "$s" "$z" SOA
		t_grep "$s serves $z authoritatively" 'status: NOERROR.*|flags: qr aa' "$OUT"
		t_grep "$s answers $z SOA" "^${z}[[:space:]].*SOA" "$OUT"
	done
done

# ---------------------------------------------------------------- resolvers

for r in $LAB_RES_VALIDATING; do
	res "$r" www.healthy.lab. A
	t_grep "resolver $r: healthy.lab. NOERROR" 'status: NOERROR' "$OUT"
	t_grep "resolver $r: healthy.lab. validated (AD)" "$AD" "$OUT"
	res "$r" www.provider.lab. A
	t_grep "resolver $r: provider.lab. validated (AD)" "$AD" "$OUT"
	res "$r" www.expiring.lab. A
	t_grep "resolver $r: expiring.lab. still validates (AD)" "$AD" "$OUT"
	res "$r" www.algroll.lab. A
	t_grep "resolver $r: half-done algroll.lab. still validates (AD)" "$AD" "$OUT"
	res "$r" www.expired.lab. A
	t_grep "resolver $r: expired.lab. SERVFAIL" 'status: SERVFAIL' "$OUT"
	res "$r" www.expired.lab. A +cd
	t_grep "resolver $r: expired.lab. data comes back with +cd" 'www.expired.lab.*IN[[:space:]]+A[[:space:]]+127.53.200.2' "$OUT"
	res "$r" www.ds-mismatch.lab. A
	t_grep "resolver $r: ds-mismatch.lab. SERVFAIL" 'status: SERVFAIL' "$OUT"
	res "$r" nx.nsec3-broken.lab. A
	t_grep "resolver $r: NXDOMAIN in nsec3-broken.lab. SERVFAIL" 'status: SERVFAIL' "$OUT"
	res "$r" www.nsec3-broken.lab. A
	t_grep "resolver $r: positive answer in nsec3-broken.lab. AD" "$AD" "$OUT"
	for z in island.lab. unsigned.lab.; do
		res "$r" "www.$z" A
		t_grep "resolver $r: $z NOERROR" 'status: NOERROR' "$OUT"
		t_nogrep "resolver $r: $z insecure (no AD)" "$AD" "$OUT"
	done
	res "$r" nx.healthy.lab. A
	t_grep "resolver $r: NXDOMAIN in healthy.lab. validated" "status: NXDOMAIN" "$OUT"
	t_grep "resolver $r: NXDOMAIN in healthy.lab. has AD" "$AD" "$OUT"
done

res "$LAB_RES_NOVALIDATE" www.healthy.lab. A
t_grep "non-validating resolver answers healthy.lab." 'status: NOERROR' "$OUT"
t_nogrep "non-validating resolver never sets AD" "$AD" "$OUT"
res "$LAB_RES_NOVALIDATE" www.expired.lab. A
t_grep "non-validating resolver passes expired.lab. data" 'status: NOERROR' "$OUT"
res "$LAB_RES_NOVALIDATE" www.ds-mismatch.lab. A
t_grep "non-validating resolver passes ds-mismatch.lab. data" 'status: NOERROR' "$OUT"

res "$LAB_RES_WRONG_TA" www.healthy.lab. A
t_grep "wrong-trust-anchor resolver SERVFAILs healthy.lab." 'status: SERVFAIL' "$OUT"
res "$LAB_RES_WRONG_TA" www.unsigned.lab. A
t_grep "wrong-trust-anchor resolver SERVFAILs even unsigned.lab." 'status: SERVFAIL' "$OUT"
res "$LAB_RES_WRONG_TA" www.healthy.lab. A +cd
t_grep "wrong-trust-anchor resolver returns data with +cd" 'www.healthy.lab.*IN[[:space:]]+A' "$OUT"

q dead "@$LAB_RES_DEAD" +time=1 healthy.lab. SOA
t_grep "nothing listens on the dead resolver address" 'connection refused|timed out|no servers could be reached' "$OUT"
t_nogrep "dead resolver address gives no answer" 'status:' "$OUT"

# ---------------------------------------------------------------- scenario details on the servers

utcsec() { date -u -d "@$1" +%Y%m%d%H%M%S; }
auth "$LAB_PROVB_NSD" www.expired.lab. A
t_grep "expired.lab. RRSIG ends at LAB_EXPIRED_AT" "RRSIG[[:space:]]+A 13 3 300 $(utcsec "$LAB_EXPIRED_AT") " "$OUT"
[ "$LAB_EXPIRED_AT" -lt "$(date +%s)" ] && ok "LAB_EXPIRED_AT is in the past" || not_ok "LAB_EXPIRED_AT is in the past"
auth "$LAB_PROVB_BIND" www.expiring.lab. A
t_grep "expiring.lab. RRSIG ends at LAB_EXPIRING_AT" "RRSIG[[:space:]]+A 13 3 300 $(utcsec "$LAB_EXPIRING_AT") " "$OUT"
left=$((LAB_EXPIRING_AT - $(date +%s)))
[ "$left" -gt 0 ] && [ "$left" -le 172800 ] && ok "expiring.lab. expires within 2 days" ||
	not_ok "expiring.lab. expires within 2 days" "seconds left: $left"

# ds-mismatch: the DS tag is not among the zone's DNSKEY tags
auth "$LAB_TLD_BIND" ds-mismatch.lab. DS
dstag=$(awk '$4 == "DS" { print $5; exit }' "$OUT")
auth "$LAB_PROVB_NSD" ds-mismatch.lab. DNSKEY
grep -E '[[:space:]]DNSKEY[[:space:]]' "$OUT" | grep -v RRSIG | dnssec-dsfromkey -2 -f - ds-mismatch.lab. > "$WORK/dsm" 2>&1
t_grep "ds-mismatch.lab. has DNSKEYs" 'IN DS' "$WORK/dsm"
t_nogrep "ds-mismatch.lab. DS tag $dstag matches no DNSKEY" "IN DS ${dstag:-none} " "$WORK/dsm"
auth "$LAB_TLD_BIND" healthy.lab. DS
htag=$(awk '$4 == "DS" { print $5; exit }' "$OUT")
auth "$LAB_SEC_NSD" healthy.lab. DNSKEY
grep -E '[[:space:]]DNSKEY[[:space:]]' "$OUT" | grep -v RRSIG | dnssec-dsfromkey -2 -f - healthy.lab. > "$WORK/hds" 2>&1
t_grep "healthy.lab. DS tag matches a DNSKEY (control)" "IN DS ${htag:-none} " "$WORK/hds"

# stale
for s in $LAB_STALE_SERVERS; do
	if [ "$s" = "$LAB_STALE_BAD" ]; then
		t_eq "stale server $s serves the old serial" "$(serial "$s" stale.lab.)" "$LAB_STALE_OLD_SERIAL"
	else
		t_eq "$s serves the new stale.lab. serial" "$(serial "$s" stale.lab.)" "$LAB_STALE_NEW_SERIAL"
	fi
done
[ "$LAB_STALE_OLD_SERIAL" != "$LAB_STALE_NEW_SERIAL" ] && ok "stale serials differ" || not_ok "stale serials differ"
auth "$LAB_STALE_BAD" changed.stale.lab. TXT
t_grep "stale server lacks the change" 'status: NXDOMAIN' "$OUT"
auth "$LAB_SEC_BIND" changed.stale.lab. TXT
t_grep "BIND secondary got the change by NOTIFY+XFR" 'changed.stale.lab.*TXT' "$OUT"

# unsigned-server
for s in $LAB_UNSIGNED_SERVER_SERVERS; do
	auth "$s" www.unsigned-server.lab. A
	if [ "$s" = "$LAB_UNSIGNED_SERVER_BAD" ]; then
		t_grep "$s answers www.unsigned-server.lab." 'www.unsigned-server.lab.*IN[[:space:]]+A' "$OUT"
		t_nogrep "$s serves no RRSIG for unsigned-server.lab." 'RRSIG' "$OUT"
	else
		t_grep "$s serves RRSIG for unsigned-server.lab." 'RRSIG[[:space:]]+A ' "$OUT"
	fi
done
t_eq "unsigned-server.lab.: same serial on the bad server" "$(serial "$LAB_UNSIGNED_SERVER_BAD" unsigned-server.lab.)" "$(serial "$LAB_KNOT" unsigned-server.lab.)"

# island / unsigned
auth "$LAB_SEC_NSD" island.lab. DNSKEY
t_grep "island.lab. is signed" 'RRSIG[[:space:]]+DNSKEY' "$OUT"
auth "$LAB_PROVB_NSD" unsigned.lab. DNSKEY
t_grep "unsigned.lab. answers DNSKEY" 'status: NOERROR' "$OUT"
t_nogrep "unsigned.lab. has no DNSKEY" '^unsigned.lab.[[:space:]].*DNSKEY' "$OUT"

# nsec3-broken
auth "$LAB_PROVB_NSD" nsec3-broken.lab. NSEC3PARAM
t_grep "nsec3-broken.lab. is an NSEC3 zone" 'NSEC3PARAM[[:space:]]+1 0 0 -' "$OUT"
for s in $LAB_NSEC3_BROKEN_SERVERS; do
	q axfr "@$s" nsec3-broken.lab. AXFR
	t_grep "$s transfers nsec3-broken.lab." 'IN[[:space:]]+NSEC3[[:space:]]' "$OUT"
	t_nogrep "$s lacks the apex NSEC3 (chain gap)" "^${LAB_NSEC3_BROKEN_MISSING}[[:space:]]" "$OUT"
done
h=$(nsec3hash - 1 0 healthy.lab. 2> /dev/null | awk '{ print $1 }')
[ -n "$h" ] && [ "${LAB_NSEC3_BROKEN_MISSING%%.*}" = "$(nsec3hash - 1 0 nsec3-broken.lab. | awk '{ print $1 }')" ] &&
	ok "LAB_NSEC3_BROKEN_MISSING is the apex hash" || not_ok "LAB_NSEC3_BROKEN_MISSING is the apex hash"

# algroll
for s in $LAB_ALGROLL_SERVERS; do
	auth "$s" algroll.lab. DNSKEY
	t_grep "$s: algroll.lab. has an alg-8 DNSKEY" 'DNSKEY[[:space:]]+25[67] 3 8 ' "$OUT"
	t_grep "$s: algroll.lab. has an alg-13 DNSKEY" 'DNSKEY[[:space:]]+25[67] 3 13 ' "$OUT"
	t_grep "$s: algroll.lab. DNSKEY signed by alg 8" 'RRSIG[[:space:]]+DNSKEY 8 ' "$OUT"
	t_grep "$s: algroll.lab. DNSKEY signed by alg 13" 'RRSIG[[:space:]]+DNSKEY 13 ' "$OUT"
	auth "$s" www.algroll.lab. A
	t_grep "$s: www.algroll.lab. A signed by alg 13" 'RRSIG[[:space:]]+A 13 ' "$OUT"
	t_nogrep "$s: www.algroll.lab. A not signed by alg 8" 'RRSIG[[:space:]]+A 8 ' "$OUT"
done
auth "$LAB_TLD_NSD" algroll.lab. DS
t_grep "algroll.lab. DS is the alg-8 KSK" 'IN[[:space:]]+DS[[:space:]]+[0-9]+ 8 2 ' "$OUT"

# cds-differ
good=""
for s in $LAB_CDS_DIFFER_SERVERS; do
	c=$(dig +time=2 +tries=1 +norec +short "@$s" cds-differ.lab. CDS | awk '{ print $1, $2, $3 }')
	if [ "$s" = "$LAB_CDS_DIFFER_BAD" ]; then bad=$c; else
		[ -z "$good" ] && good=$c
		t_eq "$s: same CDS as the other good server" "$c" "$good"
	fi
done
[ -n "$good" ] && [ -n "$bad" ] && [ "$good" != "$bad" ] && ok "cds-differ.lab.: the odd server's CDS differs" ||
	not_ok "cds-differ.lab.: the odd server's CDS differs" "good '$good' bad '${bad:-}'"
auth "$LAB_TLD_NSD" cds-differ.lab. DS
t_grep "cds-differ.lab. DS = the good servers' CDS" "DS[[:space:]]+${good:-none} " "$OUT"
t_eq "cds-differ.lab.: same serial everywhere" "$(serial "$LAB_CDS_DIFFER_BAD" cds-differ.lab.)" "$(serial "$LAB_PROVB_NSD" cds-differ.lab.)"
auth "$LAB_CDS_DIFFER_BAD" cds-differ.lab. CDS
t_grep "the odd server's CDS is signed" 'RRSIG[[:space:]]+CDS 13 ' "$OUT"

# ---------------------------------------------------------------- fault servers

auth "$LAB_TLD_NSD" www.faulty.lab. A
for a in "$LAB_FAULT_DROP" "$LAB_FAULT_TC" "$LAB_FAULT_REFUSED" "$LAB_FAULT_GOOD"; do
	t_grep "faulty.lab. delegation includes $a" "ns[0-9].faulty.lab.*A[[:space:]]+$a" "$OUT"
done
q drop "@$LAB_FAULT_DROP" +time=1 +norec faulty.lab. SOA
t_grep "drop server: UDP times out" 'timed out' "$OUT"
t_nogrep "drop server: no UDP answer" 'status:' "$OUT"
q droptcp "@$LAB_FAULT_DROP" +time=1 +tcp +norec faulty.lab. SOA
t_grep "drop server: TCP accepted but times out" 'timed out' "$OUT"
t_nogrep "drop server: TCP connection is not refused" 'refused' "$OUT"
q tc "@$LAB_FAULT_TC" +norec +ignore +dnssec faulty.lab. SOA
t_grep "tc server: UDP answer has TC" 'flags: qr aa tc' "$OUT"
t_grep "tc server: UDP answer is empty" 'ANSWER: 0, AUTHORITY: 0' "$OUT"
q tcp "@$LAB_FAULT_TC" +norec +tcp +dnssec faulty.lab. SOA
t_grep "tc server: TCP answer is complete" 'faulty.lab.*SOA.*ns1.faulty.lab.' "$OUT"
t_nogrep "tc server: TCP answer not truncated" 'flags:[a-z ]* tc' "$OUT"
q tcfb "@$LAB_FAULT_TC" +norec faulty.lab. SOA
t_grep "tc server: dig falls back to TCP and gets the SOA" 'faulty.lab.*SOA' "$OUT"
q refused "@$LAB_FAULT_REFUSED" +norec faulty.lab. SOA
t_grep "refused server answers REFUSED" 'status: REFUSED' "$OUT"
q good "@$LAB_FAULT_GOOD" +norec +dnssec faulty.lab. SOA
t_grep "the good faulty.lab. server answers" 'flags: qr aa' "$OUT"
q dead "@$LAB_DEAD" +time=1 +norec faulty.lab. SOA
t_grep "dead address: connection refused" 'connection refused|timed out' "$OUT"
t_nogrep "dead address: no answer" 'status:' "$OUT"
# the resolver has to time out on the drop server first: allow it 2 x 10 s
n=$((n + 1)); OUT=$WORK/$n-res.out
dig +time=10 +tries=2 "@$LAB_RES_UNBOUND" +dnssec www.faulty.lab. A > "$OUT" 2>&1
t_grep "Unbound resolves faulty.lab. despite three bad servers" "$AD" "$OUT"

# ---------------------------------------------------------------- xfrfault.lab. and its relay

auth "$LAB_TLD_NSD" www.xfrfault.lab. A
for a in "$LAB_KNOT" "$LAB_XFR_PROXY"; do
	t_grep "xfrfault.lab. delegation includes $a" "ns[0-9].xfrfault.lab.*A[[:space:]]+$a" "$OUT"
done
t_eq "the relay's mode is pass outside a test" "$(cat "$LAB_XFRPROXY_MODE")" pass
kdig "@$LAB_KNOT" +norec +dnssec +notcp xfrfault.lab. ZONEMD | grep -v '^;;' | awk '$4 != "TSIG"' | sort > "$WORK/xff-knot" 2>&1
kdig "@$LAB_XFR_PROXY" +norec +dnssec +notcp xfrfault.lab. ZONEMD | grep -v '^;;' | sort > "$WORK/xff-relay" 2>&1
t_grep "knotd keeps a signed ZONEMD in xfrfault.lab." 'RRSIG[[:space:]]+ZONEMD 13 ' "$WORK/xff-knot"
t_eq "the relay answers UDP as knotd does" "$(cat "$WORK/xff-relay")" "$(cat "$WORK/xff-knot")"
kdig "@$LAB_KNOT" xfrfault.lab. AXFR +nocomments 2> /dev/null | grep -v '^;;' | grep . | sort > "$WORK/xff-knot-axfr"
kdig "@$LAB_XFR_PROXY" xfrfault.lab. AXFR +nocomments 2> /dev/null | grep -v '^;;' | grep . | sort > "$WORK/xff-relay-axfr"
t_grep "knotd transfers xfrfault.lab." 'ZONEMD' "$WORK/xff-knot-axfr"
t_eq "the relay passes knotd's AXFR unchanged" "$(cat "$WORK/xff-relay-axfr")" "$(cat "$WORK/xff-knot-axfr")"
res "$LAB_RES_UNBOUND" www.xfrfault.lab. A
t_grep "xfrfault.lab. validates on Unbound" "$AD" "$OUT"

# ---------------------------------------------------------------- canary

if [ "${LAB_CANARY:-0}" = 1 ]; then
	for z in $LAB_CANARY_ZONES; do
		auth "$LAB_CANARY_SERVER" "$z" SOA
		t_grep "canary server serves $z" 'flags: qr aa' "$OUT"
	done
	auth "$LAB_TLD_NSD" canary.lab. DS
	t_grep "lab. has a DS for canary.lab." '^canary.lab.[[:space:]].*DS[[:space:]]' "$OUT"
	res "$LAB_RES_UNBOUND" canary.lab. SOA
	t_grep "canary.lab. validates on Unbound" "$AD" "$OUT"
else
	ok "canary not served (dnsvigil canary unavailable) # SKIP"
fi

# ---------------------------------------------------------------- processes

for f in "$LAB_DIR"/run/*.pid; do
	p=$(cat "$f")
	if [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null | grep -qF "$LAB_DIR"; then
		ok "$(basename "$f" .pid) runs (pid $p)"
	else
		not_ok "$(basename "$f" .pid) runs (pid $p)"
	fi
done
exit 0
