#!/usr/bin/env bats
# posta-local: stand-alone LDA use, the runner's -L use, aliases,
# forwards, commands, loops, a full file system, the privilege drop.

load 'helpers/common'
load 'helpers/local'

PATH=/usr/bin:$PATH

setup_file() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
		-subj "/CN=mail.example.test" \
		-keyout "$BATS_FILE_TMPDIR/tls.key" -out "$BATS_FILE_TMPDIR/tls.crt" \
		>/dev/null 2>&1
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/inst"
	cp "$BATS_FILE_TMPDIR/tls.key" "$BATS_FILE_TMPDIR/tls.crt" \
		"$BATS_TEST_TMPDIR/inst/"
	make_instance
	ALICE=$INST/mail/alice
	BOB=$INST/mail/bob
	M=$BATS_TEST_TMPDIR/msg
	printf 'From: someone@other.test\nSubject: test\n\nhello\n' >"$M"
}

teardown() {
	stop_all
	if [ -n "${FULL:-}" ] && mountpoint -q "$FULL"; then
		umount "$FULL"
	fi
	if [ -n "${DROPDIR:-}" ]; then
		rm -rf "$DROPDIR"
	fi
}

# The expected file: the two fields posta-local adds, then the message.
# usage: want SENDER RCPT MESSAGEFILE >FILE
want() {
	printf 'Return-Path: <%s>\nDelivered-To: %s\n' "$1" "$2"
	cat "$3"
}

@test "a message on stdin is delivered byte for byte, after Return-Path and Delivered-To" {
	printf 'Subject: caf\xc3\xa9\n\nline one\n\xff\xfe 8-bit \x01\x7f\n\n\nno newline at the end' >"$M"
	run posta-local -f sender@other.test -i Q1 alice@example.test <"$M"
	assert_success
	assert_output "2.0.0 delivered to alice@example.test"
	f=$(maildir_only "$ALICE")
	want sender@other.test alice@example.test "$M" >"$BATS_TEST_TMPDIR/want"
	cmp "$f" "$BATS_TEST_TMPDIR/want"
	# SECS.M<usec>P<pid>Q<n>.<host>,S=<octets>,W=<octets with CRLF>
	name=$(basename "$f")
	[[ $name =~ ^[0-9]+\.M[0-9]{6}P[0-9]+Q[0-9]+\.mail\.example\.test,S=([0-9]+),W=([0-9]+)$ ]]
	size=$(stat -c %s "$f")
	lfs=$(tr -cd '\n' <"$f" | wc -c)
	[ "${BASH_REMATCH[1]}" -eq "$size" ]
	[ "${BASH_REMATCH[2]}" -eq $((size + lfs)) ]
	[ -z "$(ls -A "$ALICE/tmp")" ]
}

@test "an empty message and a binary one arrive byte for byte; a bare name is in mydomain" {
	run posta-local alice </dev/null
	assert_success
	assert_output "2.0.0 delivered to alice@example.test"
	f=$(maildir_only "$ALICE")
	printf 'Return-Path: <>\nDelivered-To: alice@example.test\n' | cmp - "$f"

	python3 -c 'import sys; sys.stdout.buffer.write(b"X: y\n\n" + bytes(range(256)) * 8 + b"a\r\nb\rc\n\r\n")' >"$M"
	run posta-local -f '<>' bob@EXAMPLE.test <"$M"
	assert_success
	assert_output "2.0.0 delivered to bob@example.test"
	f=$(maildir_only "$BOB")
	want "" bob@example.test "$M" | cmp - "$f"
	# W= counts a CR LF once: 4 header LFs, 8 in the table, the one after c
	size=$(stat -c %s "$f")
	[[ $f == *",S=$size,W=$((size + 13))" ]]
}

@test "-L reads exactly that many octets from a queue file positioned at the message" {
	printf 'F sender@other.test\nR alice@example.test\n' >"$BATS_TEST_TMPDIR/env"
	posta-enqueue <"$M" 1<"$BATS_TEST_TMPDIR/env" 2>/dev/null
	q=$(queue_files)
	run local_from_queue "$q" -f sender@other.test -i "$(basename "$q")" alice@example.test
	assert_success
	assert_output "2.0.0 delivered to alice@example.test"
	f=$(maildir_only "$ALICE")
	want sender@other.test alice@example.test "$M" | cmp - "$f"

	# a length beyond the end of stdin is a temporary error
	run posta-local -L 1000 alice@example.test <"$M"
	assert_failure 75
	assert_output --regexp '^4\.3\.0 message ended after [0-9]+ of 1000 octets$'
	[ "$(maildir_count "$ALICE")" -eq 1 ]
	run posta-local -L x alice@example.test <"$M"
	assert_failure 64
	assert_line "5.3.5 posta-local: usage error"
}

@test "an unknown user exits 67 with 5.1.1 and delivers nothing" {
	run posta-local -f s@other.test nobody@example.test <"$M"
	assert_failure 67
	assert_output "5.1.1 no such user nobody@example.test"
	run posta-local -f s@other.test 'bad address@@' <"$M"
	assert_failure 65
	assert_output --partial "5.1.3 bad address"
	[ "$(maildir_count "$ALICE")" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
}

@test "user+tag reaches the user; with local_extension_folders it goes into the folder, made on first delivery" {
	run posta-local alice+news@example.test <"$M"
	assert_success
	assert_output "2.0.0 delivered to alice@example.test"
	f=$(maildir_only "$ALICE")
	head -n 2 "$f" | tail -n 1 | grep -qx 'Delivered-To: alice+news@example.test'

	conf_add 'local_extension_folders = yes'
	rm -rf "$ALICE"
	run posta-local alice+news@example.test <"$M"
	assert_success
	assert_output "2.0.0 delivered to alice@example.test folder news"
	maildir_only "$ALICE/.news"
	[ -f "$ALICE/.news/maildirfolder" ]
	grep -qx news "$ALICE/subscriptions"
	[ -d "$ALICE/cur" ] && [ -d "$ALICE/.news/cur" ] && [ -d "$ALICE/.news/tmp" ]
	# a Maildir with only tmp/ is completed
	rm -rf "$BOB" && mkdir -p "$BOB/tmp"
	run posta-local bob@example.test <"$M"
	assert_success
	maildir_only "$BOB"
	[ -d "$BOB/cur" ]
	# an existing folder is found whatever the case; a bad name is the inbox
	mkdir -p "$ALICE/.Lists.posta/new" "$ALICE/.Lists.posta/cur" "$ALICE/.Lists.posta/tmp"
	run posta-local alice+lists.posta@example.test <"$M"
	assert_output "2.0.0 delivered to alice@example.test folder Lists.posta"
	maildir_only "$ALICE/.Lists.posta"
	run posta-local 'alice+x!y@example.test' <"$M"
	assert_output "2.0.0 delivered to alice@example.test"
	run posta-local 'alice+INBOX@example.test' <"$M"
	assert_output "2.0.0 delivered to alice@example.test"
	run posta-local 'alice+new@example.test' <"$M"
	assert_output "2.0.0 delivered to alice@example.test"
	[ "$(maildir_count "$ALICE")" -eq 3 ]
	[ ! -e "$ALICE/.INBOX" ] && [ ! -e "$ALICE/.new" ]
	# a folder that was there is left as it was
	run grep -c -x -e news -e Lists.posta "$ALICE/subscriptions"
	assert_output 1
}

@test "recipient_delimiter chooses the extension's separator" {
	run posta-local alice-x@example.test <"$M"
	assert_failure 67
	conf_add 'recipient_delimiter = -'
	run posta-local alice-x@example.test <"$M"
	assert_success
	run posta-local alice+x@example.test <"$M"
	assert_failure 67
	maildir_only "$ALICE"
}

@test "an alias to several addresses is re-injected once, with the original sender and Delivered-To" {
	cat >>"$INST/aliases" <<-EOT
	team: alice,
	    bob@example.test, carol@other.test
	team-all: team, dave@other.test
	EOT
	run posta-local -f sender@other.test team-all@example.test <"$M"
	assert_success
	assert_output --regexp '^2\.0\.0 alias expanded: 4 forwarded as [0-9A-F]+, 0 delivered, 0 commands$'
	[ "$(queue_count)" -eq 1 ]
	q=$(queue_files)
	run "$TOP/tests/helpers/qshow" rcpts "$q"
	assert_output "alice@example.test
bob@example.test
carol@other.test
dave@other.test"
	"$TOP/tests/helpers/qshow" envelope "$q" | grep -qx 'F sender@other.test'
	{ printf 'Delivered-To: team-all@example.test\n'; cat "$M"; } >"$BATS_TEST_TMPDIR/want"
	"$TOP/tests/helpers/qshow" body "$q" | cmp - "$BATS_TEST_TMPDIR/want"
	[ "$(maildir_count "$ALICE")" -eq 0 ]

	# the runner's next step: each recipient from the queue file
	run local_from_queue "$q" -f sender@other.test alice@example.test
	assert_success
	f=$(maildir_only "$ALICE")
	{ printf 'Return-Path: <sender@other.test>\nDelivered-To: alice@example.test\n'; cat "$BATS_TEST_TMPDIR/want"; } | cmp - "$f"
}

@test "the null sender stays null when mail is forwarded; 8-bit mail is marked 8" {
	echo 'list: bob, carol@other.test' >>"$INST/aliases"
	printf 'Subject: x\n\n\xe9t\xe9\n' >"$M"
	run posta-local list@example.test <"$M"
	assert_success
	q=$(queue_files)
	"$TOP/tests/helpers/qshow" envelope "$q" >"$BATS_TEST_TMPDIR/env"
	grep -qx 'F ' "$BATS_TEST_TMPDIR/env"
	grep -qx '8' "$BATS_TEST_TMPDIR/env"
}

@test "an alias that names itself keeps a copy in its mailbox" {
	echo 'alice: alice, bob' >>"$INST/aliases"
	run posta-local -f s@other.test alice@example.test <"$M"
	assert_success
	assert_output --regexp '^2\.0\.0 alias expanded: 1 forwarded as [0-9A-F]+, 1 delivered, 0 commands$'
	maildir_only "$ALICE"
	run "$TOP/tests/helpers/qshow" rcpts "$(queue_files)"
	assert_output "bob@example.test"
}

@test "a forward file re-injects; the user's own address in it keeps a copy" {
	printf '# to my other address\ncarol@other.test\n' >"$ALICE/forward"
	run posta-local -f s@other.test alice@example.test <"$M"
	assert_success
	assert_output --regexp '^2\.0\.0 forwarded to 1 address as [0-9A-F]+$'
	[ "$(maildir_count "$ALICE")" -eq 0 ]
	q=$(queue_files)
	run "$TOP/tests/helpers/qshow" rcpts "$q"
	assert_output "carol@other.test"
	"$TOP/tests/helpers/qshow" envelope "$q" | grep -qx 'F s@other.test'
	"$TOP/tests/helpers/qshow" body "$q" | head -n 1 | grep -qx 'Delivered-To: alice@example.test'

	rm "$q"
	printf 'carol@other.test, alice\nCarol@other.test\n' >"$ALICE/forward"
	run posta-local -f s@other.test alice@example.test <"$M"
	assert_success
	assert_output --regexp '^2\.0\.0 delivered to alice@example.test and forwarded as [0-9A-F]+$'
	maildir_only "$ALICE"
	[ "$(queue_count)" -eq 1 ]
	run "$TOP/tests/helpers/qshow" rcpts "$(queue_files)"
	assert_output "carol@other.test"

	# local_forward_file names the file; empty turns forwards off
	conf_add 'local_forward_file ='
	run posta-local -f s@other.test alice@example.test <"$M"
	assert_output "2.0.0 delivered to alice@example.test"
	[ "$(queue_count)" -eq 1 ]
}

@test "a forward file may not run commands or include files" {
	printf '|/bin/touch %s/pwned\n' "$BATS_TEST_TMPDIR" >"$ALICE/forward"
	run posta-local alice@example.test <"$M"
	assert_failure 75
	assert_output --partial "4.3.5 $ALICE/forward:1: |command is allowed only in the aliases file"
	printf ':include:/etc/passwd\n' >"$ALICE/forward"
	run posta-local alice@example.test <"$M"
	assert_failure 75
	assert_output --partial ":include: is allowed only in the aliases file"
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	[ "$(maildir_count "$ALICE")" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
}

@test "an alias |command gets the message on stdin; its exit status decides" {
	out=$BATS_TEST_TMPDIR/out
	cat >>"$INST/aliases" <<-EOT
	prog: "|cat >$out; echo \$RECIPIENT \$SENDER \$ALIAS >$out.env"
	later: |exit 75
	broken: |exit 3
	EOT
	run posta-local -f s@other.test -i Q7 prog@example.test <"$M"
	assert_success
	assert_output "2.0.0 alias expanded: 0 forwarded, 0 delivered, 1 command"
	want s@other.test prog@example.test "$M" | cmp - "$out"
	[ "$(cat "$out.env")" = "prog@example.test s@other.test prog" ]
	run posta-local later@example.test <"$M"
	assert_failure 75
	assert_output "4.3.0 command for later exited 75"
	run posta-local broken@example.test <"$M"
	assert_failure 69
	assert_output "5.3.0 command for broken exited 3"
	conf_add 'local_command_timeout = 1s'
	echo 'slow: |sleep 30' >>"$INST/aliases"
	run posta-local slow@example.test <"$M"
	assert_failure 75
	assert_output "4.3.0 command for slow timed out"
	# also while the message is still being written to it
	python3 -c 'import sys; sys.stdout.write("Subject: big\n\n" + "x" * 99999 + "\n")' >"$M.big"
	run posta-local slow@example.test <"$M.big"
	assert_failure 75
	assert_output "4.3.0 command for slow timed out"
}

@test ":include: in the aliases file reads addresses from another file" {
	printf '# the list\nbob\ncarol@other.test, staff\n' >"$BATS_TEST_TMPDIR/members"
	cat >>"$INST/aliases" <<-EOT
	list: :include:$BATS_TEST_TMPDIR/members
	staff: dave@other.test
	gone: :include:$BATS_TEST_TMPDIR/missing
	EOT
	run posta-local -f s@other.test list@example.test <"$M"
	assert_success
	run "$TOP/tests/helpers/qshow" rcpts "$(queue_files)"
	assert_output "bob@example.test
carol@other.test
dave@other.test"
	run posta-local gone@example.test <"$M"
	assert_failure 75
	assert_output --partial "4.3.0 $BATS_TEST_TMPDIR/missing: No such file or directory"
	# an empty list bounces rather than drop the mail
	printf '# nobody yet\n' >"$BATS_TEST_TMPDIR/members"
	run posta-local list@example.test <"$M"
	assert_failure 67
	assert_output "5.1.1 alias list@example.test has no recipients"
}

@test "a Delivered-To of this address is a mail loop: 5.4.6" {
	printf 'Delivered-To: bob@example.test\nDelivered-To:\n <Alice@example.test>\nSubject: x\n\nbody\n' >"$M"
	run posta-local alice@example.test <"$M"
	assert_failure 65
	assert_output "5.4.6 mail loop: already delivered to alice@example.test"
	[ "$(maildir_count "$ALICE")" -eq 0 ]
	# in the body it is no loop
	printf 'Subject: x\n\nDelivered-To: alice@example.test\n' >"$M"
	run posta-local alice@example.test <"$M"
	assert_success
}

@test "more Received and Delivered-To fields than local_hop_limit is a mail loop" {
	conf_add 'local_hop_limit = 3'
	printf 'Received: from a\nDelivered-To: x@other.test\nReceived: from b\n\tby c\nSubject: x\n\nReceived: in the body\n' >"$M"
	run posta-local alice@example.test <"$M"
	assert_success
	printf 'Received: from z\n' | cat - "$M" >"$M.4"
	run posta-local alice@example.test <"$M.4"
	assert_failure 65
	assert_output "5.4.6 mail loop: 4 Received and Delivered-To fields (local_hop_limit 3)"
	maildir_only "$ALICE"
}

@test "an alias loop is found at once: 5.4.6, nothing queued" {
	printf 'ping: pong\npong: pang\npang: ping\n' >>"$INST/aliases"
	run posta-local ping@example.test <"$M"
	assert_failure 65
	assert_output "5.4.6 alias loop: pang names ping"
	[ "$(queue_count)" -eq 0 ]
	# and a forward loop between two hosts ends at the Delivered-To check
	printf 'carol@other.test\n' >"$ALICE/forward"
	run posta-local alice@example.test <"$M"
	assert_success
	q=$(queue_files)
	run local_from_queue "$q" alice@example.test
	assert_failure 65
	assert_output "5.4.6 mail loop: already delivered to alice@example.test"
}

@test "a broken aliases file or configuration defers the mail (75, 4.3.5)" {
	echo 'no colon here' >>"$INST/aliases"
	run posta-local alice@example.test <"$M"
	assert_failure 75
	assert_output "4.3.5 $INST/aliases:3: expected name: targets"
	run posta-local -C "$BATS_TEST_TMPDIR/none.conf" alice@example.test <"$M"
	assert_failure 75
	assert_output --partial "4.3.5 configuration:"
}

@test "a full file system is a temporary error that leaves nothing in new/, then delivery works" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	FULL=$BATS_TEST_TMPDIR/full
	mkdir -p "$FULL"
	mount -t tmpfs -o size=256k tmpfs "$FULL" || skip "cannot mount a tmpfs"
	hash=$(head -n 1 "$INST/users" | cut -d: -f2)
	echo "full@example.test:$hash:$FULL/Maildir" >>"$INST/users"
	python3 -c 'import sys; sys.stdout.buffer.write(b"Subject: big\n\n" + (b"x" * 99 + b"\n") * 1500)' >"$M"
	dd if=/dev/zero of="$FULL/filler" bs=4k count=40 2>/dev/null
	run posta-local full@example.test <"$M"
	assert_failure 75
	assert_output "4.3.1 mail system full: $FULL/Maildir"
	[ "$(maildir_count "$FULL/Maildir")" -eq 0 ]
	[ -z "$(ls -A "$FULL/Maildir/tmp")" ]
	rm "$FULL/filler"
	run posta-local full@example.test <"$M"
	assert_success
	f=$(maildir_only "$FULL/Maildir")
	want "" full@example.test "$M" | cmp - "$f"
}

@test "started as root, it delivers as mail_user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	sed -i '/^mail_user = /d' "$POSTA_CONF"
	conf_add 'mail_user = nobody'
	DROPDIR=$(mktemp -d /tmp/posta-local.XXXXXX)
	chmod 755 "$DROPDIR"
	chown nobody "$DROPDIR"
	hash=$(head -n 1 "$INST/users" | cut -d: -f2)
	echo "drop@example.test:$hash:$DROPDIR/Maildir" >>"$INST/users"
	run posta-local drop@example.test <"$M"
	assert_success
	f=$(maildir_only "$DROPDIR/Maildir")
	[ "$(stat -c %U "$f")" = nobody ]
	[ "$(stat -c %U "$DROPDIR/Maildir/new")" = nobody ]
	printf 'whoami: |id -u >%s/uid\n' "$DROPDIR" >"$INST/aliases"
	# the aliases file is root's: it is read before the drop
	chmod 600 "$INST/aliases"
	run posta-local whoami@example.test <"$M"
	assert_success
	[ "$(cat "$DROPDIR/uid")" = "$(id -u nobody)" ]
	# mail_user unknown: deferred, with a status line
	sed -i '/^mail_user = /d' "$POSTA_CONF"
	conf_add 'mail_user = no-such-account'
	run posta-local drop@example.test <"$M"
	assert_failure 75
	assert_output "4.3.5 mail_user no-such-account: no such user"
}

@test "posta-smtpd accepts at RCPT what posta-local delivers: aliases and extensions" {
	cat >>"$INST/aliases" <<-EOT
	team: alice,
	    bob
	sales@example.test: bob
	EOT
	serve posta-smtpd -m mx
	run python3 "$TOP/tests/helpers/smtpraw.py" "$PORT" '1:EHLO c.test\r\n' \
		'1:MAIL FROM:<a@c.test>\r\n' '1:RCPT TO:<alice+news@example.test>\r\n' \
		'1:RCPT TO:<team@example.test>\r\n' '1:RCPT TO:<Sales@example.test>\r\n' \
		'1:RCPT TO:<sales@localhost>\r\n' '1:RCPT TO:<nosuch+x@example.test>\r\n'
	assert_line --index -5 --partial '250 2.1.5'
	assert_line --index -4 --partial '250 2.1.5'
	assert_line --index -3 --partial '250 2.1.5'
	assert_line --index -2 --partial '550 5.1.1 <sales@localhost>'
	assert_line --index -1 --partial '550 5.1.1 <nosuch+x@example.test>'
	for a in alice+news@example.test team@example.test Sales@example.test; do
		run posta-local "$a" <"$M"
		assert_success
	done
	for a in sales@localhost nosuch+x@example.test; do
		run posta-local "$a" <"$M"
		assert_failure 67
	done
}

@test "user@[address literal] reaches the user of our domains; a malformed sender is refused" {
	run posta-local 'alice@[127.0.0.1]' <"$M"
	assert_success
	assert_output "2.0.0 delivered to alice@example.test"
	head -n 2 "$(maildir_only "$ALICE")" | grep -qx 'Delivered-To: alice@\[127.0.0.1\]'
	run posta-local -f "$(printf 'x@y.test\nX-Injected: 1')" alice@example.test <"$M"
	assert_failure 65
	assert_output --partial "5.1.7 bad sender address"
	run posta-local -f '<x@y.test>' alice@example.test <"$M"
	assert_success
	[ "$(cat $(maildir_new "$ALICE") | grep -c '^Return-Path: <x@y.test>$')" -eq 1 ]
}

@test "a message larger than message_size_limit is refused for good (5.3.4)" {
	conf_add 'message_size_limit = 20'
	run posta-local alice@example.test <"$M"
	assert_failure 65
	assert_output "5.3.4 message larger than message_size_limit (20)"
	run posta-local -L "$(stat -c %s "$M")" alice@example.test <"$M"
	assert_failure 65
	[ "$(maildir_count "$ALICE")" -eq 0 ]
}

@test "with nobody left to read its answer on the pipe (a runner killed), it delivers nothing; with a reader it delivers" {
	printf 'Subject: orphan\n\nbody\n' >"$M"
	run python3 - "$M" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)		# the runner that would read the status line is gone
with open(sys.argv[1], "rb") as m:
	p = subprocess.run(["posta-local", "-i", "Q1", "alice@example.test"],
	    stdin=m, stdout=w)
# 75, or death by SIGPIPE while it says so: either is "try again"
print(p.returncode)
PY
	assert_success
	[[ $output == 75 || $output == -13 ]]
	[ -z "$(ls -A "$ALICE/new")" ]
	[ -z "$(ls -A "$ALICE/tmp")" ]
	# the same through a pipe that is read
	run sh -c 'posta-local -i Q2 alice@example.test <"$1" | cat' sh "$M"
	assert_output "2.0.0 delivered to alice@example.test"
	[ "$(ls "$ALICE/new" | wc -l)" -eq 1 ]
}
