# Helpers for tests/imapd.bats.  load 'helpers/imapd' after helpers/common.

SUITE="/usr/bin/python3 $BATS_TEST_DIRNAME/helpers/imapsuite.py"

# Run one scenario of helpers/imapsuite.py against the server on $PORT.
scenario() {
	$SUITE "$PORT" "$INST/mail" "$1"
}

# The Maildir of a demo user.
imap_maildir() {
	echo "$INST/mail/$1"
}

# A message into USER's folder (default INBOX) new/, named as posta-local
# names it: imap_deliver USER FOLDER SUBJECT
imap_deliver() {
	/usr/bin/python3 - "$(imap_maildir "$1")" "$2" "$3" <<'PY'
import os, sys, time
d = sys.argv[1] if sys.argv[2] in ("", "INBOX") else os.path.join(sys.argv[1], "." + sys.argv[2])
data = ("From: bob@example.test\nTo: alice@example.test\nSubject: %s\n"
        "Date: Tue, 5 Mar 2024 10:11:12 +0100\n\nbody of %s\n" % (sys.argv[3], sys.argv[3])).encode()
now = time.time()
b = "%d.M%dP%dQ1.test,S=%d,W=%d" % (now, (now % 1) * 1e6, os.getpid(), len(data), len(data) + data.count(b"\n"))
open(os.path.join(d, "tmp", b), "wb").write(data)
os.rename(os.path.join(d, "tmp", b), os.path.join(d, "new", b))
PY
}

# Messages and flags of a Maildir folder, one "subject flags" line each.
maildir_state() {
	/usr/bin/python3 - "$1" <<'PY'
import os, sys
out = []
for sub in ("new", "cur"):
    p = os.path.join(sys.argv[1], sub)
    for n in os.listdir(p):
        subj = [l for l in open(os.path.join(p, n), errors="replace") if l.startswith("Subject:")]
        flags = n.split(":2,")[1] if ":2," in n else ""
        out.append("%s %s" % (subj[0].split(":", 1)[1].strip() if subj else "?", flags))
print("\n".join(sorted(out)))
PY
}

# The far side of the sync tests: INBOX with "one" and "two", Work with
# "three".
sync_far_side() {
	local md
	md=$(imap_maildir alice)
	mkdir -p "$md/.Work/cur" "$md/.Work/new" "$md/.Work/tmp"
	imap_deliver alice INBOX one
	imap_deliver alice INBOX two
	imap_deliver alice Work three
}

# The near side's changes between two syncs of Maildir $1: "one" read,
# a new message written.
sync_near_changes() {
	local f
	f=$(grep -l 'Subject: one' "$1"/INBOX/*/* | head -n 1)
	mv "$f" "$1/INBOX/cur/$(basename "${f%%:2,*}"):2,S"
	printf 'From: alice@example.test\nSubject: written near\n\nnear\n' \
		>"$1/INBOX/new/1700000000_0.1.near"
}

# What a sync with nothing to do must leave alone: both trees and the
# UID list (near side $1), printed for comparison.
sync_snapshot() {
	ls -R "$(imap_maildir alice)" | grep -v '^dovecot'
	ls -R "$1" | grep -v mbsyncstate
	cat "$(imap_maildir alice)/dovecot-uidlist"
}

# After a first sync into near Maildir $1: the far side's messages.
sync_first_copied() {
	run maildir_state "$1/INBOX"
	assert_output $'one \ntwo '
	run maildir_state "$1/Work"
	assert_output 'three '
}

# STORE +FLAGS FLAG on message SEQ of FOLDER over IMAP (port $PORT).
imap_flag() {
	/usr/bin/python3 - "$PORT" "$1" "$2" "$3" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("alice@example.test", "posta")
m.select(sys.argv[2])
assert m.store(sys.argv[3], "+FLAGS", "(%s)" % sys.argv[4])[0] == "OK"
m.logout()
PY
}
