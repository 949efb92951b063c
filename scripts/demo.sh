#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: install dependencies, build,
# start the local lab, and show real reports: `dnsvigil verify` on a signed
# example zone, `dnsvigil check` on a healthy and a broken lab zone, and
# `dnsvigil audit` of the lab's resolvers; then `dnsvigil watch` on the lab:
# `dnsvigil status`, some /metrics lines, and the ledger entries of a change
# made on the signing primary.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
./scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release > /dev/null
ninja -C build > /dev/null
DV="$TOP/build/dnsvigil"
export DNSVIGIL="$DV"

hr() { printf '\n==== %s\n\n' "$*"; }

# A small signed example zone, made fresh with BIND's signer.
EX=$(mktemp -d /tmp/dnsvigil-example.XXXXXX)
"$TOP/scripts/make-example.sh" "$EX" > /dev/null
hr "dnsvigil verify $EX/example.zone.signed"
"$DV" verify --ds "$EX/dsset-example." "$EX/example.zone.signed" || true
hr "the same zone with one record changed after signing"
sed 's/192\.0\.2\.2$/192.0.2.99/' "$EX/example.zone.signed" > "$EX/tampered.zone"
"$DV" verify "$EX/tampered.zone" || true

# The daemon on the lab: its first cycles, `dnsvigil status`, some /metrics
# lines, then a change made on the signing primary (knotd) and the ledger
# entries the daemon wrote for it; the change is undone at the end.
demo_watch() {
	local st z=healthy.lab. kc=$LAB_DIR/knot/knot.conf port=9853 pid i before after
	st=$(mktemp -d /tmp/dnsvigil-watch.XXXXXX)
	cat > "$st/watch.yaml" << EOF
state_directory: $st
root_hints: $LAB_DIR/root.hints
trust_anchor: $LAB_DIR/root.ds
listen: 127.0.0.1:$port
defaults:
  interval: 10s
zones:
  - healthy.lab.
  - expired.lab.
  - stale.lab.
  - name: unsigned.lab.
    expect: insecure
resolvers:
  canary: canary.lab.
  interval: 30s
  servers:
    - address: $LAB_RES_UNBOUND
      name: unbound
    - address: $LAB_RES_NOVALIDATE
      name: novalidate
EOF
	hr "dnsvigil watch --config $st/watch.yaml (in the background, a cycle every 10 s)"
	cat "$st/watch.yaml"
	"$DV" watch --config "$st/watch.yaml" 2> "$st/watch.log" &
	pid=$!
	metrics() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics"; }
	soa() { kdig +short +norec "@$LAB_KNOT" "$z" SOA | awk '{print $3}'; }
	for ((i = 0; i < 60; i++)); do
		[ "$(metrics | grep -c '^dnsvigil_probe_last_success_timestamp_seconds{.*} [1-9]')" -ge 4 ] &&
			[ "$(metrics | grep -c '^dnsvigil_resolver_last_success_timestamp_seconds{.*} [1-9]')" -ge 2 ] && break
		sleep 1
	done
	hr "dnsvigil status --config $st/watch.yaml"
	"$DV" status --config "$st/watch.yaml" || true
	hr "curl -s http://127.0.0.1:$port/metrics (a few lines)"
	metrics | grep -E '^dnsvigil_(zone_validation_state|zone_servers_divergent|probe_success|findings|ledger_entries)' |
		grep -v ' 0$' | head -14 || true
	metrics | grep '^dnsvigil_resolver_validating' || true
	before=$(soa)
	hr "a change on the signing primary: knotc zone-set $z demo TXT (serial $before)"
	knotc -c "$kc" zone-begin "$z" > /dev/null &&
		knotc -c "$kc" zone-set "$z" demo 300 TXT "changed by demo.sh" > /dev/null &&
		knotc -c "$kc" zone-commit "$z" > /dev/null
	for ((i = 0; i < 30; i++)); do
		after=$(soa)
		[ -n "$after" ] && [ "$after" != "$before" ] && break
		sleep 0.5
	done
	echo "knotd serves serial $after; waiting for the daemon's next cycle of $z ..."
	for ((i = 0; i < 40; i++)); do
		"$DV" log show -d "$st" --zone "$z" 2> /dev/null | grep -q "zone.serial.*$after" && break
		sleep 1
	done
	sleep 3 # the secondaries' transfers after knotd's NOTIFY: this cycle or the next
	hr "dnsvigil log show -d $st --zone $z (the ledger: the baseline, then the change)"
	"$DV" log show -d "$st" --zone "$z" | tail -12 || true
	kill -TERM "$pid"
	wait "$pid" || true
	knotc -c "$kc" zone-begin "$z" > /dev/null && knotc -c "$kc" zone-unset "$z" demo TXT > /dev/null &&
		knotc -c "$kc" zone-commit "$z" > /dev/null || true
	echo
	echo "(the daemon stopped with a final ledger checkpoint; the demo record is removed again."
	echo " Its state: $st; try dnsvigil history --state-dir $st $z, dnsvigil log verify -d $st)"
}

if [ -x tests/lab/start.sh ]; then
	hr "starting the lab (tests/lab/start.sh)"
	tests/lab/start.sh
	LAB_DIR=${LAB_DIR:-/tmp/dnsvigil-lab}
	# shellcheck disable=SC1091
	. "$LAB_DIR/lab.env"
	if "$DV" check --help > /dev/null 2>&1; then
		for z in healthy.lab. expired.lab.; do
			hr "dnsvigil check $z"
			"$DV" check --root-hints "$LAB_DIR/root.hints" \
				--trust-anchor "$LAB_DIR/root.ds" "$z" || true
		done
	fi
	if "$DV" audit --help > /dev/null 2>&1 && [ -n "${LAB_RESOLVERS:-}" ]; then
		hr "dnsvigil audit (lab resolvers)"
		# shellcheck disable=SC2086
		"$DV" audit --canary canary.lab. $LAB_RESOLVERS || true
	fi
	if "$DV" watch --help > /dev/null 2>&1; then
		demo_watch
	fi
	echo
	echo "The lab keeps running; stop it with tests/lab/stop.sh"
fi
