#!/bin/sh
# Install every Debian 12 package dnsvigil needs to build, test and run its lab.
# Skips apt entirely when everything is already installed.
set -eu
PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev python3
libknot-dev libssl-dev libsodium-dev libjansson-dev libcmocka-dev libuv1-dev
libmicrohttpd-dev libsqlite3-dev libyaml-dev libsystemd-dev libcurl4-openssl-dev sqlite3
dns-root-data
knot knot-dnsutils knot-dnssecutils nsd bind9 bind9-utils bind9-dnsutils
unbound knot-resolver pdns-recursor ldnsutils validns dnsviz python3-pygraphviz
python3-jsonschema
iproute2 time prometheus curl"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
# Keep package scripts from starting system copies of the servers on port 53.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
