#!/usr/bin/env bash
# tests/func/test_hostile_files.sh - hostile files and outputs (issue 10
# items 4, 11, 13, 14, 15): reports written to a full device, snapshot files
# that are huge, made of empty arrays, deeply nested or not JSON, --save on a
# full disk, canary directories and key files an attacker prepared, control
# characters and forged Nagios lines in snapshots.  Every run has a memory
# and time ceiling (t_limited); healthy controls show each refusal absent
# where the input is sound.  No lab is needed.
. "$(dirname "$0")/lib.sh"

SNAP=$TOP/tests/func/check/revoked.snapshot.json
ESC=$(printf '\033')

# edit OUT PYTHON - a copy of the sample snapshot with d (the JSON) edited
edit() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$SNAP" "$1" "$2"
}

# ---- healthy control -----------------------------------------------------------
t_limited 200 30 "$DNSVIGIL" check --from "$SNAP"
t_eq "sample snapshot: judged (exit 2: it holds a revoked key)" "$RC" 2
cp "$WORK/last.out" "$WORK/sample.txt"

# ---- item 4: every command's report to a full device -----------------------
if [ -w /dev/full ]; then
	full() { # full CMD... - CMD > /dev/full: exit 3 and a message
		"$@" > /dev/full 2> "$WORK/full.err"
		local rc=$?
		t_eq "dnsvigil ${*:2:3} > /dev/full: exit 3" "$rc" 3
		t_grep "... with a message" "cannot write the report to standard output" "$WORK/full.err"
	}
	full "$DNSVIGIL" check --from "$SNAP"
	full "$DNSVIGIL" check --from "$SNAP" --format json
	full "$DNSVIGIL" check --from "$SNAP" --nagios
	full "$DNSVIGIL" findings
	full "$DNSVIGIL" findings --markdown
	full "$DNSVIGIL" rollover plan --zone example. --kind zsk --method pre-publish --now @1790000000
	"$DNSVIGIL" log append --dir "$WORK/ledger" --kind note --text hello --origin test/x > /dev/null 2>&1
	full "$DNSVIGIL" log show --dir "$WORK/ledger"
fi

# ---- item 11: snapshot files no probe writes -------------------------------
# A file past the ceiling: refused by its size, nothing of it read.
truncate -s 300M "$WORK/huge.json"
t_limited 100 20 "$DNSVIGIL" check --from "$WORK/huge.json"
t_grep "huge (300 MiB, sparse): refused by its size" \
	"huge.json: 314572800 bytes, larger than the 268435456 a check snapshot may have" "$WORK/last.err"
t_limited 100 20 "$DNSVIGIL" rollover check --zone example. --from "$WORK/huge.json"
t_grep "... by rollover's reader too" "huge.json: 314572800 bytes, larger than" "$WORK/last.err"
rm -f "$WORK/huge.json"
# 20 MB of empty arrays: refused by counting them, before building one.
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("[" + "[]," * 6000000 + "[]]")' "$WORK/arrays.json"
t_limited 150 30 "$DNSVIGIL" check --from "$WORK/arrays.json"
t_grep "arrays (18 MB of []): refused by counting its values" \
	"arrays.json: more than 3000000 JSON values: more than a probe of 50000 queries writes" "$WORK/last.err"
t_eq "... exit 3 (could not judge)" "$RC" 3
rm -f "$WORK/arrays.json"
python3 -c 'print("[" * 100 + "]" * 100)' > "$WORK/deep.json"
t_limited 100 20 "$DNSVIGIL" check --from "$WORK/deep.json"
t_grep "deep nesting: refused" "deep.json: nested deeper than 6 levels: not a check snapshot" "$WORK/last.err"
printf '{"dnsvigil_snapshot": 1,\n "time": ' > "$WORK/cut.json"
t_limited 100 20 "$DNSVIGIL" check --from "$WORK/cut.json"
t_grep "a cut file: the line and column of the error" "cut.json: line 2 column [0-9]+: " "$WORK/last.err"
t_nogrep "... never \"line -1\"" "line -1" "$WORK/last.err"

# ---- item 15: what a snapshot says is escaped; coerced types refused --------
edit "$WORK/esc.json" 'd["domains"][0] = "x\u001b]0;owned\u0007.\u001b[31mevil."; d["servers"][0]["name"] = "a\u001b[2J.test."'
t_limited 200 30 "$DNSVIGIL" check --from "$WORK/esc.json"
t_nogrep "control characters in names reach no terminal (text)" "$ESC" "$WORK/last.out"
t_eq "... they are shown escaped (\DDD)" \
	"$([ "$(grep -cF 'x\027\]0\;owned\007.\027\[31mevil.' "$WORK/last.out")" -ge 1 ] && echo yes)" yes
t_limited 200 30 "$DNSVIGIL" check --from "$WORK/esc.json" --nagios
t_eq "--nagios: one line" "$(wc -l < "$WORK/last.out")" 1
t_nogrep "... without control characters" "$ESC" "$WORK/last.out"

edit "$WORK/addr.json" 'd["servers"][1]["address"] = "127.53.60.2\n| forged=1;\u001b[2J"'
t_limited 200 30 "$DNSVIGIL" check --from "$WORK/addr.json" --nagios
t_eq "an address that is no address: refused, one UNKNOWN line" \
	"$(wc -l < "$WORK/last.out") $(cut -c1-16 "$WORK/last.out")" "1 DNSVIGIL UNKNOWN"
t_grep "... saying so" 'servers\[1\]: "address" is not an IP address' "$WORK/last.out"
t_nogrep "... and no forged perfdata or escape" "$ESC|forged=1;$" "$WORK/last.out"
t_eq "... exit 3" "$RC" 3
edit "$WORK/addr2.json" 'd["servers"][1]["address"] = "127.053.060.002"'
t_limited 200 30 "$DNSVIGIL" check --from "$WORK/addr2.json"
t_grep "an address in another form than dnsvigil writes: refused" '"address" is not in the form dnsvigil writes|is not an IP address' "$WORK/last.err"
edit "$WORK/key.json" 'd["servers"][0]["\u001b[2Jx"] = 1'
t_limited 200 30 "$DNSVIGIL" check --from "$WORK/key.json"
t_grep "an unknown member: refused" 'unknown member' "$WORK/last.err"
t_nogrep "... the message escaped" "$ESC" "$WORK/last.err"
edit "$WORK/flags.json" 'd["queries"][0]["flags"] = ["DO", "DO"]'
t_limited 200 30 "$DNSVIGIL" check --from "$WORK/flags.json"
t_grep "a flag twice: refused" 'flag DO given twice' "$WORK/last.err"
for e in '"tcp": "true"|tcp.*must be true or false' '"rtt_ms": -1|rtt_ms.*out of range' '"flags": "DO"|flags.*must be an array'; do
	member=${e%%|*}
	edit "$WORK/coerce.json" "d['queries'][0].update(json.loads('{$member}'))"
	t_limited 200 30 "$DNSVIGIL" check --from "$WORK/coerce.json"
	t_grep "coerced type $member: refused" "${e#*|}" "$WORK/last.err"
done

# ---- item 13: --save on a full disk keeps the old file, prints the report ---
if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
	mkdir -p "$WORK/disk"
	unshare -m bash -c '
		mount -t tmpfs -o size=16k tmpfs "$1" || exit 99
		printf "{\"old\": true}\n" > "$1/snap.json"
		"$2" check --from "$3" --save "$1/snap.json" > "$4/save.out" 2> "$4/save.err"
		echo $? > "$4/save.rc"
		cp "$1/snap.json" "$4/snap.after"
		ls -a "$1" > "$4/save.ls"' _ "$WORK/disk" "$DNSVIGIL" "$SNAP" "$WORK"
	t_eq "--save on a full disk: exit 3, not 0" "$(cat "$WORK/save.rc")" 3
	t_grep "... the report is printed all the same" "^chain of trust" "$WORK/save.out"
	t_grep "... the failure is said" "snapshot not saved: .*snap.json: No space left on device \(the previous file, if any, is kept\)" "$WORK/save.err"
	t_eq "... the previous file is whole" "$(cat "$WORK/snap.after")" '{"old": true}'
	t_eq "... no temporary file is left" "$(grep -vxE '\.|\.\.|snap\.json' "$WORK/save.ls")" ""
	"$DNSVIGIL" check --from "$SNAP" --save "$WORK/ok.json" > /dev/null 2>&1
	t_eq "--save with room: the saved snapshot is judged alike" \
		"$("$DNSVIGIL" check --from "$WORK/ok.json" | tail -n +3)" "$(tail -n +3 "$WORK/sample.txt")"
else
	ok "--save on a full disk # SKIP needs root and unshare -m"
fi

# ---- item 14: canary directories and files an attacker prepared -----------
C=("$DNSVIGIL" canary --zone canary.test. --now @1790000000 --ns-addr 127.0.0.1)
mkdir -p "$WORK/keys" && chmod 700 "$WORK/keys"
t_limited 400 120 "${C[@]}" --out "$WORK/good" --keys "$WORK/keys"
t_eq "canary into a fresh directory: exit 0" "$RC" 0
t_eq "... private keys are mode 600" "$(find "$WORK/keys" -name '*.pem' ! -perm 600 | head -1)" ""
t_eq "... no temporary file is left" "$(find "$WORK/good" "$WORK/keys" -name '*.tmp*' | head -1)" ""

mkdir -p "$WORK/elsewhere"
ln -s "$WORK/elsewhere" "$WORK/linked"
t_limited 400 60 "${C[@]}" --out "$WORK/linked" --keys "$WORK/keys"
t_grep "--out a symbolic link: refused" "linked: not a directory \(a symbolic link is not followed\)" "$WORK/last.err"
t_eq "... nothing written where it points" "$(ls -A "$WORK/elsewhere")" ""
mkdir -p "$WORK/open" && chmod 777 "$WORK/open"
t_limited 400 60 "${C[@]}" --out "$WORK/open" --keys "$WORK/keys"
t_grep "--out writable by everyone: refused" "open: writable by other users: refused" "$WORK/last.err"
mkdir -p "$WORK/theirs" && chown nobody "$WORK/theirs"
t_limited 400 60 "${C[@]}" --out "$WORK/theirs" --keys "$WORK/keys"
t_grep "--out owned by another user: refused" "theirs: owned by another user: refused" "$WORK/last.err"
mkdir -p "$WORK/gkeys" && chmod 770 "$WORK/gkeys"
t_limited 400 60 "${C[@]}" --out "$WORK/good" --keys "$WORK/gkeys"
t_grep "--keys writable by its group: refused" "gkeys: writable by its group: refused" "$WORK/last.err"

# A key file replaced by a link to a file of the attacker's: never read or written.
mkdir -p "$WORK/lkeys" && chmod 700 "$WORK/lkeys"
cp -p "$WORK/keys"/* "$WORK/lkeys/"
k=$(cd "$WORK/lkeys" && ls | head -1)
echo "attacker's file" > "$WORK/victim"
rm "$WORK/lkeys/$k" && ln -s "$WORK/victim" "$WORK/lkeys/$k"
t_limited 400 60 "${C[@]}" --out "$WORK/good" --keys "$WORK/lkeys"
t_eq "a key file that is a symbolic link: refused (exit != 0)" "$([ "$RC" -ne 0 ] && echo refused)" refused
t_eq "... the file it points to is untouched" "$(cat "$WORK/victim")" "attacker's file"
# A zone file name planted as a link: replaced, never written through.
echo "precious" > "$WORK/precious"
ln -sf "$WORK/precious" "$WORK/good/canary.test.zone"
t_limited 400 60 "${C[@]}" --out "$WORK/good" --keys "$WORK/keys"
t_eq "a planted link at a zone file: the run succeeds" "$RC" 0
t_eq "... the link's target is untouched" "$(cat "$WORK/precious")" "precious"
t_eq "... the zone file is a file of its own" "$([ -f "$WORK/good/canary.test.zone" ] && [ ! -L "$WORK/good/canary.test.zone" ] && echo file)" file

# ---- item 14: the lab's fixed state directory gets the same care ------------
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$WORK/lab777" && chmod 777 "$WORK/lab777"
	LAB_DIR=$WORK/lab777 timeout 60 "$TOP/tests/lab/start.sh" > /dev/null 2> "$WORK/lab.err"
	t_eq "lab state directory writable by others: start.sh refuses" "$?" 1
	t_grep "... saying why" "lab777: refused: not a directory of this user" "$WORK/lab.err"
	t_eq "... and starts nothing there" "$(ls -A "$WORK/lab777")" ""
	mkdir -p "$WORK/labreal" && ln -s "$WORK/labreal" "$WORK/lablink"
	LAB_DIR=$WORK/lablink timeout 60 "$TOP/tests/lab/start.sh" > /dev/null 2> "$WORK/lab.err"
	t_eq "lab state directory a symbolic link: refused" "$?" 1
	t_eq "... nothing written where it points" "$(ls -A "$WORK/labreal")" ""
fi
