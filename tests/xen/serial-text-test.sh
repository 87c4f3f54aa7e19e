#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# serial_text (tests/xen/common.sh) on made-up serial logs (TAP; no QEMU):
# carriage returns go; a message of Xen's own that landed inside one of
# dom0's lines, after a character that is not a blank, comes out on a line
# of its own and dom0's line is joined again, and the join is said on the
# console; Xen's lines as dom0 quotes them ("| (XEN) ..."), and Xen's
# lines of their own, stay as they are; a line held at the end of the log
# is not lost.
here=$(cd "$(dirname "$0")" && pwd)
me=serial-text-test
# shellcheck source=tests/xen/common.sh
. "$here/common.sh"
# Not the console's descriptor (the Makefile's 9>&2): the joins of these
# made-up logs are not the rig's, and go to stderr alone, read below.
exec 9>&-
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-serialtext.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
# check DESC: the last run's text against WANT, in $tmp.
check() {
    n=$((n + 1))
    if cmp -s "$tmp/want" "$tmp/out"; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        diff "$tmp/want" "$tmp/out" | sed 's/^/#   /'
        failed=1
    fi
}

echo "1..6"

# 1: carriage returns out, nothing else touched.
printf '%s\r\n' "XENPLM-READY uptime=3.10" "(XEN) Xen version 4.17" \
    "# metrics cpu=12 mem=256" "| (XEN) quoted by dom0" >"$tmp/log"
printf '%s\n' "XENPLM-READY uptime=3.10" "(XEN) Xen version 4.17" \
    "# metrics cpu=12 mem=256" "| (XEN) quoted by dom0" >"$tmp/want"
serial_text "$tmp/log" "$tmp/out" 2>"$tmp/console"
check "carriage returns dropped, Xen's own and quoted lines left as they are"

n=$((n + 1))
if [ -s "$tmp/console" ]; then
    echo "not ok $n - nothing said on the console when nothing was joined"
    sed 's/^/#   /' "$tmp/console"
    failed=1
else
    echo "ok $n - nothing said on the console when nothing was joined"
fi

# 3: the case seen once: Xen's message inside a metrics line.
printf '%s\r\n' "# metrics cpu=12 mem=2(XEN) uart interrupt taking more than 4ms, switched to polling" \
    "56 pct=40" "ok 3 - next" >"$tmp/log"
printf '%s\n' "(XEN) uart interrupt taking more than 4ms, switched to polling" \
    "# metrics cpu=12 mem=256 pct=40" "ok 3 - next" >"$tmp/want"
serial_text "$tmp/log" "$tmp/out" 2>"$tmp/console"
check "a line of dom0's cut by a message of Xen's joined again, Xen's message on its own line"

n=$((n + 1))
if grep -q 'joined again: # metrics cpu=12 mem=2$' "$tmp/console"; then
    echo "ok $n - the join said on the console, with dom0's part"
else
    echo "not ok $n - the join said on the console, with dom0's part"
    sed 's/^/#   /' "$tmp/console"
    failed=1
fi

# 5: two lines of Xen's in a row inside dom0's line: both kept, one join.
printf '%s\r\n' "ok 4 - gue(XEN) first" "(XEN) second" "st-a up" >"$tmp/log"
printf '%s\n' "(XEN) first" "(XEN) second" "ok 4 - guest-a up" >"$tmp/want"
serial_text "$tmp/log" "$tmp/out" 2>/dev/null
check "two messages of Xen's in a row inside dom0's line: both kept, the line joined once"

# 6: the log ends inside the cut line: dom0's part is not lost.
printf '%s\r\n' "XENPLM-DO(XEN) last words" >"$tmp/log"
printf '%s\n' "(XEN) last words" "XENPLM-DO" >"$tmp/want"
serial_text "$tmp/log" "$tmp/out" 2>/dev/null
check "a line cut at the end of the log kept"

exit "$failed"
