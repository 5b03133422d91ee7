# Helpers of tests/crash.bats.  load 'helpers/crash' after helpers/common,
# helpers/runner and helpers/privs.

# PIDs below $1 (see descendants) whose command is $2.
descendants_named() {
	local p
	for p in $(descendants "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && echo "$p"
	done
}

# Until the file $1 exists: every 0.1 to 0.4 s, SIGKILL one posta-enqueue
# below tcpserver $2, the runner started by loop $3, or one posta-local
# below it, at random; one line per kill in $4.  Only processes of this
# test's own trees are touched.
killer() {
	local stop=$1 ts=$2 loop=$3 log=$4 victims v what
	while [ ! -e "$stop" ]; do
		sleep "0.$((RANDOM % 4 + 1))"
		case $((RANDOM % 3)) in
		0) what=posta-enqueue; victims=$(descendants_named "$ts" posta-enqueue) ;;
		1) what=posta-queue-runner; victims=$(descendants_named "$loop" posta-queue-runner) ;;
		*) what=posta-local; victims=$(descendants_named "$loop" posta-local) ;;
		esac
		[ -n "$victims" ] || continue
		v=$(printf '%s\n' $victims | shuf -n 1)
		kill -9 "$v" 2>/dev/null && echo "$what $v" >>"$log"
	done
}

# "K" of every "Subject: crash K" delivered to the users named, one a line.
crash_delivered() {
	local u
	for u in "$@"; do
		mail_files "$u"
	done | xargs -r grep -h '^Subject: crash ' | sed 's/^Subject: crash //'
}
