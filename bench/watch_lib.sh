# bench/watch_lib.sh - sourced by watch-ab.sh and watch-mem.sh: daemons of
# `dnsvigil watch` on the check benchmark's tree (bench/check-bench.sh -S).

# watch_tree N NAME - start (or reuse) the tree of N zones; sets TREE, WORK
# (a fresh directory) and PIDS (the daemons to kill); on exit the tree is
# stopped, the daemons killed and WORK removed.
watch_tree() {
	"$TOP/bench/check-bench.sh" -n "$1" -S > "/tmp/$2-tree.txt" || exit 1
	TREE=$(sed -n 's/.*--root-hints \([^ ]*\)\/root.hints.*/\1/p' "/tmp/$2-tree.txt")
	[ -d "$TREE" ] || { echo "no tree" >&2; exit 1; }
	WORK=$(mktemp -d "/tmp/$2.XXXXXX")
	PIDS=()
	trap watch_cleanup EXIT
}

watch_cleanup() {
	local p
	"$TOP/bench/check-bench.sh" -x > /dev/null 2>&1
	for p in "${PIDS[@]}"; do kill -9 "$p" 2> /dev/null; done
	rm -rf "$WORK"
}

# watch_conf DIR PORT CONCURRENCY INTERVAL ZONES - DIR/watch.yaml watching
# the first ZONES zones of the tree, /metrics on 127.0.0.1:PORT
watch_conf() {
	{
		echo "state_directory: $1/state"
		echo "root_hints: $TREE/root.hints"
		echo "trust_anchor: $TREE/root.ds"
		echo "listen: 127.0.0.1:$2"
		echo "probe:"
		echo "  concurrency: $3"
		echo "defaults:"
		echo "  interval: ${4}s"
		echo "zones:"
		head -n "$5" "$TREE/zones.txt" | sed 's/^/  - /'
	} > "$1/watch.yaml"
}
