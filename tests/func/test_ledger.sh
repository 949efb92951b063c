#!/usr/bin/env bash
# tests/func/test_ledger.sh - the ledger through the binary: 'dnsvigil log'
# append/show/verify/prove, a real 'dnsvigil witness' on 127.0.0.1 beside a
# writer pushing checkpoints (rollback, fork and a stolen key refused:
# tamper cases 7, 8, 13), the sqlite3 shell dropping the triggers (case 15),
# and a writer killed with SIGKILL at random moments (case 16).
. "$(dirname "$0")/lib.sh"

D=$DNSVIGIL
WRITER=${LEDGER_WRITER:-$(dirname "${DNSVIGIL_BIN:-$DNSVIGIL}")/tests/func/ledger_writer}
L=$WORK/log
ORIGIN=test.example/ledger
NOW=@1764759600

# ---- append, show, verify, prove without a witness
t_cmd "append creates the ledger" 0 "$D" log append -d "$L" --log-origin "$ORIGIN" \
	--kind operator.note --zone example. --text "first note" --now "$NOW"
t_grep "append says which entry" '^entry 0 appended' "$WORK/last.out"
t_eq "the key file is private" "$(stat -c %a "$L/ledger.key")" 600
t_grep "the public key is a C2SP vkey" "^test\.example/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$" "$L/ledger.pub"
for i in 1 2 3 4; do
	"$D" log append -d "$L" --kind zone.serial --zone "z$((i % 2)).example." \
		--evidence "{\"old\":$i,\"new\":$((i + 1))}" --now "@$((1764759600 + i))" > /dev/null
done
t_cmd "append without --kind: could not judge" 3 "$D" log append -d "$L" --text x
t_cmd "append with bad evidence" 3 "$D" log append -d "$L" --kind k --evidence '[1]'
t_cmd "append with a real number" 3 "$D" log append -d "$L" --kind k --evidence '{"a":1.5}'
t_cmd "append with another origin" 3 "$D" log append -d "$L" --kind k --log-origin other.example/x
t_cmd "... under the deprecated name --origin too" 3 "$D" log append -d "$L" --kind k --origin other.example/x
t_cmd "show" 0 "$D" log show -d "$L"
t_eq "show lists 5 entries" "$(wc -l < "$WORK/last.out")" 5
t_grep "show: time kind zone evidence" '^0  2025-12-03T11:00:00Z  operator\.note  example\.  \{"text":"first note"\}$' "$WORK/last.out"
t_cmd "show --zone" 0 "$D" log show -d "$L" --zone z1.example.
t_eq "two entries of z1" "$(wc -l < "$WORK/last.out")" 2
t_cmd "show --kind --since --format json" 0 "$D" log show -d "$L" --kind zone.serial \
	--since @1764759603 --format json
t_eq "json: entries 3 and 4" "$(python3 -c 'import json,sys; print([e["index"] for e in json.load(open(sys.argv[1]))["entries"]])' "$WORK/last.out")" "[3, 4]"
t_cmd "verify without a witness: a warning" 1 "$D" log verify -d "$L"
t_grep "the tail is unanchored" 'unanchored: 5 entries unanchored since entry 0 \(2025-12-03T11:00:00Z\)' "$WORK/last.out"
t_cmd "verify --nagios" 1 "$D" log verify -d "$L" --nagios
t_grep "nagios line" '^DNSVIGIL LEDGER WARNING - .*\| entries=5 unanchored=5' "$WORK/last.out"
t_cmd "verify --format json" 1 "$D" log verify -d "$L" --format json
t_eq "json status" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["size"], d["checkpoints"], d["problems"][0]["code"])' "$WORK/last.out")" "warning 5 5 unanchored"
t_cmd "verify a missing ledger: could not judge" 3 "$D" log verify -d "$WORK/none"
t_cmd "verify --nagios, missing ledger: UNKNOWN" 3 "$D" log verify -d "$WORK/none" --nagios
t_grep "nagios UNKNOWN line" '^DNSVIGIL LEDGER UNKNOWN - ' "$WORK/last.out"
t_cmd "an unknown option" 3 "$D" log verify -d "$L" --bogus

t_cmd "prove --entry" 0 "$D" log prove -d "$L" --entry 2
cp "$WORK/last.out" "$WORK/proof2"
t_grep "a C2SP tlog-proof" '^c2sp\.org/tlog-proof@v1$' "$WORK/proof2"
t_cmd "a third party checks it with the public key only" 0 "$D" log verify --proof "$WORK/proof2" --log-key "$(cat "$L/ledger.pub")"
sed 's/^index 2$/index 3/' "$WORK/proof2" > "$WORK/proof2bad"
t_cmd "the proof for another index fails" 2 "$D" log verify --proof "$WORK/proof2bad" --log-key "$L/ledger.pub"
"$D" witness --new-key other.example/k --key "$WORK/otherw.key" > /dev/null
t_cmd "prove --consistency" 0 "$D" log prove -d "$L" --consistency 2 5
cp "$WORK/last.out" "$WORK/cons"
sqlite3 "$L/ledger.db" "SELECT note FROM checkpoint WHERE size = 2" > "$WORK/cp2"
sqlite3 "$L/ledger.db" "SELECT note FROM checkpoint WHERE size = 3" > "$WORK/cp3"
t_cmd "consistency checked against the old checkpoint" 0 "$D" log verify --proof "$WORK/cons" --log-key "$L/ledger.pub" --checkpoint "$WORK/cp2"
t_cmd "and against another one it fails (--key: the deprecated name)" 2 "$D" log verify --proof "$WORK/cons" --key "$L/ledger.pub" --checkpoint "$WORK/cp3"
t_cmd "prove an entry past the last checkpoint" 3 "$D" log prove -d "$L" --entry 99

# ---- case 15: the sqlite3 shell drops the triggers, then UPDATEs
cp -a "$L" "$WORK/t15"
sqlite3 "$WORK/t15/ledger.db" "UPDATE leaf SET body = body WHERE idx = 1" 2> "$WORK/t15.err"
t_grep "the trigger stops an accidental UPDATE" 'append-only' "$WORK/t15.err"
sqlite3 "$WORK/t15/ledger.db" "DROP TRIGGER leaf_no_update; UPDATE leaf SET body = replace(body, '\"new\":2', '\"new\":9') WHERE idx = 1"
t_cmd "after DROP TRIGGER and UPDATE: tampering found" 2 "$D" log verify -d "$WORK/t15"
t_grep "the changed entry is named" 'leaf_hash_mismatch: entry 1 ' "$WORK/last.out"
t_cmd "nagios CRITICAL" 2 "$D" log verify -d "$WORK/t15" --nagios
t_grep "CRITICAL line" '^DNSVIGIL LEDGER CRITICAL - ' "$WORK/last.out"

# ---- a real witness on 127.0.0.1 (a second process)
WKEY=$WORK/witness.key
t_cmd "witness --new-key" 0 "$D" witness --new-key witness.test/w1 --key "$WKEY"
WV=$(cat "$WORK/last.out")
t_eq "the witness key file is private" "$(stat -c %a "$WKEY")" 600
t_cmd "witness --new-key never replaces a key" 3 "$D" witness --new-key witness.test/w1 --key "$WKEY"
t_cmd "witness without --trust" 3 "$D" witness --listen 127.0.0.1:0 --key "$WKEY" --state "$WORK/w.db"

WPID=
start_witness() {
	"$D" witness --listen 127.0.0.1:0 --key "$WKEY" --state "$WORK/w.db" \
		--trust "$ORIGIN=$L/ledger.pub" 2> "$WORK/witness.log" &
	WPID=$!
	for _ in $(seq 50); do
		grep -q 'listening on port' "$WORK/witness.log" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$WORK/witness.log")
	URL=http://127.0.0.1:$PORT
}
stop_witness() { kill "$WPID" 2> /dev/null; wait "$WPID" 2> /dev/null; }
trap 'stop_witness; dv_schema_report' EXIT
start_witness
t_eq "the witness listens" "$([ -n "$PORT" ] && echo yes)" yes

t_cmd "append pushes to the witness" 0 "$D" log append -d "$L" --kind operator.note --text witnessed \
	--witness "$WV=$URL" --export "$WORK/export"
t_grep "nothing unanchored" '6 entries, 0 unanchored' "$WORK/last.out"
t_cmd "verify: intact and anchored" 0 "$D" log verify -d "$L"
t_grep "anchored by the witness" 'anchored by a witness: entries 0-5' "$WORK/last.out"
t_cmd "verify --nagios OK" 0 "$D" log verify -d "$L" --nagios
t_grep "nagios OK" '^DNSVIGIL LEDGER OK - 6 entries, 0 unanchored' "$WORK/last.out"
t_cmd "verify asks the witness live" 0 "$D" log verify -d "$L" --witness "$WV=$URL" --witness-key "$WV"

# The raw protocol (C2SP tlog-witness add-checkpoint): statuses.
"$D" log prove -d "$L" --consistency 0 6 > "$WORK/add0"
post() { curl -s -o "$WORK/post.out" -w '%{http_code} %{content_type}' --data-binary "@$1" "$URL${2:-/add-checkpoint}"; }
t_eq "old 0 while the witness holds 6: 409 with the size" "$(post "$WORK/add0")" "409 text/x.tlog.size"
t_eq "409 body is the size" "$(cat "$WORK/post.out")" "6"
sed 's/^old 0$/old 6/' "$WORK/add0" > "$WORK/add6"
t_eq "the same checkpoint again: 200" "$(post "$WORK/add6" | cut -d' ' -f1)" 200
t_grep "a cosignature line" "^— witness\.test/w1 [A-Za-z0-9+/=]{100,}$" "$WORK/post.out"
sed 's/^old 0$/old 7/' "$WORK/add0" > "$WORK/add7"
t_eq "old above the checkpoint size: 400" "$(post "$WORK/add7" | cut -d' ' -f1)" 400
sed 's/^test\.example\/ledger$/unknown.example\/log/' "$WORK/add6" > "$WORK/addunk"
t_eq "unknown origin: 404" "$(post "$WORK/addunk" | cut -d' ' -f1)" 404
python3 - "$WORK/add6" "$WORK/addbadsig" <<'EOF'
import sys
b = open(sys.argv[1], encoding='utf-8').read()
# The log's own signature line (the witness's cosignature follows it).
i = b.index('\u2014 test.example/ledger ') + 40
c = 'A' if b[i] != 'A' else 'B'
open(sys.argv[2], 'w', encoding='utf-8').write(b[:i] + c + b[i + 1:])
EOF
t_eq "a bad signature by the trusted key: 403" "$(post "$WORK/addbadsig" | cut -d' ' -f1)" 403
printf 'old 6\n\nnot a note\n' > "$WORK/addjunk"
t_eq "a malformed body: 400" "$(post "$WORK/addjunk" | cut -d' ' -f1)" 400
t_eq "another path: 404" "$(post "$WORK/add6" /other | cut -d' ' -f1)" 404
t_eq "GET: 405" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/add-checkpoint")" 405
head -c 200000 /dev/zero | tr '\0' 'a' > "$WORK/big"
t_eq "a body over the ceiling: 413" "$(post "$WORK/big" | cut -d' ' -f1)" 413

# ---- case 8: the directory restored from an older backup
cp -a "$L" "$WORK/backup6"
for i in 1 2 3; do
	"$D" log append -d "$L" --kind operator.note --text "later $i" --export "$WORK/export" > /dev/null
done
t_cmd "the live log is anchored at 9" 0 "$D" log verify -d "$L" --witness "$WV=$URL" --witness-key "$WV"
cp -a "$WORK/backup6" "$WORK/restored"
t_cmd "the restored backup looks fine on its own" 0 "$D" log verify -d "$WORK/restored"
t_cmd "the witness shows the rollback" 2 "$D" log verify -d "$WORK/restored" --witness "$WV=$URL" --witness-key "$WV"
t_grep "rollback named" 'rollback: witness witness\.test/w1 has seen this log at size 9; it has 6' "$WORK/last.out"
t_cmd "so does the exported checkpoint" 2 "$D" log verify -d "$WORK/restored" --checkpoint "$WORK/export"
t_grep "rollback from the export" 'rollback: .*export covers 9 entries; the log has only 6' "$WORK/last.out"

# ---- case 7: truncated (restored to 6) and re-grown to 9 with other content
cp -a "$WORK/backup6" "$WORK/fork"
for i in 1 2; do
	"$D" log append -d "$WORK/fork" --kind operator.note --text "forged $i" > /dev/null 2>&1
done
t_cmd "the fork's push is refused" 2 "$D" log append -d "$WORK/fork" --kind operator.note --text "forged 3"
t_grep "refused as inconsistent" 'refused size 9 as inconsistent: fork' "$WORK/last.err"
t_cmd "verify with the witness: fork" 2 "$D" log verify -d "$WORK/fork" --witness "$WV=$URL" --witness-key "$WV"
t_grep "fork named" 'fork: witness witness\.test/w1 refuses checkpoint 9' "$WORK/last.out"
t_cmd "verify against the exported checkpoint: fork" 2 "$D" log verify -d "$WORK/fork" --checkpoint "$WORK/export"
t_grep "fork from the export" 'fork: the entries before 9 do not give the root' "$WORK/last.out"

# ---- case 13: a stolen signing key rewrites the log before the witnessed checkpoint
mkdir -p "$WORK/evil" && chmod 700 "$WORK/evil"
cp -p "$L/ledger.key" "$L/ledger.pub" "$WORK/evil/"
for i in $(seq 12); do
	"$D" log append -d "$WORK/evil" --origin "$ORIGIN" --kind operator.note --text "rewritten $i" > /dev/null
done
t_cmd "the rewritten log verifies locally (valid signatures)" 1 "$D" log verify -d "$WORK/evil"
t_cmd "the witness refuses it" 2 "$D" log append -d "$WORK/evil" --kind operator.note --text "rewritten 13" --witness "$WV=$URL"
t_grep "refused" 'witness witness\.test/w1 refused size 13 as inconsistent' "$WORK/last.err"
t_cmd "verify with the witness: fork" 2 "$D" log verify -d "$WORK/evil" --witness "$WV=$URL" --witness-key "$WV"

# The witness state survives a restart.
stop_witness
t_eq "SIGTERM stops the witness cleanly" "$(wait "$WPID" 2> /dev/null; echo done)" done
start_witness
t_cmd "after a restart the fork is still refused" 2 "$D" log verify -d "$WORK/fork" --witness "$WV=$URL" --witness-key "$WV"
t_cmd "and the genuine log still anchored" 0 "$D" log verify -d "$L" --witness "$WV=$URL" --witness-key "$WV"
stop_witness
trap dv_schema_report EXIT

# ---- case 16: SIGKILL in the middle of appends, hundreds of times
K=$WORK/killed
ROUNDS=${LEDGER_KILL_ROUNDS:-200}
: > "$WORK/acks"
if [ -x "$WRITER" ]; then
	# The first writer runs until it has acknowledged a batch: the ledger
	# exists, and its start-up time (slow under ASan on a busy machine)
	# sets the range of the kill delays, so kills land before, during and
	# after the first commits of each process.
	t0=$(date +%s%N)
	"$WRITER" "$K" r0 >> "$WORK/acks" 2>> "$WORK/writer.err" &
	pid=$!
	for _ in $(seq 200); do
		[ -s "$WORK/acks" ] && break
		sleep 0.1
	done
	startup_ms=$((($(date +%s%N) - t0) / 1000000))
	kill -9 "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	span=$((startup_ms + 40))
	deadline=$((SECONDS + 150)) # bounded in time as well as in count
	kills=1
	for r in $(seq "$ROUNDS"); do
		[ "$SECONDS" -lt "$deadline" ] || break
		"$WRITER" "$K" "r$r" >> "$WORK/acks" 2>> "$WORK/writer.err" &
		pid=$!
		ms=$((RANDOM % span))
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		kill -9 "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		kills=$((kills + 1))
	done
	ROUNDS=$kills
	t_eq "at least 100 kills (start-up ${startup_ms} ms)" "$([ "$kills" -ge 100 ] && echo yes)" yes
	acked=$(awk '{ n += $3 } END { print n + 0 }' "$WORK/acks")
	t_eq "acknowledged batches were written" "$([ "$acked" -gt 0 ] && echo yes)" yes
	t_cmd "the killed log opens and verifies (no tampering, no corruption)" 1 "$D" log verify -d "$K"
	t_eq "sqlite integrity" "$(sqlite3 "$K/ledger.db" 'PRAGMA integrity_check')" ok
	"$D" log show -d "$K" --format json > "$WORK/killed.json"
	missing=$(python3 - "$WORK/acks" "$WORK/killed.json" <<'EOF'
import json, sys
entries = {e["index"]: e["entry"]["evidence"] for e in json.load(open(sys.argv[2]))["entries"]}
missing = 0
for line in open(sys.argv[1]):
    _, first, count, token = line.split()
    for i in range(int(count)):
        ev = entries.get(int(first) + i)
        if ev is None or ev.get("token") != token or ev.get("pos") != i:
            missing += 1
print(missing)
EOF
)
	t_eq "no acknowledged entry lost ($acked in $ROUNDS kills)" "$missing" 0
	t_eq "no writer error" "$(grep -c . "$WORK/writer.err")" 0
else
	not_ok "ledger_writer built" "missing $WRITER"
fi

# ---- a full disk: a reader with no room for SQLite's WAL index gets that
# error, never "no ledger here" (which once sent operators looking for a
# ledger that was intact); with room again the same ledger verifies
F=$WORK/full
mkdir -p "$F"
if mount -t tmpfs -o size=400k tmpfs "$F" 2> /dev/null; then
	"$D" log append -d "$F/s" --origin test/full --kind operator.note --text one > /dev/null
	dd if=/dev/zero of="$F/fill" bs=1k count=1000 2> /dev/null
	"$D" log verify -d "$F/s" > "$WORK/fullv.out" 2>&1
	t_eq "full disk: log verify could not judge (exit 3)" "$?" 3
	t_grep "full disk: ... saying why" 'ledger.db: disk I/O error .no room for the WAL index: is the disk full' "$WORK/fullv.out"
	t_eq "full disk: ... never 'no ledger here'" "$(grep -c 'no ledger here' "$WORK/fullv.out")" 0
	rm -f "$F/fill"
	t_cmd "full disk: with room again the ledger verifies (unanchored: exit 1)" 1 "$D" log verify -d "$F/s"
	umount "$F"
else
	ok "full disk # SKIP cannot mount a tmpfs here"
fi
