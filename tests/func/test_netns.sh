#!/usr/bin/env bash
# tests/func/test_netns.sh - scripts/netns.sh gives a command a network of its
# own (a second lab can bind the lab's addresses there while this one runs),
# with lo up and a LAB_DIR of its own; bad names are refused.
. "$(dirname "$0")/lib.sh"

NS=$TOP/scripts/netns.sh
name=functest-$$
if [ "$(id -u)" != 0 ]; then
	not_ok "netns.sh needs root" "run as root (ip netns)"
	exit 0
fi

t_cmd "no NAME: usage, exit 2" 2 "$NS"
t_cmd "a NAME with a slash is refused (exit 2)" 2 "$NS" "a/b" true
t_cmd "a NAME with a space is refused (exit 2)" 2 "$NS" "a b" true

here=$(readlink /proc/self/ns/net)
there=$(env -u LAB_DIR "$NS" "$name" readlink /proc/self/ns/net 2> "$WORK/err")
if [ -n "$there" ] && [ "$there" != "$here" ]; then ok "CMD runs in another network namespace"; else
	not_ok "CMD runs in another network namespace" "here $here, there '$there'" "$(cat "$WORK/err")"; fi
t_eq "the namespace is kept for the next call" "$("$NS" "$name" readlink /proc/self/ns/net)" "$there"
t_eq "LAB_DIR defaults to one per name" "$(env -u LAB_DIR "$NS" "$name" printenv LAB_DIR)" "/tmp/dnsvigil-lab-$name"
t_eq "a LAB_DIR given is kept" "$(LAB_DIR=/tmp/elsewhere "$NS" "$name" printenv LAB_DIR)" /tmp/elsewhere
"$NS" "$name" ip -o link show lo > "$WORK/lo" 2>&1
t_grep "lo is up in the namespace" '<[A-Z,_]*\bUP\b' "$WORK/lo"

# The point of it: the lab's own address and port are free in there even
# while a lab binds them here.  (UDP and TCP, like the servers.)
addr=127.53.0.1
bind_py='import socket, sys
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, t)
    s.bind((sys.argv[1], 53))
print("bound")'
"$NS" "$name" python3 -c "$bind_py" "$addr" > "$WORK/bind" 2>&1
t_grep "$addr port 53 can be bound inside the namespace" '^bound$' "$WORK/bind"
if [ "${LAB_UP:-0}" = 1 ]; then
	python3 -c "$bind_py" "$addr" > "$WORK/bind-here" 2>&1
	t_grep "...while here the running lab holds it" 'Address already in use' "$WORK/bind-here"
fi

ip netns del "dv-$name" 2> /dev/null
exit 0
