#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The real-Xen rig says what it is doing on the console while it runs: a
# line per scenario and step that dom0 prints, each failed check, with the
# seconds since the rig started.  Checked here with boot.sh and a stand-in
# for QEMU that writes a serial log as dom0 would (TAP; about 3 s).  No
# check here depends on how fast the machine is: the stand-in waits, up to
# 60 s, for the first step's line to reach the console before it lets dom0
# finish, so "the lines come while it runs" is a matter of order, not of
# timing.
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-progress.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/img"
: >"$tmp/img/xen"
: >"$tmp/img/vmlinux"
: >"$tmp/img/dom0.cpio"
# The stand-in: finds -serial pipe:BASE and writes to BASE.out, held
# open read-write as QEMU holds it, slowly, with the serial console's
# carriage returns.
cat >"$tmp/qemu" <<'QEMU'
#!/bin/sh
while [ $# -gt 0 ]; do
    case "$1" in -serial) base=${2#pipe:}; shift ;; esac
    shift
done
exec 3<>"$base.out"
say() { printf '%s\r\n' "$1" >&3; }
say "(XEN) booting"
say "XENPLM-READY uptime=1.0"
say "# scenario scenario-daemon.sh"
say "# step: daemon: 1. start, discovery, grant subtrees"
# dom0 goes on only once the step is on the console (or after 60 s).
i=0
until grep -q 'step: daemon: 1\.' "$PROGRESS_CONSOLE" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 600 ]; then
        echo timeout >"$PROGRESS_SEEN"
        break
    fi
    sleep 0.1
done
[ -s "$PROGRESS_SEEN" ] || echo seen >"$PROGRESS_SEEN"
say "ok 1 - xenplmd starts"
say "not ok 2 - guest-b gets everything"
say "# step: daemon: stop"
say "1..2"
say "XENPLM-DONE"
QEMU
chmod +x "$tmp/qemu"

echo "1..6"
PROGRESS_CONSOLE="$tmp/console" PROGRESS_SEEN="$tmp/seen" \
    XENPLM_XEN_QEMU="$tmp/qemu" XENPLM_RIG_T0=$(date +%s.%N) \
    sh "$here/boot.sh" --timeout 90 "$tmp/img" "$tmp/serial.log" \
    9>"$tmp/console" 2>"$tmp/stderr"
rc=$?
sed 's/^/# console: /' "$tmp/console"
if [ $rc = 0 ]; then
    echo "ok 1 - boot.sh sees dom0 finish"
else
    echo "not ok 1 - boot.sh sees dom0 finish (exit status $rc)"
    sed 's/^/#   /' "$tmp/stderr"
fi
want='dom0 is up; running the scenarios
scenario scenario-daemon.sh
step: daemon: 1. start, discovery, grant subtrees
FAILED: 2 - guest-b gets everything
step: daemon: stop
dom0 is done'
got=$(sed -n 's/^xen rig \[ *[0-9][0-9]*\.[0-9] s\] //p' "$tmp/console")
if [ "$got" = "$want" ]; then
    echo "ok 2 - a console line per scenario, step and failure, in order, with the time"
else
    echo "not ok 2 - a console line per scenario, step and failure, in order, with the time"
    printf '%s\n' "$want" | sed 's/^/#   want: /'
fi
# The lines come as dom0 prints them, not all at the end: the step's line
# was on the console while dom0 still waited for it.
if [ "$(cat "$tmp/seen" 2>/dev/null)" = seen ]; then
    echo "ok 3 - the lines come while it runs (the step was on the console before dom0 finished)"
else
    echo "not ok 3 - the lines come while it runs (the step was not on the console within 60 s of dom0 printing it)"
fi

# A dom0 that crashes: Xen says so and then sits there (noreboot).  boot.sh
# stops QEMU at once, saying why, rather than waiting for its timeout (90 s
# here: a boot.sh that waited would say "timed out" instead).
cat >"$tmp/qemu-crash" <<'QEMU'
#!/bin/sh
while [ $# -gt 0 ]; do
    case "$1" in -serial) base=${2#pipe:}; shift ;; esac
    shift
done
printf '%s\r\n' "(XEN) booting" "[    2.6] Kernel panic - not syncing: Fatal exception in interrupt" \
    "(XEN) Hardware Dom0 crashed: 'noreboot' set - not rebooting." 3<>"$base.out" >&3
exec sleep 600
QEMU
chmod +x "$tmp/qemu-crash"
: >"$tmp/console2"
XENPLM_XEN_QEMU="$tmp/qemu-crash" XENPLM_RIG_T0=$(date +%s.%N) \
    sh "$here/boot.sh" --timeout 90 "$tmp/img" "$tmp/serial2.log" \
    9>"$tmp/console2" 2>"$tmp/stderr2"
rc=$?
if [ $rc -ne 0 ] && grep -q 'dom0 crashed' "$tmp/console2" &&
    grep -q 'Kernel panic - not syncing' "$tmp/stderr2"; then
    echo "ok 4 - a dom0 that crashes stops QEMU at once, saying why"
else
    echo "not ok 4 - a dom0 that crashes stops QEMU at once, saying why (exit $rc)"
    sed 's/^/#   /' "$tmp/console2" "$tmp/stderr2"
fi

# A dom0 that falls silent (seen: Debian 13's dom0 hung for good while a
# PVH guest booted, and QEMU ran on to its timeout): after
# XENPLM_XEN_SILENCE seconds without a line, boot.sh asks Xen for its
# state through the console's input, which lands in the serial log, and
# stops QEMU, saying so.  The stand-in answers Xen's 'q' key as Xen does.
cat >"$tmp/qemu-silent" <<'QEMU'
#!/bin/sh
while [ $# -gt 0 ]; do
    case "$1" in -serial) base=${2#pipe:}; shift ;; esac
    shift
done
exec 3<>"$base.out" 4<>"$base.in"
printf '%s\r\n' "(XEN) booting" "XENPLM-READY uptime=1.0" "# step: daemon: 9. a PVH guest" >&3
while :; do
    k=$(timeout 2 dd bs=1 count=1 2>/dev/null <&4) # ends with the stand-in
    [ "$k" = q ] && printf '%s\r\n' "(XEN) 'q' pressed -> dumping domain info (now = 1)" >&3
done
QEMU
chmod +x "$tmp/qemu-silent"
: >"$tmp/console3"
XENPLM_XEN_SILENCE=2 XENPLM_XEN_QEMU="$tmp/qemu-silent" XENPLM_RIG_T0=$(date +%s.%N) \
    sh "$here/boot.sh" --timeout 90 "$tmp/img" "$tmp/serial3.log" \
    9>"$tmp/console3" 2>"$tmp/stderr3"
rc=$?
if [ $rc -ne 0 ] && grep -q 'dom0 silent for 2 s' "$tmp/console3" &&
    grep -q 'its last line: # step: daemon: 9. a PVH guest' "$tmp/stderr3" &&
    grep -q "^(XEN) 'q' pressed" "$tmp/serial3.log" && ! grep -q 'timed out' "$tmp/stderr3"; then
    echo "ok 5 - a dom0 that falls silent: Xen's state is asked for and logged, QEMU stopped, saying why"
else
    echo "not ok 5 - a dom0 that falls silent: Xen's state is asked for and logged, QEMU stopped, saying why (exit $rc)"
    sed 's/^/#   /' "$tmp/console3" "$tmp/stderr3" "$tmp/serial3.log"
fi

# A dom0 that hangs before it is up (seen in CI: Xen handed over to dom0's
# kernel, "about to get started...", and nothing came after it): the same
# watchdog stops QEMU, saying dom0 never got ready, not after the timeout.
cat >"$tmp/qemu-early" <<'QEMU'
#!/bin/sh
while [ $# -gt 0 ]; do
    case "$1" in -serial) base=${2#pipe:}; shift ;; esac
    shift
done
exec 3<>"$base.out"
printf '%s\r\n' "(XEN) booting" "mapping kernel into physical memory" "about to get started..." >&3
exec sleep 600
QEMU
chmod +x "$tmp/qemu-early"
: >"$tmp/console4"
XENPLM_XEN_SILENCE=2 XENPLM_XEN_QEMU="$tmp/qemu-early" XENPLM_RIG_T0=$(date +%s.%N) \
    sh "$here/boot.sh" --timeout 90 "$tmp/img" "$tmp/serial4.log" \
    9>"$tmp/console4" 2>"$tmp/stderr4"
rc=$?
if [ $rc -ne 0 ] && grep -q 'dom0 silent for 2 s before it got ready' "$tmp/console4" &&
    grep -q 'its last line: about to get started' "$tmp/stderr4" &&
    grep -q 'dom0 never got ready' "$tmp/stderr4" && ! grep -q 'timed out' "$tmp/stderr4"; then
    echo "ok 6 - a dom0 that hangs before it is up: QEMU stopped after the silence, not the timeout"
else
    echo "not ok 6 - a dom0 that hangs before it is up: QEMU stopped after the silence, not the timeout (exit $rc)"
    sed 's/^/#   /' "$tmp/console4" "$tmp/stderr4"
fi
