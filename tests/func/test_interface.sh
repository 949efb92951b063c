#!/usr/bin/env bash
# tests/func/test_interface.sh - one dialect across every subcommand (issue 9
# §2, §5, §6), without the lab: exit status 3 and a message that says what is
# wrong for every bad invocation; the Nagios UNKNOWN line and the JSON error
# object; durations and times in one syntax; verify's --warn/--crit and
# --nagios; verify -; binary input named as such; short options that mean
# one thing (and the man page's table of them); findings CODE, --format
# json, --version, help CMD; canary's input checks and serving notes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/func/verify/common.sh"
vf_fixtures
D=$DNSVIGIL
Z=$FX/bind-a13-nsec.zone # every RRSIG expires 2035-01-01T00:00:00Z (EXP_UNIX)

# bad RE ARGS... - dnsvigil ARGS exits 3 and says RE on stderr
bad() {
	local re=$1
	shift
	t_cmd "dnsvigil $*: could not judge (exit 3)" 3 "$D" "$@"
	t_grep "... says what is wrong" "$re" "$WORK/last.err"
}

# ---- usage errors say what is wrong, exit 3, in every subcommand --------------
bad 'no COMMAND given'
bad "unknown command 'frobnicate'" frobnicate
bad "no command 'frobnicate'" help frobnicate
bad "no ZONEFILE given" verify
bad "one ZONEFILE at a time: '$Z' is one too many" verify "$Z" "$Z"
bad -- "--out DIR is required" canary --zone x.
bad -- "--zone NAME is required" canary --out "$WORK/c0"
bad "no resolver ADDRESS given" audit --canary c.
bad -- "--canary NAME is required" audit 127.0.0.1
bad -- "--timeout '0': 10..60000 milliseconds" audit -T 0 127.0.0.1
bad -- "--warn 0s is shorter than --crit 1d \(the default\)" check -w 0 x.
bad -- "--from takes no ADDRESS \('127.0.0.1'\)" audit --from "$WORK/x.json" 127.0.0.1
bad -- "--from takes no DOMAIN" check --from "$WORK/x.json" x.
bad '/nonexistent: No such file or directory' audit --from /nonexistent
t_nogrep "... no 'line -1'" 'line -1' "$WORK/last.err"
bad "no DOMAIN given" check
bad -- "--kind and --method are required" rollover plan --zone x.
bad "unknown subcommand 'frob'" rollover frob
bad -- "--config FILE is required" watch
bad "no ZONE given" history
bad "no subcommand given" log
bad -- "--key FILE is required" witness
bad -- "--format 'xml': text or json" status --format xml
bad "no finding code 'NOPE'" findings NOPE
for cmd in verify check canary audit "rollover plan" watch status history findings "log show" witness; do
	# shellcheck disable=SC2086 # "rollover plan": two words
	bad "unknown option '--no-such-option'" $cmd --no-such-option
done
bad "unknown option '-t'" audit -t 500 127.0.0.1
bad -- "--warn needs a value" verify --warn
bad -- "-w needs a value" check -w

# ---- --nagios: every UNKNOWN prints its one line on stdout -----------------------
for args in "verify --nagios -w 1.5 $Z" "verify --nagios $WORK/none.zone" "verify --nagios" \
	"check --nagios -w 1.5 x." "audit --nagios --canary c." "log verify --nagios --bogus"; do
	# shellcheck disable=SC2086
	t_cmd "$args: UNKNOWN (exit 3)" 3 "$D" $args
	t_grep "... one UNKNOWN line on stdout" '^DNSVIGIL( VERIFY| AUDIT| LEDGER)? UNKNOWN - [^ ]' "$WORK/last.out"
	t_eq "... and nothing else there" "$(wc -l < "$WORK/last.out")" 1
done

# ---- --format json: a JSON error object on stdout for bad input ---------------
printf '$ORIGIN example.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\nwww IN A 192.0.2.300\n' > "$WORK/bad.zone"
for args in "verify --format json $WORK/bad.zone" "verify -f json --warn soon $Z" \
	"check --format json --from $WORK/none.json" "audit --format json --from $WORK/none.json" \
	"rollover check --zone x. --format json --from $WORK/none.json" "status --format json -d $WORK/nostore" \
	"history --format json -d $WORK/nostore x." "log show --format json -d $WORK/noledger" \
	"findings --format json NOPE"; do
	# shellcheck disable=SC2086
	t_cmd "$args: exit 3" 3 "$D" $args
	t_eq "... a JSON error object on stdout" "$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["status"], bool(d["error"]["message"]), d["findings"])' "$WORK/last.out" 2>&1)" "unknown True []"
	t_grep "... and the message on stderr" '[a-z]' "$WORK/last.err"
done
"$D" verify --format json "$WORK/bad.zone" > "$WORK/badzone.json" 2> /dev/null
t_eq "verify: the error object has the file and line" "$(/usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
print(e["file"].endswith("bad.zone"), e["line"], e["message"][:20])' "$WORK/badzone.json")" "True 3 invalid IPv4 address"

# ---- durations and times: one syntax ------------------------------------------
# 5 days before every RRSIG expires: --warn 6 (days), 6d, 144h, 1w warn; 4 does not
for w in "6 1" "6d 1" "144h 1" "1w 1" "4 0" "4d 0" "5759m 0"; do
	set -- $w
	t_cmd "verify --warn $1 at 5 days before expiry: exit $2" "$2" "$D" verify -q --now 20341227000000 --warn "$1" "$Z"
done
t_grep "... the warning is RRSIG_EXPIRES_SOON" 'RRSIG_EXPIRES_SOON|^status: ok' "$WORK/last.out"
t_cmd "verify --warn-expiry 6 (deprecated name): the same as --warn 6" 1 "$D" verify -q --now 20341227000000 --warn-expiry 6 "$Z"
# --crit: 12 hours before expiry an error by default, 2 days before with --crit 3d
t_cmd "verify 12 h before expiry: RRSIG_EXPIRES_CRITICAL (exit 2)" 2 "$D" verify -q --now 20341231120000 -f json "$Z"
t_grep "... the critical code" '"code": "RRSIG_EXPIRES_CRITICAL"' "$WORK/last.out"
t_cmd "verify 2 days before expiry: a warning only" 1 "$D" verify -q --now 20341230000000 "$Z"
t_cmd "verify 2 days before, --crit 3d: an error" 2 "$D" verify -q --now 20341230000000 --crit 3d --warn 4d "$Z"
t_cmd "verify --crit above --warn: refused" 3 "$D" verify -q --crit 8d "$Z"
t_grep "... naming both" "--warn 7d \(the default\) is shorter than --crit 8d" "$WORK/last.err"
# --now: the same instant in every form
for n in 20300101000000 2030-01-01T00:00:00Z @1893456000 1893456000; do
	t_cmd "verify --now $n" 0 "$D" verify -q --now "$n" -f json "$Z"
	t_grep "... is 1893456000" '"now": 1893456000,' "$WORK/last.out"
done
t_cmd "canary --now 1893456000 (plain UNIX seconds, as documented)" 0 "$D" canary --zone t1.test. \
	--out "$WORK/c1" --keys "$WORK/ck" --now 1893456000 --ns-addr 192.0.2.53
t_cmd "check -T 2s: a timeout with a unit" 3 "$D" check -T 2s --from "$WORK/none.json"
t_grep "... parsed (the failure is the missing file)" 'none\.json' "$WORK/last.err"

# ---- verify --nagios ----------------------------------------------------------
t_cmd "verify --nagios: OK" 0 "$D" verify --nagios --now "$NOW" "$Z"
t_grep "... status line with perfdata" '^DNSVIGIL VERIFY OK - example\. signed: [0-9]+ RRSIGs valid, earliest expiry in [0-9.]+ days \| expiry=[0-9]+s;604800:;86400: rrsigs=[0-9]+;;;0 ' "$WORK/last.out"
t_cmd "verify --nagios 5 days before expiry: WARNING" 1 "$D" verify --nagios --now 20341227000000 "$Z"
t_grep "... WARNING line" '^DNSVIGIL VERIFY WARNING - example\.: 0 errors, [0-9]+ warnings: RRSIG_EXPIRES_SOON ' "$WORK/last.out"
t_cmd "verify --nagios after expiry: CRITICAL" 2 "$D" verify --nagios --now 20350102000000 "$Z"
t_grep "... negative expiry" '^DNSVIGIL VERIFY CRITICAL - .*\| expiry=-86400s;604800:;86400: ' "$WORK/last.out"

# ---- words: counts that add up ------------------------------------------------
t_cmd "verify after expiry (text)" 2 "$D" verify -q --now 20350102000000 "$Z"
t_grep "no 'verified valid' beside RRSIG_EXPIRED: 0 valid, all expired" \
	'^  RRSIGs       ([0-9]+), \1 checked: 0 valid, \1 expired, 0 not yet valid, 0 failed$' "$WORK/last.out"
t_grep "... singular and plural" '^  findings     [0-9]+ errors, 0 warnings, 0 info$' "$WORK/last.out"
t_cmd "verify (json)" 2 "$D" verify -q --now 20350102000000 -f json "$Z"
t_eq "json: the counts of every report" "$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(s["signatures_checked"] == s["signatures_expired"] > 0, s["signatures_valid"], s["info"], s["errors"] > 0)' "$WORK/last.out")" "True 0 0 True"

# ---- verify - : the zone from standard input ---------------------------------
t_cmd "verify - reads standard input" 0 sh -c "\"$D\" verify -q --now $NOW -f json - < \"$Z\""
cp "$WORK/last.out" "$WORK/stdin.json"
"$D" verify -q --now "$NOW" -f json "$Z" > "$WORK/file.json"
t_eq "... the same report as the file (but its name)" \
	"$(/usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(a["file"], a["summary"] == b["summary"], a["findings"] == b["findings"])' "$WORK/stdin.json" "$WORK/file.json")" "- True True"
t_cmd "verify - of a broken zone: exit 3, '-:LINE:'" 3 sh -c "\"$D\" verify - < \"$WORK/bad.zone\""
t_grep "... names standard input and the line" '^-:3: invalid IPv4 address' "$WORK/last.err"

# ---- binary input is named as such ---------------------------------------------
t_cmd "verify of an executable: exit 3" 3 "$D" verify "$(type -P true)"
t_grep "... 'binary data'" 'not zone-file text: binary data' "$WORK/last.err"
t_nogrep "... not 'CRLF'" 'CRLF' "$WORK/last.err"
printf '$ORIGIN example.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n\033]0;x\007 IN A 192.0.2.1\n' > "$WORK/esc.zone"
t_cmd "verify of a zone with an escape sequence: exit 3" 3 "$D" verify "$WORK/esc.zone"
t_nogrep "... no control character reaches the terminal" $'\033|\007' "$WORK/last.err"

# ---- short options mean one thing in every subcommand --------------------------
for c in verify check canary audit rollover watch status history findings log witness; do
	"$D" help "$c" > "$WORK/help.$c" || not_ok "help $c" "exit $?"
done
/usr/bin/python3 - "$WORK" "$TOP/doc/dnsvigil.1" > "$WORK/shorts.out" << 'EOF'
import re, sys, glob
work, man = sys.argv[1], sys.argv[2]
seen = {}
for f in sorted(glob.glob(work + "/help.*")):
    cmd = f.rsplit(".", 1)[1]
    for m in re.finditer(r"^\s+-([A-Za-z0-9]), --([a-z0-9-]+)", open(f).read(), re.M):
        seen.setdefault(m.group(1), {}).setdefault(m.group(2), set()).add(cmd)
clash = {k: v for k, v in seen.items() if len(v) > 1}
print("clashes", sorted(clash.items()) if clash else "none")
# The man page's table: "\-c<TAB>\-\-crit<TAB>check, verify" lines.
text = open(man).read()
table = text[text.index(".SS Short options"):]
table = table[table.index(".TS"):table.index(".TE")]
mp = {}
for line in table.splitlines():
    m = re.match(r"^\\-([A-Za-z0-9])\t\\-\\-([a-z0-9\\-]+)\t(.*)$", line)
    if m:
        mp[m.group(1)] = (m.group(2).replace("\\-", "-"), sorted(c.strip() for c in m.group(3).split(",")))
helps = {k: (next(iter(v)), sorted(next(iter(v.values())))) for k, v in seen.items() if len(v) == 1}
print("man", "same" if mp == helps else "differs: man %s help %s" % (sorted(set(mp.items()) ^ set(helps.items()), key=str), ""))
EOF
t_grep "no short option means two things" '^clashes none$' "$WORK/shorts.out"
t_grep "doc/dnsvigil.1 lists exactly the short options the commands take" '^man same$' "$WORK/shorts.out"
t_cmd "verify -w 6 (short) = --warn 6" 1 "$D" verify -q --now 20341227000000 -w 6 "$Z"
t_cmd "check -c (crit) is no canary: -c 1.5 refused as a duration" 3 "$D" check -c 1.5 x.
t_grep "... as --crit" "--crit '1.5'" "$WORK/last.err"

# ---- findings, --version, help --------------------------------------------------
t_cmd "findings RRSIG_EXPIRED" 0 "$D" findings RRSIG_EXPIRED
t_grep "... explains the code" '^RRSIG_EXPIRED \(error\): signature expired$' "$WORK/last.out"
t_grep "... with what to do" '^  fix: Re-sign the zone now' "$WORK/last.out"
t_cmd "findings in any case" 0 "$D" findings domain_not_found
t_grep "... found" '^DOMAIN_NOT_FOUND \(error\)' "$WORK/last.out"
t_cmd "findings --format json" 0 "$D" findings --format json
t_eq "... every code of the table" "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["codes"]))' "$WORK/last.out")" \
	"$(grep -c '^X(' "$TOP/src/findings/codes.def")"
t_cmd "findings --format json ZONE_NOT_AS_EXPECTED" 0 "$D" findings --format json ZONE_NOT_AS_EXPECTED
t_grep "... that one" '"code": "ZONE_NOT_AS_EXPECTED"' "$WORK/last.out"
t_cmd "--version" 0 "$D" --version
t_eq "... the version of meson.build" "$(cat "$WORK/last.out")" \
	"dnsvigil $(sed -n "s/^ *version : '\(.*\)',$/\1/p" "$TOP/meson.build")"
t_cmd "help check" 0 "$D" help check
"$D" check --help > "$WORK/check.help"
t_eq "... the same as check --help" "$(cmp "$WORK/last.out" "$WORK/check.help" > /dev/null && echo same)" same
t_cmd "help" 0 "$D" help
t_grep "... lists the commands" '^  witness ' "$WORK/last.out"

# ---- canary: its input checked, how to serve it said ---------------------------
bad "the root cannot be a canary zone" canary --zone . --out "$WORK/c2"
bad "holds no spaces" canary --zone "a b.test." --out "$WORK/c2"
bad "not a domain name" canary --zone "$(printf 'l%.0s' {1..64}).test." --out "$WORK/c2"
bad "too long: the canary's child zones need" canary --zone "$(printf 'abcdefghi.%.0s' {1..21})test." --out "$WORK/c2"
mkdir -p "$WORK/c3"
: > "$WORK/c3/notes.txt"
bad "is not empty \(it holds 'notes.txt'" canary --zone t1.test. --out "$WORK/c3" --ns-addr 192.0.2.53
bad "holds the canary t1.test.: give an empty directory for t2.test." canary --zone t2.test. --out "$WORK/c1" --ns-addr 192.0.2.53
: > "$WORK/keys-file"
bad -- "--keys $WORK/keys-file: not a directory" canary --zone t4.test. --out "$WORK/c4" --keys "$WORK/keys-file"
t_cmd "the same canary again into its directory" 0 "$D" canary --zone t1.test. --out "$WORK/c1" \
	--keys "$WORK/ck" --now 1893456000 --ns-addr 192.0.2.53
t_nogrep "... with --ns-addr: no notice" 'notice' "$WORK/last.err"
t_cmd "a canary without --ns-addr" 0 "$D" canary --zone t5.test. --out "$WORK/c5" --keys "$WORK/ck"
t_grep "... a notice that only this host can reach 127.0.0.1" 'notice: ns1\.t5\.test\. gets the address 127\.0\.0\.1.*only resolvers on this host' "$WORK/last.err"
cp "$WORK/last.out" "$WORK/howto"
t_grep "how to serve it: the NS to add at the parent" '^     t5\.test\. 30 IN NS ns1\.t5\.test\.$' "$WORK/howto"
t_grep "... the glue" '^     ns1\.t5\.test\. 30 IN A 127\.0\.0\.1$' "$WORK/howto"
t_grep "... the DS" '^     t5\.test\.[[:space:]]+30[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9A-F]{64}$' "$WORK/howto"
{ echo "server:"; sed -n 's/^     \(zone: name: .*\)$/\1/p' "$WORK/howto"; } > "$WORK/nsd.conf"
t_eq "... an nsd.conf snippet for every zone ($(grep -c '^zone:' "$WORK/nsd.conf"))" \
	"$(grep -c '^zone:' "$WORK/nsd.conf")" "$(wc -l < "$WORK/c5/zones.list")"
t_cmd "... nsd-checkconf accepts it" 0 nsd-checkconf "$WORK/nsd.conf"
sed -n 's/^     \(zone "[^"]*" { type primary; .*\)$/\1/p' "$WORK/howto" > "$WORK/named.conf"
t_eq "... a named.conf snippet for every zone" "$(wc -l < "$WORK/named.conf")" "$(wc -l < "$WORK/c5/zones.list")"
t_cmd "... named-checkconf -z loads every zone it names" 0 named-checkconf -z "$WORK/named.conf"
exit 0
