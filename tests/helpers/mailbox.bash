# Helpers for the mailbox layer's tests (posta-passwd).  load after
# helpers/common.

# The hash field of an address in the instance's users file.
user_hash() {
	awk -F: -v a="$1" '$1 == a { print $2 }' "$INST/users"
}

# Does libcrypt (through Python's crypt module) say HASH is PASSWORD's?
# usage: hash_verifies PASSWORD HASH
hash_verifies() {
	/usr/bin/python3 -W ignore -c '
import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)
' "$1" "$2"
}

# Run a command on a pseudo-terminal, answering each prompt in turn with
# a line; prints everything the terminal showed, exits with its status.
# usage: on_pty 'answer1;answer2' CMD ARGS...
on_pty() {
	/usr/bin/python3 - "$@" <<'PY'
import os, pty, select, sys, time
answers = sys.argv[1].split(";")
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen = b""
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        seen += data
        # a prompt ends with ": " and waits for us
        if answers and seen.rstrip(b" ").endswith(b":"):
            time.sleep(0.1)
            os.write(fd, answers.pop(0).encode() + b"\n")
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

# Run Dovecot's doveadm (unpacked by helpers/dovecot.sh, never installed)
# on a Maildir; skips the test when there is no package to be had.
# Dovecot never reads mail as root: as root it runs as nobody, on a copy
# of the Maildir in a folder nobody can reach (changes stay in the copy).
# usage: doveadm_on MAILDIR ARGS...
doveadm_on() {
	local md=$1 root dir user group status
	shift
	root=$(sh "$TOP/tests/helpers/dovecot.sh") || skip "no Dovecot package to be had"
	user=$(id -un)
	group=$(id -gn)
	if [ "$(id -u)" -eq 0 ]; then
		dir=$(mktemp -d /tmp/posta-dovecot.XXXXXX)
		chmod 711 "$dir"
		cp -a "$md" "$dir/Maildir"
		md=$dir/Maildir
		user=nobody
		group=$(id -gn nobody)
	else
		dir=$BATS_TEST_TMPDIR/dovecot
	fi
	mkdir -p "$dir/home"
	cat >"$dir/dovecot.conf" <<EOT
base_dir = $dir/run
state_dir = $dir/state
mail_location = maildir:$md
mail_uid = $user
mail_gid = $group
first_valid_uid = 0
first_valid_gid = 0
ssl = no
log_path = /dev/stderr
EOT
	[ "$(id -u)" -ne 0 ] || chown -R "$user:$group" "$dir/home" "$md"
	TZ=UTC USER=test HOME=$dir/home LD_LIBRARY_PATH=$root/usr/lib/dovecot \
		"$root/usr/bin/doveconf" -c "$dir/dovecot.conf" -m doveadm \
		-e "$root/usr/bin/doveadm" "$@"
	status=$?
	[ "$(id -u)" -ne 0 ] || rm -rf "$dir"
	return $status
}
