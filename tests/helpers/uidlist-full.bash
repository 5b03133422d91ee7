# Helpers for tests/uidlist-full.bats.  load 'helpers/uidlist-full' after
# helpers/common.

UFULL="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/uidlist-full.py"

# alice's Maildir on its own small tmpfs (MD), with the fixture of
# helpers/uidlist-full.py and a snapshot of its lists (SNAP).
full_maildir() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	MD=$INST/mail/alice
	SNAP=$BATS_TEST_TMPDIR/snap
	rm -rf "$MD"
	mkdir -p "$MD"
	mount -t tmpfs -o size=1m,nr_inodes=200,mode=0700 tmpfs "$MD" || skip "cannot mount a tmpfs"
	echo "$MD" >>"$BATS_TEST_TMPDIR/mounts"
	$UFULL make "$MD" >/dev/null
	$UFULL snap "$MD" "$SNAP" >/dev/null
}

# Fill the tmpfs to the last page: after this, no file can grow by an
# octet (a tmpfs gives out whole pages).
disk_fill() {
	dd if=/dev/zero of="$MD/filler" bs=4k 2>/dev/null || true
	! printf x 2>/dev/null >"$MD/probe"
	rm -f "$MD/probe"
}

# Room again.
disk_free() {
	rm -f "$MD/filler" "$MD/filler2"
}

# The checks of helpers/uidlist-full.py; its "ok N" counts them into
# $BATS_TEST_TMPDIR/checks (printed at the end of each test).
ufull() {
	local out
	out=$($UFULL "$@") || { echo "$out"; return 1; }
	echo "$out"
	case $out in
	*"ok "*) echo "${out##*ok }" >>"$BATS_TEST_TMPDIR/checks" ;;
	esac
}

checks_total() {
	awk '{ n += $1 } END { print n + 0 }' "$BATS_TEST_TMPDIR/checks"
}

full_teardown() {
	local m
	stop_all
	if [ -f "$BATS_TEST_TMPDIR/mounts" ]; then
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done <"$BATS_TEST_TMPDIR/mounts"
	fi
}
