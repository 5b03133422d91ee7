#!/usr/bin/env bats
# posta-imapd under tcpserver, with Python's imaplib, curl and raw sessions.

load 'helpers/common'
load 'helpers/imapd'
load 'helpers/mdindex'
load 'helpers/mailbox'

PATH=/usr/bin:$PATH

# One instance for the whole file (certificate, users, Maildirs), copied
# for each test: make_instance keeps what it finds.
setup_file() {
	"$TOP/etc/posta-instance.sh" "$BATS_FILE_TMPDIR/inst" "$TOP/bin" >/dev/null
}

setup() {
	cp -a "$BATS_FILE_TMPDIR/inst" "$BATS_TEST_TMPDIR/inst"
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
	conf_add "imapd_auth_delay_max = 0"
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

@test "mbsync syncs a mailbox both ways, and a second run changes nothing" {
	sync_far_side
	serve posta-imapd
	local near=$BATS_TEST_TMPDIR/near
	mkdir -p "$near"
	cat >"$BATS_TEST_TMPDIR/mbsyncrc" <<EOT
IMAPAccount posta
Host 127.0.0.1
Port $PORT
User alice@example.test
Pass posta
SSLType None
AuthMechs LOGIN

IMAPStore far
Account posta

MaildirStore near
Path $near/
Inbox $near/INBOX
SubFolders Verbatim

Channel sync
Far :far:
Near :near:
Patterns INBOX Work
Create Both
Expunge Both
SyncState *
EOT
	run mbsync -q -c "$BATS_TEST_TMPDIR/mbsyncrc" -a
	assert_success
	sync_first_copied "$near"
	# near: a new message and a read one; far: a flag and a delivery
	sync_near_changes "$near"
	imap_flag INBOX 2 '\Flagged'
	imap_deliver alice INBOX four
	run mbsync -q -c "$BATS_TEST_TMPDIR/mbsyncrc" -a
	assert_success
	run maildir_state "$(imap_maildir alice)"
	assert_output $'four \none S\ntwo F\nwritten near '
	run maildir_state "$near/INBOX"
	assert_output $'four \none S\ntwo F\nwritten near '
	# nothing changed: nothing moves on either side
	before=$(sync_snapshot "$near")
	run mbsync -c "$BATS_TEST_TMPDIR/mbsyncrc" -a
	assert_success
	[ "$(sync_snapshot "$near")" = "$before" ]
}

@test "mutt reads, pipes and deletes a message in batch mode" {
	imap_deliver alice INBOX "for mutt"
	imap_deliver alice INBOX "second"
	serve posta-imapd
	cat >"$BATS_TEST_TMPDIR/muttrc" <<EOT
set folder="imap://alice%40example.test:posta@127.0.0.1:$PORT/"
set spoolfile="+INBOX"
set ssl_starttls=no
set ssl_force_tls=no
set header_cache=""
set message_cachedir=""
set sort=date-received
set wait_key=no
set delete=yes
set mail_check=0
set timeout=1
EOT
	local out=$BATS_TEST_TMPDIR/mutt.out
	TERM=vt100 run timeout 30 script -qec "mutt -n -F $BATS_TEST_TMPDIR/muttrc -e 'push \"<pipe-message>cat >$out<enter><delete-message><sync-mailbox><quit>\"'" /dev/null
	assert_success
	run cat "$out"
	assert_output --partial 'Subject: for mutt'
	assert_output --partial 'body of for mutt'
	# the other message stays, with mutt's "Old" keyword as letter a
	run maildir_state "$(imap_maildir alice)"
	assert_output 'second a'
	grep -qx '0 Old' "$(imap_maildir alice)/dovecot-keywords"
}

@test "SELECT, STATUS and UID FETCH 1:* of a 5000-message folder answer from the file names" {
	# empty files whose names claim sizes, dates and flags: what the
	# server says can only come from the names
	/usr/bin/python3 - "$(imap_maildir alice)/.Big" <<'PY'
import os, sys
d = sys.argv[1]
for s in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(d, s))
open(os.path.join(d, "maildirfolder"), "w").close()
for i in range(5000):
    open(os.path.join(d, "cur", "%d.M%dP1Q%d.test,S=%d,W=%d:2,%s" % (
        1700000000 + i, i, i, 100 + i, 110 + i, "FS" if i % 3 == 0 else "")), "w").close()
PY
	serve posta-imapd
	run /usr/bin/python3 - "$PORT" <<'PY'
import re, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 60)
f = s.makefile("rb")
f.readline()
def cmd(tag, c):
    s.sendall(tag + b" " + c + b"\r\n")
    out = []
    while True:
        l = f.readline()
        if l.startswith(tag + b" "):
            assert l.startswith(tag + b" OK"), l
            return out
        out.append(l)
cmd(b"a", b"LOGIN alice@example.test posta")
st = cmd(b"b", b"STATUS Big (MESSAGES UNSEEN UIDNEXT)")
assert st == [b'* STATUS "Big" (MESSAGES 5000 UIDNEXT 5001 UNSEEN 3333)\r\n'], st
sel = cmd(b"c", b"SELECT Big")
assert b"* 5000 EXISTS\r\n" in sel, sel
lines = cmd(b"d", b"UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)")
assert len(lines) == 5000
for i, l in enumerate(lines):
    m = re.match(rb"\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\) RFC822.SIZE (\d+) INTERNALDATE \"([^\"]+)\"\)", l)
    assert m, l
    assert int(m.group(1)) == i + 1 and int(m.group(2)) == i + 1, l
    assert int(m.group(4)) == 110 + i, l
    want = time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(1700000000 + i))
    assert m.group(5).decode() == want, (l, want)
    assert (m.group(3) == b"\\Flagged \\Seen") == (i % 3 == 0), l
body = cmd(b"e", b"FETCH 1 (BODY.PEEK[])")
assert body == [b"* 1 FETCH (BODY[] {0}\r\n", b")\r\n"], body
print("ok")
PY
	assert_success
	assert_output 'ok'
}

@test "etc/xinetd.d/posta-imapd serves IMAP over implicit TLS under xinetd" {
	command -v xinetd || skip "xinetd is not installed"
	PORT=$(free_port)
	conf=$BATS_TEST_TMPDIR/xinetd.conf
	sed -n '/^service imaps$/,/^}/p' "$TOP/etc/xinetd.d/posta-imapd" |
		sed -e "s|^service imaps|service posta-test|" \
		    -e "s|/usr/local/sbin/posta-imapd|$BIN/posta-imapd|" \
		    -e "s|= -s|= -C $POSTA_CONF -s|" \
		    -e "s|^{|{\n\ttype = UNLISTED\n\tport = $PORT\n\tbind = 127.0.0.1|" >"$conf"
	spawn xinetd -dontfork -f "$conf" -pidfile "$BATS_TEST_TMPDIR/xinetd.pid"
	wait_port "$PORT"
	run scenario implicit_tls
	assert_success
	assert_output 'ok implicit_tls'
}

@test "a Maildir as Dovecot left it keeps its UIDVALIDITY, UIDs and keywords" {
	md=$(imap_maildir alice)
	printf 'From: a@example.test\nSubject: kept %s\n\nx\n' 100 >"$md/cur/1700000000.M1P2.dove,S=42,W=46:2,Sa"
	printf 'From: a@example.test\nSubject: kept %s\n\nx\n' 205 >"$md/cur/1700000100.M3P4.dove,S=42,W=46:2,"
	printf 'From: a@example.test\nSubject: new one\n\nx\n' >"$md/new/1700000200.M5P6.dove,S=42,W=46"
	printf '3 V1234567 N206 G0123456789abcdef0123456789abcdef\n100 W46 :1700000000.M1P2.dove,S=42,W=46\n205 :1700000100.M3P4.dove,S=42,W=46\n' >"$md/dovecot-uidlist"
	printf '0 $Label1\n1 NonJunk\n' >"$md/dovecot-keywords"
	serve posta-imapd
	run /usr/bin/python3 - "$PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice@example.test", "posta")
m.select("INBOX")
print(m.untagged_responses["UIDVALIDITY"][0].decode())
typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
for d in data:
    if isinstance(d, tuple):
        print(d[0].decode().split(" BODY")[0], d[1].decode().strip())
PY
	assert_success
	assert_line '1234567'
	assert_line --regexp '^1 \(UID 100 FLAGS \(\\Seen \$Label1( \\Recent)?\) Subject: kept 100$'
	assert_line --regexp '^2 \(UID 205 FLAGS \(\) Subject: kept 205$'
	assert_line --regexp '^3 \(UID 206 FLAGS \(\\Recent\) Subject: new one$'
	grep -q '^206 .*:1700000200.M5P6.dove' "$md/dovecot-uidlist"
}

@test "two sessions and live deliveries by posta-local on one folder: counts, flags and UIDs agree, nothing lost" {
	serve posta-imapd
	run scenario live
	assert_success
	assert_output 'ok live'
}

@test "two IMAP sessions, POP3 sessions and live deliveries on one folder: UIDL is the IMAP UID, RETR and DELE show in IMAP, nothing lost" {
	serve posta-pop3d
	export POP3_PORT=$PORT
	serve posta-imapd
	run scenario livepop
	assert_success
	assert_output 'ok livepop'
}

@test "offlineimap syncs a mailbox both ways, and a second run changes nothing" {
	sync_far_side
	serve posta-imapd
	local near=$BATS_TEST_TMPDIR/near
	cat >"$BATS_TEST_TMPDIR/offlineimaprc" <<EOT
[general]
accounts = posta
metadata = $BATS_TEST_TMPDIR/meta

[Account posta]
localrepository = near
remoterepository = far

[Repository near]
type = Maildir
localfolders = $near

[Repository far]
type = IMAP
remotehost = 127.0.0.1
remoteport = $PORT
remoteuser = alice@example.test
remotepass = posta
ssl = no
starttls = no
folderfilter = lambda f: f in ['INBOX', 'Work']
EOT
	oi() { timeout 60 offlineimap -c "$BATS_TEST_TMPDIR/offlineimaprc" -o -u quiet; }
	run oi
	assert_success
	sync_first_copied "$near"
	sync_near_changes "$near"
	imap_flag Work 1 '\Flagged'
	imap_deliver alice INBOX four
	run oi
	assert_success
	run maildir_state "$(imap_maildir alice)"
	assert_output $'four \none S\ntwo \nwritten near '
	run maildir_state "$near/INBOX"
	assert_output $'four \none S\ntwo \nwritten near '
	run maildir_state "$near/Work"
	assert_output 'three F'
	before=$(sync_snapshot "$near")
	run oi
	assert_success
	[ "$(sync_snapshot "$near")" = "$before" ]
}

@test "started as root it reads the TLS key, then serves as mail_user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	conf_set mail_user nobody
	chmod 600 "$INST/tls.key"
	chown -R nobody "$(imap_maildir alice)"
	# nobody must reach the Maildir through the test's folders
	d=$INST/mail
	while [ "$d" != "$(dirname "$BATS_RUN_TMPDIR")" ]; do
		chmod a+x "$d"
		d=$(dirname "$d")
	done
	serve posta-imapd -s
	run scenario implicit_tls
	assert_success
	/usr/bin/python3 - "$PORT" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
m.login("alice@example.test", "posta")
assert m.append("INBOX", None, None, b"Subject: by nobody\r\n\r\nx\r\n")[0] == "OK"
m.logout()
PY
	# the message file and the UID list are nobody's, not root's
	[ "$(stat -c %U "$(imap_maildir alice)"/cur/*)" = nobody ]
	[ "$(stat -c %U "$(imap_maildir alice)/dovecot-uidlist")" = nobody ]
}

@test "the idle timeout ends a silent logged-in session, in IDLE too" {
	conf_add "imapd_idle_timeout = 1s"
	serve posta-imapd
	run /usr/bin/python3 - "$PORT" <<'PY'
import socket, sys
for idle in (False, True):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 30)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"a LOGIN alice@example.test posta\r\n")
    assert f.readline().startswith(b"a OK")
    if idle:
        s.sendall(b"b SELECT INBOX\r\nc IDLE\r\n")
        while not f.readline().startswith(b"+"):
            pass
    print(f.readline().decode().strip())
PY
	assert_success
	assert_output $'* BYE autologout: idle for too long\n* BYE autologout: idle for too long'
}

# --- posta-index: the view saved for the next session ---------------------

# 40 messages in INBOX, the index from 1 message up, and a second server
# on the same Maildir that keeps no index, as the reference ($PORT2)
mdx_setup() {
	conf_add "maildir_index_min = 1"
	MD=$(imap_maildir alice)
	mdx gen "$MD" 40
	serve posta-imapd -C "$(mdx_noindex_conf)"
	PORT2=$PORT
	serve posta-imapd
}

@test "a second session answers SELECT and FETCH from posta-index, reading neither cur/ nor dovecot-uidlist, and agrees with the first" {
	mdx_setup
	run mdx view "$PORT"
	assert_success
	first=$output
	assert_line 'EXISTS 40'
	[ -f "$MD/posta-index" ]
	run mdx view "$PORT"
	assert_output "$first"
	mdx_same
	run mdx_traced "$BATS_TEST_TMPDIR/trace" 'b SELECT INBOX' \
	    'c FETCH 1:* (UID FLAGS RFC822.SIZE)' 'd STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'
	assert_success
	assert_line --partial '* 40 EXISTS'
	assert_line --partial '* 40 FETCH (UID 40 FLAGS (\Seen) RFC822.SIZE'
	assert_line --partial '* STATUS "INBOX" (MESSAGES 40 UIDNEXT 41 UNSEEN 13)'
	grep -q 'posta-index' "$BATS_TEST_TMPDIR/trace"
	run grep -E '/(cur|new)", .*O_DIRECTORY|dovecot-uidlist"' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}

@test "after a delivery the next session reads new/ and the list, not cur/, and shows the new message with the next UID" {
	mdx_setup
	run mdx view "$PORT"
	assert_line 'UIDNEXT 41'
	imap_deliver alice INBOX late
	run mdx_traced "$BATS_TEST_TMPDIR/trace" 'b SELECT INBOX' 'c FETCH 41 (UID FLAGS)'
	assert_success
	assert_line --partial '* 41 EXISTS'
	assert_line --partial '* 1 RECENT'
	assert_line --partial '* 41 FETCH (UID 41 FLAGS (\Recent))'
	grep -q '/new", .*O_DIRECTORY' "$BATS_TEST_TMPDIR/trace"
	run grep -E '/cur", .*O_DIRECTORY' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	mdx_same
	assert_line 'EXISTS 41'
}

@test "flags set by another session, a rename and a removal from outside are seen through posta-index, settled or not" {
	mdx_setup
	run mdx view "$PORT"
	# another session's STORE, the index not yet rewritten (cur/ just changed)
	run mdx view "$PORT2" 'STORE 1:3 +FLAGS (\Answered)'
	assert_success
	assert_line --regexp '^1 \[\\Answered \\Seen\] 72 14-Nov-2023 22:13:20 \+0000$'
	mdx_same
	# settled: the next session saves its view, the one after reads it
	mdx age "$MD"
	run mdx view "$PORT"
	mdx_same
	assert_line --regexp '^2 \[\\Answered \\Flagged \\Seen\] 78 '
	# flags changed by a rename, as mutt or Dovecot make it
	f=$(ls "$MD"/cur/1700000300.*)
	mv "$f" "${f%%:2,*}:2,DT"
	mdx_same
	assert_line --regexp '^6 \[\\Deleted \\Draft\] '
	# a message removed from outside
	rm "$MD"/cur/1700000600.*
	mdx_same
	assert_line 'EXISTS 39'
	refute_line --regexp '^11 '
	assert_line --regexp '^12 '
	mdx age "$MD"
	run mdx view "$PORT"
	mdx_same
	assert_line 'EXISTS 39'
	assert_line --regexp '^6 \[\\Deleted \\Draft\] '
}

@test "a damaged, cut short, emptied or foreign posta-index is ignored and made again" {
	mdx_setup
	run mdx view "$PORT"
	want=$output
	cp "$MD/posta-index" "$BATS_TEST_TMPDIR/good"
	for damage in names records cut empty version garbage; do
		cp "$BATS_TEST_TMPDIR/good" "$MD/posta-index"
		case $damage in
		names) mdx poke "$MD/posta-index" 200 ;;
		records) mdx poke "$MD/posta-index" -3 ;;
		cut) truncate -s -40 "$MD/posta-index" ;;
		empty) : >"$MD/posta-index" ;;
		version) mdx hdr "$MD/posta-index" version 9 ;;
		garbage) head -c 5000 /dev/urandom >"$MD/posta-index" ;;
		esac
		run mdx view "$PORT"
		assert_output "$want"
		# made again by that session: the next one reads no directory
		run mdx_traced "$BATS_TEST_TMPDIR/trace" 'b SELECT INBOX' \
		    'c FETCH 1:* (UID)'
		assert_line --partial '* 40 EXISTS'
		assert_line --partial '* 40 FETCH (UID 40)'
		run grep -E '/cur", .*O_DIRECTORY' "$BATS_TEST_TMPDIR/trace"
		assert_failure
	done
}

@test "posta-index from another UIDVALIDITY, or lacking a message the list has, is not believed" {
	mdx_setup
	run mdx view "$PORT"
	cp "$MD/posta-index" "$BATS_TEST_TMPDIR/old"
	uv=$(head -n 1 "$MD/dovecot-uidlist" | sed 's/.* V\([0-9]*\) .*/\1/')
	# the list lost: a new UIDVALIDITY; the old index put back
	rm "$MD/dovecot-uidlist"
	sleep 1
	run mdx view "$PORT"
	refute_line "UIDVALIDITY $uv"
	cp "$BATS_TEST_TMPDIR/old" "$MD/posta-index"
	mdx_same
	refute_line "UIDVALIDITY $uv"
	# a file away while the index is saved, then back: its UID stays
	mdx age "$MD"
	run mdx view "$PORT"
	mv "$MD"/cur/1700000540.* "$BATS_TEST_TMPDIR/"
	mdx age "$MD"
	run mdx view "$PORT"
	assert_line 'EXISTS 39'
	refute_line --regexp '^10 '
	mv "$BATS_TEST_TMPDIR"/1700000540.* "$MD/cur/"
	run mdx view "$PORT"
	assert_line 'EXISTS 40'
	assert_line '10 [\Seen] 84 14-Nov-2023 22:22:20 +0000'
	refute_line --regexp '^41 '
	mdx_same
}

@test "Dovecot ignores posta-index: the same folders and UIDs" {
	mdx_setup
	run mdx view "$PORT"
	[ -f "$MD/posta-index" ]
	run doveadm_on "$MD" mailbox list
	assert_success
	assert_line 'INBOX'
	refute_line --partial 'index'
	[ "${#lines[@]}" -eq $(($(find "$MD" -maxdepth 1 -name '.?*' -type d | wc -l) + 1)) ]
	run doveadm_on "$MD" fetch uid mailbox INBOX all
	assert_success
	[ "$(echo "$output" | grep -c '^uid: ')" -eq 40 ]
	assert_line 'uid: 40'
}

@test "a message left in new/ by an EXAMINE whose view posta-index holds is taken and \\Recent at the next SELECT" {
	mdx_setup
	run mdx view "$PORT"
	imap_deliver alice INBOX late
	mdx age "$MD"
	run mdx_traced "$BATS_TEST_TMPDIR/trace" 'b EXAMINE INBOX'
	assert_line --partial '* 41 EXISTS'
	assert_line --partial '* 1 RECENT'
	[ "$(ls "$MD/new" | wc -l)" -eq 1 ]
	# that view is the index now: the next session takes the message
	# without reading cur/ (new/ is read again after the move)
	run mdx_traced "$BATS_TEST_TMPDIR/trace" 'b SELECT INBOX' 'c FETCH 41 (UID FLAGS)'
	assert_line --partial '* 41 EXISTS'
	assert_line --partial '* 1 RECENT'
	assert_line --partial '* 41 FETCH (UID 41 FLAGS (\Recent))'
	run grep -E '/cur", .*O_DIRECTORY' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	[ "$(ls "$MD/new" | wc -l)" -eq 0 ]
	run mdx view "$PORT"
	assert_line 'EXISTS 41'
	assert_line --regexp '^41 \[\] '
}

@test "STATUS and EXAMINE answer from posta-index, a message in new/ counted RECENT, reading neither cur/ nor dovecot-uidlist" {
	mdx_setup
	run mdx view "$PORT"
	imap_deliver alice INBOX late
	mdx age "$MD"
	# this EXAMINE reads new/ and the list, and saves its view
	run mdx_traced "$BATS_TEST_TMPDIR/trace" 'b EXAMINE INBOX'
	assert_line --partial '* 41 EXISTS'
	run mdx_traced "$BATS_TEST_TMPDIR/trace" \
	    'b STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)' \
	    'c EXAMINE INBOX' 'd FETCH 40:41 (UID FLAGS)' \
	    'e STATUS INBOX (MESSAGES RECENT UNSEEN)'
	assert_success
	assert_line --regexp '^\* STATUS "INBOX" \(MESSAGES 41 RECENT 1 UIDNEXT 42 UIDVALIDITY [0-9]+ UNSEEN 14\)'
	assert_line --partial '* 41 EXISTS'
	assert_line --partial '* 1 RECENT'
	assert_line --partial '* OK [UNSEEN 3]'
	assert_line --partial '* 40 FETCH (UID 40 FLAGS (\Seen))'
	assert_line --partial '* 41 FETCH (UID 41 FLAGS (\Recent))'
	assert_line --partial '* STATUS "INBOX" (MESSAGES 41 RECENT 1 UNSEEN 14)'
	run grep -E '/(cur|new)", .*O_DIRECTORY|dovecot-uidlist"' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	[ "$(ls "$MD/new" | wc -l)" -eq 1 ]
}

@test "a session that SELECTed from posta-index sees another session's flags, expunge and delivery, and SELECTs again" {
	mdx_setup
	run mdx view "$PORT"
	run /usr/bin/python3 - "$PORT" "$MD" <<'PY'
import imaplib, os, sys, time
port, md = int(sys.argv[1]), sys.argv[2]
def login():
    c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    c.login("alice@example.test", "posta")
    return c
a = login()
typ, d = a.select("INBOX")
print("a EXISTS", d[0].decode())
b = login()
b.select("INBOX")
b.store("3", "+FLAGS", "(\\Flagged)")
b.store("5", "+FLAGS", "(\\Deleted)")
b.expunge()
b.logout()
# a delivery, as posta-local makes it
data = b"From: c@example.test\nSubject: late\n\nx\n"
base = "%d.M1P1Q1.test,S=%d,W=%d" % (int(time.time()), len(data), len(data) + 4)
with open(os.path.join(md, "tmp", base), "wb") as f:
    f.write(data)
os.rename(os.path.join(md, "tmp", base), os.path.join(md, "new", base))
typ, d = a.noop()
for k in ("FETCH", "EXPUNGE", "EXISTS", "RECENT"):
    for v in a.untagged_responses.pop(k, []):
        print(k, v.decode())
typ, d = a.fetch("1:*", "(UID)")
print("a FETCH", len(d), d[-1].decode())
typ, d = a.select("INBOX")
print("a EXISTS again", d[0].decode())
typ, d = a.uid("FETCH", "41", "(FLAGS)")
print("a UID 41", d[0].decode())
a.logout()
PY
	assert_success
	assert_line 'a EXISTS 40'
	assert_line 'FETCH 3 (FLAGS (\Flagged))'
	assert_line 'EXPUNGE 5'
	assert_line 'EXISTS 40'
	assert_line 'RECENT 1'
	assert_line 'a FETCH 40 40 (UID 41)'
	assert_line 'a EXISTS again 40'
	assert_line 'a UID 41 40 (UID 41 FLAGS (\Recent))'
	mdx_same
}

@test "records of posta-index damaged after its header answered SELECT: the folder is read at the next command, or the session ends when it no longer agrees" {
	mdx_setup
	run mdx view "$PORT"
	want=$output
	run /usr/bin/python3 - "$PORT" "$MD" "$TOP/tests/helpers" <<'PY'
import glob, imaplib, os, sys
port, md = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
import mdindex
def select():
    c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    c.login("alice@example.test", "posta")
    typ, d = c.select("INBOX")
    print("EXISTS", d[0].decode())
    return c
# damaged in place while mapped: the checks before the view is made fail
a = select()
mdindex.poke(os.path.join(md, "posta-index"), -3)
typ, d = a.fetch("1:*", "(UID)")
print("FETCH", typ, len(d), d[-1].decode())
a.logout()
# the index made again by that session; the same, and a message removed
# meanwhile: not what SELECT told
a = select()
mdindex.poke(os.path.join(md, "posta-index"), 200)
os.unlink(glob.glob(os.path.join(md, "cur", "1700000600.*"))[0])
try:
    a.fetch("1:*", "(UID)")
    print("no BYE")
except imaplib.IMAP4.abort as e:
    print("abort", e)
PY
	assert_success
	assert_line 'EXISTS 40'
	assert_line 'FETCH OK 40 40 (UID 40)'
	assert_line --partial 'abort'
	assert_line --partial 'mailbox changed, select it again'
	refute_line 'no BYE'
	mdx_same
	assert_line 'EXISTS 39'
}

@test "a keyword in dovecot-keywords that is no IMAP atom is not shown, and stays on its message" {
	md=$(imap_maildir alice)
	printf 'From: a@example.test\nSubject: odd keywords\n\nx\n' >"$md/cur/1700000000.M1P2.dove,S=47,W=51:2,Sabc"
	printf '3 V1234567 N101 G0123456789abcdef0123456789abcdef\n100 :1700000000.M1P2.dove,S=47,W=51\n' >"$md/dovecot-uidlist"
	printf '0 $Label1\n1 bad(name\n2 two words\n' >"$md/dovecot-keywords"
	serve posta-imapd
	run /usr/bin/python3 - "$PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice@example.test", "posta")
m.select("INBOX")
print("FLAGS", m.untagged_responses["FLAGS"][0].decode())
print(m.fetch("1", "(FLAGS)")[1][0].decode())
print(m.store("1", "+FLAGS", "(\\Flagged)")[0])
m.logout()
PY
	assert_success
	assert_line 'FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label1)'
	assert_line --regexp '^1 \(FLAGS \(\\Seen \$Label1( \\Recent)?\)\)$'
	assert_line 'OK'
	# the hidden keywords are still the message's (letters b and c)
	ls "$md/cur" | grep -q ':2,FSabc$'
	grep -qx '2 two words' "$md/dovecot-keywords"
}
