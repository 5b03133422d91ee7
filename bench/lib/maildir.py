"""Generate a Maildir of N small messages with realistic headers, the
names as posta-local writes them (SECS.M<usec>P<pid>Q<n>.<host>,S=,W=)
in cur/ with ":2," (no flags).  Every 100th message has the Subject
"quarterly report K" (the SEARCH SUBJECT target); the others
"note K about topic T".  Also: deliver one message into new/.
usage: maildir.py gen DIR N | maildir.py deliver DIR"""
import os
import random
import sys

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet "
         "kilo lima mike november oscar papa quebec romeo sierra tango").split()


def message(k, t, rnd):
    subj = ("quarterly report %d" % k) if k % 100 == 0 else \
        ("note %d about %s" % (k, rnd.choice(WORDS)))
    frm = "%s.%s@sender%d.example" % (rnd.choice(WORDS), rnd.choice(WORDS), k % 37)
    body = "\n".join(" ".join(rnd.choice(WORDS) for _ in range(12))
                     for _ in range(rnd.randint(3, 12)))
    date = __import__("email.utils").utils.formatdate(t)
    h = ("Return-Path: <%s>\n"
         "Delivered-To: alice@example.test\n"
         "Received: from mx%d.sender.example (mx%d.sender.example [192.0.2.%d])\n"
         "\tby mail.example.test (posta) with ESMTP id Q%08d\n"
         "\tfor <alice@example.test>; %s\n"
         "Date: %s\n"
         "From: %s\n"
         "To: Alice <alice@example.test>\n"
         "Subject: %s\n"
         "Message-ID: <%d.%d@sender.example>\n"
         "MIME-Version: 1.0\n"
         "Content-Type: text/plain; charset=us-ascii\n"
         "\n") % (frm, k % 9, k % 9, k % 250 + 1, k, date, date, frm, subj, t, k)
    return (h + body + "\n").encode()


def write(folder, sub, t, k, data, suffix):
    lines = data.count(b"\n")
    base = "%d.M%dP%dQ%d.bench,S=%d,W=%d" % (t, k % 1000000, os.getpid(), k,
                                            len(data), len(data) + lines)
    tmp = os.path.join(folder, "tmp", base)
    with open(tmp, "wb") as f:
        f.write(data)
    os.utime(tmp, (t, t))
    os.rename(tmp, os.path.join(folder, sub, base + suffix))


def gen(folder, n):
    for s in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, s), exist_ok=True)
    rnd = random.Random(10)
    t0 = 1764000000
    for k in range(1, n + 1):
        t = t0 + k * 7
        write(folder, "cur", t, k, message(k, t, rnd), ":2,")


def deliver(folder):
    import time
    t = int(time.time())
    write(folder, "new", t, 999999999, message(999999999, t, random.Random(1)), "")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    else:
        deliver(sys.argv[2])
