#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The two-host rig's verdict, tests/xen/rig2-tap.sh, on made-up serial logs
# of hosts A and B (TAP; a second or two, no QEMU): a migration that went
# well passes; a guest that came to B with another boot id, or counting
# from 1 again, a dom0 that never finished, a failure in one dom0, each
# fails the check it should, naming the host; after the pool scenario, an
# order etcd holds as done passes, and one it holds as failed fails;
# after the fault run (WORK/fault.txt), B cut short and the order failed
# pass, while an order written again after it, or a B killed after the
# migration was done, fails.
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-rig2tap.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# logs DIR BOOT_B FIRST_B B_DONE A_RESULT: a pair of serial logs, with the
# serial console's carriage returns.
logs() {
    rm -rf "$1"
    mkdir -p "$1/a" "$1/b"
    printf '%s\r\n' "(XEN) Xen version 4.17" "# net: eth0 10.99.0.1/24 (52:54:00:99:00:01)" \
        "XENPLM-READY uptime=3.10" "# scenario 10-scenario-migrate.sh" \
        "ok 1 - the other host answers ping on the link (10.99.0.2)" \
        "# migrate: on A boot=1b2c count=4 before" \
        "# migrate: on A boot=1b2c count=5 at the start" \
        "$5 2 - xl migrate guest-m to host B" \
        "# time: xl migrate (start to running on B) 21.50 s" \
        "# migrate: on A boot=1b2c count=27 last" "1..2" "XENPLM-DONE" >"$1/a/serial.log"
    printf 'ready 12.0\ndone 80.5\nexit 82.0\n' >"$1/a/serial.log.times"
    printf '%s\r\n' "(XEN) Xen version 4.17" "# net: eth0 10.99.0.2/24 (52:54:00:99:00:02)" \
        "XENPLM-READY uptime=3.20" "# scenario 10-scenario-migrate.sh" \
        "ok 1 - the other host answers ping on the link (10.99.0.1)" \
        "ok 2 - guest-m arrived on host B, named guest-m" \
        "# time: migration on B (connection accepted to guest-m named on B) 20.00 s" \
        "# migrate: on B boot=$2 count=$3 first" "1..2" >"$1/b/serial.log"
    if [ "$4" = yes ]; then
        printf '%s\r\n' "XENPLM-DONE" >>"$1/b/serial.log"
        printf 'ready 13.0\ndone 90.0\nexit 91.0\n' >"$1/b/serial.log.times"
    else
        printf 'ready 13.0\nexit 1200.0\n' >"$1/b/serial.log.times"
    fi
}

echo "1..10"
# verdict NAME: run rig2-tap.sh on $tmp/NAME; its TAP in $tmp/NAME.tap.
verdict() {
    sh "$here/rig2-tap.sh" "$tmp/$1" >"$tmp/$1.tap" 2>"$tmp/$1.err"
}

logs "$tmp/good" 1b2c 27 yes ok
verdict good
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c '^ok ' "$tmp/good.tap")" = 10 ] &&
    ! grep -q '^not ok' "$tmp/good.tap" && grep -q "^1\.\.10$" "$tmp/good.tap" &&
    grep -q '^ok [0-9]* - B: guest-m arrived on host B' "$tmp/good.tap" &&
    grep -q '^# xl migrate, start to running on B .*: 21.50 s$' "$tmp/good.tap"; then
    echo "ok 1 - a migration that went well: every check passes, dom0s' results prefixed, the figure printed"
else
    echo "not ok 1 - a migration that went well: every check passes (exit $rc)"
    sed 's/^/#   /' "$tmp/good.tap" "$tmp/good.err"
fi

logs "$tmp/reboot" 9f9f 27 yes ok
verdict reboot
rc=$?
if [ $rc -eq 1 ] && grep -q '^not ok [0-9]* - the guest keeps its boot id' "$tmp/reboot.tap"; then
    echo "ok 2 - another boot id on B fails the boot id check, and only it"
else
    echo "not ok 2 - another boot id on B fails the boot id check, and only it (exit $rc)"
    sed 's/^/#   /' "$tmp/reboot.tap"
fi

logs "$tmp/restart" 1b2c 1 yes ok
verdict restart
rc=$?
if [ $rc -eq 1 ] && grep -q "^not ok [0-9]* - the guest's count goes on from A to B" "$tmp/restart.tap"; then
    echo "ok 3 - a count that starts again on B fails the count check"
else
    echo "not ok 3 - a count that starts again on B fails the count check (exit $rc)"
    sed 's/^/#   /' "$tmp/restart.tap"
fi

logs "$tmp/hung" 1b2c 27 no ok
verdict hung
rc=$?
if [ $rc -eq 1 ] && grep -q '^not ok [0-9]* - B: dom0 ran its scenario to its end' "$tmp/hung.tap"; then
    echo "ok 4 - a dom0 that never finished fails, naming its host"
else
    echo "not ok 4 - a dom0 that never finished fails, naming its host (exit $rc)"
    sed 's/^/#   /' "$tmp/hung.tap"
fi

logs "$tmp/failed" 1b2c 27 yes "not ok"
verdict failed
rc=$?
if [ $rc -eq 1 ] && grep -q '^not ok [0-9]* - A: xl migrate guest-m to host B$' "$tmp/failed.tap"; then
    echo "ok 5 - a failed check in a dom0 fails in the stream, prefixed with its host"
else
    echo "not ok 5 - a failed check in a dom0 fails in the stream, prefixed with its host (exit $rc)"
    sed 's/^/#   /' "$tmp/failed.tap"
fi

# orders DIR STATE: what rig2.sh --pool leaves beside the logs, the watch
# of the orders: guest-m's order, its states up to STATE, its deletion.
orders() {
    u=0b6c7f2e-1111-2222-3333-444455556666
    printf '%s\n' "100.5 PUT" "100.5 /xenplm/rig2/orders/xen-a/$u" "100.5 xenplm-order 1" \
        "100.5 leader xen-b" "100.5 revision 7" "100.5 name guest-m" "100.5 from xen-a" \
        "100.5 to xen-b" "100.5 address xen-b" "100.5 reason balance" "100.5 at 1765000000123" \
        "101.0 PUT" "101.0 /xenplm/rig2/orders/xen-a/$u/state" "101.0 state accepted" \
        "102.0 PUT" "102.0 /xenplm/rig2/orders/xen-a/$u/state" "102.0 state running 0" \
        "190.25 PUT" "190.25 /xenplm/rig2/orders/xen-a/$u/state" "190.25 state $2" \
        "490.0 DELETE" "490.0 /xenplm/rig2/orders/xen-a/$u" >"$1/orders.watch"
}

logs "$tmp/pool" 1b2c 27 yes ok
orders "$tmp/pool" "done"
verdict pool
rc=$?
if [ $rc -eq 0 ] && grep -q "^ok 11 - etcd carried the leader's order for guest-m, xen-a to xen-b, to its state done (accepted running done)" "$tmp/pool.tap" &&
    grep -q '^1\.\.11$' "$tmp/pool.tap" &&
    grep -q '^# the order in etcd .*: written to running 1.5 s, running to done 88.2 s, written to done 89.8 s$' "$tmp/pool.tap"; then
    echo "ok 6 - the pool scenario's order done in etcd passes, its times printed"
else
    echo "not ok 6 - the pool scenario's order done in etcd passes, its times printed (exit $rc)"
    sed 's/^/#   /' "$tmp/pool.tap" "$tmp/pool.err"
fi

logs "$tmp/poolfail" 1b2c 27 yes ok
orders "$tmp/poolfail" "failed timed%20out"
verdict poolfail
rc=$?
if [ $rc -eq 1 ] && grep -q "^not ok 11 - etcd carried the leader's order for guest-m, xen-a to xen-b, to its state done (accepted running failed)" "$tmp/poolfail.tap"; then
    echo "ok 7 - an order failed in etcd fails the check, saying its state"
else
    echo "not ok 7 - an order failed in etcd fails the check, saying its state (exit $rc)"
    sed 's/^/#   /' "$tmp/poolfail.tap"
fi

# fault DIR DONE_THEN [AGAIN]: the fault run's files: B killed (A's
# migration done by then: DONE_THEN), B's log cut short, the order failed
# with a reason, and with AGAIN a second order for guest-m after it.
fault() {
    logs "$1" 1b2c 27 no ok
    printf 'killed 150.0 4242\nA%ss migration already done then: %s\nwatch stopped 700.0\n' "'" "$2" >"$1/fault.txt"
    orders "$1" "failed timed%20out%20after%205min"
    if [ -n "${3:-}" ]; then
        printf '%s\n' "250.0 PUT" "250.0 /xenplm/rig2/orders/xen-a/7e57" "250.0 xenplm-order 1" \
            "250.0 name guest-m" >>"$1/orders.watch"
    fi
}
fault "$tmp/fault" no
verdict fault
rc=$?
if [ $rc -eq 0 ] && grep -q "^ok [0-9]* - B: its QEMU was killed during A's migration (2 results before)" "$tmp/fault.tap" &&
    grep -q "^ok [0-9]* - etcd carried the order for guest-m, xen-a to xen-b, to failed with a reason (accepted running failed)" "$tmp/fault.tap" &&
    grep -q '^#   why: timed%20out%20after%205min$' "$tmp/fault.tap" &&
    grep -q '^ok [0-9]* - no order written after the failed one (watched 510 s after it)$' "$tmp/fault.tap" &&
    grep -q '^# fault .*: running to B killed 48.0 s, B killed to the order failed 40.2 s, running to failed 88.2 s$' "$tmp/fault.tap" &&
    ! grep -q 'boot id' "$tmp/fault.tap"; then
    echo "ok 8 - the fault run: B cut short and the order failed with a reason pass"
else
    echo "not ok 8 - the fault run: B cut short and the order failed with a reason pass (exit $rc)"
    sed 's/^/#   /' "$tmp/fault.tap" "$tmp/fault.err"
fi

fault "$tmp/retry" no again
verdict retry
rc=$?
if [ $rc -eq 1 ] && grep -q '^not ok [0-9]* - no order written after the failed one' "$tmp/retry.tap"; then
    echo "ok 9 - the fault run: an order written again after the failed one fails"
else
    echo "not ok 9 - the fault run: an order written again after the failed one fails (exit $rc)"
    sed 's/^/#   /' "$tmp/retry.tap"
fi

fault "$tmp/late" yes
verdict late
rc=$?
if [ $rc -eq 1 ] && grep -q "^not ok [0-9]* - B: its QEMU was killed during A's migration" "$tmp/late.tap"; then
    echo "ok 10 - the fault run: B killed after the migration was done fails"
else
    echo "not ok 10 - the fault run: B killed after the migration was done fails (exit $rc)"
    sed 's/^/#   /' "$tmp/late.tap"
fi
