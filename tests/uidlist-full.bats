#!/usr/bin/env bats
# The UID list on a full disk: alice's Maildir (INBOX, Archive, Sent,
# messages with UIDs in dovecot-uidlist, keywords in dovecot-keywords,
# new mail without UIDs) on a small tmpfs that is filled to the last
# page.  posta-imapd, posta-pop3d and posta-local answer what cannot be
# made durable with a temporary error, keep serving the mail that has
# UIDs, change no UID, no UIDVALIDITY, no byte of the lists, leave no
# debris; and once there is room everything completes.  The fixture and
# the clients are in helpers/uidlist-full.py.

load 'helpers/common'
load 'helpers/uidlist-full'

setup_file() {
	"$TOP/etc/posta-instance.sh" "$BATS_FILE_TMPDIR/inst" "$TOP/bin" >/dev/null
}

setup() {
	cp -a "$BATS_FILE_TMPDIR/inst" "$BATS_TEST_TMPDIR/inst"
	make_instance
	full_maildir
}

teardown() {
	full_teardown
}

@test "IMAP on a full disk: SELECT, FETCH, STORE and EXPUNGE work, APPEND, new keywords, COPY and MOVE fail as UNAVAILABLE, nothing changes; with room all completes" {
	serve posta-imapd
	disk_fill
	run ufull imap-full "$PORT" "$MD" "$BATS_TEST_TMPDIR/state"
	assert_success
	assert_output --partial 'ok '
	# the lists as they were, byte for byte (nothing could be appended),
	# no copy left in Archive, no debris
	run ufull check "$MD" "$SNAP" none
	assert_success
	cmp "$MD/dovecot-uidlist" "$SNAP/INBOX.dovecot-uidlist"
	cmp "$MD/.Sent2/dovecot-uidlist" "$SNAP/Sent.dovecot-uidlist"
	cmp "$MD/dovecot-keywords" "$SNAP/INBOX.dovecot-keywords"
	cmp "$MD/.Archive/dovecot-keywords" "$SNAP/Archive.dovecot-keywords"
	[ "$(ls "$MD/.Archive/cur" | wc -l)" -eq 2 ]
	[ "$(ls "$MD/new" | wc -l)" -eq 2 ]
	disk_free
	run ufull imap-after "$PORT" "$MD" "$BATS_TEST_TMPDIR/state"
	assert_success
	run ufull check "$MD" "$SNAP"
	assert_success
	echo "# $(checks_total) checks" >&3
}

@test "POP3 on a full disk: login, UIDL of the mail with UIDs, RETR, DELE and QUIT work; with room the new mail gets its UIDLs" {
	serve posta-pop3d
	disk_fill
	run ufull pop-full "$PORT" "$MD" "$BATS_TEST_TMPDIR/state"
	assert_success
	run ufull check "$MD" "$SNAP" none
	assert_success
	cmp "$MD/dovecot-uidlist" "$SNAP/INBOX.dovecot-uidlist"
	disk_free
	run ufull pop-after "$PORT" "$MD" "$BATS_TEST_TMPDIR/state"
	assert_success
	run ufull check "$MD" "$SNAP" INBOX
	assert_success
	echo "# $(checks_total) checks" >&3
}

@test "posta-local into a full Maildir and folder: exit 75 with 4.3.1, nothing written, IMAP still reads; with room delivered and given the next UIDs" {
	printf 'From: bob@example.test\nSubject: delivered\n\nhello\n' >"$BATS_TEST_TMPDIR/msg"
	conf_add "local_extension_folders = yes"
	serve posta-imapd
	disk_fill
	run posta-local alice@example.test <"$BATS_TEST_TMPDIR/msg"
	assert_failure 75
	assert_output "4.3.1 mail system full: $MD"
	run posta-local alice+Archive@example.test <"$BATS_TEST_TMPDIR/msg"
	assert_failure 75
	assert_output --regexp '^4\.3\.1 '
	[ "$(ls "$MD/new" | wc -l)" -eq 2 ]
	[ "$(ls "$MD/.Archive/new" | wc -l)" -eq 1 ]
	# reading goes on: the three with UIDs, a warning for the two without
	run $UFULL select "$PORT" INBOX
	assert_success
	assert_output "3 1700000001 40 36:m1 37:m2 38:m3 warn"
	run ufull check "$MD" "$SNAP" none
	assert_success
	cmp "$MD/dovecot-uidlist" "$SNAP/INBOX.dovecot-uidlist"
	disk_free
	run posta-local alice@example.test <"$BATS_TEST_TMPDIR/msg"
	assert_success
	assert_output --regexp '^2\.0\.0 '
	run posta-local alice+Archive@example.test <"$BATS_TEST_TMPDIR/msg"
	assert_success
	run $UFULL select "$PORT" INBOX
	assert_success
	assert_output "6 1700000001 43 36:m1 37:m2 38:m3 40:n1 41:n2 42:delivered "
	run $UFULL select "$PORT" Archive
	assert_success
	assert_output "4 1700000002 52 47:a1 48:a2 50:a3 51:delivered "
	run ufull check "$MD" "$SNAP"
	assert_success
}

@test "no inode left (no lock file can be made): IMAP reads the mail with UIDs, changes fail as UNAVAILABLE, posta-local says 4.3.1; with inodes back all completes" {
	printf 'From: bob@example.test\nSubject: delivered\n\nhello\n' >"$BATS_TEST_TMPDIR/msg"
	serve posta-imapd
	run ufull inodes-fill "$MD"
	assert_success
	run ufull imap-noinode "$PORT" "$MD"
	assert_success
	run posta-local alice@example.test <"$BATS_TEST_TMPDIR/msg"
	assert_failure 75
	assert_output "4.3.1 mail system full: $MD"
	run ufull check "$MD" "$SNAP" none
	assert_success
	cmp "$MD/dovecot-uidlist" "$SNAP/INBOX.dovecot-uidlist"
	[ "$(ls "$MD/new" | wc -l)" -eq 2 ]
	rm -r "$MD/inodes"
	run $UFULL select "$PORT" INBOX
	assert_success
	assert_output "5 1700000001 42 36:m1 37:m2 38:m3 40:n1 41:n2 "
	run ufull check "$MD" "$SNAP" INBOX
	assert_success
	echo "# $(checks_total) checks" >&3
}
