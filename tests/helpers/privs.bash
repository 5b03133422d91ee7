# Helpers of tests/privs.bats.  load 'helpers/privs' after helpers/common.

# An instance that mail_user "nobody" can use once root is gone: in its
# own folder outside the bats temporary tree (which only root may
# enter), tables readable, the queue nobody's; the TLS key stays root's
# alone, so TLS works only if the key was read before the drop.
# Sets INST, POSTA_CONF, QDIR.
privs_instance() {
	INST=$(mktemp -d /tmp/posta-privs.XXXXXX)
	echo "$INST" >"$BATS_TEST_TMPDIR/privs-inst"
	"$TOP/etc/posta-instance.sh" "$INST" "$BIN" >/dev/null
	export POSTA_CONF=$INST/posta.conf
	QDIR=$INST/queue
	sed -i -e '/^mail_user = /d' -e '/^queue_group = /d' "$POSTA_CONF"
	conf_add 'mail_user = nobody' 'queue_group = nogroup'
	chmod 755 "$INST"
	chmod 644 "$INST"/posta.conf "$INST"/local-domains "$INST"/relay-domains \
		"$INST"/relay-networks "$INST"/aliases "$INST"/users "$INST"/tls.crt
	chmod 600 "$INST"/tls.key
	chown -R nobody:nogroup "$QDIR"
}

privs_cleanup() {
	local d
	d=$(cat "$BATS_TEST_TMPDIR/privs-inst" 2>/dev/null) || return 0
	case $d in /tmp/posta-privs.*) rm -rf "$d" ;; esac
}

# The PIDs of every process below $1 (children, their children, ...).
descendants() {
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}

# "PID NAME ruid euid suid fsuid rgid egid sgid fsgid groups..." of a process.
proc_ids() {
	awk -v pid="$1" '
		/^Name:/ { name = $2 }
		/^Uid:/ { uid = $2 " " $3 " " $4 " " $5 }
		/^Gid:/ { gid = $2 " " $3 " " $4 " " $5 }
		/^Groups:/ { $1 = ""; groups = $0 }
		END { print pid, name, uid, gid groups }
	' "/proc/$1/status"
}
