"""Helpers for the posta-index tests of tests/imapd.bats and
tests/pop3d.bats (see helpers/mdindex.bash).

  gen DIR N          N messages in DIR/cur/ (real files, names as
                     posta-local makes them, some with flags), then age
  age DIR            new/ and cur/ mtimes 10 s back: settled, so that
                     the next session may save its view in posta-index
  view PORT [STORE]  an IMAP session (alice): SELECT INBOX, optionally
                     "STORE SET ITEM FLAGS", then FETCH 1:* (UID FLAGS RFC822.SIZE
                     INTERNALDATE); prints the SELECT's counts, UIDVALIDITY,
                     UIDNEXT and one line a message
  pop PORT           a POP3 session (alice): STAT, LIST, UIDL
  poke FILE OFF      flip the octet at OFF (negative: from the end)
  hdr FILE FIELD V   set a 32-bit header field (version) to V
"""
import imaplib
import os
import poplib
import re
import sys
import time


def age(d):
    t = time.time() - 10
    for s in ("new", "cur"):
        os.utime(os.path.join(d, s), (t, t))


def gen(d, n):
    for s in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, s), exist_ok=True)
    for i in range(n):
        data = ("From: bob@example.test\nTo: alice@example.test\n"
                "Subject: message %d\n\n%s\n" % (i, "line\n" * (i % 7))).encode()
        t = 1700000000 + 60 * i
        base = "%d.M%dP%dQ%d.test,S=%d,W=%d" % (t, i, 4242, i, len(data),
                                              len(data) + data.count(b"\n"))
        flags = "S" if i % 3 == 0 else ("FS" if i % 3 == 1 else "")
        p = os.path.join(d, "cur", base + ":2," + flags)
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (t, t))
    age(d)


def view(port, extra=None):
    c = imaplib.IMAP4("127.0.0.1", port, timeout=60)
    c.login("alice@example.test", "posta")
    typ, data = c.select("INBOX")
    assert typ == "OK", data
    out = ["EXISTS %s" % data[0].decode()]
    for k in ("UIDVALIDITY", "UIDNEXT", "UNSEEN"):
        v = c.untagged_responses.get(k)
        out.append("%s %s" % (k, v[-1].decode() if v else "-"))
    if extra:
        _, seq, what, flags = extra.split(" ", 3)
        typ, data = c.store(seq, what, flags)
        assert typ == "OK", (extra, data)
    if int(out[0].split()[1]) > 0 or extra:
        typ, data = c.fetch("1:*", "(UID FLAGS RFC822.SIZE INTERNALDATE)")
        assert typ == "OK", data
        for d in data:
            if d is None:
                continue
            m = re.search(rb"UID (\d+)", d)
            f = re.search(rb"FLAGS \(([^)]*)\)", d)
            s = re.search(rb"RFC822.SIZE (\d+)", d)
            t = re.search(rb'INTERNALDATE "([^"]+)"', d)
            fl = b" ".join(sorted(x for x in f.group(1).split() if x != b"\\Recent"))
            out.append("%s [%s] %s %s" % (m.group(1).decode(), fl.decode(),
                                          s.group(1).decode(), t.group(1).decode()))
    c.logout()
    print("\n".join(out))


def pop(port):
    p = poplib.POP3("127.0.0.1", port, timeout=60)
    p.user("alice@example.test")
    p.pass_("posta")
    print("STAT %d %d" % p.stat())
    for l in p.list()[1]:
        print("LIST " + l.decode())
    for l in p.uidl()[1]:
        print("UIDL " + l.decode())
    p.quit()


def poke(path, off):
    with open(path, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        off = size + off if off < 0 else off
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x5a]))


def hdr(path, field, value):
    # the header: magic[8], version, order, recsize, flags (32 bits each)
    pos = {"version": 8, "order": 12, "recsize": 16}[field]
    with open(path, "r+b") as f:
        f.seek(pos)
        f.write(int(value).to_bytes(4, sys.byteorder))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    elif cmd == "age":
        age(sys.argv[2])
    elif cmd == "view":
        view(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
    elif cmd == "pop":
        pop(int(sys.argv[2]))
    elif cmd == "poke":
        poke(sys.argv[2], int(sys.argv[3]))
    elif cmd == "hdr":
        hdr(sys.argv[2], sys.argv[3], sys.argv[4])
