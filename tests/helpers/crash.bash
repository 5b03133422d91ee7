# Helpers of tests/crash.bats.  load 'helpers/crash' after helpers/common
# and helpers/runner.

# PIDs below $1 whose command is $2, from one read of /proc (fast
# enough to catch a posta-enqueue or posta-local that lives some ms).
descendants_named() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" \
	    -v name="$(printf '%.15s' "$2")" '
		{
			# pid (comm) state ppid ...; comm may hold spaces
			l = index($0, " ("); r = match($0, /\) [A-Za-z] /)
			pid = substr($0, 1, l - 1)
			comm[pid] = substr($0, l + 2, r - l - 2)
			split(substr($0, r + 2), f, " ")
			ppid[pid] = f[2]
		}
		END {
			for (p in ppid) {
				if (comm[p] != name)
					continue
				for (q = ppid[p]; q != "" && q > 1; q = ppid[q])
					if (q == root) {
						print p
						break
					}
			}
		}'
}

# Until the file $1 exists: every 0.05 to 0.2 s, SIGKILL the runner
# started by loop $2 or one posta-local below it, at random; one line per
# kill in $3.  Only processes of this test's own trees are touched.
killer() {
	local stop=$1 loop=$2 log=$3 victims v what
	while [ ! -e "$stop" ]; do
		sleep "$(printf '0.%02d' $((RANDOM % 16 + 5)))"
		case $((RANDOM % 2)) in
		0) what=posta-queue-runner; victims=$(descendants_named "$loop" posta-queue-runner) ;;
		*) what=posta-local; victims=$(descendants_named "$loop" posta-local) ;;
		esac
		[ -n "$victims" ] || continue
		v=$(printf '%s\n' $victims | shuf -n 1)
		kill -9 "$v" 2>/dev/null && echo "$what $v" >>"$log"
	done
}

# A program_dir in $1 whose posta-enqueue and posta-local are killed with
# SIGKILL in one run of $2 (1 in N), 0 to 9 ms after they start: they
# live a few ms, too short for a killer that polls.  The other programs
# are links to bin/.  Kills are logged to $3.
kill_wrappers() {
	local dir=$1 n=$2 log=$3 p
	mkdir -p "$dir"
	for p in "$BIN"/*; do
		[ -e "$dir/${p##*/}" ] || ln -s "$p" "$dir/"
	done
	# each wrapper is written aside and renamed over: a posta-local
	# started while the wrappers change must read a whole script (sh
	# reads a script as it runs it; a rewrite in place once gave it a
	# syntax error, exit status 2)
	for p in posta-enqueue posta-local; do
		cat >"$dir/.$p.new" <<EOT
#!/bin/sh
# stdin through fd 3: an asynchronous list would get /dev/null (even
# with <&0 in dash)
exec 3<&0
"$BIN/$p" "\$@" <&3 3<&- &
exec 3<&-
pid=\$!
r=\$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
if [ \$((r % $n)) -eq 0 ]; then
	(sleep 0.00\$((r % 10)); kill -9 \$pid 2>/dev/null && echo "$p \$pid" >>"$log") &
fi
wait \$pid
st=\$?
# died by a signal: so does the wrapper, as the caller must see it
[ \$st -gt 128 ] && kill -\$((st - 128)) \$\$
exit \$st
EOT
		chmod 755 "$dir/.$p.new"
		mv -f "$dir/.$p.new" "$dir/$p"
	done
}

# "K" of every "Subject: crash K" delivered to the users named, one a line.
crash_delivered() {
	local u
	for u in "$@"; do
		mail_files "$u"
	done | xargs -r grep -h '^Subject: crash ' | sed 's/^Subject: crash //'
}
