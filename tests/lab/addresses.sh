# shellcheck shell=bash disable=SC2034
# tests/lab/addresses.sh - the lab's address plan, sourced by start.sh, stop.sh
# and (through the generated $LAB_DIR/lab.env) by the tests.  One place only:
# change an address here and everything follows.  All addresses are in
# 127.53.0.0/16 (never 127.0.0.1 / 127.0.0.53), port 53.

# Authoritative tree
LAB_ROOT_SERVER=127.53.0.1      # NSD, serves "." (AXFR secondary of knotd)
LAB_TLD_NSD=127.53.0.2          # NSD, serves "lab." (AXFR secondary of knotd)
LAB_TLD_BIND=127.53.0.3         # BIND view, serves "lab." (AXFR secondary of knotd)
LAB_KNOT=127.53.1.1             # knotd: signing primary of ., lab. and the knot-signed children
LAB_SEC_NSD=127.53.2.1          # NSD: secondary (AXFR+NOTIFY) of the knot-signed children
LAB_SEC_BIND=127.53.2.2         # BIND view: secondary (AXFR+NOTIFY) of the knot-signed children
LAB_PROVB_NSD=127.53.3.1        # "provider B" NSD: primary for pre-signed zone files
LAB_PROVB_BIND=127.53.3.2       # "provider B" BIND view: primary for the same pre-signed files
LAB_ODD_NSD=127.53.4.1          # NSD serving the odd-one-out copies (stale / unsigned / other CDS)

# Copies of copies.lab. (lib/copies.sh; knotd, LAB_SEC_NSD and LAB_SEC_BIND serve it too)
LAB_COPY_BADSIG=127.53.5.1      # NSD: one RRSIG corrupted deep in the zone, same serial
LAB_COPY_CHANGED=127.53.5.2     # NSD: one record changed, same serial
LAB_COPY_STALE=127.53.5.3       # NSD: the serial before knotd's last change
LAB_COPY_TSIG=127.53.5.4        # NSD: transfers only with TSIG (xfr-bind.lab.)
LAB_COPY_REFUSE=127.53.5.5      # NSD: answers queries, refuses transfers

# xfrfault.lab. (lib/xfrfault.sh; knotd serves it too)
LAB_XFR_PROXY=127.53.6.1        # xfrproxy.py: relays to knotd, damages transfers on demand
LAB_XFR_LAGGARD=127.53.6.2      # test_full_faults.sh starts an NSD here (an older copy); the relay's "backend" mode

# Fault servers (faulty.lab.)
LAB_FAULT_DROP=127.53.9.1       # accepts UDP+TCP, never answers
LAB_FAULT_TC=127.53.9.2         # every UDP answer truncated (TC=1), TCP answers correctly
LAB_FAULT_REFUSED=127.53.9.3    # real NSD without the zone: REFUSED
LAB_FAULT_GOOD=$LAB_PROVB_NSD   # the one good server of faulty.lab.
LAB_DEAD=127.53.9.9             # nothing listens (ICMP port unreachable)

# Resolvers
LAB_RES_UNBOUND=127.53.10.1     # Unbound, validating
LAB_RES_BIND=127.53.10.2        # BIND named, validating
LAB_RES_KRESD=127.53.10.3       # Knot Resolver, validating
LAB_RES_PDNS=127.53.10.4        # PowerDNS Recursor, validating
LAB_RES_NOVALIDATE=127.53.10.5  # Unbound with module-config "iterator": no validation
LAB_RES_WRONG_TA=127.53.10.6    # Unbound validating with a trust anchor matching no root key
LAB_RES_PERMISSIVE=127.53.10.7  # Unbound with val-permissive-mode: AD on secure data, bogus data passed on
LAB_RES_DO_ONLY=127.53.10.8     # PowerDNS Recursor dnssec=process: validates only questions with DO (or AD)
LAB_RES_DEAD=127.53.10.9        # reserved, nothing listens

# Canary (dnsvigil canary output, served when the binary supports it)
LAB_CANARY_SERVER=127.53.11.1   # NSD serving every zone file dnsvigil canary wrote

# Hostile tree (tests/lab/hostile.sh, issue 10): a root of its own with its
# own hints and trust anchor; hostile.sh adds these addresses itself
LAB_HOSTILE_NSD=127.53.20.1            # NSD: the hostile root and its signed children
LAB_HOSTILE_DROPPY=127.53.20.3         # hostiled: relay to the NSD, never answers A, NULL, CDS, CDNSKEY
LAB_HOSTILE_GARBAGE=127.53.20.4        # hostiled: malformed answers (header and question match)
LAB_HOSTILE_BLACKHOLE=127.53.20.9      # hostiled: never answers
LAB_HOSTILE_KEYTRAP_FIRST=127.53.20.11 # NSD: keytrap. on four addresses from here
LAB_HOSTILE_NSEC3_FIRST=127.53.20.21   # NSD: nsec3. on eight addresses from here
LAB_HOSTILE_DEAD_PREFIX=127.53.21      # many.: glue .1 to .70, nothing listens
LAB_HOSTILE_DEEP_PREFIX=127.53.22      # deep.: BIND, one view and zone per address .1 to .34
# Rollover rehearsal (tests/func/test_rollover_lab.sh starts these itself)
LAB_ROLL_PARENT=127.53.40.1     # knotd: roll.lab., delegated from lab.; takes DS updates (DDNS)
LAB_ROLL_SIGNER=127.53.40.2     # knotd: hidden signing primary of the rehearsal zones
LAB_ROLL_PUB_A=127.53.40.11     # NSD: public server of the rehearsal zones (preflight as verifier)
LAB_ROLL_PUB_B=127.53.40.12     # NSD: the second public server

# Addresses BIND must find on an interface (named scans interfaces); the
# others work without it on Linux, but start.sh adds them all to lo (/32).
LAB_ALL_ADDRS="$LAB_ROOT_SERVER $LAB_TLD_NSD $LAB_TLD_BIND $LAB_KNOT $LAB_SEC_NSD $LAB_SEC_BIND
 $LAB_PROVB_NSD $LAB_PROVB_BIND $LAB_ODD_NSD $LAB_COPY_BADSIG $LAB_COPY_CHANGED $LAB_COPY_STALE
 $LAB_COPY_TSIG $LAB_COPY_REFUSE $LAB_XFR_PROXY $LAB_FAULT_DROP $LAB_FAULT_TC $LAB_FAULT_REFUSED
 $LAB_RES_UNBOUND $LAB_RES_BIND $LAB_RES_KRESD $LAB_RES_PDNS $LAB_RES_NOVALIDATE $LAB_RES_WRONG_TA
 $LAB_RES_PERMISSIVE $LAB_RES_DO_ONLY $LAB_CANARY_SERVER"
