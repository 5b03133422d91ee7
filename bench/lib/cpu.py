"""CPU seconds (user + system) of a set of process trees: each given
process, its living descendants, and the children they have reaped.
usage: cpu.py PID..."""
import os
import sys

HZ = os.sysconf("SC_CLK_TCK")


def stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    # fields after the command: state ppid ... utime(14) stime cutime cstime
    ppid = int(rest[1])
    t = sum(int(x) for x in rest[11:15])
    return ppid, t


procs = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        st = stat(d)
        if st:
            procs[int(d)] = st
kids = {}
for pid, (ppid, _) in procs.items():
    kids.setdefault(ppid, []).append(pid)
seen, todo, total = set(), [int(p) for p in sys.argv[1:]], 0
while todo:
    p = todo.pop()
    if p in seen or p not in procs:
        continue
    seen.add(p)
    total += procs[p][1]
    todo.extend(kids.get(p, []))
print(f"{total / HZ:.2f}")
