#!/usr/bin/env bats
# posta-passwd: the users file and new mailboxes.

load 'helpers/common'
load 'helpers/mailbox'

PATH=/usr/bin:$PATH

# posta-passwd needs no TLS: empty key and certificate files spare
# posta-instance.sh the making of a real pair.
setup() {
	mkdir -p "$BATS_TEST_TMPDIR/inst"
	: >"$BATS_TEST_TMPDIR/inst/tls.key"
	: >"$BATS_TEST_TMPDIR/inst/tls.crt"
	make_instance
}

add() {
	printf '%s\n' "$2" | posta-passwd add "$1"
}

@test "the instance's demo users have yescrypt hashes of posta and their Maildirs" {
	h=$(user_hash alice@example.test)
	[[ $h == '$y$'* ]]
	hash_verifies posta "$h"
	run hash_verifies postb "$h"
	assert_failure
	grep -qx "bob@example.test:.*:mail/bob" "$INST/users"
	for d in cur new tmp .Sent/cur .Drafts/new .Trash/tmp .Junk/cur .Archive/cur; do
		[ -d "$INST/mail/alice/$d" ]
	done
	[ -f "$INST/mail/alice/.Sent/maildirfolder" ]
}

@test "new mailboxes have their special folders subscribed as Dovecot writes it" {
	add carol@example.test s3cret
	printf 'V\t2\n\nSent\nDrafts\nTrash\nJunk\nArchive\n' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$INST/mail/carol/subscriptions"
}

@test "sha512-crypt hashes are the ones openssl computes" {
	printf 'pw one\n' | posta-passwd -m sha512-crypt add dave@example.test
	h=$(user_hash dave@example.test)
	[[ $h == '$6$'* ]]
	salt=$(printf '%s' "$h" | cut -d'$' -f3)
	[ "$(openssl passwd -6 -salt "$salt" 'pw one')" = "$h" ]
	run posta-passwd list
	assert_line --partial "dave@example.test	sha512-crypt	$INST/mail/dave"
}

@test "bcrypt hashes verify with libcrypt" {
	conf_add "password_scheme = bcrypt"
	add erin@example.test 'b c'
	h=$(user_hash erin@example.test)
	[[ $h == '$2b$'* ]]
	hash_verifies 'b c' "$h"
}

@test "check takes the right password and refuses a wrong one and an unknown user alike" {
	run bash -c 'printf "posta\n" | posta-passwd check alice@example.test'
	assert_success
	run bash -c 'printf "wrong\n" | posta-passwd check alice@example.test'
	[ "$status" -eq 77 ]
	wrong=$output
	run bash -c 'printf "posta\n" | posta-passwd check nobody@example.test'
	[ "$status" -eq 77 ]
	[ "${output/nobody/alice}" = "$wrong" ]
}

@test "a hash of another scheme never matches" {
	echo "old@example.test:$(openssl passwd -1 -salt ab posta):mail/old" >>"$INST/users"
	echo "off@example.test:!$(user_hash alice@example.test):mail/off" >>"$INST/users"
	run bash -c 'printf "posta\n" | posta-passwd check old@example.test'
	[ "$status" -eq 77 ]
	run bash -c 'printf "posta\n" | posta-passwd check off@example.test'
	[ "$status" -eq 77 ]
	run posta-passwd list
	assert_line "old@example.test	-	$INST/mail/old"
}

@test "passwd changes the hash and keeps the rest of the line" {
	before=$(user_hash bob@example.test)
	printf 'n3w\n' | posta-passwd passwd bob@example.test
	after=$(user_hash bob@example.test)
	[ "$before" != "$after" ]
	hash_verifies n3w "$after"
	grep -qx "bob@example.test:.*:mail/bob" "$INST/users"
	run bash -c 'printf "posta\n" | posta-passwd check bob@example.test'
	[ "$status" -eq 77 ]
	run bash -c 'printf "x\n" | posta-passwd passwd nobody@example.test'
	[ "$status" -eq 67 ]
}

@test "delete removes the user and keeps the mailbox" {
	run posta-passwd delete Bob@Example.Test
	assert_success
	run grep -c '^bob@' "$INST/users"
	assert_output 0
	grep -q '^alice@example.test:' "$INST/users"
	[ -d "$INST/mail/bob/cur" ]
	run posta-passwd delete bob@example.test
	[ "$status" -eq 67 ]
	assert_output --partial "no user bob@example.test"
}

@test "an address that is there already is refused and the file stays as it was" {
	cp "$INST/users" "$BATS_TEST_TMPDIR/before"
	run bash -c 'printf "x\n" | posta-passwd add ALICE@example.test'
	[ "$status" -eq 65 ]
	cmp "$BATS_TEST_TMPDIR/before" "$INST/users"
	for a in 'no-at-sign' 'a:b@example.test' 'a b@example.test' '@example.test' 'x@'; do
		run bash -c "printf 'x\n' | posta-passwd add '$a'"
		[ "$status" -eq 65 ]
	done
	run bash -c ': | posta-passwd add frank@example.test'
	[ "$status" -eq 65 ]
	assert_output --partial "empty password"
	run bash -c 'printf "x\n" | posta-passwd -m md5 add frank@example.test'
	[ "$status" -eq 64 ]
	cmp "$BATS_TEST_TMPDIR/before" "$INST/users"
	[ ! -e "$INST/mail/frank" ]
}

@test "comments, other lines and the file's mode are kept" {
	printf '# the users\n\n' | cat - "$INST/users" >"$INST/users.new"
	mv "$INST/users.new" "$INST/users"
	chmod 640 "$INST/users"
	add gina@example.test pw
	[ "$(head -1 "$INST/users")" = "# the users" ]
	[ "$(stat -c %a "$INST/users")" = 640 ]
	[ "$(grep -c @ "$INST/users")" -eq 3 ]
	[ ! -e "$INST/users.tmp"* ]
}

@test "a Maildir given or already there is completed, not replaced" {
	mkdir -p "$INST/mail/hal/cur"
	echo keep >"$INST/mail/hal/cur/1.M1P1.h:2,S"
	add hal@example.test pw
	[ "$(cat "$INST/mail/hal/cur/1.M1P1.h:2,S")" = keep ]
	[ -d "$INST/mail/hal/.Trash/cur" ]
	printf 'pw\n' | posta-passwd add hal@other.test "$BATS_TEST_TMPDIR/elsewhere"
	[ -d "$BATS_TEST_TMPDIR/elsewhere/.Junk/new" ]
	run posta-passwd list
	assert_line "hal@other.test	yescrypt	$BATS_TEST_TMPDIR/elsewhere"
	# alice@other.test: mail/alice is taken, so it goes under the domain
	add alice@other.test pw
	grep -qx 'alice@other.test:.*:mail/other.test/alice' "$INST/users"
}

@test "the password prompt does not echo and asks twice" {
	run on_pty 'Hidden-Pw;Hidden-Pw' posta-passwd add ivy@example.test
	assert_success
	assert_output --partial "Password for ivy@example.test:"
	assert_output --partial "Again:"
	refute_output --partial "Hidden-Pw"
	hash_verifies Hidden-Pw "$(user_hash ivy@example.test)"
	run on_pty 'one;two' posta-passwd passwd ivy@example.test
	[ "$status" -eq 65 ]
	assert_output --partial "the passwords differ"
	hash_verifies Hidden-Pw "$(user_hash ivy@example.test)"
}

@test "changes made at the same time all land" {
	for i in 1 2 3 4 5 6 7 8; do
		(printf 'pw\n' | posta-passwd add "u$i@example.test") &
	done
	printf 'changed\n' | posta-passwd passwd alice@example.test &
	wait
	for i in 1 2 3 4 5 6 7 8; do
		grep -q "^u$i@example.test:" "$INST/users"
	done
	hash_verifies changed "$(user_hash alice@example.test)"
	[ "$(grep -c @ "$INST/users")" -eq 10 ]
}

@test "usage and a missing users_file setting" {
	run posta-passwd
	[ "$status" -eq 64 ]
	assert_output --partial "usage: posta-passwd"
	run posta-passwd frobnicate x
	[ "$status" -eq 64 ]
	sed -i '/^users_file/d' "$POSTA_CONF"
	run posta-passwd list
	[ "$status" -eq 78 ]
}

@test "Dovecot lists a new mailbox's folders and subscriptions" {
	add jo@example.test pw
	run doveadm_on "$INST/mail/jo" mailbox list
	assert_success
	for f in INBOX Sent Drafts Trash Junk Archive; do
		assert_line "$f"
	done
	run doveadm_on "$INST/mail/jo" mailbox list -s
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	for f in Sent Drafts Trash Junk Archive; do
		assert_line "$f"
	done
}
