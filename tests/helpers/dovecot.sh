#!/bin/sh
# Print the folder where Dovecot's programs (usr/bin/doveadm,
# usr/bin/doveconf, usr/lib/dovecot) are for the tests, without
# installing Dovecot: the .deb is fetched with apt-get download and
# unpacked under build/dovecot.  Fails when there is none to be had.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/build/dovecot
if [ -x "$dir/usr/bin/doveadm" ]; then
	echo "$dir"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download dovecot-core >/dev/null 2>&1) || exit 1
mkdir -p "$dir" && dpkg -x "$tmp"/dovecot-core_*.deb "$dir" || exit 1
[ -x "$dir/usr/bin/doveadm" ] || exit 1
echo "$dir"
