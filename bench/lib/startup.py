"""Per-connection start-up cost and peak RSS of a server.
usage: startup.py smtp|pop3|imap PORT N ROOTPID COMM[,COMM...] [USER PASS]
First one full session (the processes are read after the greeting too) (smtp: EHLO, a small message, QUIT; pop3: login,
STAT, RETR 1; imap: LOGIN, SELECT INBOX, FETCH 1 BODY[]): before its
QUIT the VmHWM of the processes under ROOTPID named COMM is read (the
largest is printed: "rss-kib K").  Then N times connect, read the
greeting, QUIT, read the reply, close: "conn-ms M" (mean milliseconds)."""
import os
import socket
import sys
import time

mode, port, n, root, comms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5].split(",")
user, pw = (sys.argv[6], sys.argv[7]) if len(sys.argv) > 7 else ("", "")


def tree(root):
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        kids.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def hwm():
    best = 0
    for p in tree(root):
        try:
            with open("/proc/%d/comm" % p) as f:
                c = f.read().strip()
            if c not in comms:
                continue
            with open("/proc/%d/status" % p) as f:
                for l in f:
                    if l.startswith("VmHWM:"):
                        best = max(best, int(l.split()[1]))
        except OSError:
            pass
    return best


class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), 10)
        self.f = self.s.makefile("rb")

    def line(self):
        l = self.f.readline()
        if not l:
            raise SystemExit("connection closed")
        return l

    def smtp_reply(self):
        while True:
            l = self.line()
            if l[3:4] != b"-":
                return l

    def cmd(self, c):
        self.s.sendall(c + b"\r\n")

    def multi(self):  # POP3 multi-line / IMAP tagged end
        while self.line() not in (b".\r\n",):
            pass

    def imap(self, tag, c):
        self.cmd(tag + b" " + c)
        while True:
            l = self.line()
            if l.startswith(tag + b" "):
                return l
            if l.endswith(b"}\r\n"):
                self.f.read(int(l[l.rindex(b"{") + 1:-3]))

    def close(self):
        self.f.close()
        self.s.close()


def session():
    c = Conn()
    if mode == "smtp":
        c.smtp_reply()
    else:
        c.line()
    time.sleep(0.1)
    r0 = hwm()  # a login process may be gone once the user is in
    if mode == "smtp":
        c.cmd(b"EHLO bench.test"); c.smtp_reply()
        c.cmd(b"MAIL FROM:<bench@example.test>"); c.smtp_reply()
        c.cmd(b"RCPT TO:<alice@example.test>"); c.smtp_reply()
        c.cmd(b"DATA"); c.smtp_reply()
        c.s.sendall(b"Subject: rss\r\n\r\nhello\r\n.\r\n"); c.smtp_reply()
    elif mode == "pop3":
        c.cmd(b"USER " + user.encode()); c.line()
        c.cmd(b"PASS " + pw.encode()); c.line()
        c.cmd(b"STAT"); c.line()
        c.cmd(b"RETR 1"); c.line(); c.multi()
    else:
        c.imap(b"a", b"LOGIN " + user.encode() + b" " + pw.encode())
        c.imap(b"b", b"SELECT INBOX")
        c.imap(b"c", b"FETCH 1 BODY[]")
    time.sleep(0.1)
    r = max(r0, hwm())
    c.cmd(b"QUIT" if mode != "imap" else b"z LOGOUT")
    c.close()
    return r


def greet_quit():
    c = Conn()
    c.line() if mode != "smtp" else c.smtp_reply()
    c.cmd(b"QUIT" if mode != "imap" else b"z LOGOUT")
    c.line()
    c.close()


print("rss-kib %d" % session())
greet_quit()
t0 = time.monotonic()
for _ in range(n):
    greet_quit()
print("conn-ms %.3f" % ((time.monotonic() - t0) * 1000 / n))
