# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/ready.sh - readiness: waiting until a server answers as it
# should, waiting for every zone on every authoritative server, and telling
# whether a lab that is already running is the one start.sh would make.  A
# wait that concerns one part only lives in that part (knot_start,
# faultd_start, resolvers_wait...).  Sourced by start.sh; defines functions only.
#
# Reads: LAB_DIR, LOG, RUN, STAMP, CANARY_OK, MAX_AGE, T0, the LAB_* addresses,
# KNOT_ZONES, PROVB_ZONES.

# soa_serial ADDR ZONE - print the SOA serial ADDR serves for ZONE (authoritative)
soa_serial() {
	dig +norec +time=1 +tries=1 +short "@$1" "$2" SOA 2> /dev/null | awk 'NF >= 7 { print $3; exit }'
}

# wait_soa NAME ADDR ZONE [SERIAL] - wait until ADDR serves ZONE (at SERIAL)
wait_soa() {
	local name=$1 addr=$2 zone=$3 want=${4:-} s
	for _ in $(seq 1 100); do
		s=$(soa_serial "$addr" "$zone")
		if [ -n "$s" ] && { [ -z "$want" ] || [ "$s" = "$want" ]; }; then return 0; fi
		if ! pid_alive "$name"; then
			tail -20 "$LOG/$name.out" > "$LOG/last-failure" 2> /dev/null
			die "$name ($addr) exited; log: $LOG/$name.out" "$LOG/last-failure"
		fi
		sleep 0.2
	done
	tail -20 "$LOG/$name.out" > "$LOG/last-failure" 2> /dev/null
	die "$name ($addr) does not serve $zone${want:+ at serial $want} (got '${s:-nothing}') after 20 s" "$LOG/last-failure"
}

# wait_rcode NAME ADDR QNAME WANT-RCODE [need-ad] - wait until a resolver answers
wait_rcode() {
	local name=$1 addr=$2 q=$3 want=$4 ad=${5:-} out
	for _ in $(seq 1 60); do
		out=$(dig +time=2 +tries=1 "@$addr" "$q" SOA +dnssec 2> /dev/null)
		if grep -q "status: $want" <<< "$out"; then
			if [ -z "$ad" ] || grep -Eq 'flags:[a-z ]* ad[ ;]' <<< "$out"; then return 0; fi
		fi
		if ! pid_alive "$name"; then
			tail -20 "$LOG/$name.out" > "$LOG/last-failure" 2> /dev/null
			die "$name ($addr) exited; log: $LOG/$name.out" "$LOG/last-failure"
		fi
		sleep 0.5
	done
	{ echo "$out"; tail -20 "$LOG/$name.out"; } > "$LOG/last-failure" 2> /dev/null
	die "$name ($addr): $q did not give $want${ad:+ with AD} in 30 s" "$LOG/last-failure"
}

# lab_is_current - the lab in $LAB_DIR is up, made from the same files
# (STAMP), serves the canary if this caller could make one, was signed less
# than MAX_AGE ago, and every process it started (launch recorded each in
# $RUN/order; the stamp is written only after a complete start) still runs
lab_is_current() {
	local p
	[ -f "$LAB_DIR/.stamp" ] && [ "$(cat "$LAB_DIR/.stamp")" = "$STAMP" ] &&
		{ [ $CANARY_OK = 0 ] || grep -q '^LAB_CANARY=1$' "$LAB_DIR/lab.env" 2> /dev/null; } &&
		[ -f "$LAB_DIR/lab.env" ] && [ -f "$LAB_DIR/.signed-at" ] &&
		[ $((T0 - $(cat "$LAB_DIR/.signed-at"))) -lt "$MAX_AGE" ] &&
		[ -s "$RUN/order" ] || return 1
	while read -r p; do
		pid_alive "$p" || return 1
	done < "$RUN/order"
	[ -n "$(soa_serial "$LAB_ROOT_SERVER" .)" ]
}

# zones_wait - every authoritative server serves its zones; the secondaries
# at knotd's serial
zones_wait() {
	local p label s
	wait_soa nsd-root "$LAB_ROOT_SERVER" . "$(soa_serial "$LAB_KNOT" .)"
	for p in "nsd-tld $LAB_TLD_NSD" "named-auth $LAB_TLD_BIND"; do
		wait_soa $p lab. "$(soa_serial "$LAB_KNOT" lab.)"
	done
	for label in $KNOT_ZONES; do
		s=$(soa_serial "$LAB_KNOT" "$label.lab.")
		wait_soa nsd-sec "$LAB_SEC_NSD" "$label.lab." "$s"
		wait_soa named-auth "$LAB_SEC_BIND" "$label.lab." "$s"
	done
	for label in $PROVB_ZONES; do
		wait_soa nsd-provb "$LAB_PROVB_NSD" "$label.lab."
		wait_soa named-auth "$LAB_PROVB_BIND" "$label.lab."
	done
}
