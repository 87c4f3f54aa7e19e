#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Issue 11 #9: xenplmd's systemd unit starts only on a control domain.
# ConditionPathExists=/proc/xen/capabilities holds in a domU too, so the
# unit's ExecCondition must accept a capabilities file that says
# control_d and refuse (exit 1 to 254: the unit is skipped, not failed
# and restarted) an empty one, as a domU has, and a missing one; it is
# run here on such files.  And Xen's units are wanted, never required.
# TAP.
top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
unit=$top_srcdir/dist/xenplmd.service
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-unit.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cond=$(sed -n 's/^ExecCondition=//p' "$unit")
[ "$(printf '%s\n' "$cond" | grep -c .)" = 1 ] &&
    printf '%s\n' "$cond" | grep -q '/proc/xen/capabilities' &&
    printf '%s\n' "$cond" | grep -q 'control_d'
ok $? "one ExecCondition, on control_d in /proc/xen/capabilities"

# The condition's command, on a file of ours instead of /proc's.  A
# leading '-' or other prefix of systemd's would change its meaning.
case $cond in
[-@:+!]*) ok 1 "ExecCondition has no prefix ($cond)" ;;
*) ok 0 "ExecCondition has no prefix" ;;
esac
run_cond() {
    # shellcheck disable=SC2086
    set -- $(printf '%s\n' "$cond" | sed "s|/proc/xen/capabilities|$1|g")
    "$@" >/dev/null 2>&1
}
printf 'control_d\n' >"$tmp/dom0"
: >"$tmp/domU"
run_cond "$tmp/dom0"
ok $? "a control domain (capabilities: control_d) starts the unit"
run_cond "$tmp/domU"
rc=$?
[ "$rc" -ge 1 ] && [ "$rc" -le 254 ]
ok $? "a domU (empty capabilities) skips it (exit $rc)"
run_cond "$tmp/none"
rc=$?
[ "$rc" -ge 1 ] && [ "$rc" -le 254 ]
ok $? "no /proc/xen at all skips it (exit $rc)"

! grep -Eq '^(Requires|Requisite|BindsTo)=' "$unit"
ok $? "no Requires=, Requisite= or BindsTo="
grep -q '^Wants=.*xenstored\.service' "$unit" && grep -q '^After=.*xenstored\.service' "$unit"
ok $? "Wants= and After= xenstored.service"
grep -q '^Restart=on-failure' "$unit" && grep -q '^ConditionPathExists=/proc/xen/capabilities' "$unit"
ok $? "Restart=on-failure, ConditionPathExists kept"
echo "1..$n"
