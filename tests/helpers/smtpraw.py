#!/usr/bin/python3
"""Raw SMTP client for the tests: sends exact bytes, prints the replies.

usage: smtpraw.py PORT STEP...
A STEP is N:BYTES: send BYTES (Python escapes: \\r \\n \\x00) then read
until N more final reply lines (code and space) have come.  At the end it
prints every reply line.  "close" as a step closes the connection at once.
Nothing is read after the last step: a test that expects more (a 421
after a timeout) asks for it with a step that sends nothing ("1:").
"""
import codecs
import socket
import sys

port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), 10)
s.settimeout(20)
data = b""
finals = 0


def read_finals(n):
    global data, finals
    want = finals + n
    while finals < want:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return False
        if not chunk:
            return False
        data += chunk
        finals = sum(1 for line in data.split(b"\r\n")[:-1]
                     if len(line) >= 4 and line[3:4] == b" ")
    return True


read_finals(1)  # greeting
for step in sys.argv[2:]:
    if step == "close":
        s.close()
        break
    n, _, text = step.partition(":")
    raw = codecs.escape_decode(text.encode())[0]
    try:
        if raw:
            s.sendall(raw)
    except OSError:
        break
    if not read_finals(int(n)):
        break
sys.stdout.write(data.decode("utf-8", "replace").replace("\r\n", "\n"))
