#!/usr/bin/env bash
# tests/func/test_full.sh - whole copies of zones from real servers (issue 13),
# in the lab's copies.lab. (tests/lab/lib/copies.sh): knotd signing online,
# NSD and BIND secondaries, and NSDs serving a copy with one RRSIG corrupted
# deep in the zone, one with one record changed at the same serial, a stale
# one, one that transfers only with TSIG, one that refuses transfers.
#   verify --axfr: the same report and exit status as verify of the same
#     records in a file; refused, TSIG, unreachable, bad usage.
#   check --full: every server's copy transferred, verified and compared:
#     the broken signature and the changed record named with their servers,
#     the stale server's serial gap, refusals as info; identical copies held
#     and verified once.
#   watch with full: true: IXFR after real changes on knotd (knsupdate to
#     ixfr.lab., knotc zone-set to edits.lab.), among them a change that
#     breaks a signature (edits.lab., which knotd does not sign), caught
#     through IXFR; the findings equal those of a fresh AXFR verified whole;
#     each server's copy in the store's events (zone.copy).  The edit is
#     undone at the end, so the test can run again on the same lab.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/func/watch_lib.sh
. "$(dirname "$0")/watch_lib.sh" # events, last_event, wait_events of the store $S

need_lab
if [ -z "${LAB_COPIES_SERIAL:-}" ]; then
	not_ok "the lab has copies.lab." "restart the lab (tests/lab/start.sh)"
	exit 0
fi
NOW=$(date -u +%Y%m%d%H%M%S)
CHECK=("$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" --trust-anchor "$LAB_ROOT_DS")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2> /dev/null; done
	dv_schema_report
}
trap cleanup EXIT

# report_core FILE - a verify JSON report without what names its source
report_core() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("file", None)
print(json.dumps(d, sort_keys=True, indent=1))
' "$1"
}
# axfr_file ADDR ZONE FILE - the zone as kdig transfers it, as a zone file
axfr_file() {
	kdig "@$1" "$2" AXFR +nocomments "${@:4}" 2> /dev/null | grep -v '^;;' | grep . | sed '$d' > "$3"
}

# ---------------------------------------------------------------- verify --axfr

for srv in "knotd $LAB_KNOT 0" "badsig $LAB_COPY_BADSIG 2" "changed $LAB_COPY_CHANGED 2" "stale $LAB_COPY_STALE 0"; do
	set -- $srv
	t_cmd "verify --axfr from $1: exit $3" "$3" "$DNSVIGIL" verify -q --now "$NOW" -f json --axfr "$2" --origin copies.lab.
	cp "$WORK/last.out" "$WORK/axfr-$1.json"
	axfr_file "$2" copies.lab. "$WORK/file-$1.zone"
	t_cmd "verify of the same records in a file: exit $3" "$3" "$DNSVIGIL" verify -q --now "$NOW" -f json "$WORK/file-$1.zone"
	cp "$WORK/last.out" "$WORK/file-$1.json"
	if [ -s "$WORK/axfr-$1.json" ] && cmp -s <(report_core "$WORK/axfr-$1.json") <(report_core "$WORK/file-$1.json"); then
		ok "verify --axfr from $1: the report of the file, finding for finding"
	else
		not_ok "verify --axfr from $1: the report of the file" "$(diff <(report_core "$WORK/axfr-$1.json") <(report_core "$WORK/file-$1.json") | head -8)"
	fi
done
t_grep "the report names its source" '"file": "AXFR from 127.53.1.1"' "$WORK/axfr-knotd.json"
t_eq "knotd's copy: no finding" "$(triples "$WORK/axfr-knotd.json")" ""
t_eq "the corrupted RRSIG, deep in the zone" "$(triples "$WORK/axfr-badsig.json")" "RRSIG_INVALID host23.copies.lab. A -"
t_eq "the changed record: its signature no longer verifies" "$(triples "$WORK/axfr-changed.json")" "RRSIG_INVALID host11.copies.lab. A -"
t_grep "the stale copy is of the old serial" "\"serial\": $LAB_COPY_OLD_SERIAL|\"serial\": $LAB_COPIES_OLD_SERIAL" "$WORK/axfr-stale.json"

t_cmd "TSIG-only server without a key: could not judge (3)" 3 "$DNSVIGIL" verify -q --axfr "$LAB_COPY_TSIG" --origin copies.lab.
t_grep "... naming the refusal" 'AXFR from 127.53.5.4: refused: message 1: the server answered REFUSED' "$WORK/last.err"
t_cmd "TSIG-only server with BIND's key file: clean (0)" 0 "$DNSVIGIL" verify -q --now "$NOW" --axfr "$LAB_COPY_TSIG" --origin copies.lab. --tsig "$LAB_XFR_TSIG_BIND_KEY"
t_cmd "knotd's TSIG-only zone with Knot's key file: clean (0)" 0 "$DNSVIGIL" verify -q --now "$NOW" --axfr "$LAB_KNOT" --origin "$LAB_XFR_TSIG_ZONE" --tsig "$LAB_XFR_TSIG_KNOT_KEY"
t_cmd "a server that refuses transfers: 3" 3 "$DNSVIGIL" verify -q --axfr "$LAB_COPY_REFUSE" --origin copies.lab.
t_cmd "nothing listening: 3" 3 "$DNSVIGIL" verify -q --axfr "$LAB_DEAD" --origin copies.lab.
t_grep "... connection refused" 'network: connect: connection refused' "$WORK/last.err"
t_cmd "--axfr without --origin: bad usage (3)" 3 "$DNSVIGIL" verify --axfr "$LAB_KNOT"
t_grep "... saying so" 'needs --origin' "$WORK/last.err"
t_cmd "--axfr and a ZONEFILE: bad usage (3)" 3 "$DNSVIGIL" verify --axfr "$LAB_KNOT" --origin copies.lab. "$WORK/file-knotd.zone"
t_cmd "--tsig without --axfr: bad usage (3)" 3 "$DNSVIGIL" verify --tsig "$LAB_XFR_TSIG_BIND_KEY" "$WORK/file-knotd.zone"
printf 'key "old." {\n\talgorithm hmac-md5;\n\tsecret "CwsLCwsLCwsLCwsLCwsLCw==";\n};\n' > "$WORK/md5.key"
t_cmd "an hmac-md5 key: refused, could not judge (3)" 3 "$DNSVIGIL" verify --axfr "$LAB_KNOT" --origin copies.lab. --tsig "$WORK/md5.key"
t_grep "... RFC 8945 §6 named" 'md5.key: line [0-9]+: .*hmac-md5 is refused \(RFC 8945' "$WORK/last.err"
t_cmd "a zone the server does not have: 3" 3 "$DNSVIGIL" verify -q --axfr "$LAB_SEC_NSD" --origin nothere.lab.

# ---------------------------------------------------------------- check --full

t_cmd "check --full copies.lab.: errors (2)" 2 "${CHECK[@]}" --full --now "$NOW" -f json copies.lab.
cp "$WORK/last.out" "$WORK/full.json"
triples "$WORK/full.json" > "$WORK/full.triples"
expect_line() { # DESC LINE
	if grep -qxF -- "$2" "$WORK/full.triples"; then ok "$1"; else not_ok "$1" "no '$2' in" "$(cat "$WORK/full.triples")"; fi
}
expect_line "the corrupted RRSIG, on that server" "RRSIG_INVALID host23.copies.lab. A $LAB_COPY_BADSIG"
expect_line "the changed record's signature, on that server" "RRSIG_INVALID host11.copies.lab. A $LAB_COPY_CHANGED"
expect_line "the corrupted RRSIG's server holds other data at the serial" "SERVERS_CONTENT_DIFFER host23.copies.lab. A $LAB_COPY_BADSIG"
expect_line "the changed record's server holds other data at the serial" "SERVERS_CONTENT_DIFFER host11.copies.lab. A $LAB_COPY_CHANGED"
expect_line "the stale server is behind" "SERVERS_SERIAL_BEHIND copies.lab. SOA $LAB_COPY_STALE"
expect_line "the TSIG-only server refuses (info)" "SERVER_XFR_REFUSED - - $LAB_COPY_TSIG"
expect_line "the refusing server refuses (info)" "SERVER_XFR_REFUSED - - $LAB_COPY_REFUSE"
t_eq "no other whole-copy finding (and none on the good servers)" \
	"$(grep -E '^(RRSIG_|SERVERS_CONTENT|SERVERS_SERIAL_BEHIND|SERVER_XFR|NSEC)' "$WORK/full.triples" | wc -l)" 7
python3 - "$WORK/full.json" > "$WORK/full.copies" << 'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["full"][0]
for s in f["servers"]:
    print("server", s["address"], s["transfer"], s.get("copy"), s.get("serial"), s.get("serials_behind", 0))
for c in f["copies"]:
    print("copy", c["copy"], c["serial"], c["servers"], c["verified"], c["errors"])
EOF
t_eq "knotd, NSD and BIND share one copy, verified once" \
	"$(awk '$1 == "server" && ($2 == "'"$LAB_KNOT"'" || $2 == "'"$LAB_SEC_NSD"'" || $2 == "'"$LAB_SEC_BIND"'") { print $4 }' "$WORK/full.copies" | sort -u | wc -l)" 1
good=$(awk '$1 == "server" && $2 == "'"$LAB_KNOT"'" { print $4 }' "$WORK/full.copies")
t_eq "... that copy has three servers and no error" "$(awk '$1 == "copy" && $2 == "'"$good"'" { print $4, $6, $3 }' "$WORK/full.copies")" "3 0 $LAB_COPIES_SERIAL"
t_eq "four copies in all (good, stale, badsig, changed)" "$(grep -c '^copy ' "$WORK/full.copies")" 4
t_grep "the stale server: seven... or however many serials behind, counted" "^server $LAB_COPY_STALE axfr [0-9]+ $LAB_COPIES_OLD_SERIAL $((LAB_COPIES_SERIAL - LAB_COPIES_OLD_SERIAL))$" "$WORK/full.copies"
t_grep "the refusals in the table" "^server $LAB_COPY_REFUSE refused None" "$WORK/full.copies"
"${CHECK[@]}" --full --now "$NOW" copies.lab. > "$WORK/full.txt" 2>&1
t_grep "text report: the copies section" "^zone copies of copies.lab." "$WORK/full.txt"
t_grep "text report: the content difference names both sides" "host23.copies.lab. A: serial $LAB_COPIES_SERIAL: 1 record only here, 1 only at " "$WORK/full.txt"

t_cmd "check --full healthy.lab.: clean (0)" 0 "${CHECK[@]}" --full --now "$NOW" -f json healthy.lab.
t_eq "healthy.lab.: no finding" "$(triples "$WORK/last.out")" ""
# With a key every transfer is signed: servers that do not take it refuse.
t_cmd "check --full --tsig: warnings only (1: the broken copies refuse signed requests)" 1 \
	"${CHECK[@]}" --full --now "$NOW" -f json --tsig "$LAB_XFR_TSIG_BIND_KEY" copies.lab.
cp "$WORK/last.out" "$WORK/tsig.json"
triples "$WORK/tsig.json" > "$WORK/tsig.triples"
t_nogrep "... the TSIG-only server is not refused any more" "SERVER_XFR_REFUSED - - $LAB_COPY_TSIG" "$WORK/tsig.triples"
t_grep "... its copy transferred, at the serial" "\"address\": \"$LAB_COPY_TSIG\",[^}]*\"transfer\": \"axfr\", \"copy\": [0-9]+, \"serial\": $LAB_COPIES_SERIAL" \
	<(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["full"][0]["servers"]))' "$WORK/tsig.json")
t_grep "... servers without the key refuse (knotd: BADKEY)" "SERVER_XFR_REFUSED - - $LAB_KNOT" "$WORK/tsig.triples"
t_cmd "--full with --from: bad usage (3)" 3 "${CHECK[@]}" --full --from "$WORK/full.json"
t_cmd "--tsig without --full: bad usage (3)" 3 "${CHECK[@]}" --tsig "$LAB_XFR_TSIG_BIND_KEY" copies.lab.

# ---------------------------------------------------------------- watch, full: true, IXFR

S=$WORK/state
full_config "$WORK/w.yaml" 10s "  - copies.lab." "  - ixfr.lab." "  - edits.lab."
KC=$LAB_DIR/knot/knot.conf
"$DNSVIGIL" watch --config "$WORK/w.yaml" > "$WORK/watch.log" 2>&1 &
PIDS+=($!)
if wait_events "^copies.lab.\|zone.copy\|$LAB_KNOT\|copy\|\|[0-9]+ axfr " 30 &&
	wait_events "^ixfr.lab.\|zone.copy\|$LAB_KNOT\|" 30 &&
	wait_events "^edits.lab.\|zone.copy\|$LAB_KNOT\|" 30; then
	ok "watch: the first cycle transferred every copy (zone.copy events)"
else
	not_ok "watch: the first cycle transferred every copy" "$(events | tail -5)" "$(tail -5 "$WORK/watch.log")"
fi
events > "$WORK/ev1"
t_grep "watch: the corrupted RRSIG raised, on its server" "^copies.lab.\|finding.raised\|$LAB_COPY_BADSIG\|RRSIG_INVALID host23.copies.lab." "$WORK/ev1"
t_grep "watch: the stale server's copy, at its serial" "^copies.lab.\|zone.copy\|$LAB_COPY_STALE\|copy\|\|$LAB_COPIES_OLD_SERIAL axfr" "$WORK/ev1"
t_nogrep "watch: www.edits.lab. has no finding yet" "^edits.lab.\|finding.raised\|[^|]*\|[A-Z_]+ www.edits.lab." "$WORK/ev1"

# A real dynamic update on knotd (it signs it), and a change knotd does not sign.
E0=$(kdig +short "@$LAB_KNOT" edits.lab. SOA | awk '{ print $3 }')
C0=$(kdig +short "@$LAB_KNOT" ixfr.lab. SOA | awk '{ print $3 }')
printf 'server %s\nzone ixfr.lab.\nupdate add upd-%s.ixfr.lab. 300 TXT "by knsupdate"\nsend\n' "$LAB_KNOT" "$$" |
	knsupdate > "$WORK/knsupdate.out" 2>&1
t_eq "knsupdate to knotd accepted" "$?" 0
knotc -c "$KC" zone-begin edits.lab. > /dev/null && knotc -c "$KC" zone-unset edits.lab. www A > /dev/null &&
	knotc -c "$KC" zone-set edits.lab. www 300 A 127.53.200.99 > /dev/null &&
	knotc -c "$KC" zone-commit edits.lab. > /dev/null
t_eq "knotc changed www.edits.lab. (its RRSIG left as it was)" "$?" 0
for _ in $(seq 1 40); do
	E1=$(kdig +short "@$LAB_KNOT" edits.lab. SOA | awk '{ print $3 }')
	C1=$(kdig +short "@$LAB_KNOT" ixfr.lab. SOA | awk '{ print $3 }')
	[ "$E1" != "$E0" ] && [ "$C1" != "$C0" ] && break
	sleep 0.25
done
if wait_events "^edits.lab.\|zone.copy\|$LAB_KNOT\|copy\|$E0\|$E1 ixfr " 30 &&
	wait_events "^ixfr.lab.\|zone.copy\|$LAB_KNOT\|copy\|$C0\|$C1 ixfr " 30; then
	ok "watch: the next cycle took both changes by IXFR from knotd's serials"
else
	not_ok "watch: the changes by IXFR" "$(events | grep zone.copy | tail -6)" "$(tail -5 "$WORK/watch.log")"
fi
sleep 1
events > "$WORK/ev2"
# one name added: its TXT and NSEC RRsets; the SOA, the ZONEMD and the NSEC
# before it changed
t_grep "watch: the knsupdate in knotd's IXFR: +2 RRsets (TXT, NSEC), ~3 (SOA, ZONEMD, NSEC before)" "^ixfr.lab.\|zone.copy\|$LAB_KNOT\|copy\|$C0\|$C1 ixfr \+2 -0 ~3$" "$WORK/ev2"
t_grep "ixfr.lab. carries a ZONEMD (knotd's)" "^$C1 1 1 " <(kdig +short "@$LAB_KNOT" ixfr.lab. ZONEMD)
t_nogrep "watch: the copies of ixfr.lab. kept by IXFR match its ZONEMD (no ZONEMD finding)" "^ixfr.lab.\|finding.raised\|[^|]*\|ZONEMD" "$WORK/ev2"
t_grep "watch: the broken signature raised through IXFR" "^edits.lab.\|finding.raised\|$LAB_KNOT\|RRSIG_INVALID www.edits.lab. 1 " "$WORK/ev2"
t_grep "watch: the edit in knotd's IXFR: the A and the SOA changed (~2)" "^edits.lab.\|zone.copy\|$LAB_KNOT\|copy\|$E0\|$E1 ixfr \+0 -0 ~2$" "$WORK/ev2"
# The copy kept by IXFR is judged as a fresh AXFR of it: the same findings.
"$DNSVIGIL" verify -q -f json --axfr "$LAB_KNOT" --origin edits.lab. > "$WORK/edits-axfr.json"
python3 - "$S/watch.db" "$WORK/edits-axfr.json" > "$WORK/edits.cmp" << 'EOF'
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
cols = [r[1] for r in db.execute("PRAGMA table_info(finding_open)")]
rows = db.execute("SELECT * FROM finding_open").fetchall()
watch = sorted({(dict(zip(cols, r))["code"], dict(zip(cols, r))["owner"], dict(zip(cols, r))["type"])
                for r in rows if dict(zip(cols, r)).get("zone") == "edits.lab."
                and dict(zip(cols, r))["code"].startswith(("RRSIG", "NSEC", "DNSKEY", "DS_", "ZONEMD"))})
d = json.load(open(sys.argv[2]))
types = {"A": 1, "SOA": 6, "NSEC": 47, "TXT": 16, "MX": 15, "NS": 2, "DNSKEY": 48}
axfr = sorted({(f["code"], f["owner"], types.get(f.get("type"), f.get("type")))
               for f in d["findings"] if not f["code"].startswith("RRSIG_EXPIRES")})
print("watch", watch)
print("axfr ", axfr)
print("same" if [(c, o, t) for c, o, t in watch] == [(c, o, t) for c, o, t in axfr] else "differ")
EOF
t_grep "watch: edits.lab. after IXFR has the findings of a fresh AXFR verified whole" '^same$' "$WORK/edits.cmp"
t_grep "... among them the broken signature" "RRSIG_INVALID', 'www.edits.lab.'" "$WORK/edits.cmp"
t_grep "watch: the NSD secondary followed (it answers IXFR with the whole zone)" "^ixfr.lab.\|zone.copy\|$LAB_SEC_NSD\|copy\|$C0\|$C1 ixfr-axfr " "$WORK/ev2"
t_grep "watch: the BIND secondary followed by IXFR" "^ixfr.lab.\|zone.copy\|$LAB_SEC_BIND\|copy\|$C0\|$C1 ixfr " "$WORK/ev2"
t_nogrep "watch: no cycle failed" 'cycle failed|cycle: ' "$WORK/watch.log"
# copies.lab. did not change: its copies are judged again each cycle (at
# the cycle's time), their findings kept, not cleared.
copy_how() { # ZONE ADDR - how the last cycle had ADDR's copy
	python3 -c '
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT obs FROM zone_latest WHERE zone = ?", (sys.argv[2],)).fetchone()
for s in json.loads(r[0]).get("servers", []) if r else []:
    if s.get("address", s.get("addr")) == sys.argv[3]:
        print(s.get("copy", {}).get("transfer", "-"))
' "$S/watch.db" "$1" "$2" 2> /dev/null
}
for _ in $(seq 1 80); do
	[ "$(copy_how copies.lab. "$LAB_KNOT")" = up-to-date ] && break
	sleep 0.25
done
t_eq "watch: a later cycle of copies.lab.: knotd's IXFR says up to date" "$(copy_how copies.lab. "$LAB_KNOT")" up-to-date
events > "$WORK/ev3"
t_nogrep "watch: the unchanged copies keep their findings (not cleared)" "^copies.lab.\|finding.cleared\|" "$WORK/ev3"
t_grep "watch: without a key the TSIG-only server refuses (info)" "^copies.lab.\|finding.raised\|$LAB_COPY_TSIG\|SERVER_XFR_REFUSED " "$WORK/ev3"
kill "${PIDS[@]}" 2> /dev/null
wait 2> /dev/null

# ---------------------------------------------------------------- watch, full: true, tsig:
# The key signs every transfer of the zone (as check --full --tsig does): the
# TSIG-only server's copy is transferred, the servers without the key refuse.
S=$WORK/state-tsig
full_config "$WORK/wt.yaml" 10s "  - name: copies.lab." "    tsig: $LAB_XFR_TSIG_BIND_KEY"
t_cmd "watch --check-config: tsig: with BIND's key file is good (0)" 0 "$DNSVIGIL" watch --config "$WORK/wt.yaml" --check-config
"$DNSVIGIL" watch --config "$WORK/wt.yaml" > "$WORK/watch-tsig.log" 2>&1 &
PIDS=($!)
if wait_events "^copies.lab.\|zone.copy\|$LAB_COPY_TSIG\|copy\|\|$LAB_COPIES_SERIAL axfr " 30; then
	ok "watch, tsig: the TSIG-only server's copy transferred (zone.copy, axfr)"
else
	not_ok "watch, tsig: the TSIG-only server's copy transferred" "$(events | tail -5)" "$(tail -5 "$WORK/watch-tsig.log")"
fi
wait_events "^copies.lab.\|finding.raised\|$LAB_KNOT\|SERVER_XFR_REFUSED " 20
events > "$WORK/evt"
t_nogrep "watch, tsig: ... and not refused" "^copies.lab.\|finding.raised\|$LAB_COPY_TSIG\|SERVER_XFR_REFUSED " "$WORK/evt"
t_grep "watch, tsig: knotd, without the key, refuses signed requests (BADKEY)" "^copies.lab.\|finding.raised\|$LAB_KNOT\|SERVER_XFR_REFUSED " "$WORK/evt"
kill "${PIDS[@]}" 2> /dev/null
wait 2> /dev/null
t_nogrep "watch, tsig: no sanitizer report" 'Sanitizer|runtime error' "$WORK/watch-tsig.log"
# a key that cannot sign is a configuration error, with file:line
sed "s|tsig: .*|tsig: $WORK/md5.key|" "$WORK/wt.yaml" > "$WORK/wt-md5.yaml"
"$DNSVIGIL" watch --config "$WORK/wt-md5.yaml" --check-config > "$WORK/wt.out" 2>&1
t_eq "watch --check-config: an hmac-md5 key: could not start (3)" "$?" 3
t_grep "... naming the config line and RFC 8945" 'wt-md5.yaml:[0-9]+: tsig: .*md5.key: .*hmac-md5 is refused \(RFC 8945' "$WORK/wt.out"
sed "s|tsig: .*|tsig: $WORK/no-such.key|" "$WORK/wt.yaml" > "$WORK/wt-none.yaml"
"$DNSVIGIL" watch --config "$WORK/wt-none.yaml" --check-config > "$WORK/wt.out" 2>&1
t_eq "watch --check-config: a missing key file: could not start (3)" "$?" 3
t_grep "... naming the config line and the file" 'wt-none.yaml:[0-9]+: tsig: .*no-such.key' "$WORK/wt.out"
sed "s|    tsig: .*|    tsig_name: xfr-bind.lab.|" "$WORK/wt.yaml" > "$WORK/wt-name.yaml"
"$DNSVIGIL" watch --config "$WORK/wt-name.yaml" --check-config > "$WORK/wt.out" 2>&1
t_eq "watch --check-config: tsig_name without tsig: could not start (3)" "$?" 3
t_grep "... saying so" 'wt-name.yaml:[0-9]+: tsig_name without tsig' "$WORK/wt.out"
# Undo the edit: www's own signature verifies again (the SOA's stays stale).
knotc -c "$KC" zone-begin edits.lab. > /dev/null && knotc -c "$KC" zone-unset edits.lab. www A > /dev/null &&
	knotc -c "$KC" zone-set edits.lab. www 300 A 127.53.200.2 > /dev/null &&
	knotc -c "$KC" zone-commit edits.lab. > /dev/null
t_eq "the edit undone" "$?" 0
t_nogrep "no sanitizer report" 'Sanitizer|runtime error' "$WORK/watch.log"
exit 0
