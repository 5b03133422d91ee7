#!/usr/bin/env bats
# posta-sendmail: the sendmail-compatible injector.

load 'helpers/common'

setup() {
	make_instance
}

teardown() {
	stop_all
}

qfile() {
	find "$QDIR/queue" -type f
}

body() {
	"$TOP/tests/helpers/qshow" body "$(qfile)"
}

rcpts() {
	"$TOP/tests/helpers/qshow" rcpts "$(qfile)"
}

envelope() {
	"$TOP/tests/helpers/qshow" envelope "$(qfile)"
}

@test "recipients on the command line are queued with the user as sender" {
	printf 'Subject: hi\n\nhello\n' | posta-sendmail bob@example.test carol@example.test
	run rcpts
	assert_output "$(printf 'bob@example.test\ncarol@example.test')"
	run envelope
	assert_line "F $(id -un)@example.test"
}

@test "-t takes recipients from folded and grouped To, Cc and Bcc and removes Bcc" {
	printf '%s\n' 'To: Alice <alice@example.test>, bob' \
		'Cc: undisclosed-recipients:;, "Doe, Jane" <jane@x.example>' \
		'  , friends: a@b.example, (comment) c@d.example;' \
		'Bcc: secret@example.test,' \
		'	other@example.test' \
		'Subject: t' '' 'body' | posta-sendmail -t
	run rcpts
	assert_output "$(printf '%s\n' alice@example.test bob@example.test jane@x.example a@b.example c@d.example secret@example.test other@example.test)"
	run body
	refute_output --partial 'Bcc'
	refute_output --partial 'secret@'
	refute_output --partial 'other@example.test'
	assert_output --partial 'To: Alice <alice@example.test>, bob'
}

@test "-t adds command-line recipients to those of the header, each once" {
	printf 'To: bob@example.test\n\nx\n' | posta-sendmail -t bob@example.test dave@example.test
	run rcpts
	assert_output "$(printf 'bob@example.test\ndave@example.test')"
}

@test "-t uses Resent- fields when the message has them" {
	printf 'To: old@example.test\nResent-To: new@example.test\n\nx\n' | posta-sendmail -t
	run rcpts
	assert_output 'new@example.test'
}

@test "a lone dot ends the message unless -i or -oi is given" {
	printf 'Subject: d\n\none\n.\ntwo\n' | posta-sendmail bob@example.test
	run body
	assert_output --partial 'one'
	refute_output --partial 'two'
	rm -f "$(qfile)"
	printf 'Subject: d\n\none\n.\ntwo\n' | posta-sendmail -oi bob@example.test
	run body
	assert_output --partial "$(printf 'one\n.\ntwo')"
	rm -f "$(qfile)"
	printf 'Subject: d\n\none\n.\ntwo\n' | posta-sendmail -i bob@example.test
	run body
	assert_output --partial "$(printf 'one\n.\ntwo')"
}

@test "Date, Message-ID and From are added when missing, from the login and -F" {
	printf 'Subject: x\n\nbody\n' | posta-sendmail -F 'Joe Q. Public' bob@example.test
	run body
	assert_line --regexp '^Date: [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4}$'
	assert_line --regexp '^Message-ID: <[^@]+@mail\.example\.test>$'
	assert_line "From: \"Joe Q. Public\" <$(id -un)@example.test>"
}

@test "headers the message has are not added again" {
	printf 'From: me@example.test\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <x@y>\n\nbody\n' | posta-sendmail bob@example.test
	run body
	[ "$(grep -c '^From:' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^Date:' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^Message-ID:' <<<"$output")" -eq 1 ]
}

@test "-f and -r set the envelope sender, and <> is the null sender" {
	echo x | posta-sendmail -f boss@example.test bob@example.test
	run envelope
	assert_line 'F boss@example.test'
	rm -f "$(qfile)"
	echo x | posta-sendmail -r other@example.test bob@example.test
	run envelope
	assert_line 'F other@example.test'
	rm -f "$(qfile)"
	echo x | posta-sendmail -f '<>' bob@example.test
	run envelope
	assert_line 'F '
}

@test "an empty recipient list is an error with status 64" {
	run posta-sendmail </dev/null
	assert_failure 64
	assert_output --partial 'no recipients'
	run bash -c 'printf "Subject: none\n\nx\n" | posta-sendmail -t'
	assert_failure 64
	[ -z "$(qfile)" ]
}

@test "a bad address is refused and nothing is queued" {
	run bash -c 'echo x | posta-sendmail "bad address@@x"'
	assert_failure 64
	run bash -c 'printf "To: a@b@c\n\nx\n" | posta-sendmail -t'
	assert_failure 65
	[ -z "$(qfile)" ]
}

@test "common sendmail options are accepted and do nothing harmful" {
	echo x | posta-sendmail -odi -odb -oem -oep -om -L tag -h 5 -U -n -bm bob@example.test
	[ -n "$(qfile)" ]
}

@test "CRLF input is stored with LF line endings" {
	printf 'Subject: c\r\n\r\nline\r\n' | posta-sendmail bob@example.test
	run body
	refute_output --partial $'\r'
	assert_output --partial $'\nline'
}

@test "a message without a header gets one, separated from the body" {
	printf 'just text\nmore\n' | posta-sendmail bob@example.test
	run body
	assert_output --regexp $'Message-ID: [^\n]+\n\njust text\nmore'
}

@test "DSN options -N, -R and -V reach the envelope" {
	echo x | posta-sendmail -N success,delay -R hdrs -V abc123 bob@example.test
	run envelope
	assert_line 'E abc123'
	assert_line 'N HDRS'
	assert_line --partial 'SUCCESS,DELAY'
}

@test "8-bit content and UTF-8 addresses are flagged for the SMTP side" {
	printf 'Subject: caf\xc3\xa9\n\nd\xc3\xa9j\xc3\xa0\n' | posta-sendmail bob@example.test
	printf 'Subject: caf\xc3\xa9\n\nx\n' | posta-sendmail "$(printf 'j\xc3\xb6rg@example.test')"
	for f in $(qfile); do
		"$TOP/tests/helpers/qshow" envelope "$f" | grep -qx 8
	done
	"$TOP/tests/helpers/qshow" envelope "$(grep -l "$(printf '\xc3\xb6')" $(qfile) | head -1)" | grep -qx U
}

@test "-v prints the queue ID" {
	run bash -c 'echo x | posta-sendmail -v bob@example.test'
	assert_success
	assert_output --regexp 'queued as [0-9A-F]{20}'
}

@test "a configuration error stops sendmail with status 78" {
	conf_add 'bogus = 1'
	run bash -c 'echo x | posta-sendmail bob@example.test'
	assert_failure 78
}
