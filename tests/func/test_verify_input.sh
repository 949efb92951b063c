#!/usr/bin/env bash
# shellcheck disable=SC2016 # zone-file text with literal $ORIGIN etc.
# test_verify_input.sh - `dnsvigil verify` on bad input: a clear message
# "FILE:LINE: ..." on stderr (and with --format json a JSON error object on
# stdout) and exit 3 (could not judge), never a crash or a hang; and on
# unusual but valid input (CRLF, $INCLUDE, $GENERATE, --origin): loads.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/func/verify/common.sh"

vf_fixtures
W=$WORK/in
mkdir -p "$W"

# run DESC ARGS... - dnsvigil verify ARGS (30 s at most), into $W/last.*
run() {
	local desc=$1
	shift
	timeout 30 "$DNSVIGIL" verify "$@" > "$W/last.out" 2> "$W/last.err"
	RC=$?
	if [ "$RC" -gt 3 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation fault' "$W/last.err"; then
		not_ok "$desc: no crash or hang" "exit $RC: verify $*" "$(head -c 800 "$W/last.err")"
	else
		ok "$desc: no crash or hang"
	fi
}
# bad DESC FILE LINE [ARGS...] - FILE fails to load: exit 3, FILE:LINE: on
# stderr, and on stdout the JSON error object naming the file and line (no
# report of findings)
bad() {
	local desc=$1 f=$2 line=$3 re
	shift 3
	run "$desc" --format json --now "$NOW" "$@" "$f"
	t_eq "$desc: exit 3" "$RC" 3
	re="$(basename "$f" | sed 's/[.[\*^$]/\\&/g'):$line: [^ ]"
	t_grep "$desc: stderr has $(basename "$f"):$line: and a message" "$re" "$W/last.err"
	t_eq "$desc: a JSON error object with the file and line, no findings" "$("$PY" -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
e = d.get("error") or {}
print(d["status"], os.path.basename(e.get("file") or ""), e.get("line"), bool(e.get("message")), len(d["findings"]))
' "$W/last.out" 2>&1)" "unknown $(basename "$f") $line True 0"
}

# A small unsigned zone; line numbers matter below.
base() {
	cat <<'EOF'
$ORIGIN example.
$TTL 3600
@	IN SOA	ns1 hostmaster 2025010101 7200 3600 1209600 3600
@	IN NS	ns1
ns1	IN A	192.0.2.1
www	IN A	192.0.2.80
EOF
}
# with LINE replaced by TEXT (or appended when LINE = 7)
base_with() {
	base | awk -v n="$1" -v t="$2" 'NR == n { print t; next } { print } END { if (n > NR) print t }'
}

base_with 6 'www	IN IN IN	192.0.2.80' > "$W/syntax.zone"
bad "syntax error" "$W/syntax.zone" 6
base_with 6 'www	IN FOOBAR	1' > "$W/unknown-type.zone"
bad "unknown type" "$W/unknown-type.zone" 6
t_grep "unknown type: the message names the type" 'zone:6: .*(FOOBAR|[Tt]ype)' "$W/last.err"
base_with 6 'www	IN A	192.0.2.300' > "$W/bad-rdata.zone"
bad "bad A rdata" "$W/bad-rdata.zone" 6
base_with 5 'ns1	IN AAAA	2001:db8::zz' > "$W/bad-aaaa.zone"
bad "bad AAAA rdata" "$W/bad-aaaa.zone" 5
base_with 6 'www	IN MX	10' > "$W/short-rdata.zone"
bad "missing RDATA field" "$W/short-rdata.zone" 6
base_with 6 'www	IN A	192.0.2.80 192.0.2.81' > "$W/extra-rdata.zone"
bad "extra RDATA field" "$W/extra-rdata.zone" 6
base_with 2 '$TTL forever' > "$W/bad-ttl.zone"
bad "bad \$TTL" "$W/bad-ttl.zone" 2
base_with 5 '$FROBNICATE 1' > "$W/bad-directive.zone"
bad "unknown directive" "$W/bad-directive.zone" 5
base_with 6 "$(printf 'l%.0s' {1..64}).example. IN A 192.0.2.80" > "$W/long-label.zone"
bad "label of 64 octets" "$W/long-label.zone" 6
base_with 6 "$(printf 'abcd.%.0s' {1..52})example. IN A 192.0.2.80" > "$W/long-name.zone"
bad "name longer than 255 octets" "$W/long-name.zone" 6
base_with 7 'www.other.test.	IN A	192.0.2.9' > "$W/out-of-zone.zone"
bad "record outside the origin" "$W/out-of-zone.zone" 7
base_with 7 '@	IN SOA	ns1 hostmaster 2025010102 7200 3600 1209600 3600' > "$W/two-soa.zone"
bad "two SOA records" "$W/two-soa.zone" 7
base_with 5 "\$INCLUDE $W/does-not-exist.zone" > "$W/include-missing.zone"
bad "\$INCLUDE of a missing file" "$W/include-missing.zone" 5
t_grep "\$INCLUDE of a missing file: names that file" 'does-not-exist\.zone' "$W/last.err"

# Errors in SIGNED zones, after records whose signatures may already be
# under verification: the error, not a crash (at the end, in the middle, in
# the large zone).
for base in bind-a13-nsec knot-a8-nsec3 ldns-a13-bulk; do
	cp "$FX/$base.zone" "$W/signed-bad-end-$base.zone"
	echo 'www.example. 3600 IN A 192.0.2.300' >> "$W/signed-bad-end-$base.zone"
	bad "signed $base, bad record at the end" "$W/signed-bad-end-$base.zone" \
		"$(wc -l < "$W/signed-bad-end-$base.zone")"
	n=$(($(wc -l < "$FX/$base.zone") / 2))
	{ head -n "$n" "$FX/$base.zone"; echo 'www.example. 3600 IN AAAA 2001:db8::zz'
	  tail -n +$((n + 1)) "$FX/$base.zone"; } > "$W/signed-bad-mid-$base.zone"
	bad "signed $base, bad record in the middle" "$W/signed-bad-mid-$base.zone" $((n + 1))
done

# $INCLUDE of itself: must end (depth limit), with an error.
printf '$ORIGIN example.\n$INCLUDE %s\n' "$W/include-self.zone" > "$W/include-self.zone"
run "\$INCLUDE loop" --now "$NOW" "$W/include-self.zone"
t_eq "\$INCLUDE loop: exit 3" "$RC" 3
t_grep "\$INCLUDE loop: names the file" 'include-self\.zone' "$W/last.err"

# Errors without a line to point at: still exit 3 and the file named.
base | sed 3d > "$W/no-soa.zone"
run "no SOA" --now "$NOW" "$W/no-soa.zone"
t_eq "no SOA: exit 3" "$RC" 3
t_grep "no SOA: message names the file and SOA" 'no-soa\.zone.*SOA|SOA.*no-soa\.zone' "$W/last.err"
: > "$W/empty.zone"
run "empty file" --now "$NOW" "$W/empty.zone"
t_eq "empty file: exit 3" "$RC" 3
t_grep "empty file: names the file" 'empty\.zone' "$W/last.err"
"$PY" -c 'import random, sys
r = random.Random(20250101)
sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(4096)))' > "$W/garbage.zone"
run "binary garbage" --now "$NOW" "$W/garbage.zone"
t_eq "binary garbage: exit 3" "$RC" 3
t_grep "binary garbage: FILE:LINE: message" 'garbage\.zone:[0-9]+: [^ ]' "$W/last.err"
printf '$ORIGIN example.\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN TXT "a\0b"\n\0\0\0\n' > "$W/nul.zone"
run "NUL bytes" --now "$NOW" "$W/nul.zone"
t_eq "NUL bytes: exit 3" "$RC" 3
mkdir -p "$W/a-directory.zone"
run "a directory" --now "$NOW" "$W/a-directory.zone"
t_eq "a directory: exit 3" "$RC" 3
t_grep "a directory: names it" 'a-directory\.zone' "$W/last.err"
run "missing file" --now "$NOW" "$W/no-such.zone"
t_eq "missing file: exit 3" "$RC" 3
t_grep "missing file: names it" 'no-such\.zone' "$W/last.err"

# Command-line mistakes: exit 3 with a message.
Z=$FX/bind-a13-nsec.zone
for args in "--now yesterday" "--now 2030-13-01T00:00:00Z" "--now @x" "--warn-expiry soon" "--warn-expiry 5y" \
	"--warn-expiry -1d" "--threads 0" "--threads many" "--format xml" "--no-such-option" \
	"--ds $W/no-such.ds" "--origin"; do
	# shellcheck disable=SC2086
	run "bad option: $args" $args "$Z"
	t_eq "bad option: $args: exit 3" "$RC" 3
	t_grep "bad option: $args: a message" '[a-z]' "$W/last.err"
done
run "no zone file" --now "$NOW"
t_eq "no zone file: exit 3" "$RC" 3
run "two zone files" --now "$NOW" "$Z" "$Z"
t_eq "two zone files: exit 3" "$RC" 3

# --ds file problems: syntax error with its line, records of other types.
printf 'example. IN DS 1 13 2 00\nexample. IN DS nonsense\n' > "$W/bad.ds"
run "--ds with a bad line" --now "$NOW" --ds "$W/bad.ds" "$Z"
t_eq "--ds with a bad line: exit 3" "$RC" 3
t_grep "--ds with a bad line: bad\.ds:2:" 'bad\.ds:2: [^ ]' "$W/last.err"
printf 'example. 3600 IN A 192.0.2.1\n' > "$W/a.ds"
run "--ds with no DS or DNSKEY" --now "$NOW" --ds "$W/a.ds" "$Z"
t_eq "--ds with no DS or DNSKEY: exit 3" "$RC" 3

# ---- valid input in unusual shapes -----------------------------------------
# CRLF line endings.
sed 's/$/\r/' "$Z" > "$W/crlf.zone"
t_grep "crlf: the copy has CR" $'\r$' "$W/crlf.zone"
vf_verify "$W/crlf" --now "$NOW" "$W/crlf.zone"
t_rc "CRLF: exit 0" 0
t_codes "CRLF: no finding" "$W/crlf.json" ""
t_eq "CRLF: all records" "$("${ZT[@]}" get "$W/crlf.json" summary.records)" "$("${ZT[@]}" count "$Z")"

# $INCLUDE: the second half of the zone in another file (absolute path),
# and a relative $INCLUDE with an origin argument.
n=$(wc -l < "$Z")
head -n $((n / 2)) "$Z" > "$W/inc-main.zone"
tail -n +$((n / 2 + 1)) "$Z" > "$W/inc-part.zone"
echo "\$INCLUDE $W/inc-part.zone" >> "$W/inc-main.zone"
vf_verify "$W/inc" --now "$NOW" "$W/inc-main.zone"
t_rc "\$INCLUDE: exit 0" 0
t_codes "\$INCLUDE: no finding" "$W/inc.json" ""
t_eq "\$INCLUDE: all records" "$("${ZT[@]}" get "$W/inc.json" summary.records)" "$("${ZT[@]}" count "$Z")"
# Control: without the included half the zone is broken.
head -n $((n / 2)) "$Z" > "$W/inc-half.zone"
vf_verify "$W/inc-half" --now "$NOW" "$W/inc-half.zone"
t_rc "\$INCLUDE control: half a zone does not verify" 2

# $INCLUDE with an origin argument (RFC 1035 §5.1): a.b.sub's records, with
# the relative owner "a", included under b.sub.example.; afterwards the
# origin reverts, so the relative "mail" that follows is mail.example.
{
	echo '$ORIGIN example.'
	grep -Ev '^(a\.b\.sub|mail)\.example\.' "$Z"
	echo "\$INCLUDE $W/inc-sub.zone b.sub.example."
	grep -E '^mail\.example\.' "$Z" | sed -E 's/^mail\.example\./mail/'
} > "$W/inc-origin.zone"
grep -E '^a\.b\.sub\.example\.' "$Z" | sed -E 's/^a\.b\.sub\.example\./a/' > "$W/inc-sub.zone"
t_eq "\$INCLUDE origin: the included file has 4 relative records" "$(grep -c '^a[[:space:]]' "$W/inc-sub.zone")" 4
vf_verify "$W/inc-origin" --now "$NOW" "$W/inc-origin.zone"
t_rc "\$INCLUDE with origin, origin restored after it: exit 0" 0
t_codes "\$INCLUDE with origin: no finding" "$W/inc-origin.json" ""
t_eq "\$INCLUDE with origin: all records" "$("${ZT[@]}" get "$W/inc-origin.json" summary.records)" "$("${ZT[@]}" count "$Z")"

# $GENERATE: the two glue A records of knot-a13-zonemd written as one
# $GENERATE line; the ZONEMD digest proves the expansion exact.
ZM=$FX/knot-a13-zonemd.zone
grep -Eq '^ns1\.glued\.example\.[[:space:]]+86400[[:space:]]+A[[:space:]]+192\.0\.2\.53' "$ZM" &&
	grep -Eq '^ns2\.glued\.example\.[[:space:]]+86400[[:space:]]+A[[:space:]]+192\.0\.2\.54' "$ZM"
t_eq "\$GENERATE: fixture has the glue lines" $? 0
for off in 52 53; do
	grep -Ev '^ns[12]\.glued\.example\.[[:space:]]+86400[[:space:]]+A[[:space:]]' "$ZM" > "$W/gen-$off.zone"
	echo "\$GENERATE 1-2 ns\$.glued.example. 86400 IN A 192.0.2.\${$off}" >> "$W/gen-$off.zone"
done
vf_verify "$W/gen" --now "$NOW" "$W/gen-52.zone"
t_rc "\$GENERATE: exit 0" 0
t_codes "\$GENERATE: no finding (ZONEMD matches)" "$W/gen.json" ""
t_eq "\$GENERATE: all records" "$("${ZT[@]}" get "$W/gen.json" summary.records)" "$("${ZT[@]}" count "$ZM")"
vf_verify "$W/gen-off" --now "$NOW" "$W/gen-53.zone"
t_rc "\$GENERATE control: other addresses, exit 2" 2
t_codes "\$GENERATE control: ZONEMD mismatch" "$W/gen-off.json" "+ZONEMD_MISMATCH example. *"

# --origin: matching (with and without the final dot) loads; another does not.
vf_verify "$W/origin-ok" --origin example. --now "$NOW" "$Z"
t_rc "--origin example.: exit 0" 0
vf_verify "$W/origin-nodot" --origin example --now "$NOW" "$Z"
t_rc "--origin example: exit 0" 0
vf_verify "$W/origin-case" --origin EXAMPLE. --now "$NOW" "$Z"
t_rc "--origin EXAMPLE.: exit 0" 0
run "--origin mismatch" --origin other.test. --now "$NOW" "$Z"
t_eq "--origin mismatch: exit 3" "$RC" 3
t_grep "--origin mismatch: a message" '[a-z]' "$W/last.err"
# A file with relative names and no $ORIGIN loads with --origin.
base | sed 1d > "$W/relative.zone"
vf_verify "$W/relative" --origin example. --now "$NOW" "$W/relative.zone"
t_eq "relative names + --origin: loads (ZONE_UNSIGNED, not a load error)" \
	"$VF_RC:$("${ZT[@]}" ew "$W/relative.json" 2>/dev/null | cut -d' ' -f1-2 | tr '\n' ' ')" "2:ZONE_UNSIGNED example. "
# Semantic mutations: well-formed zone files whose DNSSEC fields are absurd
# (short or unknown keys, impossible RRSIG fields, huge NSEC3 parameters,
# self-pointing chains).  Any findings, but a JSON report, exit 0..3 and no
# sanitizer report.
ed31=$("$PY" -c 'import base64; print(base64.b64encode(bytes(31)).decode())')
h_www=$("${ZT[@]}" nsec3hash "$FX/ldns-a13-nsec3.zone" www.example.)
sem=(
	"dnskey-short|ldns-a13-nsec3|field example. DNSKEY 3 AAAA 0 256"
	"dnskey-alg200|ldns-a13-nsec3|field example. DNSKEY 2 200 0 256"
	"dnskey-proto2|ldns-a13-nsec3|field example. DNSKEY 1 2 0 257"
	"dnskey-flags0|ldns-a13-nsec3|field example. DNSKEY 0 0 0 256"
	"rsa-no-modulus|knot-a8-nsec3|field example. DNSKEY 3 AwEA 0 256"
	"rsa-long-exp|knot-a8-nsec3|field example. DNSKEY 3 AP//AQAB 0 256"
	"rsa-zero-exp|knot-a8-nsec3|field example. DNSKEY 3 AAAAAQ== 0 256"
	"ed25519-31|ldns-a15-nsec3optout|field example. DNSKEY 3 $ed31 0 256"
	"nsec3param-iter65535|ldns-a13-nsec3|field example. NSEC3PARAM 2 65535"
	"nsec3param-hash2|ldns-a13-nsec3|field example. NSEC3PARAM 0 2"
	"nsec3param-salt255|ldns-a13-nsec3|field example. NSEC3PARAM 3 $(printf 'ff%.0s' {1..255})"
	"nsec3-self|ldns-a13-nsec3|field $h_www NSEC3 4 ${h_www%%.*}"
	"nsec3-iter65535|ldns-a13-nsec3|field $h_www NSEC3 2 65535"
	"rrsig-alg8|ldns-a13-nsec3|rrsigfield www.example. A 1 8"
	"rrsig-alg15|ldns-a13-nsec3|rrsigfield www.example. A 1 15"
	"rrsig-sig-short|ldns-a13-nsec3|rrsigfield www.example. A 8 AAAA"
	"rrsig-rsa-short|ldns-a8-nsec|rrsigfield www.example. A 8 AAAA"
	"rrsig-covers-unknown|ldns-a13-nsec3|rrsigfield www.example. A 0 TYPE65000"
	"rrsig-times-extreme|ldns-a13-nsec3|rrsigfield www.example. A 4 0|rrsigfield www.example. A 5 4294967295"
	"rrsig-labels255|ldns-a13-nsec3|rrsigfield www.example. A 2 255"
	"rrsig-signer-root|ldns-a13-nsec3|rrsigfield www.example. A 7 ."
	"ds-digest200|ldns-a13-nsec3|field secure.example. DS 2 200"
	"ds-digest-short|ldns-a13-nsec3|field secure.example. DS 3 AB"
	"zonemd-scheme0|ldns-a13-zonemd|field example. ZONEMD 1 0 2 1"
	"zonemd-short|ldns-a13-zonemd|field example. ZONEMD 3 AB 2 2"
	"nsec-type65535|bind-a13-nsec|nsecbitmap ns1.example. A TYPE65535 RRSIG NSEC"
	"nsec-self|bind-a13-nsec|field mail.example. NSEC 0 mail.example."
	"nsec-loop-apex|bind-a13-nsec|field example. NSEC 0 example."
	"cname-at-apex|bind-a13-nsec|add example. 3600 IN CNAME www.example."
	"cname-and-a|knot-a15-nsec|add ftp.example. 3600 IN A 192.0.2.21"
)
bad_sem=0
for entry in "${sem[@]}"; do
	IFS='|' read -r -a f <<< "$entry"
	name=${f[0]} base=${f[1]}
	if ! "${ZT[@]}" edit "$FX/$base.zone" "$W/sem-$name.zone" "${f[@]:2}" 2> "$W/sem.err"; then
		not_ok "semantic mutation $name applies" "$(cat "$W/sem.err")"
		bad_sem=$((bad_sem + 1))
		continue
	fi
	timeout 30 "$DNSVIGIL" verify --format json --now "$NOW" "$W/sem-$name.zone" > "$W/sem-$name.json" 2> "$W/sem-$name.err"
	rc=$?
	if [ "$rc" -gt 3 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$W/sem-$name.err"; then
		not_ok "semantic mutation $name: no crash" "exit $rc" "$(head -c 600 "$W/sem-$name.err")"
		bad_sem=$((bad_sem + 1))
	elif ! "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$W/sem-$name.json" 2> /dev/null; then
		not_ok "semantic mutation $name: a JSON report" "exit $rc" "$(head -c 300 "$W/sem-$name.err")"
		bad_sem=$((bad_sem + 1))
	fi
done
t_eq "${#sem[@]} semantic mutations: all reported, none crashed" "$bad_sem" 0

# Mutated signed zones (bytes flipped, lines dropped or doubled, a field
# cut short): any verdict (exit 0..2, or 3 for a file that does not load)
# and no sanitizer report.  Seeded,
# so a failure reproduces: the file stays in $W.
"$PY" - "$FX/bind-a13-nsec.zone" "$FX/knot-a8-nsec3.zone" "$FX/ldns-a13-zonemd.zone" "$W" <<'PYEOF'
import random, sys
srcs, out = sys.argv[1:4], sys.argv[4]
r = random.Random(20251123)
for i in range(36):
    data = bytearray(open(srcs[i % 3], "rb").read())
    lines = data.split(b"\n")
    kind = i % 4
    if kind == 0:      # flip a few bytes anywhere
        for _ in range(r.randint(1, 8)):
            j = r.randrange(len(data))
            data[j] = r.choice(b"\0 \t\"();\\.$@*0123456789abcdefABCDEF\xff\x80")
    elif kind == 1:    # drop or double random lines
        for _ in range(r.randint(1, 10)):
            j = r.randrange(len(lines))
            if r.random() < 0.5:
                del lines[j]
            else:
                lines.insert(j, lines[j])
        data = bytearray(b"\n".join(lines))
    elif kind == 2:    # cut a line short
        j = r.randrange(len(lines))
        lines[j] = lines[j][: r.randrange(max(1, len(lines[j])))]
        data = bytearray(b"\n".join(lines))
    else:              # truncate the file
        data = data[: r.randrange(len(data))]
    open("%s/mut-%02d.zone" % (out, i), "wb").write(data)
PYEOF
crashed=0
for f in "$W"/mut-*.zone; do
	timeout 30 "$DNSVIGIL" verify --format json --now "$NOW" "$f" > "$W/mut.out" 2> "$W/mut.err"
	rc=$?
	if [ "$rc" -gt 3 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$W/mut.err"; then
		crashed=$((crashed + 1))
		not_ok "mutated zone $(basename "$f"): no crash" "exit $rc" "$(head -c 600 "$W/mut.err")"
	elif [ "$rc" = 3 ] && ! grep -Eq "$(basename "$f"):[0-9]+: " "$W/mut.err"; then
		crashed=$((crashed + 1))
		not_ok "mutated zone $(basename "$f"): a load error says FILE:LINE:" "$(head -c 300 "$W/mut.err")"
	fi
done
t_eq "36 mutated zones: no crash, every load error located" "$crashed" 0
exit 0
