#!/usr/bin/env bats
# posta-queue-runner with the real posta-local, posta-remote and
# posta-enqueue, on a private instance.

load 'helpers/common'
load 'helpers/runner'

setup_file() {
	runner_cert_once
}

setup() {
	runner_instance
	# a destination that refuses connections: a port nobody listens on
	DEAD_PORT=$(free_port)
	conf_add "remote_relayhost = [127.0.0.1]:$DEAD_PORT"
}

teardown() {
	stop_all
}

@test "one pass delivers a queued message into the Maildir byte for byte and removes it from the queue" {
	printf 'Subject: one pass\nX-Test: a\n\nline one\n\n.dot line\nno newline at end' >"$BATS_TEST_TMPDIR/msg"
	queue_msg alice@example.test bob@example.test <"$BATS_TEST_TMPDIR/msg"
	[ "$(queue_count)" -eq 1 ]
	run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count bob)" -eq 1 ]
	f=$(mail_files bob)
	run head -n 2 "$f"
	assert_line --index 0 'Return-Path: <alice@example.test>'
	assert_line --index 1 'Delivered-To: bob@example.test'
	# what posta-sendmail queued, octet for octet, after those two fields
	q=$(strip_delivery_fields "$f" | grep -c '^Message-ID:')
	[ "$q" -eq 1 ]
	strip_delivery_fields "$f" | tail -n 4 >"$BATS_TEST_TMPDIR/got"
	printf 'line one\n\n.dot line\nno newline at end\n' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
}

@test "an unknown user bounces at once to the sender, with the whole message and the RFC 3464 fields" {
	printf 'Subject: to nobody\n\nthe body\n' |
		posta-sendmail -f bob@example.test -V env+2B42 alice@example.test nobody@example.test
	run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count alice)" -eq 1 ]
	wait_mail bob 1
	run dsn_fields "$(mail_files bob)"
	assert_line 'content-type: multipart/report'
	assert_line 'report-type: delivery-status'
	assert_line 'to: <bob@example.test>'
	assert_line 'subject: Undelivered Mail Returned to Sender'
	assert_line 'auto-submitted: auto-replied'
	assert_line 'parts: text/plain message/delivery-status message/rfc822'
	assert_line '0 Reporting-MTA: dns; mail.example.test'
	assert_line '0 Original-Envelope-Id: env+42'
	assert_line --regexp '^0 Arrival-Date: [A-Z][a-z][a-z], [0-9]+ [A-Z][a-z][a-z] 20[0-9][0-9] '
	assert_line '1 Final-Recipient: rfc822; nobody@example.test'
	assert_line '1 Action: failed'
	assert_line '1 Status: 5.1.1'
	assert_line --regexp '^1 Diagnostic-Code: x-posta; .*no such user'
	assert_line --regexp '^1 Last-Attempt-Date: '
	refute_line --partial 'alice@example.test'
	assert_line 'orig-subject: to nobody'
	assert_line "orig-body: 'the body\\n'"
	# the bounce came from the null sender
	run head -n 1 "$(mail_files bob)"
	assert_output 'Return-Path: <>'
}

@test "RET=HDRS bounces with the header only, NOTIFY=NEVER not at all" {
	printf 'Subject: headers only\n\nsecret body\n' |
		posta-sendmail -f bob@example.test -R hdrs nobody@example.test
	printf 'Subject: never\n\nbody\n' |
		posta-sendmail -f bob@example.test -N never nobody2@example.test
	run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count bob)" -eq 1 ]
	run dsn_fields "$(mail_files bob)"
	assert_line 'parts: text/plain message/delivery-status text/rfc822-headers'
	assert_line --partial 'Subject: headers only'
	refute_output --partial 'secret body'
	refute_output --partial 'nobody2'
}

@test "NOTIFY=SUCCESS gets a notice with Action delivered" {
	printf 'Subject: tell me\n\nbody\n' |
		posta-sendmail -f bob@example.test -N success,failure alice@example.test
	run_once
	wait_mail bob 1
	run dsn_fields "$(mail_files bob)"
	assert_line 'subject: Successful Mail Delivery Report'
	assert_line '1 Final-Recipient: rfc822; alice@example.test'
	assert_line '1 Action: delivered'
	assert_line '1 Status: 2.0.0'
	assert_line 'parts: text/plain message/delivery-status text/rfc822-headers'
}

@test "mail from the null sender is never bounced: its failure goes once to postmaster, and that one's failure is dropped" {
	printf 'Subject: a bounce\n\nbody\n' | posta-sendmail -f '<>' nobody@example.test
	run_once
	[ "$(queue_count)" -eq 0 ]
	# postmaster is alice (the instance's aliases)
	[ "$(mail_count alice)" -eq 1 ]
	run dsn_fields "$(mail_files alice)"
	assert_line 'to: <postmaster@mail.example.test>'
	assert_line '1 Final-Recipient: rfc822; nobody@example.test'
	run head -n 1 "$(mail_files alice)"
	assert_output 'Return-Path: <>'

	# now postmaster does not exist either: nothing comes back, nothing stays
	conf_add "double_bounce_recipient = nobody-at-all@example.test"
	printf 'Subject: a second bounce\n\nbody\n' | posta-sendmail -f '<>' nobody@example.test
	run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count alice)" -eq 1 ]
	[ "$(mail_count bob)" -eq 0 ]
	run grep -c 'from <>, dropped' "$BATS_TEST_TMPDIR/runner.log"
	assert_output 1
}

@test "a temporary failure is retried after queue_retry_min, then at doubling intervals" {
	printf 'Subject: later\n\nbody\n' | queue_msg alice@example.test someone@dead.test
	run_once
	[ "$(queue_count)" -eq 1 ]
	run posta-queue-runner -l
	assert_output --partial '<someone@dead.test>  pending, tries 1, next '
	# not due yet: nothing is tried
	run_once
	run posta-queue-runner -l
	assert_output --partial 'tries 1,'
	# five minutes later it is
	POSTA_FAKE_NOW=+301 run_once
	run posta-queue-runner -l
	assert_output --partial 'tries 2,'
	run cat "$QDIR/backoff"
	assert_output --regexp '^dead\.test 2 [0-9]+$'
}

@test "a dead destination is remembered: another message for it waits for the destination's next try" {
	printf 'Subject: first\n\nbody\n' | queue_msg alice@example.test a@dead.test
	run_once
	printf 'Subject: second\n\nbody\n' | queue_msg alice@example.test b@dead.test
	run_once
	run posta-queue-runner -l
	assert_output --partial '<a@dead.test>  pending, tries 1'
	assert_output --partial '<b@dead.test>  pending, tries 0'
	# a flush ignores the memory
	run_once -F
	run posta-queue-runner -l
	assert_output --partial '<a@dead.test>  pending, tries 2'
	assert_output --partial '<b@dead.test>  pending, tries 1'
}

@test "after queue_lifetime the message bounces with the last try's status (clock moved by POSTA_FAKE_NOW)" {
	printf 'Subject: too late\n\nold body\n' | queue_msg bob@example.test gone@dead.test
	run_once
	[ "$(mail_count bob)" -eq 0 ]
	POSTA_FAKE_NOW=+$((5 * 86400 + 60)) run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count bob)" -eq 1 ]
	run dsn_fields "$(mail_files bob)"
	assert_line 'subject: Undelivered Mail Returned to Sender'
	assert_line '1 Final-Recipient: rfc822; gone@dead.test'
	assert_line '1 Action: failed'
	assert_line --regexp '^1 Status: 4\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^1 Diagnostic-Code: '
	assert_line "orig-body: 'old body\\n'"
}

@test "the sender is warned once after delay_warning_time" {
	conf_add "delay_warning_time = 1h"
	printf 'Subject: slow\n\nbody\n' | queue_msg bob@example.test slow@dead.test
	run_once
	[ "$(mail_count bob)" -eq 0 ]
	POSTA_FAKE_NOW=+3700 run_once
	[ "$(mail_count bob)" -eq 1 ]
	run dsn_fields "$(mail_files bob)"
	assert_line 'subject: Delayed Mail (still being retried)'
	assert_line '1 Action: delayed'
	assert_line --regexp '^1 Will-Retry-Until: '
	assert_line 'parts: text/plain message/delivery-status text/rfc822-headers'
	run posta-queue-runner -l
	assert_output --partial '<slow@dead.test>  pending (sender warned)'
	# later tries do not warn again
	POSTA_FAKE_NOW=+7400 run_once
	[ "$(mail_count bob)" -eq 1 ]
	[ "$(queue_count)" -eq 1 ]
}

@test "the -d runner delivers a new message without a flush" {
	spawn posta-queue-runner -d
	printf 'Subject: first\n\nbody\n' | queue_msg alice@example.test bob@example.test
	wait_mail bob 1
	# the runner is up and idle: only the trigger can tell it of this one
	printf 'Subject: second\n\nbody\n' | queue_msg alice@example.test bob@example.test
	wait_mail bob 2
	wait_queue_empty
}

@test "a release from hold wakes the -d runner, which reads queue/ again for it" {
	conf_add "queue_scan_interval = 1h"
	printf 'Subject: held\n\nbody\n' | queue_msg alice@example.test bob@example.test
	id=$(ls "$QDIR/queue")
	posta-queue-runner -H "$id"
	spawn posta-queue-runner -d
	printf 'Subject: first\n\nbody\n' | queue_msg alice@example.test bob@example.test
	wait_mail bob 1
	# the release writes no ID: only a new read of queue/ finds it
	posta-queue-runner -R "$id"
	wait_mail bob 2
	wait_queue_empty
}

@test "the -d runner reads queue/ again when its trigger FIFO was full, so no new message waits for the scan" {
	conf_add "queue_scan_interval = 1h"
	spawn posta-queue-runner -d
	rp=$!
	printf 'Subject: first\n\nbody\n' | queue_msg alice@example.test bob@example.test
	wait_mail bob 1
	kill -STOP "$rp"
	# fill the FIFO with IDs of no message, until a write would block
	python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
n = 0
try:
    while True:
        os.write(fd, b"%020X\n" % n)
        n += 1
except BlockingIOError:
    pass
print(n)' "$QDIR/trigger" >"$BATS_TEST_TMPDIR/filled"
	[ "$(cat "$BATS_TEST_TMPDIR/filled")" -gt 100 ]
	# this message's ID cannot be written: the FIFO is full
	printf 'Subject: second\n\nbody\n' | queue_msg alice@example.test bob@example.test
	kill -CONT "$rp"
	wait_mail bob 2
	wait_queue_empty
}

@test "hold keeps a message from delivery, release gives it back, delete removes it" {
	printf 'Subject: held\n\nbody\n' | queue_msg alice@example.test bob@example.test
	printf 'Subject: deleted\n\nbody\n' | queue_msg alice@example.test bob@example.test
	ids=$(ls "$QDIR/queue")
	first=$(echo "$ids" | head -n 1)
	second=$(echo "$ids" | tail -n 1)
	posta-queue-runner -H "$first"
	posta-queue-runner -D "$second"
	run posta-queue-runner -l
	assert_line --regexp "^$first .*  \\(held\\)$"
	refute_output --partial "$second"
	run_once
	[ "$(mail_count bob)" -eq 0 ]
	posta-queue-runner -R "$first"
	run_once
	[ "$(mail_count bob)" -eq 1 ]
	grep -q '^Subject: held' "$(mail_files bob)"
	run posta-queue-runner -D "$first"
	assert_failure 66
	run posta-queue-runner -H nonsense
	assert_failure 64
}

@test "posta-sendmail -bp and mailq show the runner's listing" {
	printf 'Subject: listed\n\nbody\n' | queue_msg alice@example.test someone@dead.test
	run posta-sendmail -bp
	assert_success
	assert_line --index 0 --regexp '^Queue ID +Size +Arrival +Sender / recipients$'
	assert_line --index 1 --regexp "^[0-9A-F]{20} +[0-9]+  [0-9-]+ [0-9:]+  <alice@example.test>$"
	assert_line --index 2 '    <someone@dead.test>  pending, tries 0, next now'
	assert_line --index 3 --regexp '^-- 1 Kbytes in 1 message\.$'
	posta-queue-runner -D "$(ls "$QDIR/queue")"
	run posta-sendmail -bp
	assert_output 'Mail queue is empty'
}

@test "posta-sendmail -q flushes, and -F with a domain tries only that domain" {
	conf_add "remote_transport_table = $INST/transport"
	printf 'dead.test [127.0.0.1]:%s\nother.test [127.0.0.1]:%s\n' "$DEAD_PORT" "$DEAD_PORT" >"$INST/transport"
	printf 'Subject: two\n\nbody\n' | queue_msg alice@example.test x@dead.test y@other.test
	run_once
	run_once -F other.test
	run posta-queue-runner -l
	assert_output --partial '<x@dead.test>  pending, tries 1'
	assert_output --partial '<y@other.test>  pending, tries 2'
	posta-sendmail -q 2>>"$BATS_TEST_TMPDIR/runner.log"
	run posta-queue-runner -l
	assert_output --partial '<x@dead.test>  pending, tries 2'
	assert_output --partial '<y@other.test>  pending, tries 3'
}

@test "a message locked by another runner is left alone until the lock goes" {
	printf 'Subject: locked\n\nbody\n' | queue_msg alice@example.test bob@example.test
	f=$(ls "$QDIR"/queue/*)
	flock "$f" sh -c 'posta-queue-runner 2>>"$0"; [ "$(find "$1" -type f | wc -l)" -eq 0 ]' \
		"$BATS_TEST_TMPDIR/runner.log" "$INST/mail/bob/new"
	[ "$(queue_count)" -eq 1 ]
	run_once
	[ "$(mail_count bob)" -eq 1 ]
	[ "$(queue_count)" -eq 0 ]
}

@test "old debris in tmp/ is removed, a file being written is not" {
	: >"$QDIR/tmp/06B0E80628C627005C80"
	: >"$QDIR/tmp/06B0E80628C627005C81"
	touch -d '2 days ago' "$QDIR/tmp/06B0E80628C627005C80"
	run_once
	[ ! -e "$QDIR/tmp/06B0E80628C627005C80" ]
	[ -e "$QDIR/tmp/06B0E80628C627005C81" ]
}

@test "bad usage exits 64 with the synopsis" {
	run posta-queue-runner -d -l
	assert_failure 64
	assert_output --partial 'usage: posta-queue-runner [-dv] [-C file]'
	run posta-queue-runner -D
	assert_failure 64
}

# Remote recipients through posta-remote to aiosmtpd receivers (as root
# posta-remote runs as nobody, so these tests deliver nothing locally).
remote_setup() {
	# shellcheck source=helpers/remote.bash
	PEER="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/smtppeer.py"
	if [ "$(id -u)" = 0 ]; then
		conf_set mail_user nobody
	fi
	conf_set remote_relayhost ""
	: >"$INST/transport"
	conf_add "remote_transport_table = transport"
}

# peer NAME [smtppeer.py options]: an aiosmtpd receiver; sets PEER_PORT.
peer() {
	local name=$1
	shift
	PEER_PORT=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/$name"
	spawn $PEER "$PEER_PORT" "$BATS_TEST_TMPDIR/$name" "$@" 2>>"$BATS_TEST_TMPDIR/$name.stderr"
	wait_port "$PEER_PORT"
}

@test "remote recipients go to posta-remote by destination; each outcome is recorded, a refusal bounces at once" {
	remote_setup
	peer live
	printf 'live.test [127.0.0.1]:%s\n' "$PEER_PORT" >>"$INST/transport"
	printf 'Subject: one\n\nbody\n' | queue_msg sender@live.test a@live.test bad1@live.test temp1@live.test
	printf 'Subject: two\n\nbody\n' | queue_msg sender@live.test b@live.test
	run_once
	run cat "$BATS_TEST_TMPDIR/live/log"
	assert_line --partial 'rcpt <a@live.test>'
	assert_line --partial 'rcpt <b@live.test>'
	# the bounce for bad1 went back to the sender's domain, from <>
	assert_line --regexp '^mail <<>>'
	assert_line --partial 'rcpt <sender@live.test>'
	run posta-queue-runner -l
	assert_output --partial '<a@live.test>  delivered'
	assert_output --partial '<bad1@live.test>  failed, bounced'
	assert_output --partial '<temp1@live.test>  pending, tries 1'
	refute_output --partial '<b@live.test>'
	# the bounce names the server that refused
	f=$(grep -l '^Subject: Undelivered Mail' "$BATS_TEST_TMPDIR"/live/*.msg)
	run dsn_fields "$f"
	assert_line '1 Final-Recipient: rfc822; bad1@live.test'
	assert_line '1 Status: 5.1.1'
	assert_line '1 Remote-MTA: dns; 127.0.0.1'
	assert_line --regexp '^1 Diagnostic-Code: smtp; 550 5\.1\.1 .*bad1@live\.test'
	# the destination answered: no back-off is kept for it
	run cat "$QDIR/backoff"
	refute_output --partial 'live.test'
}

@test "a destination that never answers does not hold up the others" {
	remote_setup
	conf_add "remote_greeting_timeout = 30s"
	# accepts connections and says nothing
	SLOW_PORT=$(free_port)
	spawn python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(50); c = []
while True: c.append(s.accept())' "$SLOW_PORT"
	wait_port "$SLOW_PORT"
	peer live
	printf 'slow.test [127.0.0.1]:%s\nlive.test [127.0.0.1]:%s\n' "$SLOW_PORT" "$PEER_PORT" >>"$INST/transport"
	spawn posta-queue-runner -d
	printf 'Subject: slow\n\nbody\n' | queue_msg sender@live.test x1@slow.test
	printf 'Subject: slow\n\nbody\n' | queue_msg sender@live.test x2@slow.test
	printf 'Subject: slow\n\nbody\n' | queue_msg sender@live.test x3@slow.test
	printf 'Subject: live\n\nbody\n' | queue_msg sender@live.test y@live.test
	for _ in $(seq 1 200); do
		grep -q 'rcpt <y@live.test>' "$BATS_TEST_TMPDIR/live/log" 2>/dev/null && break
		sleep 0.05
	done
	grep -q 'rcpt <y@live.test>' "$BATS_TEST_TMPDIR/live/log"
	# the slow ones are still waiting for their greeting
	run posta-queue-runner -l
	assert_output --partial '<x1@slow.test>  pending, tries 0'
}

@test "a message of a remote batch leaves the queue as soon as its recipient is reported, while the batch goes on" {
	remote_setup
	conf_add "queue_domain_procs = 1"
	STALL_PORT=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/stall"
	spawn python3 "$BATS_TEST_DIRNAME/helpers/stallpeer.py" "$STALL_PORT" "$BATS_TEST_TMPDIR/stall" 1
	wait_port "$STALL_PORT"
	printf 'stall.test [127.0.0.1]:%s\n' "$STALL_PORT" >>"$INST/transport"
	printf 'Subject: first\n\nbody\n' | queue_msg sender@live.test one@stall.test
	printf 'Subject: second\n\nbody\n' | queue_msg sender@live.test two@stall.test
	[ "$(queue_count)" -eq 2 ]
	# one connection: both messages go to one posta-remote
	spawn posta-queue-runner -d
	for _ in $(seq 1 400); do
		grep -q '^stalled two@stall.test' "$BATS_TEST_TMPDIR/stall/log" 2>/dev/null && break
		sleep 0.05
	done
	run cat "$BATS_TEST_TMPDIR/stall/log"
	assert_line 'accepted one@stall.test'
	assert_line 'stalled two@stall.test'
	[ "$(grep -c '^session' "$BATS_TEST_TMPDIR/stall/log")" -eq 1 ]
	# the first is gone while its posta-remote waits for the second's reply
	for _ in $(seq 1 200); do
		[ "$(queue_count)" -eq 1 ] && break
		sleep 0.05
	done
	[ "$(queue_count)" -eq 1 ]
	run posta-queue-runner -l
	assert_output --partial '<two@stall.test>'
	refute_output --partial '<one@stall.test>'
}

@test "the messages waiting for one destination are shared among its connections" {
	remote_setup
	conf_add "queue_domain_procs = 3"
	peer live
	printf 'live.test [127.0.0.1]:%s\n' "$PEER_PORT" >>"$INST/transport"
	for i in 1 2 3 4 5 6; do
		printf 'Subject: share %s\n\nbody\n' "$i" | queue_msg sender@live.test "r$i@live.test"
	done
	run_once
	[ "$(queue_count)" -eq 0 ]
	# 6 messages over 3 connections of 2 (queue_remote_batch is 50)
	[ "$(grep -c '^session' "$BATS_TEST_TMPDIR/live/log")" -eq 3 ]
	[ "$(grep -c '^rcpt <r[1-6]@live.test>' "$BATS_TEST_TMPDIR/live/log")" -eq 6 ]
}

@test "the retry schedule is 5, 10, 20, then 30 minutes, and the last try falls on the expiry" {
	conf_add "queue_lifetime = 2h"
	printf 'Subject: schedule\n\nbody\n' | queue_msg alice@example.test s@dead.test
	f=$(ls "$QDIR"/queue/*)
	t0=$(sed -n 's/^T //p' "$f")
	next_try() {
		sed -n 's/^R P \([0-9]*\) \([0-9]*\) .*/\1 \2/p' "$f"
	}
	want="$((t0 + 300)) 0001"
	POSTA_FAKE_NOW=$t0 run_once
	[ "$(next_try)" = "$want" ]
	for step in 600 1200 1800 1800 1800; do
		now=${want% *}
		POSTA_FAKE_NOW=$now run_once
		tries=$(printf '%04d' $((10#${want#* } + 1)))
		want="$((now + step)) $tries"
		# capped at arrival + queue_lifetime
		[ "${want% *}" -le $((t0 + 7200)) ] || want="$((t0 + 7200)) $tries"
		[ "$(next_try)" = "$want" ]
	done
	# the try at the expiry (the destination's back-off notwithstanding)
	# fails for good, and the sender gets the bounce
	POSTA_FAKE_NOW=$((t0 + 7200)) run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count alice)" -eq 1 ]
}

@test "SIGTERM lets the running deliveries report: a restart delivers nothing twice" {
	conf_add "queue_local_procs = 4"
	for i in $(seq 1 60); do
		printf 'Subject: term %s\n\nbody\n' "$i" | queue_msg alice@example.test bob@example.test
	done
	posta-queue-runner -d 2>>"$BATS_TEST_TMPDIR/runner.log" 3>&- &
	rpid=$!
	wait_mail bob 10
	kill -TERM "$rpid"
	wait "$rpid"
	run_once
	wait_queue_empty
	[ "$(mail_count bob)" -eq 60 ]
	run sh -c "cat $INST/mail/bob/new/* | grep '^Subject: term' | sort | uniq -d"
	assert_output ''
}

@test "a posta-local that ends without an answer (a status outside sysexits) defers the recipient; 67 fails it" {
	progs=$BATS_TEST_TMPDIR/progs
	mkdir -p "$progs"
	for p in "$BIN"/*; do
		ln -sf "$p" "$progs/"
	done
	rm -f "$progs/posta-local"
	printf '#!/bin/sh\nexit 2\n' >"$progs/posta-local"
	chmod 755 "$progs/posta-local"
	conf_set program_dir "$progs"
	printf 'Subject: kept\n\nbody\n' | queue_msg alice@example.test bob@example.test
	run_once
	# kept, not returned: the only message queued is the one sent
	[ "$(queue_count)" -eq 1 ]
	run posta-queue-runner -l
	assert_output --partial '<bob@example.test>  pending, tries 1, next '
	[ "$(mail_count alice)" -eq 0 ]
	# a real answer of a lasting fault fails it, with a notice
	printf '#!/bin/sh\ncase "$*" in *bob@*) echo "5.1.1 no such user"; exit 67;; esac\nexec "%s/posta-local" "$@"\n' \
	    "$BIN" >"$progs/posta-local.new"
	chmod 755 "$progs/posta-local.new"
	mv -f "$progs/posta-local.new" "$progs/posta-local"
	POSTA_FAKE_NOW=+600 run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count alice)" -eq 1 ]
	grep -q '^Status: 5\.1\.1' "$(mail_files alice)"
}

@test "NOTIFY=SUCCESS to a server without DSN gets a notice with Action relayed; to one with DSN none from here" {
	remote_setup
	peer plain
	printf 'plain.test [127.0.0.1]:%s\n' "$PEER_PORT" >>"$INST/transport"
	printf 'Subject: tell me\n\nbody\n' |
		posta-sendmail -f s@plain.test -N success,failure x@plain.test
	run_once
	[ "$(queue_count)" -eq 0 ]
	# the notice went back to the sender, at the same server
	f=$(grep -l '^Subject: Successful Mail Delivery Report' "$BATS_TEST_TMPDIR"/plain/*.msg)
	run dsn_fields "$f"
	assert_line '1 Final-Recipient: rfc822; x@plain.test'
	assert_line '1 Action: relayed'
	assert_line '1 Status: 2.0.0'
	assert_line '1 Remote-MTA: dns; 127.0.0.1'
	grep -q 'do not report' "$f"

	# a server that offers DSN got NOTIFY=SUCCESS itself: no notice
	peer dsn --dsn
	printf 'dsn.test [127.0.0.1]:%s\n' "$PEER_PORT" >>"$INST/transport"
	printf 'Subject: tell me too\n\nbody\n' |
		posta-sendmail -f s@dsn.test -N success x@dsn.test
	run_once
	[ "$(queue_count)" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/dsn/log"
	assert_line --partial 'rcpt <x@dsn.test> NOTIFY=SUCCESS'
	[ "$(ls "$BATS_TEST_TMPDIR"/dsn/*.msg | wc -l)" -eq 1 ]
}
