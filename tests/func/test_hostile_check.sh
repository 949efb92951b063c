#!/usr/bin/env bash
# tests/func/test_hostile_check.sh - dnsvigil check and audit against the
# hostile tree (tests/lab/hostile.sh; issue 10 items 5, 6, 7, 8, 9 and the
# replay of item 6): servers that leave questions unanswered or answer
# garbage, a chain deeper than the walk goes, more addresses than a zone is
# probed at, a referral naming 1000 NS names into silence, many keys of one
# key tag with junk signatures, an RSA key with a 4096-bit exponent, NSEC3
# with 65535 iterations; the daemon's stored snapshot of a zone a ceiling
# cut off keeps its PROBE_LIMIT.  Every run has a memory and time ceiling
# (t_limited): a regression fails instead of thrashing.  Each finding is also
# shown absent where the tree is healthy (the lab's healthy.lab., and the
# well-behaved server beside each misbehaving one).
. "$(dirname "$0")/lib.sh"

need_lab
if ! LAB_DIR=$LAB_DIR "$TOP/tests/lab/hostile.sh" start > "$WORK/hostile.log" 2>&1; then
	not_ok "hostile tree starts" "$(tail -5 "$WORK/hostile.log")"
	exit 0
fi
# shellcheck disable=SC1091
. "$LAB_DIR/hostile/hostile.env"
MB=400 # memory ceiling of every run (MiB)

# hcheck NAME SECONDS ARGS... - check against the hostile root, JSON report in
# $WORK/NAME.json, text in $WORK/NAME.txt (the text run with --from the
# snapshot saved in $WORK/NAME.snap), within the ceilings
hcheck() {
	local name=$1 secs=$2
	shift 2
	t_limited "$MB" "$secs" "$DNSVIGIL" check --root-hints "$H_ROOT_HINTS" \
		--trust-anchor "$H_ROOT_DS" --format json --save "$WORK/$name.snap" "$@"
	HRC=$RC
	cp "$WORK/last.out" "$WORK/$name.json"
	cp "$WORK/last.err" "$WORK/$name.err"
	if [ "$RC" -gt 3 ] || grep -Eq 'AddressSanitizer|runtime error:|Segmentation' "$WORK/last.err"; then
		not_ok "$name: within $MB MiB and $secs s" "exit $RC" "$(head -c 600 "$WORK/last.err")"
	else
		ok "$name: within $MB MiB and $secs s"
	fi
	"$DNSVIGIL" check --from "$WORK/$name.snap" > "$WORK/$name.txt" 2>&1
}

# codes FILE - "CODE ZONE SERVER" per finding, one server per line
codes() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    for s in f.get("server") or ["-"]:
        print(f["code"], f.get("zone") or "-", s)
' "$1" > "$WORK/codes.out" || echo "UNREADABLE-REPORT $1"
	sort -u "$WORK/codes.out"
}
# detail FILE CODE - the details of every finding of CODE
detail() {
	python3 -c '
import json, sys
for f in json.load(open(sys.argv[1])).get("findings", []):
    if f["code"] == sys.argv[2]:
        print(f.get("detail", ""))
' "$1" "$2" 2> /dev/null
}
# field FILE ZONE KEY - a member of a zone of a JSON report
field() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
z = next((z for z in d["zones"] if z["name"] == sys.argv[2]), {})
print(z.get(sys.argv[3], "absent"))
' "$1" "$2" "$3"
}
has() { # has DESC FILE PATTERN - a "CODE ZONE SERVER" line matches
	local c
	c=$(codes "$2")
	if grep -Eq -- "$3" <<< "$c"; then ok "$1"; else not_ok "$1" "$(head -20 <<< "$c")"; fi
}
hasnt() { # hasnt DESC FILE PATTERN - no line matches (and the report was read)
	local c
	c=$(codes "$2")
	if grep -q '^UNREADABLE-REPORT' <<< "$c"; then
		not_ok "$1" "the report $2 could not be read"
	elif grep -Eq -- "$3" <<< "$c"; then not_ok "$1" "$(grep -E -- "$3" <<< "$c" | head)"; else ok "$1"; fi
}

NEW='CHECK_INCOMPLETE|PROBE_LIMIT|SERVER_BAD_REPLY|VALIDATION_BUDGET|KEYTAG_COLLISION|DNSKEY_RSA_EXPONENT|NSEC3_ITERATIONS_INSECURE'

# ---- the healthy control: none of the new findings on a sound tree --------
t_limited "$MB" 60 "$DNSVIGIL" check --root-hints "$LAB_ROOT_HINTS" --trust-anchor "$LAB_ROOT_DS" \
	--format json "$LAB_HEALTHY_ZONE"
cp "$WORK/last.out" "$WORK/healthy.json"
t_eq "healthy: exit 0" "$RC" 0
hasnt "healthy: none of the hostile-input findings" "$WORK/healthy.json" "^($NEW) "

# ---- item 5: questions never answered, answers that do not parse ----------
hcheck droppy 60 --timeout 400 --retries 0 droppy.
has "droppy: CHECK_INCOMPLETE on the relay that drops A, NULL, CDS, CDNSKEY" "$WORK/droppy.json" \
	"^CHECK_INCOMPLETE droppy\. $LAB_HOSTILE_DROPPY$"
t_grep "... naming what went unanswered and what was not checked" \
	'CDS \(timeout\), CDNSKEY \(timeout\), the NXDOMAIN question \(timeout\), the NODATA question \(timeout\): not checked on this server: CDS, CDNSKEY, NXDOMAIN proof, NODATA proof' \
	<(detail "$WORK/droppy.json" CHECK_INCOMPLETE)
hasnt "... and not on the server that answers everything" "$WORK/droppy.json" "^CHECK_INCOMPLETE droppy\. $LAB_HOSTILE_NSD$"
hasnt "droppy: no false 'UDP unanswered, TCP worked'" "$WORK/droppy.json" "^SERVER_UDP_FAILS"
t_eq "droppy: the verdict is not clean (exit 1)" "$HRC" 1
t_grep "droppy: the text report says it too" "CHECK_INCOMPLETE" "$WORK/droppy.txt"

hcheck garbage 60 --timeout 400 --retries 0 garbage.
has "garbage: SERVER_BAD_REPLY on the server answering garbage" "$WORK/garbage.json" \
	"^SERVER_BAD_REPLY garbage\. $LAB_HOSTILE_GARBAGE$"
hasnt "... not reported as a timeout (SERVER_UNREACHABLE)" "$WORK/garbage.json" "^SERVER_UNREACHABLE garbage\."
hasnt "... and not on the sound server" "$WORK/garbage.json" "^SERVER_BAD_REPLY garbage\. $LAB_HOSTILE_NSD$"

# ---- item 5: a chain cut at 32 zone cuts, addresses beyond 64 -------------
hcheck deep 60 --timeout 400 --retries 0 "$H_DEEP_LAST"
t_grep "deep: PROBE_LIMIT names the domain the walk gave up on" \
	"the walk to $H_DEEP_LAST stopped after 32 zone cuts" <(detail "$WORK/deep.json" PROBE_LIMIT)
t_eq "deep: not clean (exit 1)" "$HRC" 1

hcheck many 60 --timeout 400 --retries 0 many.
t_grep "many: PROBE_LIMIT names the $((H_MANY_ADDRS - 64)) addresses not probed" \
	"$((H_MANY_ADDRS - 64)) server addresses beyond the first 64 not probed: ($LAB_HOSTILE_DEAD_PREFIX\.(6[5-9]|70) ?){6}$" \
	<(detail "$WORK/many.json" PROBE_LIMIT)
t_eq "many: the zone is indeterminate (no address answers)" "$(field "$WORK/many.json" many. status)" indeterminate

# ---- item 9: 1000 NS names without glue into silence; deadline; budgets ---
# Default timeouts (1 s, one retry): before the budgets this took minutes.
hcheck wide 40 wide.
t_grep "wide: the NS names beyond 64 are named and counted" \
	"$((H_WIDE_NS - 64)) NS names beyond the first 64 not used: ns65\.blackhole\." <(detail "$WORK/wide.json" PROBE_LIMIT)
t_grep "wide: the look-ups beyond 20 per zone too" \
	"44 NS names without glue not looked up \(20 are\)" <(detail "$WORK/wide.json" PROBE_LIMIT)
t_eq "wide: the zone is indeterminate" "$(field "$WORK/wide.json" wide. status)" indeterminate

hcheck deadline 20 --deadline 1500ms --timeout 5000 blackhole.
t_grep "deadline: PROBE_LIMIT says the deadline passed and what was abandoned" \
	"the probe's deadline of 1500 ms passed: [0-9]+ queries abandoned" <(detail "$WORK/deadline.json" PROBE_LIMIT)
hasnt "deadline: the abandoned server is not called unreachable" "$WORK/deadline.json" "^SERVER_UNREACHABLE blackhole\."
t_limited "$MB" 20 "$DNSVIGIL" check --root-hints "$H_ROOT_HINTS" --trust-anchor "$H_ROOT_DS" --deadline 0 blackhole.
t_eq "deadline: 0 is refused" "$([ "$RC" -ne 0 ] && grep -q -- --deadline "$WORK/last.err" && echo refused)" refused

hcheck budget 60 --server-queries 3 droppy.
t_grep "server budget: PROBE_LIMIT names the server and the count" \
	"queries to this server not sent: its budget of 3 queries was spent \(--server-queries\)" \
	<(detail "$WORK/budget.json" PROBE_LIMIT)

# ---- item 6: KeyTrap (many keys of one tag, junk signatures) --------------
hcheck keytrap 60 --timeout 2000 keytrap.
has "keytrap: KEYTAG_COLLISION on every keytrap server" "$WORK/keytrap.json" \
	"^KEYTAG_COLLISION keytrap\. ${LAB_HOSTILE_KEYTRAP_FIRST}$"
t_grep "... naming the tag and how many keys share it" \
	"$H_JUNK_KEYS keys share key tag $H_KEYTRAP_TAG and algorithm 15" <(detail "$WORK/keytrap.json" KEYTAG_COLLISION)
t_grep "keytrap: VALIDATION_BUDGET names the RRset and the count" \
	"300 of 30[12] RRSIGs not judged: they name a key tag that $H_JUNK_KEYS keys share; 4 are tried per signature" \
	<(detail "$WORK/keytrap.json" VALIDATION_BUDGET)
has "... on the DNSKEY RRset of every server" "$WORK/keytrap.json" "^VALIDATION_BUDGET keytrap\. ${LAB_HOSTILE_KEYTRAP_FIRST%.*}\.14$"
v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["signatures_verified"])' "$WORK/keytrap.json")
t_eq "keytrap: at most a few hundred verifications ($v)" "$([ "$v" -le 2000 ] && echo bounded)" bounded
# The saved snapshot replays within the same ceilings, to the same verdict.
t_limited "$MB" 60 "$DNSVIGIL" check --from "$WORK/keytrap.snap" --format json
t_eq "keytrap replay (check --from): exit as live" "$RC" "$HRC"
t_eq "... the same findings" "$(codes "$WORK/last.out")" "$(codes "$WORK/keytrap.json")"
t_limited "$MB" 60 "$DNSVIGIL" check --from "$WORK/keytrap.snap" --format json --max-validations 5
t_grep "keytrap replay with --max-validations 5: the check's budget is named" \
	"the budget of 5 validations per check was spent" <(python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f.get("detail", ""))' "$WORK/last.out")

# ---- item 7: an RSA public exponent of 4096 bits ---------------------------
hcheck bigexp 60 --timeout 2000 bigexp.
t_grep "bigexp: DNSKEY_RSA_EXPONENT with the exponent's size" \
	"public exponent of 4096 bits; validators refuse more than 35" <(detail "$WORK/bigexp.json" DNSKEY_RSA_EXPONENT)
has "... on the server, with the key's tag" "$WORK/bigexp.json" "^DNSKEY_RSA_EXPONENT bigexp\. $LAB_HOSTILE_NSD$"
hasnt "keytrap has no RSA key: no DNSKEY_RSA_EXPONENT there" "$WORK/keytrap.json" "^DNSKEY_RSA_EXPONENT"

# ---- item 8: NSEC3 with 65535 iterations, on eight addresses ---------------
hcheck nsec3 60 --timeout 3000 nsec3.
t_grep "nsec3: NSEC3_ITERATIONS_INSECURE, names not hashed" \
	"65535 additional iterations, above RFC 5155 §10.3's 2500: names not hashed" <(detail "$WORK/nsec3.json" NSEC3_ITERATIONS_INSECURE)
t_eq "nsec3: the verdict says its denials are insecure" "$(field "$WORK/nsec3.json" nsec3. denial_insecure)" True
t_grep "... in the text report too" "denials are insecure to validators: NSEC3 with 65535 iterations" "$WORK/nsec3.txt"
hasnt "nsec3: no DENIAL_PROOF_INVALID for proofs it did not hash" "$WORK/nsec3.json" "^DENIAL_PROOF_INVALID"
t_eq "healthy.lab.: no denial_insecure" "$(field "$WORK/healthy.json" "$LAB_HEALTHY_ZONE" denial_insecure)" absent

# ---- item 9 for the audit: a silent 'resolver', a deadline -----------------
t_limited "$MB" 30 "$DNSVIGIL" audit --canary canary.lab. --timeout 500 --retries 1 --format json \
	"$LAB_HOSTILE_BLACKHOLE"
t_eq "audit of a silent address: unreachable" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resolvers"][0]["verdict"])' "$WORK/last.out" 2> /dev/null)" unreachable
t_limited "$MB" 30 "$DNSVIGIL" audit --canary canary.lab. --timeout 5000 --deadline 1s \
	--format json "$LAB_HOSTILE_BLACKHOLE"
t_eq "audit --deadline 1s: the resolver could not be judged" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resolvers"][0]["verdict"])' "$WORK/last.out" 2> /dev/null)" indeterminate
t_grep "... because questions were abandoned" "questions abandoned before an answer" "$WORK/last.out"

# ---- the daemon: what a ceiling cut off stays in the snapshots it keeps -----
# many. (70 addresses, 64 probed) and nsec3. watched together (one batch):
# the snapshot stored for many. holds its PROBE_LIMIT, so `check --from` of
# it judges as the cycle did; nsec3.'s holds none of many.'s.
. "$TOP/tests/func/watch_lib.sh"
S=$WORK/hstate
MPORT=19858
PIDS=()
cat > "$WORK/hw.yaml" << YAML
state_directory: $S
root_hints: $H_ROOT_HINTS
trust_anchor: $H_ROOT_DS
listen: 127.0.0.1:$MPORT
probe:
  timeout_ms: 400
  retries: 0
defaults:
  interval: 1h
zones:
  - many.
  - nsec3.
YAML
if watch_start "$WORK/hw.yaml"; then
	if wait_events '^many\.\|zone\.status\|' 60 && wait_events '^nsec3\.\|zone\.status\|' 30; then
		ok "daemon: the first cycle of many. and nsec3. ended"
	else
		not_ok "daemon: the first cycle of many. and nsec3. ended" "$(tail -3 "$WORK/daemon.log")"
	fi
	watch_stop
	for z in many nsec3; do
		"$DNSVIGIL" history -d "$S" "$z." > "$WORK/h-$z.txt" 2>&1
		sid=$(sed -nE 's/.*observed .* snapshot=([0-9]+).*/\1/p' "$WORK/h-$z.txt" | head -1)
		"$DNSVIGIL" history -d "$S" --snapshot "${sid:-0}" > "$WORK/h-$z.snap" 2> /dev/null
		"$DNSVIGIL" check --from "$WORK/h-$z.snap" --format json > "$WORK/h-$z.json" 2> /dev/null
	done
	t_grep "daemon: many.'s stored snapshot keeps its PROBE_LIMIT (check --from)" \
		"$((H_MANY_ADDRS - 64)) server addresses beyond the first 64 not probed" \
		<(detail "$WORK/h-many.json" PROBE_LIMIT)
	hasnt "daemon: nsec3.'s stored snapshot has none of many.'s limits" "$WORK/h-nsec3.json" "^PROBE_LIMIT"
	t_nogrep "daemon: no sanitizer report" 'Sanitizer|runtime error' "$WORK/daemon.log"
fi
kill_pids
