#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Issue 11 #4: the paths the programs name come from paths.h, which make
# rewrites when configure's values change, so a reconfigure with another
# prefix rebuilds what uses them.  On a copy of this build tree, run
# configure again with --prefix=/usr --sysconfdir=/etc (as a packager
# would), then make: --help names the new paths.  And with
# sysconfdir=/etc, the service files go where the init system looks
# (issue 11 #3).  TAP; skipped in a VPATH build (a copy of the build tree
# would not find its sources).
top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
if [ "$top_srcdir" != "$top_builddir" ]; then
    echo "1..0 # SKIP a VPATH build"
    exit 0
fi
if [ ! -x "$top_builddir/src/xenplmd-sim" ]; then
    echo "1..0 # SKIP an agent-only build"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-reconf.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
mk() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s "$@"
}

# The tree as built, less the logs and the real-Xen rig's cache.
(cd "$top_builddir" && tar -cf - --exclude=./tests/xen/work --exclude='*.log' --exclude='*.trs' .) |
    (mkdir "$tmp/tree" && cd "$tmp/tree" && tar -xf -) || exit 99
cd "$tmp/tree" || exit 99
src/xenplmd-sim --help >"$tmp/before" 2>&1
old=$(sed -n 's/^sysconfdir=//p' <<EOT
$(mk print-install-dirs)
EOT
)
grep -q "(default $old/xenplm/default.xml)" "$tmp/before"
ok $? "as built, xenplmd-sim --help names $old/xenplm/default.xml"

eval "set -- $(./config.status --config)"
# The default service directories are checked below: leave out the build's
# own choice of them (a package build says --with-initddir=no).
for a in "$@"; do
    shift
    case "$a" in
    --with-initddir=* | --with-systemdsystemunitdir=*) ;;
    *) set -- "$@" "$a" ;;
    esac
done
./configure "$@" --prefix=/usr --sysconfdir=/etc >"$tmp/configure" 2>&1
ok $? "configure again, with --prefix=/usr --sysconfdir=/etc"
mk src/xenplmd-sim guest-agent/xenplm-agent >"$tmp/make" 2>&1
ok $? "make"
src/xenplmd-sim --help >"$tmp/sim" 2>&1
grep -q "(default /etc/xenplm/default.xml)" "$tmp/sim"
ok $? "xenplmd-sim --help names /etc/xenplm/default.xml"
grep -q '"/usr/share/xenplm"' paths.h
ok $? "paths.h names /usr/share/xenplm"
if [ -x src/xenplmd ]; then
    mk src/xenplmd >>"$tmp/make" 2>&1 && src/xenplmd --help 2>&1 | grep -q "(default /etc/xenplm/default.xml)"
    ok $? "xenplmd --help names /etc/xenplm/default.xml"
fi
guest-agent/xenplm-agent --help 2>&1 | grep -q "/etc/xenplm/goals.xml"
ok $? "xenplm-agent --help names /etc/xenplm/goals.xml"

mk print-install-dirs | grep "^[a-z]*dir=" >"$tmp/dirs"
. "$tmp/dirs"
[ "$initddir" = /etc/init.d ]
ok $? "init scripts go to /etc/init.d (got $initddir)"
want=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
[ -n "$want" ] || want=/usr/lib/systemd/system
[ "$systemdsystemunitdir" = "$want" ]
ok $? "units go to $want (got $systemdsystemunitdir)"
echo "1..$n"
