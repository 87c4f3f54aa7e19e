#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# `make check`'s entry to the two-host rig (issue 15): runs tests/xen/rig2.sh
# --pool (the same as `make check-xen2-pool`: the leader's order, the
# plain `xl migrate` baseline, the drain, the destination and leader
# killed) where QEMU, cpio, etcd and openssl are here, and is reported as
# skipped, with the reason, where they are not.  TAP on stdout, as rig2.sh
# prints it; rig2.sh's "cannot run here" (77) becomes a plan of 1..0 with a
# SKIP reason and exit status 0, as the TAP driver wants.
#
# Also skipped, saying why, as tests/xen/rig.sh is:
#   XENPLM_XEN=0     (the real-Xen rigs left out of a quick `make check`)
#   a sanitized build (the rig would boot an ASan daemon in dom0)
#   XENPLM_XEN2=0    (the two-host flow alone left out)
# XENPLM_XEN_REQUIRE=1 (CI) makes every "cannot run here" a failure instead.
# The Makefile runs it after rig.sh and rig-4.20.sh: never two rigs at once.
#
# One more attempt (XENPLM_XEN2_RETRY, default 1) only after an attempt
# whose every failure is the emulation's (rig2.sh exits 75: a host that
# never came up or crashed, a guest that never reported, a guest's triple
# fault under TCG), which CI must not fail on; any other failed check
# fails the run at once.  The failed attempt's TAP is kept as comments,
# its work directory as tests/xen/work2-pool.attempt-N, and the console
# says why it is tried again.  XENPLM_XEN2_TIMEOUT: each QEMU's time limit
# in seconds (default rig2.sh's, 3600).
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=.}"

if [ "${XENPLM_XEN:-1}" = 0 ]; then
    echo "1..0 # SKIP XENPLM_XEN=0"
    exit 0
fi
# By default since the rig boots its own hypervisor with shadow paging
# (xen-shadow.sh) and migrates PV guests: with Debian's hypervisor it had
# to migrate PVH guests, under QEMU's emulated SVM, and half its attempts
# failed by emulation (a PVH guest's triple fault, twice; a dom0 hung in
# its boot, once).  XENPLM_XEN2=0 leaves it out.
if [ "${XENPLM_XEN2:-1}" = 0 ]; then
    echo "1..0 # SKIP XENPLM_XEN2=0"
    exit 0
fi
if ldd "$top_builddir/src/xenplmd" 2>/dev/null | grep -q libasan; then
    echo "1..0 # SKIP a sanitized build: the rig runs the plain build's daemon (make check-xen2-pool there)"
    exit 0
fi
attempts=$((${XENPLM_XEN2_RETRY:-1} + 1))
me=rig2-check.sh
. "$here/common.sh"
XENPLM_RIG_T0=$(now)
XENPLM_XEN_ROW=2-host
export XENPLM_RIG_T0 XENPLM_XEN_ROW
work=${XENPLM_XEN2_WORK:-$top_builddir/tests/xen/work2-pool}
tap="$top_builddir/tests/xen/attempt-2host.tap"
n=1
while :; do
    rc=0
    "${SHELL:-/bin/sh}" "$here/rig2.sh" --pool ${XENPLM_XEN2_TIMEOUT:+--timeout "$XENPLM_XEN2_TIMEOUT"} \
        >"$tap" 2>"$tap.err" || rc=$?
    cat "$tap.err" >&2
    if [ $rc -ne 75 ] || [ $n -ge $attempts ]; then
        cat "$tap"
        rm -f "$tap" "$tap.err"
        [ $rc -eq 77 ] && exit 0
        [ $rc -eq 75 ] && exit 1
        exit $rc
    fi
    progress "attempt $n of $attempts: every failure is the emulation's (not the product's): trying again; the failed attempt is in tests/xen/rig2-check.log"
    echo "# attempt $n of $attempts failed (exit status $rc); its output follows as comments:"
    sed 's/^/# | /' "$tap"
    if [ -d "$work" ]; then
        rm -rf "$work.attempt-$n"
        mv "$work" "$work.attempt-$n"
        echo "# its work directory, with both serial logs: $work.attempt-$n"
    fi
    n=$((n + 1))
done
