#!/usr/bin/env bash
# tests/lab/stop.sh - stop what tests/lab/start.sh started in $LAB_DIR, and
# nothing else: every process is found by the pid start.sh recorded, and is
# signalled only while its command line still names $LAB_DIR (a recycled pid
# is left alone).  Loopback addresses are removed only if start.sh added them.
# Exits non-zero, naming the process, if something refuses to stop.
set -uo pipefail

LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
[ -d "$LAB_DIR" ] || { echo "lab: nothing to stop ($LAB_DIR does not exist)"; exit 0; }
LAB_DIR=$(cd "$LAB_DIR" && pwd)
RUN=$LAB_DIR/run
[ -d "$RUN" ] || { echo "lab: nothing to stop in $LAB_DIR"; exit 0; }

if [ "${LAB_LOCKED:-0}" != 1 ]; then
	exec 9> "$LAB_DIR/.lock"
	flock -w 180 9 || { echo "lab: FAILED: $LAB_DIR/.lock is held" >&2; exit 1; }
fi

# Leases (start.sh): the lab is shared by every caller that started it and is
# still running; a stop from one of them only releases its own lease while
# another live caller holds one.  LAB_FORCE_STOP=1 (or a restart from
# start.sh) stops regardless.
if [ -d "$LAB_DIR/leases" ]; then
	rm -f "$LAB_DIR/leases/$PPID"
	users=""
	for l in "$LAB_DIR"/leases/*; do
		[ -f "$l" ] || continue
		p=$(basename "$l")
		if [ -r "/proc/$p/cmdline" ] && [ "$(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null)" = "$(cat "$l")" ]; then
			users+="$p ($(cut -c1-60 "$l")) "
		else
			rm -f "$l"
		fi
	done
	if [ -n "$users" ] && [ "${LAB_LOCKED:-0}" != 1 ] && [ "${LAB_FORCE_STOP:-0}" != 1 ]; then
		echo "lab: still in use by $users- not stopped (LAB_FORCE_STOP=1 stops it anyway)"
		exit 0
	fi
fi

ours() { # ours PID - the process exists and its command line names $LAB_DIR
	[ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null | grep -qF "$LAB_DIR"
}

descendants() { # descendants PID - every child, grandchild... of PID
	local c
	for c in $(cat /proc/"$1"/task/*/children 2> /dev/null); do
		echo "$c"
		descendants "$c"
	done
}

pids=()
names=()
for f in "$RUN"/*.pid; do
	[ -f "$f" ] || continue
	pid=$(cat "$f")
	case $pid in '' | *[!0-9]*) continue ;; esac
	if ours "$pid"; then
		n=$(basename "$f" .pid)
		for c in $(descendants "$pid"); do
			ours "$c" && { pids+=("$c"); names+=("$n-child"); }
		done
		kill -TERM "$pid" 2> /dev/null
		pids+=("$pid")
		names+=("$n")
	fi
done

failed=""
for i in "${!pids[@]}"; do
	pid=${pids[$i]}
	for _ in $(seq 1 50); do
		ours "$pid" || break
		sleep 0.1
	done
	if ours "$pid"; then
		kill -KILL "$pid" 2> /dev/null
		sleep 0.2
		ours "$pid" && failed+="${names[$i]}($pid) "
	fi
done

if [ -f "$RUN/addrs" ]; then
	while read -r a; do
		[ -n "$a" ] && ip addr del "$a/32" dev lo 2> /dev/null
	done < "$RUN/addrs"
fi

if [ -n "$failed" ]; then
	echo "lab: FAILED: could not stop $failed" >&2
	exit 1
fi
rm -rf "$RUN" "$LAB_DIR/.stamp"
echo "lab: stopped ${#pids[@]} processes in $LAB_DIR"
exit 0
