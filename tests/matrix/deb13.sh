#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The build matrix's Debian 13 row: this source tree built and tested in a
# fresh Debian 13 (trixie) chroot, against Xen 4.20's libraries there.
#
# In a chroot made by tests/matrix/chroot.sh (trixie, with MATRIX_BUILD of
# tests/matrix/packages; the tarball is cached, so only the first run pays
# for debootstrap), it copies the source tree in (the files git knows, from
# a git checkout; the whole source directory, from a distribution tree
# built out of it, as distcheck does), then runs
#     ./autogen.sh && ./configure --enable-werror && make -j2
#     XENPLM_XEN=0 XENPLM_MATRIX=none XENPLM_PACKAGES=0 make -j2 check
# one TAP result a step.  The programs the real-Xen rig copies into its
# images (src/xenplmd, src/xenplm, guest-agent/xenplm-agent, the
# tests/xen/ helpers) are kept in tests/matrix/deb13-build/ in the build
# directory, for tests/xen/rig-4.20.sh, with the versions they were built
# against (deb13-build/VERSIONS).  On a failure, the chroot's
# test-suite.log, or the tail of the failed step's output, is printed into
# this test's log.  The chroot is unmounted and removed on every exit.
#
# Runs only when asked (see tests/matrix/common.sh): XENPLM_MATRIX=all or
# =deb13, or CI=true; otherwise a skip.  Where it cannot run (not root,
# no debootstrap, the mirror out of reach) it is a skip with the reason,
# or a failure under CI=true or XENPLM_MATRIX_REQUIRE=1.
# Environment: XENPLM_MATRIX_JOBS (make -j, default 2), and chroot.sh's.
set -eu

me=deb13.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
# shellcheck source=packages
. "$here/packages"

matrix_wants deb13 || matrix_skip_default deb13 "Debian 13"

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
jobs=${XENPLM_MATRIX_JOBS:-2}
chroot_sh="$here/chroot.sh"

work="$top_builddir/tests/matrix/deb13.work"
root="$work/root"
keep="$top_builddir/tests/matrix/deb13-build"

cleanup() {
    "$chroot_sh" remove "$root" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup
mkdir -p "$work"
rm -rf "$keep"

# --- the file list of the source tree --------------------------------------------
# From git: what it tracks, and what it would (new files not added yet),
# as they are in the working tree.  Otherwise, a distribution tree (distcheck
# builds out of one, read-only): all of it.  A tree without git that was
# configured in place holds build products, which must not reach the chroot.
list="$work/files"
gitroot=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$gitroot" ] && [ "$(cd "$gitroot" && pwd)" = "$top_srcdir" ]; then
    (cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard) |
        tr '\0' '\n' | while IFS= read -r f; do
        [ -f "$top_srcdir/$f" ] && printf '%s\n' "$f"
    done >"$list"
    source_kind="the files git knows"
elif [ ! -e "$top_srcdir/config.status" ]; then
    (cd "$top_srcdir" && find . -type f | sed 's|^\./||') >"$list"
    source_kind="the distribution tree"
else
    matrix_cannot "$top_srcdir has no git and was configured in place: run it from a git checkout or a build directory of its own"
fi
[ -s "$list" ] || matrix_cannot "no source files found in $top_srcdir"

# --- the chroot --------------------------------------------------------------------
rc=0
# shellcheck disable=SC2086 # a list of packages
"$chroot_sh" make trixie "$root" $MATRIX_BUILD 2>"$work/make.err" || rc=$?
cat "$work/make.err" >&2
if [ $rc -eq 77 ]; then
    matrix_cannot "$(sed -n 's/^.*: SKIP: //p' "$work/make.err" | tail -n 1)"
elif [ $rc -ne 0 ]; then
    echo "Bail out! making the Debian 13 chroot failed (chroot.sh, exit status $rc)"
    exit 1
fi

mkdir -p "$root/src/xenplm"
(cd "$top_srcdir" && tr '\n' '\0' <"$list" | tar --null -T - -cf -) |
    tar -C "$root/src/xenplm" -xf -

# --- the steps ---------------------------------------------------------------------
n=0
failed=0
# step DESC COMMAND: COMMAND run by sh in the tree inside the chroot; its
# output goes to the step's log, its tail shown on a failure.
step() {
    n=$((n + 1))
    slog="$work/step-$n.log"
    t0=$(date +%s)
    if "$chroot_sh" run "$root" sh -c "cd /src/xenplm && $2" >"$slog" 2>&1; then
        echo "ok $n - $1 ($(($(date +%s) - t0)) s)"
        return 0
    fi
    echo "not ok $n - $1"
    failed=$((failed + 1))
    echo "$me: '$2' failed in the Debian 13 chroot; its last lines:" >&2
    tail -n 40 "$slog" | sed 's/^/| /' >&2
    return 1
}
finish() {
    echo "1..$n"
    [ $failed -eq 0 ]
    exit $?
}

echo "# Debian 13 (trixie) chroot; source: $source_kind ($(wc -l <"$list") files)"
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
versions=$("$chroot_sh" run "$root" dpkg-query -W -f '${Package}=${Version}\n' \
    libc6 libxen-dev gcc libxml2-dev libyajl-dev check 2>/dev/null) || versions=""
printf '%s\n' "$versions" | sed 's/^/# /'

step "autogen.sh" "./autogen.sh" || finish
step "configure --enable-werror finds Xen's libraries" \
    "./configure --enable-werror >configure.out 2>&1 || { tail -n 30 config.log; exit 1; }; cat configure.out; grep -q 'Xen support: *yes' configure.out" ||
    finish
step "make -j$jobs, warning-free (-Werror) against Xen 4.20's headers" "make -j$jobs" || finish
n=$((n + 1))
if "$chroot_sh" run "$root" sh -c 'readelf -d /src/xenplm/src/xenplmd' 2>&1 |
    grep -q 'NEEDED.*libxenlight\.so\.4\.20'; then
    echo "ok $n - xenplmd links Xen 4.20's libxenlight"
else
    echo "not ok $n - xenplmd links Xen 4.20's libxenlight"
    failed=$((failed + 1))
fi
if ! step "make check (XENPLM_XEN=0: no rig inside the chroot)" \
    "XENPLM_XEN=0 XENPLM_MATRIX=none XENPLM_PACKAGES=0 make -j$jobs check"; then
    if [ -f "$root/src/xenplm/test-suite.log" ]; then
        echo "$me: the chroot's test-suite.log:" >&2
        sed 's/^/| /' "$root/src/xenplm/test-suite.log" >&2
    fi
    finish
fi

# --- what the rig needs --------------------------------------------------------------
mkdir -p "$keep.tmp/src" "$keep.tmp/guest-agent" "$keep.tmp/tests/xen"
b="$root/src/xenplm"
for p in src/xenplmd src/xenplm guest-agent/xenplm-agent tests/xen/xenplm-xenprobe \
    tests/xen/xenplm-xenfloor tests/xen/xenplm-xenmeter; do
    if [ -x "$b/$p" ]; then
        cp "$b/$p" "$keep.tmp/$p"
    fi
done
printf '%s\n' "$versions" >"$keep.tmp/VERSIONS"
rm -rf "$keep"
mv "$keep.tmp" "$keep"
n=$((n + 1))
if [ -x "$keep/src/xenplmd" ] && [ -x "$keep/guest-agent/xenplm-agent" ]; then
    echo "ok $n - the programs for the Xen 4.20 rig kept in tests/matrix/deb13-build"
else
    echo "not ok $n - the programs for the Xen 4.20 rig kept in tests/matrix/deb13-build"
    failed=$((failed + 1))
fi
finish
