# Shared by the bench/ scripts (sourced): the peers posta is measured
# against, from Debian's packages, never installed: `apt-get download`
# and `dpkg -x` into a private folder, run on loopback in a private
# configuration, stopped when the script ends.
#
# PEERS: where the packages are unpacked (default: bench/.peers).

top=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$top/bench/.peers}
PR=$PEERS/root
export PATH="$top/bin:/usr/bin:/usr/sbin:$PATH"

need_root() {
	[ "$(id -u)" = 0 ] || { echo "bench: run as root (the peers need their accounts)" >&2; exit 1; }
}

# peers_fetch PACKAGE...: download and unpack what is not there yet
peers_fetch() {
	mkdir -p "$PEERS/debs" "$PR"
	for p in "$@"; do
		[ -f "$PEERS/debs/.$p" ] && continue
		(cd "$PEERS/debs" && apt-get download "$p" >/dev/null 2>&1) ||
		    { apt-get update -qq >/dev/null && (cd "$PEERS/debs" && apt-get download "$p" >/dev/null); } ||
		    { echo "bench: cannot download $p" >&2; exit 1; }
		for d in "$PEERS/debs/${p}_"*.deb; do dpkg -x "$d" "$PR"; done
		touch "$PEERS/debs/.$p"
	done
}

# bench_pkgs PACKAGE...: Debian packages the bench itself runs (installed)
bench_pkgs() {
	miss=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q " installed$" || miss="$miss $p"
	done
	[ -z "$miss" ] && return 0
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $miss >/dev/null
}

# an account for a peer's daemons
peer_account() {
	getent group "$1" >/dev/null || groupadd -r "$1"
	getent passwd "$1" >/dev/null ||
	    useradd -r -g "$1" -d /nonexistent -s /usr/sbin/nologin "$1"
}

# Postfix, private: postfix_setup DIR PORT [main.cf lines...]
pf_lib() { echo "$PR/usr/lib/postfix"; }
postfix_setup() {
	pd=$1 port=$2
	shift 2
	peer_account pfbench
	getent group pfbenchdrop >/dev/null || groupadd -r pfbenchdrop
	rm -rf "$pd"
	mkdir -p "$pd/etc" "$pd/spool" "$pd/data"
	chown pfbench "$pd/data"
	cp "$PR/usr/share/postfix/master.cf.dist" "$pd/etc/master.cf"
	cp "$PR/usr/share/postfix/dynamicmaps.cf" "$pd/etc/" 2>/dev/null ||
	    cp "$PR/etc/postfix/dynamicmaps.cf" "$pd/etc/"
	cp -r "$PR/etc/postfix/postfix-files" "$PR/etc/postfix/postfix-files.d" "$pd/etc/"
	cat >"$pd/etc/main.cf" <<EOT
compatibility_level = 3.6
config_directory = $pd/etc
queue_directory = $pd/spool
data_directory = $pd/data
command_directory = $PR/usr/sbin
daemon_directory = $PR/usr/lib/postfix/sbin
shlib_directory = $PR/usr/lib/postfix
meta_directory = $pd/etc
mail_owner = pfbench
setgid_group = pfbenchdrop
myhostname = pf.example.test
mydomain = example.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
maillog_file_prefixes = /tmp, /var, $pd
maillog_file = $pd/maillog
smtputf8_enable = no
biff = no
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$(pf_lib)
EOT
	for l in "$@"; do echo "$l" >>"$pd/etc/main.cf"; done
	# smtpd on the bench port, not chrooted (the chroot would need a copy of the libraries)
	sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$port inet n - n - - smtpd/" "$pd/etc/master.cf"
	sed -i 's/^\([a-z]*  *unix  *[-n]  *[-n]  *\)y/\1n/' "$pd/etc/master.cf"
}
postfix_ctl() {
	# postfix logs its refusals to syslog or a terminal only: give it one
	script -qc "LD_LIBRARY_PATH=$(pf_lib) $PR/usr/sbin/postfix -c $1 $2" /dev/null |
	    grep -v warning >&2 || true
}
postfix_start() { postfix_ctl "$1/etc" start; }
postfix_stop() { postfix_ctl "$1/etc" stop; }
postfix_master_pid() { tr -d ' ' <"$1/spool/pid/master.pid"; }

# smtp-source and smtp-sink, the load tools from the postfix package
smtp_source() { LD_LIBRARY_PATH=$(pf_lib) "$PR/usr/sbin/smtp-source" "$@"; }
smtp_sink() { LD_LIBRARY_PATH=$(pf_lib) "$PR/usr/sbin/smtp-sink" "$@"; }

# wait until 127.0.0.1:$1 answers
wait_port() {
	i=0
	while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',int(sys.argv[1])),0.2).close()" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "bench: nothing on port $1" >&2; return 1; }
		sleep 0.05
	done
}

# cpu PID...: CPU seconds used so far by these processes, their living
# descendants and the children they have reaped
cpu() { python3 "$top/bench/lib/cpu.py" "$@"; }
