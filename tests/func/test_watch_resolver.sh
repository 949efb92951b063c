#!/usr/bin/env bash
# tests/func/test_watch_resolver.sh - dnsvigil watch while a real resolver
# is switched to non-validating and back (issue 12 §4): each switch must show
# up as the right store event and ledger entry, status, metric and alert,
# within two resolver-audit cycles, and `dnsvigil log verify` passes
# afterwards.
#
# A private tree of its own (not the lab): a signed root `.` (NSD,
# 127.53.31.41 port 5331) delegating, with a DS, the canary zone `canary.`
# that `dnsvigil canary` writes (all its zones on one NSD, 127.53.31.42, as
# doc/canary.md says to serve it), and an Unbound (127.53.31.43 port 5331)
# that resolves from that root (a stub zone: it has no hints with a port)
# with the root's trust anchor.  The canary's NSD is on port 53: a
# delegation's glue has no port, and Unbound follows it (for a DS it looks
# up the child's NS, ns1.canary., and asks that at port 53).  The daemon
# audits the resolver every second (resolvers.interval, the shortest).
#   V  Unbound validating: an event - -> validating, the metrics, status 0,
#      the alert quiet, and no finding (the daemon keeps verdicts only:
#      `dnsvigil audit`, the same judge, gives the findings)
#   N  `module-config: iterator` and `unbound-control reload` (the same
#      process, address and port): one event validating -> not-validating,
#      the metrics, status 2, the alert fires, RESOLVER_NOT_VALIDATING
#   R  the validator back, reload again: not-validating -> validating, the
#      alert quiet, no finding
# Then the store's events and the ledger's entries, in order, and
# `dnsvigil log verify`.
# shellcheck disable=SC2317  # functions called through within_two and the trap
# shellcheck source=tests/func/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/func/watch_lib.sh
. "$(dirname "$0")/watch_lib.sh"
# shellcheck source=tests/lab/lib/resolvers.sh
. "$(dirname "$0")/../lab/lib/resolvers.sh" # unbound_server: the lab's Unbound settings

PORT=5331
ROOT=127.53.31.41
CAN=127.53.31.42
RES=127.53.31.43
MPORT=19856
INTERVAL=1 # resolvers.interval, seconds: the shortest allowed
D=$WORK/tree
U=$D/unbound
S=$WORK/state
mkdir -p "$D/keys" "$D/zones" "$D/run" "$U"
PIDS=()

need nsd unbound unbound-control unbound-checkconf dnssec-keygen dnssec-signzone \
	dnssec-dsfromkey kdig python3 curl promtool || exit 0
trap 'kill_pids; dv_schema_report' EXIT

# ---- the tree: canary. as dnsvigil canary writes it, under a signed root ----
CD=$D/canary
if ! "$DNSVIGIL" canary --zone canary. --out "$CD" --ns-addr "$CAN" > "$D/run/canary.out" 2>&1; then
	not_ok "dnsvigil canary writes canary." "$(tail -3 "$D/run/canary.out")"
	exit 0
fi
RK=$(cd "$D/keys" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK .)
(cd "$D/keys" && dnssec-dsfromkey -a SHA-256 "$RK.key") | sed 's/^\. /. 3600 /' > "$D/root.ds"
{
	cat << EOF
\$TTL 3600
. IN SOA ns1.root. hostmaster.root. 1 60 60 600 60
. IN NS ns1.root.
ns1.root. IN A $ROOT
EOF
	grep -v '^[[:space:]]*;' "$CD/delegation"
	grep -v '^[[:space:]]*;' "$CD/dsset"
	grep -v '^;' "$D/keys/$RK.key"
} > "$D/run/root.in"
(cd "$D/keys" && dnssec-signzone -q -z -d "$D/run" -o . -f "$D/zones/root.zone" \
	"$D/run/root.in" "$RK") > /dev/null 2> "$D/run/sign.err" || {
	not_ok "dnssec-signzone ." "$(head -3 "$D/run/sign.err")"
	exit 0
}

soa_at() { # ADDR PORT ZONE -> its serial there
	kdig +time=1 +retry=0 +norec -p "$2" "@$1" "$3" SOA +short 2> /dev/null | awk '{ print $3 }'
}
CZ=()
while read -r zn f; do
	case $zn in '' | '#'* | ';'*) continue ;; esac
	case $f in /*) ;; *) f=$CD/$f ;; esac
	CZ+=("zone:" "  name: $zn" "  zonefile: $f")
done < "$CD/zones.list"
if ! nsd_run root "$ROOT" "$PORT" "zone:" "  name: ." "  zonefile: root.zone" || ! nsd_run canary "$CAN" 53 "${CZ[@]}"; then
	not_ok "nsd starts" "$(tail -3 "$D"/run/nsd-*.log 2> /dev/null)"
	exit 0
fi
served() { [ "$(soa_at "$ROOT" "$PORT" .)" = 1 ] && [ -n "$(soa_at "$CAN" 53 canary.)" ] &&
	[ -n "$(soa_at "$CAN" 53 valid.canary.)" ]; }
for _ in $(seq 1 50); do
	served && break
	sleep 0.1
done
if served; then ok "the root and the canary's $((${#CZ[@]} / 3)) zones are served"; else
	not_ok "the root and the canary are served" "$(tail -3 "$D"/run/nsd-*.log 2> /dev/null)"
	exit 0
fi

# ---- Unbound ---------------------------------------------------------------
# unbound_conf MODULES TRUST-ANCHOR-LINE -> $U/unbound.conf: the lab's
# settings, the root by a stub zone, remote control on a local socket
unbound_conf() {
	{
		unbound_server "$U" "$RES@$PORT" "$U/unbound.log" "$1" "$2"
		printf 'stub-zone:\n    name: "."\n    stub-addr: %s\n' "$ROOT@$PORT"
		printf 'remote-control:\n    control-enable: yes\n    control-use-cert: no\n'
		printf '    control-interface: "%s"\n' "$U/control.sock"
	} > "$U/unbound.conf"
	unbound-checkconf "$U/unbound.conf" > "$U/checkconf.out" 2>&1
}
VALIDATING=("validator iterator" "trust-anchor-file: \"$D/root.ds\"")
NONVALIDATING=("iterator" "# no validator module, no trust anchor")
ask() { # ask QNAME -> "RCODE FLAGS" of Unbound's answer (with DO)
	kdig +time=2 +retry=0 +dnssec -p "$PORT" "@$RES" "$1" A 2> /dev/null |
		sed -nE 's/^;; ->>HEADER<<- opcode: [A-Z]+; status: ([A-Z]+);.*/\1/p; s/^;; Flags: ([a-z ]+);.*/\1/p' |
		tr '\n' ' '
}
if ! unbound_conf "${VALIDATING[@]}"; then
	not_ok "unbound-checkconf accepts the configuration" "$(head -3 "$U/checkconf.out")"
	exit 0
fi
unbound -d -c "$U/unbound.conf" > "$U/unbound.out" 2>&1 &
PIDS+=($!)
UPID=$!
for _ in $(seq 1 50); do
	unbound-control -c "$U/unbound.conf" status > /dev/null 2>&1 && break
	sleep 0.1
done
a=$(ask valid.canary.)
if [[ $a == NOERROR*" ad"* ]]; then ok "Unbound validates: valid.canary. NOERROR with AD"; else
	not_ok "Unbound validates: valid.canary. NOERROR with AD" "got '$a'" "$(tail -3 "$U/unbound.log" 2> /dev/null)"
	exit 0
fi
t_eq "Unbound rejects rrsig-bad-a.canary. (SERVFAIL)" "$(ask rrsig-bad-a.canary. | cut -d' ' -f1)" SERVFAIL

# ---- a witness, so that `log verify` can say "anchored" ---------------------
"$DNSVIGIL" log append -d "$S" --log-origin dnsvigil/resolver --kind operator.note --text "start" > /dev/null
witness_start "dnsvigil/resolver=$S/ledger.pub"

# ---- the daemon --------------------------------------------------------------
cat > "$WORK/w.yaml" << EOF
state_directory: $S
listen: 127.0.0.1:$MPORT
resolvers:
  canary: canary.
  interval: ${INTERVAL}s
  servers:
    - address: $RES@$PORT
      name: unbound
ledger:
  checkpoint_interval: 1s
  witnesses:
    - url: $WURL
      key: $WVKEY
EOF
T=$(date +%s) # the daemon audits a second after it starts
watch_start "$WORK/w.yaml" || exit 0

verdicts() { events | grep '^|resolver\.verdict|'; } # the resolver's events
audited_at() { metric 'dnsvigil_resolver_last_success_timestamp_seconds\{resolver="unbound"\}'; }
verdict_events() { # verdict_events N LAST: N resolver.verdict events, the last one LAST
	local v
	v=$(verdicts)
	[ "$(grep -c . <<< "$v")" = "$1" ] && [ "$(tail -1 <<< "$v")" = "$2" ]
}
metric_is() { [ "$(metric "$1")" = "$2" ]; } # on the last scrape
verdict_metric_is() {                         # VERDICT: both resolver metrics say it
	metric_is 'dnsvigil_resolver_verdict\{resolver="unbound",verdict="'"$1"'"\}' 1 &&
		[ "$(grep -c '^dnsvigil_resolver_verdict{resolver="unbound",' "$WORK/m.txt")" = 1 ] &&
		metric_is 'dnsvigil_resolver_validating\{resolver="unbound"\}' "$([ "$1" = validating ] && echo 1 || echo 0)"
}

# within_two DESC SINCE CMD... - CMD (on a fresh scrape and the store) holds
# before an audit that started two cycles after SINCE has ended.  An
# audit's start is its last-success time (whole seconds) on the page
# scraped (the page may be a second old: then its time is too), so a page
# from an audit that started after SINCE + two cycles, with CMD still false,
# is a failure; an audit that started before SINCE may hold the old verdict.
within_two() {
	local desc=$1 since=$2 at i
	shift 2
	for ((i = 0; i < 5 * 30; i++)); do
		scrape
		at=$(audited_at)
		if "$@"; then
			ok "$desc"
			return 0
		fi
		if [ -n "$at" ] && [ "${at%.*}" -gt $((since + 2 * INTERVAL)) ]; then
			not_ok "$desc" "an audit that started at $at (two cycles after $since) has ended;" \
				"store: $(verdicts | tr '\n' ' ')" "page: $(grep '^dnsvigil_resolver_v' "$WORK/m.txt" | tr '\n' ' ')"
			return 1
		fi
		sleep 0.2
	done
	not_ok "$desc" "no audit ended in 30 s (last at '$at'); store: $(verdicts | tr '\n' ' ')" "$(tail -3 "$WORK/daemon.log")"
	return 1
}
# audit_cli PHASE EXIT CODES - the one-shot audit of the same resolver (the
# daemon keeps only verdicts): its exit status and its findings' codes
audit_cli() {
	t_cmd "$1: dnsvigil audit exits $2" "$2" "$DNSVIGIL" audit --canary canary. --format json "$RES@$PORT"
	t_eq "$1: dnsvigil audit: the findings" "$(python3 -c '
import json, sys
print(" ".join(sorted(f["code"] for f in json.load(open(sys.argv[1])).get("findings", []))))
' "$WORK/last.out" 2> /dev/null)" "$3"
}
# alert FILE-STEM WANT(fires|quiet) - the shipped rule file, evaluated by
# promtool on the series just scraped: dnsvigil_resolver_validating of
# unbound held at its scraped value for 20 minutes (past the rule's `for:`)
alert() {
	local v t=$WORK/alert-$1.yml exp
	v=$(metric 'dnsvigil_resolver_validating\{resolver="unbound"\}')
	if [ "$2" = fires ]; then
		exp="
          - exp_labels: {resolver: unbound, severity: critical}
            exp_annotations: {summary: 'resolver unbound does not validate DNSSEC'}"
	else
		exp=" []"
	fi
	cat > "$t" << EOF
rule_files: ['$TOP/doc/alerts/dnsvigil.rules.yml']
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'dnsvigil_resolver_validating{resolver="unbound"}'
        values: '${v:-missing}x20'
    alert_rule_test:
      - eval_time: 20m
        alertname: DnssecResolverNotValidating
        exp_alerts:$exp
EOF
	if promtool test rules "$t" > "$t.out" 2>&1; then
		ok "the DnssecResolverNotValidating rule on the scraped value ($v): $2"
	else
		not_ok "the DnssecResolverNotValidating rule on the scraped value ($v): $2" "$(head -8 "$t.out")"
	fi
}
# status_is DESC EXIT VERDICT - dnsvigil status: its exit and the resolver's line
status_is() {
	t_cmd "$1: status exits $2" "$2" "$DNSVIGIL" status --config "$WORK/w.yaml"
	t_grep "$1: status says unbound $3" "^unbound +$RES@$PORT +$3 +since " "$WORK/last.out"
	t_cmd "$1: status --format json" "$2" "$DNSVIGIL" status --config "$WORK/w.yaml" --format json
	t_eq "$1: status json: the verdict" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (r["resolver"], r["verdict"]) for r in d["resolvers"]))
' "$WORK/last.out")" "unbound=$3"
}

# ---- V: validating -------------------------------------------------------------
within_two "V: the first audit: an event - -> validating" "$T" verdict_events 1 '|resolver.verdict|unbound|verdict||validating'
within_two "V: dnsvigil_resolver_validating 1, dnsvigil_resolver_verdict validating" "$T" verdict_metric_is validating
t_eq "V: the audit ran" "$(metric 'dnsvigil_resolver_probe_success\{resolver="unbound"\}')" 1
status_is V 0 validating
alert V quiet
audit_cli V 0 ""
# the verdict kept while nothing changes: a later audit, no new event
A0=$(audited_at)
later() { [ "$(audited_at | cut -d. -f1)" -gt "${A0%.*}" ]; }
within_two "V: a later audit" "$((${A0%.*} + 1))" later
t_eq "V: ... gives no new event" "$(verdicts | wc -l)" 1

# ---- N: switched to non-validating -----------------------------------------------
# The switch is made between two audits (Unbound idle for 300 ms; the audits
# are a second apart), so that no audit straddles it and sees half of each.
# The daemon is held (SIGSTOP) from then until the reload has ended: under
# load, unbound-control can take longer than the gap to the next audit,
# which then truthfully says "partial" (a CI run saw that once).
queries() {
	unbound-control -c "$U/unbound.conf" stats_noreset 2> /dev/null | sed -n 's/^total.num.queries=//p'
}
# switch NAME MODULES TA-LINE - rewrite Unbound's configuration, reload it
switch() {
	local q0 q1 name=$1
	shift
	unbound_conf "$@" || not_ok "$name: unbound-checkconf" "$(head -3 "$U/checkconf.out")"
	q0=$(queries)
	for _ in $(seq 1 40); do
		sleep 0.3
		q1=$(queries)
		[ "$q1" = "$q0" ] && break
		q0=$q1
	done
	kill -STOP "$DPID"
	SWITCHED=$(date +%s)
	if unbound-control -c "$U/unbound.conf" reload > "$U/reload.out" 2>&1; then
		ok "$name: unbound-control reload ($*)"
	else
		not_ok "$name: unbound-control reload" "$(cat "$U/reload.out")"
	fi
	# "ok" comes before the reload is done; status answers once it is
	for _ in $(seq 1 50); do
		unbound-control -c "$U/unbound.conf" status > /dev/null 2>&1 && break
		sleep 0.1
	done
	kill -CONT "$DPID"
}
switch N "${NONVALIDATING[@]}"
t_eq "N: the same Unbound process" "$(cat "$U/unbound.pid")" "$UPID"
a=$(ask rrsig-bad-a.canary.)
if [[ $a == NOERROR* ]] && [[ $a != *" ad"* ]]; then ok "N: Unbound now answers rrsig-bad-a.canary. (NOERROR, no AD)"; else
	not_ok "N: Unbound now answers rrsig-bad-a.canary." "got '$a'"
fi
within_two "N: within two audits: an event validating -> not-validating" "$SWITCHED" \
	verdict_events 2 '|resolver.verdict|unbound|verdict|validating|not-validating'
within_two "N: within two audits: dnsvigil_resolver_validating 0, dnsvigil_resolver_verdict not-validating" \
	"$SWITCHED" verdict_metric_is not-validating
t_eq "N: the audit ran" "$(metric 'dnsvigil_resolver_probe_success\{resolver="unbound"\}')" 1
status_is N 2 not-validating
alert N fires
audit_cli N 2 RESOLVER_NOT_VALIDATING

# ---- R: validating again ---------------------------------------------------------
switch R "${VALIDATING[@]}"
within_two "R: within two audits: an event not-validating -> validating" "$SWITCHED" \
	verdict_events 3 '|resolver.verdict|unbound|verdict|not-validating|validating'
within_two "R: within two audits: dnsvigil_resolver_validating 1 again" "$SWITCHED" verdict_metric_is validating
status_is R 0 validating
alert R quiet
audit_cli R 0 ""
t_eq "the store's resolver.verdict events, in order" "$(verdicts | tr '\n' ' ')" \
	"|resolver.verdict|unbound|verdict||validating |resolver.verdict|unbound|verdict|validating|not-validating |resolver.verdict|unbound|verdict|not-validating|validating "

# ---- afterwards: the ledger ----------------------------------------------------
anchored() { scrape && [ "$(metric dnsvigil_ledger_pending_events)" = 0 ] &&
	[ "$(metric dnsvigil_ledger_unanchored_entries)" = 0 ]; }
for _ in $(seq 1 50); do
	anchored && break
	sleep 0.2
done
watch_stop
t_cmd "log show lists the ledger's entries" 0 "$DNSVIGIL" log show -d "$S" --format json
t_eq "the ledger's resolver.verdict entries, in order" "$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    x = e.get("entry")
    if isinstance(x, dict) and x.get("kind") == "resolver.verdict":
        v = x["evidence"]
        print("%s %s %s>%s" % (v["server"], v["subject"], v["old"], v["new"]))
' "$WORK/last.out" | tr '\n' ' ')" \
	"unbound verdict >validating unbound verdict validating>not-validating unbound verdict not-validating>validating "
ledger_checks
exit 0
