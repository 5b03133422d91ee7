# Helpers for the posta-index tests (tests/imapd.bats, tests/pop3d.bats).
# load 'helpers/mdindex' after helpers/common.

MDX_PY="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/mdindex.py"

# helpers/mdindex.py: gen, age, view, pop, poke, hdr
mdx() {
	$MDX_PY "$@"
}

# A posta.conf beside the instance's with the index turned off, for a
# server to compare with: mdx_noindex_conf prints its path.
mdx_noindex_conf() {
	cp "$POSTA_CONF" "$INST/noindex.conf"
	printf 'maildir_index = no\n' >>"$INST/noindex.conf"
	echo "$INST/noindex.conf"
}

# The index server on $PORT and the one without an index on $PORT2 show
# the same (SELECT's counts, UIDVALIDITY, UIDNEXT, UID FLAGS SIZE DATE of
# each message); the index server's view is left in $output.
mdx_same() {
	local want
	run mdx view "$PORT2"
	assert_success
	want=$output
	run mdx view "$PORT"
	assert_success
	assert_output "$want"
}

# One posta-imapd session on stdin, under strace: the files and
# directories it opened go to $1, its replies to stdout.  The commands
# follow LOGIN; LOGOUT ends them.
mdx_traced() {
	local trace=$1
	shift
	{
		printf 'a LOGIN alice@example.test posta\r\n'
		printf '%s\r\n' "$@"
		printf 'z LOGOUT\r\n'
	} | TCPREMOTEIP=127.0.0.1 strace -f -qq -e trace=open,openat \
		-o "$trace" posta-imapd
}
