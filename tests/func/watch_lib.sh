# shellcheck shell=bash disable=SC2034  # WURL, WVKEY, DPID: read by the tests
# tests/func/watch_lib.sh - what the tests of `dnsvigil watch` share, sourced
# after lib.sh: a witness for the ledger (test_watch.sh,
# test_watch_time.sh, test_watch_resolver.sh), and for the tests with
# servers of their own (the last two) the daemon, /metrics, the store's
# events and the checks of the ledger at the end.  Defines functions only.
#
# Reads: DNSVIGIL, WORK, MPORT (the daemon's /metrics port), S (its state
# directory).  PIDS: an array of the processes the test kills at its end
# (kill_pids); each function adds what it starts.

kill_pids() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2> /dev/null; done
	wait 2> /dev/null # no "Killed" notices
}

# witness_start ORIGIN=VKEY-FILE... - a dnsvigil witness on 127.0.0.1 (a
# port the kernel picks) trusting those logs; sets WVKEY (its verifier key)
# and WURL
witness_start() {
	local t trust=()
	for t in "$@"; do trust+=(--trust "$t"); done
	"$DNSVIGIL" witness --new-key witness.lab/w1 --key "$WORK/witness.key" > "$WORK/witness.vkey"
	WVKEY=$(cat "$WORK/witness.vkey")
	"$DNSVIGIL" witness --listen 127.0.0.1:0 --key "$WORK/witness.key" --state "$WORK/witness.db" \
		"${trust[@]}" 2> "$WORK/witness.log" &
	PIDS+=($!)
	for _ in $(seq 50); do
		grep -q 'listening on port' "$WORK/witness.log" && break
		sleep 0.1
	done
	WURL=http://127.0.0.1:$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$WORK/witness.log")
}

# watch_start CONFIG - dnsvigil watch (log $WORK/daemon.log) in DPID, up once
# /metrics answers on MPORT; a not_ok and false when it died first
watch_start() {
	"$DNSVIGIL" watch --config "$1" >> "$WORK/daemon.log" 2>&1 &
	DPID=$!
	PIDS+=("$DPID")
	for _ in $(seq 1 50); do
		curl -s --max-time 2 "http://127.0.0.1:$MPORT/metrics" > /dev/null && break
		kill -0 "$DPID" 2> /dev/null || break
		sleep 0.2
	done
	kill -0 "$DPID" 2> /dev/null && return 0
	not_ok "the daemon started" "$(tail -3 "$WORK/daemon.log")"
	return 1
}

# watch_stop - SIGTERM, wait up to 10 s for the daemon to end
watch_stop() {
	kill -TERM "$DPID"
	for _ in $(seq 1 100); do
		kill -0 "$DPID" 2> /dev/null || break
		sleep 0.1
	done
}

scrape() { curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$WORK/m.txt"; }
metric() { # metric REGEXP-OF-SERIES -> value of the last scrape (first match)
	grep -E "^$1 " "$WORK/m.txt" | head -1 | awk '{print $2}'
}
# full_config FILE INTERVAL LINE... - a configuration for the lab (lab.env
# read), state in $S, no /metrics, every zone with full: true every
# INTERVAL; LINEs: the entries of its zones: list
full_config() {
	local file=$1 interval=$2
	shift 2
	{
		echo "state_directory: $S"
		echo "root_hints: $LAB_ROOT_HINTS"
		echo "trust_anchor: $LAB_ROOT_DS"
		echo 'listen: ""'
		echo "probe:"
		echo "  timeout_ms: 500"
		echo "  retries: 0"
		echo "defaults:"
		echo "  interval: $interval"
		echo "  full: true"
		echo "zones:"
		printf '%s\n' "$@"
	} > "$file"
}

# shellcheck disable=SC2120 # test_full_faults.sh passes an event id
# events [ID] -> "zone|kind|server|subject|old|new" of every event of the
# store ($S/watch.db) after event ID (default: all), in order
events() {
	python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for r in db.execute("SELECT zone, kind, server, subject, old, new FROM event WHERE id > ? ORDER BY id",
                    (int(sys.argv[2]),)):
    print("|".join(str(x).replace("\n", ";") for x in r))
' "$S/watch.db" "${1:-0}" 2> /dev/null
}
# last_event -> the id of the store's last event (0: none)
last_event() {
	python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT coalesce(max(id), 0) FROM event").fetchone()[0])
' "$S/watch.db" 2> /dev/null || echo 0
}
# wait_events PATTERN SECONDS - until an event line matches
wait_events() {
	local i
	for ((i = 0; i < $2 * 4; i++)); do
		events | grep -Eq -- "$1" && return 0
		sleep 0.25
	done
	return 1
}

# ledger_checks - after the daemon ended: the store's events are the
# ledger's entries, once, in order; `dnsvigil log verify` passes (intact and
# anchored); the daemon's log has no sanitizer report
ledger_checks() {
	if python3 "$TOP/tests/func/watch_ledger.py" -v "$DNSVIGIL" "$S" > "$WORK/lc.out" 2>&1; then
		ok "every store event is a ledger entry, once, in order ($(head -1 "$WORK/lc.out"))"
	else
		not_ok "ledger and store agree" "$(head -6 "$WORK/lc.out")"
	fi
	t_cmd "dnsvigil log verify passes (intact, anchored)" 0 "$DNSVIGIL" log verify -d "$S"
	t_nogrep "no sanitizer report from the daemon" 'Sanitizer|runtime error' "$WORK/daemon.log"
}
