#!/usr/bin/env bash
# tests/lab/hostile.sh - the hostile tree (issue 10): a private root of its own
# (its own hints and trust anchor, beside the lab's), served by real servers
# given hostile data, and by tests/lab/hostiled.py where no real server can
# misbehave the way needed.
#
#   hostile.sh start        start it (idempotent: returns at once when up);
#                           writes $LAB_DIR/hostile/hostile.env
#   hostile.sh zones DIR    only write the hostile zone files into DIR (no
#                           servers; for verify tests and bench/hostile.sh)
#
# Processes are recorded in $LAB_DIR/run like the lab's own (tests/lab/stop.sh
# stops them with the lab).  Addresses: tests/lab/addresses.sh.
#
#   .        NSD   signed root: delegations below, DS for the signed ones
#   keytrap. NSD   4 addresses; signed, plus 300 Ed25519 keys sharing one key
#                  tag and 300 junk RRSIGs naming it on DNSKEY, SOA and NS
#   bigexp.  NSD   signed, plus an RSA key with a 4096-bit public exponent and
#                  junk RRSIGs naming it
#   nsec3.   NSD   8 addresses; signed by ldns-signzone with NSEC3, 65535
#                  iterations and a 64-octet salt (ldns 1.8 aborts on longer)
#   droppy.  hostiled relay (never answers A, NULL, CDS, CDNSKEY) + NSD
#   garbage. hostiled (malformed answers) + NSD
#   wide.    a referral naming 1000 NS names without glue, in blackhole.
#            (a hostiled address that never answers)
#   many.    a referral naming 2 NS names (in addrs.) with 35 addresses each,
#            where nothing listens
#   deep.    a chain of 34 zone cuts: BIND, one view (and zone) per address
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
# shellcheck source=addresses.sh
. "$HERE/addresses.sh"

say() { printf 'hostile: %s\n' "$*"; }
die() {
	printf 'hostile: FAILED: %s\n' "$1" >&2
	[ -n "${2:-}" ] && [ -s "$2" ] && tail -15 "$2" | sed 's/^/hostile:   /' >&2
	exit 1
}

KEYTRAP_ADDRS=$(for i in 0 1 2 3; do printf '%s.%d ' "${LAB_HOSTILE_KEYTRAP_FIRST%.*}" $((${LAB_HOSTILE_KEYTRAP_FIRST##*.} + i)); done)
NSEC3_ADDRS=$(for i in 0 1 2 3 4 5 6 7; do printf '%s.%d ' "${LAB_HOSTILE_NSEC3_FIRST%.*}" $((${LAB_HOSTILE_NSEC3_FIRST##*.} + i)); done)
DEEP_LEVELS=34 # zone cuts below the root: more than the probe's 32
WIDE_NS=1000
MANY_NS=2    # NS names of many., each with MANY_ADDRS addresses: 70 in all
MANY_ADDRS=35
JUNK_KEYS=300
JUNK_SIGS=300

utc() { date -u -d "@$1" +%Y%m%d%H%M%S; }

# zones DIR - every hostile zone file, signed, into DIR (keys in DIR/keys)
make_zones() {
	local Z=$1 now inc exp k
	mkdir -p "$Z/keys" || die "cannot create $Z"
	now=$(date +%s)
	inc=$(utc $((now - 86400)))
	exp=$(utc $((now + 30 * 86400)))
	: > "$Z/dsset"
	local py="python3 $HERE/hostile_zones.py"
	# sign LABEL SOURCE - dnssec-signzone with a fresh KSK and ZSK; DS appended to dsset
	sign() {
		local z=$1. src=$2 ksk zsk
		ksk=$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K "$Z/keys" "$z") || die "dnssec-keygen $z"
		zsk=$(dnssec-keygen -q -a ECDSAP256SHA256 -K "$Z/keys" "$z") || die "dnssec-keygen $z"
		cat "$Z/keys/$ksk.key" "$Z/keys/$zsk.key" >> "$src"
		dnssec-signzone -P -O full -K "$Z/keys" -d "$Z/keys" -o "$z" -s "$inc" -e "$exp" -f "$Z/$1.zone" \
			"$src" "$Z/keys/$ksk.private" "$Z/keys/$zsk.private" > "$Z/sign-$1.log" 2>&1 ||
			die "dnssec-signzone $z" "$Z/sign-$1.log"
		dnssec-dsfromkey -2 "$Z/keys/$ksk.key" >> "$Z/dsset"
	}
	# lsign LABEL SOURCE [ARGS...] - ldns-signzone with one fresh key (it signs
	# what BIND's signer refuses to parse); DS appended to dsset
	lsign() {
		local z=$1. src=$2 lk
		shift 2
		lk=$(cd "$Z/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$z") || die "ldns-keygen $z"
		(cd "$Z/keys" && ldns-signzone "$@" -i "$inc" -e "$exp" -f "$Z/${z%.}.zone" "$src" "$lk") \
			> "$Z/sign-${z%.}.log" 2>&1 || die "ldns-signzone $z" "$Z/sign-${z%.}.log"
		ldns-key2ds -n -2 "$Z/keys/$lk.key" >> "$Z/dsset" || die "ldns-key2ds $z"
	}
	child() { # child LABEL ADDR... - the zone text of LABEL. served at ADDR...
		local i=0 a
		printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns1 hostmaster 1 600 60 86400 30\n' "$1"
		shift
		for a in "$@"; do
			i=$((i + 1))
			printf '@ NS ns%d\nns%d A %s\n' $i $i "$a"
		done
		printf '@ A 127.53.200.1\n@ TXT "hostile"\nwww A 127.53.200.2\n'
	}

	# keytrap.: KeyTrap (CVE-2023-50387): many keys of one tag, junk signatures
	child keytrap $KEYTRAP_ADDRS > "$Z/keytrap.src"
	$py junk-keys keytrap. 15 $JUNK_KEYS >> "$Z/keytrap.src" 2> "$Z/keytrap.tag" || die "junk keys"
	sign keytrap "$Z/keytrap.src"
	k=$(cat "$Z/keytrap.tag")
	for t in DNSKEY SOA NS; do
		$py junk-sigs keytrap. $t 15 "$k" keytrap. $JUNK_SIGS "$inc" "$exp" >> "$Z/keytrap.zone" || die "junk sigs"
	done

	# bigexp.: an RSA key whose public exponent has 4096 bits, and signatures naming it
	child bigexp "$LAB_HOSTILE_NSD" > "$Z/bigexp.src"
	$py rsa-bigexp bigexp. 4096 >> "$Z/bigexp.src" 2> "$Z/bigexp.tag" || die "rsa key"
	lsign bigexp "$Z/bigexp.src"
	k=$(cat "$Z/bigexp.tag")
	for t in DNSKEY SOA NS; do
		$py junk-sigs bigexp. $t 8 "$k" bigexp. 20 "$inc" "$exp" >> "$Z/bigexp.zone" || die "junk sigs"
	done

	# droppy., garbage.: plain signed zones; their servers misbehave
	child droppy "$LAB_HOSTILE_DROPPY" "$LAB_HOSTILE_NSD" > "$Z/droppy.src"
	sign droppy "$Z/droppy.src"
	child garbage "$LAB_HOSTILE_GARBAGE" "$LAB_HOSTILE_NSD" > "$Z/garbage.src"
	sign garbage "$Z/garbage.src"

	# nsec3.: NSEC3 with 65535 iterations and a 64-octet salt (RFC 5155
	# allows it on the wire; ldns-signzone writes it, NSD serves it)
	child nsec3 $NSEC3_ADDRS > "$Z/nsec3.src"
	lsign nsec3 "$Z/nsec3.src" -n -t 65535 -s "$(printf 'ab%.0s' $(seq 64))"

	# addrs.: the NS names of many., each with MANY_ADDRS addresses where
	# nothing listens (looked up: a referral with DO could not carry them all)
	{
		printf '$ORIGIN addrs.\n$TTL 300\n@ SOA ns hostmaster 1 600 60 86400 30\n@ NS ns\nns A %s\n' \
			"$LAB_HOSTILE_NSD"
		for i in $(seq 1 $MANY_NS); do
			for j in $(seq 1 $MANY_ADDRS); do
				printf 'ns%d A %s.%d\n' $i "$LAB_HOSTILE_DEAD_PREFIX" $(((i - 1) * MANY_ADDRS + j))
			done
		done
	} > "$Z/addrs.zone"

	# the root: hints, delegations (DS for the signed children), trust anchor
	{
		printf '$ORIGIN .\n$TTL 300\n. SOA a.hroot. hostmaster.hroot. 1 600 60 86400 30\n'
		printf '. NS a.hroot.\na.hroot. A %s\n' "$LAB_HOSTILE_NSD"
		local i=0 a
		for a in $KEYTRAP_ADDRS; do i=$((i + 1)); printf 'keytrap. NS ns%d.keytrap.\nns%d.keytrap. A %s\n' $i $i "$a"; done
		printf 'bigexp. NS ns1.bigexp.\nns1.bigexp. A %s\n' "$LAB_HOSTILE_NSD"
		i=0
		for a in $NSEC3_ADDRS; do i=$((i + 1)); printf 'nsec3. NS ns%d.nsec3.\nns%d.nsec3. A %s\n' $i $i "$a"; done
		printf 'droppy. NS ns1.droppy.\nns1.droppy. A %s\ndroppy. NS ns2.droppy.\nns2.droppy. A %s\n' \
			"$LAB_HOSTILE_DROPPY" "$LAB_HOSTILE_NSD"
		printf 'garbage. NS ns1.garbage.\nns1.garbage. A %s\ngarbage. NS ns2.garbage.\nns2.garbage. A %s\n' \
			"$LAB_HOSTILE_GARBAGE" "$LAB_HOSTILE_NSD"
		printf 'blackhole. NS ns.blackhole.\nns.blackhole. A %s\n' "$LAB_HOSTILE_BLACKHOLE"
		for i in $(seq 1 $WIDE_NS); do printf 'wide. NS ns%d.blackhole.\n' "$i"; done
		for i in $(seq 1 $MANY_NS); do printf 'many. NS ns%d.addrs.\n' $i; done
		printf 'addrs. NS ns.addrs.\nns.addrs. A %s\n' "$LAB_HOSTILE_NSD"
		printf 'deep. NS ns.deep.\nns.deep. A %s.1\n' "$LAB_HOSTILE_DEEP_PREFIX"
		grep -v '^;' "$Z/dsset"
	} > "$Z/root.src"
	local rk rz
	rk=$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K "$Z/keys" .) || die "dnssec-keygen ."
	rz=$(dnssec-keygen -q -a ECDSAP256SHA256 -K "$Z/keys" .) || die "dnssec-keygen ."
	cat "$Z/keys/$rk.key" "$Z/keys/$rz.key" >> "$Z/root.src"
	dnssec-signzone -P -O full -K "$Z/keys" -d "$Z/keys" -o . -s "$inc" -e "$exp" -f "$Z/root.zone" \
		"$Z/root.src" "$Z/keys/$rk.private" "$Z/keys/$rz.private" > "$Z/sign-root.log" 2>&1 ||
		die "dnssec-signzone ." "$Z/sign-root.log"
	dnssec-dsfromkey -2 "$Z/keys/$rk.key" > "$Z/root.ds"
	printf '. 3600000 NS a.hroot.\na.hroot. 3600000 A %s\n' "$LAB_HOSTILE_NSD" > "$Z/root.hints"

	# deep.: zone k (1..DEEP_LEVELS) on address k, delegating to zone k+1
	local name=deep. next
	for k in $(seq 1 $DEEP_LEVELS); do
		next="l$((k + 1)).$name"
		{
			printf '$ORIGIN %s\n$TTL 300\n@ SOA ns hostmaster 1 600 60 86400 30\n' "$name"
			printf '@ NS ns\nns A %s.%d\n' "$LAB_HOSTILE_DEEP_PREFIX" "$k"
			[ "$k" -lt $DEEP_LEVELS ] && printf '%s NS ns.%s\nns.%s A %s.%d\n' "$next" "$next" "$next" \
				"$LAB_HOSTILE_DEEP_PREFIX" $((k + 1))
		} > "$Z/deep$k.zone"
		echo "$name" > "$Z/deep$k.name"
		[ "$k" -lt $DEEP_LEVELS ] && name=$next
	done
	echo "$name" > "$Z/deep.last"
}

RUN=$LAB_DIR/run
H=$LAB_DIR/hostile
PROCS="hostile-nsd hostile-named hostile-hostiled"

alive() { # alive NAME - the recorded process runs and is ours
	local f=$RUN/$1.pid pid
	[ -f "$f" ] && pid=$(cat "$f") && [ -r "/proc/$pid/cmdline" ] &&
		tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -qF "$LAB_DIR"
}

launch() { # launch NAME CMD... - in its own session, pid recorded for stop.sh
	local name=$1
	shift
	setsid "$@" < /dev/null >> "$H/log/$name.out" 2>&1 &
	echo $! > "$RUN/$name.pid"
}

answers() { dig +norec +time=1 +tries=1 +short "@$1" "$2" SOA 2> /dev/null | grep -q .; }

wait_for() { # wait_for NAME ADDR ZONE
	for _ in $(seq 1 100); do
		answers "$2" "$3" && return 0
		alive "$1" || die "$1 exited" "$H/log/$1.out"
		sleep 0.2
	done
	die "$1 ($2) does not serve $3" "$H/log/$1.out"
}

start() {
	[ "$(id -u)" = 0 ] || die "must run as root (port 53, addresses on lo)"
	mkdir -p "$RUN" || die "cannot create $RUN"
	local up=1 p
	for p in $PROCS; do alive "$p" || up=0; done
	local stamp
	stamp=$(cat "$HERE/hostile.sh" "$HERE/hostile_zones.py" "$HERE/hostiled.py" "$HERE/faultd.py" "$HERE/addresses.sh" | sha256sum | cut -c1-16)
	if [ $up = 1 ] && [ -f "$H/hostile.env" ] && [ "$(cat "$H/.stamp" 2> /dev/null)" = "$stamp" ] &&
		answers "$LAB_HOSTILE_NSD" .; then
		return 0
	fi
	for p in $PROCS; do
		if alive "$p"; then kill "$(cat "$RUN/$p.pid")" 2> /dev/null; fi
		rm -f "$RUN/$p.pid"
	done
	rm -rf "$H"
	mkdir -p "$H/log" "$H/zones" "$H/nsd" "$H/named" || die "cannot create $H"
	make_zones "$H/zones"

	local a all
	all="$LAB_HOSTILE_NSD $LAB_HOSTILE_DROPPY $LAB_HOSTILE_GARBAGE $LAB_HOSTILE_BLACKHOLE $KEYTRAP_ADDRS $NSEC3_ADDRS"
	for k in $(seq 1 $DEEP_LEVELS); do all+=" $LAB_HOSTILE_DEEP_PREFIX.$k"; done
	local have
	have=$(ip -4 addr show dev lo) # (grep -q on the pipe would end it early: pipefail)
	for a in $all; do
		if ! grep -qF "inet $a/" <<< "$have"; then
			ip addr add "$a/32" dev lo || die "ip addr add $a/32 dev lo"
			echo "$a" >> "$RUN/addrs"
		fi
	done

	# NSD: the root and the children that real data makes hostile
	{
		echo "server:"
		for a in $LAB_HOSTILE_NSD $KEYTRAP_ADDRS $NSEC3_ADDRS; do echo "    ip-address: $a"; done
		cat << CONF
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$H/zones"
    database: ""
    pidfile: "$H/nsd/nsd.pid"
    zonelistfile: "$H/nsd/zone.list"
    xfrdfile: "$H/nsd/xfrd.state"
    xfrdir: "$H/nsd"
    logfile: "$H/log/nsd.log"
    server-count: 1
    verbosity: 1
    zonefiles-write: 0
    minimal-responses: no
remote-control:
    control-enable: no
CONF
		for z in root keytrap bigexp nsec3 droppy garbage addrs; do
			[ $z = root ] && n=. || n=$z.
			printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$n" "$z"
		done
	} > "$H/nsd/nsd.conf"
	nsd-checkconf "$H/nsd/nsd.conf" > "$H/log/checkconf" 2>&1 || die "nsd-checkconf" "$H/log/checkconf"
	launch hostile-nsd nsd -d -c "$H/nsd/nsd.conf"

	# BIND: deep., one view per address, one zone per view
	{
		cat << CONF
options {
	directory "$H/named";
	pid-file "$H/named/named.pid";
	session-keyfile "$H/named/session.key";
	managed-keys-directory "$H/named";
	listen-on port 53 { $(for k in $(seq 1 $DEEP_LEVELS); do printf '%s.%d; ' "$LAB_HOSTILE_DEEP_PREFIX" "$k"; done)};
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	minimal-responses no;
};
controls { };
logging { channel m { file "$H/log/named.log"; severity info; }; category default { m; }; category lame-servers { null; }; };
CONF
		for k in $(seq 1 $DEEP_LEVELS); do
			printf 'view v%d { match-destinations { %s.%d; }; zone "%s" { type primary; file "%s/zones/deep%d.zone"; }; };\n' \
				"$k" "$LAB_HOSTILE_DEEP_PREFIX" "$k" "$(cat "$H/zones/deep$k.name")" "$H" "$k"
		done
	} > "$H/named/named.conf"
	named-checkconf "$H/named/named.conf" > "$H/log/checkconf" 2>&1 || die "named-checkconf" "$H/log/checkconf"
	launch hostile-named named -4 -f -u root -c "$H/named/named.conf"

	# hostiled: what no real server does
	launch hostile-hostiled python3 "$HERE/hostiled.py" \
		--relay "$LAB_HOSTILE_DROPPY=$LAB_HOSTILE_NSD:A,NULL,CDS,CDNSKEY" \
		--garbage "$LAB_HOSTILE_GARBAGE" --blackhole "$LAB_HOSTILE_BLACKHOLE" "--lab=$LAB_DIR"

	wait_for hostile-nsd "$LAB_HOSTILE_NSD" .
	for z in keytrap. bigexp. nsec3. droppy. garbage.; do wait_for hostile-nsd "$LAB_HOSTILE_NSD" $z; done
	wait_for hostile-named "$LAB_HOSTILE_DEEP_PREFIX.$DEEP_LEVELS" "$(cat "$H/zones/deep.last")"
	wait_for hostile-hostiled "$LAB_HOSTILE_DROPPY" droppy.

	{
		echo "# $H/hostile.env - written by tests/lab/hostile.sh; see its header"
		grep -E '^LAB_HOSTILE_[A-Z0-9_]+=' "$HERE/addresses.sh" | sed 's/[[:space:]]*#.*//' 
		echo "H_ROOT_HINTS=$H/zones/root.hints"
		echo "H_ROOT_DS=$H/zones/root.ds"
		echo "H_ZONES=$H/zones"
		echo "H_KEYTRAP_TAG=$(cat "$H/zones/keytrap.tag")"
		echo "H_BIGEXP_TAG=$(cat "$H/zones/bigexp.tag")"
		echo "H_DEEP_LAST=$(cat "$H/zones/deep.last")"
		echo "H_DEEP_LEVELS=$DEEP_LEVELS"
		echo "H_WIDE_NS=$WIDE_NS"
		echo "H_MANY_ADDRS=$((MANY_NS * MANY_ADDRS))"
		echo "H_JUNK_KEYS=$JUNK_KEYS"
	} > "$H/hostile.env.tmp" && mv "$H/hostile.env.tmp" "$H/hostile.env"
	echo "$stamp" > "$H/.stamp"
	say "up; source $H/hostile.env"
}

case ${1:-} in
start) start ;;
zones)
	[ -n "${2:-}" ] || die "usage: hostile.sh zones DIR"
	make_zones "$2"
	;;
*)
	echo "usage: hostile.sh start | zones DIR" >&2
	exit 2
	;;
esac
