#!/usr/bin/python3
"""An SMTP receiver that answers the final dot of its first N messages
and never answers the next one's (the connection stays open).

usage: stallpeer.py PORT DIR N

Logs to DIR/log: "session" at each EHLO or HELO, "rcpt ADDR" per RCPT, and
"accepted ADDR" or "stalled ADDR" at each final dot.
"""
import os
import socket
import sys
import threading

port, logdir, answer = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
count = [0]
lock = threading.Lock()


def log(line):
    with lock, open(os.path.join(logdir, "log"), "a") as f:
        f.write(line + "\n")


def session(c):
    f = c.makefile("rb")
    c.sendall(b"220 stall.test ESMTP\r\n")
    rcpt = []
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode("ascii", "replace").strip()
        verb = cmd[:4].upper()
        if verb in ("EHLO", "HELO"):
            log("session")
            c.sendall(b"250 stall.test\r\n")
        elif verb == "MAIL":
            rcpt = []
            c.sendall(b"250 2.1.0 ok\r\n")
        elif verb == "RCPT":
            addr = cmd[cmd.index("<") + 1:cmd.index(">")]
            rcpt.append(addr)
            log("rcpt " + addr)
            c.sendall(b"250 2.1.5 ok\r\n")
        elif verb == "DATA":
            c.sendall(b"354 go on\r\n")
            while f.readline() not in (b".\r\n", b""):
                pass
            with lock:
                count[0] += 1
                n = count[0]
            if n > answer:
                log("stalled " + " ".join(rcpt))
                threading.Event().wait()
            log("accepted " + " ".join(rcpt))
            c.sendall(b"250 2.0.0 queued\r\n")
        elif verb == "QUIT":
            c.sendall(b"221 bye\r\n")
            return
        else:
            c.sendall(b"250 ok\r\n")


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(50)
while True:
    conn, _ = s.accept()
    threading.Thread(target=session, args=(conn,), daemon=True).start()
