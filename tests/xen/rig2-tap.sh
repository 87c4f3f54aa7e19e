#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The two-host rig's verdict (tests/xen/rig2.sh): reads WORK/a/serial.log
# and WORK/b/serial.log (and boot.sh's serial.log.times beside them), the
# serial consoles of hosts A and B, and prints one TAP stream: whether each
# host booted and brought its link up, each dom0's own results, prefixed
# "A: " and "B: ", whether each ran its scenario to its end, then the
# checks that need both logs (the guest kept its boot id and its count
# went on from A to B), then the figures.  Leaves the logs without their
# carriage returns in WORK/a/serial.txt and WORK/b/serial.txt.
# After the pool scenario (rig2.sh --pool), also whether etcd carried the
# leader's order for guest-m from xen-a to xen-b to its state done, and
# the order's times, as the host saw them change (WORK/orders.watch: each
# line of `etcdctl watch` with the host's clock in front).
# After the fault run (rig2.sh --fault dest-dies: WORK/fault.txt), B's
# scenario is cut short on purpose: instead of B's end and the guest's
# move, whether B's QEMU was killed while A's migration ran, and whether
# etcd carried the order to failed with a reason, and no order for
# guest-m was written after it.
#
#     tests/xen/rig2-tap.sh WORK
#
# Exits with the number of failed checks (0: all passed; at most 100).
# tests/xen/rig2-tap-test.sh checks it on made-up logs.
set -eu

me=rig2-tap.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
[ $# -eq 1 ] || die "usage: $me WORK"
work=$1

n=0
failed=0
fault=no
[ -f "$work/fault.txt" ] && fault=yes
result() { # result ok|"not ok" DESC
    n=$((n + 1))
    echo "$1 $n - $2"
    [ "$1" = ok ] || failed=$((failed + 1))
}

for h in A B; do
    lc=$(printf '%s' "$h" | tr AB ab)
    log="$work/$lc/serial.log"
    ready=$(awk '$1 == "ready" { print $2 }' "$log.times" 2>/dev/null || true)
    done_at=$(awk '$1 == "done" { print $2 }' "$log.times" 2>/dev/null || true)
    eval "ready_$lc=\$ready"
    if [ -n "$ready" ]; then
        result ok "$h: Xen boots and dom0's toolstack is up"
    else
        result "not ok" "$h: Xen boots and dom0's toolstack is up"
    fi
    tr -d '\r' <"$log" >"$work/$lc/serial.txt" 2>/dev/null || : >"$work/$lc/serial.txt"
    net=$(sed -n 's/^# net: //p' "$work/$lc/serial.txt" | head -n 1)
    if [ -n "$net" ]; then
        result ok "$h: dom0's link is up ($net)"
    else
        result "not ok" "$h: dom0's link is up"
    fi
    echo "# --- host $h ---"
    serial_tap "$work/$lc/serial.txt" "$h: "
    if [ $fault = yes ] && [ $h = B ]; then
        if grep -q '^killed ' "$work/fault.txt" && grep -qx "A's migration already done then: no" "$work/fault.txt"; then
            result ok "B: its QEMU was killed during A's migration ($(grep -c '^ok ' "$work/b/serial.txt" || :) results before)"
        else
            sed 's/^/#   /' "$work/fault.txt"
            result "not ok" "B: its QEMU was killed during A's migration"
        fi
    elif [ -z "$done_at" ] || [ -z "$dom0_plan" ] || [ "$dom0_plan" -ne "$dom0_results" ]; then
        result "not ok" "$h: dom0 ran its scenario to its end (plan ${dom0_plan:-missing}, $dom0_results results)"
    fi
done

# seen HOST WHEN boot|count: what HOST saw of the guest, from its line
# "# migrate: on HOST boot=ID count=N WHEN" (scenario-migrate.sh).
seen() {
    sed -n "s/^# migrate: on $1 boot=\\([^ ]*\\) count=\\([0-9]*\\) $2\$/\\1 \\2/p" \
        "$work/$(printf '%s' "$1" | tr AB ab)/serial.txt" | tail -n 1 |
        awk -v f="$3" '{ print (f == "boot" ? $1 : $2) }'
}
if [ $fault = no ]; then
    boot_a=$(seen A "at the start" boot)
    start_a=$(seen A "at the start" count)
    last_a=$(seen A last count)
    boot_b=$(seen B first boot)
    first_b=$(seen B first count)
    desc="the guest keeps its boot id from A to B (it was not started again)"
    if [ -n "$boot_a" ] && [ "$boot_a" = "$boot_b" ]; then
        result ok "$desc"
    else
        echo "#   on A: ${boot_a:-none}; on B: ${boot_b:-none}"
        result "not ok" "$desc"
    fi
    desc="the guest's count goes on from A to B (A: ${start_a:-?} at the start, ${last_a:-?} last; B: ${first_b:-?} first)"
    if [ -n "$start_a" ] && [ -n "$first_b" ] && [ "$first_b" -gt "$start_a" ]; then
        result ok "$desc"
    else
        result "not ok" "$desc"
    fi
fi
if [ $fault = yes ]; then
    # The order: failed, with a reason, and no order for guest-m written
    # after it (a PUT of an order's own key), while the host watched.
    w=$(sed 's/^[0-9.]* //' "$work/orders.watch")
    states=$(printf '%s\n' "$w" | sed -n 's/^state \([a-z]*\).*/\1/p' | uniq | tr '\n' ' ' | sed 's/ $//')
    why=$(printf '%s\n' "$w" | sed -n 's/^state failed //p' | tail -n 1)
    desc="etcd carried the order for guest-m, xen-a to xen-b, to failed with a reason (${states:-no state})"
    if printf '%s\n' "$w" | grep -qx 'name guest-m' && [ "$(printf '%s\n' "$states" | awk '{ print $NF }')" = failed ] &&
        [ -n "$why" ]; then
        result ok "$desc"
        echo "#   why: $why"
    else
        sed 's/^/#   /' "$work/orders.watch"
        result "not ok" "$desc"
    fi
    t_failed=$(grep -E '^[0-9.]+ state failed' "$work/orders.watch" | head -n 1 | cut -d' ' -f1)
    # Watched until rig2.sh stopped the watch (its last line otherwise).
    t_last=$(sed -n 's/^watch stopped \([0-9.]*\)$/\1/p' "$work/fault.txt")
    [ -n "$t_last" ] || t_last=$(tail -n 1 "$work/orders.watch" | cut -d' ' -f1)
    again=$(awk -v f="${t_failed:-0}" 'prev == "PUT" && $1 > f && $2 ~ "^/xenplm/rig2/orders/[^/]*/[^/]*$" { n++ }
        { prev = $2 } END { print n + 0 }' "$work/orders.watch")
    if [ -n "$t_failed" ]; then
        desc="no order written after the failed one (watched $(awk -v a="$t_failed" -v b="${t_last:-0}" 'BEGIN { printf "%.0f", b - a }') s after it)"
    else
        desc="no order written after the failed one (the order never failed)"
    fi
    if [ -n "$t_failed" ] && [ "$again" -eq 0 ]; then
        result ok "$desc"
    else
        sed 's/^/#   /' "$work/orders.watch"
        result "not ok" "$desc"
    fi
elif [ -f "$work/orders.watch" ]; then
    # What the host saw of the orders under xen-a as they changed: the
    # order's fields and its states, in order.  (etcd no longer holds it
    # at the end: the leader deletes a finished order five minutes after,
    # xenplmd(8); WORK/orders.txt, read then, shows what is left.)
    w=$(sed 's/^[0-9.]* //' "$work/orders.watch")
    state=$(printf '%s\n' "$w" | sed -n 's/^state //p' | tail -n 1)
    states=$(printf '%s\n' "$w" | sed -n 's/^state \([a-z]*\).*/\1/p' | uniq | tr '\n' ' ' | sed 's/ $//')
    desc="etcd carried the leader's order for guest-m, xen-a to xen-b, to its state done (${states:-no state})"
    if printf '%s\n' "$w" | grep -q '^/xenplm/rig2/orders/xen-a/[^/]*$' &&
        printf '%s\n' "$w" | grep -qx 'name guest-m' && printf '%s\n' "$w" | grep -qx 'to xen-b' &&
        [ "$state" = "done" ]; then
        result ok "$desc"
    else
        sed 's/^/#   /' "$work/orders.watch"
        result "not ok" "$desc"
    fi
fi
echo "1..$n"

# figure HOST NAME: HOST's "# time: NAME S s" line, "S s", or "none".
figure() {
    f=$(sed -n "s/^# time: $2 \\([0-9.]*\\) s\$/\\1/p" \
        "$work/$(printf '%s' "$1" | tr AB ab)/serial.txt" | tail -n 1)
    if [ -n "$f" ]; then echo "$f s"; else echo none; fi
}
echo "# --- figures (wall-clock seconds; each host's own clock) ---"
# shellcheck disable=SC2154 # ready_a, ready_b: set by eval above
echo "# QEMU start to dom0 ready: A ${ready_a:-never} s, B ${ready_b:-never} s"
# cpu_of h: "C CPU-s in W s": the CPU time QEMU used and how long it ran.
cpu_of() {
    awk '$1 == "cpu" { c = $2 } $1 == "exit" { w = $2 }
        END { if (c != "" && w != "") printf "%s CPU-s in %s s", c, w; else printf "not known" }' \
        "$work/$1/serial.log.times" 2>/dev/null
}
echo "# QEMU's CPU time (the two cores are shared): A $(cpu_of a), B $(cpu_of b)"
echo "# guest-m boot on A (xl create returned to first report): $(figure A 'guest-m boot (xl create returned to first report)')"
if [ ! -f "$work/orders.watch" ]; then # the pool scenario's are below
    echo "# xl migrate, start to running on B (A's clock): $(figure A 'xl migrate (start to running on B)')"
    echo "# on B, connection accepted to guest-m running there: $(figure B 'migration on B (connection accepted to guest-m named on B)')"
fi
if [ -f "$work/orders.watch" ]; then
    # at WHAT: the host's time of the first watch line matching the
    # extended regular expression WHAT.
    at() { grep -E "^[0-9.]+ $1" "$work/orders.watch" | head -n 1 | cut -d' ' -f1; }
    t_order=$(at '/xenplm/rig2/orders/xen-a/[^/]*$')
    t_run=$(at 'state running')
    t_done=$(at 'state done')
    span() { # FROM TO
        if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s\n", b - a }'; else echo none; fi
    }
    echo "# the order in etcd (the host's clock): written to running $(span "$t_order" "$t_run"), running to done $(span "$t_run" "$t_done"), written to done $(span "$t_order" "$t_done")"
    if [ $fault = yes ]; then
        t_kill=$(sed -n 's/^killed \([0-9.]*\) .*/\1/p' "$work/fault.txt")
        t_fail=$(at 'state failed')
        echo "# fault (the host's clock): running to B killed $(span "$t_run" "$t_kill"), B killed to the order failed $(span "$t_kill" "$t_fail"), running to failed $(span "$t_run" "$t_fail")"
        echo "# on A, the migration's start to the order failed: $(figure A 'pool: fault: migration start to the order failed (A.s clock)')"
    fi
    echo "# on B, connection accepted to guest-m named there: $(figure B 'pool: on B, connection accepted to guest-m named on B'); named to its grant on B: $(figure B 'pool: guest-m named on B to its grant on B')"
    echo "# on A, the migration's start to guest-m gone: $(figure A 'pool: migration start to guest-m gone from A (A.s clock)')"
    echo "# baseline, plain xl migrate of the same guest back to A (B's clock): $(figure B 'xl migrate (start to running on A)')"
fi
[ $failed -le 100 ] || failed=100
exit $failed
