"""The POP3 workload of bench/pop3, the same for every server: Python's
poplib on 127.0.0.1:PORT, USER/PASS.  Prints "step seconds" lines.
usage: pop3c.py PORT USER PASS"""
import poplib
import sys
import time

port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def login():
    p = poplib.POP3("127.0.0.1", port, timeout=600)
    p.user(user)
    p.pass_(pw)
    return p


def step(name, fn):
    t0 = time.monotonic()
    r = fn()
    print("%s %.4f" % (name, time.monotonic() - t0), flush=True)
    return r


def login_stat():
    p = login()
    n = p.stat()[0]
    return p, n


p, n = step("login-stat-cold", login_stat)
p.quit()
best = None
for _ in range(3):
    t0 = time.monotonic()
    p, n = login_stat()
    d = time.monotonic() - t0
    best = d if best is None or d < best else best
    p.quit()
print("login-stat-warm %.4f" % best, flush=True)
p, n = login_stat()


def uidl():
    r = p.uidl()
    assert len(r[1]) == n, len(r[1])


step("uidl", uidl)


def retr():
    for i in range(n // 2, n // 2 + 1000):
        p.retr(i)


step("retr-1000", retr)
p.quit()
