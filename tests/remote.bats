#!/usr/bin/env bats
# posta-remote against real receivers on loopback: aiosmtpd
# (tests/helpers/smtppeer.py), posta-smtpd itself under tcpserver, and
# unbound serving the MX records.

bats_require_minimum_version 1.5.0

load 'helpers/common'
load 'helpers/remote'
load 'helpers/dns'

PATH=/usr/bin:$PATH

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
	remote_instance
	MSG=$BATS_TEST_TMPDIR/m
}

teardown() {
	stop_all
	dns_stop
}

@test "a message arrives byte for byte: dot-stuffed lines and 8-bit octets, with BODY=8BITMIME" {
	peer p --pipelining
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: dots\n\n.\n..\n.leading dot\n. \nmiddle . dot\ncaf\xc3\xa9 \xe9t\xe9\n\nlast\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 smtp; 250 2\.0\.0 Ok: queued as M1 \(host 127\.0\.0\.1\[127\.0\.0\.1\]\)$"
	cmp "$MSG" <(crlf_to_lf "$BATS_TEST_TMPDIR/p/1.msg")
	# CRLF on the wire: every line of what arrived ends in CR LF
	[ "$(grep -c $'\r$' "$BATS_TEST_TMPDIR/p/1.msg")" -eq "$(wc -l <"$MSG")" ]
	run peer_log p
	assert_line 'mail <a@example.test> BODY=8BITMIME'
}

@test "several messages share one connection, with RSET between them" {
	peer p --pipelining
	route remote.test "[127.0.0.1]:$PEER_PORT"
	for n in 1 2 3; do
		printf 'Subject: m%s\n\nbody %s\n' "$n" "$n" >"$MSG.$n"
		ids[$n]=$(queue_msg "$MSG.$n" "F a@example.test\nR other@elsewhere.test\nR r$n@remote.test\n")
	done
	# a bounce: the null sender
	ids[3]=$(queue_msg "$MSG.3" "F \nR other@elsewhere.test\nR r3@remote.test\n")
	deliver remote.test "${ids[1]} 1" "${ids[2]} 1" "${ids[3]} 1"
	assert_success
	assert_line --regexp "^${ids[1]} 1 D 2\.0\.0 "
	assert_line --regexp "^${ids[2]} 1 D 2\.0\.0 "
	assert_line --regexp "^${ids[3]} 1 D 2\.0\.0 "
	[ "${#lines[@]}" -eq 3 ]
	run peer_log p
	[ "$(grep -c '^session' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^data' <<<"$output")" -eq 3 ]
	[ "$(grep -c '^rset' <<<"$output")" -eq 2 ]
	assert_line 'mail <<>> '
	# only this destination's recipients were given
	refute_output --partial 'other@elsewhere.test'
	for n in 1 2 3; do
		cmp "$MSG.$n" <(crlf_to_lf "$BATS_TEST_TMPDIR/p/$n.msg")
	done
}

@test "the next hop is tried when one is down, greets with 4xx or drops the session" {
	peer p
	dead=$(free_port)
	serve sh -c 'printf "421 4.3.2 too busy\r\n"'
	busy=$PORT
	serve sh -c 'printf "220 dropper ESMTP\r\n"; exit 0'
	drop=$PORT
	route remote.test "[127.0.0.1]:$dead,[127.0.0.1]:$busy,[127.0.0.1]:$drop,[127.0.0.1]:$PEER_PORT"
	printf 'Subject: fallover\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	run cat "$BATS_TEST_TMPDIR/remote.log"
	assert_output --partial "connect to 127.0.0.1[127.0.0.1]:$dead: Connection refused"
	assert_output --partial 'refused to talk to me: smtp; 421 4.3.2 too busy'
	assert_output --partial 'lost connection with 127.0.0.1[127.0.0.1] while sending EHLO'
}

@test "when every hop fails the recipients are deferred with the last reason" {
	dead=$(free_port)
	route remote.test "[127.0.0.1]:$dead"
	printf 'Subject: nobody home\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\nR y@remote.test\n')
	deliver remote.test "$id 0,1"
	assert_success
	assert_line "$id 0 T 4.4.1 connect to 127.0.0.1[127.0.0.1]:$dead: Connection refused"
	assert_line "$id 1 T 4.4.1 connect to 127.0.0.1[127.0.0.1]:$dead: Connection refused"
}

@test "4xx defers and 5xx fails each recipient with the remote text; the others are delivered" {
	peer p --pipelining
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: mixed\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR ok@remote.test\nR temp1@remote.test\nR bad1@remote.test\nR ok2@remote.test\n')
	deliver remote.test "$id 0,1,2,3"
	assert_success
	assert_line "$id 1 T 4.2.0 smtp; 451 4.2.0 <temp1@remote.test>: mailbox busy, try later (host 127.0.0.1[127.0.0.1])"
	assert_line "$id 2 F 5.1.1 smtp; 550 5.1.1 <bad1@remote.test>: no such user here (host 127.0.0.1[127.0.0.1])"
	assert_line --regexp "^$id 0 D 2\.0\.0 smtp; 250 "
	assert_line --regexp "^$id 3 D 2\.0\.0 smtp; 250 "
	run peer_log p
	assert_line 'data 1 ok@remote.test ok2@remote.test'
}

@test "without PIPELINING the same results come one command at a time; a refusal at the dot fails every accepted recipient" {
	peer p
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: refused\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR bad@remote.test\nR dotfail@remote.test\nR temp@remote.test\nR ok@remote.test\n')
	deliver remote.test "$id 0,1,2,3"
	assert_success
	assert_line --regexp "^$id 0 F 5\.1\.1 smtp; 550 5\.1\.1 <bad@remote\.test>"
	assert_line --regexp "^$id 2 T 4\.2\.0 "
	assert_line "$id 1 F 5.6.0 smtp; 554 5.6.0 content refused (host 127.0.0.1[127.0.0.1])"
	assert_line "$id 3 F 5.6.0 smtp; 554 5.6.0 content refused (host 127.0.0.1[127.0.0.1])"
}

@test "STARTTLS is used when offered, and the message goes over TLS" {
	peer p --tls "$INST/tls.crt" "$INST/tls.key"
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: tls\n\nsecret\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	run peer_log p
	assert_line 'starttls'
	[ "$(grep -c '^ehlo' <<<"$output")" -eq 2 ]
	run cat "$BATS_TEST_TMPDIR/remote.log"
	assert_output --regexp 'TLS with 127\.0\.0\.1\[127\.0\.0\.1\]: TLSv1\.[23] with cipher'
}

@test "under the may policy a failed TLS handshake is retried without TLS" {
	peer p --tls "$INST/tls.crt" "$INST/tls.key"
	route remote.test "[127.0.0.1]:$PEER_PORT"
	# a protocol the peer does not speak: the handshake fails
	conf_add "tls_protocols = tlsv1.0"
	printf 'Subject: may\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	run peer_log p
	[ "$(grep -c '^session' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^starttls' <<<"$output")" -eq 1 ]
	run cat "$BATS_TEST_TMPDIR/remote.log"
	assert_output --partial 'TLS with 127.0.0.1[127.0.0.1] failed: '
}

@test "the encrypt policy refuses a peer without STARTTLS and none never uses it" {
	peer p
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'remote.test encrypt\n' >"$INST/tls-policy"
	conf_add "remote_tls_policy_table = tls-policy"
	printf 'Subject: must be secret\n\nsecret\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output "$id 0 T 4.7.4 TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]"
	run peer_log p
	refute_output --partial 'mail <'

	stop_all || true
	peer q --tls "$INST/tls.crt" "$INST/tls.key"
	route tls.test "[127.0.0.1]:$PEER_PORT"
	printf 'tls.test none\n' >>"$INST/tls-policy"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@tls.test\n')
	deliver tls.test "$id 0"
	assert_output --regexp "^$id 0 D "
	run peer_log q
	refute_line 'starttls'
}

@test "the verify policy checks the certificate: refused with no trusted CA, delivered with the right one" {
	peer p --tls "$INST/tls.crt" "$INST/tls.key"
	route remote.test "localhost:$PEER_PORT"
	conf_add "remote_tls_policy = verify" "tls_ca_file = $BATS_TEST_TMPDIR/empty-ca.pem"
	# a CA file with some other certificate: the peer's cannot be verified
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other" \
		-keyout /dev/null -out "$BATS_TEST_TMPDIR/empty-ca.pem" >/dev/null 2>&1
	printf 'Subject: verified\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_output --regexp "^$id 0 T 4\.7\.5 TLS with localhost\[127\.0\.0\.1\] failed: "
	run peer_log p
	refute_output --partial 'mail <'

	conf_set tls_ca_file "$INST/tls.crt"
	deliver remote.test "$id 0"
	assert_output --regexp "^$id 0 D 2\.0\.0 "
}

@test "8-bit text to a server without 8BITMIME arrives as quoted-printable that decodes to the original" {
	peer p --no-8bitmime --pipelining
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: 8bit\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln = 100%%\n.\ntrailing space \n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n8\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D "
	got=$BATS_TEST_TMPDIR/p/1.msg
	# 7 bits on the wire, no BODY parameter
	! LC_ALL=C grep -q -P '[\x80-\xff]' "$got"
	run peer_log p
	assert_line 'mail <a@example.test> '
	run /usr/bin/python3 - "$got" "$MSG" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
orig = open(sys.argv[2], "rb").read().split(b"\n\n", 1)[1]
assert m["Content-Transfer-Encoding"] == "quoted-printable", m["Content-Transfer-Encoding"]
body = m.get_payload(decode=True).replace(b"\r\n", b"\n")
assert body == orig, (body, orig)
print("ok", m["Subject"])
PY
	assert_success
	assert_output 'ok 8bit'
}

@test "lines over 998 octets go as quoted-printable even to an 8BITMIME server, and decode to the original" {
	peer p
	route remote.test "[127.0.0.1]:$PEER_PORT"
	{ printf 'Subject: long\n\n'; head -c 3000 /dev/zero | tr '\0' 'x'; printf '\nend\n'; } >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_output --regexp "^$id 0 D "
	run awk 'length($0) > 999 { print "long line" }' "$BATS_TEST_TMPDIR/p/1.msg"
	assert_output ''
	run /usr/bin/python3 - "$BATS_TEST_TMPDIR/p/1.msg" "$MSG" <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
orig = open(sys.argv[2], "rb").read().split(b"\n\n", 1)[1]
assert m.get_payload(decode=True).replace(b"\r\n", b"\n") == orig
print(m["Content-Transfer-Encoding"])
PY
	assert_output 'quoted-printable'
}

@test "a multipart message is downgraded part by part" {
	peer p --no-8bitmime
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n\xe9t\xe9\n--b1\nContent-Type: application/octet-stream\n\n\x80\x81\x82\x83\x84\x85\x86\x87\n--b1--\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_output --regexp "^$id 0 D "
	run /usr/bin/python3 - "$BATS_TEST_TMPDIR/p/1.msg" <<'PY'
import email, sys
raw = open(sys.argv[1], "rb").read()
assert max(raw) < 128
m = email.message_from_bytes(raw)
parts = [p for p in m.walk() if not p.is_multipart()]
print(parts[0]["Content-Transfer-Encoding"], parts[0].get_payload(decode=True).replace(b"\r\n", b"\n"))
print(parts[1]["Content-Transfer-Encoding"], parts[1].get_payload(decode=True))
PY
	assert_success
	assert_line "quoted-printable b'\\xe9t\\xe9'"
	assert_line "base64 b'\\x80\\x81\\x82\\x83\\x84\\x85\\x86\\x87'"
}

@test "a server that refuses EHLO gets HELO, and plain SMTP" {
	peer p --no-ehlo
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: old\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nE id1\nR x@remote.test NOTIFY=NEVER\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D "
	run peer_log p
	assert_line 'helo mail.example.test'
	assert_line 'mail <a@example.test> '
	assert_line 'rcpt <x@remote.test> '
}

@test "DSN parameters from the envelope go to a server that offers DSN, and not to one that does not" {
	peer p --dsn --pipelining
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: dsn\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nE QQ+2B123\nN FULL\nR x@remote.test NOTIFY=SUCCESS,DELAY ORCPT=rfc822;x+40orig.test\nR y@remote.test\n')
	deliver remote.test "$id 0,1"
	assert_success
	run peer_log p
	assert_line 'mail <a@example.test> RET=FULL ENVID=QQ+2B123'
	assert_line 'rcpt <x@remote.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;x+40orig.test'
	assert_line 'rcpt <y@remote.test> '

	stop_all || true
	peer q
	route other.test "[127.0.0.1]:$PEER_PORT"
	id=$(queue_msg "$MSG" 'F a@example.test\nE QQ\nN FULL\nR x@other.test NOTIFY=SUCCESS\n')
	deliver other.test "$id 0"
	# relayed: taken by a server that will send no notice of it
	assert_output --regexp "^$id 0 R 2\.0\.0 "
	run peer_log q
	assert_line 'mail <a@example.test> '
	assert_line 'rcpt <x@other.test> '
}

@test "a message over the server's SIZE fails with 5.3.4 before MAIL" {
	peer p --size 200
	route remote.test "[127.0.0.1]:$PEER_PORT"
	{ printf 'Subject: big\n\n'; for i in $(seq 1 20); do echo "line $i of a long message"; done; } >"$MSG"
	printf 'Subject: small\n\nhi\n' >"$MSG.small"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	id2=$(queue_msg "$MSG.small" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0" "$id2 0"
	assert_success
	assert_line --regexp "^$id 0 F 5\.3\.4 message size [0-9]+ exceeds size limit 200 of server 127\.0\.0\.1\[127\.0\.0\.1\]$"
	assert_line --regexp "^$id2 0 D "
	run peer_log p
	assert_line --regexp '^mail <a@example.test> SIZE=[0-9]+'
	[ "$(grep -c '^mail' <<<"$output")" -eq 1 ]
}

@test "a message that needs SMTPUTF8 fails with 5.6.7 at a server without it, and goes to one with it" {
	peer p
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: utf8\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F j\xc3\xb6rg@example.test\nR x@remote.test\nU\n')
	deliver remote.test "$id 0"
	assert_output "$id 0 F 5.6.7 SMTPUTF8 is required, but was not offered by host 127.0.0.1[127.0.0.1]"

	stop_all || true
	peer q --smtputf8
	route utf8.test "[127.0.0.1]:$PEER_PORT"
	id=$(queue_msg "$MSG" 'F j\xc3\xb6rg@example.test\nR x@utf8.test\nU\n')
	deliver utf8.test "$id 0"
	assert_output --regexp "^$id 0 D "
	run peer_log q
	assert_line --regexp '^mail <j.+rg@example.test> .*SMTPUTF8'
}

@test "posta-smtpd under tcpserver receives the messages over STARTTLS, byte for byte, into its queue" {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	cp "$INST/tls.crt" "$INST/tls.key" "$RECV/"
	"$TOP/etc/posta-instance.sh" "$RECV" "$BIN" >/dev/null
	POSTA_CONF=$RECV/posta.conf serve posta-smtpd -m mx
	route example.test "[127.0.0.1]:$PORT"
	printf 'Subject: to posta\n\n.dot\ncaf\xc3\xa9\n' >"$MSG"
	printf 'Subject: second\n\ntwo\n' >"$MSG.2"
	id=$(queue_msg "$MSG" 'F a@client.test\nR bob@example.test\n')
	id2=$(queue_msg "$MSG.2" 'F a@client.test\nR alice@example.test\n')
	deliver example.test "$id 0" "$id2 0"
	assert_success
	assert_line --regexp "^$id 0 D 2\.0\.0 smtp; 250 2\.0\.0 Ok: queued as [0-9A-F]+ \(host 127\.0\.0\.1\[127\.0\.0\.1\]\)$"
	assert_line --regexp "^$id2 0 D 2\.0\.0 "
	[ "$(find "$RECV/queue/queue" -type f | wc -l)" -eq 2 ]
	f=$(grep -l 'Subject: to posta' "$RECV"/queue/queue/*)
	"$TOP/tests/helpers/qshow" body "$f" >"$BATS_TEST_TMPDIR/got"
	# posta-smtpd adds its Received field on top
	run head -n 3 "$BATS_TEST_TMPDIR/got"
	assert_output --partial 'with ESMTPS'
	cmp "$MSG" <(awk 'NR == 1 && /^Received:/ { skip = 1; next }
		skip && /^[ \t]/ { next } { skip = 0; print }' "$BATS_TEST_TMPDIR/got")
	run "$TOP/tests/helpers/qshow" envelope "$f"
	assert_line 'F a@client.test'
	assert_line '8'
}

@test "started as root it delivers as mail_user" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	peer p
	route remote.test "[127.0.0.1]:$PEER_PORT"
	printf 'Subject: who\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_output --regexp "^$id 0 D "
	run peer_log p
	assert_line "session uid=$(id -u nobody)"

	# and it will not keep root
	conf_set mail_user root
	deliver remote.test "$id 0"
	assert_failure 75
	assert_output ''
	run cat "$BATS_TEST_TMPDIR/remote.log"
	assert_output --partial 'refusing to run network code as root'
}

@test "the relay host gets AUTH only over TLS" {
	RELAY=$BATS_TEST_TMPDIR/relay
	mkdir -p "$RELAY"
	cp "$INST/tls.crt" "$INST/tls.key" "$RELAY/"
	"$TOP/etc/posta-instance.sh" "$RELAY" "$BIN" >/dev/null
	printf 'smtpd_auth_loopback = no\n' >>"$RELAY/posta.conf"
	POSTA_CONF=$RELAY/posta.conf serve posta-smtpd -m submission
	: >"$INST/transport"
	conf_add "remote_relayhost = [127.0.0.1]:$PORT"
	printf 'alice@example.test:posta\n' >"$INST/auth"
	conf_add "remote_auth_file = auth"
	printf 'From: alice@example.test\nSubject: relayed\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F alice@example.test\nR x@far.test\n')
	deliver far.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	[ "$(find "$RELAY/queue/queue" -type f | wc -l)" -eq 1 ]
	run "$TOP/tests/helpers/qshow" envelope "$(find "$RELAY/queue/queue" -type f)"
	assert_line 'A alice@example.test'

	# no TLS, no credentials
	conf_add "remote_tls_policy = none"
	deliver far.test "$id 0"
	assert_output "$id 0 T 4.7.0 not sending credentials to 127.0.0.1[127.0.0.1] without TLS"
	[ "$(find "$RELAY/queue/queue" -type f | wc -l)" -eq 1 ]
}

@test "a wrong password at the relay host defers with the server's reply" {
	RELAY=$BATS_TEST_TMPDIR/relay
	mkdir -p "$RELAY"
	cp "$INST/tls.crt" "$INST/tls.key" "$RELAY/"
	"$TOP/etc/posta-instance.sh" "$RELAY" "$BIN" >/dev/null
	printf 'smtpd_auth_delay_max = 0s\n' >>"$RELAY/posta.conf"
	POSTA_CONF=$RELAY/posta.conf serve posta-smtpd -m submission
	: >"$INST/transport"
	conf_add "remote_relayhost = [127.0.0.1]:$PORT" \
		"remote_auth_username = alice@example.test" \
		"remote_auth_password = wrong"
	printf 'Subject: relayed\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F alice@example.test\nR x@far.test\n')
	deliver far.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 T 4\.7\.8 authentication at 127\.0\.0\.1\[127\.0\.0\.1\] failed: smtp; 535 "
}

@test "delivery goes to the lowest MX preference that answers, found in DNS" {
	# both receivers on one port (remote_port), on two loopback addresses
	port=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/low" "$BATS_TEST_TMPDIR/high"
	spawn $PEER "$port" "$BATS_TEST_TMPDIR/low" --host 127.0.0.2
	spawn $PEER "$port" "$BATS_TEST_TMPDIR/high" --host 127.0.0.3
	dns_zone test <<-EOF
	mx.example  MX 20 mx-high.example.test.
	mx.example  MX 10 mx-low.example.test.
	mx.example  MX 30 mx-dead.example.test.
	down.example MX 5 mx-dead.example.test.
	down.example MX 50 mx-high.example.test.
	mx-low.example A 127.0.0.2
	mx-high.example A 127.0.0.3
	mx-dead.example A 127.0.0.4
	nomail.example MX 0 .
	aonly.example A 127.0.0.3
	EOF
	dns_start
	conf_add "dns_resolver = $DNS_SERVER" "remote_port = $port"
	wait_tcp 127.0.0.2 "$port"
	wait_tcp 127.0.0.3 "$port"
	printf 'Subject: mx\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@mx.example.test\n')
	deliver mx.example.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 smtp; 250 .* \(host mx-low\.example\.test\[127\.0\.0\.2\]\)$"
	[ -f "$BATS_TEST_TMPDIR/low/1.msg" ]
	[ ! -f "$BATS_TEST_TMPDIR/high/1.msg" ]

	# the first exchanger is down: the next one
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@down.example.test\n')
	deliver down.example.test "$id 0"
	assert_output --regexp "^$id 0 D 2\.0\.0 smtp; 250 .* \(host mx-high\.example\.test\[127\.0\.0\.3\]\)$"

	# no MX: the domain's own address (RFC 5321 5.1)
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@aonly.example.test\n')
	deliver aonly.example.test "$id 0"
	assert_output --regexp "^$id 0 D 2\.0\.0 smtp; 250 .* \(host aonly\.example\.test\[127\.0\.0\.3\]\)$"

	# null MX and NXDOMAIN: permanent
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@nomail.example.test\nR y@nxdomain.example.test\n')
	deliver nomail.example.test "$id 0"
	assert_output --regexp "^$id 0 F 5\.1\.10 domain nomail\.example\.test accepts no mail"
	deliver nxdomain.example.test "$id 1"
	assert_output --regexp "^$id 1 F 5\.1\.2 domain nxdomain\.example\.test does not exist"
	# SERVFAIL: temporary
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@servfail.test\n')
	deliver servfail.test "$id 0"
	assert_output --regexp "^$id 0 T 4\.4\.3 DNS lookup of servfail\.test: "
}

@test "an unreadable queue file defers its recipients; a malformed line or one past remote_max_messages is not reported and the exit is 75" {
	peer p
	route remote.test "[127.0.0.1]:$PEER_PORT"
	deliver remote.test "0123456789ABCDEF0123 0,2" "bogus line"
	assert_failure 75
	assert_line --regexp '^0123456789ABCDEF0123 0 T 4\.3\.0 cannot read the queue file: '
	assert_line --regexp '^0123456789ABCDEF0123 2 T 4\.3\.0 '
	[ "${#lines[@]}" -eq 2 ]

	# more messages than remote_max_messages: the rest are not taken
	conf_add "remote_max_messages = 1"
	printf 'Subject: one\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	id2=$(queue_msg "$MSG" 'F a@example.test\nR y@remote.test\n')
	deliver remote.test "$id 0" "$id2 0"
	assert_failure 75
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	[ "${#lines[@]}" -eq 1 ]
}

@test "usage matches the man page" {
	run posta-remote
	assert_failure 64
	assert_output 'usage: posta-remote [-v] [-C file] destination'
}

@test "an IPv6 next hop is reached over IPv6" {
	ip -6 addr show dev lo | grep -q 'inet6 ::1' || skip "no ::1 on lo"
	peer p --host ::1
	route remote.test "[IPv6:::1]:$PEER_PORT"
	printf 'Subject: v6\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 smtp; 250 .* \(host ::1\[::1\]\)$"
}

@test "a server that stops answering times out and the next hop gets the mail" {
	peer p
	serve sh -c 'printf "220 mute ESMTP\r\n"; exec sleep 2'
	route remote.test "[127.0.0.1]:$PORT,[127.0.0.1]:$PEER_PORT"
	conf_add "remote_helo_timeout = 1s"
	printf 'Subject: mute\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@remote.test\n')
	deliver remote.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	run cat "$BATS_TEST_TMPDIR/remote.log"
	assert_output --partial 'conversation with 127.0.0.1[127.0.0.1] timed out while sending EHLO'
}

@test "AUTH LOGIN at a relay host that offers only LOGIN" {
	peer p --tls "$INST/tls.crt" "$INST/tls.key" --auth-login relayuser 's3cr:et'
	: >"$INST/transport"
	conf_add "remote_relayhost = [127.0.0.1]:$PEER_PORT" \
		"remote_auth_username = relayuser" "remote_auth_password = s3cr:et"
	printf 'Subject: login\n\nhi\n' >"$MSG"
	id=$(queue_msg "$MSG" 'F a@example.test\nR x@far.test\n')
	deliver far.test "$id 0"
	assert_success
	assert_output --regexp "^$id 0 D 2\.0\.0 "
	run peer_log p
	assert_line 'auth LOGIN relayuser ok'
	run cat "$BATS_TEST_TMPDIR/remote.log"
	refute_output --partial 's3cr'
	refute_output --partial "$(printf 's3cr:et' | base64)"
}
