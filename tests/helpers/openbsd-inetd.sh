#!/bin/sh
# Print the path of an openbsd-inetd binary for the tests, without
# installing the package as a system service: the .deb is fetched with
# apt-get download and unpacked under build/openbsd-inetd.  Fails when
# there is none to be had.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/build/openbsd-inetd
if [ -x "$dir/usr/sbin/inetd" ]; then
	echo "$dir/usr/sbin/inetd"
	exit 0
fi
if [ -x /usr/sbin/inetd ] && dpkg-query -W openbsd-inetd >/dev/null 2>&1; then
	echo /usr/sbin/inetd
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download openbsd-inetd >/dev/null 2>&1) || exit 1
mkdir -p "$dir" && dpkg -x "$tmp"/openbsd-inetd_*.deb "$dir" || exit 1
[ -x "$dir/usr/sbin/inetd" ] || exit 1
echo "$dir/usr/sbin/inetd"
