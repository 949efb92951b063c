# bench/knotd-serve.sh - sourced by the bench scripts that transfer a zone
# from a knotd of their own (xfr-bench.sh, replica-bench.sh).
#
# knotd_serve DIR ZONEFILE ORIGIN ADDR PORT - start knotd in DIR serving
# ZONEFILE as ORIGIN on ADDR@PORT (loopback), as is: no signing, no journal,
# no semantic checks, transfers allowed from 127.0.0.0/8; wait until it
# answers.  Sets KPID (stop it with knotd_stop).  Returns 1 after a message
# when it does not come up.
knotd_serve() {
	local dir=$1 zone=$2 origin=$3 addr=$4 port=$5
	mkdir -p "$dir/db" "$dir/zones"
	cp "$zone" "$dir/zones/zone" || return 1
	cat > "$dir/knot.conf" << EOF
server:
    rundir: "$dir"
    listen: $addr@$port
    tcp-workers: 2
    background-workers: 1
database:
    storage: "$dir/db"
log:
  - target: stderr
    any: warning
acl:
  - id: local
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: "$dir/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
    acl: local
zone:
  - domain: $origin
    file: zone
EOF
	knotd -c "$dir/knot.conf" > "$dir/knotd.log" 2>&1 &
	KPID=$!
	for _ in $(seq 1 600); do
		[ -n "$(kdig +short "@$addr" -p "$port" "$origin" SOA 2> /dev/null)" ] && return 0
		if ! kill -0 "$KPID" 2> /dev/null; then
			cat "$dir/knotd.log" >&2
			echo "knotd exited" >&2
			KPID=""
			return 1
		fi
		sleep 0.1
	done
	echo "knotd does not serve $origin" >&2
	return 1
}

# knotd_stop - stop the knotd knotd_serve started, if any.
knotd_stop() {
	[ -n "${KPID:-}" ] && kill "$KPID" 2> /dev/null && wait "$KPID" 2> /dev/null
	KPID=""
}
