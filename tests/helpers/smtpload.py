#!/usr/bin/python3
"""usage: smtpload.py PORT SESSIONS MESSAGES
SESSIONS concurrent smtplib sessions, each sending MESSAGES messages to
bob@example.test with the Subject "load S-M"; exits 1 if any failed."""
import smtplib
import sys
import threading

port, nsess, nmsg = (int(a) for a in sys.argv[1:4])
failures = []


def session(i):
    try:
        c = smtplib.SMTP("127.0.0.1", port, timeout=600)
        c.ehlo("load.test")
        for m in range(nmsg):
            c.sendmail("load@client.test", ["bob@example.test"],
                       "Subject: load %d-%d\r\n\r\nbody\r\n" % (i, m))
        c.quit()
    except Exception as e:  # noqa: BLE001 - report every failure
        failures.append("%d: %r" % (i, e))


threads = [threading.Thread(target=session, args=(i,)) for i in range(nsess)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for f in failures:
    print(f)
sys.exit(1 if failures else 0)
