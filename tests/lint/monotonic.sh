#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Timing on dom0 reads CLOCK_MONOTONIC alone (common/clock.h, the port's
# now_ms), so that a jump of the wall clock (NTP stepping it, an operator
# setting it) neither stretches nor skips a backoff, a rate limit, a tick
# or a lease.  The wall clock is read for two things: the time stamps of
# the log (src/common/log.c) and the local time of day anticipation counts
# requests by (src/common/walltime.c, read through the port).  Fails, naming the line, when another read
# of it creeps into src/.  (The guest agent reads local time on purpose:
# its goals may follow the time of day.)
top=${top_srcdir:-.}
dir="$top/src"
[ -d "$dir" ] || { echo "1..0 # SKIP no $dir"; exit 77; }
echo "1..2"
fail=0

code() { # pattern: matching code lines (not comments) of src/, log.c and walltime.c aside
    grep -rnE --include='*.[ch]' "$1" "$dir" | grep -vE '/src/common/(log|walltime)\.c:' |
        grep -vE '^[^:]+:[0-9]+:\s*(\*|/\*)'
}

hits=$(code '\b(gettimeofday|time|ftime|clock|localtime|gmtime|localtime_r|gmtime_r)\(|CLOCK_REALTIME|CLOCK_TAI')
if [ -n "$hits" ]; then
    echo "not ok 1 - no wall-clock read outside the log's time stamps and walltime.c"
    echo "$hits" | sed 's/^/# /'
    fail=1
else
    echo "ok 1 - no wall-clock read outside the log's time stamps and walltime.c"
fi

hits=$(code 'clock_gettime\(' | grep -v 'CLOCK_MONOTONIC')
if [ -n "$hits" ]; then
    echo "not ok 2 - every clock_gettime reads CLOCK_MONOTONIC"
    echo "$hits" | sed 's/^/# /'
    fail=1
else
    echo "ok 2 - every clock_gettime reads CLOCK_MONOTONIC"
fi

exit $fail
