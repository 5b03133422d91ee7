# Shared helpers for the bats tests.  load 'helpers/common'
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=$TOP/bin
# Debian's python3 (the tests use its packages; a pyenv shim costs seconds a call)
export PATH="$BIN:/usr/bin:$PATH"

# A private instance in the test's own folder; sets INST and POSTA_CONF.
make_instance() {
	INST=$BATS_TEST_TMPDIR/inst
	"$TOP/etc/posta-instance.sh" "$INST" "$BIN" >/dev/null
	export POSTA_CONF=$INST/posta.conf
	QDIR=$INST/queue
}

# Append "key = value" lines to the instance's posta.conf.
conf_add() {
	printf '%s\n' "$@" >>"$POSTA_CONF"
}

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait (at most ~10 s) until something listens on 127.0.0.1:$1.
wait_port() {
	python3 - "$1" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# Start a command under tcpserver on a free port; sets PORT, records the PID.
# usage: serve CMD ARGS...
serve() {
	PORT=$(free_port)
	# -b: a backlog of 100, not 20, for the tests that connect many at once
	tcpserver -R -H -l 0 -c 200 -b 100 127.0.0.1 "$PORT" "$@" 3>&- 2>>"$BATS_TEST_TMPDIR/tcpserver.log" &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	wait_port "$PORT"
}

# Start a background process and remember it for teardown.
spawn() {
	"$@" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
}

stop_all() {
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null
	done <"$BATS_TEST_TMPDIR/pids"
	while read -r pid; do
		wait "$pid" 2>/dev/null
	done <"$BATS_TEST_TMPDIR/pids"
	rm -f "$BATS_TEST_TMPDIR/pids"
}

# Number of committed messages in the queue.
queue_count() {
	find "$QDIR/queue" -type f | wc -l
}

# Set a key in the instance's posta.conf, replacing an earlier value.
conf_set() {
	sed -i "/^$1 *=/d" "$POSTA_CONF"
	printf '%s = %s\n' "$1" "$2" >>"$POSTA_CONF"
}
