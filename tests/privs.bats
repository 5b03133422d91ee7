#!/usr/bin/env bats
# Nothing that reads network input runs as root (DESIGN.md, Processes and
# privileges): daemons started as root under tcpserver, with sessions
# held open in several states, are checked from /proc.

load 'helpers/common'
load 'helpers/privs'

SESSIONS="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/privsessions.py"

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: the test is of the drop from root"
	privs_instance
}

teardown() {
	exec 7>&- 8<&- 2>/dev/null
	stop_all
	privs_cleanup
}

@test "every posta-smtpd and posta-enqueue under a root tcpserver runs without uid 0, gid 0 or group 0" {
	serve posta-smtpd -m mx
	mx=$PORT
	serve posta-smtpd -m submission -s
	smtps=$PORT
	mkfifo "$BATS_TEST_TMPDIR/go" "$BATS_TEST_TMPDIR/said"
	$SESSIONS "$mx" "$smtps" <"$BATS_TEST_TMPDIR/go" \
		>"$BATS_TEST_TMPDIR/said" 2>"$BATS_TEST_TMPDIR/sessions.err" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	exec 7>"$BATS_TEST_TMPDIR/go" 8<"$BATS_TEST_TMPDIR/said"
	read -r -t 20 ready <&8 || { cat "$BATS_TEST_TMPDIR/sessions.err"; false; }
	[ "$ready" = READY ]

	# the tcpservers are root (they only accept); everything below them
	# has read, or will read, what the client sent
	: >"$BATS_TEST_TMPDIR/ids"
	for ts in $(head -n 2 "$BATS_TEST_TMPDIR/pids"); do
		[ "$(awk '/^Uid:/ { print $3 }' "/proc/$ts/status")" -eq 0 ]
		for p in $(descendants "$ts"); do
			proc_ids "$p" >>"$BATS_TEST_TMPDIR/ids"
		done
	done
	cat "$BATS_TEST_TMPDIR/ids"
	# four sessions and the posta-enqueue of the one in DATA: nothing
	# vacuous about the check below
	[ "$(grep -c ' posta-smtpd ' "$BATS_TEST_TMPDIR/ids")" -eq 4 ]
	[ "$(grep -c ' posta-enqueue ' "$BATS_TEST_TMPDIR/ids")" -eq 1 ]
	nobody=$(id -u nobody)
	nogroup=$(getent group nogroup | cut -d: -f3)
	while read -r pid name u1 u2 u3 u4 g1 g2 g3 g4 groups; do
		for u in $u1 $u2 $u3 $u4; do
			[ "$u" -eq "$nobody" ] || { echo "$pid $name: uid $u"; false; }
		done
		for g in $g1 $g2 $g3 $g4 $groups; do
			[ "$g" -ne 0 ] || { echo "$pid $name: gid or group 0"; false; }
		done
		[ "$g2" -eq "$nogroup" ]
	done <"$BATS_TEST_TMPDIR/ids"

	# and the sessions were real: the held message is queued, by nobody
	echo go >&7
	read -r -t 20 answer <&8
	echo "$answer"
	[[ $answer == "250 2.0.0 Ok: queued as "* ]]
	[ "$(queue_count)" -eq 1 ]
	[ "$(stat -c %U "$QDIR"/queue/*)" = nobody ]
}
