#!/usr/bin/env bash
# tests/lab/start.sh - start the dnsvigil lab: a private, signed DNS tree on
# loopback served by real servers (knotd signing primary, NSD and BIND
# secondaries, a second "provider" loading pre-signed files), broken-scenario
# zones, fault servers and five resolvers.  See tests/lab/README.md.
#
# Idempotent: if the lab in $LAB_DIR is already up (same scripts, signatures
# fresh, every process alive) it returns at once; otherwise it stops whatever
# an earlier start left behind (only processes it recorded) and starts afresh.
# Exits non-zero with a message naming what failed.
#
# This file is the table of contents: each step is a function of one part in
# lib/ (one role per file, each readable on its own; its header says what it
# reads and sets).  The order matters where one part uses what another made.
# shellcheck disable=SC2034  # TOP, SERIAL...: read by the parts in lib/
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
export LAB_DIR
# shellcheck source=addresses.sh
. "$HERE/addresses.sh"
T0=$(date +%s)
for part in common state loopback scenarios signing canary roll knot nsd bind odd faultd resolvers xfr copies xfrfault ready env; do
	# shellcheck source=/dev/null
	. "$HERE/lib/$part.sh"
done

lab_preflight                          # state.sh: programs, root, the lock, which dnsvigil, STAMP
if lab_is_current; then                # ready.sh
	lease
	say "already running in $LAB_DIR (source $LAB_DIR/lab.env)"
	exit 0
fi
lab_reset                              # state.sh: stop leftovers, fresh state (keys kept)

step "addresses"
addresses_up                           # loopback.sh: the plan of addresses.sh on lo

# The time every time-relative zone is signed against (lab.env: LAB_STARTED_AT)
NOW=$(date +%s)
SERIAL=$NOW
echo "$NOW" > "$LAB_DIR/.signed-at"

step "pre-signed zones"
presign_zones                          # signing.sh: provider B's scenarios (scenarios.sh)
copies_presign                         # copies.sh: edits.lab.

step "canary"
canary_make                            # canary.sh: dnsvigil canary, its zones and delegation

step "roll.lab."
roll_prepare                           # roll.sh: the rehearsal's parent: keys, DS, delegation

step "knotd"
knot_configure                         # knot.sh
knot_keys                              # signing.sh: KASP keys, DS for lab.
xfrfault_keys                          # xfrfault.sh: xfrfault.lab.'s keys, its DS
trust_anchors_write                    # signing.sh: root.ds, root.key, root.hints, a wrong anchor
knot_zones_write                       # knot.sh: root, lab. and the knot-signed children
xfr_knot_conf                          # xfr.sh: a TSIG-only zone
copies_knot_conf                       # copies.sh: updates to ixfr.lab.; edits.lab. unsigned by knotd
xfrfault_knot_conf                     # xfrfault.sh: xfrfault.lab., updates, a ZONEMD
knot_start                             # knot.sh: until every zone is signed

step "nsd"
nsd_tree_start                         # nsd.sh: root, TLD, secondaries, provider B

step "named-auth"
named_auth_start                       # bind.sh: the same three roles, as views

step "waiting for zones"
zones_wait                             # ready.sh
xfr_wait                               # xfr.sh

step "odd server"
odd_start                              # odd.sh: stale / unsigned / other-CDS copies

step "stale update"
stale_update                           # odd.sh: knotd moves on, the odd server stays

step "copies"
copies_start                           # copies.sh: five NSDs with odd copies of copies.lab.

step "faultd"
faultd_start                           # faultd.sh: drop and truncate servers

step "xfrproxy"
xfrfault_start                         # xfrfault.sh: the relay that damages transfers on demand

step "canary nsd"
canary_serve                           # canary.sh

step "resolvers"
resolvers_start                        # resolvers.sh

step "waiting for resolvers"
resolvers_wait                         # resolvers.sh

step "lab.env"
lab_env_write                          # env.sh
xfr_env                                # xfr.sh
copies_env                             # copies.sh
xfrfault_env                           # xfrfault.sh
roll_env                               # roll.sh

echo "$STAMP" > "$LAB_DIR/.stamp"
lease
step "up"
say "up in $(($(date +%s) - T0)) s; state and logs in $LAB_DIR; source $LAB_DIR/lab.env"
