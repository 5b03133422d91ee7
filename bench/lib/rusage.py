"""Run a command; print "wall-seconds cpu-seconds" of it and every
descendant it waited for (RUSAGE_CHILDREN).  usage: rusage.py CMD ARGS..."""
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
rc = subprocess.call(sys.argv[1:])
t1 = time.monotonic()
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.2f" % (t1 - t0, r.ru_utime + r.ru_stime))
sys.exit(rc)
