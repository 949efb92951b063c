#!/usr/bin/env bash
# scripts/check-layers.sh - fail when a module of src/ includes a header of a
# module at its own level or above it, by the order in src/LAYERS.  Prints one
# line per offending include (file:line: A -> B), then one TAP line
# ("ok - layers ..." or "not ok - layers ..."); exit status 0 or 1.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
LAYERS=$TOP/src/LAYERS
declare -A level allow
n=0
while read -r line; do
	line=${line%%#*}
	[ -z "${line// /}" ] && continue
	if [[ $line == allow* ]]; then
		read -r _ a _ b <<< "$line"
		allow["$a>$b"]=1
		continue
	fi
	for m in $line; do level[$m]=$n; done
	n=$((n + 1))
done < "$LAYERS"

bad=0
for d in "$TOP"/src/*/; do
	mod=$(basename "$d")
	if [ -z "${level[$mod]+x}" ]; then
		echo "src/$mod: module not listed in src/LAYERS"
		bad=$((bad + 1))
		continue
	fi
	while IFS=: read -r file lno text; do
		inc=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<< "$text")
		[ "$inc" = "$mod" ] && continue
		if [ -z "${level[$inc]+x}" ]; then
			echo "${file#"$TOP"/}:$lno: $mod -> $inc: $inc is not listed in src/LAYERS"
			bad=$((bad + 1))
		elif [ "${level[$inc]}" -ge "${level[$mod]}" ] && [ -z "${allow["$mod>$inc"]+x}" ]; then
			echo "${file#"$TOP"/}:$lno: $mod -> $inc: $inc is not below $mod in src/LAYERS"
			bad=$((bad + 1))
		fi
	done < <(grep -nE '^#include "[a-z_]+/' "$d"*.[ch] /dev/null)
done
# an exception that no include needs any more is stale
for k in "${!allow[@]}"; do
	a=${k%>*} b=${k#*>}
	if ! grep -qE "^#include \"$b/" "$TOP/src/$a/"*.[ch] 2> /dev/null; then
		echo "src/LAYERS: 'allow $a -> $b' is no longer needed: remove it"
		bad=$((bad + 1))
	fi
done
if [ "$bad" -eq 0 ]; then echo "ok - layers: src/ follows src/LAYERS"; else
	echo "not ok - layers: $bad include(s) against src/LAYERS"; exit 1; fi
