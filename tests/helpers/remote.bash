# Helpers for tests/remote.bats: a sending instance, receivers on
# loopback, and posta-remote run the way the runner runs it.
# load 'helpers/common'; load 'helpers/remote'

PEER="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/smtppeer.py"

# The sending instance; as root, mail_user is nobody (posta-remote
# refuses to keep root).  The transport table is empty at first.
remote_instance() {
	make_instance
	if [ "$(id -u)" = 0 ]; then
		conf_set mail_user nobody
	fi
	: >"$INST/transport"
	conf_add "remote_transport_table = transport"
}

# route DOMAIN HOPS: one transport table line.
route() {
	printf '%s %s\n' "$1" "$2" >>"$INST/transport"
}

# peer NAME [smtppeer options]: an aiosmtpd receiver on a free port,
# logging to $BATS_TEST_TMPDIR/NAME; sets PEER_PORT.
peer() {
	local name=$1 host=127.0.0.1
	shift
	[ "${1:-}" = --host ] && host=$2
	PEER_PORT=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/$name"
	spawn $PEER "$PEER_PORT" "$BATS_TEST_TMPDIR/$name" "$@" \
		2>>"$BATS_TEST_TMPDIR/$name.stderr"
	wait_tcp "$host" "$PEER_PORT"
}

# wait_tcp HOST PORT: wait (at most ~10 s) until something listens there.
wait_tcp() {
	python3 - "$1" "$2" <<'PY'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# peer_log NAME: what the receiver saw.
peer_log() {
	cat "$BATS_TEST_TMPDIR/$1/log"
}

# queue_msg FILE ENVELOPE: queue with posta-enqueue, print the ID.
queue_msg() {
	printf '%b' "$2" >"$BATS_TEST_TMPDIR/env.$$"
	posta-enqueue <"$1" 1<"$BATS_TEST_TMPDIR/env.$$" 2>"$BATS_TEST_TMPDIR/id.$$" ||
		{ cat "$BATS_TEST_TMPDIR/id.$$" >&2; return 1; }
	cat "$BATS_TEST_TMPDIR/id.$$"
}

# deliver DEST LINES...: posta-remote with the runner's lines on stdin;
# its stdout in $output (log lines on stderr go to remote.log).
deliver() {
	local dest=$1
	shift
	run --separate-stderr posta-remote -v "$dest" < <(printf '%s\n' "$@")
	printf '%s\n' "$stderr" >>"$BATS_TEST_TMPDIR/remote.log"
}

# crlf_to_lf FILE: a received message in the queue's LF form.
crlf_to_lf() {
	sed 's/\r$//' "$1"
}
