# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/roll.sh - roll.lab., the parent of the rollover rehearsal
# zones (tests/func/test_rollover_lab.sh): its keys (kept across restarts,
# like the others), its DS and its delegation in lab.  Its servers are not
# started here: the rehearsal starts its own (a parent knotd at
# LAB_ROLL_PARENT, a signing knotd, two NSDs) from nothing on every run,
# because a rehearsal changes keys and DS records for good.  Until then the
# delegation is lame and nothing in the lab uses it.  Sourced by start.sh;
# defines functions only.
#
# Reads: KD, the LAB_ROLL_* addresses; bkey, ds_of, adds (signing.sh).
# Sets: ROLL_KSK, ROLL_ZSK (BIND key base paths), ROLL_DELEG (lab. lines).

# roll_prepare - the keys of roll.lab., its DS in lab. and its delegation
roll_prepare() {
	ROLL_KSK=$(bkey roll-ksk roll.lab. 13 KSK) || die "dnssec-keygen roll.lab. KSK"
	ROLL_ZSK=$(bkey roll-zsk roll.lab. 13 ZSK) || die "dnssec-keygen roll.lab. ZSK"
	adds "$(ds_of "$ROLL_KSK")"
	ROLL_DELEG=$(printf 'roll\tIN NS ns1.roll\nns1.roll\tIN A %s' "$LAB_ROLL_PARENT")
}

# roll_env - its names for the tests (appended to lab.env)
roll_env() {
	{
		echo "LAB_ROLL_ZONE=roll.lab."
		echo "LAB_ROLL_KSK=$ROLL_KSK"
		echo "LAB_ROLL_ZSK=$ROLL_ZSK"
	} >> "$LAB_DIR/lab.env"
}
