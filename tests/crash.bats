#!/usr/bin/env bats
# Crashes of the whole path: 2000 messages through posta-smtpd while
# posta-enqueue, posta-queue-runner and posta-local are killed with
# SIGKILL at random moments.  What got a 250 is delivered, in the end;
# only what was in flight may come twice (the count is printed).

load 'helpers/common'
load 'helpers/runner'
load 'helpers/privs'
load 'helpers/crash'

SEND="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/crashsend.py"

setup() {
	make_instance
	USERS="alice bob"
	for i in 1 2 3 4; do
		add_user "c$i"
		USERS="$USERS c$i"
	done
	# a killed delivery is tried again within the test
	conf_add "queue_local_procs = 4" "queue_retry_min = 1s" \
		"queue_retry_max = 2s"
}

teardown() {
	touch "$BATS_TEST_TMPDIR/stop-killer" "$BATS_TEST_TMPDIR/stop-runner"
	stop_all
}

@test "2000 messages over SMTP while posta-enqueue, the runner and posta-local die by SIGKILL: every 250 is delivered" {
	serve posta-smtpd -m mx
	ts=$(head -n 1 "$BATS_TEST_TMPDIR/pids")
	# the runner, started again each time it is killed
	spawn sh -c 'while [ ! -e "$1" ]; do posta-queue-runner -d 2>>"$2"; done' \
		sh "$BATS_TEST_TMPDIR/stop-runner" "$BATS_TEST_TMPDIR/runner.log"
	loop=$(tail -n 1 "$BATS_TEST_TMPDIR/pids")
	killer "$BATS_TEST_TMPDIR/stop-killer" "$ts" "$loop" \
		"$BATS_TEST_TMPDIR/kills" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	: >"$BATS_TEST_TMPDIR/kills"

	# shellcheck disable=SC2086
	$SEND "$PORT" 4 2000 "$BATS_TEST_TMPDIR/sent" $USERS
	touch "$BATS_TEST_TMPDIR/stop-killer"
	# the queue drains once nothing is killed any more
	for _ in $(seq 1 1200); do
		[ "$(queue_count)" -eq 0 ] && break
		sleep 0.05
	done
	touch "$BATS_TEST_TMPDIR/stop-runner"

	accepted=$(grep -c '^250 ' "$BATS_TEST_TMPDIR/sent")
	# shellcheck disable=SC2086
	crash_delivered $USERS | sort -n >"$BATS_TEST_TMPDIR/delivered"
	sort -u -n "$BATS_TEST_TMPDIR/delivered" >"$BATS_TEST_TMPDIR/unique"
	sed -n 's/^250 //p' "$BATS_TEST_TMPDIR/sent" | sort -n >"$BATS_TEST_TMPDIR/ok"
	missing=$(comm -23 "$BATS_TEST_TMPDIR/ok" "$BATS_TEST_TMPDIR/unique" | wc -l)
	extra=$(comm -13 "$BATS_TEST_TMPDIR/ok" "$BATS_TEST_TMPDIR/unique" | wc -l)
	twice=$(( $(wc -l <"$BATS_TEST_TMPDIR/delivered") - $(wc -l <"$BATS_TEST_TMPDIR/unique") ))
	echo "# $(wc -l <"$BATS_TEST_TMPDIR/kills") kills ($(grep -c enqueue "$BATS_TEST_TMPDIR/kills") posta-enqueue, $(grep -c runner "$BATS_TEST_TMPDIR/kills") runner, $(grep -c local "$BATS_TEST_TMPDIR/kills") posta-local); $accepted of 2000 got a 250; $missing of those lost; $twice delivered twice; $extra delivered without a 250" >&3
	# the test killed something of each kind, and the traffic went on
	grep -q enqueue "$BATS_TEST_TMPDIR/kills"
	grep -q runner "$BATS_TEST_TMPDIR/kills"
	grep -q local "$BATS_TEST_TMPDIR/kills"
	[ "$accepted" -ge 1000 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$missing" -eq 0 ]
}
