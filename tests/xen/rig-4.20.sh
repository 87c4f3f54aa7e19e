#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The build matrix's Debian 13 row on real Xen: the rig of tests/xen/rig.sh
# booting Xen 4.20 and Linux 6.12 (Debian 13's, pinned in
# tests/xen/versions-4.20) under QEMU, with the programs tests/matrix/deb13.sh
# built in a Debian 13 chroot (tests/matrix/deb13-build/), the same scenarios
# (XENPLM_XEN_SCENARIOS) and the same checks.
#
# A Debian 13 chroot (tests/matrix/chroot.sh, the cached MATRIX_BUILD
# tarball unpacked) serves twice: its apt downloads the pinned packages
# into the rig's cache (fetch.sh, XENPLM_XEN_CHROOT), and the shared
# libraries the images need beyond the pinned packages (libc6 2.41 and the
# like, which the programs built there link) are copied from it
# (mkinitrd.sh, XENPLM_XEN_SYSROOT).  It is removed on every exit.
#
# Runs only when asked (tests/matrix/common.sh): XENPLM_MATRIX=all or a
# list holding xen4.20, or CI=true; skipped with XENPLM_XEN=0 as rig.sh is.
# A row that cannot run (no debootstrap, no QEMU, the mirror out of reach,
# deb13.sh's programs missing) is a skip, or a failure under CI=true,
# XENPLM_MATRIX_REQUIRE=1 or XENPLM_XEN_REQUIRE=1.  Its work directory is
# tests/xen/work-4.20, its log tests/xen/rig-4.20.log.
set -eu

me=rig-4.20.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../matrix/common.sh"
# shellcheck source=../matrix/packages
. "$here/../matrix/packages"

matrix_wants xen4.20 || matrix_skip_default xen4.20 "Debian 13's Xen 4.20 rig"
if [ "${XENPLM_XEN:-1}" = 0 ]; then
    echo "1..0 # SKIP XENPLM_XEN=0"
    exit 0
fi
if matrix_required; then
    XENPLM_XEN_REQUIRE=1
    export XENPLM_XEN_REQUIRE
fi
if [ "${XENPLM_XEN_REQUIRE:-0}" = 1 ]; then
    XENPLM_MATRIX_REQUIRE=1
    export XENPLM_MATRIX_REQUIRE
fi

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
build="$top_builddir/tests/matrix/deb13-build"
sysroot="$top_builddir/tests/xen/sysroot-4.20"
chroot_sh="$here/../matrix/chroot.sh"

[ -x "$build/src/xenplmd" ] ||
    matrix_cannot "no programs built in Debian 13 ($build): tests/matrix/deb13.sh failed or did not run"

# shellcheck disable=SC2317 # called by the trap
cleanup() {
    "$chroot_sh" remove "$sysroot" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rc=0
# shellcheck disable=SC2086 # a list of packages
"$chroot_sh" make trixie "$sysroot" $MATRIX_BUILD 2>"$sysroot.err" || rc=$?
cat "$sysroot.err" >&2
why=$(sed -n 's/^.*: SKIP: //p' "$sysroot.err" | tail -n 1)
rm -f "$sysroot.err"
[ $rc -ne 77 ] || matrix_cannot "$why"
if [ $rc -ne 0 ]; then
    echo "Bail out! making the Debian 13 chroot failed (chroot.sh, exit status $rc)"
    exit 1
fi

# The Xen the programs were built against, and the one booted: the same
# unless Debian 13 updated Xen since versions-4.20 was last bumped.
# shellcheck source=versions-4.20
. "$here/versions-4.20"
built=$(sed -n 's/^libxen-dev=//p' "$build/VERSIONS" 2>/dev/null)
echo "# programs built in Debian 13 against libxen-dev ${built:-(unknown)}; booting Xen $XEN_VERSION, Linux $KERNEL_VERSION"
if [ -n "$built" ] && [ "$built" != "$XEN_VERSION" ]; then
    echo "# note: Debian 13's Xen is now $built: bump tests/xen/versions-4.20"
fi

# Its first whole run, beside other builds, took 885 s of QEMU: close to
# the 4.17 rig's 900 s limit, which a loaded CI machine would pass.
: "${XENPLM_XEN_TIMEOUT:=1200}"
XENPLM_XEN_ROW=4.20
XENPLM_XEN_VERSIONS="$here/versions-4.20"
XENPLM_XEN_CHROOT=$sysroot
XENPLM_XEN_SYSROOT=$sysroot
XENPLM_XEN_BUILD=$build
XENPLM_XEN_WORK="$top_builddir/tests/xen/work-4.20"
# What the Debian 13 packages hold, when tests/package/build.sh built them
# (the programs built in deb13-build otherwise).
XENPLM_XEN_DEBS="$top_builddir/tests/package/out/trixie"
# The PVH guest (scenario-daemon.sh, step 9) is left out unless
# XENPLM_XEN_PVH=1, on this row as on the 4.17 one (boot.sh passes it).
export XENPLM_XEN_TIMEOUT XENPLM_XEN_ROW XENPLM_XEN_VERSIONS XENPLM_XEN_CHROOT XENPLM_XEN_SYSROOT \
    XENPLM_XEN_BUILD XENPLM_XEN_WORK XENPLM_XEN_DEBS top_srcdir top_builddir
rc=0
"${SHELL:-/bin/sh}" "$here/rig.sh" || rc=$?
exit $rc
