#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The two-host rig's verdict, tests/xen/rig2-tap.sh, on made-up serial logs
# of hosts A and B (TAP; a second or two, no QEMU): a migration that went
# well passes; a guest that came to B with another boot id, or counting
# from 1 again, a dom0 that never finished, a failure in one dom0, each
# fails the check it should, naming the host; after the pool scenario
# (its orders, its election, the pool read after the fault, WORK/fault.txt),
# the whole flow passes with its figures, while the drain's guest-n
# ordered before guest-m, or accepted before guest-m's order was done, an order written after guest-n's
# failed one, a B killed after guest-n's migration was done, or B's
# records still in etcd after the fault, each fails its check; a guest's
# triple fault in a serial log makes every failure the emulation's; an
# order failed at its timeout rather than aborted when its destination
# left the pool fails, and so does one aborted later than two lease TTLs
# (scenario-pool.sh's) and 30 s after B's death.
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-rig2tap.XXXXXX") || exit 99
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

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

echo "1..14"
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

# pool DIR [early|again|late|stale]: a pool run's files beside the logs
# (B's cut short): the watches of the orders and of the election, the
# pool read after the fault, fault.txt; the variant spoils one thing:
# guest-n's drain order written before guest-m's was done (early), an
# order written after guest-n's failed one (again), B killed after
# guest-n's migration was done (late), B's records still there (stale),
# guest-n's order failed at its timeout rather than aborted (timeout),
# or aborted as its destination left but past the bound (slow);
# guest-n's order written before guest-m's (early) or accepted before
# guest-m's was done (accepted).
pool() {
    logs "$1" 1b2c 27 no ok
    v=${2:-}
    um=0b6c7f2e-1111-2222-3333-444455556666
    un=7e577e57-1111-2222-3333-444455556666
    # order T UUID NAME REASON; state T UUID STATE
    order() {
        printf '%s\n' "$1 PUT" "$1 /xenplm/rig2/orders/xen-a/$2" "$1 xenplm-order 1" \
            "$1 leader xen-b" "$1 revision 7" "$1 name $3" "$1 from xen-a" \
            "$1 to xen-b" "$1 address xen-b" "$1 reason $4" "$1 at 1765000000123"
    }
    state() {
        printf '%s\n' "$1 PUT" "$1 /xenplm/rig2/orders/xen-a/$2/state" "$1 xenplm-order-state 1" \
            "$1 revision 7" "$1 state $3"
    }
    n_at=603.0
    [ "$v" = early ] && n_at=499.0
    {
        order 100.5 $um guest-m balance
        state 101.0 $um accepted
        state 102.0 $um "running 0"
        state 190.25 $um "done"
        printf '%s\n' "490.0 DELETE" "490.0 /xenplm/rig2/orders/xen-a/$um" "490.0 "
        [ "$v" = early ] && order $n_at $un guest-n drain
        order 500.0 $um guest-m drain
        state 501.0 $um accepted
        state 502.0 $um "running 0"
        [ "$v" = accepted ] && state 590.0 $un accepted
        state 600.0 $um "done"
        [ "$v" = early ] || order $n_at $un guest-n drain
        [ "$v" = accepted ] || state 604.0 $un accepted
        state 605.0 $un "running 0"
        [ "$v" = late ] && state 615.0 $un "done"
        if [ "$v" = timeout ]; then
            state 700.0 $un "failed timed%20out%20after%2025min;%20it%20runs%20here"
        elif [ "$v" = slow ]; then
            state 741.0 $un "failed the%20destination%20xen-b%20left%20the%20pool%20(not%20listed%20for%2095s)"
        else
            state 645.0 $un "failed the%20destination%20xen-b%20left%20the%20pool%20(not%20listed%20for%2012s)"
        fi
        [ "$v" = again ] && order 700.0 $un guest-n drain
    } >"$1/orders.watch"
    printf '%s\n' "10.0 PUT" "10.0 /xenplm/rig2/leader/694d" "10.0 xen-b" \
        "20.0 PUT" "20.0 /xenplm/rig2/leader/694e" "20.0 xen-a" \
        "631.0 DELETE" "631.0 /xenplm/rig2/leader/694d" "631.0 " >"$1/leader.watch"
    done_then=no
    [ "$v" = late ] && done_then=yes
    printf 'killed 620.0 4242\nguest-n%ss migration already done then: %s\nread 651.0\nwatch stopped 720.0\n' \
        "'" "$done_then" >"$1/fault.txt"
    {
        printf '%s\n' /xenplm/rig2/hosts/xen-a/host "xenplm-host 1" /xenplm/rig2/leader/694e xen-a
        [ "$v" = stale ] && printf '%s\n' /xenplm/rig2/hosts/xen-b/host "xenplm-host 1"
        printf '%s\n' /xenplm/rig2/orders/xen-a/$um "xenplm-order 1" "name guest-m" \
            /xenplm/rig2/orders/xen-a/$um/state "xenplm-order-state 1" "state done" \
            /xenplm/rig2/orders/xen-a/$un "xenplm-order 1" "name guest-n" \
            /xenplm/rig2/orders/xen-a/$un/state "xenplm-order-state 1" "state failed timed%20out"
    } >"$1/after-fault.txt"
}

pool "$tmp/pool"
verdict pool
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^not ok' "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - B: its QEMU was killed during guest-n's migration (2 results before)" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - etcd's election: host B's candidate key came first" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - etcd carried the leader's order for guest-m, xen-a to xen-b, to its state done (accepted running done)" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - the drain's orders in priority order: guest-m's (reason drain) written first, guest-n's (reason drain) accepted once guest-m's was done" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - etcd carried guest-n's order, xen-a to xen-b, to failed with a reason (accepted running failed)" "$tmp/pool.tap" &&
    grep -q '^#   why: the%20destination%20xen-b%20left%20the%20pool%20(not%20listed%20for%2012s)$' "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - guest-n's order failed 25.0 s after B was killed, its destination having left the pool (at most 120 s: two 45 s leases and 30)$" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - no order written after guest-n's failed one (watched 75 s after it)$" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - after the fault, etcd's election holds host A's candidate key alone (xen-a)" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - after the fault, etcd holds host A's records alone" "$tmp/pool.tap" &&
    grep -q "^ok [0-9]* - after the fault, no order in flight in etcd (2 orders, 0 not finished)" "$tmp/pool.tap" &&
    grep -q '^# order 1, guest-m (balance), .*: written to running 1.5 s, running to done 88.2 s, written to done 89.8 s$' "$tmp/pool.tap" &&
    grep -q "^# drain, guest-n in etcd: guest-m's order written to guest-n's 103.0 s, guest-m's done to guest-n's accepted 4.0 s, guest-n's written to running 2.0 s$" "$tmp/pool.tap" &&
    grep -q "^# fault .*: guest-n running to B killed 15.0 s, B killed to its candidate key gone (A leads) 11.0 s, B killed to guest-n's order failed 25.0 s$" "$tmp/pool.tap" &&
    [ ! -f "$tmp/pool/emulation" ]; then
    echo "ok 6 - the pool flow: every check passes, the orders' and the fault's times printed"
else
    echo "not ok 6 - the pool flow: every check passes, the orders' and the fault's times printed (exit $rc)"
    sed 's/^/#   /' "$tmp/pool.tap" "$tmp/pool.err"
fi

# spoiled VARIANT N DESC CHECK: the pool run spoiled by VARIANT fails
# CHECK (the start of a failed result's description), and only it.
spoiled() {
    pool "$tmp/$1" "$1"
    verdict "$1"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "^not ok [0-9]* - $4" "$tmp/$1.tap"; then
        echo "ok $2 - $3"
    else
        echo "not ok $2 - $3 (exit $rc)"
        sed 's/^/#   /' "$tmp/$1.tap"
    fi
}
spoiled early 7 "guest-n's drain order written before guest-m's fails the priority check" \
    "the drain's orders in priority order"
spoiled accepted 8 "guest-n's order accepted before guest-m's was done fails the priority check" \
    "the drain's orders in priority order"
spoiled again 9 "an order written after guest-n's failed one fails" \
    "no order written after guest-n's failed one"
spoiled late 10 "B killed after guest-n's migration was done fails" \
    "B: its QEMU was killed during guest-n's migration"
spoiled stale 11 "B's records still in etcd after the fault fail" \
    "after the fault, etcd holds host A's records alone"
spoiled timeout 12 "guest-n's order failed at its timeout, not aborted as its destination left, fails" \
    "guest-n's order failed 80.0 s after B was killed, its destination having left the pool"
spoiled slow 13 "guest-n's order aborted as its destination left, but 121 s after B was killed (two leases and 30 s: 120), fails" \
    "guest-n's order failed 121.0 s after B was killed, its destination having left the pool (at most 120 s"

pool "$tmp/triple"
printf '%s\r\n' "(XEN) d3v0 Triple fault - invoking HVM shutdown action 1" "not ok 9 - guest-n runs on A" >>"$tmp/triple/a/serial.log"
verdict triple
rc=$?
if [ $rc -ne 0 ] && grep -q '^# every failure is the emulation.s: .*triple fault on a' "$tmp/triple.tap" &&
    [ -f "$tmp/triple/emulation" ] && [ ! -f "$tmp/failed/emulation" ]; then
    echo "ok 14 - a guest's triple fault makes the failures the emulation's; a product failure alone does not"
else
    echo "not ok 14 - a guest's triple fault makes the failures the emulation's (exit $rc)"
    sed 's/^/#   /' "$tmp/triple.tap"
fi
