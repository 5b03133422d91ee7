#!/usr/bin/python3
"""usage: crashsend.py PORT SESSIONS MESSAGES OUT USER...

SESSIONS concurrent SMTP sessions send MESSAGES messages in all, round
robin to USER@example.test, each with the Subject "crash K", one try
each.  While posta-enqueue dies under it, a transaction may fail or a
session drop: the session goes on (on a new connection when needed)
with the next message.  Writes to OUT one line per message: "250 K" when the
server accepted it, "NO K reply" otherwise."""
import smtplib
import sys
import threading

port, nsess, nmsg, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
users = sys.argv[5:]
lock = threading.Lock()
results = []


def session(first):
    c = None
    for k in range(first, nmsg, nsess):
        to = "%s@example.test" % users[k % len(users)]
        msg = "Subject: crash %d\r\nTo: %s\r\n\r\nmessage %d\r\n" % (k, to, k)
        # one try a message: a retry could send twice what did arrive
        try:
            if c is None:
                c = smtplib.SMTP("127.0.0.1", port, timeout=60)
                c.ehlo("crash.test")
            c.sendmail("crash@client.test", [to], msg)
            line = "250 %d" % k
        except smtplib.SMTPResponseException as e:
            line = "NO %d %d" % (k, e.smtp_code)
            try:
                c.rset()
            except Exception:  # noqa: BLE001 - the session is gone
                c = None
        except Exception as e:  # noqa: BLE001 - connection lost
            line = "NO %d %s" % (k, type(e).__name__)
            c = None
        with lock:
            results.append(line)
    if c is not None:
        try:
            c.quit()
        except Exception:  # noqa: BLE001
            pass


threads = [threading.Thread(target=session, args=(i,)) for i in range(nsess)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(out, "w") as f:
    f.write("\n".join(results) + "\n")
