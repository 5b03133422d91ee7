#!/usr/bin/python3
"""Hold SMTP sessions open in different states for tests/privs.bats.

usage: privsessions.py MXPORT SMTPSPORT
Opens: a plain MX session stopped inside DATA (posta-enqueue running), an
MX session after STARTTLS, an implicit-TLS session, and one that only got
its greeting.  Prints READY, waits for a line on stdin, then ends the
message of the first session and prints its reply, and quits them all.
"""
import socket
import ssl
import sys

mx, smtps = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def reply(f):
    """One whole (possibly multi-line) reply."""
    lines = []
    while True:
        line = f.readline().decode()
        if not line:
            raise SystemExit("connection closed")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return "".join(lines)


def cmd(s, f, line, want):
    s.sendall(line.encode() + b"\r\n")
    r = reply(f)
    if not r.startswith(want):
        raise SystemExit("%r: %r" % (line, r))
    return r


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), 10)
    return s, s.makefile("rb")


def main():
    # in DATA, with posta-enqueue started
    a, af = connect(mx)
    reply(af)
    cmd(a, af, "EHLO client.test", "250")
    cmd(a, af, "MAIL FROM:<sender@client.test>", "250")
    cmd(a, af, "RCPT TO:<bob@example.test>", "250")
    cmd(a, af, "DATA", "354")
    a.sendall(b"Subject: privileges\r\n\r\nheld open in DATA\r\n")

    # after STARTTLS
    b, bf = connect(mx)
    reply(bf)
    cmd(b, bf, "EHLO client.test", "250")
    cmd(b, bf, "STARTTLS", "220")
    b = ctx.wrap_socket(b, server_hostname="localhost")
    bf = b.makefile("rb")
    cmd(b, bf, "EHLO client.test", "250")

    # implicit TLS
    c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", smtps), 10),
                        server_hostname="localhost")
    cf = c.makefile("rb")
    reply(cf)
    cmd(c, cf, "EHLO client.test", "250")

    # just connected
    d, df = connect(mx)
    reply(df)

    print("READY", flush=True)
    sys.stdin.readline()
    a.sendall(b".\r\n")
    print(reply(af).strip(), flush=True)
    for s, f in ((a, af), (b, bf), (c, cf), (d, df)):
        cmd(s, f, "QUIT", "221")


main()
