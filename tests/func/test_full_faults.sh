#!/usr/bin/env bash
# tests/func/test_full_faults.sh - whole copies (issue 13) when one server's
# transfers go wrong: xfrfault.lab. (tests/lab/lib/xfrfault.sh) is served by
# knotd and by tests/lab/xfrproxy.py, a relay to the same knotd that passes
# every answer unchanged except the transfers its mode damages (the mode is
# set here, in $LAB_XFRPROXY_MODE, and set back to "pass" at the end).
#   check --full: an AXFR cut partway or stalling (the idle timeout, 10 s)
#     on the relay is SERVER_XFR_FAILED on the relay alone, knotd's copy
#     still verified; a ZONEMD damaged in transfer is ZONEMD_MISMATCH on
#     the relay alone; each absent in pass.
#   watch with full: true, after real dynamic updates on knotd (knsupdate):
#     an IXFR that removes a record the relay's earlier copy did not hold is
#     SERVER_IXFR_MISMATCH on the relay, and the copy then taken by AXFR is
#     knotd's (one copy, no content difference; the findings of a fresh AXFR
#     verified whole); IXFR refused, not answered, or answered with the whole
#     zone (RFC 1995 §4): AXFR or the whole zone taken, no finding; no
#     transfer completing: SERVER_XFR_FAILED on the relay, cleared after; a
#     ZONEMD damaged in an IXFR: ZONEMD_MISMATCH on the relay's copy built
#     by IXFR, then SERVER_IXFR_MISMATCH and AXFR.
#   watch, a server that lags across restarts: the relay sends every query
#     to an NSD of the test's own serving knotd's copy from before an update
#     (mode "backend"): SERVERS_SERIAL_BEHIND on the relay, since when kept
#     in the store; after kill -9 and a start the same time and a longer lag;
#     a store without that time (an earlier version's) opens, the clock
#     starting anew; the relay back to knotd: cleared, and still clear after
#     another start.
# shellcheck source=tests/func/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/func/watch_lib.sh
. "$(dirname "$0")/watch_lib.sh" # events, last_event, wait_events of the store $S

need_lab
if [ -z "${LAB_XFRPROXY_MODE:-}" ] || [ -z "${LAB_XFR_PROXY:-}" ]; then
	not_ok "the lab has xfrfault.lab." "restart the lab (tests/lab/start.sh)"
	exit 0
fi
# The relay's mode is the lab's: two runs on one lab take turns.
exec 8> "$LAB_DIR/xfrproxy.lock"
if ! flock -w 300 8; then
	not_ok "xfrproxy lock" "another run held $LAB_DIR/xfrproxy.lock for 300 s"
	exit 0
fi
Z=xfrfault.lab.
P=$LAB_XFR_PROXY
K=$LAB_KNOT
PROXY_LOG=$LAB_DIR/log/xfrproxy.out
NOW=$(date -u +%Y%m%d%H%M%S)
CHECK=("$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" --trust-anchor "$LAB_ROOT_DS")
PIDS=()
ADDED=()
mode() { echo "$1" > "$LAB_XFRPROXY_MODE"; }
cleanup() {
	local p n
	mode pass
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	for n in "${ADDED[@]}"; do
		printf 'server %s\nzone %s\nupdate delete %s.%s TXT\nsend\n' "$K" "$Z" "$n" "$Z" | knsupdate > /dev/null 2>&1
	done
	dv_schema_report
}
trap cleanup EXIT

# servers FILE - "ADDRESS TRANSFER COPY" per server of the zone's copies
servers() {
	python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["full"][0]["servers"]:
    print(s["address"], s["transfer"], s.get("copy"))
' "$1"
}
# proxy_saw WHAT SINCE - the relay logged WHAT after line SINCE of its log
proxy_saw() { tail -n +$(($2 + 1)) "$PROXY_LOG" | grep -qF -- "$1"; }
proxy_lines() { wc -l < "$PROXY_LOG"; }

# ---------------------------------------------------------------- check --full

mode pass
t_cmd "check --full $Z, the relay passing transfers: clean (0)" 0 "${CHECK[@]}" --full --now "$NOW" -f json "$Z"
t_eq "... no finding" "$(triples "$WORK/last.out")" ""
t_eq "... knotd and the relay share one copy" "$(servers "$WORK/last.out" | sort)" "$K axfr 1
$P axfr 1"

mode axfr-cut
L=$(proxy_lines)
t_cmd "check --full, the relay cutting AXFR after half of message 1: warnings (1)" 1 \
	"${CHECK[@]}" --full --now "$NOW" -f json "$Z"
cp "$WORK/last.out" "$WORK/cut.json"
if proxy_saw "AXFR: axfr-cut" "$L"; then ok "... the relay did cut the AXFR"; else not_ok "... the relay did cut the AXFR" "$(tail -3 "$PROXY_LOG")"; fi
t_eq "... SERVER_XFR_FAILED on the relay, nothing else" "$(triples "$WORK/cut.json")" "SERVER_XFR_FAILED - - $P"
t_grep "... the detail says where it stopped" '"detail": "truncated: the connection closed after message 1, before the closing SOA"' "$WORK/cut.json"
t_eq "... knotd's copy transferred and verified; the relay's failed" "$(servers "$WORK/cut.json" | sort)" "$K axfr 1
$P failed None"
"${CHECK[@]}" --full --now "$NOW" "$Z" > "$WORK/cut.txt" 2>&1
t_grep "text report: the failed server in the copies section" "^  $P +failed " "$WORK/cut.txt"

mode axfr-stall
L=$(proxy_lines)
t_cmd "check --full, the relay stalling after half of AXFR message 1: warnings (1)" 1 \
	"${CHECK[@]}" --full --now "$NOW" -f json "$Z"
if proxy_saw "AXFR: axfr-stall" "$L"; then ok "... the relay did stall"; else not_ok "... the relay did stall" "$(tail -3 "$PROXY_LOG")"; fi
t_eq "... SERVER_XFR_FAILED on the relay, nothing else" "$(triples "$WORK/last.out")" "SERVER_XFR_FAILED - - $P"
t_grep "... a timeout, said so" '"failure": "timeout"' "$WORK/last.out"
t_eq "... knotd's copy transferred and verified" "$(servers "$WORK/last.out" | sort)" "$K axfr 1
$P failed None"

mode zonemd-bad
t_cmd "check --full, the relay changing the ZONEMD digest in transfer: errors (2)" 2 \
	"${CHECK[@]}" --full --now "$NOW" -f json "$Z"
triples "$WORK/last.out" > "$WORK/zonemd.triples"
t_grep "... ZONEMD_MISMATCH on the relay's copy" "^ZONEMD_MISMATCH $Z ZONEMD $P$" "$WORK/zonemd.triples"
t_nogrep "... no verification finding names knotd" "^(ZONEMD|RRSIG|NSEC|DNSKEY)[A-Z_]* .* $K(,|$)" "$WORK/zonemd.triples"
# two servers, two contents at one serial: which one differs from "the
# majority" is a tie (doc/check.md), so either may be named
t_grep "... the copies differ at one serial (SERVERS_CONTENT_DIFFER)" "^SERVERS_CONTENT_DIFFER $Z ZONEMD ($K|$P)$" "$WORK/zonemd.triples"
t_eq "... two copies (knotd's, the relay's), both transferred" \
	"$(servers "$WORK/last.out" | awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }')/$(servers "$WORK/last.out" | awk '{ print $3 }' | sort -u | wc -l)" "2 axfr/2"
mode pass

# ---------------------------------------------------------------- watch, full: true

S=$WORK/state
full_config "$WORK/w.yaml" 1s "  - $Z"
serial() { kdig +short "@$K" "$Z" SOA | awk '{ print $3 }'; }
# change NAME - a real dynamic update on knotd (it signs it and keeps the
# ZONEMD); sets OLD and NEW to the serials before and after
change() {
	OLD=$(serial)
	printf 'server %s\nzone %s\nupdate add %s.%s 300 TXT "by knsupdate"\nsend\n' "$K" "$Z" "$1" "$Z" |
		knsupdate > "$WORK/knsupdate.out" 2>&1
	ADDED+=("$1")
	for _ in $(seq 1 40); do
		NEW=$(serial)
		[ "$NEW" != "$OLD" ] && return 0
		sleep 0.25
	done
	return 1
}
E="^$Z\|zone.copy\|"

"$DNSVIGIL" watch --config "$WORK/w.yaml" > "$WORK/watch.log" 2>&1 &
PIDS+=($!)
S0=$(serial)
if wait_events "$E$K\|copy\|\|$S0 axfr " 30 && wait_events "$E$P\|copy\|\|$S0 axfr " 30; then
	ok "watch: the first cycle took both copies by AXFR"
else
	not_ok "watch: the first cycle took both copies by AXFR" "$(events | tail -5)" "$(tail -5 "$WORK/watch.log")"
fi

# IXFR that does not apply: the relay flips a byte of the first record the
# difference removes (an RRSIG or an NSEC of the earlier serial).
mode ixfr-mismatch
L=$(proxy_lines)
change "mm-$$" || not_ok "knotd took the update" "$(cat "$WORK/knsupdate.out")"
if wait_events "$E$P\|copy\|$OLD\|$NEW axfr " 30 && wait_events "$E$K\|copy\|$OLD\|$NEW ixfr " 30; then
	ok "watch: knotd's IXFR applied; the relay's did not, its copy taken by AXFR"
else
	not_ok "watch: the relay's copy by AXFR after its IXFR" "$(events | grep zone.copy | tail -4)" "$(tail -5 "$WORK/watch.log")"
fi
if proxy_saw "ixfr-mismatch: changed the removed record" "$L"; then
	ok "... the relay changed a removed record"
else
	not_ok "... the relay changed a removed record" "$(tail -3 "$PROXY_LOG")"
fi
sleep 0.5
events > "$WORK/ev-mm"
delta() { grep -E "$E$1\|copy\|$OLD\|$NEW " "$WORK/ev-mm" | awk '{ print $(NF - 2), $(NF - 1), $NF }'; }
if [ -n "$(delta "$K")" ]; then
	t_eq "... the relay's AXFR differs from its earlier copy as knotd's IXFR did (+A -R ~C)" "$(delta "$P")" "$(delta "$K")"
else
	not_ok "... knotd's IXFR in the events" "$(grep zone.copy "$WORK/ev-mm" | tail -3)"
fi
t_grep "watch: SERVER_IXFR_MISMATCH raised on the relay" "^$Z\|finding.raised\|$P\|SERVER_IXFR_MISMATCH" "$WORK/ev-mm"
t_nogrep "... not on knotd" "^$Z\|finding.raised\|$K\|SERVER_IXFR_MISMATCH" "$WORK/ev-mm"
t_nogrep "... the copy taken by AXFR is knotd's: no content difference, no other finding" \
	"^$Z\|finding.raised\|[^|]*\|(SERVERS_|RRSIG|NSEC|ZONEMD|SERVER_XFR)" "$WORK/ev-mm"
# The relay's copy judged as a fresh AXFR of the zone verified whole.
"$DNSVIGIL" verify -q -f json --now "$NOW" --axfr "$K" --origin "$Z" > "$WORK/fresh.json"
python3 - "$S/watch.db" "$WORK/fresh.json" "$P" > "$WORK/mm.cmp" << 'EOF'
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT obs FROM zone_latest WHERE zone = 'xfrfault.lab.'").fetchone()
obs = json.loads(r[0]) if r else {}
copy = {s.get("address", s.get("addr")): s.get("copy", {}) for s in obs.get("servers", [])}
cols = [c[1] for c in db.execute("PRAGMA table_info(finding_open)")]
open_ = sorted({(d["code"], d["owner"]) for d in (dict(zip(cols, row)) for row in
                db.execute("SELECT * FROM finding_open")) if d.get("zone") == "xfrfault.lab."
                and not d["code"].startswith("SERVER_IXFR")})
d = json.load(open(sys.argv[2]))
fresh = sorted({(f["code"], f.get("owner")) for f in d["findings"]})
print("relay", copy.get(sys.argv[3], {}).get("serial"), "knotd", copy.get("127.53.1.1", {}).get("serial"))
print("watch", open_)
print("fresh", fresh)
print("same" if open_ == fresh else "differ")
EOF
t_grep "... the relay's copy is at knotd's serial" "^relay $NEW knotd $NEW$" "$WORK/mm.cmp"
t_grep "... the zone's findings are those of a fresh AXFR verified whole" '^same$' "$WORK/mm.cmp"
MM_AT=$(last_event)

# IXFR refused, IXFR not answered, IXFR answered with the whole zone.
for m in "ixfr-refuse:axfr:IXFR refused" "ixfr-drop:axfr:IXFR not answered" "ixfr-full:ixfr-axfr:IXFR answered with the whole zone"; do
	IFS=: read -r md how desc <<< "$m"
	mode "$md"
	L=$(proxy_lines)
	change "${md#ixfr-}-$$" || not_ok "knotd took the update" "$(cat "$WORK/knsupdate.out")"
	if wait_events "$E$P\|copy\|$OLD\|$NEW $how " 30 && wait_events "$E$K\|copy\|$OLD\|$NEW ixfr " 30; then
		ok "watch: $desc: the relay's copy at the new serial ($how)"
	else
		not_ok "watch: $desc: the relay's copy ($how)" "$(events | grep zone.copy | tail -4)" "$(tail -5 "$WORK/watch.log")"
	fi
	if proxy_saw "IXFR: $md" "$L"; then ok "... the relay did so"; else not_ok "... the relay did so ($md)" "$(tail -3 "$PROXY_LOG")"; fi
done
sleep 0.5
events "$MM_AT" > "$WORK/ev-fb"
t_nogrep "watch: after the fallbacks, no finding raised" "^$Z\|finding.raised\|" "$WORK/ev-fb"
# (cleared by the first cycle after the mismatch, perhaps before MM_AT)
events > "$WORK/ev-all"
t_grep "... and the IXFR mismatch cleared on the relay" "^$Z\|finding.cleared\|$P\|SERVER_IXFR_MISMATCH" "$WORK/ev-all"

# No transfer from the relay completes (IXFR not answered, AXFR cut): the
# daemon's SERVER_XFR_FAILED on the relay alone; back to pass, it clears and
# the relay's copy follows again.
CUT_AT=$(last_event)
mode xfr-cut
L=$(proxy_lines)
change "cut-$$" || not_ok "knotd took the update" "$(cat "$WORK/knsupdate.out")"
if wait_events "^$Z\|finding.raised\|$P\|SERVER_XFR_FAILED" 30; then
	ok "watch: no transfer completes from the relay: SERVER_XFR_FAILED on it"
else
	not_ok "watch: SERVER_XFR_FAILED on the relay" "$(events "$CUT_AT" | tail -4)" "$(tail -5 "$WORK/watch.log")"
fi
if proxy_saw "IXFR: ixfr-drop" "$L" && proxy_saw "AXFR: axfr-cut" "$L"; then
	ok "... the relay dropped the IXFR and cut the AXFR"
else
	not_ok "... the relay dropped the IXFR and cut the AXFR" "$(tail -3 "$PROXY_LOG")"
fi
t_grep "... knotd's copy went on by IXFR" "$E$K\|copy\|$OLD\|$NEW ixfr " <(events "$CUT_AT")
mode pass
if wait_events "^$Z\|finding.cleared\|$P\|SERVER_XFR_FAILED" 30 && wait_events "$E$P\|copy\|[0-9]*\|$NEW " 30; then
	ok "watch: the relay passing again: SERVER_XFR_FAILED cleared, its copy at knotd's serial"
else
	not_ok "watch: the relay passing again" "$(events "$CUT_AT" | tail -4)"
fi
sleep 0.5
events "$CUT_AT" > "$WORK/ev-cut"
t_eq "... no other finding raised meanwhile" "$(grep -E "^$Z\|finding.raised\|" "$WORK/ev-cut" | cut -d'|' -f3,4 | cut -d' ' -f1)" "$P|SERVER_XFR_FAILED"

# A ZONEMD damaged in an IXFR: the copy built from it is judged by the
# incremental verification, ZONEMD_MISMATCH on the relay alone; the next
# difference (unchanged) removes the good ZONEMD the relay's copy does not
# hold: SERVER_IXFR_MISMATCH, the copy by AXFR, ZONEMD_MISMATCH cleared.
ZM_AT=$(last_event)
mode ixfr-zonemd
L=$(proxy_lines)
change "zm-$$" || not_ok "knotd took the update" "$(cat "$WORK/knsupdate.out")"
if wait_events "$E$P\|copy\|$OLD\|$NEW ixfr " 30 && wait_events "^$Z\|finding.raised\|$P\|ZONEMD_MISMATCH" 30; then
	ok "watch: a ZONEMD damaged in the relay's IXFR: ZONEMD_MISMATCH on the relay's copy built by IXFR"
else
	not_ok "watch: ZONEMD_MISMATCH on the relay's IXFR copy" "$(events "$ZM_AT" | tail -4)" "$(tail -5 "$WORK/watch.log")"
fi
if proxy_saw "ixfr-zonemd: changed the added ZONEMD" "$L"; then
	ok "... the relay changed the ZONEMD the difference adds"
else
	not_ok "... the relay changed the ZONEMD the difference adds" "$(tail -3 "$PROXY_LOG")"
fi
t_grep "... knotd's copy by IXFR" "$E$K\|copy\|$OLD\|$NEW ixfr " <(events "$ZM_AT")
t_nogrep "... no ZONEMD finding on knotd" "^$Z\|finding.raised\|$K\|ZONEMD" <(events "$ZM_AT")
mode pass
change "zm2-$$" || not_ok "knotd took the update" "$(cat "$WORK/knsupdate.out")"
if wait_events "$E$P\|copy\|$OLD\|$NEW axfr " 30 && wait_events "^$Z\|finding.cleared\|$P\|ZONEMD_MISMATCH" 30; then
	ok "watch: the next IXFR does not apply to the damaged copy: AXFR, ZONEMD_MISMATCH cleared"
else
	not_ok "watch: after the damaged ZONEMD, the relay's copy by AXFR" "$(events "$ZM_AT" | tail -4)"
fi
t_grep "... SERVER_IXFR_MISMATCH, naming the ZONEMD it removes" "^$Z\|finding.raised\|$P\|SERVER_IXFR_MISMATCH .*removes xfrfault.lab. ZONEMD" <(events "$ZM_AT")
python3 - "$S/watch.db" > "$WORK/final.copies" << 'EOF'
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT obs FROM zone_latest WHERE zone = 'xfrfault.lab.'").fetchone()
for s in json.loads(r[0]).get("servers", []) if r else []:
    print(s.get("address", s.get("addr")), s.get("copy", {}).get("serial"))
EOF
t_eq "... both copies at knotd's last serial" "$(sort "$WORK/final.copies")" "$K $NEW
$P $NEW"
kill "${PIDS[@]}" 2> /dev/null
wait 2> /dev/null
PIDS=()
t_nogrep "watch: no cycle failed" 'cycle failed|cycle: ' "$WORK/watch.log"
t_nogrep "no sanitizer report" 'Sanitizer|runtime error' "$WORK/watch.log"

# ---------------------------------------------------------------- watch, a server that lags, restarts
# The relay stands for an NSD of the test's own (LAG) serving the copy
# knotd served before a change: a server that lags.  Since when it lags is
# in the store, so a daemon killed (kill -9) and started again goes on with
# the same lag clock; once the server catches up the lag is cleared, and
# stays so across the next restart.
S=$WORK/state-lag
LAG=${LAB_XFR_LAGGARD:-127.53.6.2}
D=$WORK/lagtree
PORT=53
mkdir -p "$D/zones" "$D/run"
kdig "@$K" "$Z" AXFR +nocomments 2> /dev/null | grep -v '^;;' | grep . | sed '$d' > "$D/zones/lag.zone"
LAG_SERIAL=$(serial)
nsd_run lag "$LAG" 53 "zone:" "  name: $Z" "  zonefile: lag.zone" "  provide-xfr: 127.0.0.0/8 NOKEY"
if wait_serial "$LAG" "$Z" "$LAG_SERIAL"; then
	ok "lag: the test's NSD serves knotd's copy of serial $LAG_SERIAL"
else
	not_ok "lag: the test's NSD serves knotd's copy" "$(tail -3 "$D/run/nsd-lag.log" 2> /dev/null)"
fi
mode "backend $LAG"
# lag ADDR -> "BEHIND BEHIND_SINCE OBS_TIME" of ADDR's copy in the store's
# latest observation (BEHIND_SINCE 0: none); "LAG DETAIL" of its open
# SERVERS_SERIAL_BEHIND finding, if any
lag() {
	python3 -c '
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT obs FROM zone_latest WHERE zone = ?", (sys.argv[2],)).fetchone()
obs = json.loads(r[0]) if r else {}
for s in obs.get("servers", []):
    if s.get("addr") == sys.argv[3]:
        c = s.get("copy", {})
        print(c.get("behind", 0), c.get("behind_since", 0), obs.get("time", 0))
for d in db.execute("SELECT detail FROM finding_open WHERE zone = ? AND code = ? AND server = ?",
                    (sys.argv[2], "SERVERS_SERIAL_BEHIND", sys.argv[3])):
    print("LAG", d[0])
' "$S/watch.db" "$Z" "$1" 2> /dev/null
}
# obs_after T - until the zone's latest observation is of T or later
obs_after() {
	local i
	for ((i = 0; i < 120; i++)); do
		[ "$(lag "$P" | awk 'NR == 1 { print $3 }')" -ge "$1" ] 2> /dev/null && return 0
		sleep 0.25
	done
	return 1
}
full_config "$WORK/wl.yaml" 1s "  - $Z"
lag_start() {
	"$DNSVIGIL" watch --config "$WORK/wl.yaml" >> "$WORK/watch-lag.log" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
}
lag_start
wait_events "$E$P\|copy\|\|$LAG_SERIAL " 30 || not_ok "lag: the first cycle took the relay's copy" "$(events | tail -4)"
change "lag-$$" || not_ok "knotd took the update" "$(cat "$WORK/knsupdate.out")"
if wait_events "^$Z\|finding.raised\|$P\|SERVERS_SERIAL_BEHIND" 30; then
	ok "lag: knotd at $NEW, the relay's NSD still at $OLD: SERVERS_SERIAL_BEHIND on the relay"
else
	not_ok "lag: SERVERS_SERIAL_BEHIND on the relay" "$(events | tail -4)" "$(tail -5 "$WORK/watch-lag.log")"
fi
t_eq "lag: the NSD did not follow (its serial)" "$(serial_at "$LAG" "$Z")" "$OLD"
sleep 0.5
lag "$P" > "$WORK/lag1"
read -r B1 SINCE1 T1 < "$WORK/lag1"
[ "${SINCE1:-0}" -gt 0 ] 2> /dev/null || SINCE1=none # no time kept: the checks below fail
DETAIL1=$(sed -n 's/^LAG .*\(behind since [^ ]*\).*/\1/p' "$WORK/lag1")
t_eq "lag: the store keeps how far behind (knotd's serial minus the NSD's)" "${B1:-}" "$((NEW - OLD))"
if [ "$SINCE1" != none ] && [ "$SINCE1" -le "${T1:-0}" ]; then
	ok "lag: ... and since when ($SINCE1)"
else
	not_ok "lag: the store keeps since when the relay lags" "$(cat "$WORK/lag1")"
fi
t_grep "lag: the finding says since when, as the store's time" "^LAG .*behind since $(date -u -d "@${SINCE1/none/0}" +%Y-%m-%dT%H:%M:%SZ) " "$WORK/lag1"
# kill -9 a few seconds later, then start again on the same store
sleep 2
kill -9 "$DPID" 2> /dev/null
wait "$DPID" 2> /dev/null
sleep 3
R=$(date +%s)
lag_start
if obs_after "$R"; then
	ok "lag: after kill -9 and a start, a cycle observed the zone"
else
	not_ok "lag: a cycle after the restart" "$(tail -5 "$WORK/watch-lag.log")"
fi
sleep 0.5
lag "$P" > "$WORK/lag2"
read -r B2 SINCE2 T2 < "$WORK/lag2"
t_eq "lag: after the restart the relay is as far behind" "${B2:-}" "$((NEW - OLD))"
t_eq "lag: ... since the same time, not the restart's" "${SINCE2:-}" "$SINCE1"
if [ "$SINCE1" != none ] && [ "${SINCE2:-0}" -gt 0 ] && [ "$((T2 - SINCE2))" -ge "$((R - SINCE1))" ] &&
	[ "$((T2 - SINCE2))" -gt "$((T1 - SINCE1))" ]; then
	ok "lag: the lag grew across the restart ($((T1 - SINCE1)) s, then $((T2 - SINCE2)) s)"
else
	not_ok "lag: the lag grew across the restart" "before: $(cat "$WORK/lag1")" "after (restart at $R): $(cat "$WORK/lag2")"
fi
t_grep "lag: the finding's detail keeps the time (${DETAIL1:-none})" "^LAG .*${DETAIL1:-none} " "$WORK/lag2"
t_eq "lag: the finding was raised once, not again at the restart" "$(events | grep -cE "^$Z\|finding.raised\|$P\|SERVERS_SERIAL_BEHIND")" 1
# a store written before behind_since existed: the observation without it
# opens, and the clock starts again at the first cycle (not known before)
kill -9 "$DPID" 2> /dev/null
wait "$DPID" 2> /dev/null
python3 -c '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(o,) = db.execute("SELECT obs FROM zone_latest WHERE zone = ?", (sys.argv[2],)).fetchone()
obs = json.loads(o)
for s in obs["servers"]:
    s.get("copy", {}).pop("behind_since", None)
db.execute("UPDATE zone_latest SET obs = ? WHERE zone = ?", (json.dumps(obs), sys.argv[2]))
db.commit()
' "$S/watch.db" "$Z"
t_eq "lag: the store's observation made as an earlier version's (no behind_since)" "$(lag "$P" | head -1 | cut -d' ' -f2)" 0
sleep 1
R=$(date +%s)
lag_start
obs_after "$R" || not_ok "lag: a cycle after the start on the earlier store" "$(tail -5 "$WORK/watch-lag.log")"
sleep 0.5
lag "$P" > "$WORK/lag2b"
read -r B3 SINCE3 _ < "$WORK/lag2b"
if [ "${B3:-0}" = "$((NEW - OLD))" ] && [ "${SINCE3:-0}" -ge "$R" ]; then
	ok "lag: on that store the daemon runs, the lag clock starting at its first cycle"
else
	not_ok "lag: on an earlier store the clock starts at the first cycle (>= $R)" "$(cat "$WORK/lag2b")" "$(tail -3 "$WORK/watch-lag.log")"
fi
# the server catches up: the relay passes to knotd again
C_AT=$(last_event)
mode pass
if wait_events "^$Z\|finding.cleared\|$P\|SERVERS_SERIAL_BEHIND" 30; then
	ok "lag: the relay caught up (knotd behind it): SERVERS_SERIAL_BEHIND cleared"
else
	not_ok "lag: SERVERS_SERIAL_BEHIND cleared" "$(events "$C_AT" | tail -4)" "$(tail -5 "$WORK/watch-lag.log")"
fi
sleep 0.5
lag "$P" > "$WORK/lag3"
t_eq "lag: ... the store forgot since when" "$(head -1 "$WORK/lag3" | cut -d' ' -f1-2)" "0 0"
kill -9 "$DPID" 2> /dev/null
wait "$DPID" 2> /dev/null
sleep 1
R=$(date +%s)
C_AT=$(last_event)
lag_start
obs_after "$R" || not_ok "lag: a cycle after the second restart" "$(tail -5 "$WORK/watch-lag.log")"
sleep 1.5
lag "$P" > "$WORK/lag4"
t_eq "lag: after another restart the relay is not behind, no time kept" "$(head -1 "$WORK/lag4" | cut -d' ' -f1-2)/$(grep -c '^LAG' "$WORK/lag4")" "0 0/0"
t_nogrep "lag: ... and nothing raised again" "^$Z\|finding.raised\|$P\|SERVERS_SERIAL_BEHIND" <(events "$C_AT")
kill "${PIDS[@]}" 2> /dev/null
wait 2> /dev/null
PIDS=()
t_nogrep "lag: no cycle failed" 'cycle failed|cycle: ' "$WORK/watch-lag.log"
t_nogrep "lag: no sanitizer report" 'Sanitizer|runtime error' "$WORK/watch-lag.log"
exit 0
