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

# retire DIR: move a run's folder out of the way, into DIR's parent's
# .retired/ (removed with the rest when the script ends), rather than
# removing it.  On an ext4 without a journal (this machine's), a new
# inode is never one freed in the last 5 s, or 5 min while its inode
# table block is unwritten: every file created after an rm -rf of 5000
# scans past them all (about 0.7 ms a file, measured).  The next server
# measured would pay for the last one's clean-up, so no run removes
# another's files before the end.
retire() {
	[ -e "$1" ] || return 0
	rd=$(dirname "$1")/.retired
	mkdir -p "$rd"
	mv "$1" "$(mktemp -d "$rd/XXXXXX")/"
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
	retire "$pd"
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
# (started with & these functions leave $! at a subshell, not at the
# tool: run a background smtp-sink directly, as bench/remote does)
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

# the account that owns the Maildirs of the IMAP, POP3 and virtual(8)
# runs (Dovecot and Postfix's virtual refuse root as a mailbox owner)
mail_account() { peer_account pbvmail; }

# Dovecot, private: dovecot_setup DIR IMAPPORT POP3PORT PASSWDFILE
# A full dovecot master (login processes, auth with a passwd-file
# passdb/userdb, {CRYPT} hashes, the mail processes as pbvmail), on
# loopback, no TLS, plaintext login allowed; logs in DIR/dovecot.log.
# Each passwd-file line: user:{CRYPT}hash:uid:gid::home::userdb_mail=maildir:PATH
dovecot_setup() {
	dd=$1 iport=$2 pport=$3 pw=$4
	peer_account dvbench
	peer_account dvbenchnull
	mail_account
	rm -rf "$dd"
	mkdir -p "$dd/run" "$dd/state"
	cat >"$dd/dovecot.conf" <<EOT
base_dir = $dd/run
state_dir = $dd/state
instance_name = dvbench-$$
log_path = $dd/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dvbench
default_internal_group = dvbench
default_login_user = dvbenchnull
first_valid_uid = 1
mail_fsync = optimized
passdb {
  driver = passwd-file
  args = scheme=CRYPT $pw
}
userdb {
  driver = passwd-file
  args = $pw
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $iport
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pport
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
EOT
}
# Dovecot runs its helpers (doveconf, the services) from the paths it
# was built with: dv_run runs a command in a private mount namespace
# where the unpacked usr/ is overlaid, read-only, on /usr.  Nothing is
# written outside the namespace.
dv_run() {
	# shellcheck disable=SC2016
	unshare -m sh -c 'mount --make-rprivate / &&
	    mount -t overlay overlay -o "lowerdir=$0/usr:/usr" /usr && exec "$@"' "$PR" "$@"
}
dovecot_start() {
	dv_run /usr/sbin/dovecot -c "$1/dovecot.conf"
	i=0
	while [ ! -s "$1/run/master.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
dovecot_master_pid() { cat "$1/run/master.pid"; }
dovecot_stop() {
	[ -s "$1/run/master.pid" ] || return 0
	p=$(cat "$1/run/master.pid")
	kill "$p" 2>/dev/null || return 0
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

# freeport: a free TCP port on loopback
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# mbox_copy N DEST: DEST becomes a Maildir of N small messages
# (bench/lib/maildir.py), owned by pbvmail.  The folder is generated once
# into $PEERS/maildir-N and then hard-linked (message files are never
# rewritten, only renamed, so the copies stay apart); its files are read
# once so that every server starts from the same warm page cache.
mbox_copy() {
	mail_account
	src=$PEERS/maildir-$1
	if [ ! -f "$src/.done" ]; then
		echo "bench: generating a $1-message Maildir (once)" >&2
		rm -rf "$src"
		python3 "$top/bench/lib/maildir.py" gen "$src" "$1"
		touch "$src/.done"
	fi
	rm -rf "$2"
	mkdir -p "$2"
	cp -al "$src/cur" "$src/new" "$src/tmp" "$2/"
	chown -R pbvmail:pbvmail "$2"
	find "$2/cur" -type f -print0 | xargs -0 cat >/dev/null
}

# posta_mailserver DIR MAILDIR PASSWORD: a private posta instance whose
# one user alice@example.test (sha512-crypt hash of PASSWORD) has
# MAILDIR, mail_user pbvmail; prints the posta.conf path
posta_mailserver() {
	mail_account
	"$top/etc/posta-instance.sh" "$1" "$top/bin" >/dev/null
	sed -i 's/^mail_user = .*/mail_user = pbvmail/' "$1/posta.conf"
	echo "alice@example.test:$(printf '%s' "$3" | openssl passwd -6 -stdin):$2" >"$1/users"
	echo "$1/posta.conf"
}

# dovecot_passwd FILE MAILDIR PASSWORD: the same user for Dovecot
dovecot_passwd() {
	mail_account
	echo "alice@example.test:{CRYPT}$(printf '%s' "$3" | openssl passwd -6 -stdin):$(id -u pbvmail):$(id -g pbvmail)::$2::userdb_mail=maildir:$2" >"$1"
}

# secs_diff T0 T1: T1 - T0 of two `date +%s.%N`
now() { date +%s.%N; }

# side_by_side POSTA PEER: two files of "step seconds" lines, in the
# same order, as a table with the ratio peer / posta
side_by_side() {
	awk 'NR == FNR { a[FNR] = $2; k[FNR] = $1; next }
	    { printf "%-18s %12.4f %12.4f %8.2f\n", (k[FNR] == "cpu" ? "server cpu s" : k[FNR]),
	    a[FNR], $2, (a[FNR] > 0 ? $2 / a[FNR] : 0) }' "$1" "$2"
}

# wait_files N SECONDS DIR...: wait until the DIRs hold N files in all
# (at most SECONDS); prints the count
wait_files() {
	python3 - "$@" <<'PY'
import os, sys, time
n, limit, dirs = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
end = time.monotonic() + limit
while True:
    c = 0
    for d in dirs:
        try:
            c += len(os.listdir(d))
        except OSError:
            pass
    if c >= n or time.monotonic() > end:
        break
    time.sleep(0.02)
print(c)
PY
}

# OpenSMTPD, private.  Debian's build has its paths compiled in: the
# queue in /var/spool/smtpd, the control socket /var/run/smtpd.sock,
# its helpers in /usr/libexec/opensmtpd, the chroot of its unprivileged
# processes /var/lib/opensmtpd/empty, and the accounts opensmtpd and
# opensmtpq.  It runs in a private mount namespace (unshare -m) where
# its own folders are bind-mounted over those paths, the unpacked usr/
# and var/lib/ are overlaid read-only on /usr and /var/lib, and private
# copies of /etc/passwd and /etc/group carry its accounts: nothing is
# written, and no account added, outside DIR.  A private
# /etc/resolv.conf (`lookup file`) keeps its look-up of each client's
# name in /etc/hosts: it asks DNS for every connection otherwise, and
# DNS is not on loopback.  Unpacked into a root of its own: its
# sendmail, newaliases and makemap would overwrite Postfix's in $PR.
OSR=$PEERS/opensmtpd/root
opensmtpd_fetch() {
	(PEERS=$PEERS/opensmtpd PR=$OSR; peers_fetch opensmtpd) || exit 1
}
opensmtpd_version() { "$OSR/usr/sbin/smtpd" -h 2>&1 | sed -n 's/^version: *//p' | head -1; }

# free_id N: the first uid and gid from N up that /etc/passwd and
# /etc/group do not use
free_id() {
	i=$1
	while getent passwd "$i" >/dev/null || getent group "$i" >/dev/null; do i=$((i + 1)); done
	echo "$i"
}

# opensmtpd_setup DIR PORT: accepts mail for alice@example.test on
# 127.0.0.1:PORT and delivers it (with its mail.maildir) to the Maildir
# DIR/mail/alice as the private account osbench, through a virtual
# table; no other recipient.  smtp limit max-mails: its default of 100
# messages a session would cut smtp-source -d short (posta and Postfix
# have no such limit).
opensmtpd_setup() {
	od=$1 port=$2
	retire "$od"
	mkdir -p "$od/spool" "$od/run" "$od/etc" "$od/mail"
	cp /etc/passwd "$od/etc/passwd"
	cp /etc/group "$od/etc/group"
	u=$(free_id 64900)
	for a in opensmtpd opensmtpq osbench; do
		echo "$a:x:$u:$u:OpenSMTPD bench:/var/lib/opensmtpd/empty:/usr/sbin/nologin" >>"$od/etc/passwd"
		echo "$a:x:$u:" >>"$od/etc/group"
		[ "$a" = osbench ] && chown "$u:$u" "$od/mail"
		u=$(free_id $((u + 1)))
	done
	printf 'nameserver 127.0.0.1\nlookup file\n' >"$od/etc/resolv.conf"
	cat >"$od/etc/smtpd.conf" <<EOT
smtp limit max-mails 1000000
table vusers { alice@example.test = osbench }
listen on 127.0.0.1 port $port hostname os.example.test
action "local" maildir "$od/mail/alice" virtual <vusers>
match from any for domain "example.test" action "local"
EOT
}
# opensmtpd_start DIR [smtpd options]: smtpd -d (its log in
# DIR/smtpd.log); DIR/pid is its master, the root of its process tree
opensmtpd_start() {
	od=$1
	shift
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c 'd=$0 r=$1; shift
	    mount --bind "$d/spool" /var/spool &&
	    mount --bind "$d/run" /run &&
	    mount --bind "$d/etc/passwd" /etc/passwd &&
	    mount --bind "$d/etc/group" /etc/group &&
	    mount --bind "$d/etc/resolv.conf" /etc/resolv.conf &&
	    mount -t overlay overlay -o "lowerdir=$r/usr:/usr" /usr &&
	    mount -t overlay overlay -o "lowerdir=$r/var/lib:/var/lib" /var/lib &&
	    exec /usr/sbin/smtpd -d -f "$d/etc/smtpd.conf" "$@"' "$od" "$OSR" "$@" \
	    >"$od/smtpd.log" 2>&1 &
	echo $! >"$od/pid"
}
opensmtpd_pid() { cat "$1/pid"; }
opensmtpd_stop() {
	[ -s "$1/pid" ] || return 0
	p=$(cat "$1/pid")
	rm -f "$1/pid"
	kill "$p" 2>/dev/null || return 0
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
# opensmtpd_queued DIR: messages in its queue
opensmtpd_queued() { find "$1/spool/smtpd/queue" -name message 2>/dev/null | wc -l; }

# listen_drops: the system's count of connections dropped because a
# listening socket's accept queue was full (TcpExt ListenDrops)
listen_drops() {
	awk '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "ListenDrops") c = i; h = 1; next }
	    print (c ? $c : 0); exit }' /proc/net/netstat 2>/dev/null || echo 0
}
