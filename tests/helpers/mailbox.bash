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
