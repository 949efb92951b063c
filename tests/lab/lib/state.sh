# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/state.sh - the lab's state directory: what start.sh needs
# before it starts anything (programs, root, the lock), which dnsvigil makes
# the canary, the stamp of the running lab, and a fresh start.  Sourced by
# start.sh; defines functions only.
#
# Sets: LAB_DIR (made absolute), DNSVIGIL, CANARY_OK, STAMP, RUN, LOG, KD, Z,
# MAX_AGE;
# holds the lock $LAB_DIR/.lock on fd 9 until start.sh exits.

# lab_stamp - the hash of every file the lab is made from (start.sh, every
# part in lib/, the address plan, the purpose-written servers): a running lab
# made from other files is restarted.  Names are hashed too, so adding,
# removing or renaming a part counts.
lab_stamp() {
	(cd "$HERE" && find . -type f ! -name '*.md' ! -name '.*' ! -path '*/__pycache__/*' -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# has_canary BINARY - BINARY is a dnsvigil with the canary subcommand
has_canary() { [ -n "$1" ] && [ -x "$1" ] && "$1" canary --help > /dev/null 2>&1; }

lab_preflight() {
	local b c
	for b in knotd keymgr knotc kdig nsd named dnssec-keygen dnssec-signzone dnssec-dsfromkey \
		nsec3hash unbound kresd pdns_recursor dig python3 ip flock sha256sum; do
		command -v "$b" > /dev/null || die "missing program: $b"
	done
	[ "$(id -u)" = 0 ] || die "must run as root (servers bind port 53, addresses go on lo)"

	mkdir -p "$LAB_DIR" || die "cannot create $LAB_DIR"
	LAB_DIR=$(cd "$LAB_DIR" && pwd)
	exec 9> "$LAB_DIR/.lock"
	flock -w 180 9 || die "another start/stop holds $LAB_DIR/.lock"

	# dnsvigil for the canary: $DNSVIGIL if given, else the first of build/ and
	# build-test/ whose binary has the canary subcommand
	DNSVIGIL=${DNSVIGIL:-}
	if ! has_canary "$DNSVIGIL"; then
		for c in "$TOP/build/dnsvigil" "$TOP/build-test/dnsvigil"; do
			has_canary "$c" && { DNSVIGIL=$c; break; }
		done
	fi
	CANARY_OK=0
	has_canary "$DNSVIGIL" && CANARY_OK=1
	# what the running lab was built from; a lab without the canary is restarted
	# once a dnsvigil with canary exists (never the other way round: a caller
	# without canary must not take it away from the others)
	STAMP=$(lab_stamp)
	RUN=$LAB_DIR/run     # pids, launch order, addresses added to lo
	LOG=$LAB_DIR/log     # one log per server, start.log
	KD=$LAB_DIR/keys     # BIND-style keys (kept across restarts)
	Z=$LAB_DIR/zones     # zone sources and pre-signed files

	# Re-sign time-relative zones when the last signing is older than this.
	MAX_AGE=${LAB_MAX_AGE:-21600}
}

# lab_reset - stop whatever an earlier start left behind, start from fresh
# state directories
lab_reset() {
	if [ -d "$RUN" ]; then
		say "stopping an earlier, incomplete or outdated lab"
		LAB_LOCKED=1 "$HERE/stop.sh" > /dev/null || die "stop.sh could not stop the old lab"
	fi

	# Fresh state; keys are kept (they are slow-ish to make and keep the trust
	# anchor stable across restarts).
	rm -rf "$RUN" "$LOG" "$LAB_DIR/zones" "$LAB_DIR/knot/db" "$LAB_DIR/knot/zones" \
		"$LAB_DIR"/nsd-* "$LAB_DIR"/named-* "$LAB_DIR"/unbound* "$LAB_DIR/kresd" \
		"$LAB_DIR/pdns" "$LAB_DIR/canary" "$LAB_DIR/.stamp" \
		"$LAB_DIR/.extra-procs" # (written by start.sh before the split)
	mkdir -p "$RUN" "$LOG" "$LAB_DIR/keys" "$LAB_DIR/zones" "$LAB_DIR/knot/keys" \
		"$LAB_DIR/knot/db" "$LAB_DIR/knot/zones" || die "cannot create state directories"
}
