#!/usr/bin/python3
"""The UID list on a full disk (tests/uidlist-full.bats).

    uidlist-full.py make MAILDIR          the fixture (see FOLDERS)
    uidlist-full.py snap MAILDIR SNAPDIR  keep each folder's lists
    uidlist-full.py check MAILDIR SNAPDIR [FOLDER,...]
                                          lists intact (the old bytes, or a
                                          valid newer list that keeps every
                                          UID), no debris; every file has a
                                          UID in the FOLDERs named (all
                                          when none are), files wait for
                                          one in the others
    uidlist-full.py imap-full PORT MAILDIR STATE
    uidlist-full.py imap-after PORT MAILDIR STATE
    uidlist-full.py pop-full PORT MAILDIR STATE
    uidlist-full.py pop-after PORT MAILDIR STATE
    uidlist-full.py inodes-fill MAILDIR
    uidlist-full.py imap-noinode PORT MAILDIR
    uidlist-full.py select PORT FOLDER    "EXISTS UIDVALIDITY UIDNEXT uid:subject..."

Each command prints "ok N" (N: the checks it made) or fails with the
first check that did not hold.  STATE (a JSON file) carries what the
clients were told while the disk was full to the run after it.
"""
import imaplib
import json
import os
import poplib
import re
import socket
import sys

USER, PASSWORD = "alice@example.test", "posta"
PAGE = 4096

# folder: (uidvalidity, nextuid, keywords, [(subject, flags)] with UIDs,
# [subject] in new/ without one).  Each list is padded with records of
# messages long gone (as a real list has) to whole pages of a tmpfs, so
# that any append needs a page the full disk does not have.
FOLDERS = {
    "INBOX": (1700000001, 40, ["Label1", "$Work"],
              [("m1", "S"), ("m2", "a"), ("m3", "")], ["n1", "n2"]),
    "Archive": (1700000002, 50, ["Other"],
                [("a1", "S"), ("a2", "Sa")], ["a3"]),
    "Sent": (1700000003, 30, [], [], []),
}

checks = 0


def check(cond, what):
    global checks
    if not cond:
        sys.exit("FAILED: %s" % what)
    checks += 1


def fdir(md, folder):
    return md if folder == "INBOX" else os.path.join(md, "." + folder)


def body(subject):
    return ("From: bob@example.test\nTo: alice@example.test\n"
            "Subject: %s\nMessage-ID: <%s@example.test>\n\n"
            "the text of %s\n" % (subject, subject, subject)).encode()


def base_of(n, subject, data):
    return "%d.M%dP%dQ1.test,S=%d,W=%d" % (1700000000 + n, n, 4242, len(data),
                                           len(data) + data.count(b"\n"))


def copy_line(uid, subj, flags):
    """The longest record posta-imapd can write for a copy of subj."""
    data = body(subj)
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    name = "1700000001.M000000P1234567Q99.%s,S=%d,W=%d:2,%s" % (
        host.replace(",", "\\054"), len(data), len(data) + data.count(b"\n"),
        flags)
    return len("%d :%s\n" % (uid, name))


# Archive's list keeps room for one copy's record, not for two, nor for
# a3's (a long name): one message of a COPY gets its UID, the next one
# cannot, and the first must be undone.
ARCHIVE_SLACK = copy_line(FOLDERS["Archive"][1], "m1", "FS") + 10


def make(md):
    n = 0
    for folder, (uv, nextuid, kws, known, new) in FOLDERS.items():
        d = fdir(md, folder)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if folder != "INBOX":
            open(os.path.join(d, "maildirfolder"), "w").close()
        recs = []
        first = nextuid - len(known) - 1
        for i, (subj, flags) in enumerate(known):
            n += 1
            data = body(subj)
            b = base_of(n, subj, data)
            name = b + ":2," + flags
            with open(os.path.join(d, "cur", name), "wb") as fp:
                fp.write(data)
            recs.append("%d :%s\n" % (first + i, name))
        slack = ARCHIVE_SLACK if folder == "Archive" else 0
        for subj in new:
            n += 1
            data = body(subj)
            b = base_of(n, subj, data)
            if slack:
                b = b.replace(".test,", "." + "h" * (slack + 10) + ",")
            with open(os.path.join(d, "new", b), "wb") as fp:
                fp.write(data)
        head = "3 V%d N%d G%032x\n" % (uv, nextuid, uv)
        size = len(head) + sum(len(r) for r in recs) + slack
        pad = (-size) % PAGE
        if pad < 100:
            pad += PAGE
        dead, uid = [], 1
        while pad > 0:
            # "U :" + name + "\n", a name of at least 20 octets
            fixed = len("%d :\n" % uid)
            room = pad - fixed
            take = room if room <= 230 else min(200, room - 60)
            name = ("1600000000.M%dP1Q1.gone" % uid).ljust(take, "x")
            dead.append("%d :%s\n" % (uid, name))
            pad -= fixed + len(name)
            uid += 1
        check(uid <= first, "padding fits below the first UID of %s" % folder)
        text = head + "".join(dead) + "".join(recs)
        check((len(text) + slack) % PAGE == 0, "%s list leaves %d octets" %
              (folder, slack))
        with open(os.path.join(d, "dovecot-uidlist"), "w") as fp:
            fp.write(text)
        if kws:
            with open(os.path.join(d, "dovecot-keywords"), "w") as fp:
                fp.write("".join("%d %s\n" % (i, k) for i, k in enumerate(kws)))
    # a second link to every message, outside the folders, so that
    # removing one gives no page back to the full disk
    os.makedirs(os.path.join(md, "links"))
    for folder in FOLDERS:
        for sub in ("cur", "new"):
            d = os.path.join(fdir(md, folder), sub)
            for n in os.listdir(d):
                os.link(os.path.join(d, n), os.path.join(md, "links", n))
    with open(os.path.join(md, "subscriptions"), "w") as fp:
        fp.write("V\t2\n\nArchive\nSent\n")


def folders_on_disk(md):
    out = ["INBOX"]
    for e in sorted(os.listdir(md)):
        if e.startswith(".") and os.path.isdir(os.path.join(md, e, "cur")):
            out.append(e[1:])
    return out


def parse_uidlist(text, what):
    """(uidvalidity, nextuid, {uid: base}); fails on anything invalid."""
    check(text.endswith("\n"), "%s ends with a whole line" % what)
    lines = text.split("\n")[:-1]
    m = re.match(r"^3 (.*)$", lines[0])
    check(m is not None, "%s header is version 3" % what)
    fields = {f[0]: f[1:] for f in m.group(1).split(" ") if f}
    check("V" in fields and fields["V"].isdigit(), "%s has a UIDVALIDITY" % what)
    check("N" in fields and fields["N"].isdigit(), "%s has a next UID" % what)
    recs, last, bases = {}, 0, set()
    for line in lines[1:]:
        m = re.match(r"^(\d+)(?: [^:]*)? :(.+)$", line)
        check(m is not None, "%s: a record line: %r" % (what, line))
        uid, base = int(m.group(1)), m.group(2).split(":")[0]
        check(uid > last, "%s: UIDs grow (%d after %d)" % (what, uid, last))
        check(base not in bases, "%s: %s has one UID" % (what, base))
        last = uid
        bases.add(base)
        recs[uid] = base
    nextuid = max(int(fields["N"]), last + 1)
    return int(fields["V"]), nextuid, recs


def parse_keywords(text, what):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\d+) (\S.*)$", line)
        check(m is not None and int(m.group(1)) < 26,
              "%s: a keyword line: %r" % (what, line))
        out[int(m.group(1))] = m.group(2)
    return out


def snap(md, sd):
    os.makedirs(sd, exist_ok=True)
    for folder in folders_on_disk(md):
        for f in ("dovecot-uidlist", "dovecot-keywords"):
            p = os.path.join(fdir(md, folder), f)
            if os.path.exists(p):
                with open(p, "rb") as i, open(os.path.join(sd, folder + "." + f), "wb") as o:
                    o.write(i.read())


def files_of(d):
    out = {}
    for sub in ("new", "cur"):
        for n in os.listdir(os.path.join(d, sub)):
            out[n.split(":")[0]] = (sub, n)
    return out


def check_folder(md, sd, folder, pending):
    d = fdir(md, folder)
    what = folder + "/dovecot-uidlist"
    for sub in ("tmp",):
        check(os.listdir(os.path.join(d, sub)) == [], "%s/tmp is empty" % folder)
    for f in ("dovecot-uidlist.tmp", "dovecot-uidlist.lock",
              "dovecot-keywords.tmp"):
        check(not os.path.exists(os.path.join(d, f)), "no %s/%s" % (folder, f))
    files = files_of(d)
    cur = os.path.join(d, "dovecot-uidlist")
    old = os.path.join(sd, folder + ".dovecot-uidlist")
    if not os.path.exists(old):
        # a folder made while the disk was full: a list, or none yet
        if os.path.exists(cur):
            parse_uidlist(open(cur).read(), what)
        else:
            check(pending or not files, "%s without a list has no mail" % folder)
        return {}
    oldb = open(old, "rb").read()
    curb = open(cur, "rb").read()
    ouv, onext, orecs = parse_uidlist(oldb.decode(), "old " + what)
    if curb != oldb:
        uv, nextuid, recs = parse_uidlist(curb.decode(), what)
        check(uv == ouv, "%s keeps UIDVALIDITY %d" % (what, ouv))
        check(nextuid >= onext, "%s next UID does not go back" % what)
        back = {b: u for u, b in recs.items()}
        for u, b in orecs.items():
            # a record may go once its file is gone, never change
            if b in back:
                check(back[b] == u, "%s: %s keeps UID %d" % (what, b, u))
            else:
                check(b not in files, "%s: record of %s kept" % (what, b))
        for u in recs:
            check(u in orecs or u >= onext,
                  "%s: new UID %d is above the old next UID" % (what, u))
    else:
        recs = orecs
    back = {b: u for u, b in recs.items()}
    for b in files:
        check(pending or b in back, "%s: %s has a UID" % (folder, b))
    kold = os.path.join(sd, folder + ".dovecot-keywords")
    kcur = os.path.join(d, "dovecot-keywords")
    if os.path.exists(kold):
        ok = parse_keywords(open(kold).read(), "old " + folder)
        kc = parse_keywords(open(kcur).read(), folder + "/dovecot-keywords")
        for i, k in ok.items():
            check(kc.get(i) == k, "%s keyword %d stays %s" % (folder, i, k))
    elif os.path.exists(kcur):
        parse_keywords(open(kcur).read(), folder + "/dovecot-keywords")
    return {b: u for b, u in back.items() if b in files}


def check_all(md, sd, complete):
    for folder in folders_on_disk(md):
        check_folder(md, sd, folder, complete is not None and
                     folder not in complete)
    # every message once: no subject twice in one folder
    for folder in folders_on_disk(md):
        subj = []
        for b, (sub, n) in files_of(fdir(md, folder)).items():
            for line in open(os.path.join(fdir(md, folder), sub, n)):
                if line.startswith("Subject:"):
                    subj.append(line.split(":", 1)[1].strip())
        check(len(subj) == len(set(subj)), "no message twice in %s: %s" %
              (folder, sorted(subj)))


# --- IMAP ---------------------------------------------------------------

def imap(port):
    m = imaplib.IMAP4("127.0.0.1", int(port))
    check(m.login(USER, PASSWORD)[0] == "OK", "LOGIN")
    return m


def select(m, folder, expect="OK"):
    typ, data = m.select(folder)
    check(typ == expect, "SELECT %s: %s %s" % (folder, typ, data))
    if typ != "OK":
        return None
    r = m.untagged_responses
    return {"exists": int(data[0]),
            "uidvalidity": int(r["UIDVALIDITY"][0]),
            "uidnext": int(r["UIDNEXT"][0]),
            "warning": [x.decode() for x in r.get("NO", [])]}


def view(m):
    """{subject: (uid, flags)} of the selected folder."""
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    check(typ == "OK", "UID FETCH: %s %s" % (typ, data))
    out = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, hdr = item[0].decode(), item[1].decode()
        uid = int(re.search(r"UID (\d+)", meta).group(1))
        flags = sorted(f for f in re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split()
                       if f != "\\Recent")
        subj = hdr.split(":", 1)[1].strip()
        check(subj not in out, "%s shown once" % subj)
        out[subj] = (uid, flags)
    return out


def no_code(resp, codes, what):
    typ, data = resp
    text = data[0].decode() if data and data[0] else ""
    check(typ == "NO" and any(text.startswith("[%s]" % c) for c in codes),
          "%s: a temporary NO %s, got %s %s" % (what, codes, typ, data))


TEMP = ("UNAVAILABLE", "OVERQUOTA")


def known_uids(folder):
    uv, nextuid, kws, known, new = FOLDERS[folder]
    return {s: nextuid - len(known) - 1 + i for i, (s, f) in enumerate(known)}


def still_full(md):
    """The disk is still full (an expunge frees no page: see make)."""
    p = os.path.join(md, "probe")
    try:
        with open(p, "wb", buffering=0) as fp:
            fp.write(b"x")
        full = False
    except OSError:
        full = True
    if os.path.exists(p):
        os.unlink(p)
    check(full, "the disk is still full")


def imap_full(port, md, state):
    told = {"flags": {}, "uids": {}}
    a = imap(port)
    s = select(a, "INBOX")
    # the mail with UIDs is readable; the two new ones wait, with a warning
    check(s["exists"] == 3, "SELECT INBOX shows the 3 with UIDs")
    check(s["uidvalidity"] == FOLDERS["INBOX"][0], "UIDVALIDITY kept")
    check(s["uidnext"] == FOLDERS["INBOX"][1], "UIDNEXT is the list's")
    check(any(w.startswith("[UNAVAILABLE]") and "2 new" in w
              for w in s["warning"]), "SELECT warns: %s" % s["warning"])
    v = view(a)
    check({k: u for k, (u, f) in v.items()} == known_uids("INBOX"),
          "the UIDs are the list's: %s" % v)
    check(v["m2"][1] == ["Label1"], "keyword a is Label1")
    typ, data = a.fetch("3", "(BODY[])")
    check(typ == "OK" and data[0][1] == body("m3").replace(b"\n", b"\r\n"),
          "BODY[] of m3 read")
    check("\\Seen" in view(a)["m3"][1], "m3 \\Seen after BODY[]")
    typ, data = a.status("Archive", "(MESSAGES UIDNEXT UIDVALIDITY)")
    check(typ == "OK" and b"MESSAGES 2 " in data[0] and
          b"UIDVALIDITY %d" % FOLDERS["Archive"][0] in data[0] and
          b"UIDNEXT %d" % FOLDERS["Archive"][1] in data[0],
          "STATUS Archive: %s %s" % (typ, data))
    no_code(a.append("INBOX", "(\\Seen)", None, body("appended")), TEMP,
            "APPEND")
    # a rename needs no space: stored, and told so
    typ, data = a.store("1", "+FLAGS", "(\\Flagged)")
    check(typ == "OK" and b"\\Flagged" in data[0], "STORE \\Flagged: %s" % data)
    typ, data = a.store("2", "+FLAGS", "($Work)")
    check(typ == "OK" and b"$Work" in data[0], "STORE old keyword: %s" % data)
    # a new keyword needs dovecot-keywords rewritten: refused
    no_code(a.store("3", "+FLAGS", "(NewKw)"), TEMP, "STORE new keyword")
    check("NewKw" not in view(a)["m3"][1], "no NewKw on m3")
    # m1's copy gets its UID (Archive's list has room for one line), m2
    # needs keywords in Archive's dovecot-keywords: refused, and m1's
    # copy undone (RFC 3501 6.4.7)
    alist = os.path.join(md, ".Archive", "dovecot-uidlist")
    old = open(alist, "rb").read()
    no_code(a.copy("1:2", "Archive"), TEMP, "COPY 1:2")
    new = open(alist, "rb").read()
    anext = FOLDERS["Archive"][1]
    check(new.startswith(old) and re.match(rb"^%d :[^\n]*:2,FS\n$" % anext,
          new[len(old):]), "one record more in Archive: %r" % new[len(old):])
    check(len(os.listdir(os.path.join(md, ".Archive", "cur"))) == 2,
          "the copy of m1 removed again")
    # no room left for one more line: the link is made, its UID not
    no_code(a.copy("1", "Archive"), TEMP, "COPY")
    check(open(alist, "rb").read() == new, "Archive's list as it was")
    no_code(a._simple_command("MOVE", "1", "Archive"), TEMP, "MOVE")
    check(set(view(a)) == {"m1", "m2", "m3"}, "MOVE left INBOX as it was")
    typ, data = a.store("3", "+FLAGS", "(\\Deleted)")
    check(typ == "OK", "STORE \\Deleted")
    typ, data = a.expunge()
    check(typ == "OK" and data == [b"3"], "EXPUNGE: %s %s" % (typ, data))
    check(not [n for n in os.listdir(os.path.join(md, "cur")) if "P4242" in n
               and "m3" in open(os.path.join(md, "cur", n)).read()],
          "m3's file is gone")
    still_full(md)
    # folders: a mkdir and a rename need no space
    check(a.create("NewBox")[0] == "OK", "CREATE NewBox")
    check(a.rename("Sent", "Sent2")[0] == "OK", "RENAME Sent Sent2")
    typ, data = a.list()
    names = sorted(re.search(rb'"\." "?([^"]*)"?$', x).group(1).decode()
                   for x in data)
    check(names == ["Archive", "INBOX", "NewBox", "Sent2"], "LIST: %s" % names)
    # a folder with no list yet has no UIDVALIDITY to give
    no_code(a.select("NewBox"), TEMP, "SELECT NewBox")
    s = select(a, "INBOX")
    check(s["exists"] == 2, "SELECT INBOX again: 2")
    # a second session sees the same
    b = imap(port)
    s2 = select(b, "INBOX")
    v2 = view(b)
    check(s2["uidvalidity"] == FOLDERS["INBOX"][0], "second session UIDVALIDITY")
    check(v2 == view(a), "second session, same view: %s" % v2)
    check(v2["m1"][1] == ["\\Flagged", "\\Seen"], "m1 flags seen by B")
    check(v2["m2"][1] == ["$Work", "Label1"], "m2 keywords seen by B")
    check(b.noop()[0] == "OK" and a.noop()[0] == "OK", "NOOP")
    s = select(b, "Sent2")
    check(s["uidvalidity"] == FOLDERS["Sent"][0], "renamed Sent keeps UIDVALIDITY")
    b.logout()
    told["view"] = v2
    a.logout()
    json.dump(told, open(state, "w"))


def imap_after(port, md, state):
    told = json.load(open(state))
    a = imap(port)
    s = select(a, "INBOX")
    check(s["warning"] == [], "no warning once there is room")
    check(s["uidvalidity"] == FOLDERS["INBOX"][0], "UIDVALIDITY kept")
    v = view(a)
    nextuid = FOLDERS["INBOX"][1]
    want = {"m1": told["view"]["m1"], "m2": told["view"]["m2"],
            "n1": [nextuid, []], "n2": [nextuid + 1, []]}
    check({k: [u, f] for k, (u, f) in v.items()} ==
          {k: list(x) for k, x in want.items()},
          "INBOX after: %s, wanted %s" % (v, want))
    check(s["uidnext"] == nextuid + 2, "UIDNEXT after the new ones")
    b = imap(port)
    select(b, "INBOX")
    check(view(b) == v, "a second session sees the same UIDs")
    typ, data = a.append("INBOX", "(\\Seen)", None, body("appended"))
    check(typ == "OK" and ("APPENDUID %d %d" % (FOLDERS["INBOX"][0], nextuid + 2))
          in data[0].decode(), "APPEND now: %s %s" % (typ, data))
    typ, data = a.store("1", "+FLAGS", "(NewKw)")
    check(typ == "OK" and b"NewKw" in data[0], "STORE new keyword now")
    # STATUS gives Archive's new message its UID (after the one the
    # undone copy took), then COPY the next
    anext = FOLDERS["Archive"][1] + 1
    typ, data = a.status("Archive", "(MESSAGES UIDNEXT)")
    check(typ == "OK" and b"MESSAGES 3 " in data[0] and
          b"UIDNEXT %d" % (anext + 1) in data[0], "STATUS Archive: %s" % data)
    typ, data = a.copy("2", "Archive")
    check(typ == "OK" and "COPYUID %d %d %d" % (FOLDERS["Archive"][0],
          v["m2"][0], anext + 1) in data[0].decode(),
          "COPY now: %s %s" % (typ, data))
    s = select(a, "Archive")
    va = view(a)
    check(va["a3"][0] == anext and va["m2"] == (anext + 1, ["$Work", "Label1"]),
          "Archive: %s" % va)
    s = select(a, "NewBox")
    check(s["exists"] == 0 and s["uidvalidity"] > 0, "SELECT NewBox now")
    b.logout()
    a.logout()


def inodes_fill(md):
    """Take every inode left: no file, no lock file can be made."""
    d = os.path.join(md, "inodes")
    os.mkdir(d)
    n = 0
    try:
        while True:
            open(os.path.join(d, str(n)), "w").close()
            n += 1
    except OSError:
        pass
    check(n > 0, "inodes taken")


def imap_noinode(port, md):
    a = imap(port)
    s = select(a, "INBOX")
    check(s["exists"] == 3 and s["uidvalidity"] == FOLDERS["INBOX"][0],
          "SELECT INBOX without inodes: %s" % s)
    check(any(w.startswith("[UNAVAILABLE]") for w in s["warning"]),
          "SELECT warns: %s" % s["warning"])
    v = view(a)
    check({k: u for k, (u, f) in v.items()} == known_uids("INBOX"),
          "the UIDs are the list's: %s" % v)
    typ, data = a.fetch("2", "(BODY.PEEK[])")
    check(typ == "OK" and data[0][1] == body("m2").replace(b"\n", b"\r\n"),
          "BODY.PEEK[] of m2 read")
    # a rename is made under the lock, which cannot be made
    no_code(a.store("1", "+FLAGS", "(\\Flagged)"), TEMP, "STORE")
    check(view(a)["m1"][1] == ["\\Seen"], "m1 as it was")
    no_code(a.append("INBOX", None, None, body("appended")), TEMP, "APPEND")
    no_code(a.copy("1", "Archive"), TEMP, "COPY")
    typ, data = a.status("Archive", "(MESSAGES UIDVALIDITY)")
    check(typ == "OK" and b"MESSAGES 2 " in data[0], "STATUS Archive: %s" % data)
    check(a.noop()[0] == "OK", "NOOP")
    a.logout()


def select_cmd(port, folder):
    a = imap(port)
    s = select(a, folder)
    v = view(a)
    print(s["exists"], s["uidvalidity"], s["uidnext"],
          " ".join("%d:%s" % (u, k) for k, (u, f) in sorted(v.items(), key=lambda x: x[1][0])),
          "warn" if s["warning"] else "")
    a.logout()


# --- POP3 ---------------------------------------------------------------

def pop(port):
    p = poplib.POP3("127.0.0.1", int(port))
    p.user(USER)
    check(p.pass_(PASSWORD).startswith(b"+OK"), "POP3 PASS")
    return p


def uidl(p):
    r = p.uidl()
    check(r[0].startswith(b"+OK"), "UIDL")
    return [x.decode().split(" ")[1] for x in r[1]]


def pop_id(uid, uv):
    return "%08X%08X" % (uid, uv)


def pop_full(port, md, state):
    uv = FOLDERS["INBOX"][0]
    p = pop(port)
    n, size = p.stat()
    check(n == 3, "STAT shows the 3 with UIDs (%d)" % n)
    ids = uidl(p)
    check(ids == [pop_id(u, uv) for u in sorted(known_uids("INBOX").values())],
          "UIDL of the old ones: %s" % ids)
    lines = p.retr(2)[1]
    check(b"Subject: m2" in lines, "RETR 2")
    check(p.dele(1).startswith(b"+OK"), "DELE 1")
    check(p.quit().startswith(b"+OK"), "QUIT")
    still_full(md)
    # a second session: the same ids, m1 gone
    p = pop(port)
    ids2 = uidl(p)
    check(ids2 == ids[1:], "second session: %s" % ids2)
    p.quit()
    json.dump({"ids": ids2}, open(state, "w"))


def pop_after(port, md, state):
    told = json.load(open(state))
    uv, nextuid = FOLDERS["INBOX"][0], FOLDERS["INBOX"][1]
    p = pop(port)
    ids = uidl(p)
    want = told["ids"] + [pop_id(nextuid, uv), pop_id(nextuid + 1, uv)]
    check(ids == want, "UIDL after: %s, wanted %s" % (ids, want))
    p.quit()
    p = pop(port)
    check(uidl(p) == want, "the next session: the same ids")
    p.quit()


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2])
    elif cmd == "snap":
        snap(sys.argv[2], sys.argv[3])
    elif cmd == "check":
        check_all(sys.argv[2], sys.argv[3],
                  sys.argv[4].split(",") if len(sys.argv) > 4 else None)
    elif cmd == "select":
        select_cmd(sys.argv[2], sys.argv[3])
        return
    else:
        {"imap-full": imap_full, "imap-after": imap_after,
         "imap-noinode": imap_noinode, "inodes-fill": inodes_fill,
         "pop-full": pop_full, "pop-after": pop_after}[cmd](*sys.argv[2:5])
    print("ok", checks)


if __name__ == "__main__":
    main()
