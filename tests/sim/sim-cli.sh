#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplmd-sim's command line and behaviour as a program (TAP): options
# that make no sense alone, one clock in everything it prints, an
# interactive simulated host behind a control socket, a scenario without
# end at full speed, and a closed pipe on its standard output.

XENPLM_PROGRAM=src/xenplmd-sim
XENPLM_CASES=tests/sim
. "${top_srcdir:-.}/tests/cli/lib.sh"

SIM=$XENPLM
CLI="$top_builddir/src/xenplm"
POLICY="$top_srcdir/policies/demo.xml"
XSD="$top_srcdir/policies/xenplm-policy.xsd"
DEMO="$top_srcdir/examples/demo.scn"
NOEND="$top_srcdir/tests/sim/ok-noend.scn"
sim_pid=
trap '[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$tmpdir"' EXIT

# ms: milliseconds of the monotonic-enough wall clock.
ms() { echo $(($(date +%s%N) / 1000000)); }

# fail DESC LINE...: not ok, with the lines as the reason.
fail() {
    f_desc=$1
    shift
    printf '%s\n' "$@" >"$tmpdir/why"
    tap_not_ok "$f_desc"
}

# --- command lines ------------------------------------------------------
check_usage() {
    u_desc=$1 u_want=$2
    shift 2
    run "$@"
    if [ "$rc" = 2 ] && [ ! -s "$tmpdir/out" ] && [ "$(sed -n 1p "$tmpdir/err")" = "$u_want" ] &&
        sed -n 2p "$tmpdir/err" | grep -q '^usage: xenplmd-sim '; then
        tap_ok "$u_desc"
    else
        fail "$u_desc" "exit status $rc, standard error:" "$(cat "$tmpdir/err")" \
            "expected first line: $u_want"
    fi
}
check_usage "--speed without a scenario is an error" \
    "xenplmd-sim: --speed needs a scenario (--sim SCENARIO)" --speed 20
check_usage "no scenario at all is an error" "xenplmd-sim: no scenario (--sim SCENARIO)"
check_usage "a bad speed is an error" \
    "xenplmd-sim: --speed: 'fast' is not a speed from 0 to 1000000" --speed fast --sim x.scn
check_usage "a second scenario is an error" "xenplmd-sim: unexpected argument 'b.scn'" \
    --sim a.scn b.scn
if [ -x "$top_builddir/src/xenplmd" ]; then
    "$top_builddir/src/xenplmd" --speed 20 >"$tmpdir/out" 2>"$tmpdir/err"
    rc=$?
    if [ $rc = 2 ] && grep -q "speed" "$tmpdir/err"; then
        tap_ok "xenplmd refuses --speed (it has no simulated host)"
    else
        fail "xenplmd refuses --speed (it has no simulated host)" "exit status $rc" \
            "$(cat "$tmpdir/err")"
    fi
else
    tap_skip "xenplmd refuses --speed" "xenplmd is not built"
fi

# --- one clock ------------------------------------------------------------
# At full speed, every log line and every table is stamped with simulated
# seconds; the first line says so; an event of the scenario is logged at
# its own time (web2 is created "at 40s"); and every table's time is the
# time of the log's reallocation that made it.
run --sim "$DEMO" -f "$POLICY" --schema "$XSD"
bad=$(grep -v '^\[ *[0-9][0-9]*\.[0-9][0-9][0-9]s\] xenplmd-sim ' "$tmpdir/err" | head -3)
if [ "$rc" = 0 ] && [ -z "$bad" ]; then
    tap_ok "every log line is stamped with simulated time"
else
    fail "every log line is stamped with simulated time" "exit status $rc; lines:" "$bad"
fi
if sed -n 1p "$tmpdir/err" | grep -q 'times are simulated seconds from the start'; then
    tap_ok "the log says once, at its start, that times are simulated"
else
    fail "the log says once, at its start, that times are simulated" "$(sed -n 1p "$tmpdir/err")"
fi
created=$(grep "adopted 'web2'" "$tmpdir/err" | sed 's/^\[ *\([0-9.]*\)s\].*/\1/')
unmatched=
for t in $(sed -n 's/^\[ *\([0-9.]*\)s\] allocation #.*/\1/p' "$tmpdir/out" | sed '$d'); do
    grep -q "^\[ *$t""s\] xenplmd-sim info: [a-z]*: reallocating" "$tmpdir/err" ||
        unmatched="$unmatched $t"
done
if [ "$created" = "40.000" ] && [ -z "$unmatched" ]; then
    tap_ok "the log and the tables show the scenario's own time"
else
    fail "the log and the tables show the scenario's own time" \
        "web2 adopted at '$created' s (created at 40 s)" \
        "tables with no reallocation logged at their time:$unmatched"
fi

# --- a scenario without end, at full speed --------------------------------
# (Before this rule, virtual time ran on for ever: timeout ends that.)
t0=$(ms)
(cd "$CASES" && exec timeout 30 "$SIM" --sim "$NOEND" -f "$POLICY" --schema "$XSD") \
    </dev/null >"$tmpdir/out" 2>"$tmpdir/err"
rc=$?
t1=$(ms)
last=$(tail -n 1 "$tmpdir/err")
case $rc:$last in
0:"[   660.000s] xenplmd-sim info: 60 s after the last event of a scenario without end; stopping")
    if [ $((t1 - t0)) -lt 20000 ]; then
        tap_ok "without end, full speed stops a minute of simulated time after the last event"
    else
        fail "without end, full speed stops a minute after the last event" \
            "took $((t1 - t0)) ms of real time"
    fi
    ;;
*) fail "without end, full speed stops a minute of simulated time after the last event" \
    "exit status $rc, last line: $last" ;;
esac

# --- a closed pipe --------------------------------------------------------
# Ten minutes at 20x would take 30 s; the reader goes away after one line.
t0=$(ms)
{
    timeout 25 "$SIM" --sim "$NOEND" --speed 20 -f "$POLICY" --schema "$XSD" 2>"$tmpdir/err"
    echo $? >"$tmpdir/rc"
} | head -n 1 >"$tmpdir/out"
t1=$(ms)
rc=$(cat "$tmpdir/rc")
if [ "$rc" = 0 ] && [ $((t1 - t0)) -lt 15000 ] &&
    grep -q 'standard output is closed: stopping' "$tmpdir/err"; then
    tap_ok "a closed pipe on stdout ends it promptly and cleanly ($((t1 - t0)) ms)"
else
    fail "a closed pipe on stdout ends it promptly and cleanly" \
        "exit status $rc after $((t1 - t0)) ms; standard error ends:" "$(tail -n 3 "$tmpdir/err")"
fi

# --- an interactive simulated host ------------------------------------------
# With a control socket and no --speed, the host runs in real time: the
# daemon is still there a second later, and answers in simulated time.
sock="$tmpdir/plm.sock"
"$SIM" --sim "$DEMO" -s "$sock" -f "$POLICY" --schema "$XSD" >"$tmpdir/iout" 2>"$tmpdir/ierr" &
sim_pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
sleep 1
"$CLI" -s "$sock" list >"$tmpdir/out" 2>"$tmpdir/err"
rc=$?
if [ $rc = 0 ] && grep -q '^db ' "$tmpdir/out" && kill -0 "$sim_pid" 2>/dev/null; then
    tap_ok "with a socket it runs in real time: xenplm list answers a second later"
else
    fail "with a socket it runs in real time: xenplm list answers a second later" \
        "xenplm list: exit status $rc" "$(cat "$tmpdir/out" "$tmpdir/err")" "$(cat "$tmpdir/ierr")"
fi
"$CLI" -s "$sock" status -j >"$tmpdir/out" 2>"$tmpdir/err"
up=$(sed -n 's/.*"uptime_ms":\([0-9]*\).*/\1/p' "$tmpdir/out")
if [ -n "$up" ] && [ "$up" -ge 500 ] && [ "$up" -lt 60000 ]; then
    tap_ok "xenplm status counts uptime on the same clock (${up} ms)"
else
    fail "xenplm status counts uptime on the same clock" "uptime_ms '$up'" "$(cat "$tmpdir/out")"
fi
kill -INT "$sim_pid"
wait "$sim_pid"
rc=$?
sim_pid=
if [ $rc = 0 ] && tail -n 1 "$tmpdir/ierr" | grep -q 'info: stopping$'; then
    tap_ok "SIGINT stops the interactive host cleanly"
else
    fail "SIGINT stops the interactive host cleanly" "exit status $rc" "$(tail -n 3 "$tmpdir/ierr")"
fi

done_testing
