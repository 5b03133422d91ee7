# Helpers for tests/pop3d.bats.  load 'helpers/pop3d' after helpers/common.

MDPUT="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/mdput.py"

# The Maildir of a demo user (alice, bob).
maildir() {
	echo "$INST/mail/$1"
}

# A message from stdin into USER's new/, named as posta-local names it.
deliver() {
	$MDPUT "$(maildir "$1")" >/dev/null
}

# COUNT generated messages into USER's new/.
deliver_many() {
	$MDPUT -n "$2" "$(maildir "$1")" >/dev/null
}

# Number of message files in USER's new/ and cur/.
msg_count() {
	find "$(maildir "$1")/new" "$(maildir "$1")/cur" -type f | wc -l
}

# Run a Python POP3 script: POP PORT <<'PY' ... PY (argv[1] is the port).
pop() {
	/usr/bin/python3 - "$PORT" "$@"
}
