#!/usr/bin/python3
# ENVELOPE, BODYSTRUCTURE and BODY[part] of a corpus of nested MIME
# messages, as posta-imapd sends them, checked against Python's email
# parser.  usage: imapmime.py PORT MAILDIR
import email
import email.policy
import email.utils
import os
import socket
import sys
import time
from email.message import EmailMessage

PORT = int(sys.argv[1])
MAILDIR = sys.argv[2]


def corpus():
    out = []
    # 1: mixed with text (quoted-printable), html, and a binary attachment
    m = EmailMessage()
    m["From"] = '"Doe, Jane" <jane@example.test>'
    m["To"] = "alice@example.test, Bob <bob@example.test>"
    m["Cc"] = "Carol <carol@example.test>"
    m["Subject"] = "Quarterly caf\u00e9 report"
    m["Date"] = "Tue, 05 Mar 2024 10:11:12 +0100"
    m["Message-ID"] = "<m1@example.test>"
    m["In-Reply-To"] = "<m0@example.test>"
    m.set_content("caf\u00e9 au lait\nsecond line\n", cte="quoted-printable")
    m.add_alternative("<p>caf\u00e9</p>\n", subtype="html")
    m.add_attachment(bytes(range(256)) * 4, maintype="application",
                     subtype="octet-stream", filename="data.bin")
    m.get_payload()[1]["Content-Language"] = "en"
    out.append(m.as_string())

    # 2: a forwarded message (message/rfc822) with its own nesting
    inner = EmailMessage()
    inner["From"] = "Inner <inner@example.test>"
    inner["To"] = "friends: a@x.test, b@y.test;"
    inner["Subject"] = "=?UTF-8?B?w6l0w6k=?="
    inner["Date"] = "Mon, 4 Mar 2024 09:00:00 +0000"
    inner.set_content("inner text\n")
    inner.add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<img1@x>")
    outer = EmailMessage()
    outer["From"] = "alice@example.test"
    outer["To"] = "bob@example.test"
    outer["Subject"] = "Fwd: nested"
    outer.set_content("see attached\n")
    outer.add_attachment(inner)
    outer.get_payload()[1]["Content-Description"] = "the original"
    out.append(outer.as_string())

    # 3: a digest, whose parts default to message/rfc822
    out.append(
        "From: digest@example.test\nSubject: digest\nMIME-Version: 1.0\n"
        "Content-Type: multipart/digest; boundary=\"D\"\n\n"
        "--D\n\nFrom: one@example.test\nSubject: one\n\nfirst\n"
        "--D\n\nFrom: two@example.test\nSubject: two\n\nsecond\n--D--\n")

    # 4: no MIME at all
    out.append("From: plain@example.test\nSubject: plain\n\njust text\nno newline at end")

    # 5: parameters, disposition inline, description, id
    out.append(
        "From: params@example.test\nSubject: params\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"a;b=c\"\n\n"
        "--a;b=c\nContent-Type: text/plain; charset=\"iso-8859-1\"; format=flowed\n"
        "Content-Disposition: inline\nContent-ID: <p1@x>\n"
        "Content-Description: first part\n\n"
        "caf\xe9\n"
        "--a;b=c\nContent-Type: application/json; name=\"x;y.json\"\n"
        "Content-Disposition: attachment; filename=\"x;y.json\"; size=2\n"
        "Content-Transfer-Encoding: 8bit\n\n{}\n--a;b=c--\n")
    return out


def deliver(text, q):
    data = text.replace("\r\n", "\n").encode("utf-8", "surrogateescape") \
        if isinstance(text, str) else text
    now = time.time()
    base = "%d.M%dP%dQ%d.test,S=%d,W=%d" % (int(now), q, os.getpid(), q,
                                            len(data), len(data) + data.count(b"\n"))
    with open(os.path.join(MAILDIR, "tmp", base), "wb") as f:
        f.write(data)
    os.rename(os.path.join(MAILDIR, "tmp", base), os.path.join(MAILDIR, "new", base))
    return data


class Client:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT), 10)
        self.f = self.s.makefile("rb")
        self.f.readline()
        self.n = 0

    def cmd(self, text):
        self.n += 1
        tag = b"c%d" % self.n
        self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        resp = []
        cur = b""
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError
            cur += line
            if line.endswith(b"}\r\n"):
                n = int(line[line.rindex(b"{") + 1:-3])
                cur += self.f.read(n)
                continue
            if cur.startswith(tag + b" "):
                assert cur.startswith(tag + b" OK"), cur
                return resp
            resp.append(cur)
            cur = b""


def parse(data):
    """IMAP response data into nested lists of bytes (None for NIL)."""
    pos = 0

    def value():
        nonlocal pos
        while data[pos:pos + 1] == b" ":
            pos += 1
        c = data[pos:pos + 1]
        if c == b"(":
            pos += 1
            items = []
            while True:
                while data[pos:pos + 1] == b" ":
                    pos += 1
                if data[pos:pos + 1] == b")":
                    pos += 1
                    return items
                items.append(value())
        if c == b'"':
            pos += 1
            s = b""
            while data[pos:pos + 1] != b'"':
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                s += data[pos:pos + 1]
                pos += 1
            pos += 1
            return s
        if c == b"{":
            end = data.index(b"}", pos)
            n = int(data[pos + 1:end])
            pos = end + 3
            s = data[pos:pos + n]
            pos += n
            return s
        start = pos
        while pos < len(data) and data[pos:pos + 1] not in b" ()":
            if data[pos:pos + 1] == b"[":
                pos = data.index(b"]", pos)
            pos += 1
        tok = data[start:pos]
        return None if tok == b"NIL" else tok

    return value()


def fetch_items(resp):
    """'* 1 FETCH (K V K V)' into a dict."""
    r = resp[0]
    assert r.startswith(b"* ") and b" FETCH (" in r, r
    items = parse(r[r.index(b"FETCH ") + 6:])
    return {items[i].decode(): items[i + 1] for i in range(0, len(items), 2)}


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def raw_payload(part):
    cte = (part.get("Content-Transfer-Encoding") or "7bit").lower()
    if cte in ("base64", "quoted-printable"):
        return part.get_payload(decode=False).encode("ascii")
    # for 7bit, 8bit and binary "decoding" gives the octets as they are
    return part.get_payload(decode=True)


def lower(b):
    return None if b is None else b.decode().lower()


def params_of(part):
    ps = part.get_params(header="content-type") or []
    return {k.lower(): v for k, v in ps[1:]}


def check_addrs(env, hdr):
    if hdr is None:
        assert env is None, env
        return
    want = [a for n, a in email.utils.getaddresses([hdr]) if "@" in a]
    got = ["%s@%s" % (a[2].decode(), a[3].decode()) for a in env
           if a[2] is not None and a[3] is not None]
    assert got == want, (got, want)


def check_envelope(env, m):
    assert env[0] == (m["Date"].encode() if m["Date"] else None), env[0]
    subj = m.get("Subject")
    assert env[1] == (subj.encode() if subj else None), (env[1], subj)
    check_addrs(env[2], m.get("From"))
    check_addrs(env[5], m.get("To"))
    check_addrs(env[6], m.get("Cc"))
    assert env[8] == (m["In-Reply-To"].encode() if m["In-Reply-To"] else None)
    assert env[9] == (m["Message-ID"].encode() if m["Message-ID"] else None)


def check_body(bs, part, num, client, seq, default="text/plain"):
    """bs: BODYSTRUCTURE of part; num: its section number."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        kids = part.get_payload()
        assert isinstance(bs[0], list), bs
        nk = 0
        while isinstance(bs[nk], list):
            nk += 1
        assert nk == len(kids), (nk, len(kids))
        assert lower(bs[nk]) == part.get_content_subtype(), (bs[nk], part.get_content_type())
        assert lower(bs[nk + 1][bs[nk + 1].index(b"BOUNDARY") + 1]) == part.get_boundary().lower()
        for i, k in enumerate(kids):
            check_body(bs[i], k, num + [i + 1], client, seq,
                       "message/rfc822" if part.get_content_subtype() == "digest" else "text/plain")
        return
    ctype = part.get_content_type()
    assert "%s/%s" % (lower(bs[0]), lower(bs[1])) == ctype, (bs[:2], ctype)
    got = {} if bs[2] is None else {bs[2][i].decode().lower(): bs[2][i + 1].decode("latin-1")
                                    for i in range(0, len(bs[2]), 2)}
    want = params_of(part)
    if "content-type" not in part:
        want = {"charset": "us-ascii"} if ctype == "text/plain" else {}
    assert got == want, (got, want)
    assert bs[3] == (part["Content-ID"].encode() if part["Content-ID"] else None)
    assert bs[4] == (part["Content-Description"].encode() if part["Content-Description"] else None)
    assert lower(bs[5]) == (part.get("Content-Transfer-Encoding") or "7bit").lower()
    sect = ".".join(str(n) for n in num) or "1"
    text = fetch_items(client.cmd("FETCH %d (BODY.PEEK[%s])" % (seq, sect)))["BODY[%s]" % sect]
    assert int(bs[6]) == len(text), (bs[6], len(text))
    if ctype == "message/rfc822":
        inner = part.get_payload()[0]
        check_envelope(bs[7], inner)
        if inner.is_multipart():
            # the encapsulated message's parts are num.1, num.2 ...
            check_body(bs[8], inner, num, client, seq)
        hdr = fetch_items(client.cmd("FETCH %d (BODY.PEEK[%s.HEADER])" % (seq, sect)))
        assert hdr["BODY[%s.HEADER]" % sect].startswith(b"From: "), hdr
        ext = bs[10:]
    else:
        assert text == crlf(raw_payload(part)), (text[:80], raw_payload(part)[:80])
        if bs[0].upper() == b"TEXT":
            assert int(bs[7]) == text.count(b"\r\n") + (0 if text.endswith(b"\r\n") or not text else 1)
            ext = bs[8:]
        else:
            ext = bs[7:]
    # extension data: md5, disposition, language, location
    assert ext[0] is None, ext
    disp = part.get_content_disposition()
    if disp is None:
        assert ext[1] is None, ext
    else:
        assert lower(ext[1][0]) == disp, ext
        fn = part.get_filename()
        if fn:
            d = ext[1][1]
            assert d[d.index(b"FILENAME") + 1].decode() == fn, d
    assert ext[2] == (part["Content-Language"].encode() if part["Content-Language"] else None)


def main():
    texts = corpus()
    for i, t in enumerate(texts):
        deliver(t, i + 1)
    c = Client()
    c.cmd("LOGIN alice@example.test posta")
    c.cmd("SELECT INBOX")
    for seq, t in enumerate(texts, 1):
        m = email.message_from_bytes(t.encode("utf-8", "surrogateescape"),
                                     policy=email.policy.compat32)
        it = fetch_items(c.cmd("FETCH %d (ENVELOPE BODYSTRUCTURE BODY)" % seq))
        check_envelope(it["ENVELOPE"], m)
        check_body(it["BODYSTRUCTURE"], m, [], c, seq)
        # BODY is BODYSTRUCTURE without the extension data
        assert it["BODY"] is not None
        whole = fetch_items(c.cmd("FETCH %d (BODY.PEEK[])" % seq))["BODY[]"]
        assert whole == crlf(t.encode("utf-8", "surrogateescape")), seq
        print("ok message", seq)
    # the group in message 2's inner To
    it = fetch_items(c.cmd("FETCH 2 (BODY.PEEK[2.HEADER.FIELDS (TO)])"))
    assert it["BODY[2.HEADER.FIELDS (TO)]"] == b"To: friends: a@x.test, b@y.test;\r\n\r\n", it
    it = fetch_items(c.cmd("FETCH 2 (BODYSTRUCTURE)"))
    env = it["BODYSTRUCTURE"][1][7]
    assert env[5][0] == [None, None, b"friends", None] and env[5][-1] == [None] * 4, env[5]
    print("ok")


main()
