# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/faultd.sh - the fault servers of faulty.lab.: faultd.py drops
# everything on LAB_FAULT_DROP and truncates every UDP answer on LAB_FAULT_TC
# (TCP relayed to LAB_FAULT_GOOD); LAB_FAULT_REFUSED is the odd NSD (odd.sh),
# LAB_DEAD has no listener at all.  Sourced by start.sh; defines functions only.
#
# Reads: HERE, LAB_DIR, LOG, the LAB_FAULT_* addresses.

# faultd_start - start faultd.py; wait until the truncating address answers with TC
faultd_start() {
	local tc out
	launch faultd python3 "$HERE/faultd.py" --drop "$LAB_FAULT_DROP" --tc "$LAB_FAULT_TC" \
		--backend "$LAB_FAULT_GOOD" --lab "$LAB_DIR"
	tc=0
	for _ in $(seq 1 50); do
		out=$(dig +norec +time=1 +tries=1 +ignore "@$LAB_FAULT_TC" faulty.lab. SOA 2> /dev/null)
		grep -q 'flags:.* tc' <<< "$out" && { tc=1; break; }
		pid_alive faultd || die "faultd exited" "$LOG/faultd.out"
		sleep 0.2
	done
	[ $tc = 1 ] || die "truncating server $LAB_FAULT_TC does not answer with TC"
}
