#!/usr/bin/env bats
# posta-pop3d under tcpserver, with real clients: Python's poplib, curl,
# fetchmail, getmail6.

load 'helpers/common'
load 'helpers/pop3d'
load 'helpers/mdindex'

# One instance (certificate, demo users) for the whole file, copied for
# each test.
setup_file() {
	pop3d_template
}

setup() {
	pop3d_instance
	# failed logins wait 1, 2, 4 ... s by default; the tests need no wait
	conf_add 'pop3d_auth_delay_max = 0'
}

teardown() {
	stop_all
}

three_messages() {
	for i in 1 2 3; do
		printf 'From: sender@example.test\nTo: alice@example.test\nSubject: number %s\n\nBody of message %s.\n' \
			"$i" "$i" | deliver alice
	done
}

@test "CAPA lists the extensions; USER and SASL PLAIN before login on loopback, STLS while in the clear" {
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
print(p.getwelcome().decode())
for k, v in sorted(p.capa().items()):
    print("CAPA", k, " ".join(v))
p.user("alice@example.test")
p.pass_("posta")
print("after login:", " ".join(sorted(p.capa())))
p.quit()
PY
	assert_success
	assert_line '+OK posta POP3 server ready'
	assert_line 'CAPA AUTH-RESP-CODE '
	assert_line 'CAPA IMPLEMENTATION posta'
	assert_line 'CAPA PIPELINING '
	assert_line 'CAPA RESP-CODES '
	assert_line 'CAPA SASL PLAIN'
	assert_line 'CAPA STLS '
	assert_line 'CAPA TOP '
	assert_line 'CAPA UIDL '
	assert_line 'CAPA USER '
	assert_line 'after login: AUTH-RESP-CODE IMPLEMENTATION PIPELINING RESP-CODES TOP UIDL'
}

@test "download and delete with poplib: LIST sizes are the octets RETR sends, the files go at QUIT" {
	three_messages
	serve posta-pop3d
	run pop <<'PY'
import os, poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test")
print(p.pass_("posta").decode())
print(p.stat())
resp, listing, _ = p.list()
for entry in listing:
    num, size = entry.split()
    resp, lines, octets = p.retr(int(num))
    sent = sum(len(l) + 2 for l in lines)
    print(num.decode(), size.decode(), sent, lines[2].decode())
    p.dele(int(num))
print(p.quit().decode())
PY
	assert_success
	assert_line '+OK alice@example.test has 3 messages (276 octets)'
	assert_line '(3, 276)'
	assert_line '1 92 92 Subject: number 1'
	assert_line '2 92 92 Subject: number 2'
	assert_line '3 92 92 Subject: number 3'
	assert_line '+OK posta POP3 server signing off (0 messages left)'
	[ "$(msg_count alice)" -eq 0 ]
}

@test "deletions happen only at QUIT: a dropped session and RSET delete nothing" {
	three_messages
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys, time
port = int(sys.argv[1])
p = poplib.POP3("127.0.0.1", port, timeout=10)
p.user("alice@example.test"); p.pass_("posta")
p.dele(1); p.dele(2)
print(p.stat())
try:
    p.retr(1)
except poplib.error_proto as e:
    print(e.args[0].decode())
p.sock.close()          # no QUIT: no UPDATE state
# the first session holds the lock until it has seen the EOF
for _ in range(200):
    p = poplib.POP3("127.0.0.1", port, timeout=10)
    p.user("alice@example.test")
    try:
        p.pass_("posta")
        break
    except poplib.error_proto as e:
        assert b"[IN-USE]" in e.args[0]
        p.quit()
        time.sleep(0.05)
print(p.stat())
p.dele(3)
print(p.rset().decode())
print(p.stat())
p.quit()
PY
	assert_success
	assert_line '(1, 92)'
	assert_line '-ERR Message 1 is deleted'
	assert_line '(3, 276)'
	assert_line '+OK 3 messages'
	[ "$(msg_count alice)" -eq 3 ]
}

@test "download and keep: UIDLs from dovecot-uidlist stay across sessions, retrieved messages go to cur/ seen" {
	three_messages
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("posta")
for l in p.uidl()[1]:
    print(l.decode())
p.retr(1); p.retr(3); p.top(2, 0)
p.quit()
PY
	assert_success
	first=$output
	md=$(maildir alice)
	# UIDL is the UID and UIDVALIDITY of dovecot-uidlist, as Dovecot's
	# default pop3_uidl_format %08Xu%08Xv
	v=$(head -n 1 "$md/dovecot-uidlist" | tr ' ' '\n' | sed -n 's/^V//p')
	uv=$(printf '%08X' "$v")
	assert_line "1 00000001$uv"
	assert_line "2 00000002$uv"
	assert_line "3 00000003$uv"
	# RETR'd: cur/ with S; TOP'd only: untouched in new/
	[ "$(ls "$md/cur" | grep -c ':2,S$')" -eq 2 ]
	[ "$(ls "$md/new" | wc -l)" -eq 1 ]
	run grep -l 'number 2' "$md"/new/*
	assert_success

	printf 'Subject: fourth\n\nnew one\n' | deliver alice
	run pop <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("posta")
for l in p.uidl()[1]:
    print(l.decode())
print(p.uidl(4).decode())
p.quit()
PY
	assert_success
	assert_line "1 00000001$uv"
	assert_line "2 00000002$uv"
	assert_line "3 00000003$uv"
	assert_line "4 00000004$uv"
	assert_line "+OK 4 00000004$uv"
}

@test "STLS with poplib: the login runs over TLS; without the loopback exception plain passwords need it" {
	printf 'Subject: over tls\n\nsecret\n' | deliver alice
	conf_add 'pop3d_plaintext_loopback = no'
	serve posta-pop3d
	run pop <<'PY'
import poplib, ssl, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
caps = p.capa()
print("before:", " ".join(sorted(caps)))
for cmd in (b"USER alice@example.test", b"AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABwb3N0YQ=="):
    try:
        p._shortcmd(cmd.decode())
    except poplib.error_proto as e:
        print(e.args[0].decode())
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
print(p.stls(ctx).decode())
print("after:", " ".join(sorted(p.capa())))
p.user("alice@example.test"); p.pass_("posta")
print(b"\n".join(p.retr(1)[1]).decode())
print(p.sock.version())
p.quit()
PY
	assert_success
	assert_line 'before: AUTH-RESP-CODE IMPLEMENTATION PIPELINING RESP-CODES STLS TOP UIDL'
	assert_line '-ERR Plain passwords need TLS: use STLS first'
	assert_line '+OK Begin TLS negotiation'
	assert_line 'after: AUTH-RESP-CODE IMPLEMENTATION PIPELINING RESP-CODES SASL TOP UIDL USER'
	assert_line 'secret'
	assert_line --regexp '^TLSv1\.[23]$'
}

@test "commands pipelined after STLS are thrown away" {
	serve posta-pop3d
	run pop <<'PY'
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"STLS\r\nUSER alice@example.test\r\n")
print(f.readline().decode().strip())
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="localhost")
t.sendall(b"PASS posta\r\n")
print(t.recv(1000).decode().strip())
PY
	assert_line '+OK Begin TLS negotiation'
	assert_line '-ERR USER first'
}

@test "implicit TLS (-s) with poplib's POP3_SSL" {
	printf 'Subject: pop3s\n\nhello\n' | deliver alice
	serve posta-pop3d -s
	run pop <<'PY'
import poplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=10)
print(p.getwelcome().decode())
print("STLS" in p.capa())
p.user("alice@example.test"); p.pass_("posta")
print(p.stat())
p.quit()
PY
	assert_success
	assert_line '+OK posta POP3 server ready'
	assert_line 'False'
	assert_line '(1, 25)'
}

@test "AUTH PLAIN with an initial response, with a continuation, and cancelled" {
	serve posta-pop3d
	run pop <<'PY'
import base64, socket, sys
port = int(sys.argv[1])
def session(*lines):
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    f.readline()
    for l in lines:
        s.sendall(l + b"\r\n")
        print(f.readline().decode().rstrip("\r\n"))
    s.close()
good = base64.b64encode(b"\0alice@example.test\0posta")
proxy = base64.b64encode(b"bob@example.test\0alice@example.test\0posta")
session(b"AUTH PLAIN " + good, b"STAT", b"QUIT")
session(b"AUTH PLAIN", good, b"QUIT")
session(b"AUTH PLAIN", b"*", b"AUTH PLAIN " + proxy, b"AUTH CRAM-MD5", b"AUTH")
PY
	assert_success
	assert_line --index 0 '+OK alice@example.test has 0 messages (0 octets)'
	assert_line --index 1 '+OK 0 0'
	assert_line --index 3 '+ '
	assert_line --index 4 '+OK alice@example.test has 0 messages (0 octets)'
	assert_line --index 6 '+ '
	assert_line --index 7 '-ERR Authentication cancelled'
	# authorizing as someone else is a failed login
	assert_line --index 8 '-ERR [AUTH] Authentication failed'
	assert_line --index 9 '-ERR Unsupported authentication mechanism'
	assert_line --index 10 '+OK Mechanisms follow'
}

@test "a wrong password and an unknown user get the same reply; the third failure ends the session" {
	serve posta-pop3d
	run pop <<'PY'
import base64, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
for l in (b"USER alice@example.test", b"PASS wrong", b"USER nobody@example.test",
          b"PASS posta", b"AUTH PLAIN " + base64.b64encode(b"\0nobody@example.test\0x")):
    s.sendall(l + b"\r\n")
    print(f.readline().decode().strip())
print(repr(f.readline()))
PY
	assert_success
	assert_line --index 0 '+OK Send the password'
	assert_line --index 1 '-ERR [AUTH] Authentication failed'
	assert_line --index 2 '+OK Send the password'
	assert_line --index 3 '-ERR [AUTH] Authentication failed'
	assert_line --index 4 '-ERR [AUTH] Authentication failed, closing connection'
	assert_line --index 5 "b''"
}

@test "curl lists and retrieves over pop3:// and pop3s://" {
	printf 'Subject: one\n\nfirst\n' | deliver alice
	printf 'Subject: two\n\nsecond\n' | deliver alice
	serve posta-pop3d
	run curl -sS --user alice@example.test:posta "pop3://127.0.0.1:$PORT/"
	assert_success
	assert_line $'1 23\r'
	assert_line $'2 24\r'
	run curl -sS --user alice@example.test:posta "pop3://127.0.0.1:$PORT/2"
	assert_success
	assert_output $'Subject: two\r\n\r\nsecond\r'
	run curl -sS --ssl-reqd -k --user alice@example.test:posta "pop3://127.0.0.1:$PORT/1"
	assert_success
	assert_output $'Subject: one\r\n\r\nfirst\r'
	stop_all
	serve posta-pop3d -s
	run curl -sS -k --user alice@example.test:posta "pop3s://127.0.0.1:$PORT/1"
	assert_success
	assert_output $'Subject: one\r\n\r\nfirst\r'
	run curl -sS -k --user alice@example.test:posta --request UIDL "pop3s://127.0.0.1:$PORT/"
	assert_success
	assert_line --regexp $'^2 00000002[0-9A-F]{8}\r$'
}

@test "fetchmail over STLS delivers each message once to its MDA, keeping them; then fetches all and deletes" {
	three_messages
	serve posta-pop3d
	out=$BATS_TEST_TMPDIR/fetched
	rc="$BATS_TEST_TMPDIR/fetchmailrc"
	cat >"$rc" <<EOF
set no bouncemail
poll 127.0.0.1 with protocol pop3 and port $PORT
	user "alice@example.test" there with password "posta" is "$(id -un)" here
	sslproto 'tls1.2+' no sslcertck mda "cat >> $out"
EOF
	chmod 600 "$rc"
	export HOME=$BATS_TEST_TMPDIR FETCHMAILHOME=$BATS_TEST_TMPDIR
	run fetchmail -f "$rc" --keep --uidl -i "$BATS_TEST_TMPDIR/fetchids" --nodetach -v
	assert_success
	assert_output --partial 'POP3> STLS'
	assert_output --partial '+OK Begin TLS negotiation'
	[ "$(grep -c '^Subject: number' "$out")" -eq 3 ]
	# a second run with the same UIDL file fetches nothing new
	run fetchmail -f "$rc" --keep --uidl -i "$BATS_TEST_TMPDIR/fetchids" --nodetach
	[ "$status" -eq 1 ]	# 1: no new mail
	[ "$(grep -c '^Subject: number' "$out")" -eq 3 ]
	[ "$(msg_count alice)" -eq 3 ]
	run fetchmail -f "$rc" --all --nokeep --nodetach
	assert_success
	[ "$(grep -c '^Subject: number' "$out")" -eq 6 ]
	[ "$(msg_count alice)" -eq 0 ]
}

@test "getmail6 retrieves only new mail on a second run, and over POP3S" {
	three_messages
	serve posta-pop3d
	gm=$BATS_TEST_TMPDIR/getmail
	out=$BATS_TEST_TMPDIR/fetched
	mkdir -p "$gm"
	# as root getmail runs an MDA only when allowed to
	getmailrc() {
		cat >"$gm/getmailrc" <<EOF
[retriever]
type = $1
server = 127.0.0.1
port = $PORT
username = alice@example.test
password = posta

[destination]
type = MDA_external
path = /bin/sh
arguments = ("-c", "cat >> $out")
allow_root_commands = true

[options]
read_all = false
delete = false
EOF
	}
	getmailrc SimplePOP3Retriever
	run getmail --getmaildir "$gm" --rcfile getmailrc
	assert_success
	assert_output --partial '3 messages (276 bytes) retrieved'
	[ "$(grep -c '^Subject: number' "$out")" -eq 3 ]
	printf 'Subject: later\n\nlater\n' | deliver alice
	run getmail --getmaildir "$gm" --rcfile getmailrc
	assert_success
	assert_output --partial '1 messages (25 bytes) retrieved'
	[ "$(grep -c '^Subject: number' "$out")" -eq 3 ]
	grep -q '^Subject: later' "$out"
	# POP3S: a new server, so getmail has seen nothing there yet
	stop_all
	serve posta-pop3d -s
	getmailrc SimplePOP3SSLRetriever
	run getmail --getmaildir "$gm" --rcfile getmailrc
	assert_success
	assert_output --partial '4 messages (301 bytes) retrieved'
	[ "$(grep -c '^Subject: ' "$out")" -eq 8 ]
}

@test "a mailbox of 1000 messages is listed and downloaded and emptied" {
	deliver_many alice 1000
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=30)
p.user("alice@example.test"); p.pass_("posta")
print(p.stat()[0])
listing = p.list()[1]
uidls = p.uidl()[1]
print(len(listing), len(set(u.split()[1] for u in uidls)))
subjects = set()
for i in range(1, 1001):
    lines = p.retr(i)[1]
    subjects.add(lines[2])
    p.dele(i)
print(len(subjects))
print(p.quit().decode())
PY
	assert_success
	assert_line --index 0 '1000'
	assert_line --index 1 '1000 1000'
	assert_line --index 2 '1000'
	assert_line --index 3 '+OK posta POP3 server signing off (0 messages left)'
	[ "$(msg_count alice)" -eq 0 ]
}

@test "a delivery during a session appears only in the next session" {
	three_messages
	serve posta-pop3d
	run pop "$(maildir alice)" "$BATS_TEST_DIRNAME/helpers/mdput.py" <<'PY'
import poplib, subprocess, sys
port, md, mdput = int(sys.argv[1]), sys.argv[2], sys.argv[3]
p = poplib.POP3("127.0.0.1", port, timeout=10)
p.user("alice@example.test"); p.pass_("posta")
print("in session", p.stat())
subprocess.run(["/usr/bin/python3", mdput, md], input=b"Subject: late\n\nlate\n",
               check=True, stdout=subprocess.DEVNULL)
print("after delivery", p.stat(), len(p.list()[1]))
try:
    p.retr(4)
except poplib.error_proto as e:
    print(e.args[0].decode())
p.dele(1)
p.quit()
p = poplib.POP3("127.0.0.1", port, timeout=10)
p.user("alice@example.test"); p.pass_("posta")
print("next", p.stat())
print(p.retr(3)[1][0].decode())
p.quit()
PY
	assert_success
	assert_line 'in session (3, 276)'
	assert_line 'after delivery (3, 276) 3'
	assert_line '-ERR No such message'
	assert_line 'next (3, 207)'
	assert_line 'Subject: late'
}

@test "TOP sends the header and 0 or n body lines, and marks nothing seen" {
	printf 'From: a@example.test\nSubject: top\n\nline one\nline two\n.dot line\nline four\n' | deliver alice
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("posta")
for n in (0, 2, 3, 100):
    print(n, p.top(1, n)[1])
p.quit()
PY
	assert_success
	assert_line "0 [b'From: a@example.test', b'Subject: top', b'']"
	assert_line "2 [b'From: a@example.test', b'Subject: top', b'', b'line one', b'line two']"
	assert_line "3 [b'From: a@example.test', b'Subject: top', b'', b'line one', b'line two', b'.dot line']"
	assert_line "100 [b'From: a@example.test', b'Subject: top', b'', b'line one', b'line two', b'.dot line', b'line four']"
	[ "$(ls "$(maildir alice)/new" | wc -l)" -eq 1 ]
}

@test "RETR on the wire is byte-exact: CRLF for LF, a dot doubled at a line start, the size as LIST says" {
	printf 'Subject: dots\n\n.\n..two\n.leading\nmid.dle\n\n\xc3\xa9t\xc3\xa9\n.' | deliver alice
	serve posta-pop3d
	run pop "$(ls "$(maildir alice)"/new/*)" <<'PY'
import socket, sys
stored = open(sys.argv[2], "rb").read()    # at QUIT it moves to cur/
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"USER alice@example.test\r\nPASS posta\r\nLIST 1\r\nRETR 1\r\nQUIT\r\n")
f.readline(); f.readline()
size = int(f.readline().split()[2])
print(f.readline().decode().strip())
wire = b""
while not wire.endswith(b"\r\n.\r\n"):
    wire += f.readline()
want = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n"
                for l in stored.split(b"\n")) + b".\r\n"
print(wire == want)
unstuffed = b"".join(l[1:] if l.startswith(b"..") else l
                     for l in wire[:-3].splitlines(True))
print(size, len(unstuffed) - 2)  # the stored message lacks a last LF
print(repr(wire[:40]))
PY
	assert_success
	assert_line '+OK 56 octets'
	assert_line 'True'
	assert_line '56 56'
	assert_line "b'Subject: dots\\r\\n\\r\\n..\\r\\n...two\\r\\n..leading\\r\\n'"
}

@test "a second session on a locked mailbox gets -ERR [IN-USE]; the lock goes with the first session" {
	three_messages
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys
port = int(sys.argv[1])
a = poplib.POP3("127.0.0.1", port, timeout=10)
a.user("alice@example.test"); a.pass_("posta")
b = poplib.POP3("127.0.0.1", port, timeout=10)
b.user("alice@example.test")
try:
    b.pass_("posta")
except poplib.error_proto as e:
    print(e.args[0].decode())
c = poplib.POP3("127.0.0.1", port, timeout=10)
c.user("bob@example.test"); print(c.pass_("posta").decode()); c.quit()
a.quit()
b.user("alice@example.test")
print(b.pass_("posta").decode())
b.quit()
PY
	assert_success
	assert_line '-ERR [IN-USE] Mailbox is locked by another POP3 session'
	assert_line '+OK bob@example.test has 0 messages (0 octets)'
	assert_line '+OK alice@example.test has 3 messages (276 octets)'
}

@test "refused commands: before login, unknown, bad arguments, too long; too many end the session" {
	conf_add 'pop3d_max_errors = 6' 'pop3d_line_limit = 64'
	serve posta-pop3d
	run pop <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"STAT\r\nXYZZY\r\nPASS x\r\nUSER\r\nUSER " + b"a" * 80 + b"\r\n"
          b"APOP alice 0123\r\nNOOP\r\n")
for _ in range(8):
    print(f.readline().decode().strip())
PY
	assert_success
	assert_line --index 0 '-ERR Log in first'
	assert_line --index 1 '-ERR Unknown command'
	assert_line --index 2 '-ERR USER first'
	assert_line --index 3 '-ERR Syntax error: missing argument'
	assert_line --index 4 '-ERR Line too long'
	assert_line --index 5 '-ERR APOP not supported'
	assert_line --index 6 '-ERR Too many errors, closing connection'
	assert_line --index 7 ''
}

@test "pipelined transaction commands are answered in order" {
	three_messages
	serve posta-pop3d
	run pop <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"USER alice@example.test\r\nPASS posta\r\nSTAT\r\nLIST 2\r\nDELE 2\r\n"
          b"LIST 2\r\nRETR 9\r\nUIDL 0\r\nNOOP\r\nQUIT\r\n")
print(f.read().decode().replace("\r\n", "|"))
PY
	assert_success
	assert_output --partial '|+OK 3 276|+OK 2 92|+OK Message 2 deleted|-ERR Message 2 is deleted|-ERR No such message|-ERR No such message|+OK|+OK posta POP3 server signing off (2 messages left)|'
	[ "$(msg_count alice)" -eq 2 ]
}

@test "an idle session is logged out without UPDATE" {
	three_messages
	conf_add 'pop3d_timeout = 1s'
	serve posta-pop3d
	run pop <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"USER alice@example.test\r\nPASS posta\r\nDELE 1\r\n")
for _ in range(4):
    print(f.readline().decode().strip())
PY
	assert_success
	assert_line --index 2 '+OK Message 1 deleted'
	assert_line --index 3 '-ERR Autologout: idle for too long'
	[ "$(msg_count alice)" -eq 3 ]
}

@test "started as root, the session runs as mail_user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	sed -i '/^mail_user = /d' "$POSTA_CONF"
	conf_add 'mail_user = nobody'
	serve posta-pop3d
	ts=$(head -n 1 "$BATS_TEST_TMPDIR/pids")
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	read -r greeting <&5
	[[ $greeting == +OK* ]]
	pid=$(pgrep -P "$ts")
	run awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status"
	exec 5>&-
	assert_output "$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
}

@test "a message delivered by posta-local is listed with its W= size and retrieved as stored" {
	printf 'Subject: by posta-local\n\n.first\nsecond\n' |
		posta-local -f sender@example.test alice@example.test
	serve posta-pop3d
	run pop "$(ls "$(maildir alice)"/new/*)" <<'PY'
import poplib, sys
stored = open(sys.argv[2], "rb").read()
w = int(sys.argv[2].rsplit(",W=", 1)[1])
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("posta")
size = int(p.list(1).split()[2])
resp, lines, octets = p.retr(1)
print(size == w, octets == w, b"\n".join(lines) + b"\n" == stored)
print(lines[-2].decode())
p.quit()
PY
	assert_success
	assert_line 'True True True'
	assert_line '.first'
}

@test "from a client that is not on loopback, plain passwords need TLS even with the loopback exception" {
	# descriptor 0 is a pipe, so the address comes from TCPREMOTEIP
	run env TCPREMOTEIP=192.0.2.1 posta-pop3d <<<$'CAPA\r\nUSER alice@example.test\r\nAUTH PLAIN\r\nAUTH\r\nQUIT\r\n'
	assert_success
	refute_line $'USER\r'
	refute_line $'SASL PLAIN\r'
	assert_line $'STLS\r'
	assert_line $'-ERR Plain passwords need TLS: use STLS first\r'
	assert_line $'+OK Mechanisms follow\r'
	run env TCPREMOTEIP=127.0.0.1 posta-pop3d <<<$'USER alice@example.test\r\nPASS posta\r\nQUIT\r\n'
	assert_success
	assert_line $'+OK alice@example.test has 0 messages (0 octets)\r'
}

@test "a session shows at most pop3d_max_messages, the oldest; the rest come in later sessions" {
	three_messages
	conf_add 'pop3d_max_messages = 2'
	serve posta-pop3d
	run pop <<'PY'
import poplib, sys
port = int(sys.argv[1])
for _ in range(2):
    p = poplib.POP3("127.0.0.1", port, timeout=10)
    p.user("alice@example.test"); p.pass_("posta")
    print(p.stat())
    for i in range(1, p.stat()[0] + 1):
        print(p.retr(i)[1][2].decode())
        p.dele(i)
    p.quit()
PY
	assert_success
	assert_output $'(2, 184)\nSubject: number 1\nSubject: number 2\n(1, 92)\nSubject: number 3'
	[ "$(msg_count alice)" -eq 0 ]
}

@test "a client that stops reading a long RETR is logged out after pop3d_timeout" {
	/usr/bin/python3 -c 'import sys; sys.stdout.write("Subject: big\n\n" + ("x" * 999 + "\n") * 8000)' | deliver alice
	conf_add 'pop3d_timeout = 1s'
	serve posta-pop3d
	ts=$(head -n 1 "$BATS_TEST_TMPDIR/pids")
	run pop "$ts" <<'PY'
import socket, subprocess, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
f.readline()
s.sendall(b"USER alice@example.test\r\nPASS posta\r\nRETR 1\r\n")
# no reading now: the server's writes block until its timeout
for _ in range(400):
    if subprocess.run(["pgrep", "-P", sys.argv[2]], stdout=subprocess.DEVNULL).returncode:
        print("session ended")
        break
    time.sleep(0.05)
got = len(f.read())
print("truncated" if got < 8000 * 1000 else "complete")
PY
	assert_success
	assert_line 'session ended'
	assert_line 'truncated'
	[ "$(msg_count alice)" -eq 1 ]
}

@test "UIDL is the UID and UIDVALIDITY that posta-imapd reports for the same messages" {
	three_messages
	serve posta-imapd
	imap_port=$PORT
	serve posta-pop3d
	run pop "$imap_port" <<'PY'
import imaplib, poplib, sys
i = imaplib.IMAP4("127.0.0.1", int(sys.argv[2]))
i.login("alice@example.test", "posta")
i.select("INBOX")
uv = int(i.response("UIDVALIDITY")[1][0])
typ, data = i.uid("SEARCH", None, "ALL")
imap = ["%08X%08X" % (int(u), uv) for u in data[0].split()]
i.store("2", "+FLAGS", "\\Seen")      # a rename in cur/ by IMAP
i.logout()
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("posta")
pop = [l.split()[1].decode() for l in p.uidl()[1]]
print(len(imap), imap == pop)
print(p.retr(2)[1][2].decode())
p.quit()
PY
	assert_success
	assert_line '3 True'
	assert_line 'Subject: number 2'
}

@test "a message renamed or expunged by posta-imapd during a POP3 session is still retrieved and deleted right" {
	three_messages
	serve posta-imapd
	imap_port=$PORT
	serve posta-pop3d
	run pop "$imap_port" <<'PY'
import imaplib, poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice@example.test"); p.pass_("posta")
i = imaplib.IMAP4("127.0.0.1", int(sys.argv[2]))
i.login("alice@example.test", "posta")
i.select("INBOX")
i.store("1", "+FLAGS", "\\Flagged")   # renamed in cur/
i.store("3", "+FLAGS", "\\Deleted")
i.expunge()                           # gone
print(p.retr(1)[1][2].decode())
try:
    p.retr(3)
except poplib.error_proto as e:
    print(e.args[0].decode())
p.dele(1); p.dele(3)
print(p.quit().decode())
i.noop()
print(i.search(None, "ALL")[1][0].decode())
i.logout()
PY
	assert_success
	assert_line 'Subject: number 1'
	assert_line '-ERR Message 3 was removed by another session'
	assert_line '+OK posta POP3 server signing off (1 messages left)'
	assert_line '1'
	[ "$(msg_count alice)" -eq 1 ]
}

@test "STAT, LIST and UIDL from posta-index agree with a session that reads the folder, after a delivery and a removal too" {
	conf_add "maildir_index_min = 1"
	md=$(maildir alice)
	mdx gen "$md" 30
	serve posta-pop3d -C "$(mdx_noindex_conf)"
	PORT2=$PORT
	serve posta-pop3d
	run mdx pop "$PORT"
	assert_success
	first=$output
	assert_line 'STAT 30 2690'
	[ -f "$md/posta-index" ]
	run mdx pop "$PORT"
	assert_output "$first"
	run mdx pop "$PORT2"
	assert_output "$first"
	printf 'Subject: late\n\nlate\n' | deliver alice
	rm "$md"/cur/1700000600.*
	run mdx pop "$PORT2"
	want=$output
	assert_line --regexp '^STAT 30 '
	assert_line --regexp '^UIDL 30 0000001F'
	run mdx pop "$PORT"
	assert_output "$want"
	mdx age "$md"
	run mdx pop "$PORT"
	assert_output "$want"
	run mdx pop "$PORT"
	assert_output "$want"
}
