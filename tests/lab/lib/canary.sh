# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/canary.sh - canary.lab.: the zones `dnsvigil canary` writes,
# delegated from lab. and served as written by one NSD.  Optional: without a
# dnsvigil that has the canary subcommand the lab starts without it
# (LAB_CANARY=0).  Sourced by start.sh; defines functions only.
#
# Reads: CANARY_OK, DNSVIGIL (state.sh), LAB_DIR, KD, LOG, NOW,
# LAB_CANARY_SERVER.
# Sets: CANARY (1 when served), CANARY_ZONES ("zone:file " pairs),
# CANARY_DELEG (NS + glue + DS lines for lab.), CD (the --out directory).

CANARY=0
CANARY_ZONES=""
CANARY_DELEG=""

# canary_make - run dnsvigil canary and read what it wrote (before lab. is
# written: the delegation goes into it)
canary_make() {
	local zn f
	CD=$LAB_DIR/canary
	if [ $CANARY_OK = 1 ]; then
		mkdir -p "$CD" "$KD/canary"
		# layout (src/canary/canary.h): <zone>.zone per zone, zones.list ("zone
		# file" per line), delegation (NS + glue + DS for the parent), dsset
		if "$DNSVIGIL" canary --zone canary.lab. --out "$CD" --keys "$KD/canary" --now "@$NOW" \
			--ns-addr "$LAB_CANARY_SERVER" > "$LOG/canary.out" 2>&1; then
			if [ -s "$CD/zones.list" ]; then
				while read -r zn f; do
					case $zn in '' | ';'* | '#'*) continue ;; esac
					case $f in /*) ;; *) f=$CD/$f ;; esac
					case $zn in *.) ;; *) zn=$zn. ;; esac
					[ -f "$f" ] && CANARY_ZONES+="$zn:$f "
				done < "$CD/zones.list"
			else
				for f in "$CD"/*.zone; do
					[ -f "$f" ] || continue
					# zone name: $ORIGIN if present, else the owner of the first SOA
					zn=$(awk 'toupper($1) == "$ORIGIN" { print $2; exit }
						{ for (i = 2; i <= NF && i <= 4; i++) if (toupper($i) == "SOA") { print $1; exit } }' "$f")
					[ -n "$zn" ] && [ "$zn" != "@" ] || { say "canary: cannot tell the zone of $f, skipped"; continue; }
					case $zn in *.) ;; *) zn=$zn. ;; esac
					CANARY_ZONES+="$zn:$f "
				done
			fi
			if [ -s "$CD/delegation" ]; then
				CANARY_DELEG=$(grep -v '^[[:space:]]*;' "$CD/delegation")
			else
				CANARY_DELEG=$(printf 'canary.lab. IN NS ns1.canary.lab.\nns1.canary.lab. IN A %s' "$LAB_CANARY_SERVER")
			fi
			# the DS: from the delegation file if it has one, else from dsset
			if ! awk '{ for (i = 2; i <= 4 && i <= NF; i++) if ($i == "DS") f = 1 } END { exit !f }' <<< "$CANARY_DELEG"; then
				if [ -s "$CD/dsset" ]; then
					CANARY_DELEG+=$'\n'$(grep -v '^[[:space:]]*;' "$CD/dsset")
				else
					say "canary: no DS for canary.lab. in $CD (delegation, dsset); delegated insecurely"
				fi
			fi
			if grep -q "canary.lab.:" <<< "$CANARY_ZONES" && [ -n "$CANARY_DELEG" ]; then
				CANARY=1
			else
				say "canary: $DNSVIGIL canary wrote no canary.lab. zone or delegation; canary part skipped"
			fi
		else
			say "canary: '$DNSVIGIL canary' failed (see $LOG/canary.out); canary part skipped"
		fi
	else
		say "canary: no dnsvigil with a 'canary' subcommand (\$DNSVIGIL, build/, build-test/); canary part skipped"
	fi
}

# canary_serve - one NSD (127.53.11.1) serving every canary zone
canary_serve() {
	local zf
	if [ $CANARY = 1 ]; then
		nsd_conf canary "$LAB_CANARY_SERVER"
		for zf in $CANARY_ZONES; do nsd_primary canary "${zf%%:*}" "${zf#*:}"; done
		if nsd-checkconf "$LAB_DIR/nsd-canary/nsd.conf" > /dev/null 2>&1; then
			nsd_start canary
			for zf in $CANARY_ZONES; do wait_soa nsd-canary "$LAB_CANARY_SERVER" "${zf%%:*}"; done
		else
			say "canary: NSD refuses the canary configuration; canary part skipped"
			CANARY=0
		fi
	fi
}
