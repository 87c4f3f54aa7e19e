#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Issue 11 #3: `make install` (into a DESTDIR, twice) never overwrites an
# edited configuration file: the edit survives and the new file appears
# beside it as FILE.dist; the demo's policy and scenario go to
# $(pkgdatadir), not $(sysconfdir)/xenplm; the service files go to the
# configured init directories; `make uninstall` keeps the edited file.
# TAP.
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root
n=0

# A make of its own, not a job of the one running the tests.
mk() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s -C "$top_builddir" "$@"
}
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

mk print-install-dirs | grep "^[a-z]*dir=" >"$tmp/dirs" || { echo "Bail out! make print-install-dirs"; exit 99; }
. "$tmp/dirs"
conf=$d$xenplmconfdir
# An agent-only build (./configure --enable-agent-only) has no xenplm.
agent_only=no
[ -x "$top_builddir/src/xenplm" ] || agent_only=yes

mk install DESTDIR="$d" >"$tmp/install1" 2>&1
ok $? "make install DESTDIR=..."
[ -f "$conf/goals.xml" ]
ok $? "goals.xml in \$(sysconfdir)/xenplm"
if [ "$agent_only" = no ]; then
    [ -f "$conf/default.xml" ] && [ ! -e "$conf/demo.xml" ] &&
        [ -f "$d$pkgdatadir/demo.xml" ] && [ -f "$d$pkgdatadir/demo.scn" ]
    ok $? "default.xml in \$(sysconfdir)/xenplm; the demo's policy and scenario in \$(pkgdatadir)"
else
    n=$((n + 1))
    echo "ok $n - the policy files # SKIP an agent-only build"
fi
if [ -n "$initddir" ]; then
    [ -x "$d$initddir/xenplm-agent" ]
    ok $? "an init script in the configured initddir ($initddir)"
fi
if [ -n "$systemdsystemunitdir" ]; then
    [ -f "$d$systemdsystemunitdir/xenplm-agent.service" ]
    ok $? "a unit in the configured systemd directory ($systemdsystemunitdir)"
fi

# An administrator's edit, then a second install.
echo "<!-- edited -->" >>"$conf/goals.xml"
cp "$conf/goals.xml" "$tmp/edited"
[ "$agent_only" = no ] && cp "$conf/default.xml" "$tmp/default.xml"
mk install DESTDIR="$d" >"$tmp/install2" 2>&1
ok $? "make install again"
cmp -s "$conf/goals.xml" "$tmp/edited"
ok $? "the edited goals.xml survives"
[ -f "$conf/goals.xml.dist" ] && ! cmp -s "$conf/goals.xml.dist" "$tmp/edited" &&
    tail -1 "$conf/goals.xml" | grep -q edited && ! grep -q edited "$conf/goals.xml.dist"
ok $? "the new goals.xml is installed beside it as goals.xml.dist"
grep -q "kept $conf/goals.xml .*goals.xml.dist" "$tmp/install2"
ok $? "and make install says so"
if [ "$agent_only" = no ]; then
    cmp -s "$conf/default.xml" "$tmp/default.xml" && [ ! -e "$conf/default.xml.dist" ]
    ok $? "the unedited default.xml is installed again, without a .dist"
fi

mk uninstall DESTDIR="$d" >"$tmp/uninstall" 2>&1
ok $? "make uninstall"
cmp -s "$conf/goals.xml" "$tmp/edited" && [ ! -e "$conf/goals.xml.dist" ] &&
    [ ! -e "$conf/default.xml" ]
ok $? "uninstall keeps the edited file alone, removes the .dist and the unedited files"
left=$(find "$d" -type f ! -path "$conf/goals.xml")
[ -z "$left" ]
ok $? "nothing else is left"
[ -n "$left" ] && echo "$left" | sed 's/^/#   /'
echo "1..$n"
