#!/bin/sh
# Fuzz for real: every target (or the ones named) in turn for SECS
# seconds each, one at a time, at nice 19, round after round until
# build/fuzz/stop exists.  New inputs go to build/fuzz/work/<name>,
# crashes to build/fuzz/crash/; build/fuzz/soak.log gets a line per run
# with the CPU seconds it used (sum them per target for the report).
# usage: tests/fuzz/soak.sh SECS [name ...]   (after make fuzz)
#        tests/fuzz/soak.sh sum [soak.log ...]  CPU seconds per target
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:?usage: soak.sh SECS [name ...] | soak.sh sum [log ...]}
shift
b=$top/build/fuzz
if [ "$secs" = sum ]; then
	[ $# -gt 0 ] || set -- "$b/soak.log"
	awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^cpu=/) s[$2] += substr($i, 5) }
	    END { for (t in s) printf "%-12s %8.0f\n", t, s[t] }' "$@" | sort
	exit 0
fi
mkdir -p "$b/work" "$b/crash"
while [ ! -e "$b/stop" ]; do
	names=${*:-$(cd "$b/bin" && ls | sed 's/^fuzz_//')}
	for t in $names; do
		[ -e "$b/stop" ] && exit 0
		mkdir -p "$b/work/$t"
		start=$(date -u +%FT%TZ)
		/usr/bin/time -f "%U %S" -o "$b/time.$t" nice -n 19 \
		    "$b/bin/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		    -rss_limit_mb=1024 -artifact_prefix="$b/crash/$t-" \
		    "$b/work/$t" "$top/tests/fuzz/corpus/$t" >"$b/out.$t" 2>&1
		rc=$?
		cpu=$(tail -n 1 "$b/time.$t" | awk '{ print $1 + $2 }')
		echo "$start $t exit=$rc cpu=$cpu" >>"$b/soak.log"
	done
done
