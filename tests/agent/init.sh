#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The agent's init script and systemd unit start it only in a Xen guest,
# never in dom0 or off Xen: dist/xenplm-agent.init is run with stubs
# (start-stop-daemon, the agent) against fake /proc and /sys trees, and the
# unit's ExecCondition command is run against the same trees.

top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
INIT="$top_srcdir/dist/xenplm-agent.init"
UNIT="$top_srcdir/dist/xenplm-agent.service"

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-init.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT
trap 'exit 99' HUP INT TERM

n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    sed 's/^/#   /' "$tmpdir/why"
}

# --- fake machines ---
# tree NAME: an empty /proc and /sys, then each kind of machine.
tree() { mkdir -p "$tmpdir/$1/proc" "$tmpdir/$1/sys"; }
tree metal
tree dom0
mkdir -p "$tmpdir/dom0/proc/xen" "$tmpdir/dom0/sys/hypervisor"
echo control_d >"$tmpdir/dom0/proc/xen/capabilities"
echo xen >"$tmpdir/dom0/sys/hypervisor/type"
tree pv # a PV domU with xenfs: /proc/xen, capabilities empty
mkdir -p "$tmpdir/pv/proc/xen" "$tmpdir/pv/sys/hypervisor"
: >"$tmpdir/pv/proc/xen/capabilities"
echo xen >"$tmpdir/pv/sys/hypervisor/type"
tree hvm # an HVM domU without xenfs
mkdir -p "$tmpdir/hvm/sys/hypervisor"
echo xen >"$tmpdir/hvm/sys/hypervisor/type"
tree kvm # another hypervisor
mkdir -p "$tmpdir/kvm/sys/hypervisor"
echo kvm >"$tmpdir/kvm/sys/hypervisor/type"

# --- the LSB script, with stubs ---
stubs="$tmpdir/stubs"
mkdir -p "$stubs"
cat >"$stubs/start-stop-daemon" <<'STUB'
#!/bin/sh
# Logs its arguments; --stop answers $SSD_STOP (0 stopped, 1 none, 2 failed).
echo "$*" >>"$SSD_LOG"
case " $* " in
*" --stop "*) exit "${SSD_STOP:-0}" ;;
*" --test "*) exit 0 ;;
esac
exit 0
STUB
printf '#!/bin/sh\nexit 0\n' >"$stubs/xenplm-agent"
chmod +x "$stubs/start-stop-daemon" "$stubs/xenplm-agent"
# The script as installed, but with the stubs, no /etc/default file, its
# own log functions and the fake tree as ROOT.
# shellcheck disable=SC2016 # $PATH and $XENPLM_TEST_ROOT are for the copy
sed -e "s|^PATH=.*|PATH=$stubs:\$PATH|" \
    -e "s|^DAEMON=.*|DAEMON=$stubs/xenplm-agent|" \
    -e "s|^PIDFILE=.*|PIDFILE=$tmpdir/agent.pid|" \
    -e "s|/etc/default/\$NAME|$tmpdir/nosuch|" \
    -e "s|/lib/lsb/init-functions|$tmpdir/nosuch|" \
    -e 's|^ROOT=$|ROOT=$XENPLM_TEST_ROOT|' "$INIT" >"$tmpdir/init"
# shellcheck disable=SC2016 # a literal $
if ! grep -q '^ROOT=\$XENPLM_TEST_ROOT$' "$tmpdir/init"; then
    echo "Bail out! dist/xenplm-agent.init has no ROOT= line to point at a fake tree"
    exit 99
fi

# lsb MACHINE ACTION [SSD_STOP]: run the script; $rc, and $tmpdir/ssd logs
# what start-stop-daemon was asked.
lsb() {
    : >"$tmpdir/ssd"
    XENPLM_TEST_ROOT="$tmpdir/$1" SSD_LOG="$tmpdir/ssd" SSD_STOP="${3:-0}" \
        sh "$tmpdir/init" "$2" >"$tmpdir/out" 2>&1
    rc=$?
    { echo "exit status $rc; output:"; cat "$tmpdir/out"; echo "start-stop-daemon:"; cat "$tmpdir/ssd"; } >"$tmpdir/why"
}
started() { grep -q -- '--start --quiet --pidfile [^ ]* --exec [^ ]* --' "$tmpdir/ssd"; }

for m in pv hvm; do
    for a in start restart; do
        lsb "$m" "$a"
        if [ "$rc" = 0 ] && started; then
            ok "init script: $a in a $m guest starts the agent"
        else
            not_ok "init script: $a in a $m guest starts the agent"
        fi
    done
done
for m in metal dom0 kvm; do
    for a in start restart; do
        lsb "$m" "$a"
        if [ "$rc" = 0 ] && ! started && grep -q 'not a Xen guest' "$tmpdir/out"; then
            ok "init script: $a on $m does not start the agent"
        else
            not_ok "init script: $a on $m does not start the agent"
        fi
    done
done
lsb pv restart 2
if [ "$rc" != 0 ] && ! started; then
    ok "init script: restart does not start the agent when stopping it failed"
else
    not_ok "init script: restart does not start the agent when stopping it failed"
fi
lsb pv restart 1
if [ "$rc" = 0 ] && started; then
    ok "init script: restart starts the agent when none was running"
else
    not_ok "init script: restart starts the agent when none was running"
fi

# --- the systemd unit's condition ---
cond=$(sed -n "s|^ExecCondition=/bin/sh -c '\\(.*\\)'\$|\\1|p" "$UNIT")
if [ -z "$cond" ]; then
    grep -n 'Condition' "$UNIT" >"$tmpdir/why"
    not_ok "the unit has an ExecCondition that checks for a guest"
else
    ok "the unit has an ExecCondition that checks for a guest"
    for m in pv hvm metal dom0 kvm; do
        want=skip
        what="be skipped"
        case $m in pv | hvm) want=run what=run ;; esac
        fake=$(echo "$cond" | sed -e "s|/proc/|$tmpdir/$m/proc/|g" -e "s|/sys/|$tmpdir/$m/sys/|g" \
            -e "s|/proc\\([ ;}]\\)|$tmpdir/$m/proc\\1|g")
        if sh -c "$fake"; then got=run; else got=skip; fi
        echo "condition: $fake; want $want, got $got" >"$tmpdir/why"
        if [ "$got" = "$want" ]; then
            ok "unit: the agent would $what on $m"
        else
            not_ok "unit: the agent would $what on $m"
        fi
    done
fi
if grep -q '^ConditionVirtualization=xen$' "$UNIT"; then
    ok "unit: ConditionVirtualization=xen"
else
    echo "no ConditionVirtualization=xen" >"$tmpdir/why"
    not_ok "unit: ConditionVirtualization=xen"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    sed "s|/usr/sbin/xenplm-agent|$stubs/xenplm-agent|" "$UNIT" >"$tmpdir/xenplm-agent.service"
    if systemd-analyze verify --man=no "$tmpdir/xenplm-agent.service" >"$tmpdir/why" 2>&1; then
        ok "unit: systemd-analyze verify"
    else
        not_ok "unit: systemd-analyze verify"
    fi
fi

echo "1..$n"
