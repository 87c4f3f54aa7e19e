# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2034
# Helpers of the Debian package tests (tests/package/*.sh).  Sourced.
#
# The package tests run only when asked: XENPLM_PACKAGES=1, or CI=true
# (XENPLM_PACKAGES=0 turns them off even then, as CI's distcheck and
# sanitized build do, and as debian/rules does for the build's own
# `make check`).  When asked, anything missing (a tool, the mirror) is a
# failure, not a skip.
#
# The packages built are kept in $top_builddir/tests/package/out/RELEASE/
# (the release's .debs, and in next/ the same packages one version up,
# for the upgrade test); the real-Xen rig takes xenplm from there
# (tests/xen/mkinitrd.sh --debs).  out/ holds only what the current run
# built: build.sh empties it first, and when it is not asked to run.
: "${me:=tests/package}"

top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
out_dir=$top_builddir/tests/package/out
chroot_sh=$top_srcdir/tests/matrix/chroot.sh
# The releases: the host is Debian 12 (bookworm); trixie is built and
# installed in chroots.
releases=${XENPLM_PACKAGE_RELEASES:-bookworm trixie}

msg() { printf '%s: %s\n' "$me" "$*" >&2; }

asked() {
    case "${XENPLM_PACKAGES:-}" in
    1 | yes | true) return 0 ;;
    0 | no | false) return 1 ;;
    esac
    [ "${CI:-}" = true ]
}

# skip REASON: a TAP plan of none with the reason (the TAP driver's skip),
# and the reason on stderr.
skip() {
    msg "SKIP: $*"
    echo "1..0 # SKIP $*"
    exit 0
}

# cannot REASON: skip, or fail when the tests were asked for (before any
# TAP result; after one, the step fails as a result of its own).
cannot() {
    if asked; then
        msg "error: $* (the package tests were asked for: XENPLM_PACKAGES=1 or CI=true)"
        echo "Bail out! $*"
        exit 1
    fi
    skip "$*"
}

# not_asked: skip, saying how to run the tests.
not_asked() {
    skip "the Debian package tests run only when asked: XENPLM_PACKAGES=1 make check TESTS='tests/package/build.sh tests/package/install.sh' (as root, with scripts/install-deps --package; CI=true runs them too)"
}

# TAP.
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
    fi
}
# check DESC COMMAND...: one TAP result for COMMAND's status.
check() {
    c_desc=$1
    shift
    c_rc=0
    "$@" || c_rc=$?
    ok "$c_rc" "$c_desc"
    return "$c_rc"
}
done_testing() {
    echo "1..$n"
    exit "$failed"
}

# The base time, for the figures on the console.
t_start=$(date +%s)
elapsed_s() { echo $(($(date +%s) - t_start)); }

# say TEXT: a line on the console (file descriptor 9, when make check
# hands it over) and in the log.
say() {
    s_line=$(printf '%s [%4s s] %s' "$me" "$(elapsed_s)" "$*")
    printf '%s\n' "$s_line" >&2
    if { true >&9; } 2>/dev/null; then
        printf '%s\n' "$s_line" >&9
    fi
}
