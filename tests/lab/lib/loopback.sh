# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/loopback.sh - the address plan (tests/lab/addresses.sh) on lo.
# Sourced by start.sh; defines functions only.
#
# Reads: LAB_ALL_ADDRS, RUN.  Records every address it adds in $RUN/addrs
# (stop.sh removes those, and only those).

# addresses_up - every lab address on lo (/32), and port 53 free on each
addresses_up() {
	local a
	for a in $LAB_ALL_ADDRS; do
		if ! ip -4 addr show dev lo | grep -q "inet $a/"; then
			ip addr add "$a/32" dev lo || die "ip addr add $a/32 dev lo"
			echo "$a" >> "$RUN/addrs"
			LAB_STARTED_SOMETHING=1
		fi
	done
	for a in $LAB_ALL_ADDRS; do
		if ss -Hlnu "src $a:53" 2> /dev/null | grep -q . || ss -Hlnt "src $a:53" 2> /dev/null | grep -q .; then
			die "$a:53 is already in use by a process this lab did not start: $(ss -Hlnup "src $a:53" | head -1)"
		fi
	done
}
