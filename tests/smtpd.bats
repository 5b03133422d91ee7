#!/usr/bin/env bats
# posta-smtpd under real super-servers, with real clients.

load 'helpers/common'

# Debian's python3: a version manager's shim in PATH costs seconds a call
PATH=/usr/bin:$PATH

RAW="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/smtpraw.py"

# One certificate for the whole file: make_instance keeps one it finds.
setup_file() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
		-subj "/CN=mail.example.test" \
		-addext "subjectAltName=DNS:mail.example.test,DNS:localhost,IP:127.0.0.1" \
		-keyout "$BATS_FILE_TMPDIR/tls.key" -out "$BATS_FILE_TMPDIR/tls.crt" \
		>/dev/null 2>&1
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/inst"
	cp "$BATS_FILE_TMPDIR/tls.key" "$BATS_FILE_TMPDIR/tls.crt" \
		"$BATS_TEST_TMPDIR/inst/"
	make_instance
}

teardown() {
	stop_all
}

# The committed queue files, concatenated.
queue_text() {
	cat "$QDIR"/queue/* 2>/dev/null
}

# A session to the MX with no relay networks (an outsider's view).
outsider() {
	: >"$INST/relay-networks"
	serve posta-smtpd -m mx
}

# Wait until tcpserver (the first PID recorded) has no session left.
wait_sessions_gone() {
	local ts
	ts=$(head -n 1 "$BATS_TEST_TMPDIR/pids")
	for _ in $(seq 1 200); do
		pgrep -P "$ts" >/dev/null || return 0
		sleep 0.05
	done
	return 1
}

@test "plain SMTP from swaks is queued under the ID in the 250, with a Received field and the envelope" {
	serve posta-smtpd -m mx
	run swaks --server 127.0.0.1:$PORT --helo client.test \
		--from sender@client.test --to bob@example.test \
		--header "Subject: plain"
	assert_success
	assert_output --regexp '<-  250 2\.0\.0 Ok: queued as [0-9A-F]+'
	[ "$(queue_count)" -eq 1 ]
	# the ID in the reply is the committed file's
	id=$(printf '%s\n' "$output" | sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p')
	[ -f "$QDIR/queue/$id" ]
	run queue_text
	assert_output --partial 'Received: from client.test ([127.0.0.1])'
	assert_output --partial 'by mail.example.test (posta) with ESMTP'
	assert_output --partial 'Subject: plain'
	assert_output --partial 'F sender@client.test'
	assert_output --partial 'C client.test ([127.0.0.1])'
	assert_output --regexp 'R P [0-9]+ [0-9]+ - - bob@example.test'
	# LF line endings in the queue
	! grep -q $'\r' "$QDIR"/queue/*
}

@test "EHLO on the MX advertises the working extensions and no AUTH" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO client.test\r\n' '1:QUIT\r\n'
	assert_output --partial '250-PIPELINING'
	assert_output --partial '250-SIZE 36700160'
	assert_output --partial '250-8BITMIME'
	assert_output --partial '250-SMTPUTF8'
	assert_output --partial '250-ENHANCEDSTATUSCODES'
	assert_output --partial '250-STARTTLS'
	assert_output --partial '250-CHUNKING'
	assert_output --partial '250-DSN'
	refute_output --partial 'AUTH'
	assert_output --partial '221 2.0.0'
}

@test "STARTTLS with swaks: the Received field names the TLS version and cipher" {
	serve posta-smtpd -m mx
	run swaks --server 127.0.0.1:$PORT --tls --from a@client.test \
		--to bob@example.test
	assert_success
	assert_output --partial '220 2.0.0 Ready to start TLS'
	assert_output --partial 'queued as'
	run queue_text
	assert_output --regexp '\(using TLSv1\.[23] with cipher [A-Z0-9_-]+'
	assert_output --partial 'with ESMTPS'
}

@test "libtls and libcrypto are loaded only by a session that starts TLS" {
	command -v strace >/dev/null || fail "strace is needed"
	serve strace -f -e trace=openat -o "$BATS_TEST_TMPDIR/trace" "$BIN/posta-smtpd" -m mx
	run swaks --server 127.0.0.1:$PORT --from a@client.test --to bob@example.test
	assert_success
	assert_output --partial '250-STARTTLS'
	wait_sessions_gone
	run grep -E 'lib(tls|ssl|crypto)\.so' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	run swaks --server 127.0.0.1:$PORT --tls --from a@client.test --to bob@example.test
	assert_success
	assert_output --partial 'queued as'
	wait_sessions_gone
	grep -E 'libtls\.so' "$BATS_TEST_TMPDIR/trace"
	grep -E 'libcrypto\.so' "$BATS_TEST_TMPDIR/trace"
}

@test "commands pipelined after STARTTLS are thrown away" {
	serve posta-smtpd -m mx
	run python3 - "$PORT" <<'PY'
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO x.test\r\n")
while f.readline()[3:4] != b" ":
    pass
s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")
print(f.readline().decode().strip())
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="localhost")
t.sendall(b"RCPT TO:<bob@example.test>\r\n")
print(t.recv(1000).decode().strip())
PY
	assert_line '220 2.0.0 Ready to start TLS'
	assert_line --partial '503 5.5.1'
}

@test "implicit TLS (-s): swaks --tlsc is served from the first byte" {
	serve posta-smtpd -m submission -s
	run swaks --server 127.0.0.1:$PORT --tlsc --from alice@example.test \
		--to bob@example.test -a PLAIN -au alice@example.test -ap posta
	assert_success
	assert_output --partial '235 2.7.0'
	assert_output --partial 'queued as'
	run queue_text
	assert_output --partial 'with ESMTPSA'
	assert_output --partial 'A alice@example.test'
}

@test "submission: AUTH PLAIN after STARTTLS with the right password sends mail" {
	conf_add 'smtpd_auth_loopback = no'
	serve posta-smtpd -m submission
	run swaks --server 127.0.0.1:$PORT --tls -a PLAIN \
		-au alice@example.test -ap posta --from alice@example.test \
		--to someone@elsewhere.test
	assert_success
	assert_output --partial '250-AUTH PLAIN LOGIN'
	assert_output --partial '235 2.7.0'
	assert_output --partial 'queued as'
	run queue_text
	assert_output --partial 'R P'
	assert_output --partial 'someone@elsewhere.test'
}

@test "submission: a wrong password gets 535 5.7.8 and nothing is sent" {
	serve posta-smtpd -m submission
	run swaks --server 127.0.0.1:$PORT --tls -a LOGIN \
		-au alice@example.test -ap wrong --from alice@example.test \
		--to bob@example.test
	assert_failure
	assert_output --partial '535 5.7.8'
	[ "$(queue_count)" -eq 0 ]
}

@test "submission: AUTH before TLS is not offered and refused with 538 off loopback rules" {
	conf_add 'smtpd_auth_loopback = no'
	serve posta-smtpd -m submission
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwb3N0YQ==\r\n'
	refute_output --partial 'AUTH PLAIN LOGIN'
	assert_output --partial '538 5.7.11'
}

@test "submission: Python smtplib logs in with LOGIN over loopback and sends" {
	serve posta-smtpd -m submission
	run python3 - "$PORT" <<'PY'
import smtplib, sys
c = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
c.ehlo("c.test")
c.login("bob@example.test", "posta")
print(c.sendmail("bob@example.test", ["alice@example.test"], "Subject: x\r\n\r\nhi\r\n"))
c.quit()
PY
	assert_success
	[ "$(queue_count)" -eq 1 ]
}

@test "submission: MAIL needs AUTH first, and the user may not send as another address" {
	serve posta-smtpd -m submission
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<alice@example.test>\r\n' \
		'1:AUTH LOGIN\r\n' '1:*\r\n' '1:AUTH PLAIN\r\n' \
		'1:AGFsaWNlQGV4YW1wbGUudGVzdABwb3N0YQ==\r\n' \
		'1:MAIL FROM:<bob@example.test>\r\n' '1:MAIL FROM:<alice@example.test>\r\n'
	assert_output --partial '530 5.7.0 Authentication required'
	assert_output --partial '334 VXNlcm5hbWU6'
	assert_output --partial '501 5.0.0'
	assert_line '334 '
	assert_output --partial '235 2.7.0'
	assert_output --partial '553 5.7.1 <bob@example.test>'
	assert_output --partial '250 2.1.0'
}

@test "submission: smtpd_any_sender lets an authenticated user send as anyone" {
	conf_add 'smtpd_any_sender = yes'
	serve posta-smtpd -m submission
	run $RAW "$PORT" '1:EHLO c.test\r\n' \
		'1:AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwb3N0YQ==\r\n' \
		'1:MAIL FROM:<bob@example.test>\r\n'
	assert_output --partial '250 2.1.0'
}

@test "PIPELINING: swaks sends the whole transaction in one go" {
	serve posta-smtpd -m mx
	run swaks --server 127.0.0.1:$PORT --pipeline --from a@client.test \
		--to bob@example.test,alice@example.test
	assert_success
	assert_output --partial 'queued as'
	[ "$(queue_count)" -eq 1 ]
}

@test "PIPELINING: a whole pipelined transaction gets its replies in order" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' \
		'6:MAIL FROM:<a@c.test>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\nSubject: p\r\n\r\nx\r\n.\r\nRSET\r\n'
	assert_line --index 11 --partial '250 2.1.0'
	assert_line --index 12 --partial '250 2.1.5'
	assert_line --index 13 --partial '550 5.1.1'
	assert_line --index 14 --partial '354'
	assert_line --index 15 --partial '250 2.0.0 Ok: queued as'
	assert_line --index 16 --partial '250 2.0.0 Ok'
}

@test "BDAT: chunks are joined, CRLF becomes LF, no dot-unstuffing" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' \
		'1:BDAT 13\r\nSubject: b\r\n\r' '1:BDAT 8 LAST\r\n\n..dot\r\n'
	assert_output --partial '250 2.0.0 13 octets received'
	assert_output --partial 'queued as'
	run queue_text
	assert_output --partial $'Subject: b\n\n..dot\n'
}

@test "BDAT: a bare LF in a chunk is refused and nothing is queued" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' '1:BDAT 8 LAST\r\nSubj\nx\r\n' \
		'1:NOOP\r\n'
	assert_output --partial '554 5.5.2 Bare LF'
	assert_output --partial '250 2.0.0 Ok'
	[ "$(queue_count)" -eq 0 ]
}

@test "BDAT without MAIL still reads the chunk and stays in step" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:BDAT 6 LAST\r\nNOOP\r\n' '1:NOOP\r\n'
	assert_output --partial '503 5.5.1'
	assert_line --index -1 --partial '250 2.0.0 Ok'
}

@test "SMTPUTF8: a UTF-8 sender is taken with SMTPUTF8 and refused without it" {
	serve posta-smtpd -m mx
	run python3 - "$PORT" <<'PY'
import smtplib, sys
c = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
c.ehlo("c.test")
print(c.has_extn("smtputf8"))
print(c.mail("jörg@exämple.test", ["SMTPUTF8"]))
print(c.rcpt("bob@example.test"))
print(c.data("Subject: ü\r\n\r\nhi\r\n".encode()))
print(c.mail("jörg@exämple.test"))
PY
	assert_line --index 0 True
	assert_output --partial "(250, b'2.0.0 Ok: queued as"
	assert_output --partial '553'
	run queue_text
	assert_output --partial 'F jörg@exämple.test'
	assert_line 'U'
	assert_output --partial 'with UTF8SMTP'
}

@test "8BITMIME: BODY=8BITMIME is kept in the envelope" {
	serve posta-smtpd -m mx
	run swaks --server 127.0.0.1:$PORT --from a@client.test \
		--to bob@example.test --8bitmime-body --body $'caf\xc3\xa9'
	if [[ $output == *"Unknown option"* ]]; then
		run $RAW "$PORT" '1:EHLO c.test\r\n' \
			'1:MAIL FROM:<a@c.test> BODY=8BITMIME\r\n' \
			'1:RCPT TO:<bob@example.test>\r\n' \
			'2:DATA\r\ncaf\xc3\xa9\r\n.\r\n'
	fi
	assert_output --partial 'queued as'
	run queue_text
	assert_line '8'
}

@test "SIZE: over the limit, declared at MAIL or sent, is refused with 552 5.3.4" {
	conf_add 'message_size_limit = 10k'
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test> SIZE=20000\r\n' \
		'1:MAIL FROM:<a@c.test> SIZE=2000\r\n'
	assert_output --partial '250-SIZE 10240'
	assert_output --partial '552 5.3.4'
	assert_output --partial '250 2.1.0'
	# and a message over the limit, whatever it declared
	run swaks --server 127.0.0.1:$PORT --from a@client.test \
		--to bob@example.test --body "$(head -c 30000 /dev/zero | tr '\0' 'x' | fold -w 70)"
	assert_output --partial '552 5.3.4'
	[ "$(queue_count)" -eq 0 ]
}

@test "DSN: NOTIFY, ORCPT, RET and ENVID go into the envelope; a bad NOTIFY gets 555 5.5.4" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' \
		'1:MAIL FROM:<a@c.test> RET=HDRS ENVID=abc+2Bdef\r\n' \
		'1:RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test\r\n' \
		'2:DATA\r\nSubject: d\r\n\r\nx\r\n.\r\n' \
		'1:MAIL FROM:<a@c.test>\r\n' '1:RCPT TO:<bob@example.test> NOTIFY=NEVER,SUCCESS\r\n'
	assert_output --partial 'queued as'
	assert_line --index -1 --partial '555 5.5.4'
	run queue_text
	assert_line 'E abc+2Bdef'
	assert_line 'N HDRS'
	assert_output --partial 'SUCCESS,FAILURE rfc822;bob@example.test bob@example.test'
}

@test "an unknown local user is refused at RCPT with 550 5.1.1; postmaster and aliases are known" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<nosuch@example.test>\r\n' '1:RCPT TO:<Postmaster>\r\n' \
		'1:RCPT TO:<abuse@localhost>\r\n' '1:RCPT TO:<BOB@Example.TEST>\r\n'
	assert_line --index 12 --partial '550 5.1.1 <nosuch@example.test>'
	assert_line --index 13 --partial '250 2.1.5'
	assert_line --index 14 --partial '250 2.1.5'
	assert_line --index 15 --partial '250 2.1.5'
}

@test "relay tricks from an outside client are all refused" {
	outsider
	for rcpt in 'user@elsewhere.test' 'user%elsewhere.test@example.test' \
	    'elsewhere.test!user@example.test' '@example.test,@elsewhere.test:user@elsewhere.test' \
	    '"user@elsewhere.test"@example.test' 'bob@example.test.' \
	    'user@[192.0.2.1]' 'user@elsewhere.test.' '"bob%elsewhere.test"@example.test' \
	    '@example.test:bob@example.test'; do
		run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
			"1:RCPT TO:<$rcpt>\\r\\n"
		echo "$rcpt: ${lines[-1]}"
		[[ ${lines[-1]} == 5[0-9][0-9]\ 5.* ]]
	done
	[ "$(queue_count)" -eq 0 ]
}

@test "an outside client may send to local users, our own address literal and relay domains only" {
	outsider
	echo 'relayed.test' >"$INST/relay-domains"
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' '1:RCPT TO:<bob@[127.0.0.1]>\r\n' \
		'1:RCPT TO:<anyone@relayed.test>\r\n' '1:RCPT TO:<anyone@other.test>\r\n'
	assert_line --index -4 --partial '250 2.1.5'
	assert_line --index -3 --partial '250 2.1.5'
	assert_line --index -2 --partial '250 2.1.5'
	assert_line --index -1 --partial '554 5.7.1'
}

@test "a client in relay_networks may relay" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<anyone@other.test>\r\n'
	assert_line --index -1 --partial '250 2.1.5'
}

# SMTP smuggling (CVE-2023-51766 and kin): each end-of-data look-alike,
# followed by a smuggled transaction and then the real end.
@test "the smuggling table: every bare CR/LF dot variant is refused and nothing is queued" {
	serve posta-smtpd -m mx
	for v in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r\n' '\r\n.\r' '\r.\r' '\n.\r' '\r.\n' \
	    '\r\n\x00.\r\n' '\n\r.\r\n'; do
		run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
			'1:RCPT TO:<bob@example.test>\r\n' '1:DATA\r\n' \
			"1:Subject: outer\\r\\n\\r\\nbody${v}MAIL FROM:<admin@example.test>\\r\\nRCPT TO:<alice@example.test>\\r\\nDATA\\r\\nSubject: smuggled\\r\\n\\r\\nx\\r\\n.\\r\\n"
		echo "$v: $output"
		if [ "$v" = '\r\n\x00.\r\n' ]; then
			# not a look-alike: all of it is the one message's data
			assert_output --partial 'queued as'
			[ "$(queue_count)" -eq 1 ]
			run queue_text
			refute_output --partial 'F admin@example.test'
			rm -f "$QDIR"/queue/*
			continue
		fi
		assert_output --regexp '554 5\.5\.2 Bare (LF|CR)'
		refute_output --partial 'queued as'
	done
	[ "$(queue_count)" -eq 0 ]
}

@test "a bare LF ending a command is refused with 500 5.5.2" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\n' '1:NOOP\r\x0dX\r\n' '1:NOOP\r\n'
	assert_line --index 1 --partial '500 5.5.2'
	assert_line --index 2 --partial '500 5.5.2'
	assert_line --index 3 --partial '250 2.0.0'
}

@test "a command line over 512 octets is refused and the session goes on" {
	serve posta-smtpd -m mx
	long=$(head -c 600 /dev/zero | tr '\0' 'a')
	run $RAW "$PORT" "1:NOOP $long\\r\\n" '1:NOOP\r\n'
	assert_line --index 1 --partial '500 5.5.2 Line too long'
	assert_line --index 2 --partial '250 2.0.0'
}

@test "a message line over 998 octets is refused and nothing is queued" {
	serve posta-smtpd -m mx
	long=$(head -c 999 /dev/zero | tr '\0' 'a')
	ok=$(head -c 998 /dev/zero | tr '\0' 'a')
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' "2:DATA\\r\\n$long\\r\\n.\\r\\n" \
		'1:MAIL FROM:<a@c.test>\r\n' '1:RCPT TO:<bob@example.test>\r\n' \
		"2:DATA\\r\\n$ok\\r\\n.\\r\\n"
	assert_output --partial '554 5.6.0'
	assert_output --partial 'queued as'
	[ "$(queue_count)" -eq 1 ]
}

@test "more recipients than max_recipients get 452 4.5.3" {
	conf_add 'max_recipients = 2'
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' '1:RCPT TO:<alice@example.test>\r\n' \
		'1:RCPT TO:<postmaster@example.test>\r\n'
	assert_line --index -1 --partial '452 4.5.3'
}

@test "after smtpd_max_errors refused commands the session ends with 421" {
	conf_add 'smtpd_max_errors = 3'
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:FOO\r\n' '1:BAR\r\n' '2:BAZ\r\n' '1:NOOP\r\n'
	assert_line --index 3 --partial '500 5.5.1'
	assert_line --index 4 --partial '421 4.7.0'
	refute_output --partial '250 2.0.0'
}

@test "an idle client gets 421 4.4.2 after the command and data timeouts, and nothing is queued" {
	conf_add 'smtpd_command_timeout = 1s' 'smtpd_data_timeout = 1s'
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:'
	assert_line --index -1 --partial '421 4.4.2'
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' '1:DATA\r\n' '1:Subject: slow\r\n'
	assert_line --index -1 --partial '421 4.4.2'
	wait_sessions_gone
	[ "$(queue_count)" -eq 0 ]
}

@test "more than smtpd_max_received Received fields is a loop: 554 5.4.6" {
	conf_add 'smtpd_max_received = 3'
	serve posta-smtpd -m mx
	r='Received: from a by b; Sun, 1 Jan 2026 00:00:00 +0000\r\n'
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' \
		"2:DATA\\r\\n$r$r$r${r}Subject: l\\r\\n\\r\\nx\\r\\n.\\r\\n" \
		'1:MAIL FROM:<a@c.test>\r\n' '1:RCPT TO:<bob@example.test>\r\n' \
		"2:DATA\\r\\n$r$r${r}Subject: l\\r\\n\\r\\nreceived: in the body\\r\\n.\\r\\n"
	assert_output --partial '554 5.4.6'
	assert_output --partial 'queued as'
	[ "$(queue_count)" -eq 1 ]
}

@test "a client that vanishes in the middle of DATA queues nothing" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:EHLO c.test\r\n' '1:MAIL FROM:<a@c.test>\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' '1:DATA\r\n' \
		'0:Subject: half\r\n\r\nsome of the body\r\n' close
	assert_output --partial '354'
	wait_sessions_gone
	[ "$(queue_count)" -eq 0 ]
	[ -z "$(ls "$QDIR/tmp")" ]
}

@test "VRFY answers 252, EXPN and the obsolete verbs 502, HELP 214" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:VRFY bob\r\n' '1:EXPN staff\r\n' '1:TURN\r\n' \
		'1:SEND FROM:<a@b.test>\r\n' '1:SOML FROM:<a@b.test>\r\n' \
		'1:SAML FROM:<a@b.test>\r\n' '1:HELP\r\n' '1:NOOP\r\n' '1:RSET\r\n'
	assert_line --index 1 --partial '252 2.5.0'
	assert_line --index 2 --partial '502 5.5.1'
	assert_line --index 3 --partial '502 5.5.1'
	assert_line --index 4 --partial '502 5.5.1'
	assert_line --index 5 --partial '502 5.5.1'
	assert_line --index 6 --partial '502 5.5.1'
	assert_output --partial '214 2.0.0'
}

@test "smtpd_vrfy = 502 disables VRFY" {
	conf_add 'smtpd_vrfy = 502'
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:VRFY bob\r\n'
	assert_line --index 1 --partial '502 5.5.1'
}

@test "commands out of order get 503 5.5.1" {
	serve posta-smtpd -m mx
	run $RAW "$PORT" '1:MAIL FROM:<a@c.test>\r\n' '1:EHLO c.test\r\n' \
		'1:RCPT TO:<bob@example.test>\r\n' '1:DATA\r\n'
	assert_line --index 1 --partial '503 5.5.1'
	assert_line --index -2 --partial '503 5.5.1'
	assert_line --index -1 --partial '503 5.5.1'
}

@test "-b: a local session on stdin/stdout may relay and is marked local" {
	run bash -c "printf 'EHLO localhost\r\nMAIL FROM:<me@example.test>\r\nRCPT TO:<friend@far.test>\r\nDATA\r\nSubject: b\r\n\r\nhi\r\n.\r\nQUIT\r\n' | posta-smtpd -b"
	assert_success
	assert_output --partial 'queued as'
	refute_output --partial 'STARTTLS'
	run queue_text
	assert_output --partial "C local user $(id -un)"
	assert_output --partial 'friend@far.test'
}

@test "100 concurrent sessions of 10 messages each: all 1000 queued once" {
	# a listen backlog for all 100 at once: with tcpserver's default
	# (20) a busy machine overflows it, the kernel drops the client's
	# last handshake ACK, and a client that waits for the greeting
	# hangs until smtplib's timeout
	PORT=$(free_port)
	spawn tcpserver -R -H -l 0 -c 200 -b 200 127.0.0.1 "$PORT" posta-smtpd -m mx
	wait_port "$PORT"
	run python3 "$BATS_TEST_DIRNAME/helpers/smtpload.py" "$PORT" 100 10
	assert_success
	[ "$(queue_count)" -eq 1000 ]
	n=$(cat "$QDIR"/queue/* | grep -a '^Subject: load ' | sort -u | wc -l)
	[ "$n" -eq 1000 ]
}

@test "etc/posta-smtpd.run serves SMTP under tcpserver" {
	PORT=$(free_port)
	spawn env ADDR=127.0.0.1 PORT=$PORT SMTPD="$BIN/posta-smtpd" \
		"$TOP/etc/posta-smtpd.run"
	wait_port "$PORT"
	run swaks --server 127.0.0.1:$PORT --from a@client.test --to bob@example.test
	assert_success
	assert_output --partial 'queued as'
}

@test "etc/xinetd.d/posta-smtpd serves SMTP under xinetd" {
	command -v xinetd || skip "xinetd is not installed"
	PORT=$(free_port)
	conf=$BATS_TEST_TMPDIR/xinetd.conf
	# the smtp service of the sample, on a private port
	sed -n '/^service smtp$/,/^}/p' "$TOP/etc/xinetd.d/posta-smtpd" |
		sed -e "s|^service smtp|service posta-test|" \
		    -e "s|/usr/local/sbin/posta-smtpd|$BIN/posta-smtpd|" \
		    -e "s|-m mx|-C $POSTA_CONF -m mx|" \
		    -e "s|^{|{\n\ttype = UNLISTED\n\tport = $PORT\n\tbind = 127.0.0.1|" >"$conf"
	spawn xinetd -dontfork -f "$conf" -pidfile "$BATS_TEST_TMPDIR/xinetd.pid"
	wait_port "$PORT"
	run swaks --server 127.0.0.1:$PORT --from a@client.test --to bob@example.test
	assert_success
	assert_output --partial 'queued as'
}

@test "etc/inetd.conf serves SMTP under openbsd-inetd" {
	inetd=$(sh "$TOP/tests/helpers/openbsd-inetd.sh") || skip "openbsd-inetd not available"
	PORT=$(free_port)
	conf=$BATS_TEST_TMPDIR/inetd.conf
	grep '^smtp' "$TOP/etc/inetd.conf" |
		sed -e "s|^smtp|127.0.0.1:$PORT|" \
		    -e "s|/usr/local/sbin/posta-smtpd|$BIN/posta-smtpd|" \
		    -e "s|posta-smtpd -m mx|posta-smtpd -C $POSTA_CONF -m mx|" >"$conf"
	spawn "$inetd" -d "$conf"
	wait_port "$PORT"
	run swaks --server 127.0.0.1:$PORT --from a@client.test --to bob@example.test
	assert_success
	assert_output --partial 'queued as'
}

@test "etc/systemd units pass systemd-analyze verify" {
	command -v systemd-analyze || skip "systemd-analyze is not installed"
	d=$BATS_TEST_TMPDIR/units
	mkdir -p "$d"
	cp "$TOP/etc/systemd/posta-smtpd.socket" "$d/"
	sed "s|/usr/local/sbin/posta-smtpd|$BIN/posta-smtpd|" \
		"$TOP/etc/systemd/posta-smtpd@.service" >"$d/posta-smtpd@.service"
	run systemd-analyze verify --man=no "$d/posta-smtpd.socket" "$d/posta-smtpd@.service"
	echo "$output"
	assert_success
	refute_output --partial 'posta-smtpd'
}

@test "started as root, the session runs as mail_user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	# a key may not be repeated: the instance's own line goes
	sed -i '/^mail_user = /d' "$POSTA_CONF"
	conf_add 'mail_user = nobody'
	serve posta-smtpd -m mx
	ts=$(head -n 1 "$BATS_TEST_TMPDIR/pids")
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	read -r greeting <&5
	[[ $greeting == 220* ]]
	pid=$(pgrep -P "$ts")
	run awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status"
	exec 5>&-
	assert_output "$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
}
