#!/usr/bin/python3
"""Parse a message with Python's email package (an independent MIME
reader) and report it for the bats tests.

usage: mimeparse.py MESSAGE OUTDIR
Prints one line per part: "<depth-dots>type|cte|filename|content-id",
writes each leaf's decoded payload to OUTDIR/<n> (n = 1, 2, ... in tree
order), the decoded Subject/From/To/Cc to OUTDIR/headers, and exits 1
if the parser recorded any defect.
"""
import email
import email.policy
import os
import sys

msg_path, outdir = sys.argv[1], sys.argv[2]
os.makedirs(outdir, exist_ok=True)
with open(msg_path, 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)

defects = []
n = 0


def walk(part, depth):
    global n
    defects.extend(part.defects)
    print('%s%s|%s|%s|%s' % ('.' * depth, part.get_content_type(),
                             part.get('Content-Transfer-Encoding', ''),
                             part.get_filename() or '',
                             part.get('Content-ID', '')))
    if part.is_multipart():
        for k in part.iter_parts():
            walk(k, depth + 1)
    else:
        n += 1
        with open(os.path.join(outdir, str(n)), 'wb') as f:
            f.write(part.get_payload(decode=True) or b'')


walk(msg, 0)
with open(os.path.join(outdir, 'headers'), 'w', encoding='utf-8') as f:
    for h in ('From', 'To', 'Cc', 'Subject', 'Reply-To'):
        if h in msg:
            f.write('%s: %s\n' % (h, msg[h]))
sys.exit(1 if defects else 0)
