#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Issue 12 #3: the packages tests/package/build.sh built, installed as an
# operator would, in fresh chroots of each release (tests/matrix/chroot.sh,
# MATRIX_FRESH: a minimal system with systemd): xenplm in one, xenplm-agent
# in another.  Each goes through
#   apt-get install ./PACKAGE_*.deb   the files where Debian puts them, the
#                                     conffiles registered, no .dist files,
#                                     the programs run, the unit enabled but
#                                     started nowhere that is not Xen (the
#                                     init script says so and exits 0)
#   systemd-analyze verify            of the installed unit
#   upgrade over it                   to the next version (build.sh's next/):
#                                     an edited conffile the new version
#                                     changes is kept, the new one beside it
#                                     as .dpkg-dist; an edited one it does
#                                     not change is kept; an unedited one it
#                                     changes is replaced; no prompt
#   remove                            the programs gone, the configuration kept
#   purge                             configuration, state and service links
#                                     gone: nothing under /etc/xenplm
# xenplm-sim is installed beside xenplm, runs the demo, and is purged.
# Run only when asked (lib.sh), after build.sh (the Makefile orders them).
# TAP.
me=tests/package/install.sh
. "${top_srcdir:-.}/tests/package/lib.sh"

asked || not_asked
[ "$(id -u)" -eq 0 ] || cannot "the chroots need root"
# shellcheck source=../matrix/packages
. "$top_srcdir/tests/matrix/packages"

work=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-pkginst.XXXXXX") || exit 99
root=""
cleanup() {
    [ -z "$root" ] || "$chroot_sh" remove "$root"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# cr COMMAND...: run COMMAND in the chroot, its output in the log.
cr() {
    "$chroot_sh" run "$root" "$@"
}
# crs SCRIPT: a shell command line in the chroot.
crs() {
    "$chroot_sh" run "$root" sh -c "$1"
}
marker="xenplm package test: version"

# fresh RELEASE NAME: a fresh chroot of RELEASE in $root, with the
# release's packages in /debs (and the next version in /debs/next).
fresh() {
    [ -z "$root" ] || "$chroot_sh" remove "$root"
    root=$work/$1-$2
    f_rc=0
    # shellcheck disable=SC2086 # a list of packages
    "$chroot_sh" make "$1" "$root" $MATRIX_FRESH || f_rc=$?
    [ "$f_rc" = 77 ] && cannot "no $1 chroot (the reason is above)"
    [ "$f_rc" = 0 ] || return 1
    cp -R "$out_dir/$1" "$root/debs"
}

# lifecycle RELEASE PACKAGE: install, upgrade, remove, purge PACKAGE.
lifecycle() {
    rel=$1 pkg=$2
    case "$pkg" in
    xenplm)
        svc=xenplmd
        progs="/usr/sbin/xenplmd /usr/sbin/xenplm"
        conf=/etc/xenplm/default.xml
        # Run as the operator would: the shipped policy loads.
        run_test="xenplm policy-check /etc/xenplm/default.xml && xenplmd -n -f /etc/xenplm/default.xml"
        not_here="not a Xen dom0, not starting"
        state="/run/xenplm/control /run/xenplmd.pid"
        ;;
    xenplm-agent)
        svc=xenplm-agent
        progs=/usr/sbin/xenplm-agent
        conf=/etc/xenplm/goals.xml
        run_test="xenplm-agent --once --dry-run -f /etc/xenplm/goals.xml"
        not_here="not a Xen guest"
        state="/run/xenplm-agent.state /run/xenplm-agent.pid"
        ;;
    esac
    deb=$(cd "$root/debs" && echo "${pkg}"_*.deb)
    next=$(cd "$root/debs/next" && echo "${pkg}"_*.deb)
    new_version=$(dpkg-deb -f "$root/debs/next/$next" Version)
    say "$rel: $pkg: install, upgrade, remove, purge"

    check "$rel: apt-get install ./$deb" crs "cd /debs && apt-get install -y -q ./$deb"
    files_ok=0
    for f in $progs; do
        [ -x "$root$f" ] || { echo "# no $f"; files_ok=1; }
    done
    for f in $conf "/etc/default/$svc" "/etc/init.d/$svc"; do
        [ -f "$root$f" ] || { echo "# no $f"; files_ok=1; }
    done
    unit=$(cr dpkg -L "$pkg" | grep "/systemd/system/$svc\.service\$")
    [ -n "$unit" ] && [ -f "$root$unit" ] || { echo "# no $svc.service"; files_ok=1; }
    dist=$(find "$root/etc/xenplm" -name '*.dist')
    [ -z "$dist" ] || { echo "# .dist files: $dist"; files_ok=1; }
    for f in $conf "/etc/default/$svc" "/etc/init.d/$svc"; do
        cr dpkg-query -W -f='${Conffiles}\n' "$pkg" | grep -q "^ $f " ||
            { echo "# $f is not a conffile"; files_ok=1; }
    done
    ok "$files_ok" "$rel: $pkg's programs, conffiles, unit and init script where Debian puts them"
    check "$rel: the installed programs run: $run_test" crs "$run_test"
    check "$rel: $svc.service is enabled" crs "systemctl is-enabled $svc.service | grep -qx enabled"
    crs "/etc/init.d/$svc start" >"$work/initd" 2>&1
    initd_rc=$?
    cat "$work/initd" | sed 's/^/# /'
    [ "$initd_rc" = 0 ] && grep -q "$not_here" "$work/initd" && [ ! -e "$root/run/$svc.pid" ]
    ok $? "$rel: /etc/init.d/$svc start, where this is no Xen domain for it: starts nothing, exits 0"
    # --man=no: a minimal system has no man; the pages are looked for below.
    cr systemd-analyze verify --man=no "$unit" >"$work/verify" 2>&1
    verify_rc=$?
    sed 's/^/# /' "$work/verify"
    [ "$verify_rc" = 0 ] && [ ! -s "$work/verify" ]
    ok $? "$rel: systemd-analyze verify $unit: no complaint"
    man_ok=0
    for page in $(sed -n 's/^Documentation=//p' "$root$unit"); do
        page=${page#man:}
        sect=${page#*\(}
        sect=${sect%\)}
        f=/usr/share/man/man$sect/${page%%\(*}.$sect.gz
        [ -f "$root$f" ] || { echo "# the unit names $page: no $f"; man_ok=1; }
    done
    ok "$man_ok" "$rel: the man pages $svc.service names are installed"

    # The operator's edits, then the upgrade.
    case "$pkg" in
    xenplm)
        edited="$conf /etc/default/$svc"
        ;;
    xenplm-agent)
        edited="/etc/default/$svc"
        cp "$root$conf" "$work/conf.before"
        ;;
    esac
    for f in $edited; do
        case "$f" in
        *.xml) echo "<!-- edited by the operator -->" >>"$root$f" ;;
        *) echo "# edited by the operator" >>"$root$f" ;;
        esac
        cp "$root$f" "$work/$(basename "$f").edited"
    done
    check "$rel: upgrade to $new_version over it (apt-get install ./next/$next), no prompt" \
        crs "cd /debs/next && apt-get install -y -q -o Dpkg::Options::=--force-confdef \
            -o Dpkg::Options::=--force-confold ./$next </dev/null"
    [ "$(cr dpkg-query -W -f='${Version}' "$pkg")" = "$new_version" ]
    ok $? "$rel: $pkg $new_version is installed"
    up_ok=0
    for f in $edited; do
        cmp -s "$root$f" "$work/$(basename "$f").edited" || { echo "# $f: the edit is lost"; up_ok=1; }
    done
    case "$pkg" in
    xenplm)
        # Changed by the new version and edited: kept, the new one beside it.
        grep -q "$marker" "$root$conf.dpkg-dist" ||
            { echo "# no $conf.dpkg-dist of the new version"; up_ok=1; }
        [ ! -e "/etc/default/$svc.dpkg-dist" ] || { echo "# a .dpkg-dist for an unchanged conffile"; up_ok=1; }
        ;;
    xenplm-agent)
        # Changed by the new version and not edited: replaced.
        grep -q "$marker" "$root$conf" && ! cmp -s "$root$conf" "$work/conf.before" &&
            [ -z "$(find "$root/etc/xenplm" -name '*.dpkg-*')" ] ||
            { echo "# $conf was not replaced by the new version's"; up_ok=1; }
        ;;
    esac
    ok "$up_ok" "$rel: after the upgrade, edits kept (.dpkg-dist beside a changed one), an unedited conffile replaced"

    check "$rel: apt-get remove $pkg" cr apt-get remove -y -q "$pkg"
    rm_ok=0
    for f in $progs; do
        [ ! -e "$root$f" ] || { echo "# $f is still there"; rm_ok=1; }
    done
    for f in $edited; do
        cmp -s "$root$f" "$work/$(basename "$f").edited" || { echo "# $f is gone or changed"; rm_ok=1; }
    done
    cr dpkg-query -W -f='${Status}\n' "$pkg" | grep -q "config-files" || rm_ok=1
    ok "$rm_ok" "$rel: removed: the programs gone, the configuration kept"

    # What the service would have left had it run.
    for f in $state; do
        mkdir -p "$root$(dirname "$f")" && : >"$root$f"
    done
    check "$rel: apt-get purge $pkg" cr apt-get purge -y -q "$pkg"
    left=$(cd "$root" && for f in etc/xenplm var/lib/xenplm "etc/default/$svc" "etc/init.d/$svc" $state; do
        [ -e "$f" ] || [ -L "$f" ] && echo "/$f"
    done
    find etc/systemd etc/rc?.d -name "*$svc*" 2>/dev/null | sed 's|^|/|')
    [ -z "$left" ]
    ok $? "$rel: purged: nothing left of its configuration, state or service links"
    [ -z "$left" ] || echo "$left" | sed 's/^/#   /'
    cr dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "not-installed" ||
        ! cr dpkg-query -W "$pkg" >/dev/null 2>&1
    ok $? "$rel: dpkg knows $pkg no more"
}

for rel in $releases; do
    if ! ls "$out_dir/$rel"/xenplm_*.deb >/dev/null 2>&1; then
        ok 1 "$rel: packages to install (tests/package/build.sh did not build them)"
        continue
    fi
    if fresh "$rel" dom0; then
        lifecycle "$rel" xenplm
        sim=$(cd "$root/debs" && echo xenplm-sim_*.deb)
        check "$rel: apt-get install ./$sim" crs "cd /debs && apt-get install -y -q ./$sim"
        crs "xenplmd-sim --sim /usr/share/xenplm/demo.scn -f /usr/share/xenplm/demo.xml" \
            >"$work/demo" 2>&1
        demo_rc=$?
        [ "$demo_rc" = 0 ] && grep -q 'allocation #1 ' "$work/demo" && grep -q 'end of the scenario' "$work/demo"
        ok $? "$rel: xenplmd-sim plays the demo from /usr/share/xenplm"
        check "$rel: apt-get purge xenplm-sim" cr apt-get purge -y -q xenplm-sim
        [ ! -e "$root/usr/bin/xenplmd-sim" ] && [ ! -e "$root/usr/share/xenplm" ]
        ok $? "$rel: nothing of xenplm-sim left"
    else
        ok 1 "$rel: a fresh chroot for xenplm"
    fi
    if fresh "$rel" domu; then
        lifecycle "$rel" xenplm-agent
    else
        ok 1 "$rel: a fresh chroot for xenplm-agent"
    fi
done
done_testing
