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
#   a sanitized build (the rig would boot an ASan daemon in a 512 MiB dom0)
# XENPLM_XEN_REQUIRE=1 makes every "cannot run here" a failure instead.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=.}"

if [ "${XENPLM_XEN:-1}" = 0 ]; then
    echo "1..0 # SKIP XENPLM_XEN=0"
    exit 0
fi
if ldd "$top_builddir/src/xenplmd" 2>/dev/null | grep -q libasan; then
    echo "1..0 # SKIP a sanitized build: the rig runs the plain build's daemon (make check-xen there)"
    exit 0
fi
rc=0
"${SHELL:-/bin/sh}" "$here/run.sh" || rc=$?
if [ $rc -eq 77 ]; then
    exit 0
fi
exit $rc
