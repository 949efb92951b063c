# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/common.sh - what every part of the lab uses: messages and
# failure (say, step, die), processes (launch, pid_alive), time (utc) and
# leases.  Sourced by start.sh; defines functions only.
#
# Reads: LAB_DIR, HERE, T0; LOG and RUN once lab_preflight has set them.

say() { printf 'lab: %s\n' "$*"; }

# step WHAT - note the phase and the elapsed time in $LOG/start.log
step() { [ -d "${LOG:-}" ] && printf '%3d s %s\n' $(($(date +%s) - T0)) "$*" >> "$LOG/start.log"; return 0; }

die() { # die MESSAGE [FILE-TO-SHOW] - report, stop what this run started, exit 1
	printf 'lab: FAILED: %s\n' "$1" >&2
	[ -n "${2:-}" ] && [ -s "$2" ] && tail -25 "$2" | sed 's/^/lab:   /' >&2
	if [ "${LAB_STARTED_SOMETHING:-0}" = 1 ] && [ "${LAB_KEEP_ON_FAIL:-0}" != 1 ]; then
		LAB_LOCKED=1 "$HERE/stop.sh" > /dev/null 2>&1
		printf 'lab: stopped what was started (LAB_KEEP_ON_FAIL=1 keeps it for debugging); logs in %s\n' "$LAB_DIR/log" >&2
	fi
	exit 1
}

pid_alive() { # pid_alive NAME - the recorded process runs and is ours
	local f=$RUN/$1.pid pid
	[ -f "$f" ] || return 1
	pid=$(cat "$f")
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -qF "$LAB_DIR"
}

launch() { # launch NAME CMD... - start CMD in its own session, record its pid
	local name=$1
	shift
	# fd 9 holds the start/stop lock: daemons must not inherit it
	setsid "$@" < /dev/null >> "$LOG/$name.out" 2>&1 9>&- &
	echo $! > "$RUN/$name.pid"
	echo "$name" >> "$RUN/order"
	LAB_STARTED_SOMETHING=1
}

utc() { date -u -d "@$1" +%Y%m%d%H%M%S; }

# lease - record that our caller uses the lab; stop.sh from another caller
# leaves the lab running while a live caller still holds a lease (several
# scripts/test.sh runs share one lab on this machine)
lease() {
	mkdir -p "$LAB_DIR/leases"
	tr '\0' ' ' < "/proc/$PPID/cmdline" > "$LAB_DIR/leases/$PPID" 2> /dev/null
	return 0
}
