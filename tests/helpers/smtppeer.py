#!/usr/bin/python3
"""A receiving SMTP server for the posta-remote tests, on aiosmtpd.

usage: smtppeer.py PORT DIR [--host ADDR] [options]

Every session and command is logged to DIR/log, one line each:
  session uid=UID          (at the first EHLO or HELO of a connection;
                           the owner of the client's socket, from /proc)
  ehlo NAME | helo NAME | starttls | rset
  mail <ADDR> PARAMS...    rcpt <ADDR> PARAMS...
  data N                   (N: the message's number)
Each message's octets as they arrived (dot-stuffing undone, CRLF kept)
go to DIR/N.msg.

Recipients answer by their local part: temp* 451 4.2.0, bad* 550 5.1.1,
anything else 250.  A message for a recipient named dotfail* is refused
at the final dot with 554 5.6.0.
"""
import argparse
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("--host", default="127.0.0.1")
ap.add_argument("dir")
ap.add_argument("--no-ehlo", action="store_true", help="502 to EHLO")
ap.add_argument("--no-8bitmime", action="store_true")
ap.add_argument("--pipelining", action="store_true")
ap.add_argument("--dsn", action="store_true")
ap.add_argument("--smtputf8", action="store_true")
ap.add_argument("--size", type=int, default=0)
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
ap.add_argument("--auth-login", nargs=2, metavar=("USER", "PASSWORD"),
                help="AUTH LOGIN only (after STARTTLS), with these credentials")
args = ap.parse_args()

LOG = os.path.join(args.dir, "log")
count = [0]


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


def socket_uid(host, port):
    """The uid owning the TCP socket host:port, from /proc/net/tcp."""
    if ":" in host:
        return "?"
    want = "%08X:%04X" % (int.from_bytes(bytes(map(int, host.split("."))), "little"), port)
    with open("/proc/net/tcp") as f:
        for ln in f.readlines()[1:]:
            fields = ln.split()
            if fields[1] == want:
                return fields[7]
    return "?"


def strip_params(arg, names):
    """Take the DSN parameters out of a MAIL or RCPT argument."""
    words = arg.split(" ")
    keep, taken = [], []
    for w in words:
        if w.split("=", 1)[0].upper() in names and "=" in w:
            taken.append(w)
        else:
            keep.append(w)
    return " ".join(keep), taken


class Peer(SMTP):
    def session_start(self):
        # the first EHLO or HELO of a connection (aiosmtpd's own
        # start-up probe connects but says nothing)
        if getattr(self, "_logged", False):
            return
        self._logged = True
        peer = self.session.peer
        log("session uid=%s" % socket_uid(peer[0], peer[1]))

    async def smtp_EHLO(self, hostname):
        self.session_start()
        if args.no_ehlo:
            await self.push("502 5.5.1 EHLO not implemented")
            return
        log("ehlo %s" % hostname)
        await super().smtp_EHLO(hostname)

    async def smtp_HELO(self, hostname):
        self.session_start()
        log("helo %s" % hostname)
        await super().smtp_HELO(hostname)

    async def smtp_RSET(self, arg):
        log("rset")
        await super().smtp_RSET(arg)

    async def smtp_STARTTLS(self, arg):
        log("starttls")
        await super().smtp_STARTTLS(arg)

    async def smtp_MAIL(self, arg):
        rest, dsn = (arg, [])
        if args.dsn and arg is not None:
            rest, dsn = strip_params(arg, ("RET", "ENVID"))
        self._dsn = dsn
        await super().smtp_MAIL(rest)

    async def smtp_RCPT(self, arg):
        rest, dsn = (arg, [])
        if args.dsn and arg is not None:
            rest, dsn = strip_params(arg, ("NOTIFY", "ORCPT"))
        self._dsn = dsn
        await super().smtp_RCPT(rest)


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        out = []
        for r in responses:
            if args.no_8bitmime and "8BITMIME" in r:
                continue
            out.append(r)
        extra = []
        if args.pipelining:
            extra.append("250-PIPELINING")
        if args.dsn:
            extra.append("250-DSN")
        extra.append("250-ENHANCEDSTATUSCODES")
        return out[:1] + extra + out[1:]

    async def handle_MAIL(self, server, session, envelope, address, options):
        log("mail <%s> %s" % (address, " ".join(options + server._dsn)))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, options):
        log("rcpt <%s> %s" % (address, " ".join(options + server._dsn)))
        local = address.split("@")[0]
        if local.startswith("temp"):
            return "451 4.2.0 <%s>: mailbox busy, try later" % address
        if local.startswith("bad"):
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        count[0] += 1
        n = count[0]
        with open(os.path.join(args.dir, "%d.msg" % n), "wb") as f:
            f.write(envelope.original_content)
        log("data %d %s" % (n, " ".join(envelope.rcpt_tos)))
        if any(r.split("@")[0].startswith("dotfail") for r in envelope.rcpt_tos):
            return "554 5.6.0 content refused"
        return "250 2.0.0 Ok: queued as M%d" % n


def authenticate(server, session, envelope, mechanism, data):
    ok = (data.login.decode(), data.password.decode()) == tuple(args.auth_login)
    log("auth %s %s %s" % (mechanism, data.login.decode(), "ok" if ok else "refused"))
    return AuthResult(success=ok)


def main():
    os.makedirs(args.dir, exist_ok=True)
    tls = None
    if args.tls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls[0], args.tls[1])
    handler = Handler()

    class PeerController(Controller):
        def factory(self):
            auth = {}
            if args.auth_login:
                auth = dict(authenticator=authenticate,
                            auth_exclude_mechanism=["PLAIN"],
                            auth_required=True)
            return Peer(handler, decode_data=False, **auth,
                        enable_SMTPUTF8=args.smtputf8,
                        data_size_limit=args.size or None,
                        tls_context=tls, require_starttls=False,
                        hostname="peer.test", ident="smtppeer")

    c = PeerController(handler, hostname=args.host, port=args.port)
    c.start()
    try:
        signal.pause()
    finally:
        c.stop()


if __name__ == "__main__":
    sys.exit(main())
