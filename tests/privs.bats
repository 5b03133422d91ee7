#!/usr/bin/env bats
# Nothing that reads network input runs as root (DESIGN.md, Processes and
# privileges): posta-smtpd, posta-pop3d and posta-imapd started as root
# under tcpserver, with sessions held open in several states, are
# checked from /proc.

load 'helpers/common'
load 'helpers/privs'

SESSIONS="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/privsessions.py"

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: the test is of the drop from root"
	privs_instance
}

teardown() {
	exec 5>&- 6>&- 7>&- 8>&- 2>/dev/null
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
	collect_ids $(head -n 2 "$BATS_TEST_TMPDIR/pids")
	# four sessions and the posta-enqueue of the one in DATA: nothing
	# vacuous about the check below
	[ "$(grep -c ' posta-smtpd ' "$BATS_TEST_TMPDIR/ids")" -eq 4 ]
	[ "$(grep -c ' posta-enqueue ' "$BATS_TEST_TMPDIR/ids")" -eq 1 ]
	ids_unprivileged

	# and the sessions were real: the held message is queued, by nobody
	echo go >&7
	read -r -t 20 answer <&8
	echo "$answer"
	[[ $answer == "250 2.0.0 Ok: queued as "* ]]
	[ "$(queue_count)" -eq 1 ]
	[ "$(stat -c %U "$QDIR"/queue/*)" = nobody ]
}

@test "posta-pop3d and posta-imapd sessions under root tcpservers, greeted or logged in, run without uid, gid or group 0" {
	serve posta-pop3d
	pop=$PORT
	serve posta-imapd
	imap=$PORT
	exec 5<>"/dev/tcp/127.0.0.1/$pop" 6<>"/dev/tcp/127.0.0.1/$pop"
	exec 7<>"/dev/tcp/127.0.0.1/$imap" 8<>"/dev/tcp/127.0.0.1/$imap"
	read -r g <&5
	[[ $g == "+OK"* ]]
	read -r g <&6
	[[ $g == "+OK"* ]]
	read -r g <&7
	[[ $g == "* OK"* ]]
	read -r g <&8
	[[ $g == "* OK"* ]]
	# one of each logged in, its Maildir open
	printf 'USER alice@example.test\r\nPASS posta\r\nSTAT\r\n' >&6
	read -r g <&6
	read -r g <&6
	[[ $g == "+OK"* ]]
	read -r g <&6
	[[ $g == "+OK 0 0"* ]]
	printf 'a LOGIN alice@example.test posta\r\nb SELECT INBOX\r\n' >&8
	for _ in $(seq 1 20); do
		read -r g <&8
		[[ $g == "b OK"* ]] && break
		[[ $g == [ab]" "N* || $g == [ab]" "B* ]] && break
	done
	[[ $g == "b OK"* ]]
	collect_ids $(head -n 2 "$BATS_TEST_TMPDIR/pids")
	[ "$(grep -c ' posta-pop3d ' "$BATS_TEST_TMPDIR/ids")" -eq 2 ]
	[ "$(grep -c ' posta-imapd ' "$BATS_TEST_TMPDIR/ids")" -eq 2 ]
	ids_unprivileged
	exec 5>&- 6>&- 7>&- 8>&-
}
