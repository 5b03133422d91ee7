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
	chown -R nobody:nogroup "$QDIR" "$INST/mail"
}

# Every process below the tcpservers $@ (PIDs) as proc_ids lines, into
# $BATS_TEST_TMPDIR/ids; the tcpservers themselves are root.
collect_ids() {
	local ts p
	: >"$BATS_TEST_TMPDIR/ids"
	for ts in "$@"; do
		[ "$(awk '/^Uid:/ { print $3 }' "/proc/$ts/status")" -eq 0 ]
		for p in $(descendants "$ts"); do
			proc_ids "$p" >>"$BATS_TEST_TMPDIR/ids"
		done
	done
	cat "$BATS_TEST_TMPDIR/ids"
}

# No line of $BATS_TEST_TMPDIR/ids has uid 0, gid 0 or group 0; every
# uid is nobody's and the effective gid nogroup's.
ids_unprivileged() {
	local nobody nogroup pid name u1 u2 u3 u4 g1 g2 g3 g4 groups u g
	nobody=$(id -u nobody)
	nogroup=$(getent group nogroup | cut -d: -f3)
	while read -r pid name u1 u2 u3 u4 g1 g2 g3 g4 groups; do
		for u in $u1 $u2 $u3 $u4; do
			[ "$u" -eq "$nobody" ] || { echo "$pid $name: uid $u"; return 1; }
		done
		for g in $g1 $g2 $g3 $g4 $groups; do
			[ "$g" -ne 0 ] || { echo "$pid $name: gid or group 0"; return 1; }
		done
		[ "$g2" -eq "$nogroup" ] || { echo "$pid $name: egid $g2"; return 1; }
	done <"$BATS_TEST_TMPDIR/ids"
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
