# shellcheck shell=bash
# tests/func/verify/common.sh - shared by tests/func/test_verify_*.sh.
# Source after tests/func/lib.sh.
#
#   vf_fixtures          sets FX to a directory of signed fixtures (see
#                        make-fixtures.sh); generated once per version of the
#                        generator into $DV_FIXTURE_CACHE (default
#                        /var/tmp/dnsvigil-func-verify/<hash>), reused after.
#   vf_verify OUT ARGS.. runs "$DNSVIGIL verify --format json ARGS..." with
#                        stdout to OUT.json, stderr to OUT.err, status in VF_RC;
#                        a crash (status > 3, a signal, a sanitizer report)
#                        or a hang (more than $VF_TIMEOUT s, default 60) is
#                        reported as a failed test right away.
#   t_codes DESC JSON EXPECT-LINES  the error/warning findings equal EXPECT
#                        (format: zt.py match), as one TAP line.
#   t_rc DESC WANT       VF_RC equals WANT.

VF=$TOP/tests/func/verify
# Debian's interpreter directly: a version-manager shim costs ~0.3 s a call.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
ZT=("$PY" -S "$VF/zt.py")
# shellcheck disable=SC2034 # NOW, EXP_UNIX, ORIGIN: used by the sourcing scripts
NOW=20300101000000        # inside every fixture's validity window
# shellcheck disable=SC2034
EXP_UNIX=2051222400       # 2035-01-01 00:00:00 UTC, every RRSIG's expiration
# shellcheck disable=SC2034
ORIGIN=example.

vf_fixtures() {
	local hash base
	hash=$(sha256sum < "$VF/make-fixtures.sh" | cut -c1-16)
	base=${DV_FIXTURE_CACHE:-/var/tmp/dnsvigil-func-verify}
	FX=$base/$hash
	[ -f "$FX/complete" ] && return 0
	mkdir -p "$base"
	(
		flock -w 300 9 || exit 1
		[ -f "$FX/complete" ] && exit 0
		rm -rf "$FX.tmp"
		mkdir -p "$FX.tmp"
		timeout 300 nice bash "$VF/make-fixtures.sh" "$FX.tmp" > "$WORK/make-fixtures.log" 2>&1 &&
			mv "$FX.tmp" "$FX" &&
			# fixtures of older generator versions, unused for a day
			find "$base" -mindepth 1 -maxdepth 1 -type d ! -name "$hash*" -mtime +0 \
				-exec rm -rf {} + 2> /dev/null
		[ -f "$FX/complete" ]
	) 9> "$base/.lock"
	if [ -f "$FX/complete" ]; then
		ok "fixtures ready ($FX)"
	else
		not_ok "fixtures generated" "$(tail -20 "$WORK/make-fixtures.log")"
		echo "Bail out! no fixtures"
		exit 1
	fi
}

# The fixture names in the manifest: all, or only the clean ones.
vf_names() { awk -v c="${1:-}" 'c == "" || $5 == c { print $1 }' "$FX/manifest"; }

vf_verify() {
	local out=$1
	shift
	# A hang is a failure too (exit 124 > 2), not a stalled suite.
	timeout "${VF_TIMEOUT:-60}" "$DNSVIGIL" verify --format json "$@" > "$out.json" 2> "$out.err"
	VF_RC=$?
	vf_crashcheck "$out.err" "$VF_RC" "verify $*"
}

# vf_crashcheck STDERR RC WHAT - not ok if the run crashed
vf_crashcheck() {
	if [ "$2" -gt 3 ] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation fault' "$1"; then
		not_ok "no crash: $3" "exit $2" "$(head -c 800 "$1")"
		return 1
	fi
	return 0
}

t_rc() {
	t_eq "$1" "$VF_RC" "$2"
}

t_codes() {
	local desc=$1 json=$2 exp=$WORK/expect.$$.$RANDOM diff
	printf '%s\n' "$3" > "$exp"
	if [ ! -s "$json" ]; then
		not_ok "$desc" "no JSON output ($json)" "$(head -c 400 "${json%.json}.err" 2>/dev/null)"
		return 0
	fi
	if diff=$("${ZT[@]}" match "$json" "$exp" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "$diff"
	fi
}

# vf_fault NAME BASE OP... - copy fixture BASE with edits into $WORK/NAME.zone
vf_fault() {
	local name=$1 base=$2
	shift 2
	if ! "${ZT[@]}" edit "$FX/$base.zone" "$WORK/$name.zone" "$@" 2> "$WORK/$name.edit.err"; then
		not_ok "fault $name applies" "$(cat "$WORK/$name.edit.err")"
		return 1
	fi
	return 0
}
