"""The IMAP workload of bench/imap, the same for every server: Python's
imaplib on 127.0.0.1:PORT, LOGIN USER PASS, INBOX of the Maildir DIR.
Prints one line "step seconds" per step.
usage: imapc.py PORT USER PASS DIR"""
import imaplib
import os
import subprocess
import sys
import time

port, user, pw, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
here = os.path.dirname(os.path.abspath(__file__))


def step(name, fn):
    t0 = time.monotonic()
    r = fn()
    print("%s %.4f" % (name, time.monotonic() - t0), flush=True)
    return r


def session():
    c = imaplib.IMAP4("127.0.0.1", port, timeout=600)
    c.login(user, pw)
    return c


def select(c):
    typ, data = c.select("INBOX")
    assert typ == "OK", data
    return int(data[0])


c = session()
n = step("select-cold", lambda: select(c))
c.logout()
c = session()
step("select-warm", lambda: select(c))
c.logout()
# one new delivery, as an MDA makes it (tmp/ then rename into new/)
subprocess.run([sys.executable, os.path.join(here, "maildir.py"), "deliver", folder],
               check=True)
os.system("chown -R --reference=%s %s/new" % (folder, folder))
c = session()
m = step("select-new", lambda: select(c))
assert m == n + 1, (n, m)


def fetch_all():
    typ, data = c.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)")
    assert typ == "OK" and len(data) == m, (typ, len(data))


step("fetch-1:*", fetch_all)
lo = m // 2


def fetch_bodies():
    typ, data = c.fetch("%d:%d" % (lo, lo + 999), "BODY[]")
    got = [d for d in data if isinstance(d, tuple)]
    assert typ == "OK" and len(got) == 1000, (typ, len(got))


step("fetch-body-1000", fetch_bodies)


def search():
    typ, data = c.search(None, "SUBJECT", '"quarterly report"')
    hits = data[0].split()
    assert typ == "OK" and len(hits) == n // 100, (typ, len(hits))


step("search-subject", search)


def store():
    typ, data = c.store("1:1000", "+FLAGS", "(\\Flagged)")
    assert typ == "OK", typ


step("store-1000", store)
c.logout()
