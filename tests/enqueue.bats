#!/usr/bin/env bats
# posta-enqueue: the queue's only writer.

load 'helpers/common'

setup() {
	make_instance
}

teardown() {
	stop_all
	if [ -n "${TMPFS:-}" ]; then umount "$TMPFS" 2>/dev/null || true; fi
}

# enqueue MESSAGEFILE ENVELOPE-TEXT: runs posta-enqueue, sets status/output
enqueue() {
	printf '%b' "$2" >"$BATS_TEST_TMPDIR/env"
	run bash -c 'posta-enqueue <"$1" 1<"$2"' _ "$1" "$BATS_TEST_TMPDIR/env"
}

only_file() {
	local f
	f=$(find "$QDIR/queue" -type f)
	[ "$(printf '%s\n' "$f" | grep -c .)" -eq 1 ] || { echo "expected one queued file, got: $f"; return 1; }
	echo "$f"
}

@test "a text message round-trips byte for byte with its envelope" {
	printf 'Subject: hello\n\nline one\nline two\n' >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F alice@example.test\nR bob@example.test\n'
	assert_success
	f=$(only_file)
	cmp "$BATS_TEST_TMPDIR/m" <("$TOP/tests/helpers/qshow" body "$f")
	run "$TOP/tests/helpers/qshow" envelope "$f"
	assert_line 'F alice@example.test'
	assert_line --regexp '^R P 0000000000 0000 - - bob@example.test$'
	assert_line '.'
}

@test "8-bit and binary bodies with NUL bytes round-trip unchanged" {
	{ printf 'Subject: bin\n\n'; head -c 65536 /dev/urandom; printf '\r\n\r.\r\n\0\0end'; } >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n8\n'
	assert_success
	cmp "$BATS_TEST_TMPDIR/m" <("$TOP/tests/helpers/qshow" body "$(only_file)")
}

@test "a 20 MB message round-trips unchanged" {
	head -c 20971520 /dev/urandom | base64 >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_success
	cmp "$BATS_TEST_TMPDIR/m" <("$TOP/tests/helpers/qshow" body "$(only_file)")
}

@test "an empty message is queued as an empty message" {
	: >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_success
	run "$TOP/tests/helpers/qshow" body "$(only_file)"
	assert_output ''
}

@test "DSN parameters, the null sender and quoted local parts are kept" {
	echo hi >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F \nE ab+2Bc\nN HDRS\nR "john doe"@example.test NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;j+40example.test\n'
	assert_success
	run "$TOP/tests/helpers/qshow" envelope "$(only_file)"
	assert_line 'F '
	assert_line 'E ab+2Bc'
	assert_line 'N HDRS'
	assert_line 'R P 0000000000 0000 SUCCESS,FAILURE rfc822;j+40example.test "john doe"@example.test'
}

@test "the queue ID is printed on standard error when fd 1 is not a socket" {
	echo hi >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_success
	assert_output --regexp '^[0-9A-F]{20}$'
	[ -f "$QDIR/queue/$output" ]
}

@test "the queue ID comes back on fd 1 when fd 1 is a socket" {
	run python3 - "$BIN/posta-enqueue" <<'PY'
import os, socket, subprocess, sys
a, b = socket.socketpair()
r, w = os.pipe()
p = subprocess.Popen([sys.argv[1]], stdin=r, stdout=b.fileno())
os.close(r); b.close()
os.write(w, b"Subject: x\n\nhello\n"); os.close(w)
a.sendall(b"F a@example.test\nR b@example.test\n\n")
print(a.recv(100).decode().strip(), p.wait())
PY
	assert_success
	assert_output --regexp '^[0-9A-F]{20} 0$'
}

@test "100 parallel enqueues all land with distinct IDs" {
	printf 'Subject: p\n\nx\n' >"$BATS_TEST_TMPDIR/m"
	printf 'F a@example.test\nR b@example.test\n' >"$BATS_TEST_TMPDIR/env"
	for i in $(seq 100); do
		posta-enqueue <"$BATS_TEST_TMPDIR/m" 1<"$BATS_TEST_TMPDIR/env" 2>>"$BATS_TEST_TMPDIR/ids" &
	done
	wait
	[ "$(queue_count)" -eq 100 ]
	[ "$(sort -u "$BATS_TEST_TMPDIR/ids" | wc -l)" -eq 100 ]
	[ "$(find "$QDIR/tmp" -type f | wc -l)" -eq 0 ]
}

@test "malformed envelopes are refused with status 65 and nothing is queued" {
	echo hi >"$BATS_TEST_TMPDIR/m"
	long=$(printf 'a%.0s' $(seq 300))
	for env in 'F a@example.test\n' 'R b@example.test\n' '' \
	    'F a@example.test\nR b@exa\0mple.test\n' \
	    "F a@example.test\nR $long@example.test\n" \
	    'F a@example.test\nR not an address\n' \
	    'F a@example.test\nF c@example.test\nR b@example.test\n' \
	    'F a@example.test\nR b@example.test NOTIFY=\n' \
	    'F a@example.test\nR b@example.test NOTIFY=NEVER,BOGUS\n' \
	    'F a@example.test\nR b@example.test.\n' \
	    'F a@example.test\nX what\nR b@example.test\n' \
	    'F a@example.test\nR @relay.example:b@example.test\n'; do
		enqueue "$BATS_TEST_TMPDIR/m" "$env"
		assert_failure 65
	done
	[ "$(queue_count)" -eq 0 ]
	[ "$(find "$QDIR/tmp" -type f | wc -l)" -eq 0 ]
}

@test "a message over message_size_limit is refused and nothing is queued" {
	conf_set message_size_limit 1k
	head -c 2000 /dev/zero >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_failure 65
	[ "$(queue_count)" -eq 0 ]
	[ "$(find "$QDIR/tmp" -type f | wc -l)" -eq 0 ]
}

@test "an unknown key in posta.conf is an error naming the file and line" {
	conf_add 'no_such_key = 1'
	echo hi >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_failure 78
	assert_output --regexp "posta.conf:[0-9]+: unknown key \"no_such_key\""
}

@test "a full file system gives EX_TEMPFAIL and leaves nothing half-written" {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	TMPFS=$BATS_TEST_TMPDIR/small
	mkdir -p "$TMPFS"
	mount -t tmpfs -o size=512k tmpfs "$TMPFS"
	mkdir -p "$TMPFS/q/tmp" "$TMPFS/q/queue" "$TMPFS/q/hold"
	conf_set queue_dir "$TMPFS/q"
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_failure 75
	[ "$(find "$TMPFS/q" -type f | wc -l)" -eq 0 ]
	# and with space it works again
	echo small >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_success
	[ "$(find "$TMPFS/q/queue" -type f | wc -l)" -eq 1 ]
}

@test "kill -9 at every system call before the commit leaves nothing visible" {
	command -v strace >/dev/null || fail "strace is needed"
	printf 'Subject: k\n\nbody\n' >"$BATS_TEST_TMPDIR/m"
	printf 'F a@example.test\nR b@example.test\n' >"$BATS_TEST_TMPDIR/env"
	# a message written in one go, and one that streams in chunks
	{ printf 'Subject: k\n\n'; head -c 150000 /dev/urandom | base64; } >"$BATS_TEST_TMPDIR/big"
	# Each syscall of the write path, killed at its 1st, 2nd and 3rd call.
	for m in m big; do
		for sc in openat read write writev pwrite64 fdatasync close rename; do
			for n in 1 2 3; do
				strace -f -o /dev/null -e trace=$sc -e inject=$sc:signal=KILL:when=$n \
					"$BIN/posta-enqueue" <"$BATS_TEST_TMPDIR/$m" 1<"$BATS_TEST_TMPDIR/env" 2>/dev/null || true
				# nothing half-made is ever in queue/: a file there is whole
				for f in $(find "$QDIR/queue" -type f); do
					cmp "$BATS_TEST_TMPDIR/$m" <("$TOP/tests/helpers/qshow" body "$f")
					"$TOP/tests/helpers/qshow" envelope "$f" | grep -qx '\.'
					rm -f "$f"
				done
			done
		done
	done
	# a kill at the rename itself never makes a message visible
	strace -f -o /dev/null -e trace=rename -e inject=rename:signal=KILL \
		"$BIN/posta-enqueue" <"$BATS_TEST_TMPDIR/m" 1<"$BATS_TEST_TMPDIR/env" 2>/dev/null || true
	[ "$(queue_count)" -eq 0 ]
}

@test "kill -9 at random moments while the message streams in leaves nothing visible" {
	for i in $(seq 20); do
		mkfifo "$BATS_TEST_TMPDIR/fifo$i"
		# the writer never gets to the envelope: enqueue cannot commit
		( printf 'Subject: s\n\n'; for j in $(seq 50); do echo "line $j"; sleep 0.01; done; sleep 5 ) >"$BATS_TEST_TMPDIR/fifo$i" &
		writer=$!
		posta-enqueue <"$BATS_TEST_TMPDIR/fifo$i" 1</dev/null 2>/dev/null &
		pid=$!
		sleep "0.0$((RANDOM % 9))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		kill "$writer" 2>/dev/null || true
		wait "$writer" 2>/dev/null || true
	done
	[ "$(queue_count)" -eq 0 ]
}

@test "each message costs at most two fsync or fdatasync calls" {
	command -v strace >/dev/null || fail "strace is needed"
	printf 'Subject: s\n\nbody\n' >"$BATS_TEST_TMPDIR/m"
	printf 'F a@example.test\nR b@example.test\n' >"$BATS_TEST_TMPDIR/env"
	strace -f -c -o "$BATS_TEST_TMPDIR/trace" -e trace=fsync,fdatasync,sync_file_range,syncfs,sync \
		"$BIN/posta-enqueue" <"$BATS_TEST_TMPDIR/m" 1<"$BATS_TEST_TMPDIR/env" 2>/dev/null
	calls=$(awk '$NF ~ /sync/ { n += $4 } END { print n + 0 }' "$BATS_TEST_TMPDIR/trace")
	echo "sync calls: $calls"
	[ "$calls" -ge 1 ] && [ "$calls" -le 2 ]
}

@test "a message under 64 KiB goes into its queue file in one write" {
	command -v strace >/dev/null || fail "strace is needed"
	{ printf 'Subject: w\n\n'; head -c 40000 /dev/urandom | base64; } >"$BATS_TEST_TMPDIR/m"
	printf 'F a@example.test\nR b@example.test\n' >"$BATS_TEST_TMPDIR/env"
	strace -y -o "$BATS_TEST_TMPDIR/trace" -e trace=write,writev,pwrite64 \
		"$BIN/posta-enqueue" <"$BATS_TEST_TMPDIR/m" 1<"$BATS_TEST_TMPDIR/env" 2>/dev/null
	grep "/queue/tmp/" "$BATS_TEST_TMPDIR/trace"
	[ "$(grep -c "/queue/tmp/" "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
	f=$(only_file)
	cmp "$BATS_TEST_TMPDIR/m" <("$TOP/tests/helpers/qshow" body "$f")
}

@test "posta-enqueue wakes a runner waiting on the trigger FIFO" {
	exec 5<>"$QDIR/trigger"
	echo hi >"$BATS_TEST_TMPDIR/m"
	enqueue "$BATS_TEST_TMPDIR/m" 'F a@example.test\nR b@example.test\n'
	assert_success
	run timeout 2 dd bs=1 count=1 status=none <&5
	exec 5<&-
	assert_success
}
