# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/resolvers.sh - the resolvers, each pointed at the private root
# (root.hints) with the lab's trust anchor (signing.sh): Unbound, BIND, Knot
# Resolver and PowerDNS Recursor validating; one Unbound not validating and
# one with a trust anchor that matches no root key.  Sourced by start.sh;
# defines functions only.
#
# Reads: LAB_DIR, LOG, the LAB_RES_* addresses, TA_TAG/ALG/DT/HEX and
# W_TAG/ALG/DT/HEX (trust_anchors_write, signing.sh).
# Sets: BR, KR, PD (the named, kresd and pdns directories).

# unbound_server DIR INTERFACE LOGFILE MODULES TRUST-ANCHOR-LINE - print the
# server: clause of a lab Unbound (files in DIR, INTERFACE `addr@port`); the
# caller adds where it starts resolving (root-hints or a stub zone) and
# remote-control.  tests/func/test_watch_resolver.sh uses it too.
unbound_server() {
	cat << CONF
server:
    interface: $2
    username: ""
    chroot: ""
    directory: "$1"
    pidfile: "$1/unbound.pid"
    logfile: "$3"
    use-syslog: no
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    do-not-query-localhost: no
    module-config: "$4"
    $5
    ede: yes
    val-log-level: 2
    verbosity: 1
    val-bogus-ttl: 5
    cache-max-ttl: 30
    cache-max-negative-ttl: 5
    infra-host-ttl: 30
    infra-keep-probing: yes
    qname-minimisation: no
CONF
}

# unbound_conf NAME ADDR MODULES TRUST-ANCHOR-LINE - configure and start one Unbound
unbound_conf() {
	local d=$LAB_DIR/$1
	mkdir -p "$d"
	{
		unbound_server "$d" "$2@53" "$LOG/$1.log" "$3" "$4"
		printf '    root-hints: "%s"\nremote-control:\n    control-enable: no\n' "$LAB_DIR/root.hints"
	} > "$d/unbound.conf"
	unbound-checkconf "$d/unbound.conf" > "$LOG/last-failure" 2>&1 || die "unbound-checkconf $1" "$LOG/last-failure"
	launch "$1" unbound -d -c "$d/unbound.conf"
}

# named_res_start - BIND as a validating resolver
named_res_start() {
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
}

# kresd_start - Knot Resolver
kresd_start() {
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
}

# pdns_start - PowerDNS Recursor
pdns_start() {
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
}

# resolvers_start - every resolver, in this order
resolvers_start() {
	unbound_conf unbound "$LAB_RES_UNBOUND" "validator iterator" "trust-anchor-file: \"$LAB_DIR/root.ds\""
	unbound_conf unbound-noval "$LAB_RES_NOVALIDATE" "iterator" "# no validator module, no trust anchor"
	unbound_conf unbound-wrongta "$LAB_RES_WRONG_TA" "validator iterator" "trust-anchor: \". DS $W_TAG $W_ALG $W_DT $W_HEX\""
	named_res_start
	kresd_start
	pdns_start
	nonprotecting_start
}

# nonprotecting_start - resolvers that validate but do not protect every
# client (audit verdicts "permissive" and "validates-do-only";
# tests/func/test_audit.sh).  Unbound's val-permissive-mode validates (AD on
# secure data) yet passes bogus data on, without AD.  PowerDNS Recursor's
# dnssec=process: pdns_start's configuration, but it validates only questions
# that carry DO or AD, so an ordinary stub (neither) gets bogus data.
nonprotecting_start() {
	unbound_conf unbound-permissive "$LAB_RES_PERMISSIVE" "validator iterator" \
		"trust-anchor-file: \"$LAB_DIR/root.ds\""$'\n'"    val-permissive-mode: yes"
	rm -rf "$LAB_DIR/pdns-doonly" && mkdir -p "$LAB_DIR/pdns-doonly"
	sed -e "s/^local-address=.*/local-address=$LAB_RES_DO_ONLY/" -e 's/^dnssec=validate$/dnssec=process/' \
		-e "s#^socket-dir=.*#socket-dir=$LAB_DIR/pdns-doonly#" "$PD/recursor.conf" > "$LAB_DIR/pdns-doonly/recursor.conf"
	grep -qx 'dnssec=process' "$LAB_DIR/pdns-doonly/recursor.conf" || die "pdns-doonly: no dnssec=process in its configuration"
	launch pdns-doonly pdns_recursor --config-dir="$LAB_DIR/pdns-doonly" --daemon=no --disable-syslog --write-pid=no
}

# resolvers_wait - each resolver answers healthy.lab. as it should: the
# validating ones NOERROR with AD, the not-validating one NOERROR, the
# one with the wrong trust anchor SERVFAIL
resolvers_wait() {
	wait_rcode unbound "$LAB_RES_UNBOUND" healthy.lab. NOERROR ad
	wait_rcode named-res "$LAB_RES_BIND" healthy.lab. NOERROR ad
	wait_rcode kresd "$LAB_RES_KRESD" healthy.lab. NOERROR ad
	wait_rcode pdns "$LAB_RES_PDNS" healthy.lab. NOERROR ad
	wait_rcode unbound-noval "$LAB_RES_NOVALIDATE" healthy.lab. NOERROR
	wait_rcode unbound-wrongta "$LAB_RES_WRONG_TA" healthy.lab. SERVFAIL
	wait_rcode unbound-permissive "$LAB_RES_PERMISSIVE" healthy.lab. NOERROR ad
	wait_rcode pdns-doonly "$LAB_RES_DO_ONLY" healthy.lab. NOERROR ad
}
