#!/usr/bin/env bats
# The whole path: SMTP clients -> posta-smtpd under tcpserver ->
# posta-enqueue -> the queue -> posta-queue-runner -> posta-local ->
# Maildir, and the notices that come back.

load 'helpers/common'
load 'helpers/runner'

setup_file() {
	runner_cert_once
}

setup() {
	runner_instance
	DEAD_PORT=$(free_port)
	conf_add "remote_relayhost = [127.0.0.1]:$DEAD_PORT"
}

teardown() {
	stop_all
	if [ -n "${FULL:-}" ] && mountpoint -q "$FULL"; then
		umount "$FULL"
	fi
}

# Send N messages over one smtplib session, round robin to the users
# named; each has the Subject "n K" for K in 0..N-1.
smtp_bulk() {
	python3 - "$PORT" "$@" <<'PY'
import smtplib, sys
port, n, users = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
c = smtplib.SMTP("127.0.0.1", port, timeout=60)
c.ehlo("bulk.test")
for k in range(n):
    to = "%s@example.test" % users[k % len(users)]
    c.sendmail("bulk@client.test", [to],
               "Subject: n %d\r\nTo: %s\r\n\r\nmessage %d\r\n" % (k, to, k))
c.quit()
PY
}

# Every Subject in the Maildirs of the users named, one a line.
subjects() {
	local u
	for u in "$@"; do
		mail_files "$u"
	done | xargs -r grep -h '^Subject: '
}

@test "swaks to posta-smtpd under tcpserver: the -d runner delivers into the Maildir, body byte for byte" {
	serve posta-smtpd -m mx
	spawn posta-queue-runner -d
	{
		printf 'From: <carol@client.test>\nTo: <bob@example.test>\nSubject: exact\n\n'
		printf 'first line\n.a line with a leading dot\n..two dots\n'
		printf 'trailing spaces   \n\ttab first\n\n\nlast line\n'
	} >"$BATS_TEST_TMPDIR/want"
	# swaks sends its data as given when it carries the closing dot
	{ cat "$BATS_TEST_TMPDIR/want"; echo .; } >"$BATS_TEST_TMPDIR/data"
	run swaks --server "127.0.0.1:$PORT" --from carol@client.test \
		--to bob@example.test --data "@$BATS_TEST_TMPDIR/data"
	assert_success
	assert_output --partial 'queued as'
	# no flush: the trigger wakes the runner (bounded wait, no timing claim)
	wait_mail bob 1
	wait_queue_empty
	f=$(mail_files bob)
	run head -n 3 "$f"
	assert_line --index 0 'Return-Path: <carol@client.test>'
	assert_line --index 1 'Delivered-To: bob@example.test'
	assert_line --index 2 --regexp '^Received: from '
	# the body after the header, octet for octet, with LF endings
	sed '1,/^$/d' "$f" >"$BATS_TEST_TMPDIR/got"
	sed -i '1,/^$/d' "$BATS_TEST_TMPDIR/want"
	run diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	grep -q '^Subject: exact$' "$f"
}

@test "1000 messages to 10 users over SMTP are each delivered exactly once" {
	users="alice bob"
	for i in 1 2 3 4 5 6 7 8; do
		add_user "u$i"
		users="$users u$i"
	done
	conf_add "queue_local_procs = 8"
	serve posta-smtpd -m mx
	spawn posta-queue-runner -d
	# shellcheck disable=SC2086
	smtp_bulk 1000 $users
	for u in $users; do
		wait_mail "$u" 100
	done
	wait_queue_empty
	for u in $users; do
		[ "$(mail_count "$u")" -eq 100 ]
	done
	# shellcheck disable=SC2086
	run sh -c "$(declare -f subjects mail_files); INST='$INST' subjects $users | sort | uniq -d"
	assert_output ''
	# shellcheck disable=SC2086
	[ "$(subjects $users | sort -u | wc -l)" -eq 1000 ]
}

@test "kill -9 of the runner in mid-run, then a restart: nothing is lost, only recipients in flight come twice" {
	conf_add "queue_local_procs = 4" "queue_max_procs = 4" "queue_active_max = 50"
	serve posta-smtpd -m mx
	smtp_bulk 200 bob
	[ "$(queue_count)" -eq 200 ]
	posta-queue-runner -d 2>>"$BATS_TEST_TMPDIR/runner.log" 3>&- &
	rpid=$!
	wait_mail bob 40
	kill -9 "$rpid"
	wait "$rpid" 2>/dev/null || true
	before=$(mail_count bob)
	run_once
	wait_queue_empty
	total=$(mail_count bob)
	unique=$(subjects bob | sort -u | wc -l)
	dups=$((total - unique))
	echo "# killed after $before deliveries; $total files, $unique messages, $dups delivered twice" >&3
	[ "$unique" -eq 200 ]
	# at most the deliveries that were running when it died
	[ "$dups" -le 4 ]
}

@test "a user who is gone at delivery time gets a bounce to the sender with the DSN parameters kept from SMTP" {
	add_user carol
	serve posta-smtpd -m mx
	python3 - "$PORT" <<'PY'
import smtplib, sys
c = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
c.ehlo("client.test")
c.sendmail("bob@example.test", ["carol@example.test"],
           "Subject: to carol\r\n\r\nsecret text\r\n",
           mail_options=["RET=HDRS", "ENVID=QQ+2B314"],
           rcpt_options=["NOTIFY=FAILURE", "ORCPT=rfc822;Carol+2Bx@Example.test"])
c.quit()
PY
	# carol leaves before the runner comes
	sed -i '/^carol@/d' "$INST/users"
	run_once
	wait_mail bob 1
	run dsn_fields "$(mail_files bob)"
	assert_line 'content-type: multipart/report'
	assert_line 'report-type: delivery-status'
	assert_line 'parts: text/plain message/delivery-status text/rfc822-headers'
	assert_line '0 Reporting-MTA: dns; mail.example.test'
	assert_line '0 Original-Envelope-Id: QQ+314'
	assert_line --regexp '^0 Arrival-Date: '
	assert_line '1 Original-Recipient: rfc822;Carol+x@Example.test'
	assert_line '1 Final-Recipient: rfc822; carol@example.test'
	assert_line '1 Action: failed'
	assert_line '1 Status: 5.1.1'
	assert_line --regexp '^1 Diagnostic-Code: x-posta; .*carol@example.test'
	assert_line --regexp '^1 Last-Attempt-Date: '
	assert_line --partial 'Subject: to carol'
	refute_output --partial 'secret text'
	[ "$(queue_count)" -eq 0 ]
}

@test "a message relayed over SMTP to a dead destination bounces when its lifetime is over" {
	serve posta-smtpd -m mx
	run swaks --server "127.0.0.1:$PORT" --from bob@example.test \
		--to someone@far.test --header 'Subject: far away'
	assert_success
	run_once
	[ "$(queue_count)" -eq 1 ]
	[ "$(mail_count bob)" -eq 0 ]
	POSTA_FAKE_NOW=+$((5 * 86400 + 1)) run_once
	[ "$(queue_count)" -eq 0 ]
	run dsn_fields "$(mail_files bob)"
	assert_line '1 Final-Recipient: rfc822; someone@far.test'
	assert_line '1 Action: failed'
	assert_line 'orig-subject: far away'
}

@test "mail from the null sender over SMTP is never bounced back to <>" {
	add_user carol
	serve posta-smtpd -m mx
	run swaks --server "127.0.0.1:$PORT" --from '<>' --to carol@example.test \
		--header 'Subject: a notice'
	assert_success
	sed -i '/^carol@/d' "$INST/users"
	conf_add "double_bounce_recipient ="
	run_once
	[ "$(queue_count)" -eq 0 ]
	for u in alice bob; do
		[ "$(mail_count "$u")" -eq 0 ]
	done
	grep -q 'undeliverable notice from <>, dropped' "$BATS_TEST_TMPDIR/runner.log"
	! grep -q 'notice to <>' "$BATS_TEST_TMPDIR/runner.log"
}

@test "an alias loop is detected at delivery and bounced to the sender" {
	printf 'loop1: loop2@example.test\nloop2: loop1@example.test\n' >>"$INST/aliases"
	serve posta-smtpd -m mx
	run swaks --server "127.0.0.1:$PORT" --from bob@example.test \
		--to loop1@example.test --header 'Subject: round and round'
	assert_success
	run_once
	[ "$(queue_count)" -eq 0 ]
	[ "$(mail_count bob)" -eq 1 ]
	run dsn_fields "$(mail_files bob)"
	assert_line '1 Final-Recipient: rfc822; loop1@example.test'
	assert_line '1 Action: failed'
	assert_line '1 Status: 5.4.6'
	assert_line --regexp '^1 Diagnostic-Code: .*loop'
	assert_line 'orig-subject: round and round'
}

@test "make run's instance delivers a swaks message to alice that curl reads from the Maildir file" {
	rundir=$BATS_TEST_TMPDIR/run
	copy_cert "$rundir"
	smtp=$(free_port)
	RUNDIR=$rundir SMTP_PORT=$smtp SUBMISSION_PORT=$(free_port) \
		SMTPS_PORT=$(free_port) POP3_PORT=$(free_port) POP3S_PORT=$(free_port) \
		IMAP_PORT=$(free_port) IMAPS_PORT=$(free_port) \
		spawn sh "$TOP/etc/run.sh" >"$BATS_TEST_TMPDIR/run.out"
	wait_port "$smtp"
	run swaks --server "127.0.0.1:$smtp" --from bob@example.test \
		--to alice@example.test --header 'Subject: hello alice' \
		--body 'Hi Alice!'
	assert_success
	INST=$rundir
	wait_mail alice 1
	run curl -s "file://$(mail_files alice | head -n 1)"
	assert_success
	assert_output --partial 'Subject: hello alice'
	assert_output --partial 'Hi Alice!'
}

@test "a full Maildir file system defers the message, which is delivered when space returns" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	FULL=$BATS_TEST_TMPDIR/full
	mkdir -p "$FULL"
	mount -t tmpfs -o size=256k tmpfs "$FULL" || skip "cannot mount a tmpfs"
	hash=$(printf 'posta' | openssl passwd -6 -stdin)
	echo "dora@example.test:$hash:$FULL/dora" >>"$INST/users"
	dd if=/dev/zero of="$FULL/filler" bs=4k count=40 2>/dev/null
	python3 -c 'import sys; sys.stdout.buffer.write(b"Subject: big\n\n" + (b"y" * 99 + b"\n") * 1500)' >"$BATS_TEST_TMPDIR/want"
	{ cat "$BATS_TEST_TMPDIR/want"; echo .; } >"$BATS_TEST_TMPDIR/data"
	serve posta-smtpd -m mx
	run swaks --server "127.0.0.1:$PORT" --from bob@example.test \
		--to dora@example.test --data "@$BATS_TEST_TMPDIR/data"
	assert_success
	run_once
	run posta-queue-runner -l
	assert_output --partial '<dora@example.test>  pending, tries 1'
	grep -q 'to=<dora@example.test> deferred, status=4\.' "$BATS_TEST_TMPDIR/runner.log"
	[ "$(mail_count bob)" -eq 0 ]
	rm "$FULL/filler"
	POSTA_FAKE_NOW=+301 run_once
	[ "$(queue_count)" -eq 0 ]
	f=$(find "$FULL/dora/new" -type f)
	[ "$(echo "$f" | wc -l)" -eq 1 ]
	sed '1,/^$/d' "$f" >"$BATS_TEST_TMPDIR/got"
	sed -i '1,/^$/d' "$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
}
