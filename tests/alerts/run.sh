#!/usr/bin/env bash
# tests/alerts/run.sh - `promtool test rules` on every tests/alerts/*_test.yml
# (the alert rules of doc/alerts/) and `promtool check rules`; one TAP line each.
cd "$(dirname "$0")" || exit 1
if ! command -v promtool > /dev/null; then
	echo "not ok - alerts: promtool not installed (scripts/install-deps.sh installs prometheus)"
	exit 0
fi
if out=$(promtool check rules ../../doc/alerts/dnsvigil.rules.yml 2>&1); then
	echo "ok - alerts: promtool check rules"
else
	echo "not ok - alerts: promtool check rules"
	printf '%s\n' "$out" | sed 's/^/#   /' | head -20
fi
for t in *_test.yml; do
	if out=$(promtool test rules "$t" 2>&1); then
		n=$(grep -c 'alertname:' "$t")
		echo "ok - alerts: $t ($n alert tests: each alert fires, and stays quiet when healthy)"
	else
		echo "not ok - alerts: $t"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -30
	fi
done
