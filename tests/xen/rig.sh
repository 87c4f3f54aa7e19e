#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# `make check`'s entry to the real-Xen rig: runs tests/xen/run.sh (the same
# as `make check-xen`) when QEMU and cpio are here, and is reported as
# skipped, with the reason, when they are not.  TAP on stdout, as run.sh
# prints it; run.sh's "cannot run here" (77) becomes a plan of 1..0 with a
# SKIP reason and exit status 0, as the TAP driver wants.
#
# Also skipped, saying why:
#   XENPLM_XEN=0     (to leave the rig out of a quick `make check`;
#                     .ci/run sets it for distcheck and the sanitized build)
#   a sanitized build (the rig would boot an ASan daemon in a 768 MiB dom0)
# XENPLM_XEN_REQUIRE=1 makes every "cannot run here" a failure instead.
# Another matrix row (tests/xen/rig-4.20.sh) sets XENPLM_XEN_ROW (4.20), the
# name its files carry, with run.sh's XENPLM_XEN_WORK and XENPLM_XEN_BUILD.
# XENPLM_XEN_TIMEOUT: QEMU's time limit, in seconds (default 900).
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=.}"

if [ "${XENPLM_XEN:-1}" = 0 ]; then
    echo "1..0 # SKIP XENPLM_XEN=0"
    exit 0
fi
if [ -z "${XENPLM_XEN_BUILD:-}" ] && ldd "$top_builddir/src/xenplmd" 2>/dev/null | grep -q libasan; then
    echo "1..0 # SKIP a sanitized build: the rig runs the plain build's daemon (make check-xen there)"
    exit 0
fi
# One more attempt (XENPLM_XEN_RETRY, default 1) only after an attempt
# whose every failure is a kernel that never came up under emulation
# (run.sh exits 75: dom0 never ready or crashed in its boot, a guest that
# never reported; seen under TCG on a loaded host: Debian 13's dom0 taking
# an int3 oops in early boot, a guest hung in boot), which CI must not
# fail on.  Any other failed check fails the run at once: it is the
# product's.  The failed attempt's TAP is kept as comments and its serial
# log as serial.attempt-N.log, and the console says why it is tried again.
attempts=$((${XENPLM_XEN_RETRY:-1} + 1))
me=rig.sh
. "$here/common.sh"
XENPLM_RIG_T0=$(now)
export XENPLM_RIG_T0
row=${XENPLM_XEN_ROW:+-$XENPLM_XEN_ROW}
work=${XENPLM_XEN_WORK:-$top_builddir/tests/xen/work}
tap="$top_builddir/tests/xen/attempt$row.tap"
n=1
while :; do
    rc=0
    "${SHELL:-/bin/sh}" "$here/run.sh" --timeout "${XENPLM_XEN_TIMEOUT:-900}" >"$tap" 2>"$tap.err" || rc=$?
    cat "$tap.err" >&2
    if [ $rc -ne 75 ] || [ $n -ge $attempts ]; then
        cat "$tap"
        rm -f "$tap" "$tap.err"
        [ $rc -eq 77 ] && exit 0
        [ $rc -eq 75 ] && exit 1
        exit $rc
    fi
    progress "attempt $n of $attempts: a kernel never came up under emulation (not the product's failure): trying again; the failed attempt is in tests/xen/rig$row.log"
    echo "# attempt $n of $attempts failed (exit status $rc); its output follows as comments:"
    sed 's/^/# | /' "$tap"
    if [ -f "$work/serial.log" ]; then
        cp "$work/serial.log" \
            "$top_builddir/tests/xen/serial$row.attempt-$n.log" 2>/dev/null || true
        echo "# its serial log: tests/xen/serial$row.attempt-$n.log"
    fi
    n=$((n + 1))
done
