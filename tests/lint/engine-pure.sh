#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The decision step (src/engine/) is a pure function: no port call, no
# clock read, no logging, no global state, and no header from the daemon,
# the port or the simulator.  Fails, naming the line, when one creeps in.
top=${top_srcdir:-.}
dir="$top/src/engine"
[ -d "$dir" ] || { echo "1..0 # SKIP no $dir"; exit 77; }
echo "1..4"
fail=0

check() { # n, description, pattern (extended regex, on code lines only)
    hits=$(grep -nE "$3" "$dir"/*.[ch] | grep -vE '^[^:]+:[0-9]+:\s*(\*|/\*)')
    if [ -n "$hits" ]; then
        echo "not ok $1 - $2"
        echo "$hits" | sed 's/^/# /'
        fail=1
    else
        echo "ok $1 - $2"
    fi
}

check 1 "no port call, port or daemon header" \
    '\bport_[a-z_]+\(|#include "(port|daemon|sim|common)/'
check 2 "no clock read" \
    '\b(clock_gettime|gettimeofday|time|sleep|usleep|nanosleep)\('
check 3 "no logging or other I/O" \
    '\b(log_[a-z]+|printf|fprintf|puts|fputs|syslog|perror|open|read|write)\('
# A variable that is not const, at file scope or static in a function,
# lands in writable data: the built library must have none.
lib="${top_builddir:-.}/src/libplmengine.a"
data=$(nm "$lib" 2>/dev/null | grep -E ' [bBdDcC] ')
if [ ! -f "$lib" ]; then
    echo "not ok 4 - no global state # $lib not built"
    fail=1
elif [ -n "$data" ]; then
    echo "not ok 4 - no global state"
    echo "$data" | sed 's/^/# /'
    fail=1
else
    echo "ok 4 - no global state"
fi

exit $fail
