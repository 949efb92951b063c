#!/usr/bin/env bash
# scripts/netns.sh NAME [CMD...] - run CMD (default: a shell) inside the
# network namespace dv-NAME, so that several labs can run side by side on
# one machine: the lab binds fixed addresses (127.53.0.0/16, port 53), and
# each namespace has its own loopback.  The namespace is created on first
# use with lo up and stays until `ip netns del dv-NAME`.  LAB_DIR is
# /tmp/dnsvigil-lab-NAME unless already set, so the labs' state stays apart.
#
#   sudo scripts/netns.sh a ./scripts/test.sh      # two whole suites at once
#   sudo scripts/netns.sh b ./scripts/test.sh
#   sudo scripts/netns.sh a bash -c 'tests/lab/start.sh && . $LAB_DIR/lab.env && dig @$LAB_RES_UNBOUND healthy.lab.'
#
# Only the network is separate: files, processes and the CPU are shared (the
# lab's leases and locks are per LAB_DIR).  Needs root (ip netns).
set -eu
usage() { echo "usage: $0 NAME [CMD...]   (NAME: letters, digits, '-', '_')" >&2; exit 2; }
[ $# -ge 1 ] || usage
name=$1
shift
case $name in '' | *[!A-Za-z0-9_-]*) usage ;; esac
[ "$(id -u)" = 0 ] || { echo "$0: needs root (ip netns)" >&2; exit 2; }

ns=dv-$name
if ! ip netns list | awk '{ print $1 }' | grep -qxF "$ns"; then
	# another netns.sh may create it at the same moment: that one wins
	ip netns add "$ns" 2> /dev/null || [ -e "/run/netns/$ns" ] ||
		{ echo "$0: cannot create network namespace $ns" >&2; exit 1; }
fi
ip -n "$ns" link set lo up

export LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab-$name}
[ $# -gt 0 ] || set -- "${SHELL:-/bin/bash}"
exec ip netns exec "$ns" "$@"
