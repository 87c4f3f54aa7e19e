#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplm-agent's probe commands, end to end off Xen (--dry-run): a probe's
# timeout holds until the command is reaped, SIGTERM stops the agent
# during a probe, and what a probe leaves behind is killed (its process
# group always; a setsid child only where the agent can give the probe its
# own cgroup v2).  The goals files are tests/agent/cases/probe-*.xml.

XENPLM_PROGRAM=guest-agent/xenplm-agent
XENPLM_CASES=tests/agent/cases
. "${top_srcdir:-.}/tests/cli/lib.sh"

FIX="$top_srcdir/tests/fixtures/agent"
XSD="$top_srcdir/policies/xenplm-goals.xsd"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# alive PID: a live process (not a zombie) whose command is sleep.
alive() {
    [ -r "/proc/$1/stat" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = sleep ] &&
        ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'
}

# gone_soon PID: the process is gone within a second.
gone_soon() {
    i=0
    while alive "$1"; do
        [ $i -ge 20 ] && return 1
        sleep 0.05
        i=$((i + 1))
    done
    return 0
}

# --- the deadline holds after the probe closes its output ---
t0=$(now_ms)
run --once --dry-run --root "$FIX/busy" -f probe-closed.xml --schema "$XSD"
took=$(($(now_ms) - t0))
{
    echo "exit status $rc, $took ms (a 1 s timeout, a probe that runs 20 s)"
    cat "$tmpdir/out" "$tmpdir/err"
} >"$tmpdir/why"
if [ "$rc" = 0 ] && [ "$took" -lt 4000 ] && grep -q 'nodata' "$tmpdir/out"; then
    tap_ok "a probe that closes its output is killed at its timeout (--once in $took ms)"
else
    tap_not_ok "a probe that closes its output is killed at its timeout"
fi

# --- SIGTERM during a probe ---
(cd "$CASES" && exec "$XENPLM" -F --dry-run --root "$FIX/busy/1" -f probe-stop.xml \
    --schema "$XSD") </dev/null >"$tmpdir/out" 2>"$tmpdir/err" &
agent=$!
sleep 1
t0=$(now_ms)
kill -TERM "$agent"
i=0
while kill -0 "$agent" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
took=$(($(now_ms) - t0))
if kill -0 "$agent" 2>/dev/null; then
    kill -KILL "$agent"
    echo "still running $took ms after SIGTERM" >"$tmpdir/why"
    wait "$agent"
    tap_not_ok "SIGTERM stops the agent during a 30 s probe"
else
    wait "$agent"
    rc=$?
    { echo "exit status $rc, $took ms after SIGTERM"; cat "$tmpdir/err"; } >"$tmpdir/why"
    if [ "$rc" = 0 ] && [ "$took" -lt 2000 ] && grep -q 'stopping' "$tmpdir/err"; then
        tap_ok "SIGTERM stops the agent during a 30 s probe ($took ms)"
    else
        tap_not_ok "SIGTERM stops the agent during a 30 s probe"
    fi
fi

# --- what a probe leaves behind ---
# probe_leftover DESC GOALS: the probe's child (its pid in $XENPLM_TEST_PID)
# is gone once the agent is done with the probe.
probe_leftover() {
    rm -f "$tmpdir/pid"
    XENPLM_TEST_PID="$tmpdir/pid" run --once --dry-run --root "$FIX/busy" -f "$2" \
        --schema "$XSD"
    pid=$(cat "$tmpdir/pid" 2>/dev/null)
    { echo "exit status $rc, child ${pid:-unknown}"; cat "$tmpdir/out" "$tmpdir/err"; } >"$tmpdir/why"
    if [ "$rc" = 0 ] && [ -n "$pid" ] && grep -q '^  web  *p1  cpu  probe  *over ' "$tmpdir/out" &&
        gone_soon "$pid"; then
        tap_ok "$1"
    else
        [ -n "$pid" ] && alive "$pid" && echo "pid $pid still runs" >>"$tmpdir/why" &&
            kill -KILL "$pid"
        tap_not_ok "$1"
    fi
}
export XENPLM_TEST_PID
probe_leftover "a probe's background child is killed with it (its value still counts)" \
    probe-background.xml

# A setsid child leaves the process group: only a cgroup of the probe's own
# holds it, which needs cgroup v2 and the right to make one.
own=$(sed -n 's/^0:://p' /proc/self/cgroup 2>/dev/null)
mnt=$(awk '$0 ~ / - cgroup2 / && $4 == "/" { print $5; exit }' /proc/self/mountinfo 2>/dev/null)
if [ -n "$own" ] && [ -n "$mnt" ] && mkdir "$mnt$own/xenplm-test.$$" 2>/dev/null; then
    rmdir "$mnt$own/xenplm-test.$$"
    probe_leftover "a probe's setsid child is killed with it (its own cgroup)" probe-setsid.xml
else
    tap_skip "a probe's setsid child is killed with it" "no cgroup v2 this test may create"
fi

done_testing
