#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: install dependencies, build,
# start the local lab, and show real reports: `dnsvigil verify` on a signed
# example zone, `dnsvigil check` on a healthy and a broken lab zone, and
# `dnsvigil audit` of the lab's resolvers.
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
	echo
	echo "The lab keeps running; stop it with tests/lab/stop.sh"
fi
