#!/usr/bin/env bash
# tests/func/test_watch_batch.sh - dnsvigil watch with many zones on one
# provider's server: the daemon probes the zones due together in one batch
# (one walk from the root), and the probe's budgets per server address
# (src/probe/probe.h: 512 queries, ...) are for one zone asked.  A batch of
# more than 64 zones on one address must not run out of them: every zone is
# answered and judged as `check` judges it alone, none is reported "not
# answered" (CHAIN_INDETERMINATE) because its neighbours in the batch used
# the address's budget.  `check` of the same N domains in one command: the
# same, since it asks about all of them in one probe.
#
# A private tree of its own (not the lab), port 5333: a signed root `.`
# (NSD on 127.53.33.1) delegating N unsigned zones b001. ... (no DS: each is
# insecure) to one NSD on 127.53.33.2.  The daemon watches all N; their
# first cycles are spread over one second, so they go out in one batch.
. "$(dirname "$0")/lib.sh"

PORT=5333
ROOT=127.53.33.1
CHILD=127.53.33.2
MPORT=19857
N=100
D=$WORK/tree
mkdir -p "$D/keys" "$D/zones" "$D/run"
PIDS=()

for c in nsd dnssec-keygen dnssec-signzone dnssec-dsfromkey kdig python3 curl; do
	command -v "$c" > /dev/null || {
		not_ok "missing $c"
		exit 0
	}
done

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2> /dev/null; done
	dv_schema_report
}
trap cleanup EXIT

zones() { for ((i = 1; i <= N; i++)); do printf 'b%03d.\n' "$i"; done; }

# ---- the tree ------------------------------------------------------------------------
RK=$(cd "$D/keys" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK .)
(cd "$D/keys" && dnssec-dsfromkey -a SHA-256 "$RK.key") | sed 's/^\. /. 3600 /' > "$D/root.ds"
printf '.\t3600000\tNS\tns1.root.\nns1.root.\t3600000\tA\t%s\n' "$ROOT" > "$D/hints"
{
	cat << EOF
\$TTL 3600
. IN SOA ns1.root. hostmaster.root. 1 60 60 600 60
. IN NS ns1.root.
ns1.root. IN A $ROOT
EOF
	for z in $(zones); do
		echo "$z IN NS ns1.$z"
		echo "ns1.$z IN A $CHILD"
	done
	grep -v '^;' "$D/keys/$RK.key"
} > "$D/run/root.in"
(cd "$D/keys" && dnssec-signzone -q -z -d "$D/run" -o . -f "$D/zones/root.zone" \
	"$D/run/root.in" "$RK") > /dev/null 2> "$D/run/sign.err" || {
	not_ok "dnssec-signzone ." "$(head -3 "$D/run/sign.err")"
	exit 0
}
for z in $(zones); do
	cat > "$D/zones/${z%.}.zone" << EOF
\$TTL 3600
$z IN SOA ns1.$z hostmaster.$z 1 3600 600 604800 60
$z IN NS ns1.$z
ns1.$z IN A $CHILD
www.$z IN A 192.0.2.1
EOF
done

mapfile -t ZL < <(for z in $(zones); do
	printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$z" "${z%.}"
done)
nsd_run root "$ROOT" "$PORT" "zone:" "  name: ." "  zonefile: root.zone" &&
	nsd_run child "$CHILD" "$PORT" "${ZL[@]}" || {
	not_ok "nsd did not start" "$(tail -3 "$D"/run/nsd-*.log 2> /dev/null)"
	exit 0
}
last=$(printf 'b%03d.' "$N")
if wait_serial "$ROOT" . 1 && wait_serial "$CHILD" b001. 1 && wait_serial "$CHILD" "$last" 1; then
	ok "the private tree answers ($N zones on one server)"
else
	not_ok "the private tree answers" "$(tail -3 "$D"/run/nsd-*.log 2> /dev/null)"
	exit 0
fi

# ---- the daemon ----------------------------------------------------------------------
S=$WORK/state
{
	cat << EOF
state_directory: $S
root_hints: $D/hints
trust_anchor: $D/root.ds
listen: 127.0.0.1:$MPORT
probe:
  port: $PORT
defaults:
  interval: 10s
zones:
EOF
	zones | sed 's/^/  - /'
} > "$WORK/w.yaml"
# started with a soft limit of 256 open files (the hard one unchanged): the
# daemon raises it to the hard one, at most 65536 (src/daemon/daemon.c)
(
	ulimit -Sn 256
	exec "$DNSVIGIL" watch --config "$WORK/w.yaml" >> "$WORK/daemon.log" 2>&1
) &
DPID=$!
PIDS+=("$DPID")

scrape() { curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$WORK/m.txt"; }
# every zone's first cycle ended: the time of its last success is set
first_round() {
	scrape || return 1
	[ "$(grep '^dnsvigil_probe_last_success_timestamp_seconds{zone="b' "$WORK/m.txt" |
		awk '$2 != 0' | wc -l)" -eq "$N" ]
}
for _ in $(seq 1 120); do
	first_round && break
	kill -0 "$DPID" 2> /dev/null || break
	sleep 0.25
done
if ! kill -0 "$DPID" 2> /dev/null; then
	not_ok "the daemon ran" "$(tail -3 "$WORK/daemon.log")"
	exit 0
fi
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -gt 65536 ] && hard=65536
t_eq "the daemon raised its soft open files limit from 256 to the hard one" \
	"$(awk '/^Max open files/ {print $4}' "/proc/$DPID/limits")" "$hard"
if first_round; then
	ok "every zone's first cycle ended within 30 s"
else
	not_ok "every zone's first cycle ended within 30 s" "$(tail -3 "$WORK/daemon.log")"
fi

# The precondition: zones observed together (one batch, one probe time),
# more than one address's budget of 512 queries covers at 8 a zone.
big=$(python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(max([n for (n,) in db.execute("SELECT count(*) FROM zone_latest GROUP BY time")] or [0]))
' "$S/watch.db" 2> /dev/null)
if [ "${big:-0}" -gt 64 ]; then
	ok "more than 64 zones went out in one batch ($big)"
else
	not_ok "more than 64 zones went out in one batch" "the largest: ${big:-none}"
fi
insecure=$(grep -c '^dnsvigil_zone_validation_state{zone="b[0-9]*\.",state="insecure"} 1' "$WORK/m.txt")
t_eq "every zone was answered and judged insecure (no DS at the root)" "$insecure" "$N"
t_eq "no zone is reported not answered (CHAIN_INDETERMINATE)" \
	"$(grep -c 'CHAIN_INDETERMINATE' "$WORK/daemon.log")" 0

kill -TERM "$DPID" 2> /dev/null
wait "$DPID" 2> /dev/null

# ---- check: the same zones in one command ---------------------------------------------
# `check` asks about all its DOMAINs in one probe, so the same budgets per
# server address must hold for N of them: every zone judged insecure, none
# cut off by a budget (PROBE_LIMIT) or left unanswered (CHAIN_INDETERMINATE).
# shellcheck disable=SC2046
"$DNSVIGIL" check --root-hints "$D/hints" --trust-anchor "$D/root.ds" --port "$PORT" \
	--format json $(zones) > "$WORK/check.json" 2> "$WORK/check.err"
rc=$?
t_eq "check of the $N zones at once exits 0 (all insecure, as expected: any)" "$rc" 0
read -r judged limited indet < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
codes = [f["code"] for f in r["findings"]]
print(sum(1 for d in r["results"] if d["status"] == "insecure"),
      codes.count("PROBE_LIMIT"), codes.count("CHAIN_INDETERMINATE"))
' "$WORK/check.json" 2> /dev/null)
t_eq "check: every zone judged insecure" "${judged:-none}" "$N"
t_eq "check: no budget ran out (PROBE_LIMIT)" "${limited:-none}" 0
t_eq "check: no zone left unanswered (CHAIN_INDETERMINATE)" "${indet:-none}" 0

