# Helpers for tests/local.bats (posta-local).  load 'helpers/local'
# after 'helpers/common'.

# The files in a Maildir's new/ (or a folder's), one a line.
maildir_new() {
	find "$1/new" -type f 2>/dev/null | sort
}

# How many messages in new/.
maildir_count() {
	maildir_new "$1" | wc -l
}

# The only message in new/; fails when there is not exactly one.
maildir_only() {
	local files
	files=$(maildir_new "$1")
	[ -n "$files" ] && [ "$(printf '%s\n' "$files" | wc -l)" -eq 1 ] || {
		echo "expected one message in $1/new, found: $files" >&2
		return 1
	}
	printf '%s\n' "$files"
}

# The committed queue files.
queue_files() {
	find "$QDIR/queue" -type f | sort
}

# Run posta-local on a queue file as the runner does: stdin is the
# queue file itself, positioned at the message, and -L its length.
# usage: local_from_queue QUEUEFILE posta-local-args...
local_from_queue() {
	python3 - "$@" <<'PY'
import os, subprocess, sys
path, args = sys.argv[1], sys.argv[2:]
fd = os.open(path, os.O_RDONLY)
head = os.read(fd, 32)
n = int(head[14:31])
os.lseek(fd, 32, os.SEEK_SET)
r = subprocess.run(["posta-local", "-L", str(n)] + args, stdin=fd)
sys.exit(r.returncode)
PY
}
