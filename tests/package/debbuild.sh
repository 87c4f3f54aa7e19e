#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One step of building xenplm's Debian packages, the same on the host and
# inside a chroot (tests/package/build.sh runs it in both).  Not a test.
#
#   debbuild.sh build SRC OUT    dpkg-buildpackage -us -uc -b in SRC (a copy
#                                of the sources: the .debs land beside it),
#                                the .debs and .changes copied to OUT
#   debbuild.sh lintian OUT      lintian on OUT's .changes: no error, no
#                                warning (the overrides are in debian/)
#   debbuild.sh next SRC OUT     the same packages one version up, for the
#                                upgrade test: a changelog entry and a
#                                changed conffile in SRC (already built
#                                once: built again without cleaning, so
#                                nothing is compiled again), into OUT
#
# DEB_BUILD_OPTIONS gets nocheck unless XENPLM_PACKAGE_CHECK=1 (the
# packages are built after `make check` has run on the same sources), and
# noautodbgsym (the -dbgsym packages are not tested: not made).
set -eu
me=tests/package/debbuild.sh
die() {
    printf '%s: error: %s\n' "$me" "$*" >&2
    exit 1
}

[ $# -ge 2 ] || die "usage: $me build|lintian|next ..."
step=$1
shift
DEB_BUILD_OPTIONS="noautodbgsym${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
if [ "${XENPLM_PACKAGE_CHECK:-0}" != 1 ]; then
    DEB_BUILD_OPTIONS="nocheck $DEB_BUILD_OPTIONS"
fi
export DEB_BUILD_OPTIONS

# collect SRC OUT: the packages dpkg-buildpackage left beside SRC.
collect() {
    rm -rf "$2"
    mkdir -p "$2"
    version=$(cd "$1" && dpkg-parsechangelog -S Version)
    for f in "$1"/../*_"$version"_*.deb "$1"/../*_"$version"_*.changes \
        "$1"/../*_"$version"_*.buildinfo; do
        case "$f" in *-dbgsym_*) continue ;; esac
        [ -f "$f" ] || die "dpkg-buildpackage made no $f"
        cp "$f" "$2/"
    done
}

case "$step" in
build)
    [ $# -eq 2 ] || die "usage: $me build SRC OUT"
    (cd "$1" && dpkg-buildpackage -us -uc -b -Jauto) || die "dpkg-buildpackage failed"
    collect "$1" "$2"
    ;;
lintian)
    [ $# -eq 1 ] || die "usage: $me lintian OUT"
    lintian --version
    # Errors and warnings fail; information is shown (-I) but does not.
    lintian -I --fail-on error,warning "$1"/*.changes
    ;;
next)
    [ $# -eq 2 ] || die "usage: $me next SRC OUT"
    cd "$1"
    version=$(dpkg-parsechangelog -S Version)
    {
        printf 'xenplm (%s+pkgtest1) unstable; urgency=medium\n\n' "$version"
        printf '  * The package tests'"'"' upgrade: default.xml and goals.xml changed.\n\n'
        printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
        cat debian/changelog
    } >debian/changelog.new
    mv debian/changelog.new debian/changelog
    for f in policies/default.xml policies/goals/default.xml; do
        printf '<!-- xenplm package test: version %s+pkgtest1 -->\n' "$version" >>"$f"
    done
    dpkg-buildpackage -us -uc -b -nc -Jauto || die "dpkg-buildpackage (the next version) failed"
    collect "$1" "$2"
    ;;
*) die "unknown step $step (build, lintian, next)" ;;
esac
