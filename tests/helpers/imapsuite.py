#!/usr/bin/python3
# Scenario suite for posta-imapd with Python's imaplib.
# usage: imapsuite.py PORT MAILROOT SCENARIO
#   PORT      where posta-imapd listens (plain; "tls" scenarios say so)
#   MAILROOT  the instance's mail/ folder (alice's Maildir is MAILROOT/alice)
# Each scenario asserts what it checks and prints "ok SCENARIO" at the end;
# any failure is an exception (exit status 1).
import email
import email.policy
import imaplib
import os
import re
import socket
import ssl
import sys
import time

PORT = int(sys.argv[1])
ROOT = sys.argv[2]
USER, PASS = "alice@example.test", "posta"
for _c in ("ID", "ENABLE", "MOVE", "UNSELECT", "NAMESPACE"):
    imaplib.Commands.setdefault(_c, ("NONAUTH", "AUTH", "SELECTED"))
_q = [0]


def maildir(user="alice"):
    return os.path.join(ROOT, user)


def deliver(text, user="alice", folder=None):
    """A message into new/, named as posta-local names it (LF endings)."""
    data = text.replace("\r\n", "\n").encode()
    d = maildir(user) if folder is None else os.path.join(maildir(user), "." + folder)
    _q[0] += 1
    now = time.time()
    base = "%d.M%dP%dQ%d.test,S=%d,W=%d" % (
        int(now), int((now % 1) * 1e6), os.getpid(), _q[0], len(data),
        len(data) + data.count(b"\n"))
    with open(os.path.join(d, "tmp", base), "wb") as f:
        f.write(data)
    os.rename(os.path.join(d, "tmp", base), os.path.join(d, "new", base))
    return base


def msg(subject, body="hello\n", frm="Bob <bob@example.test>", extra=""):
    return ("From: %s\nTo: Alice <alice@example.test>\nSubject: %s\n"
            "Date: Tue, 5 Mar 2024 10:11:12 +0100\nMessage-ID: <%s@example.test>\n%s\n%s"
            % (frm, subject, re.sub(r"\W", "", subject), extra, body))


def connect(login=True):
    m = imaplib.IMAP4("127.0.0.1", PORT)
    if login:
        typ, _ = m.login(USER, PASS)
        assert typ == "OK"
    return m


def ok(r):
    typ, data = r
    assert typ == "OK", (typ, data)
    return data


def no(fn, *args):
    try:
        typ, data = fn(*args)
    except imaplib.IMAP4.error as e:
        return str(e)
    assert typ == "NO", (typ, data)
    return data


def select(m, name="INBOX", readonly=False):
    """SELECT, and forget its untagged data (imaplib keeps it)."""
    typ, data = m.select(name, readonly=readonly)
    assert typ == "OK", (typ, data)
    m.untagged_responses.clear()
    return data


def bad(fn, *args):
    try:
        typ, data = fn(*args)
    except imaplib.IMAP4.error as e:
        assert "BAD" in str(e), e
        return str(e)
    raise AssertionError((typ, data))


def untagged(m, name):
    return m.untagged_responses.pop(name, [])


def raw_session():
    s = socket.create_connection(("127.0.0.1", PORT), 10)
    f = s.makefile("rb")
    greet = f.readline()
    assert greet.startswith(b"* OK"), greet
    return s, f


def raw(s, f, line, tag=None):
    """Send a line; read until the tagged reply of tag (or one line)."""
    s.sendall(line)
    out = []
    while True:
        ln = f.readline()
        if not ln:
            break
        out.append(ln)
        if tag is None or ln.startswith(tag.encode() + b" "):
            break
    return b"".join(out)


# --- scenarios -------------------------------------------------------------

def s_capability():
    m = connect(login=False)
    caps = m.capabilities
    for c in ("IMAP4REV1", "IDLE", "LITERAL+", "SASL-IR", "ID", "ENABLE",
              "NAMESPACE", "UNSELECT", "CHILDREN", "SPECIAL-USE", "AUTH=PLAIN",
              "STARTTLS"):
        assert c in caps, (c, caps)
    assert "LOGINDISABLED" not in caps
    ok(m.noop())
    ok(m.login(USER, PASS))
    typ, data = m.capability()
    caps = data[0].decode().split()
    for c in ("UIDPLUS", "MOVE", "IDLE"):
        assert c in caps, caps
    assert "STARTTLS" not in caps and "AUTH=PLAIN" not in caps
    typ, data = m._simple_command("NAMESPACE")
    assert typ == "OK"
    assert untagged(m, "NAMESPACE") == [b'(("" ".")) NIL NIL']
    typ, data = m._simple_command("ID", '("name" "imapsuite" "version" NIL)')
    assert typ == "OK"
    assert untagged(m, "ID") == [b'("name" "posta")']
    typ, data = m._simple_command("ENABLE", "CONDSTORE")
    assert typ == "OK"
    assert m.logout()[0] == "BYE"


def s_login():
    m = connect(login=False)
    e = no(m.login, USER, "wrong")
    assert "AUTHENTICATIONFAILED" in str(e), e
    e = no(m.login, "nobody@example.test", "posta")
    m.logout()
    m = connect(login=False)
    typ, _ = m.authenticate("PLAIN", lambda _: b"\0" + USER.encode() + b"\0" + PASS.encode())
    assert typ == "OK"
    ok(m.select("INBOX"))
    m.logout()
    # SASL-IR (RFC 4959): the response on the command line
    s, f = raw_session()
    import base64
    ir = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASS.encode())
    r = raw(s, f, b"a1 AUTHENTICATE PLAIN " + ir + b"\r\n", "a1")
    assert b"a1 OK" in r, r
    # a command before login is refused in its state
    s, f = raw_session()
    r = raw(s, f, b"b1 SELECT INBOX\r\n", "b1")
    assert r.startswith(b"b1 BAD"), r
    r = raw(s, f, b"b2 AUTHENTICATE PLAIN\r\n")
    assert r.startswith(b"+"), r
    r = raw(s, f, b"*\r\n", "b2")
    assert r.startswith(b"b2 BAD"), r
    # LOGIN with literals, synchronising and LITERAL+
    r = raw(s, f, b"b3 LOGIN {18}\r\n")
    assert r.startswith(b"+"), r
    r = raw(s, f, b"alice@example.test {5+}\r\nposta\r\n", "b3")
    assert b"b3 OK" in r, r


def s_folders():
    m = connect()
    ok(m.create("Projects"))
    ok(m.create("Projects.posta"))
    e = no(m.create, "Sent")    # posta-passwd made it
    ok(m.create("Entw&APw-rfe"))
    e = no(m.create, "Projects")
    assert "ALREADYEXISTS" in str(e)
    data = ok(m.list())
    lines = [d.decode() for d in data]
    assert any(l.endswith('"INBOX"') or l.endswith(" INBOX") for l in lines), lines
    assert '(\\HasChildren) "." Projects' in lines or \
        '(\\HasChildren) "." "Projects"' in lines, lines
    assert any("\\Sent" in l and "Sent" in l for l in lines), lines
    assert any("Entw&APw-rfe" in l for l in lines), lines
    data = ok(m.list('""', "Projects.%"))
    assert len(data) == 1 and b"Projects.posta" in data[0], data
    data = ok(m.list('""', "%"))
    assert not any(b"Projects.posta" in d for d in data), data
    data = ok(m.list('""', "inbox"))
    assert len(data) == 1 and b"INBOX" in data[0], data
    data = ok(m.list('""', '""'))
    assert data == [b'(\\Noselect) "." ""'], data
    # subscriptions
    ok(m.subscribe("Projects.posta"))
    data = ok(m.lsub('""', "Projects.*"))
    assert len(data) == 1 and b"Projects.posta" in data[0], data
    data = ok(m.lsub('""', "*"))
    assert any(b"Trash" in d for d in data), data
    ok(m.unsubscribe("Projects.posta"))
    data = ok(m.lsub('""', "Projects*"))
    assert data == [None], data
    # RENAME moves the children too
    ok(m.rename("Projects", "Work"))
    data = b" ".join(ok(m.list('""', "*")))
    assert b"Work.posta" in data and b"Projects" not in data, data
    # STATUS of a folder with mail
    deliver(msg("one"), folder="Work")
    deliver(msg("two"), folder="Work")
    typ, data = m.status("Work", "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)")
    assert typ == "OK"
    st = data[0].decode()
    assert "MESSAGES 2" in st and "UNSEEN 2" in st and "RECENT 2" in st, st
    assert re.search(r"UIDNEXT \d+", st) and re.search(r"UIDVALIDITY \d+", st), st
    e = no(m.status, "Nonesuch", "(MESSAGES)")
    assert "NONEXISTENT" in str(e), e
    # DELETE
    ok(m.delete("Work.posta"))
    e = no(m.delete, "Work.posta")
    e = no(m.delete, "INBOX")
    # RENAME INBOX: its mail moves, INBOX stays (RFC 3501 6.3.5)
    deliver(msg("inbox mail"))
    ok(m.rename("INBOX", "Old"))
    typ, data = m.status("Old", "(MESSAGES)")
    assert b"MESSAGES 1" in data[0], data
    typ, data = m.status("INBOX", "(MESSAGES)")
    assert b"MESSAGES 0" in data[0], data
    m.logout()


def s_append_fetch():
    m = connect()
    text = msg("appended", "line one\r\nline two\r\n").replace("\n", "\r\n").replace("\r\r", "\r")
    typ, data = m.append("INBOX", r"(\Seen $Work)", '"05-Mar-2024 10:11:12 +0100"',
                         text.encode())
    assert typ == "OK", data
    mo = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
    assert mo, data
    uv, uid = mo.group(1), mo.group(2)
    e = no(m.append, "Nonesuch", None, None, b"Subject: x\r\n\r\nx\r\n")
    assert "TRYCREATE" in str(e), e
    typ, data = m.select("INBOX")
    assert typ == "OK" and data == [b"1"], data
    assert untagged(m, "UIDVALIDITY") == [uv]
    m.untagged_responses.clear()
    typ, data = m.uid("FETCH", uid.decode(), "(UID FLAGS INTERNALDATE RFC822.SIZE)")
    assert typ == "OK"
    line = data[0].decode()
    assert "\\Seen" in line and "$Work" in line, line
    assert 'INTERNALDATE "05-Mar-2024 09:11:12 +0000"' in line, line
    assert "RFC822.SIZE %d" % len(text) in line, line
    typ, data = m.fetch("1", "(BODY.PEEK[])")
    assert data[0][1] == text.encode(), data
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (Subject)])")
    assert data[0][1] == b"Subject: appended\r\n\r\n", data
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS.NOT (Subject Date To Message-ID)])")
    assert data[0][1] == b"From: Bob <bob@example.test>\r\n\r\n", data
    typ, data = m.fetch("1", "(BODY.PEEK[TEXT]<5.8>)")
    assert data[0][1] == b"one\r\nlin", data
    assert b"BODY[TEXT]<5>" in data[0][0], data
    typ, data = m.fetch("1", "(RFC822.HEADER)")
    assert data[0][1].endswith(b"\r\n\r\n") and b"Subject: appended" in data[0][1]
    typ, data = m.fetch("1", "(RFC822.TEXT)")
    assert data[0][1] == b"line one\r\nline two\r\n", data
    typ, data = m.fetch("1", "(BODY[1])")
    assert data[0][1] == b"line one\r\nline two\r\n", data
    # BODY.PEEK leaves \Seen alone; BODY[] sets it
    ok(m.store("1", "-FLAGS", r"(\Seen)"))
    m.fetch("1", "(BODY.PEEK[])")
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0], data
    typ, data = m.fetch("1", "(BODY[])")
    assert b"FLAGS (\\Seen" in data[1], data
    typ, data = m.fetch("1", "(RFC822)")
    assert data[0][1] == text.encode()
    typ, data = m.fetch("1", "FAST")
    assert b"RFC822.SIZE" in data[0] and b"INTERNALDATE" in data[0], data
    typ, data = m.fetch("1", "ALL")
    assert b'ENVELOPE ("Tue, 5 Mar 2024 10:11:12 +0100" "appended"' in data[0], data
    typ, data = m.fetch("1", "FULL")
    assert b'BODY ("TEXT" "PLAIN"' in data[0], data
    typ, data = m.fetch("1", "(BODYSTRUCTURE)")
    assert b'BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 20 2 NIL NIL NIL NIL)' in data[0], data
    # out of range
    try:
        typ, data = m.fetch("9", "(FLAGS)")
        assert typ == "BAD", (typ, data)
    except imaplib.IMAP4.error:
        pass
    typ, data = m.uid("FETCH", "999", "(FLAGS)")
    assert typ == "OK" and data == [None], data
    # delivered mail: a new message, \Recent for this session only
    deliver(msg("delivered"))
    ok(m.check())
    assert untagged(m, "EXISTS") == [b"2"]
    assert untagged(m, "RECENT") == [b"1"]
    typ, data = m.fetch("2", "(FLAGS)")
    assert b"\\Recent" in data[0], data
    m2 = connect()
    typ, data = m2.select("INBOX")
    assert untagged(m2, "RECENT") == [b"0"]
    m2.logout()
    ok(m.close())
    m.logout()


def s_store_search_expunge():
    m = connect()
    for i in range(1, 6):
        deliver(msg("number %d" % i, "body %d\n" % i,
                    frm="=?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.test>" if i == 3
                    else "Bob <bob@example.test>"))
    select(m)
    typ, data = m.store("1:2", "+FLAGS", r"(\Flagged $Important)")
    assert len(data) == 2 and b"\\Flagged" in data[0] and b"$Important" in data[0], data
    # a new keyword is a new FLAGS list (RFC 3501 7.2.6)
    assert untagged(m, "FLAGS") == [b"(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)"]
    ok(m.store("1", "+FLAGS", r"($Important)"))
    assert untagged(m, "FLAGS") == []
    typ, data = m.store("2", "-FLAGS", r"(\Flagged)")
    assert b"\\Flagged" not in data[0] and b"$Important" in data[0], data
    typ, data = m.store("3", "FLAGS.SILENT", r"(\Answered \Draft)")
    assert data == [None], data
    typ, data = m.uid("STORE", "1:*", "+FLAGS", r"(\Seen)")
    assert all(b"UID " in d for d in data), data
    ok(m.store("4:5", "-FLAGS", r"(\Seen)"))
    e = bad(m.store, "1", "+FLAGS", r"(\Bogus)")
    assert "invalid system flag" in e, e
    ok(m.store("1", "+FLAGS", r"(\Recent)"))

    def search(*keys):
        typ, data = m.search(None, *keys)
        assert typ == "OK", data
        return data[0].decode()

    assert search("FLAGGED") == "1"
    assert search("KEYWORD", "$Important") == "1 2"
    assert search("UNKEYWORD", "$Important") == "3 4 5"
    assert search("ANSWERED", "DRAFT") == "3"
    assert search("UNSEEN") == "4 5"
    assert search("SEEN", "UNANSWERED") == "1 2"
    assert search("OR", "FLAGGED", "DRAFT") == "1 3"
    assert search("NOT", "DRAFT") == "1 2 4 5"
    assert search("SUBJECT", '"number 4"') == "4"
    assert search("FROM", "jurgen") == "3"
    assert search("BODY", '"body 5"') == "5"
    assert search("TEXT", '"body 2"') == "2"
    assert search("HEADER", "Message-ID", "number1") == "1"
    assert search("TO", "alice") == "1 2 3 4 5"
    assert search("CC", "alice") == ""
    assert search("SENTON", "5-Mar-2024") == "1 2 3 4 5"
    assert search("SENTBEFORE", "5-Mar-2024") == ""
    assert search("SENTSINCE", "1-Jan-2024") == "1 2 3 4 5"
    assert search("SINCE", "1-Jan-2000", "BEFORE", "1-Jan-2200") == "1 2 3 4 5"
    assert search("ON", "1-Jan-2000") == ""
    assert search("LARGER", "10", "SMALLER", "100000") == "1 2 3 4 5"
    assert search("2:3") == "2 3"
    assert search("ALL") == "1 2 3 4 5"
    assert search("RECENT") == "1 2 3 4 5"
    assert search("NEW") == "4 5"
    assert search("OLD") == ""
    assert search("(DELETED)") == ""
    assert search("UNDELETED", "UNDRAFT", "UNFLAGGED") == "2 4 5"
    typ, data = m.uid("SEARCH", "2:3")
    uids = data[0].split()
    assert len(uids) == 2, data
    m.literal = "J\u00fcrgen".encode()
    typ, data = m.search("UTF-8", "FROM")
    assert data[0] == b"3", data
    typ, data = m.uid("SEARCH", "UID", uids[1].decode())
    assert data[0] == uids[1], data
    try:
        typ, data = m.search("KOI8-R", "ALL")
        assert typ == "NO" or typ == "BAD"
    except imaplib.IMAP4.error as e:
        assert "BADCHARSET" in str(e), e
    # EXPUNGE reports sequence numbers as they shift
    ok(m.store("2,4", "+FLAGS", r"(\Deleted)"))
    typ, data = m.expunge()
    assert data == [b"2", b"3"], data
    assert search("ALL") == "1 2 3"
    # UID EXPUNGE only the named ones (UIDPLUS)
    typ, data = m.uid("SEARCH", "ALL")
    u = data[0].split()
    ok(m.store("1:3", "+FLAGS", r"(\Deleted)"))
    m.untagged_responses.clear()
    ok(m.uid("EXPUNGE", u[2].decode()))
    assert untagged(m, "EXPUNGE") == [b"3"], m.untagged_responses
    assert search("ALL") == "1 2"
    # CLOSE expunges silently; UNSELECT does not
    ok(m.unselect())
    m.select("INBOX")
    assert search("ALL") == "1 2"
    ok(m.close())
    typ, data = m.status("INBOX", "(MESSAGES)")
    assert b"MESSAGES 0" in data[0], data
    # EXAMINE is read-only
    deliver(msg("read only"))
    typ, data = m.select("INBOX", readonly=True)
    e = no(m.store, "1", "+FLAGS", r"(\Seen)")
    assert "READ-ONLY" in str(e), e
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Recent" in data[0], data
    m.logout()


def s_copy_move():
    m = connect()
    ok(m.create("Keep"))
    for i in range(3):
        deliver(msg("c%d" % i))
    m.select("INBOX")
    ok(m.store("1", "+FLAGS", r"(\Flagged $Label1)"))
    typ, data = m.copy("1:2", "Keep")
    assert typ == "OK"
    mo = re.search(rb"\[COPYUID (\d+) (\S+) (\S+)\]", data[0])
    assert mo, data
    e = no(m.copy, "1", "Nonesuch")
    assert "TRYCREATE" in str(e), e
    typ, data = m.uid("SEARCH", "ALL")
    last = data[0].split()[-1].decode()
    typ, data = m._simple_command("UID", "MOVE", last, "Keep")
    assert typ == "OK", data
    copyuid = untagged(m, "OK")
    assert any(b"COPYUID" in c for c in copyuid), copyuid
    assert untagged(m, "EXPUNGE") == [b"3"]
    typ, data = m._simple_command("MOVE", "1", "Keep")
    assert typ == "OK", data
    assert untagged(m, "EXPUNGE") == [b"1"]
    typ, data = m.status("Keep", "(MESSAGES)")
    assert b"MESSAGES 4" in data[0], data
    select(m, "Keep")
    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"\\Flagged" in data[0][0] and b"$Label1" in data[0][0], data
    assert b"Subject: c0" in data[0][1], data
    # COPY into the selected folder itself
    ok(m.copy("1", "Keep"))
    ok(m.noop())
    assert untagged(m, "EXISTS") == [b"5"]
    m.logout()


def s_two_sessions():
    for i in range(3):
        deliver(msg("shared %d" % i))
    a = connect()
    b = connect()
    select(a)
    select(b)
    ok(a.store("2", "+FLAGS", r"(\Flagged)"))
    ok(b.noop())
    fetches = untagged(b, "FETCH")
    assert any(f.startswith(b"2 (FLAGS") and b"\\Flagged" in f for f in fetches), fetches
    ok(a.store("1", "+FLAGS", r"(\Deleted)"))
    ok(a.expunge())
    # b's FETCH does not see the expunge yet (RFC 3501 7.4.1); NOOP does
    typ, data = b.fetch("3", "(FLAGS)")
    assert typ == "OK" and data[0].startswith(b"3 "), data
    ok(b.noop())
    assert untagged(b, "EXPUNGE") == [b"1"]
    deliver(msg("late"))
    a.append("INBOX", None, None, b"Subject: appended by a\r\n\r\nx\r\n")
    ok(b.noop())
    assert untagged(b, "EXISTS") == [b"4"], b.untagged_responses
    typ, data = b.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = [d[1].strip() for d in data if isinstance(d, tuple)]
    # UIDs in the order the folder's sessions saw the messages
    assert subjects[:2] == [b"Subject: shared 1", b"Subject: shared 2"], subjects
    assert sorted(subjects[2:]) == [b"Subject: appended by a", b"Subject: late"], subjects
    # one session's \Recent only
    recent = untagged(b, "RECENT")
    typ, data = a.search(None, "RECENT")
    typ2, data2 = b.search(None, "RECENT")
    # the three delivered ones, each recent in one session only; the
    # appended one in none (it went to cur/ straight)
    ra, rb = set(data[0].split()), set(data2[0].split())
    assert not (ra & rb) and len(ra | rb) == 3, (data, data2)
    a.logout()
    b.logout()


def s_idle():
    m = connect()
    m.select("INBOX")
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    assert line.startswith(b"+"), line
    deliver(msg("while idling"))
    m.sock.settimeout(10)
    seen = []
    while True:
        line = m.readline()
        assert line, "connection closed"
        seen.append(line)
        if line.startswith(b"* 1 EXISTS"):
            break
    m.send(b"DONE\r\n")
    while True:
        line = m.readline()
        if line.startswith(tag):
            break
    assert line.startswith(tag + b" OK"), line
    m.logout()


def s_escapes():
    m = connect()
    bad = ["../x", "..", "a/b", "/etc", "~root", ".hidden", "a..b", "cur",
           "new", "tmp", "x.cur", "INBOX.tmp", "&AC4ALg-", "&AC8-etc", "a%",
           "b*", "x\\y", "&Jjo", "&AGE-"]
    before = sorted(os.listdir(os.path.dirname(maildir())))
    inside = sorted(os.listdir(maildir()))
    for name in bad:
        arg = '"' + name.replace("\\", "\\\\") + '"'
        for cmd in (("CREATE", arg), ("SELECT", arg), ("RENAME", "INBOX", arg),
                    ("RENAME", "Trash", arg), ("APPEND", arg, "{1+}\r\nx"),
                    ("SUBSCRIBE", arg), ("STATUS", arg, "(MESSAGES)")):
            typ, data = m._simple_command(*cmd)
            assert typ == "NO", (cmd, typ, data)
    # raw 8-bit is no modified UTF-7
    s, f = raw_session()
    raw(s, f, b"a LOGIN alice@example.test posta\r\n", "a")
    r = raw(s, f, b"b CREATE {5+}\r\n\xc3\xa9t\xc3\xa9\r\n", "b")
    assert r.startswith(b"b NO"), r
    assert sorted(os.listdir(os.path.dirname(maildir()))) == before
    assert sorted(os.listdir(maildir())) == inside, sorted(os.listdir(maildir()))
    m.logout()


def s_bounds():
    s, f = raw_session()
    r = raw(s, f, b"a1 LOGIN {999999999}\r\n", "a1")
    assert b"a1 NO [TOOBIG]" in r, r
    r = raw(s, f, b"a2 LOGIN alice@example.test posta\r\n", "a2")
    assert b"a2 OK" in r, r
    r = raw(s, f, b"a3 SEARCH " + b"(" * 40 + b"ALL" + b")" * 40 + b"\r\n", "a3")
    assert r.startswith(b"a3 BAD") and b"nested" in r, r
    r = raw(s, f, b"a4 SELECT INBOX\r\n", "a4")
    r = raw(s, f, b"a5 ID (" + b'"k" "v" ' * 40 + b")\r\n", "a5")
    assert r.startswith(b"a5 BAD"), r
    r = raw(s, f, b"a6 LIST \"\" \"" + b"*%" * 60 + b"x\"\r\n", "a6")
    assert b"a6 OK" in r or b"a6 NO [LIMIT]" in r, r
    r = raw(s, f, b"a7 NOOP " + b"x" * 70000 + b"\r\n")
    assert r.startswith(b"* BAD"), r
    r = raw(s, f, b"a8 NOOP\r\n", "a8")
    assert b"a8 OK" in r, r
    # too many commands before login
    s, f = raw_session()
    for i in range(30):
        r = raw(s, f, b"n%d NOOP\r\n" % i)
        if r.startswith(b"* BYE"):
            break
    assert r.startswith(b"* BYE"), r


def s_starttls():
    m = imaplib.IMAP4("127.0.0.1", PORT)
    assert "LOGINDISABLED" in m.capabilities, m.capabilities
    e = no(m.login, USER, PASS)
    assert "PRIVACYREQUIRED" in str(e), e
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ok(m.starttls(ctx))
    typ, data = m.capability()
    caps = data[0].decode().split()
    assert "AUTH=PLAIN" in caps and "STARTTLS" not in caps, caps
    ok(m.login(USER, PASS))
    ok(m.select("INBOX"))
    m.logout()
    # what the client sends after STARTTLS in the same packet is dropped
    s, f = raw_session()
    s.sendall(b"t1 STARTTLS\r\nt2 LOGIN alice@example.test posta\r\n")
    line = f.readline()
    assert line.startswith(b"t1 OK"), line
    t = ctx.wrap_socket(s, server_hostname="localhost")
    tf = t.makefile("rb")
    t.sendall(b"t3 NOOP\r\n")
    line = tf.readline()
    assert line.startswith(b"t3 OK"), line


def s_implicit_tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4_SSL("127.0.0.1", PORT, ssl_context=ctx)
    assert "STARTTLS" not in m.capabilities and "AUTH=PLAIN" in m.capabilities
    ok(m.login(USER, PASS))
    ok(m.select("INBOX"))
    m.logout()


class Counted:
    """A raw session that keeps its own count of the folder from the
    untagged EXISTS and EXPUNGE it is sent."""

    def __init__(self, name):
        self.s = socket.create_connection(("127.0.0.1", PORT), 30)
        self.f = self.s.makefile("rb")
        self.f.readline()
        self.n = 0
        self.count = 0
        self.name = name
        self.cmd("LOGIN %s %s" % (USER, PASS))
        self.cmd("SELECT INBOX")

    def cmd(self, text):
        self.n += 1
        tag = ("%s%d" % (self.name, self.n)).encode()
        self.s.sendall(tag + b" " + text.encode() + b"\r\n")
        out = []
        while True:
            line = self.f.readline()
            assert line, "connection closed"
            mo = re.match(rb"\* (\d+) (EXISTS|EXPUNGE)", line)
            if mo and mo.group(2) == b"EXISTS":
                assert int(mo.group(1)) >= self.count, line
                self.count = int(mo.group(1))
            elif mo:
                assert 1 <= int(mo.group(1)) <= self.count, line
                self.count -= 1
            if line.startswith(tag + b" "):
                assert line.startswith(tag + b" OK"), (text, line)
                return out
            out.append(line)

    def uids_flags(self):
        got = {}
        for line in self.cmd("UID FETCH 1:* (UID FLAGS)"):
            mo = re.match(rb"\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\)\)", line)
            if mo:
                got[int(mo.group(1))] = set(mo.group(2).replace(b"\\Recent", b"").split())
        return got


def s_live():
    """Two sessions at work while posta-local delivers 30 messages."""
    import subprocess
    import threading
    N = 30
    results = []

    def deliveries():
        for i in range(N):
            p = subprocess.run(["posta-local", USER], input=msg("live %d" % i).encode(),
                               capture_output=True)
            results.append(p.returncode)
            time.sleep(0.02)

    a, b = Counted("a"), Counted("b")
    t = threading.Thread(target=deliveries)
    t.start()
    expunged = 0
    rounds_after = 3
    while rounds_after > 0:
        if not t.is_alive():
            rounds_after -= 1
        a.cmd("NOOP")
        if a.count:
            a.cmd("STORE 1:* +FLAGS.SILENT (\\Seen)")
        b.cmd("NOOP")
        if b.count >= 3:
            b.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)")
            expunged += sum(1 for l in b.cmd("EXPUNGE") if l.endswith(b" EXPUNGE\r\n"))
        time.sleep(0.02)
    t.join()
    assert results == [0] * N, results
    a.cmd("NOOP")
    b.cmd("NOOP")
    files = os.listdir(os.path.join(maildir(), "cur")) + os.listdir(os.path.join(maildir(), "new"))
    assert expunged > 0
    assert a.count == b.count == len(files) == N - expunged, (a.count, b.count, len(files), expunged)
    fa, fb = a.uids_flags(), b.uids_flags()
    assert fa == fb, (fa, fb)
    assert len(fa) == len(files)
    # every UID once in the list, in order
    ul = [int(l.split()[0]) for l in open(os.path.join(maildir(), "dovecot-uidlist")).readlines()[1:]]
    assert ul == sorted(set(ul)), ul


def s_livepop():
    """Two IMAP sessions, POP3 sessions (posta-pop3d on $POP3_PORT) and
    posta-local deliveries on one folder at once: POP3 sees the IMAP UIDs
    in its UIDL, its RETR marks \\Seen for IMAP, its DELE at QUIT is an
    expunge for IMAP, and nothing is lost."""
    import poplib
    import subprocess
    import threading
    N = 30
    results = []

    def deliveries():
        for i in range(N):
            p = subprocess.run(["posta-local", USER], input=msg("mixed %d" % i).encode(),
                               capture_output=True)
            results.append(p.returncode)
            time.sleep(0.02)

    def pop_round():
        """One POP3 session: UIDL, RETR the first, DELE the last, QUIT.
        Returns the UIDs it saw, the one it read and the one it deleted."""
        try:
            c = poplib.POP3("127.0.0.1", int(os.environ["POP3_PORT"]), timeout=30)
        except OSError:
            raise
        c.user(USER)
        try:
            c.pass_(PASS)
        except poplib.error_proto as e:
            # another POP3 session has the mailbox: RFC 2449 [IN-USE]
            assert b"[IN-USE]" in e.args[0], e
            c.quit()
            return None
        uids = {}
        for line in c.uidl()[1]:
            num, uid = line.split()
            uids[int(num)] = int(uid[:8], 16)
        read = dele = None
        if uids:
            c.retr(1)
            read = uids[1]
        if len(uids) >= 2:
            c.dele(len(uids))
            dele = uids[len(uids)]
        c.quit()
        return set(uids.values()), read, dele

    a, b = Counted("a"), Counted("b")
    t = threading.Thread(target=deliveries)
    t.start()
    read, deleted, rounds = set(), set(), 0
    rounds_after = 3
    while rounds_after > 0:
        if not t.is_alive():
            rounds_after -= 1
        a.cmd("NOOP")
        b.cmd("NOOP")
        if rounds % 3 == 0:
            r = pop_round()
            if r is not None:
                seen, rd, dl = r
                if rd is not None:
                    read.add(rd)
                if dl is not None:
                    deleted.add(dl)
                # every UID POP3 named is one IMAP has, unless POP3 deleted it
                a.cmd("NOOP")
                imap = set(a.uids_flags())
                assert seen <= imap | deleted, (seen, imap)
        rounds += 1
        time.sleep(0.02)
    t.join()
    assert results == [0] * N, results
    a.cmd("NOOP")
    b.cmd("NOOP")
    fa, fb = a.uids_flags(), b.uids_flags()
    assert fa == fb, (fa, fb)
    assert deleted and not (deleted & set(fa)), (deleted, fa)
    assert len(fa) == N - len(deleted) == a.count == b.count, (len(fa), len(deleted))
    for u in read - deleted:
        assert b"\\Seen" in fa[u], (u, fa[u])
    files = os.listdir(os.path.join(maildir(), "cur")) + os.listdir(os.path.join(maildir(), "new"))
    assert len(files) == len(fa), (len(files), len(fa))


SCENARIOS = {n[2:]: f for n, f in globals().items() if n.startswith("s_")}

if __name__ == "__main__":
    SCENARIOS[sys.argv[3]]()
    print("ok", sys.argv[3])
