#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Issue 12 #3: xenplm's Debian packages build on Debian 12 (the host) and,
# in a chroot, on Debian 13, and lintian finds no error and no warning
# (overrides, each with its reason, are in debian/*.lintian-overrides).
# Each release is also built one version up, with changed conffiles, for
# the upgrade test (tests/package/install.sh).  The packages are kept in
# tests/package/out/RELEASE/ (and RELEASE/next/), where install.sh and
# the real-Xen rig take them from.  Run only when asked (lib.sh).  TAP.
me=tests/package/build.sh
. "${top_srcdir:-.}/tests/package/lib.sh"

# Whatever out/ holds was built from other sources: the rig must not take it.
rm -rf "$out_dir"
asked || not_asked

[ "$(id -u)" -eq 0 ] || cannot "the chroots need root"
for t in git dpkg-buildpackage dh fakeroot lintian dpkg-parsechangelog; do
    command -v "$t" >/dev/null 2>&1 ||
        cannot "$t is not installed (scripts/install-deps --package)"
done
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 ||
    cannot "$top_srcdir is not a git checkout: the package tests copy its files with git ls-files"
# shellcheck source=../matrix/packages
. "$top_srcdir/tests/matrix/packages"

work=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-pkgbuild.XXXXXX") || exit 99
cleanup() {
    [ -z "${root:-}" ] || "$chroot_sh" remove "$root"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

version=$(cd "$top_srcdir" && dpkg-parsechangelog -S Version) ||
    cannot "cannot read debian/changelog"
# The sources as git sees them (tracked files as they are in the tree,
# and new files not ignored), without any build's output.
(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf -) >"$work/src.tar" 2>"$work/tar.err" ||
    { cat "$work/tar.err" >&2; exit 99; }
host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

# show LOG: the end of a failed step's log, as TAP comments.
show() {
    tail -n 40 "$1" | sed 's/^/# /'
}

# step RELEASE WHAT DESC: debbuild.sh WHAT for RELEASE, on the host or in
# its chroot ($root), logged to $work/RELEASE.WHAT.log; one TAP result.
step() {
    s_rel=$1 s_what=$2 s_desc=$3
    s_log=$work/$s_rel.$s_what.log
    s_t0=$(date +%s)
    if [ -n "${root:-}" ]; then
        sb=/build
        run() { "$chroot_sh" run "$root" env ${XENPLM_PACKAGE_CHECK:+XENPLM_PACKAGE_CHECK="$XENPLM_PACKAGE_CHECK"} sh "$@"; }
    else
        sb=$work/$s_rel
        run() { env -u CI XENPLM_PACKAGES=0 sh "$@"; }
    fi
    case "$s_what" in
    build) set -- "$sb/debbuild.sh" build "$sb/xenplm-$version" "$sb/out" ;;
    lintian) set -- "$sb/debbuild.sh" lintian "$sb/out" ;;
    next) set -- "$sb/debbuild.sh" next "$sb/xenplm-$version" "$sb/out/next" ;;
    esac
    s_rc=0
    run "$@" >"$s_log" 2>&1 || s_rc=$?
    [ "$s_rc" = 0 ] || show "$s_log"
    [ "$s_what" = lintian ] && sed -n '/^[EWIPXO]: /s/^/# /p' "$s_log"
    ok "$s_rc" "$s_rel: $s_desc ($(($(date +%s) - s_t0)) s)"
    say "$s_rel: $s_desc: $([ "$s_rc" = 0 ] && echo ok || echo FAILED) in $(($(date +%s) - s_t0)) s"
    return "$s_rc"
}

for rel in $releases; do
    root=""
    if [ "$rel" = "$host" ]; then
        b=$work/$rel
    else
        root=$work/$rel-root
        say "$rel: a chroot for the build"
        rc=0
        # shellcheck disable=SC2086 # a list of packages
        "$chroot_sh" make "$rel" "$root" $MATRIX_BUILD || rc=$?
        [ "$rc" = 77 ] && cannot "no $rel chroot (the reason is above)"
        if [ "$rc" != 0 ]; then
            ok 1 "$rel: a chroot to build in"
            continue
        fi
        b=$root/build
    fi
    mkdir -p "$b/xenplm-$version" || exit 99
    tar -C "$b/xenplm-$version" -xf "$work/src.tar" || exit 99
    cp "$top_srcdir/tests/package/debbuild.sh" "$b/"
    if step "$rel" build "dpkg-buildpackage -us -uc -b"; then
        step "$rel" lintian "lintian: no error, no warning"
        step "$rel" next "the same packages one version up, conffiles changed"
        mkdir -p "$out_dir"
        cp -R "$b/out" "$out_dir/$rel"
    fi
    if [ -n "$root" ]; then
        "$chroot_sh" remove "$root"
    else
        rm -rf "$b"
    fi
    root=""
done
[ -d "$out_dir" ] && say "the packages are in $out_dir: $(cd "$out_dir" && echo */*.deb)"
done_testing
