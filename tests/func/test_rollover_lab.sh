#!/usr/bin/env bash
# tests/func/test_rollover_lab.sh - the rollover rehearsal (issue 14 §4):
# real signers, servers and resolvers, time moving, every second observed.
#
# Servers (tests/func/rehearsal_servers.sh, made afresh each run): a hidden
# signing knotd with accelerated timers (data and DS TTL 4 s, DNSKEY TTL
# 12 s, propagation delay 10 s; 3 s for the manual steps), two public NSDs whose zone verifier is
# `dnsvigil rollover preflight` over the daemon's history, and roll.lab. on a
# knotd of its own taking DS updates by DDNS, delegated from the lab's lab.
# Observers: `dnsvigil watch` (interval 1 s, its store is the history every
# command below reads) and roll_prober.py asking the lab's four validating
# resolvers www.<zone> A every second.
#
# Safe rollovers, knotd's automatic key management: zsk.roll.lab. (ZSK,
# pre-publish), ksk.roll.lab. (KSK: double-DS CDS/CDNSKEY, knotd's ds-push,
# the old DS withdrawn by the test's own DDNS once the CDS asks for it),
# alg.roll.lab. (algorithm 8 -> 13).  Every version passes preflight,
# `rollover check` finds no bogus window, no resolver answers SERVFAIL, the
# daemon logs the phases in order.
# Unsafe steps, key timers set by hand (keymgr) as an operator would:
#   uzsk  the ZSK swapped at once: the old one removed while data it signed
#         is still cached, the new one signing before caches hold its DNSKEY
#   uksk  the DS swapped at the parent before the new KSK was published
#   ualg  the old algorithm's keys and signatures dropped before the DS changed
# Each is refused by preflight first (the NSDs do not publish it), then
# forced; the resolvers' SERVFAILs must lie inside the windows `rollover
# check` predicts, widened by each resolver's documented failure cache.
. "$(dirname "$0")/lib.sh"

need_lab
if [ -z "${LAB_ROLL_PARENT:-}" ] || [ ! -f "${LAB_ROLL_KSK:-}.private" ]; then
	not_ok "the lab has roll.lab." "lab.env has no LAB_ROLL_*: restart the lab (tests/lab/start.sh)"
	exit 0
fi
for c in knotd keymgr knotc knsupdate nsd dig python3 curl; do
	command -v "$c" > /dev/null || {
		not_ok "missing $c"
		exit 0
	}
done

HERE=$(cd "$(dirname "$0")" && pwd)
R=$WORK/rehearsal
STATE=$R/state
TTL=4   # data, SOA, NS, DS
KTTL=12 # DNSKEY: longer than the data's, as in most zones
PROP=3  # knotd's propagation-delay of the unsafe steps (manual policy), preflight's
# ... and of the safe rollovers (automatic key management).  It must bound
# what publishing a version really takes (NOTIFY, AXFR, the NSDs' preflight,
# reload): when it does not, the rollover is unsafe by RFC 7583's own terms
# and the check rightly finds a window.  3 s left 3 s to spare here; on a
# slower machine publishing took 5-7 s and the check found a 1 s window.
SAFE_PROP=10
PORT=19855
PIDS=()
rm -rf "$R"
mkdir -p "$R"
# shellcheck source=tests/func/rehearsal_servers.sh
. "$HERE/rehearsal_servers.sh"

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 30); do
			kill -0 "$p" 2> /dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2> /dev/null
	done
}
trap 'cleanup; dv_schema_report' EXIT

# How long each resolver keeps answering SERVFAIL once it saw a failure
# (measured here; tests/func/README and doc/rollover.md give the sources):
# Unbound blacks a zone out for 60 s after a DS or DNSKEY failure
# (BOGUS_KEY_TTL, compiled in), BIND keeps a failed validation in its bad
# cache for 30 s (max(lame-ttl, 30)), PowerDNS Recursor caches what failed
# validation for its own TTL up to max-cache-bogus-ttl (3600 s): here the
# DNSKEY RRset's 12 s; Knot Resolver for about a second.
HOLDS="unbound=60,bind=30,kresd=2,pdns=$KTTL"

note() { printf '%s %s\n' "$(date +%s)" "$*" >> "$R/steps.log"; }
knotc_s() { knotc -s "$R/signer/knot.sock" "$@" > /dev/null; }
km() { keymgr -c "$SIGNER_CONF" "$@"; }
tag_of() { km "$1" list | awk -v id="$2" '$1 == id { print $2 }'; } # tag_of ZONE KEYID
# ddns_ds ZONE FILE - replace ZONE's DS RRset at roll.lab. with FILE's records
ddns_ds() {
	{
		printf 'server %s 53\nzone roll.lab.\nupdate delete %s DS\n' "$LAB_ROLL_PARENT" "$1"
		awk '{ printf "update add %s %s IN DS %s %s %s %s\n", $1, '"$TTL"', $(NF-3), $(NF-2), $(NF-1), $NF }' "$2"
		echo send
	} | knsupdate > "$R/log/knsupdate.${1%.}.log" 2>&1
}
# ds_file ZONE TAG FILE - the SHA-256 DS of key TAG of ZONE
ds_file() { km "$1" ds "$2" | awk '$5 == 2' > "$3"; }
preflight_ds() { # preflight_ds ZONE FILE -> status
	"$DNSVIGIL" rollover preflight --zone "$1" --candidate-ds "$2" --state-dir "$STATE" \
		--propagation-delay ${PROP}s --parent-propagation-delay 1s --format json > "$2.json" 2>&1
}
# served ZONE SERIAL - both NSDs serve SERIAL of ZONE
served() { [ "$(serial "$LAB_ROLL_PUB_A" "$1")" = "$2" ] && [ "$(serial "$LAB_ROLL_PUB_B" "$1")" = "$2" ]; }
# wait_verdict ZONE VERDICT SECONDS - until both NSDs' verifiers logged VERDICT
# for ZONE after this call; prints the serial
wait_verdict() {
	local n0 i
	n0=$(wc -l < "$R/verify.log" 2> /dev/null || echo 0)
	for ((i = 0; i < $3 * 5; i++)); do
		if [ "$(tail -n +$((n0 + 1)) "$R/verify.log" | awk -v z="$1" -v v="$2" '$3 == z && $6 == v { print $2 }' | sort -u | wc -l)" = 2 ]; then
			tail -n +$((n0 + 1)) "$R/verify.log" | awk -v z="$1" -v v="$2" '$3 == z && $6 == v { print $4; exit }'
			return 0
		fi
		sleep 0.2
	done
	return 1
}
metric() { curl -s --max-time 3 "http://127.0.0.1:$PORT/metrics" | grep -F "$1" | awk '{ print $2; exit }'; }

# ---- servers, daemon, prober --------------------------------------------------------

if ! servers_start; then
	not_ok "rehearsal servers start" "$(tail -5 "$R"/log/*.log 2> /dev/null | head -30)"
	exit 0
fi
ok "rehearsal servers: roll.lab. parent, signing knotd, two NSDs with preflight as zone verifier"
cat > "$R/watch.yaml" << EOF
state_directory: $STATE
root_hints: $LAB_ROOT_HINTS
trust_anchor: $LAB_ROOT_DS
listen: 127.0.0.1:$PORT
probe:
  timeout_ms: 500
  retries: 1
  concurrency: 6
defaults:
  interval: 1s
zones:
$(for z in $SAFE_ZONES $UNSAFE_ZONES; do echo "  - $z"; done)
resolvers:
  canary: ${LAB_CANARY_ZONE:-canary.lab.}
  interval: 20s
  servers:
    - {address: $LAB_RES_UNBOUND, name: unbound}
    - {address: $LAB_RES_BIND, name: bind}
    - {address: $LAB_RES_KRESD, name: kresd}
    - {address: $LAB_RES_PDNS, name: pdns}
EOF
"$DNSVIGIL" watch --config "$R/watch.yaml" > "$R/log/watch.log" 2>&1 &
DPID=$!
PIDS+=("$DPID")
args=()
for z in $SAFE_ZONES $UNSAFE_ZONES; do args+=(--zone "$z"); done
python3 "$HERE/roll_prober.py" --out "$R/probe.txt" --duration 300 \
	--resolver "unbound=$LAB_RES_UNBOUND" --resolver "bind=$LAB_RES_BIND" \
	--resolver "kresd=$LAB_RES_KRESD" --resolver "pdns=$LAB_RES_PDNS" "${args[@]}" &
PPID_=$!
PIDS+=("$PPID_")
# the daemon's first snapshots of every zone, and caches warm with the
# first versions (DNSKEY TTL), before anything moves
for _ in $(seq 1 60); do
	n=$("$DNSVIGIL" status --state-dir "$STATE" 2> /dev/null | grep -c 'roll.lab. *secure')
	[ "$n" = 6 ] && break
	sleep 0.5
done
t_eq "the daemon sees the six rehearsal zones secure" "$n" 6
sleep $((KTTL + 1))

# ---- the scenarios, side by side ------------------------------------------------------

scenario_safe() { # knotd's automatic key management
	# algorithm 8 -> 13: the zone's policy changes, knotd rolls (RFC 6781 §4.1.4)
	sed -i '/domain: alg.roll.lab./,/dnssec-policy/s/auto8/auto13/' "$SIGNER_CONF"
	knotc_s reload
	knotc_s zone-key-rollover zsk.roll.lab. zsk
	knotc_s zone-key-rollover ksk.roll.lab. ksk
	note safe-start
	# ksk: knotd pushes the double DS and goes on once it sees it; it leaves
	# the old DS behind when it removes the old KSK (ds-push sends no DS
	# RRset when the CDS shrinks): the test withdraws it as the CDS asks
	local i cds ds
	for ((i = 0; i < 120; i++)); do
		cds=$(dig +norec +short "@$LAB_ROLL_PUB_A" ksk.roll.lab. CDS | grep -c .)
		ds=$(dig +norec +short "@$LAB_ROLL_PARENT" ksk.roll.lab. DS | grep -c .)
		[ "$cds" = 1 ] && [ "$ds" = 2 ] && [ "$(km ksk.roll.lab. list | grep -c KSK)" = 1 ] && break
		sleep 0.5
	done
	note ksk-old-ds-left "cds=$cds" "ds=$ds"
	sleep 3 # the daemon sees the zone waiting on the parent (blocked)
	metric 'dnsvigil_rollover_blocked_seconds{zone="ksk.roll.lab."}' > "$R/ksk.blocked"
	metric 'dnsvigil_rollover_phase{zone="ksk.roll.lab.",phase="ds-wait"}' > "$R/ksk.phase"
	# dig splits the digest in words: join them (ddns_ds takes the last four)
	dig +norec +short "@$LAB_ROLL_PUB_A" ksk.roll.lab. CDS |
		awk '{ d = ""; for (i = 4; i <= NF; i++) d = d $i; print "ksk.roll.lab. DS", $1, $2, $3, d }' > "$R/ksk.final.ds"
	preflight_ds ksk.roll.lab. "$R/ksk.final.ds"
	echo $? > "$R/ksk.final.rc"
	ddns_ds ksk.roll.lab. "$R/ksk.final.ds"
	note ksk-ds-final
}

# refuse_then_force ZONE NAME - sign ZONE again with the keys as set; both
# NSDs' verifiers must refuse the version (its serial to $R/NAME.serial) and
# not serve it; then force it through (its time to $R/NAME.t)
refuse_then_force() {
	local z=$1 u=$2 serial
	knotc_s zone-sign "$z"
	serial=$(wait_verdict "$z" refused 20) || {
		note "$u-not-refused"
		return 1
	}
	echo "$serial" > "$R/$u.serial"
	sleep 1
	served "$z" "$serial" && note "$u-published-before-forced"
	touch "$R/force/${z%.}.pub-a" "$R/force/${z%.}.pub-b"
	wait_verdict "$z" forced 20 > /dev/null
	date +%s > "$R/$u.t"
}

scenario_uzsk() { # the ZSK swapped at once
	local z=uzsk.roll.lab. old new
	old=$(km $z list | awk '$3 == "ZSK" { print $2; exit }')
	new=$(km $z generate algorithm=ecdsap256sha256 ksk=no publish=+0 active=+0)
	km $z set "$old" retire=+0 remove=+0 > /dev/null
	refuse_then_force $z uzsk || return
	note uzsk-forced "$(tag_of $z "$new")"
	sleep 5
	rm -f "$R/force/${z%.}".*
}

scenario_uksk() { # the DS swapped before the new KSK was published
	local z=uksk.roll.lab. id tag
	id=$(km $z generate algorithm=ecdsap256sha256 ksk=yes publish=+1y active=+1y)
	tag=$(tag_of $z "$id")
	ds_file $z "$tag" "$R/uksk.ds"
	preflight_ds $z "$R/uksk.ds"
	echo $? > "$R/uksk.rc"
	date +%s > "$R/uksk.t"
	ddns_ds $z "$R/uksk.ds"
	note uksk-ds-swapped "$tag"
	# the new KSK is published (knotd signs the DNSKEY RRset with it) late:
	# after every cache's DNSKEY RRset and DS ran out, so every validator
	# has to match the new DS against the old keys
	sleep $((KTTL + TTL + 2))
	km $z set "$tag" publish=+0 > /dev/null
	knotc_s zone-sign $z
	note uksk-ksk-published
}

scenario_ualg() { # the old algorithm dropped before the DS changed
	local z=ualg.roll.lab. z13 k13 t8
	# RFC 6781 §4.1.4, done right: signatures first, then the keys
	z13=$(km $z generate algorithm=ecdsap256sha256 ksk=no pre_active=+0 publish=+1y active=+1y)
	k13=$(km $z generate algorithm=ecdsap256sha256 ksk=yes pre_active=+0 publish=+1y active=+1y)
	knotc_s zone-sign $z
	wait_verdict $z accepted 20 > /dev/null
	sleep $((PROP + TTL + 3))
	km $z set "$(tag_of $z "$z13")" publish=+0 active=+0 > /dev/null
	km $z set "$(tag_of $z "$k13")" publish=+0 active=+0 > /dev/null
	knotc_s zone-sign $z
	wait_verdict $z accepted 20 > /dev/null || note ualg-publish-refused
	sleep $((PROP + KTTL + 2))
	# the unsafe step: algorithm 8 gone, the DS still of algorithm 8
	for t8 in $(km $z list | awk '$4 ~ /^RSASHA256/ { print $2 }'); do
		km $z set "$t8" retire=+0 remove=+0 > /dev/null
	done
	refuse_then_force $z ualg || return
	note ualg-forced
	sleep 4
	metric 'dnsvigil_rollover_bogus_windows{zone="ualg.roll.lab.",when="now"}' > "$R/ualg.metric"
	rm -f "$R/force/${z%.}".*
	sleep 6 # then the parent follows: the DS of algorithm 13
	ds_file $z "$(tag_of $z "$k13")" "$R/ualg.ds"
	ddns_ds $z "$R/ualg.ds"
	note ualg-ds-fixed
}

T0=$(date +%s)
scenario_safe > "$R/log/safe.out" 2>&1 &
s1=$!
scenario_uzsk > "$R/log/uzsk.out" 2>&1 &
s2=$!
scenario_uksk > "$R/log/uksk.out" 2>&1 &
s3=$!
scenario_ualg > "$R/log/ualg.out" 2>&1 &
s4=$!
wait $s1 $s2 $s3 $s4
# until every rollover is done and the failures have played out at all but
# Unbound (BIND's 30 s bad cache after the last forced step; Unbound's 60 s
# blackout is cut short there: what it answered until then is compared)
for _ in $(seq 1 120); do
	busy=0
	for z in $SAFE_ZONES; do
		[ "$(metric "dnsvigil_rollover_phase{zone=\"$z\",phase=\"steady\"}")" = 1 ] || busy=1
	done
	[ $busy = 0 ] && [ $(($(date +%s) - $(cat "$R/ualg.t" 2> /dev/null || echo 0))) -gt 34 ] && break
	sleep 1
done
END=$(date +%s)
kill "$PPID_" 2> /dev/null
kill -TERM "$DPID" 2> /dev/null # the daemon records its last cycle times as it stops
wait "$DPID" 2> /dev/null
wait "$PPID_" 2> /dev/null
printf '# rehearsal: %d s of rollovers, %d resolver answers\n' $((END - T0)) "$(wc -l < "$R/probe.txt")"
sed 's/^/#   step: /' "$R/steps.log"

# ---- safe rollovers -------------------------------------------------------------------

phases() { # phases ZONE - the rollover.phase events' new values, in order
	"$DNSVIGIL" history --state-dir "$STATE" --format json "$1" | python3 -c '
import json, sys
print(" ".join(e["new"] for e in json.load(sys.stdin)["history"]
               if e.get("type") == "event" and e.get("kind") == "rollover.phase"))'
}
for z in $SAFE_ZONES; do
	n=$(awk -v z="$z" '$3 == z && $1 > '"$T0"' && $6 == "accepted"' "$R/verify.log" | wc -l)
	bad=$(awk -v z="$z" '$3 == z && $1 > '"$T0"' && $6 != "accepted"' "$R/verify.log" | wc -l)
	if [ "$bad" = 0 ] && [ "$n" -ge 4 ]; then
		ok "$z: preflight accepted every version knotd made ($n verifications on two servers)"
	else
		not_ok "$z: preflight accepted every version knotd made" "$(awk -v z="$z" '$3 == z' "$R/verify.log" | tail -8)"
	fi
	"$DNSVIGIL" rollover check --zone "$z" --state-dir "$STATE" --now "@$END" --format json > "$R/$z.json" 2> "$R/$z.err"
	v=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bogus = [w for w in d["windows"] if not w["strict_only"]]
strict = [w for w in d["windows"] if w["strict_only"]]
print(len(bogus), len(strict), d["phase_name"], d["observations"]["count"])' "$R/$z.json" 2> /dev/null)
	read -r nb ns ph nobs <<< "$v"
	if [ "${nb:-x} ${ph:-x}" = "0 steady" ]; then
		ok "$z: rollover check over the daemon's history finds no bogus window ($ns for strict validators only; $nobs observations)"
	else # what it found, to tell a real window from a missed observation
		not_ok "$z: rollover check over the daemon's history finds no bogus window ($nobs observations)" \
			"got '${nb:-x} ${ph:-x}', wanted '0 steady'"
		python3 -c '
import json, sys
for w in json.load(open(sys.argv[1]))["windows"]:
    if not w["strict_only"]:
        print("window", w["start_text"], w["end_text"], w["rule"], w["why"])' "$R/$z.json" 2>&1 |
			head -6 | sed 's/^/#   /'
		sed 's/^/#   step: /' "$R/steps.log"
	fi
	sf=$(awk -v z="$z" '$4 == z && $5 == "SERVFAIL"' "$R/probe.txt" | wc -l)
	to=$(awk -v z="$z" '$4 == z && $5 == "TIMEOUT"' "$R/probe.txt" | wc -l)
	all=$(awk -v z="$z" '$4 == z' "$R/probe.txt" | wc -l)
	t_eq "$z: not one SERVFAIL at the four resolvers ($all answers, $to timeouts)" "$sf" 0
done
t_eq "zsk.roll.lab.: the daemon logged the phases of a pre-publish ZSK rollover" \
	"$(phases zsk.roll.lab.)" "zsk-published zsk-retired steady"
p=$(phases alg.roll.lab.)
if grep -Eq '^algorithm-signed algorithm-published algorithm-ds( algorithm-ds)* algorithm-cleanup steady$' <<< "$p"; then
	ok "alg.roll.lab.: the daemon logged the phases of RFC 6781 §4.1.4 in order ($p)"
else
	not_ok "alg.roll.lab.: the daemon logged the phases of RFC 6781 §4.1.4 in order" "got: $p"
fi
p=$(phases ksk.roll.lab.)
if grep -Eq 'ds-wait' <<< "$p" && grep -Eq ' steady$' <<< "$p"; then
	ok "ksk.roll.lab.: the daemon logged the KSK rollover's phases, waiting on the parent, then steady ($p)"
else
	not_ok "ksk.roll.lab.: the daemon logged the KSK rollover's phases" "got: $p"
fi
t_eq "ksk.roll.lab.: knotd left the old DS; /metrics shows the rollover waiting (phase ds-wait)" "$(cat "$R/ksk.phase" 2> /dev/null)" 1
b=$(cat "$R/ksk.blocked" 2> /dev/null)
if [ -n "$b" ] && [ "${b%.*}" -gt 0 ]; then
	ok "ksk.roll.lab.: dnsvigil_rollover_blocked_seconds counts the wait ($b s)"
else
	not_ok "ksk.roll.lab.: dnsvigil_rollover_blocked_seconds counts the wait" "got '$b'"
fi
t_eq "ksk.roll.lab.: preflight of the DS withdrawal the CDS asks for: safe" "$(cat "$R/ksk.final.rc" 2> /dev/null)" 0

# ---- unsafe steps ---------------------------------------------------------------------

t_eq "uksk.roll.lab.: preflight refuses the DS swap before the new KSK is published" "$(cat "$R/uksk.rc" 2> /dev/null)" 2
for u in uzsk ualg; do
	if [ -s "$R/$u.serial" ] && ! grep -q "$u-published-before-forced\|$u-not-refused" "$R/steps.log"; then
		ok "$u.roll.lab.: preflight refused the unsafe version (serial $(cat "$R/$u.serial")) on both servers; it was not published until forced"
	else
		not_ok "$u.roll.lab.: preflight refused the unsafe version before it was published" "$(grep "$u" "$R/steps.log")" "$(grep "$u" "$R/verify.log" | tail -6)"
	fi
done
m=$(cat "$R/ualg.metric" 2> /dev/null)
if [ -n "$m" ] && [ "${m%.*}" -ge 1 ]; then
	ok "ualg.roll.lab.: /metrics shows a bogus window now once the step is out (dnsvigil_rollover_bogus_windows $m)"
else
	not_ok "ualg.roll.lab.: /metrics shows a bogus window now" "got '$m'"
fi

for u in uzsk uksk ualg; do
	z=$u.roll.lab.
	"$DNSVIGIL" rollover check --zone "$z" --state-dir "$STATE" --now "@$END" --format json > "$R/$z.json" 2> "$R/$z.err"
	python3 "$HERE/roll_compare.py" "$R/probe.txt" "$R/$z.json" "$z" "$(cat "$R/$u.t" 2> /dev/null || echo "$T0")" "$END" "$HOLDS" > "$R/$u.cmp"
	rc=$?
	sed "s/^/#   $u: /" "$R/$u.cmp"
	nsf=$(awk '/servfail/ { n += $3 } END { print n + 0 }' "$R/$u.cmp")
	if [ $rc = 0 ] && grep -q '^windows [1-9]' "$R/$u.cmp"; then
		ok "$z: rollover check predicts bogus windows containing every SERVFAIL the resolvers returned ($nsf)"
	else
		not_ok "$z: rollover check predicts windows containing every SERVFAIL" "$(cat "$R/$u.cmp")"
	fi
	# every resolver that failed is one the check names as able to see it
	seen=$(python3 -c '
import json, sys
print(" ".join(sorted({r for w in json.load(open(sys.argv[1]))["windows"] for r in w["resolvers"]})))' "$R/$z.json")
	failed=$(awk '$3 > 0 { print $1 }' "$R/$u.cmp" | grep -v '^windows' | sort | tr '\n' ' ' | sed 's/ $//')
	miss=""
	for r in $failed; do grep -qw "$r" <<< "$seen" || miss="$miss $r"; done
	t_eq "$z: the resolvers that failed are among those the check says could see a window ($failed)" "${miss:-none}" none
done
# the failures are real: a DS swapped to a key published only after every
# cache's DNSKEY RRset ran out fails at every validator; the algorithm step
# only at those whose DNSKEY RRset (12 s) ran out before the DS was fixed
# (10 s later) -- at least one
n=$(awk '/servfail/ && $3 > 0' "$R/uksk.cmp" | wc -l)
t_eq "uksk.roll.lab.: all four resolvers answered SERVFAIL inside the predicted window" "$n" 4
n=$(awk '/servfail/ && $3 > 0' "$R/ualg.cmp" | wc -l)
if [ "$n" -ge 1 ]; then
	ok "ualg.roll.lab.: $n of the four resolvers answered SERVFAIL inside the predicted window"
else
	not_ok "ualg.roll.lab.: a resolver answered SERVFAIL inside the predicted window" "$(cat "$R/ualg.cmp")"
fi

# ---- the store as history: what cannot be judged ---------------------------------------

t_cmd "rollover check of a zone the store never saw: could not judge (exit 3)" 3 \
	"$DNSVIGIL" rollover check --zone nosuch.roll.lab. --state-dir "$STATE"
t_grep "... saying the store holds no snapshot of it" 'no snapshot of nosuch\.roll\.lab\.' "$WORK/last.err"
t_cmd "rollover check with snapshots and the store at once: usage error (exit 3)" 3 \
	"$DNSVIGIL" rollover check --zone zsk.roll.lab. --state-dir "$STATE" --from "$R/watch.yaml"
printf 'uksk.roll.lab. 4 IN A 127.0.0.1\n' > "$R/bad.ds"
t_cmd "preflight --candidate-ds with a record not a DS: could not judge (exit 3)" 3 \
	"$DNSVIGIL" rollover preflight --zone uksk.roll.lab. --state-dir "$STATE" --candidate-ds "$R/bad.ds"
t_grep "... naming the file and line" 'bad\.ds:1: ' "$WORK/last.err"
# the same history through the daemon's configuration, with a resolver named
# on the command line: it is attributed the windows it validated through
"$DNSVIGIL" rollover check --zone uksk.roll.lab. --config "$R/watch.yaml" --resolver extra=127.0.0.9 \
	--now "@$END" --format json > "$R/uksk.cfg.json" 2> "$R/uksk.cfg.err"
t_eq "rollover check --config reads the same history and names --resolver in each window" \
	"$(python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["windows"]
print(len(w) > 0, all("extra" in x["resolvers"] for x in w))' "$R/uksk.cfg.json" 2> /dev/null)" \
	"True True"
