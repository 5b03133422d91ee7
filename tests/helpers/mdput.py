#!/usr/bin/python3
"""Put messages into a Maildir's new/ under the names posta-local gives
(SECS.M<usec>P<pid>Q<n>.<host>,S=<octets>,W=<octets with CRLF>), the way
a delivery does: written in tmp/, then renamed.

usage: mdput.py MAILDIR < message        one message from stdin
       mdput.py -n COUNT MAILDIR         COUNT generated messages
Prints the new file names, one a line."""
import os
import sys
import time

seq = 0


def put(maildir, data):
    global seq
    seq += 1
    # each LF not already after a CR counts twice with CRLF (lib/mdeliver)
    w = len(data) + data.count(b"\n") - data.count(b"\r\n")
    now = time.time()
    base = "%d.M%dP%dQ%d.test.example" % (int(now), int(now % 1 * 1e6),
                                         os.getpid(), seq)
    name = "%s,S=%d,W=%d" % (base, len(data), w)
    tmp = os.path.join(maildir, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(maildir, "new", name))
    print(name)


def main():
    args = sys.argv[1:]
    if args[:1] == ["-n"]:
        count, maildir = int(args[1]), args[2]
        for i in range(1, count + 1):
            put(maildir, b"From: sender@example.test\nTo: alice@example.test\n"
                b"Subject: message %d\n\nThis is message %d.\n" % (i, i))
    else:
        put(args[0], sys.stdin.buffer.read())


main()
