#!/usr/bin/env bash
# shellcheck disable=SC2016 # zone-file text with literal $INCLUDE etc.
# test_verify_limits.sh - hostile zone and record files (issue 10, items 1,
# 2, 3 and 12): many $INCLUDE lines, include loops and fan-outs in zone,
# --ds, trust-anchor and hints files, $GENERATE ranges that overflow, zones
# that expand past the record ceiling; --no-include and --max-records.
# Each run has a memory and time ceiling (t_limited): a regression fails
# instead of thrashing.  Healthy controls show the same inputs load when
# they are within the limits.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/func/verify/common.sh"

vf_fixtures
W=$WORK/lim
mkdir -p "$W"
Z=$FX/bind-a13-nsec.zone
MB=400 # memory ceiling of every run (MiB)

# limited DESC SECONDS ARGS... - dnsvigil ARGS under the ceilings; a crash,
# a sanitizer report, a timeout or the memory ceiling fails "DESC: within
# limits, no crash".
limited() {
	local desc=$1 secs=$2
	shift 2
	t_limited "$MB" "$secs" "$DNSVIGIL" "$@"
	if [ "$RC" -gt 3 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|stack smashing|Segmentation' "$WORK/last.err"; then
		not_ok "$desc: within ${MB} MiB and ${secs} s, no crash" "exit $RC: dnsvigil $*" "$(head -c 600 "$WORK/last.err")"
	else
		ok "$desc: within ${MB} MiB and ${secs} s, no crash"
	fi
}

# ---- item 1: many $INCLUDE lines (libzscanner's stack held 16) -------------
# The signed fixture cut into 24 pieces, each $INCLUDEd by the top file: the
# zone verifies clean, with every record.
n=$(wc -l < "$Z")
mkdir -p "$W/pieces"
split -n l/24 -d -a 2 "$Z" "$W/pieces/p"
: > "$W/many.zone"
for f in "$W"/pieces/p*; do echo "\$INCLUDE pieces/$(basename "$f")" >> "$W/many.zone"; done
t_eq "24 pieces written" "$(grep -c INCLUDE "$W/many.zone"):$(cat "$W"/pieces/p* | wc -l)" "24:$n"
limited "24 \$INCLUDE lines" 60 verify --format json --now "$NOW" "$W/many.zone"
t_eq "24 \$INCLUDE lines: exit 0" "$RC" 0
t_eq "24 \$INCLUDE lines: every record" \
	"$("${ZT[@]}" get "$WORK/last.out" summary.records 2> /dev/null)" "$("${ZT[@]}" count "$Z")"
# One small file included 40 times, then a record whose line must be right.
{
	sed -n '1,/SOA/p' "$Z" | grep -v '^;'
	for _ in $(seq 40); do echo '$INCLUDE same.inc'; done
	echo 'after.example. 3600 IN A 192.0.2.99'
	echo 'after.example. 3600 IN A 192.0.2.300'
} > "$W/same.zone"
echo 'inc.example. 3600 IN A 192.0.2.1' > "$W/same.inc"
limited "40 \$INCLUDE lines of one file" 30 verify --format json --now "$NOW" "$W/same.zone"
t_eq "40 \$INCLUDE lines of one file: exit 3 for the bad record" "$RC" 3
t_grep "40 \$INCLUDE lines: the bad record after them has its own line" \
	"same\.zone:$(grep -n '192\.0\.2\.300' "$W/same.zone" | cut -d: -f1): " "$WORK/last.err"

# ---- item 2: include loops and fan-outs, in every kind of file --------------
printf 'example. 3600 IN DS 1 13 2 %s\n$INCLUDE self.ds\n' "$(printf '00%.0s' {1..32})" > "$W/self.ds"
limited "--ds file that includes itself" 20 verify --now "$NOW" --ds "$W/self.ds" "$Z"
t_eq "--ds self-include: exit 3" "$RC" 3
t_grep "--ds self-include: FILE:LINE: names the loop" 'self\.ds:2: \$INCLUDE [^ ]*self\.ds: include loop' "$WORK/last.err"
# Two files that include each other, through a symbolic link: found by the
# file's identity, whatever the name.
printf '$INCLUDE b.ds\n' > "$W/a.ds"
printf '$INCLUDE a-link.ds\n' > "$W/b.ds"
ln -sf a.ds "$W/a-link.ds"
limited "--ds files that include each other" 20 verify --now "$NOW" --ds "$W/a.ds" "$Z"
t_eq "--ds mutual include: exit 3" "$RC" 3
t_grep "--ds mutual include: the loop, by identity" 'b\.ds:1: \$INCLUDE [^ ]*a-link\.ds: include loop' "$WORK/last.err"
# 7 files of about 200 bytes, each including the next 16 times: 16^6 opens
# (17 million) without a total budget; the budget stops it at 10000.
for i in 1 2 3 4 5 6; do
	: > "$W/fan$i.ds"
	for _ in $(seq 16); do echo "\$INCLUDE fan$((i + 1)).ds" >> "$W/fan$i.ds"; done
done
echo '; the last one' > "$W/fan7.ds"
limited "7 files including each other 16 times" 60 verify --now "$NOW" --ds "$W/fan1.ds" "$Z"
t_eq "fan-out: exit 3" "$RC" 3
t_grep "fan-out: the include budget, FILE:LINE:" 'fan[0-9]\.ds:[0-9]+: \$INCLUDE .*more than 10000 included files' "$WORK/last.err"
# Deeper than 8 files inside each other.
for i in $(seq 1 12); do echo "\$INCLUDE deep$((i + 1)).ds" > "$W/deep$i.ds"; done
echo '; bottom' > "$W/deep13.ds"
limited "12 nested includes" 20 verify --now "$NOW" --ds "$W/deep1.ds" "$Z"
t_eq "nested includes: exit 3" "$RC" 3
t_grep "nested includes: the depth limit" 'deep[0-9]+\.ds:1: \$INCLUDE .*nested deeper than 8 files' "$WORK/last.err"
# The same loop in a zone file, and in root hints and trust anchor of check
# (refused while loading, before any query).
{ cat "$Z"; echo '$INCLUDE loop.zone'; } > "$W/loop.zone"
limited "zone file that includes itself" 20 verify --now "$NOW" "$W/loop.zone"
t_eq "zone self-include: exit 3" "$RC" 3
t_grep "zone self-include: FILE:LINE: include loop" "loop\.zone:$((n + 1)): \\\$INCLUDE .*include loop" "$WORK/last.err"
printf '. 3600000 NS a.root.test.\n$INCLUDE self.hints\n' > "$W/self.hints"
printf '. 3600 IN DS 1 13 2 %s\n' "$(printf '00%.0s' {1..32})" > "$W/root.ds"
limited "root hints that include themselves" 20 check --root-hints "$W/self.hints" --trust-anchor "$W/root.ds" example.
t_grep "check, self-including hints: FILE:LINE: include loop" 'self\.hints:2: \$INCLUDE .*include loop' "$WORK/last.err"
t_eq "check, self-including hints: exit 3, no probe" "$RC" 3
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.1\n' > "$W/ok.hints"
limited "trust anchor that includes itself" 20 check --root-hints "$W/ok.hints" --trust-anchor "$W/self.ds" example.
t_grep "check, self-including anchor: FILE:LINE: include loop" 'self\.ds:2: \$INCLUDE .*include loop' "$WORK/last.err"
# Control: the fixture's DS file, reached through an include, loads.
cp "$FX/bind-a13-nsec.ds" "$W/good-part.ds"
printf '; the DS is in another file\n$INCLUDE good-part.ds\n' > "$W/good.ds"
limited "--ds file with an include" 30 verify --format json --now "$NOW" --ds "$W/good.ds" "$Z"
t_eq "--ds file with an include: exit 0" "$RC" 0

# --no-include: the same files refused at the include, the zone and --ds alike.
{ sed -n '1,/SOA/p' "$Z" | grep -v '^;'; echo '$INCLUDE same.inc'; } > "$W/inc1.zone"
limited "--no-include, zone" 20 verify --no-include --now "$NOW" "$W/inc1.zone"
t_eq "--no-include, zone: exit 3" "$RC" 3
t_grep "--no-include, zone: FILE:LINE: refused" "inc1\.zone:$(grep -n INCLUDE "$W/inc1.zone" | cut -d: -f1): \\\$INCLUDE refused" "$WORK/last.err"
limited "--no-include, --ds" 20 verify --no-include --now "$NOW" --ds "$W/a.ds" "$Z"
t_grep "--no-include, --ds: refused at a.ds:1" 'a\.ds:1: \$INCLUDE refused' "$WORK/last.err"
limited "without --no-include" 20 verify --format json --now "$NOW" "$W/inc1.zone"
t_nogrep "without --no-include: the include is read" 'INCLUDE' "$WORK/last.err"

# ---- item 3: $GENERATE ranges that overflow ---------------------------------
base_gen() { sed -n '1,/SOA/p' "$Z" | grep -v '^;'; echo "$1"; }
gl=$(($(base_gen x | wc -l)))
for r in '0-9223372036854775807/9223372036854775807' '0-4294967296' '9223372036854775807-9223372036854775807' \
	'0-18446744073709551616' '5-1' '0-10/0' '-1-5' '0-10/-1'; do
	base_gen "\$GENERATE $r h\$ A 192.0.2.1" > "$W/gen.zone"
	limited "\$GENERATE $r" 10 verify --now "$NOW" "$W/gen.zone"
	t_eq "\$GENERATE $r: exit 3" "$RC" 3
	t_grep "\$GENERATE $r: FILE:LINE: \$GENERATE: range" "gen\.zone:$gl: \\\$GENERATE: range" "$WORK/last.err"
done
base_gen '$GENERATE 1-2 h$ A 192.0.2.${9223372036854775807}' > "$W/gen-off.zone"
limited "\$GENERATE offset overflow" 10 verify --now "$NOW" "$W/gen-off.zone"
t_grep "\$GENERATE offset overflow: FILE:LINE: bad offset" "gen-off\.zone:$gl: \\\$GENERATE: bad offset" "$WORK/last.err"
# Control: the largest values that are allowed, with a step that jumps over
# the range after one record.
base_gen '$GENERATE 4294967295-4294967295/4294967295 h$ TXT "${-4294967295}"' > "$W/gen-max.zone"
limited "\$GENERATE at the largest values" 20 verify --format json --now "$NOW" "$W/gen-max.zone"
t_nogrep "\$GENERATE at the largest values: loads" 'gen-max\.zone:[0-9]+:' "$WORK/last.err"
t_grep "\$GENERATE at the largest values: a report" '"records"' "$WORK/last.out"

# ---- item 12: the record ceiling, before the memory is spent ---------------
# 70 lines of a million records each: 70 million records, refused before any
# is made, at the line that passes 67108864.
{ sed -n '1,/SOA/p' "$Z" | grep -v '^;'; for i in $(seq 0 69); do echo "\$GENERATE 0-999999 h$i-\$ A 192.0.2.1"; done; } > "$W/70m.zone"
over=$(($(sed -n '1,/SOA/p' "$Z" | grep -vc '^;') + 68))
limited "70 million records from \$GENERATE" 20 verify --now "$NOW" "$W/70m.zone"
t_eq "70M records: exit 3" "$RC" 3
t_grep "70M records: refused at the line that passes the ceiling" "70m\.zone:$over: \\\$GENERATE: would make more than 67108864 records" "$WORK/last.err"
# --max-records: the fixture has N records; N-1 refuses it, N loads it.
nrec=$("${ZT[@]}" count "$Z")
limited "--max-records $((nrec - 1))" 20 verify --format json --max-records $((nrec - 1)) --now "$NOW" "$Z"
t_eq "--max-records below the zone: exit 3" "$RC" 3
t_grep "--max-records below the zone: FILE:LINE: more than" "bind-a13-nsec\.zone:[0-9]+: more than $((nrec - 1)) records" "$WORK/last.err"
limited "--max-records $nrec" 20 verify --format json --max-records "$nrec" --now "$NOW" "$Z"
t_eq "--max-records at the zone's size: exit 0" "$RC" 0
# The same in parts (a 2-thread load of a cut file gives the one-thread message).
limited "--max-records, 2 threads" 20 verify --threads 2 --max-records $((nrec - 1)) --now "$NOW" "$Z"
t_grep "--max-records, 2 threads: the same message" "bind-a13-nsec\.zone:[0-9]+: more than $((nrec - 1)) records" "$WORK/last.err"
# $GENERATE inside an included file counts too.
{ sed -n '1,/SOA/p' "$Z" | grep -v '^;'; echo '$INCLUDE gen50.inc'; } > "$W/gen-inc.zone"
printf '$GENERATE 1-30 a$ A 192.0.2.1\n$GENERATE 1-30 b$ A 192.0.2.1\n' > "$W/gen50.inc"
limited "\$GENERATE in an include, --max-records 50" 20 verify --max-records 50 --now "$NOW" "$W/gen-inc.zone"
t_grep "\$GENERATE in an include: refused at its line there" 'gen50\.inc:2: \$GENERATE: would make more than 50 records' "$WORK/last.err"
for a in 0 -1 2147483649 many; do
	limited "--max-records $a" 10 verify --max-records "$a" --now "$NOW" "$Z"
	t_eq "--max-records $a: exit 3" "$RC" 3
done
exit 0
