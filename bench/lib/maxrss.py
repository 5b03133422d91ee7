"""Run a command with stdin/stdout as given; print its peak RSS in KiB
(RUSAGE_CHILDREN ru_maxrss) on stderr.  usage: maxrss.py CMD ARGS..."""
import resource
import subprocess
import sys

rc = subprocess.call(sys.argv[1:])
sys.stderr.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
