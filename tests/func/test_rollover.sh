#!/usr/bin/env bash
# tests/func/test_rollover.sh - dnsvigil rollover against real signed zones
# served by a real NSD, observed by real `dnsvigil check --save` snapshots.
#
# A private tree of its own (not the lab): a root `.` on 127.53.30.1 and
# 127.53.30.2 and a child `roll.` on 127.53.30.11 and 127.53.30.12, port
# 5330, two NSD instances this script starts and stops.  Zones are signed
# with dnssec-keygen/dnssec-signzone at each step of a rollover, with TTLs of
# 2 s, so a rollover takes seconds; snapshots are taken every ~0.3 s while
# each step is served.  Scenarios:
#   A  a safe pre-publish ZSK rollover (and preflight of its steps)
#   B  a ZSK swapped at once: bogus windows (R3), recover
#   C  the .nz 2023 case: DS moved and the old KSK's signature dropped at once
#      (R1), preflight refusing it beforehand, recover
#   D  a safe double-DS KSK rollover
#   E  CDS published and the parent never updating (stuck)
. "$(dirname "$0")/lib.sh"

PORT=5330
ROOT1=127.53.30.1
ROOT2=127.53.30.2
CH1=127.53.30.11
CH2=127.53.30.12
TTL=2
WAIT=4 # TTL + two observation gaps + one second of timestamp resolution
D=$WORK/tree
mkdir -p "$D/keys" "$D/zones" "$D/run"
PIDS=()

need nsd dnssec-keygen dnssec-signzone dnssec-dsfromkey kdig python3 || exit 0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2> /dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 30); do
			kill -0 "$p" 2> /dev/null || break
			sleep 0.1
		done
	done
}
trap 'cleanup; dv_schema_report' EXIT

key() { # FLAGS -> key base name (in $D/keys)
	(cd "$D/keys" && dnssec-keygen -q -a ECDSAP256SHA256 -L "$TTL" $1 roll.)
}

# sign_child SERIAL "PUBLISHED KEYS" "SIGNING KEYS" [CDS KEY] -> $D/zones/roll.zone
sign_child() {
	local serial=$1 pub=$2 sig=$3 cds=${4:-} k
	{
		cat << EOF
\$TTL $TTL
roll. IN SOA ns1.roll. hostmaster.roll. $serial 60 60 600 $TTL
roll. IN NS ns1.roll.
roll. IN NS ns2.roll.
ns1.roll. IN A $CH1
ns2.roll. IN A $CH2
www.roll. IN A 192.0.2.1
EOF
		for k in $pub; do grep -v '^;' "$D/keys/$k.key"; done
		[ -n "$cds" ] && (cd "$D/keys" && dnssec-dsfromkey -C -a SHA-256 "$cds.key")
	} > "$D/run/roll.in"
	(cd "$D/keys" && dnssec-signzone -q -d "$D/run" -o roll. -f "$D/run/roll.signed.$serial" \
		"$D/run/roll.in" $sig) > /dev/null 2> "$D/run/sign.err" || {
		not_ok "dnssec-signzone roll. $serial" "$(head -3 "$D/run/sign.err")"
		return 1
	}
	cp "$D/run/roll.signed.$serial" "$D/zones/roll.zone"
}

# sign_root SERIAL "KSKS WITH A DS" -> $D/zones/root.zone
sign_root() {
	local serial=$1 dskeys=$2 k
	{
		cat << EOF
\$TTL 3600
. IN SOA ns1.root. hostmaster.root. $serial 60 60 600 $TTL
. IN NS ns1.root.
. IN NS ns2.root.
ns1.root. IN A $ROOT1
ns2.root. IN A $ROOT2
roll. IN NS ns1.roll.
roll. IN NS ns2.roll.
ns1.roll. IN A $CH1
ns2.roll. IN A $CH2
EOF
		grep -v '^;' "$D/keys/$RK.key"
		for k in $dskeys; do
			(cd "$D/keys" && dnssec-dsfromkey -a SHA-256 -T "$TTL" "$k.key")
		done
	} > "$D/run/root.in"
	(cd "$D/keys" && dnssec-signzone -q -z -d "$D/run" -o . -f "$D/zones/root.zone" \
		"$D/run/root.in" "$RK") > /dev/null 2> "$D/run/sign.err" || {
		not_ok "dnssec-signzone . $serial" "$(head -3 "$D/run/sign.err")"
		return 1
	}
}

nsd_start() { # NAME ZONE FILE ADDR...
	local name=$1 zone=$2 file=$3
	shift 3
	nsd_run "$name" "$*" "$PORT" "zone:" "  name: \"$zone\"" "  zonefile: \"$file\""
}

MT=1700000000
# reload NAME ZONE SERIAL ADDR...: HUP, wait until every address serves SERIAL
reload() {
	local name=$1 zone=$2 serial=$3 a ok
	shift 3
	MT=$((MT + 1)) # NSD reloads a file whose mtime changed
	touch -d "@$MT" "$D/zones/$([ "$zone" = . ] && echo root || echo roll).zone"
	kill -HUP "$(cat "$D/run/nsd-$name.pid")"
	for _ in $(seq 1 100); do
		ok=1
		for a in "$@"; do [ "$(serial_at "$a" "$zone")" = "$serial" ] || ok=0; done
		[ $ok = 1 ] && return 0
		sleep 0.05
	done
	not_ok "nsd $name did not load serial $serial"
}

snap() { # DIR: one snapshot
	mkdir -p "$1"
	"$DNSVIGIL" check --root-hints "$D/hints" --trust-anchor "$D/root.ds" --port "$PORT" \
		--timeout 300 --retries 0 --save "$1/$(date +%s%N).json" roll. > /dev/null 2>&1
}

snap_for() { # DIR SECONDS: snapshots while the current state is served
	local end=$(($(date +%s%N) + $2 * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		snap "$1"
		sleep 0.3
	done
}

# child_state SERIAL "PUBLISHED" "SIGNING" [CDS]: sign and serve
child_state() {
	sign_child "$@" && reload child roll. "$1" "$CH1" "$CH2"
}
ROOTSERIAL=1
root_ds() { # "KSKS WITH A DS"
	ROOTSERIAL=$((ROOTSERIAL + 1))
	sign_root "$ROOTSERIAL" "$1" && reload root . "$ROOTSERIAL" "$ROOT1" "$ROOT2"
}

json() { # FILE EXPR: evaluate a Python expression on the JSON document d
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2> /dev/null
}

RC() { "$DNSVIGIL" rollover "$@"; }

# ---- the tree --------------------------------------------------------------------
RK=$(cd "$D/keys" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK .)
K1=$(key "-f KSK")
K2=$(key "-f KSK")
K3=$(key "-f KSK")
K4=$(key "-f KSK")
Z1=$(key "")
Z2=$(key "")
tag() { echo "$1" | sed 's/.*+0*//'; }
(cd "$D/keys" && dnssec-dsfromkey -a SHA-256 "$RK.key") | sed 's/^\. /. 3600 /' > "$D/root.ds"
printf '.\t3600000\tNS\tns1.root.\n.\t3600000\tNS\tns2.root.\nns1.root.\t3600000\tA\t%s\nns2.root.\t3600000\tA\t%s\n' \
	"$ROOT1" "$ROOT2" > "$D/hints"
sign_root 1 "$K1" && sign_child 1 "$K1 $Z1" "$K1 $Z1" || exit 0
nsd_start root . root.zone "$ROOT1" "$ROOT2" && nsd_start child roll. roll.zone "$CH1" "$CH2" || {
	not_ok "nsd did not start" "$(tail -3 "$D"/run/nsd-*.log 2> /dev/null)"
	exit 0
}
reload root . 1 "$ROOT1" "$ROOT2"
reload child roll. 1 "$CH1" "$CH2"
snap "$WORK/probe"
t_grep "the private tree answers: roll. is secure" '"status": "secure"' \
	<("$DNSVIGIL" check --from "$(ls "$WORK"/probe/*.json | head -1)" -f json)

# ---- A: a safe pre-publish ZSK rollover --------------------------------------------
A=$WORK/A
snap_for "$A" 3
child_state 2 "$K1 $Z1 $Z2" "$K1 $Z1" # Z2 published, signs nothing
snap_for "$A" "$WAIT"
cp -r "$A" "$WORK/A-mid"
sign_child 3 "$K1 $Z1 $Z2" "$K1 $Z2" && cp "$D/zones/roll.zone" "$WORK/cand-sign-z2"
sign_child 4 "$K1 $Z2" "$K1 $Z2" && cp "$D/zones/roll.zone" "$WORK/cand-drop-z1"
t_cmd "A preflight: signing with the pre-published ZSK is safe now" 0 \
	RC preflight --zone roll. --from "$WORK/A-mid" --candidate "$WORK/cand-sign-z2"
t_cmd "A preflight: removing the old ZSK in the same step is refused" 2 \
	RC preflight --zone roll. --from "$WORK/A-mid" --candidate "$WORK/cand-drop-z1" -f json
cp "$WORK/last.out" "$WORK/A-pre.json"
t_eq "A preflight: the refusal is ROLLOVER_CANDIDATE_UNSAFE, rule R3" \
	"$(json "$WORK/A-pre.json" '",".join(sorted({f["code"] for f in d["findings"] if f["severity"] == "error"}))+" "+d["windows"][0]["rule"]')" \
	"ROLLOVER_CANDIDATE_UNSAFE R3"
t_cmd "A mid-roll check: safe so far" 0 RC check --zone roll. --from "$WORK/A-mid" -f json
cp "$WORK/last.out" "$WORK/A-mid.json"
t_eq "A mid-roll: the next step is signing with ZSK $(tag "$Z2")" \
	"$(json "$WORK/A-mid.json" '[n["keytag"] for n in d["next"] if "pre-publish" in n["action"]]')" \
	"[$(tag "$Z2")]"
cp "$WORK/cand-sign-z2" "$D/zones/roll.zone" && reload child roll. 3 "$CH1" "$CH2"
snap_for "$A" "$WAIT"
cp "$WORK/cand-drop-z1" "$D/zones/roll.zone" && reload child roll. 4 "$CH1" "$CH2"
snap_for "$A" 3
t_cmd "A: the whole pre-publish rollover was safe (exit 0)" 0 RC check --zone roll. --from "$A" -f json
cp "$WORK/last.out" "$WORK/A.json"
t_eq "A: verdict safe, no window, $(ls "$A" | wc -l) snapshots read" \
	"$(json "$WORK/A.json" 'd["verdict"]+" "+str(len(d["windows"]))+" "+str(d["observations"]["count"] > 0)')" \
	"safe 0 True"
t_cmd "A: snapshots given one by one, in any order, give the same verdict" 0 \
	RC check --zone roll. --from $(ls "$A"/*.json | sort -r | head -1) $(ls "$A"/*.json | sort -r | tail -n +2)

# ---- B: the ZSK swapped at once ------------------------------------------------------
B=$WORK/B
snap_for "$B" 2
child_state 5 "$K1 $Z1" "$K1 $Z1"
snap_for "$B" 3
t_cmd "B: swapping the ZSK in one step is bogus (exit 2)" 2 RC check --zone roll. --from "$B" -f json
cp "$WORK/last.out" "$WORK/B.json"
t_eq "B: every window is R3; the SOA both ways (old under the new DNSKEY RRset and the reverse)" \
	"$(json "$WORK/B.json" '",".join(sorted({w["rule"] for w in d["windows"]}))+" "+str(sum(w["rrset"].startswith("SOA#") for w in d["windows"]))')" "R3 2"
t_eq "B: each window lasts at most TTL + one observation gap + 1 s" \
	"$(json "$WORK/B.json" 'all(0 < w["end"] - w["start"] <= 2 + 2 + 1 for w in d["windows"])')" True
t_grep "B: the text report names the window and the rule" 'R3' <(RC check --zone roll. --from "$B")
t_cmd "B: recover (a failure at hand: exit 2)" 2 RC recover --zone roll. --from "$B" -f json \
	--now "@$(json "$WORK/B.json" 'd["windows"][0]["start"]')"
t_eq "B: recover names the key removed too early" \
	"$(json "$WORK/last.out" 'd["case"]')" "key-removed-early"

# ---- C: the .nz 2023 case ------------------------------------------------------------------
C=$WORK/C
child_state 6 "$K1 $K2 $Z1" "$K1 $K2 $Z1" # the new KSK signs beside the old
snap_for "$C" "$WAIT"
sign_child 7 "$K1 $K2 $Z1" "$K2 $Z1" && cp "$D/zones/roll.zone" "$WORK/cand-nz"
sign_child 7 "$K1 $K2 $Z1" "$K1 $K2 $Z1" && cp "$D/zones/roll.zone" "$WORK/cand-both"
t_cmd "C preflight: dropping the old KSK's signature while its DS is served is refused" 2 \
	RC preflight --zone roll. --from "$C" --candidate "$WORK/cand-nz" -f json
t_eq "C preflight: rule R1, window open (the DS is still served)" \
	"$(json "$WORK/last.out" 'd["windows"][0]["rule"]+" "+str(d["windows"][0]["end"])')" "R1 None"
t_cmd "C preflight: keeping both signatures is safe" 0 \
	RC preflight --zone roll. --from "$C" --candidate "$WORK/cand-both"
root_ds "$K2"
cp "$WORK/cand-nz" "$D/zones/roll.zone" && reload child roll. 7 "$CH1" "$CH2"
snap_for "$C" 3
t_cmd "C: DS moved and the old KSK's signature dropped at once: bogus (exit 2)" 2 \
	RC check --zone roll. --from "$C" -f json
cp "$WORK/last.out" "$WORK/C.json"
t_eq "C: an R1 window: the old DS matches no key that signs the DNSKEY RRset" \
	"$(json "$WORK/C.json" '[w["rule"] for w in d["windows"] if not w["strict_only"]]')" "['R1']"
t_cmd "C: recover, while the old DS is cached" 2 RC recover --zone roll. --from "$C" -f json \
	--now "@$(json "$WORK/C.json" 'd["windows"][0]["start"]')"
# The parent already serves the new DS: waiting for the old one to expire is
# faster than any change to the zone (tests/unit/test_rollover.c covers the
# case where the key must be signed with again).
t_eq "C: recover: a DS mismatch that heals by itself, sooner than a fix" \
	"$(json "$WORK/last.out" 'd["case"]+" "+str(d["healed"] == d["unaided"] and d["unaided"] is not None)')" \
	"ds-mismatch True"

# ---- D: a safe double-DS KSK rollover --------------------------------------------------
Dd=$WORK/D
child_state 8 "$K2 $Z1" "$K2 $Z1"
snap_for "$Dd" 2
root_ds "$K2 $K3"
snap_for "$Dd" "$WAIT"
child_state 9 "$K3 $Z1" "$K3 $Z1"
snap_for "$Dd" "$WAIT"
root_ds "$K3"
snap_for "$Dd" 3
t_cmd "D: the double-DS KSK rollover was safe (exit 0)" 0 RC check --zone roll. --from "$Dd" -f json
t_eq "D: verdict safe" "$(json "$WORK/last.out" 'd["verdict"]')" safe

# ---- E: CDS published, the parent never updates ---------------------------------------------
E=$WORK/E
child_state 10 "$K3 $K4 $Z1" "$K3 $K4 $Z1" "$K4"
snap_for "$E" 3
t_cmd "E: waiting on the parent longer than --stuck-after 1s: a warning (exit 1)" 1 \
	RC check --zone roll. --from "$E" --stuck-after 1s -f json
t_grep "E: ROLLOVER_DS_NOT_UPDATED" '"code": "ROLLOVER_DS_NOT_UPDATED"' "$WORK/last.out"
t_cmd "E: within the default threshold: not stuck (exit 0)" 0 RC check --zone roll. --from "$E" -f json
t_nogrep "E: no ROLLOVER_DS_NOT_UPDATED" 'ROLLOVER_DS_NOT_UPDATED' "$WORK/last.out"
t_grep "E: the next step waits on the parent" 'the parent should publish the DS RRset' "$WORK/last.out"

# ---- plan from a snapshot --------------------------------------------------------------------------
t_cmd "plan --from: TTLs as served" 0 RC plan --zone roll. --kind ksk --method double-ds \
	--from "$(ls "$E"/*.json | tail -1)" --registration-delay 1h -f json
t_eq "plan: TTLkey and TTLds served (2 s), Dreg from the option" \
	"$(json "$WORK/last.out" '",".join(str(d["parameters"][p]["seconds"])+d["parameters"][p]["source"] for p in ("TTLkey","TTLds","Dreg"))')" \
	"2served,2served,3600option"

# ---- bad input ---------------------------------------------------------------------------------------
t_cmd "a missing snapshot: exit 3" 3 RC check --zone roll. --from "$WORK/nothing.json"
t_grep "  with the file named" 'nothing.json' "$WORK/last.err"
t_cmd "a zone the snapshots did not probe: exit 3" 3 RC check --zone other. --from "$E"
t_grep "  said so" 'did not probe zone other\.' "$WORK/last.err"
printf '{"dnsvigil_snapshot": 1, "time": "x"}' > "$WORK/bad.json"
t_cmd "a malformed snapshot: exit 3" 3 RC check --zone roll. --from "$WORK/bad.json"
t_cmd "an unknown method for the kind: exit 3" 3 RC plan --zone roll. --kind zsk --method double-ds
t_grep "  with the methods that apply" 'pre-publish or double-signature' "$WORK/last.err"
printf 'roll. 60 IN SOA x. y. 1 2 3 4 5\nbroken line here\n' > "$WORK/bad.zone"
t_cmd "preflight of a malformed zone file: exit 3" 3 \
	RC preflight --zone roll. --from "$E" --candidate "$WORK/bad.zone"
t_grep "  with file:line" 'bad.zone:2' "$WORK/last.err"

# ---- the synthetic history of the benchmark (bench/rollover-bench.sh) ------------------------
GEN=$(dirname "${DNSVIGIL_BIN:-$DNSVIGIL}")/tests/func/roll_series
if [ -x "$GEN" ]; then
	t_cmd "roll_series: 12 days with a careful ZSK rollover are safe" 0 "$GEN" --days 12
	t_grep "  verdict safe" '^verdict: safe' "$WORK/last.out"
	t_cmd "roll_series --unsafe: the old ZSK removed 10 minutes in is bogus" 1 "$GEN" --days 12 --unsafe
	t_grep "  an R3 window from 10 minutes after the switch (less one observation)" \
		'window \+950940s\.\.\+[0-9]+s R3 ' "$WORK/last.out"
else
	not_ok "roll_series not built next to $DNSVIGIL"
fi
