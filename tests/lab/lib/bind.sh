# shellcheck shell=bash disable=SC2034  # variables set here are read by other parts
# tests/lab/lib/bind.sh - one authoritative named whose views (chosen by the
# destination address) play three roles: TLD secondary, secondary of the
# knot-signed children, provider B's primary.  (The validating named is a
# resolver: resolvers.sh.)  Sourced by start.sh; defines functions only.
#
# Reads: LAB_DIR, LOG, the LAB_* addresses, KNOT_ZONES, PROVB_ZONES, Z.
# Sets: BA (its directory).

named_auth_start() {
	local label
	BA=$LAB_DIR/named-auth
	mkdir -p "$BA/tld" "$BA/sec" "$BA/provb"
	{
		cat << CONF
options {
	directory "$BA";
	pid-file "$BA/named.pid";
	session-keyfile "$BA/session.key";
	managed-keys-directory "$BA";
	listen-on port 53 { $LAB_TLD_BIND; $LAB_SEC_BIND; $LAB_PROVB_BIND; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	allow-transfer { 127.0.0.0/8; };
	allow-notify { 127.0.0.0/8; };
	notify no;
	dnssec-validation no;
	masterfile-format text;
	minimal-responses no;
	server-id "named-auth";
};
controls { };
logging {
	channel m { file "$LOG/named-auth.log"; print-time yes; print-category yes; severity info; };
	category default { m; };
	category lame-servers { null; };
};
view tld {
	match-destinations { $LAB_TLD_BIND; };
	zone "lab." { type secondary; primaries { $LAB_KNOT; }; file "tld/lab.zone"; };
};
view sec {
	match-destinations { $LAB_SEC_BIND; };
CONF
		for label in $KNOT_ZONES; do
			printf '\tzone "%s.lab." { type secondary; primaries { %s; }; file "sec/%s.lab.zone"; };\n' "$label" "$LAB_KNOT" "$label"
		done
		printf '};\nview provb {\n\tmatch-destinations { %s; };\n' "$LAB_PROVB_BIND"
		for label in $PROVB_ZONES; do
			cp "$Z/$label.lab.zone" "$BA/provb/" || die "copy $label"
			printf '\tzone "%s.lab." { type primary; file "provb/%s.lab.zone"; };\n' "$label" "$label"
		done
		echo '};'
	} > "$BA/named.conf"
	xfr_bind_conf # xfr.sh
	named-checkconf "$BA/named.conf" > "$LOG/last-failure" 2>&1 || die "named-checkconf $BA/named.conf" "$LOG/last-failure"
	launch named-auth named -4 -f -u root -c "$BA/named.conf"
}
