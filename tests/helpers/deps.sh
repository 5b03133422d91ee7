#!/bin/sh
# Install the Debian packages posta needs, when missing.
# usage: deps.sh build|run|check
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -u
what=${1:-check}

# One package a line, so that each program's needs can be added alone.
build_pkgs="
gcc
make
pkg-config
libbsd-dev
libldns-dev
libtls-dev
libcrypt-dev
libmagic-dev
"
run_pkgs="
ucspi-tcp
openssl
swaks
libnet-ssleay-perl
curl
strace
"
check_pkgs="
libcmocka-dev
bats
bats-assert
bats-support
mandoc
python3
xinetd
ldnsutils
nsd
unbound
python3-aiosmtpd
mpack
maildrop
time
clang
libclang-rt-14-dev
fetchmail
getmail6
isync
mutt
offlineimap3
"

case $what in
build) want=$build_pkgs ;;
run) want="$build_pkgs $run_pkgs" ;;
check) want="$build_pkgs $run_pkgs $check_pkgs" ;;
*) echo "usage: deps.sh build|run|check" >&2; exit 64 ;;
esac

missing=""
for p in $want; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $s in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "posta needs these Debian packages:$missing" >&2
	echo "run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
