# Helpers for tests/imapd.bats.  load 'helpers/imapd' after helpers/common.

SUITE="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/imapsuite.py"

# Run one scenario of helpers/imapsuite.py against the server on $PORT.
scenario() {
	$SUITE "$PORT" "$INST/mail" "$1"
}

# The Maildir of a demo user.
imap_maildir() {
	echo "$INST/mail/$1"
}
