#!/usr/bin/env bats
# posta-imapd under tcpserver, with Python's imaplib, curl and raw sessions.

load 'helpers/common'
load 'helpers/imapd'

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
	make_instance
}

teardown() {
	stop_all
}

@test "CAPABILITY before and after login, NOOP, NAMESPACE, ID, ENABLE, LOGOUT" {
	serve posta-imapd
	run scenario capability
	assert_success
	assert_output 'ok capability'
}

@test "LOGIN, AUTHENTICATE PLAIN with and without SASL-IR, literals, refusals" {
	serve posta-imapd
	run scenario login
	assert_success
	assert_output 'ok login'
}

@test "CREATE, LIST with CHILDREN and SPECIAL-USE, LSUB, SUBSCRIBE, RENAME incl. INBOX, STATUS, DELETE" {
	serve posta-imapd
	run scenario folders
	assert_success
	assert_output 'ok folders'
	# the folders are Maildir++ beside cur/, names in modified UTF-7
	[ -d "$(imap_maildir alice)/.Entw&APw-rfe/cur" ]
	[ -d "$(imap_maildir alice)/.Work/cur" ]
	[ ! -e "$(imap_maildir alice)/.Projects" ]
}

@test "APPEND with flags and date, SELECT, FETCH of every item, \\Seen by BODY[], \\Recent" {
	serve posta-imapd
	run scenario append_fetch
	assert_success
	assert_output 'ok append_fetch'
	# stored with LF, the date in the name and the mtime
	f=$(ls "$(imap_maildir alice)"/cur/* | head -n 1)
	! grep -q $'\r' "$f"
	[ "$(stat -c %Y "$f")" -eq 1709629872 ]
}

@test "STORE in every form, SEARCH with every key, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT, EXAMINE" {
	serve posta-imapd
	run scenario store_search_expunge
	assert_success
	assert_output 'ok store_search_expunge'
}

@test "COPY and MOVE with COPYUID, keywords carried over, TRYCREATE" {
	serve posta-imapd
	run scenario copy_move
	assert_success
	assert_output 'ok copy_move'
	grep -q 'Label1' "$(imap_maildir alice)/.Keep/dovecot-keywords"
}

@test "two sessions on one folder see each other's flags, expunges and appends" {
	serve posta-imapd
	run scenario two_sessions
	assert_success
	assert_output 'ok two_sessions'
}

@test "IDLE reports a delivery as it lands" {
	serve posta-imapd
	run scenario idle
	assert_success
	assert_output 'ok idle'
}

@test "mailbox names that would leave the Maildir are refused" {
	serve posta-imapd
	run scenario escapes
	assert_success
	assert_output 'ok escapes'
}

@test "bounds: literal size, parenthesis depth, ID parameters, line length, commands before login" {
	conf_add "imapd_preauth_commands = 10"
	serve posta-imapd
	run scenario bounds
	assert_success
	assert_output 'ok bounds'
}

@test "LOGINDISABLED without TLS, STARTTLS, and input sent with STARTTLS is dropped" {
	conf_add "imapd_login_loopback = no"
	serve posta-imapd
	run scenario starttls
	assert_success
	assert_output 'ok starttls'
}

@test "implicit TLS with -s" {
	serve posta-imapd -s
	run scenario implicit_tls
	assert_success
	assert_output 'ok implicit_tls'
}

@test "ENVELOPE, BODYSTRUCTURE and parts of nested MIME messages agree with Python's email parser" {
	serve posta-imapd
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/helpers/imapmime.py" "$PORT" "$(imap_maildir alice)"
	assert_success
	assert_output --partial 'ok message 5'
	assert_line 'ok'
}

@test "curl lists INBOX and fetches a message by UID" {
	printf 'From: bob@example.test\nSubject: for curl\n\nhello curl\n' >"$BATS_TEST_TMPDIR/m"
	python3 - "$(imap_maildir alice)" "$BATS_TEST_TMPDIR/m" <<'PY'
import os, sys, time
d = sys.argv[1]; data = open(sys.argv[2], "rb").read()
b = "%d.M1P%dQ1.test,S=%d,W=%d" % (time.time(), os.getpid(), len(data), len(data) + data.count(b"\n"))
open(os.path.join(d, "tmp", b), "wb").write(data)
os.rename(os.path.join(d, "tmp", b), os.path.join(d, "new", b))
PY
	serve posta-imapd
	run curl -s --user alice@example.test:posta "imap://127.0.0.1:$PORT/"
	assert_success
	assert_output --partial 'INBOX'
	run curl -s --user alice@example.test:posta "imap://127.0.0.1:$PORT/INBOX;UID=1"
	assert_success
	assert_output --partial 'Subject: for curl'
	assert_output --partial 'hello curl'
	run curl -s --user alice@example.test:posta -X 'UID SEARCH ALL' "imap://127.0.0.1:$PORT/INBOX"
	assert_output --partial '* SEARCH 1'
}

@test "the pre-login timeout ends a silent session" {
	conf_add "imapd_preauth_timeout = 1s"
	serve posta-imapd
	run python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 30)
f = s.makefile("rb")
print(f.readline().decode().split()[1])
print(f.readline().decode().strip())
PY
	assert_success
	assert_line 'OK'
	assert_line --partial '* BYE autologout'
}

@test "wrong options print the usage line" {
	run posta-imapd -x
	[ "$status" -eq 64 ]
	assert_output --partial 'usage: posta-imapd [-sv] [-C file]'
}
