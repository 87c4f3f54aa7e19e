#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The xenplm subcommands that talk to xenplmd, and policy-check: help for
# each, bad command lines, a daemon that is not there, and every request
# end to end against tests/cli/ctl_stub, which serves the control socket
# with the daemon's own server code and answers with the request it parsed.

. "${top_srcdir:-.}/tests/cli/lib.sh"

STUB="$top_builddir/tests/cli/ctl_stub"
if [ ! -x "$STUB" ]; then
    echo "Bail out! $STUB is not built (make tests/cli/ctl_stub)"
    exit 99
fi
stub_pid=
trap '[ -n "$stub_pid" ] && kill "$stub_pid" 2>/dev/null; rm -rf "$tmpdir"' EXIT
unset XENPLM_SOCKET

# --- help, for every subcommand -----------------------------------------
check "xenplm --help lists every command" 0 help-main --help
for c in list show status reload pause resume set top policy-check; do
    check "xenplm help $c" 0 "help-$c" help "$c"
    check "xenplm $c --help" 0 "help-$c" "$c" --help
    check "xenplm $c -h" 0 "help-$c" "$c" -h
done

# --- bad command lines: exit status 2, a message and a usage line ---------
check_usage "list takes no operand" "xenplm list: too many arguments" list web1
check_usage "show needs a domain" "xenplm show: missing DOM" show
check_usage "show takes one domain" "xenplm show: too many arguments" show a b
check_usage "status: unknown option" "xenplm status: unknown option '--verbose'" status --verbose
check_usage "reload takes no --json" "xenplm reload: unknown option '--json'" reload --json
check_usage "--socket needs a value" "xenplm list: option '--socket' needs a value" list --socket
check_usage "-s needs a value" "xenplm pause: option '-s' needs a value" pause -s
check_usage "set needs a domain" "xenplm set: missing DOM" set
check_usage "set needs something to set" \
    "xenplm set: nothing to set (give cpu=N, mem=N or clear)" set web1
check_usage "set: unknown setting" \
    "xenplm set: 'vcpus=2' is not cpu=N, mem=N, for=DURATION or clear" set web1 vcpus=2
check_usage "set: cpu=0" "xenplm set: cpu=0: must be greater than 0" set web1 cpu=0
check_usage "set: bad amount" "xenplm set: mem=1GB: not an amount (such as 150 or 1.5)" \
    set web1 mem=1GB
check_usage "set: bad duration" \
    "xenplm set: for=1y: not a duration (such as 500ms, 90s, 2m, 15min, 2h or 1d)" \
    set web1 cpu=1 for=1y
check_usage "set: duration too long" "xenplm set: for=31d: not between 1ms and 30d" \
    set web1 cpu=1 for=31d
check_usage "set: clear alone" "xenplm set: clear takes no other argument" set web1 clear cpu=1
check_usage "a domain with a space cannot be sent" "xenplm show: argument with a space" \
    show "a b"
check_usage "top -d 0" "xenplm top: -d: '0' is not a number of seconds in 0.001..86400" \
    top -d 0
check_usage "top -n x" "xenplm top: -n: 'x' is not a whole number in 1..1000000000" top -n x
check_usage "top takes no operand" "xenplm top: too many arguments" top now
check_usage "policy-check needs a FILE" "xenplm policy-check: missing FILE" policy-check
check_usage "policy-check takes one FILE" "xenplm policy-check: more than one FILE" \
    policy-check a.xml b.xml
check_usage "-j before a command without JSON" "xenplm: -j: reload has no JSON output" -j reload
check_usage "--json before top" "xenplm: -j: top has no JSON output" --json top -n 1
run -s
expect "a global -s alone" 2 "" "xenplm: -s needs a path
usage: xenplm [-s SOCKET] [-j] COMMAND [ARGS...]
       xenplm -h|--help | -V|--version"
run -j
expect "a global -j alone" 2 "" "usage: xenplm [-s SOCKET] [-j] COMMAND [ARGS...]
       xenplm -h|--help | -V|--version
Run 'xenplm --help' for the list of commands."
for c in reload pause resume; do
    run help "$c"
    if grep -q 'XENPLM_SOCKET' "$tmpdir/out"; then
        tap_ok "help $c names \$XENPLM_SOCKET"
    else
        cp "$tmpdir/out" "$tmpdir/why"
        tap_not_ok "help $c names \$XENPLM_SOCKET"
    fi
done

# --- no daemon ------------------------------------------------------------
run list -s "$tmpdir/none"
expect "list without a daemon" 1 "" \
    "xenplm: cannot reach xenplmd at $tmpdir/none: No such file or directory (is xenplmd running?)"
XENPLM_SOCKET="$tmpdir/env-none"
export XENPLM_SOCKET
run status
expect "XENPLM_SOCKET names the socket" 1 "" \
    "xenplm: cannot reach xenplmd at $tmpdir/env-none: No such file or directory (is xenplmd running?)"
run top -n 1 -s "$tmpdir/none"
expect "top without a daemon" 1 "" \
    "xenplm: cannot reach xenplmd at $tmpdir/none: No such file or directory (is xenplmd running?)"
unset XENPLM_SOCKET
if [ -e /run/xenplm/control ]; then
    tap_skip "the default socket" "/run/xenplm/control exists here"
else
    run list
    expect "the default socket" 1 "" \
        "xenplm: cannot reach xenplmd at /run/xenplm/control: No such file or directory (is xenplmd running?)"
fi

# --- against the stub daemon ----------------------------------------------
sock="$tmpdir/run/control"
"$STUB" "$sock" 120 >"$tmpdir/stub.out" 2>&1 &
stub_pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ ! -S "$sock" ]; then
    echo "Bail out! the stub daemon did not start: $(cat "$tmpdir/stub.out")"
    exit 99
fi

run list -s "$sock"
expect "list" 0 "list" ""
run list -j -s "$sock"
expect "list -j" 0 "list --json" ""
run list --json --socket="$sock"
expect "list --json --socket=" 0 "list --json" ""
run show web1 --json -s "$sock"
expect "show DOM --json" 0 "show web1 --json" ""
run show -s "$sock" -- -odd-name
expect "show -- DOM" 0 "show -odd-name" ""
run status -j -s "$sock"
expect "status -j" 0 "status --json" ""
for c in reload pause resume; do
    run "$c" -s "$sock"
    expect "$c" 0 "$c" ""
done
run set web1 cpu=150 mem=1024 for=10min -s "$sock"
expect "set DOM cpu= mem= for=" 0 "set web1 cpu=150 mem=1024 for=10min" ""
run set 7 clear -s "$sock"
expect "set DOM clear" 0 "set 7 clear" ""
# The global options, before the command (xl-style) as well as after it.
run -j list -s "$sock"
expect "-j before list" 0 "list --json" ""
run -s "$sock" -j show web1
expect "-s and -j before show" 0 "show web1 --json" ""
run --json --socket "$sock" status
expect "--json --socket PATH before status" 0 "status --json" ""
run --socket="$sock" set web1 cpu=1 for=2m
expect "--socket= before set, for=2m" 0 "set web1 cpu=1 for=2m" ""
run -j -s "$sock" list -j
expect "-j before and after" 0 "list --json" ""
run top -n 3 -d 0.01 -s "$sock"
expect "top -n 3: three listings, blank lines between" 0 "list

list

list" ""
XENPLM_SOCKET="$sock"
export XENPLM_SOCKET
run list
expect "XENPLM_SOCKET reaches the daemon" 0 "list" ""
run list -s "$tmpdir/none"
expect "--socket wins over XENPLM_SOCKET" 1 "" \
    "xenplm: cannot reach xenplmd at $tmpdir/none: No such file or directory (is xenplmd running?)"
run show fail
expect "the daemon's error: exit 1, its message, no body" 1 "" "xenplm: stub failure: show fail"
run top -n 2 -d 0.01 --socket "$sock"
expect "top with --socket" 0 "list

list" ""
unset XENPLM_SOCKET

# --- policy-check: no daemon involved -----------------------------------
SCHEMA="$top_srcdir/policies/xenplm-policy.xsd"
(cd "$top_srcdir" && exec "$XENPLM" policy-check policies/default.xml --schema "$SCHEMA") \
    >"$tmpdir/out" 2>"$tmpdir/err"
rc=$?
: >"$tmpdir/why"
if [ "$rc" = 0 ] && [ "$(sed -n 1p "$tmpdir/out")" = "policies/default.xml: configuration OK" ] &&
    [ "$(wc -l <"$tmpdir/out")" -gt 5 ] && [ ! -s "$tmpdir/err" ]; then
    tap_ok "policy-check policies/default.xml"
else
    { echo "exit status $rc"; cat "$tmpdir/out" "$tmpdir/err"; } >"$tmpdir/why"
    tap_not_ok "policy-check policies/default.xml"
fi

# Each broken policy: exit 1, its one-line message on stderr, nothing else.
for f in "$top_srcdir"/tests/policy/bad-*.xml; do
    b=${f##*/}
    (cd "$top_srcdir" && exec "$XENPLM" policy-check "tests/policy/$b" --schema "$SCHEMA") \
        >"$tmpdir/out" 2>"$tmpdir/err"
    rc=$?
    : >"$tmpdir/why"
    e_good=yes
    if [ "$rc" != 1 ]; then
        echo "exit status $rc, expected 1" >>"$tmpdir/why"
        e_good=no
    fi
    : >"$tmpdir/want"
    same stdout "$tmpdir/out" "$tmpdir/want" || e_good=no
    same stderr "$tmpdir/err" "$top_srcdir/tests/policy/${b%.xml}.err" || e_good=no
    if [ $e_good = yes ]; then tap_ok "policy-check $b"; else tap_not_ok "policy-check $b"; fi
done

(cd "$tmpdir" && exec "$XENPLM" policy-check no-such.xml --schema "$SCHEMA") \
    >"$tmpdir/out" 2>"$tmpdir/err"
rc=$?
: >"$tmpdir/why"
if [ "$rc" = 1 ] && [ ! -s "$tmpdir/out" ] && grep -q '^no-such.xml: ' "$tmpdir/err"; then
    tap_ok "policy-check of a missing file"
else
    { echo "exit status $rc"; cat "$tmpdir/err"; } >"$tmpdir/why"
    tap_not_ok "policy-check of a missing file"
fi

done_testing
