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

# make_instance once per file (setup_file), then a copy per test: the
# instance holds only relative paths but program_dir, so a copy works
# and saves the users' password hashing and the certificate each time.
pop3d_template() {
	mkdir -p "$BATS_FILE_TMPDIR/template"
	"$TOP/etc/posta-instance.sh" "$BATS_FILE_TMPDIR/template" "$BIN" >/dev/null
}

pop3d_instance() {
	INST=$BATS_TEST_TMPDIR/inst
	cp -a "$BATS_FILE_TMPDIR/template" "$INST"
	export POSTA_CONF=$INST/posta.conf
	QDIR=$INST/queue
}
