#!/usr/bin/env bash
# tests/lab/start.sh - start the dnsvigil lab: a private, signed DNS tree on
# loopback served by real servers (knotd signing primary, NSD and BIND
# secondaries, a second "provider" loading pre-signed files), broken-scenario
# zones, fault servers and five resolvers.  See tests/lab/README.md.
#
# Idempotent: if the lab in $LAB_DIR is already up (same scripts, signatures
# fresh, every process alive) it returns at once; otherwise it stops whatever
# an earlier start left behind (only processes it recorded) and starts afresh.
# Exits non-zero with a message naming what failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
export LAB_DIR
# shellcheck source=addresses.sh
. "$HERE/addresses.sh"

T0=$(date +%s)
say() { printf 'lab: %s\n' "$*"; }
# step WHAT - note the phase and the elapsed time in $LOG/start.log
step() { [ -d "${LOG:-}" ] && printf '%3d s %s\n' $(($(date +%s) - T0)) "$*" >> "$LOG/start.log"; return 0; }
die() { # die MESSAGE [FILE-TO-SHOW] - report, stop what this run started, exit 1
	printf 'lab: FAILED: %s\n' "$1" >&2
	[ -n "${2:-}" ] && [ -s "$2" ] && tail -25 "$2" | sed 's/^/lab:   /' >&2
	if [ "${LAB_STARTED_SOMETHING:-0}" = 1 ] && [ "${LAB_KEEP_ON_FAIL:-0}" != 1 ]; then
		LAB_LOCKED=1 "$HERE/stop.sh" > /dev/null 2>&1
		printf 'lab: stopped what was started (LAB_KEEP_ON_FAIL=1 keeps it for debugging); logs in %s\n' "$LAB_DIR/log" >&2
	fi
	exit 1
}

for b in knotd keymgr knotc kdig nsd named dnssec-keygen dnssec-signzone dnssec-dsfromkey \
	nsec3hash unbound kresd pdns_recursor dig python3 ip flock sha256sum; do
	command -v "$b" > /dev/null || die "missing program: $b"
done
[ "$(id -u)" = 0 ] || die "must run as root (servers bind port 53, addresses go on lo)"

mkdir -p "$LAB_DIR" || die "cannot create $LAB_DIR"
# The default state directory is a fixed name under /tmp: another user could
# have made it first, or made it a link, to swap the keys and zones kept there
# (issue 10 §14).  Only a directory of our own that nobody else may write.
if [ -L "$LAB_DIR" ] || [ ! -d "$LAB_DIR" ] || [ "$(stat -c %u "$LAB_DIR")" != "$(id -u)" ] ||
	[ -n "$(find "$LAB_DIR" -maxdepth 0 -perm /022)" ]; then
	die "$LAB_DIR: refused: not a directory of this user that only it may write (a link, another owner, or group/other write permission)"
fi
LAB_DIR=$(cd "$LAB_DIR" && pwd)
exec 9> "$LAB_DIR/.lock"
flock -w 180 9 || die "another start/stop holds $LAB_DIR/.lock"

# dnsvigil for the canary: $DNSVIGIL if given, else the first of build/ and
# build-test/ whose binary has the canary subcommand
has_canary() { [ -n "$1" ] && [ -x "$1" ] && "$1" canary --help > /dev/null 2>&1; }
DNSVIGIL=${DNSVIGIL:-}
if ! has_canary "$DNSVIGIL"; then
	for c in "$TOP/build/dnsvigil" "$TOP/build-test/dnsvigil"; do
		has_canary "$c" && { DNSVIGIL=$c; break; }
	done
fi
CANARY_OK=0
has_canary "$DNSVIGIL" && CANARY_OK=1
# what the running lab was built from; a lab without the canary is restarted
# once a dnsvigil with canary exists (never the other way round: a caller
# without canary must not take it away from the others)
STAMP=$(cat "$HERE"/start.sh "$HERE"/addresses.sh "$HERE"/faultd.py | sha256sum | cut -c1-16)
RUN=$LAB_DIR/run
LOG=$LAB_DIR/log

# Re-sign time-relative zones when the last signing is older than this.
MAX_AGE=${LAB_MAX_AGE:-21600}

# ---------------------------------------------------------------- helpers

pid_alive() { # pid_alive NAME - the recorded process runs and is ours
	local f=$RUN/$1.pid pid
	[ -f "$f" ] || return 1
	pid=$(cat "$f")
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -qF "$LAB_DIR"
}

launch() { # launch NAME CMD... - start CMD in its own session, record its pid
	local name=$1
	shift
	# fd 9 holds the start/stop lock: daemons must not inherit it
	setsid "$@" < /dev/null >> "$LOG/$name.out" 2>&1 9>&- &
	echo $! > "$RUN/$name.pid"
	echo "$name" >> "$RUN/order"
	LAB_STARTED_SOMETHING=1
}

# soa_serial ADDR ZONE - print the SOA serial ADDR serves for ZONE (authoritative)
soa_serial() {
	dig +norec +time=1 +tries=1 +short "@$1" "$2" SOA 2> /dev/null | awk 'NF >= 7 { print $3; exit }'
}

# wait_soa NAME ADDR ZONE [SERIAL] - wait until ADDR serves ZONE (at SERIAL)
wait_soa() {
	local name=$1 addr=$2 zone=$3 want=${4:-} i s
	for i in $(seq 1 100); do
		s=$(soa_serial "$addr" "$zone")
		if [ -n "$s" ] && { [ -z "$want" ] || [ "$s" = "$want" ]; }; then return 0; fi
		if ! pid_alive "$name"; then
			tail -20 "$LOG/$name.out" > "$LOG/last-failure" 2> /dev/null
			die "$name ($addr) exited; log: $LOG/$name.out" "$LOG/last-failure"
		fi
		sleep 0.2
	done
	tail -20 "$LOG/$name.out" > "$LOG/last-failure" 2> /dev/null
	die "$name ($addr) does not serve $zone${want:+ at serial $want} (got '${s:-nothing}') after 20 s" "$LOG/last-failure"
}

# wait_rcode NAME ADDR QNAME WANT-RCODE [need-ad] - wait until a resolver answers
wait_rcode() {
	local name=$1 addr=$2 q=$3 want=$4 ad=${5:-} i out
	for i in $(seq 1 60); do
		out=$(dig +time=2 +tries=1 "@$addr" "$q" SOA +dnssec 2> /dev/null)
		if grep -q "status: $want" <<< "$out"; then
			if [ -z "$ad" ] || grep -Eq 'flags:[a-z ]* ad[ ;]' <<< "$out"; then return 0; fi
		fi
		if ! pid_alive "$name"; then
			tail -20 "$LOG/$name.out" > "$LOG/last-failure" 2> /dev/null
			die "$name ($addr) exited; log: $LOG/$name.out" "$LOG/last-failure"
		fi
		sleep 0.5
	done
	{ echo "$out"; tail -20 "$LOG/$name.out"; } > "$LOG/last-failure" 2> /dev/null
	die "$name ($addr): $q did not give $want${ad:+ with AD} in 30 s" "$LOG/last-failure"
}

utc() { date -u -d "@$1" +%Y%m%d%H%M%S; }

# lease - record that our caller uses the lab; stop.sh from another caller
# leaves the lab running while a live caller still holds a lease (several
# scripts/test.sh runs share one lab on this machine)
lease() {
	mkdir -p "$LAB_DIR/leases"
	tr '\0' ' ' < "/proc/$PPID/cmdline" > "$LAB_DIR/leases/$PPID" 2> /dev/null
	return 0
}

# ---------------------------------------------------------------- already up?

ALL_PROCS="knotd nsd-root nsd-tld nsd-sec nsd-provb nsd-odd named-auth faultd
 unbound named-res kresd pdns unbound-noval unbound-wrongta unbound-permissive pdns-doonly"
if [ -f "$LAB_DIR/.stamp" ] && [ "$(cat "$LAB_DIR/.stamp")" = "$STAMP" ] &&
	{ [ $CANARY_OK = 0 ] || grep -q '^LAB_CANARY=1$' "$LAB_DIR/lab.env" 2> /dev/null; } &&
	[ -f "$LAB_DIR/lab.env" ] && [ -f "$LAB_DIR/.signed-at" ] &&
	[ $((T0 - $(cat "$LAB_DIR/.signed-at"))) -lt "$MAX_AGE" ]; then
	up=1
	for p in $ALL_PROCS $(cat "$LAB_DIR/.extra-procs" 2> /dev/null); do
		pid_alive "$p" || { up=0; break; }
	done
	if [ $up = 1 ] && [ -n "$(soa_serial "$LAB_ROOT_SERVER" .)" ]; then
		lease
		say "already running in $LAB_DIR (source $LAB_DIR/lab.env)"
		exit 0
	fi
fi

if [ -d "$RUN" ]; then
	say "stopping an earlier, incomplete or outdated lab"
	LAB_LOCKED=1 "$HERE/stop.sh" > /dev/null || die "stop.sh could not stop the old lab"
fi

# Fresh state; keys are kept (they are slow-ish to make and keep the trust
# anchor stable across restarts).
rm -rf "$RUN" "$LOG" "$LAB_DIR/zones" "$LAB_DIR/knot/db" "$LAB_DIR/knot/zones" \
	"$LAB_DIR"/nsd-* "$LAB_DIR"/named-* "$LAB_DIR"/unbound* "$LAB_DIR/kresd" \
	"$LAB_DIR/pdns" "$LAB_DIR/canary" "$LAB_DIR/.extra-procs" "$LAB_DIR/.stamp"
mkdir -p "$RUN" "$LOG" "$LAB_DIR/keys" "$LAB_DIR/zones" "$LAB_DIR/knot/keys" \
	"$LAB_DIR/knot/db" "$LAB_DIR/knot/zones" || die "cannot create state directories"

# ---------------------------------------------------------------- addresses
step "addresses"

for a in $LAB_ALL_ADDRS; do
	if ! ip -4 addr show dev lo | grep -q "inet $a/"; then
		ip addr add "$a/32" dev lo || die "ip addr add $a/32 dev lo"
		echo "$a" >> "$RUN/addrs"
		LAB_STARTED_SOMETHING=1
	fi
done
for a in $LAB_ALL_ADDRS; do
	if ss -Hlnu "src $a:53" 2> /dev/null | grep -q . || ss -Hlnt "src $a:53" 2> /dev/null | grep -q .; then
		die "$a:53 is already in use by a process this lab did not start: $(ss -Hlnup "src $a:53" | head -1)"
	fi
done

NOW=$(date +%s)
SERIAL=$NOW
echo "$NOW" > "$LAB_DIR/.signed-at"

# ---------------------------------------------------------------- scenarios
#
# name        zone                  provider  DS?  notes
#   knot: knotd signs (KASP), NSD+BIND secondaries by AXFR/NOTIFY
#   provb: pre-signed file loaded by the provider-B NSD and BIND
KNOT_ZONES="healthy stale unsigned-server island"
PROVB_ZONES="expired expiring ds-mismatch nsec3-broken algroll unsigned cds-differ provider faulty"

# ns_addrs ZONE-LABEL - the addresses of a child's NS set, in NS order
ns_addrs() {
	case $1 in
	healthy | island) echo "$LAB_KNOT $LAB_SEC_NSD $LAB_SEC_BIND" ;;
	stale | unsigned-server) echo "$LAB_KNOT $LAB_SEC_NSD $LAB_SEC_BIND $LAB_ODD_NSD" ;;
	cds-differ) echo "$LAB_PROVB_NSD $LAB_PROVB_BIND $LAB_ODD_NSD" ;;
	faulty) echo "$LAB_FAULT_DROP $LAB_FAULT_TC $LAB_FAULT_REFUSED $LAB_FAULT_GOOD" ;;
	canary) echo "$LAB_CANARY_SERVER" ;;
	*) echo "$LAB_PROVB_NSD $LAB_PROVB_BIND" ;;
	esac
}

# child_source LABEL - the unsigned zone text of LABEL.lab. (no DNSKEY)
child_source() {
	local z=$1.lab. i=0 a
	printf '$ORIGIN %s\n$TTL 300\n' "$z"
	printf '@ IN SOA ns1.%s hostmaster.lab. %s 600 60 86400 30\n' "$z" "$SERIAL"
	for a in $(ns_addrs "$1"); do
		i=$((i + 1))
		printf '@ IN NS ns%d\nns%d IN A %s\n' "$i" "$i" "$a"
	done
	printf '@ IN A 127.53.200.1\n@ IN TXT "scenario=%s"\nwww IN A 127.53.200.2\n' "$1"
	printf 'www IN TXT "www of %s"\nmail IN A 127.53.200.3\n@ IN MX 10 mail\n' "$1"
}

# ---------------------------------------------------------------- BIND-style keys (pre-signed zones)
step "pre-signed zones"

KD=$LAB_DIR/keys
# bkey NAME ZONE ALG KSK|ZSK - a cached key; prints the K-file base path
bkey() {
	local name=$1 zone=$2 alg=$3 role=$4 base
	if [ -f "$KD/$name.base" ] && [ -f "$KD/$(cat "$KD/$name.base").private" ]; then
		echo "$KD/$(cat "$KD/$name.base")"
		return 0
	fi
	local flags=()
	[ "$role" = KSK ] && flags=(-f KSK)
	case $alg in
	13) base=$(dnssec-keygen -q -a ECDSAP256SHA256 "${flags[@]}" -K "$KD" "$zone") ;;
	8) base=$(dnssec-keygen -q -a RSASHA256 -b 2048 "${flags[@]}" -K "$KD" "$zone") ;;
	esac
	[ -n "$base" ] || return 1
	echo "$base" > "$KD/$name.base"
	echo "$KD/$base"
}
ds_of() { dnssec-dsfromkey -2 "$1.key" | awk '{ $1 = $1; print }'; }

# sign LABEL OUT START END KEYS... - dnssec-signzone a child (source on stdin)
sign() {
	local label=$1 out=$2 s=$3 e=$4
	shift 4
	local src=$LAB_DIR/zones/$label.src
	cat > "$src"
	for k in "$@"; do cat "$k.key" >> "$src"; done
	dnssec-signzone -P -O full -K "$KD" -d "$LAB_DIR/zones" -o "$label.lab." -s "$(utc "$s")" -e "$(utc "$e")" \
		-f "$out" "${SIGNOPTS[@]}" "$src" "${@/%/.private}" > "$LOG/sign-$label.log" 2>&1 ||
		die "dnssec-signzone $label.lab." "$LOG/sign-$label.log"
}

DAY=86400
Z=$LAB_DIR/zones
DSLINES=""
adds() { DSLINES+="$*"$'\n'; }

declare -A KSK ZSK
for label in expired expiring ds-mismatch nsec3-broken cds-differ provider faulty; do
	KSK[$label]=$(bkey "$label-ksk" "$label.lab." 13 KSK) || die "dnssec-keygen $label"
	ZSK[$label]=$(bkey "$label-zsk" "$label.lab." 13 ZSK) || die "dnssec-keygen $label"
done

SIGNOPTS=()
# healthy, pre-signed, 30-day signatures
for label in provider faulty; do
	child_source "$label" | sign "$label" "$Z/$label.lab.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[$label]}" "${ZSK[$label]}"
	adds "$(ds_of "${KSK[$label]}")"
done

# expired: every signature ended 5 days ago (beyond Unbound's 1-day skew)
EXPIRED_AT=$((NOW - 5 * DAY))
child_source expired | sign expired "$Z/expired.lab.zone" $((NOW - 20 * DAY)) $EXPIRED_AT "${KSK[expired]}" "${ZSK[expired]}"
adds "$(ds_of "${KSK[expired]}")"

# expiring: valid now, every signature ends in 2 days
EXPIRING_AT=$((NOW + 2 * DAY))
child_source expiring | sign expiring "$Z/expiring.lab.zone" $((NOW - 12 * DAY)) $EXPIRING_AT "${KSK[expiring]}" "${ZSK[expiring]}"
adds "$(ds_of "${KSK[expiring]}")"

# ds-mismatch: zone fine, the DS at lab. digests a key that is not in the zone
dsm_other=$(bkey ds-mismatch-other ds-mismatch.lab. 13 KSK) || die "dnssec-keygen ds-mismatch-other"
child_source ds-mismatch | sign ds-mismatch "$Z/ds-mismatch.lab.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[ds-mismatch]}" "${ZSK[ds-mismatch]}"
adds "$(ds_of "$dsm_other")"

# nsec3-broken: NSEC3 (no salt, 0 iterations); the NSEC3 matching the apex is
# removed, so the chain has a gap and apex NODATA / any NXDOMAIN lacks its proof
SIGNOPTS=(-3 - -H 0)
child_source nsec3-broken | sign nsec3-broken "$Z/nsec3-broken.full" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[nsec3-broken]}" "${ZSK[nsec3-broken]}"
SIGNOPTS=()
NSEC3_APEX=$(nsec3hash - 1 0 nsec3-broken.lab. | awk '{ print $1 }')
[ -n "$NSEC3_APEX" ] || die "nsec3hash"
awk -v h="$NSEC3_APEX.nsec3-broken.lab." 'tolower($1) != tolower(h)' "$Z/nsec3-broken.full" > "$Z/nsec3-broken.lab.zone"
adds "$(ds_of "${KSK[nsec3-broken]}")"

# algroll: DNSKEYs of alg 8 (old, in DS) and alg 13 (new); DNSKEY RRset signed
# by both, every other RRset only by alg 13 - half of an algorithm rollover done
# in the wrong order (RFC 6781 4.1.4, RFC 4035 2.2)
ar_k8=$(bkey algroll-ksk8 algroll.lab. 8 KSK) || die "dnssec-keygen algroll"
ar_z8=$(bkey algroll-zsk8 algroll.lab. 8 ZSK) || die "dnssec-keygen algroll"
ar_k13=$(bkey algroll-ksk13 algroll.lab. 13 KSK) || die "dnssec-keygen algroll"
ar_z13=$(bkey algroll-zsk13 algroll.lab. 13 ZSK) || die "dnssec-keygen algroll"
child_source algroll | sign algroll "$Z/algroll.full" $((NOW - DAY)) $((NOW + 30 * DAY)) "$ar_k8" "$ar_z8" "$ar_k13" "$ar_z13"
awk '!($4 == "RRSIG" && $6 == "8" && $5 != "DNSKEY")' "$Z/algroll.full" > "$Z/algroll.lab.zone"
adds "$(ds_of "$ar_k8")"

# unsigned: plain, no DS
child_source unsigned > "$Z/unsigned.lab.zone"

# cds-differ: two copies, same serial, both validly signed, both carrying the
# same two KSKs; provider B publishes CDS/CDNSKEY for KSK 1, the odd server for KSK 2
cd_k2=$(bkey cds-differ-ksk2 cds-differ.lab. 13 KSK) || die "dnssec-keygen cds-differ"
for v in 1 2; do
	if [ $v = 1 ]; then k=${KSK[cds-differ]}; else k=$cd_k2; fi
	{
		child_source cds-differ
		dnssec-dsfromkey -2 "$k.key" | awk '{ $3 = "CDS"; print }'
		awk '$0 !~ /^;/ && NF { $3 = "CDNSKEY"; print }' "$k.key"
	} | sign cds-differ "$Z/cds-differ.v$v.zone" $((NOW - DAY)) $((NOW + 30 * DAY)) "${KSK[cds-differ]}" "$cd_k2" "${ZSK[cds-differ]}"
done
cp "$Z/cds-differ.v1.zone" "$Z/cds-differ.lab.zone"
adds "$(ds_of "${KSK[cds-differ]}")"

# ---------------------------------------------------------------- canary (optional)
step "canary"

CANARY=0
CANARY_ZONES=""    # "zone:file " pairs
CANARY_DELEG=""    # NS + glue + DS lines for lab.
CD=$LAB_DIR/canary
if [ $CANARY_OK = 1 ]; then
	mkdir -p "$CD" "$KD/canary"
	# layout (src/canary/canary.h): <zone>.zone per zone, zones.list ("zone
	# file" per line), delegation (NS + glue + DS for the parent), dsset
	if "$DNSVIGIL" canary --zone canary.lab. --out "$CD" --keys "$KD/canary" --now "@$NOW" \
		--ns-addr "$LAB_CANARY_SERVER" > "$LOG/canary.out" 2>&1; then
		if [ -s "$CD/zones.list" ]; then
			while read -r zn f; do
				case $zn in '' | ';'* | '#'*) continue ;; esac
				case $f in /*) ;; *) f=$CD/$f ;; esac
				case $zn in *.) ;; *) zn=$zn. ;; esac
				[ -f "$f" ] && CANARY_ZONES+="$zn:$f "
			done < "$CD/zones.list"
		else
			for f in "$CD"/*.zone; do
				[ -f "$f" ] || continue
				# zone name: $ORIGIN if present, else the owner of the first SOA
				zn=$(awk 'toupper($1) == "$ORIGIN" { print $2; exit }
					{ for (i = 2; i <= NF && i <= 4; i++) if (toupper($i) == "SOA") { print $1; exit } }' "$f")
				[ -n "$zn" ] && [ "$zn" != "@" ] || { say "canary: cannot tell the zone of $f, skipped"; continue; }
				case $zn in *.) ;; *) zn=$zn. ;; esac
				CANARY_ZONES+="$zn:$f "
			done
		fi
		if [ -s "$CD/delegation" ]; then
			CANARY_DELEG=$(grep -v '^[[:space:]]*;' "$CD/delegation")
		else
			CANARY_DELEG=$(printf 'canary.lab. IN NS ns1.canary.lab.\nns1.canary.lab. IN A %s' "$LAB_CANARY_SERVER")
		fi
		# the DS: from the delegation file if it has one, else from dsset
		if ! awk '{ for (i = 2; i <= 4 && i <= NF; i++) if ($i == "DS") f = 1 } END { exit !f }' <<< "$CANARY_DELEG"; then
			if [ -s "$CD/dsset" ]; then
				CANARY_DELEG+=$'\n'$(grep -v '^[[:space:]]*;' "$CD/dsset")
			else
				say "canary: no DS for canary.lab. in $CD (delegation, dsset); delegated insecurely"
			fi
		fi
		if grep -q "canary.lab.:" <<< "$CANARY_ZONES" && [ -n "$CANARY_DELEG" ]; then
			CANARY=1
		else
			say "canary: $DNSVIGIL canary wrote no canary.lab. zone or delegation; canary part skipped"
		fi
	else
		say "canary: '$DNSVIGIL canary' failed (see $LOG/canary.out); canary part skipped"
	fi
else
	say "canary: no dnsvigil with a 'canary' subcommand (\$DNSVIGIL, build/, build-test/); canary part skipped"
fi

# ---------------------------------------------------------------- knotd (signing primary)
step "knotd"

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

kkey() { # kkey ZONE - make sure ZONE has a KSK and a ZSK in the KASP db
	if ! keymgr -c "$KC" "$1" list 2> /dev/null | grep -q KSK; then
		keymgr -c "$KC" "$1" generate algorithm=ecdsap256sha256 ksk=yes > /dev/null 2>> "$LOG/keymgr.log" || die "keymgr generate KSK $1"
		keymgr -c "$KC" "$1" generate algorithm=ecdsap256sha256 ksk=no > /dev/null 2>> "$LOG/keymgr.log" || die "keymgr generate ZSK $1"
	fi
}
kds() { keymgr -c "$KC" "$1" ds 2> /dev/null | awk '$5 == 2 { print; exit }'; }
for z in . lab. $(printf '%s.lab. ' $KNOT_ZONES); do kkey "$z"; done
for label in $KNOT_ZONES; do
	[ "$label" = island ] && continue
	d=$(kds "$label.lab.")
	[ -n "$d" ] || die "no DS for $label.lab. from keymgr"
	adds "$d"
done

# trust anchor files
ROOT_DS=$(kds . | awk '{ print $1, "IN", $2, $3, $4, $5, toupper($6) }')
[ -n "$ROOT_DS" ] || die "no DS for the root from keymgr"
echo "$ROOT_DS" > "$LAB_DIR/root.ds"
keymgr -c "$KC" . dnskey 2> /dev/null | awk '$3 == 257 { print $1, "IN", $2, $3, $4, $5, $6 $7 $8 $9 $10 }' > "$LAB_DIR/root.key"
[ -s "$LAB_DIR/root.key" ] || die "no root DNSKEY from keymgr"
read -r _ _ _ TA_TAG TA_ALG TA_DT TA_HEX < "$LAB_DIR/root.ds"
printf '.\t3600000\tNS\ta.root-servers.lab.\na.root-servers.lab.\t3600000\tA\t%s\n' "$LAB_ROOT_SERVER" > "$LAB_DIR/root.hints"
# a trust anchor matching no root key, for the "trust anchor broken" resolver
wrong=$(bkey wrong-root . 13 KSK) || die "dnssec-keygen wrong root key"
WRONG_DS=$(ds_of "$wrong")
read -r _ _ _ W_TAG W_ALG W_DT W_HEX <<< "$WRONG_DS"

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
	for label in $KNOT_ZONES $PROVB_ZONES; do
		i=0
		for a in $(ns_addrs "$label"); do
			i=$((i + 1))
			printf '%s\tIN NS ns%d.%s\nns%d.%s\tIN A %s\n' "$label" $i "$label" $i "$label" "$a"
		done
	done
	printf '%s' "$DSLINES" | awk 'NF { $1 = tolower($1); print }'
	[ $CANARY = 1 ] && printf '%s\n' "$CANARY_DELEG"
} > "$KZ/lab.zone"

for label in $KNOT_ZONES; do
	child_source "$label" > "$KZ/$label.lab.zone"
done

# ---- xfr: a TSIG-only zone on knotd (tests/func/test_xfr.sh) ----------------
# The key is keymgr's own output (Knot's key-file format), kept with the keys;
# knotd includes it, and only transfers signed with it are allowed.
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
# ---- end xfr ----------------------------------------------------------------

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

# ---------------------------------------------------------------- NSD instances
step "nsd"

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
nsd_secondary() { # nsd_secondary NAME ZONE
	printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n    request-xfr: AXFR %s NOKEY\n    allow-notify: 127.0.0.0/8 NOKEY\n    provide-xfr: 127.0.0.0/8 NOKEY\n' \
		"$2" "${2%.}" "$LAB_KNOT" >> "$LAB_DIR/nsd-$1/nsd.conf"
	[ "$2" = . ] && sed -i 's/zonefile: "\.zone"/zonefile: "root.zone"/' "$LAB_DIR/nsd-$1/nsd.conf"
	return 0
}
nsd_primary() { # nsd_primary NAME ZONE FILE
	cp "$3" "$LAB_DIR/nsd-$1/zones/$2zone" || die "copy $3"
	printf 'zone:\n    name: "%s"\n    zonefile: "%szone"\n    provide-xfr: 127.0.0.0/8 NOKEY\n' "$2" "$2" >> "$LAB_DIR/nsd-$1/nsd.conf"
}
nsd_start() {
	nsd-checkconf "$LAB_DIR/nsd-$1/nsd.conf" > "$LOG/last-failure" 2>&1 || die "nsd-checkconf nsd-$1" "$LOG/last-failure"
	launch "nsd-$1" nsd -d -c "$LAB_DIR/nsd-$1/nsd.conf"
}

nsd_conf root "$LAB_ROOT_SERVER"
nsd_secondary root .
nsd_conf tld "$LAB_TLD_NSD"
nsd_secondary tld lab.
nsd_conf sec "$LAB_SEC_NSD"
for label in $KNOT_ZONES; do nsd_secondary sec "$label.lab."; done
nsd_conf provb "$LAB_PROVB_NSD"
for label in $PROVB_ZONES; do nsd_primary provb "$label.lab." "$Z/$label.lab.zone"; done
for n in root tld sec provb; do nsd_start $n; done

# ---------------------------------------------------------------- BIND authoritative (views by address)
step "named-auth"

BA=$LAB_DIR/named-auth
mkdir -p "$BA/tld" "$BA/sec" "$BA/provb"
{
	cat << CONF
options {
	directory "$BA";
	pid-file "$BA/named.pid";
	session-keyfile "$BA/session.key";
	managed-keys-directory "$BA";
	listen-on port 53 { $LAB_TLD_BIND; $LAB_SEC_BIND; $LAB_PROVB_BIND; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	allow-transfer { 127.0.0.0/8; };
	allow-notify { 127.0.0.0/8; };
	notify no;
	dnssec-validation no;
	masterfile-format text;
	minimal-responses no;
	server-id "named-auth";
};
controls { };
logging {
	channel m { file "$LOG/named-auth.log"; print-time yes; print-category yes; severity info; };
	category default { m; };
	category lame-servers { null; };
};
view tld {
	match-destinations { $LAB_TLD_BIND; };
	zone "lab." { type secondary; primaries { $LAB_KNOT; }; file "tld/lab.zone"; };
};
view sec {
	match-destinations { $LAB_SEC_BIND; };
CONF
	for label in $KNOT_ZONES; do
		printf '\tzone "%s.lab." { type secondary; primaries { %s; }; file "sec/%s.lab.zone"; };\n' "$label" "$LAB_KNOT" "$label"
	done
	printf '};\nview provb {\n\tmatch-destinations { %s; };\n' "$LAB_PROVB_BIND"
	for label in $PROVB_ZONES; do
		cp "$Z/$label.lab.zone" "$BA/provb/" || die "copy $label"
		printf '\tzone "%s.lab." { type primary; file "provb/%s.lab.zone"; };\n' "$label" "$label"
	done
	echo '};'
} > "$BA/named.conf"
# ---- xfr: a TSIG-only zone in BIND's provider-B view (tests/func/test_xfr.sh) ----
# The key is tsig-keygen's own output (BIND's key-file format); the same key
# allows dynamic updates, so IXFR from BIND can be tested after a real change.
XFR_BIND_KEY=$KD/xfr-bind.key
[ -s "$XFR_BIND_KEY" ] || tsig-keygen -a hmac-sha256 xfr-bind.lab. > "$XFR_BIND_KEY" || die "tsig-keygen"
child_source xfr-tsig > "$BA/provb/xfr-tsig.lab.zone"
sed -i "1i include \"$XFR_BIND_KEY\";" "$BA/named.conf"
sed -i "/^view provb {/a \\\\tzone \"xfr-tsig.lab.\" { type primary; file \"provb/xfr-tsig.lab.zone\"; allow-transfer { key xfr-bind.lab.; }; allow-update { key xfr-bind.lab.; }; };" "$BA/named.conf"
# ---- end xfr ----------------------------------------------------------------

named-checkconf "$BA/named.conf" > "$LOG/last-failure" 2>&1 || die "named-checkconf $BA/named.conf" "$LOG/last-failure"
launch named-auth named -4 -f -u root -c "$BA/named.conf"

# wait for every server to have its zones, secondaries at knotd's serial
step "waiting for zones"
wait_soa nsd-root "$LAB_ROOT_SERVER" . "$(soa_serial "$LAB_KNOT" .)"
for p in "nsd-tld $LAB_TLD_NSD" "named-auth $LAB_TLD_BIND"; do
	wait_soa $p lab. "$(soa_serial "$LAB_KNOT" lab.)"
done
for label in $KNOT_ZONES; do
	s=$(soa_serial "$LAB_KNOT" "$label.lab.")
	wait_soa nsd-sec "$LAB_SEC_NSD" "$label.lab." "$s"
	wait_soa named-auth "$LAB_SEC_BIND" "$label.lab." "$s"
done
for label in $PROVB_ZONES; do
	wait_soa nsd-provb "$LAB_PROVB_NSD" "$label.lab."
	wait_soa named-auth "$LAB_PROVB_BIND" "$label.lab."
done
# xfr: the TSIG-only zones
wait_soa knotd "$LAB_KNOT" xfr-tsig.lab.
wait_soa named-auth "$LAB_PROVB_BIND" xfr-tsig.lab.

# ---------------------------------------------------------------- the odd server (stale / unsigned / other CDS)
step "odd server"

axfr() { dig +norec +time=2 +tries=1 "@$1" "$2" AXFR +onesoa +nocmd +nostats +nocomments 2> /dev/null; }
nsd_conf odd "$LAB_ODD_NSD $LAB_FAULT_REFUSED"
# stale.lab.: the odd server keeps the version transferred now; knotd then
# changes the zone and NOTIFYs only the real secondaries, which follow
axfr "$LAB_KNOT" stale.lab. > "$Z/stale.lab.old"
grep -q 'RRSIG' "$Z/stale.lab.old" || die "AXFR of stale.lab. from knotd failed"
STALE_OLD=$(soa_serial "$LAB_KNOT" stale.lab.)
nsd_primary odd stale.lab. "$Z/stale.lab.old"
# unsigned-server.lab.: the odd server has the signed data minus every RRSIG
axfr "$LAB_KNOT" unsigned-server.lab. | awk '$4 != "RRSIG"' > "$Z/unsigned-server.lab.stripped"
grep -q DNSKEY "$Z/unsigned-server.lab.stripped" || die "AXFR of unsigned-server.lab. from knotd failed"
nsd_primary odd unsigned-server.lab. "$Z/unsigned-server.lab.stripped"
nsd_primary odd cds-differ.lab. "$Z/cds-differ.v2.zone"
nsd_start odd

step "stale update"
knotc -c "$KC" zone-begin stale.lab. > "$LOG/last-failure" 2>&1 &&
	knotc -c "$KC" zone-set stale.lab. changed 300 TXT "changed after the odd server copied the zone" >> "$LOG/last-failure" 2>&1 &&
	knotc -c "$KC" zone-commit stale.lab. >> "$LOG/last-failure" 2>&1 || die "knotc update of stale.lab." "$LOG/last-failure"
for i in $(seq 1 50); do
	STALE_NEW=$(soa_serial "$LAB_KNOT" stale.lab.)
	[ -n "$STALE_NEW" ] && [ "$STALE_NEW" != "$STALE_OLD" ] && break
	sleep 0.2
done
[ "$STALE_NEW" != "$STALE_OLD" ] || die "knotd did not bump stale.lab."
wait_soa nsd-sec "$LAB_SEC_NSD" stale.lab. "$STALE_NEW"
wait_soa named-auth "$LAB_SEC_BIND" stale.lab. "$STALE_NEW"
for z in stale.lab. unsigned-server.lab. cds-differ.lab.; do wait_soa nsd-odd "$LAB_ODD_NSD" "$z"; done
wait_soa nsd-odd "$LAB_ODD_NSD" stale.lab. "$STALE_OLD"

# ---------------------------------------------------------------- fault servers
step "faultd"

launch faultd python3 "$HERE/faultd.py" --drop "$LAB_FAULT_DROP" --tc "$LAB_FAULT_TC" \
	--backend "$LAB_FAULT_GOOD" --lab "$LAB_DIR"
tc=0
for _ in $(seq 1 50); do
	out=$(dig +norec +time=1 +tries=1 +ignore "@$LAB_FAULT_TC" faulty.lab. SOA 2> /dev/null)
	grep -q 'flags:.* tc' <<< "$out" && { tc=1; break; }
	pid_alive faultd || die "faultd exited" "$LOG/faultd.out"
	sleep 0.2
done
[ $tc = 1 ] || die "truncating server $LAB_FAULT_TC does not answer with TC"

# ---------------------------------------------------------------- canary NSD
step "canary nsd"

EXTRA=""
if [ $CANARY = 1 ]; then
	nsd_conf canary "$LAB_CANARY_SERVER"
	for zf in $CANARY_ZONES; do nsd_primary canary "${zf%%:*}" "${zf#*:}"; done
	if nsd-checkconf "$LAB_DIR/nsd-canary/nsd.conf" > /dev/null 2>&1; then
		nsd_start canary
		EXTRA="nsd-canary"
		for zf in $CANARY_ZONES; do wait_soa nsd-canary "$LAB_CANARY_SERVER" "${zf%%:*}"; done
	else
		say "canary: NSD refuses the canary configuration; canary part skipped"
		CANARY=0
	fi
fi
echo "$EXTRA" > "$LAB_DIR/.extra-procs"

# ---------------------------------------------------------------- resolvers
step "resolvers"

# unbound_conf NAME ADDR MODULES TRUST-ANCHOR-LINE
unbound_conf() {
	local d=$LAB_DIR/$1
	mkdir -p "$d"
	cat > "$d/unbound.conf" << CONF
server:
    interface: $2@53
    username: ""
    chroot: ""
    directory: "$d"
    pidfile: "$d/unbound.pid"
    logfile: "$LOG/$1.log"
    use-syslog: no
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    do-not-query-localhost: no
    root-hints: "$LAB_DIR/root.hints"
    module-config: "$3"
    $4
    ede: yes
    val-log-level: 2
    verbosity: 1
    val-bogus-ttl: 5
    cache-max-ttl: 30
    cache-max-negative-ttl: 5
    infra-host-ttl: 30
    infra-keep-probing: yes
    qname-minimisation: no
remote-control:
    control-enable: no
CONF
	unbound-checkconf "$d/unbound.conf" > "$LOG/last-failure" 2>&1 || die "unbound-checkconf $1" "$LOG/last-failure"
	launch "$1" unbound -d -c "$d/unbound.conf"
}
unbound_conf unbound "$LAB_RES_UNBOUND" "validator iterator" "trust-anchor-file: \"$LAB_DIR/root.ds\""
unbound_conf unbound-noval "$LAB_RES_NOVALIDATE" "iterator" "# no validator module, no trust anchor"
unbound_conf unbound-wrongta "$LAB_RES_WRONG_TA" "validator iterator" "trust-anchor: \". DS $W_TAG $W_ALG $W_DT $W_HEX\""

BR=$LAB_DIR/named-res
mkdir -p "$BR"
cat > "$BR/named.conf" << CONF
options {
	directory "$BR";
	pid-file "$BR/named.pid";
	session-keyfile "$BR/session.key";
	managed-keys-directory "$BR";
	listen-on port 53 { $LAB_RES_BIND; };
	listen-on-v6 { none; };
	recursion yes;
	allow-query { 127.0.0.0/8; };
	allow-recursion { 127.0.0.0/8; };
	dnssec-validation yes;
	servfail-ttl 0;
	max-cache-ttl 30;
	max-ncache-ttl 5;
	qname-minimization off;
	server-id "named-res";
};
controls { };
trust-anchors { "." static-ds $TA_TAG $TA_ALG $TA_DT "$TA_HEX"; };
zone "." { type hint; file "$LAB_DIR/root.hints"; };
logging {
	channel m { file "$LOG/named-res.log"; print-time yes; print-category yes; severity info; };
	category default { m; };
	category dnssec { m; };
	category lame-servers { null; };
};
CONF
named-checkconf "$BR/named.conf" > "$LOG/last-failure" 2>&1 || die "named-checkconf $BR/named.conf" "$LOG/last-failure"
launch named-res named -4 -f -u root -c "$BR/named.conf"

KR=$LAB_DIR/kresd
mkdir -p "$KR/cache"
cat > "$KR/kresd.conf" << CONF
-- Knot Resolver for the dnsvigil lab
net.ipv6 = false
net.listen('$LAB_RES_KRESD', 53, { kind = 'dns' })
modules = { 'hints > iterate' }
cache.open(10 * MB, 'lmdb://$KR/cache')
cache.max_ttl(30)
cache.min_ttl(0)
trust_anchors.remove('.')
trust_anchors.add('. IN DS $TA_TAG $TA_ALG $TA_DT $TA_HEX')
hints.root({ ['a.root-servers.lab.'] = '$LAB_ROOT_SERVER' })
-- kresd ignores servers in 127.0.0.0/8 unless ALLOW_LOCAL (a chain rule: first)
policy.add(policy.all(policy.FLAGS({'ALLOW_LOCAL'})))
CONF
launch kresd kresd -n -c "$KR/kresd.conf" "$KR"

PD=$LAB_DIR/pdns
mkdir -p "$PD"
cat > "$PD/recursor.conf" << CONF
local-address=$LAB_RES_PDNS
local-port=53
allow-from=127.0.0.0/8
hint-file=$LAB_DIR/root.hints
dont-query=
dnssec=validate
dnssec-log-bogus=yes
extended-resolution-errors=yes
lua-config-file=$PD/recursor.lua
socket-dir=$PD
security-poll-suffix=
max-cache-ttl=30
max-negative-ttl=5
packetcache-ttl=0
packetcache-servfail-ttl=0
threads=1
qname-minimization=no
query-local-address=0.0.0.0
CONF
cat > "$PD/recursor.lua" << CONF
clearTA('.')
addTA('.', "$TA_TAG $TA_ALG $TA_DT $TA_HEX")
CONF
launch pdns pdns_recursor --config-dir="$PD" --daemon=no --disable-syslog --write-pid=no

# ---- resolvers that validate but do not protect every client (audit verdicts
# "permissive" and "validates-do-only"; tests/func/test_audit.sh)
# Unbound's val-permissive-mode: validates (AD on secure data) yet passes
# bogus data on, without AD.  PowerDNS Recursor's dnssec=process: the same
# configuration as the validating one above, but it validates only questions
# that carry DO or AD, so an ordinary stub (neither) gets bogus data.
unbound_conf unbound-permissive "$LAB_RES_PERMISSIVE" "validator iterator" \
	"trust-anchor-file: \"$LAB_DIR/root.ds\""$'\n'"    val-permissive-mode: yes"
rm -rf "$LAB_DIR/pdns-doonly" && mkdir -p "$LAB_DIR/pdns-doonly"
sed -e "s/^local-address=.*/local-address=$LAB_RES_DO_ONLY/" -e 's/^dnssec=validate$/dnssec=process/' \
	-e "s#^socket-dir=.*#socket-dir=$LAB_DIR/pdns-doonly#" "$PD/recursor.conf" > "$LAB_DIR/pdns-doonly/recursor.conf"
grep -qx 'dnssec=process' "$LAB_DIR/pdns-doonly/recursor.conf" || die "pdns-doonly: no dnssec=process in its configuration"
launch pdns-doonly pdns_recursor --config-dir="$LAB_DIR/pdns-doonly" --daemon=no --disable-syslog --write-pid=no
wait_rcode unbound-permissive "$LAB_RES_PERMISSIVE" healthy.lab. NOERROR ad
wait_rcode pdns-doonly "$LAB_RES_DO_ONLY" healthy.lab. NOERROR ad
# ---- end of the permissive and DO-only resolvers

step "waiting for resolvers"
wait_rcode unbound "$LAB_RES_UNBOUND" healthy.lab. NOERROR ad
wait_rcode named-res "$LAB_RES_BIND" healthy.lab. NOERROR ad
wait_rcode kresd "$LAB_RES_KRESD" healthy.lab. NOERROR ad
wait_rcode pdns "$LAB_RES_PDNS" healthy.lab. NOERROR ad
wait_rcode unbound-noval "$LAB_RES_NOVALIDATE" healthy.lab. NOERROR
wait_rcode unbound-wrongta "$LAB_RES_WRONG_TA" healthy.lab. SERVFAIL

# ---------------------------------------------------------------- lab.env
step "lab.env"

sv() { local a s=""; for a in $(ns_addrs "$1"); do s+="$a "; done; echo "${s% }"; }
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

# ---- xfr: the TSIG-only zone and its keys (tests/func/test_xfr.sh) ----------
{
	echo "LAB_XFR_TSIG_ZONE=xfr-tsig.lab."
	echo "LAB_XFR_TSIG_KNOT_KEY=$XFR_KNOT_KEY"
	echo "LAB_XFR_TSIG_BIND_KEY=$XFR_BIND_KEY"
} >> "$LAB_DIR/lab.env"
# ---- end xfr ----------------------------------------------------------------

echo "$STAMP" > "$LAB_DIR/.stamp"
lease
step "up"
say "up in $(($(date +%s) - T0)) s; state and logs in $LAB_DIR; source $LAB_DIR/lab.env"
