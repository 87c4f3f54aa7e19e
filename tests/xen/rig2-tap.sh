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
# After the pool scenario (rig2.sh --pool), also what etcd carried, as the
# host saw it change (WORK/orders.watch, WORK/leader.watch: each line of
# `etcdctl watch` with the host's clock in front) and read once guest-n's
# order had failed (WORK/after-fault.txt): B's candidate key first in the
# election; the leader's order for guest-m from xen-a to xen-b, to its
# state done; the drain's orders, guest-m's done before guest-n's was
# written; guest-n's order failed with a reason and no order written after
# it; then only A's candidate key and records, and no order in flight;
# and the orders' times.  B's scenario is cut short on purpose there
# (WORK/fault.txt): instead of B's end, whether B's QEMU was killed while
# guest-n's migration ran.
# Whether every failure is the emulation's (a host that never came up or
# crashed, a guest that never reported, a guest's triple fault under TCG,
# "Triple fault" in a serial log: then every failure is put down to it),
# for rig2.sh's exit status 75: WORK/emulation, with why, when it is.
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
# Failures that say only that a kernel never came up under emulation,
# the checks that follow from them (host-side ones, set by the caller in
# $follows) and the rest, the product's.
failed_other=0
emu=""
follows=no
result() { # result ok|"not ok" DESC
    n=$((n + 1))
    echo "$1 $n - $2"
    [ "$1" = ok ] && return 0
    failed=$((failed + 1))
    case "$2" in
    ?": Xen boots and dom0's toolstack is up") emu="${emu}a host never came up; " ;;
    *" booted and reports on its console") emu="${emu}a guest never came up; " ;;
    ?": dom0: "*" never came up under emulation"*) emu="${emu}a guest never came up; " ;;
    ?": dom0's link is up" | ?": dom0 ran its scenario to its end"*) ;;
    *) [ $follows = yes ] || failed_other=$((failed_other + 1)) ;;
    esac
}
for h in a b; do
    grep -q '^(XEN) Hardware Dom0 crashed' "$work/$h/serial.log" 2>/dev/null && emu="${emu}dom0 $h crashed; "
    grep -q 'Triple fault' "$work/$h/serial.log" 2>/dev/null && emu="${emu}a guest's triple fault on $h; " && triple=yes
done

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
    serial_text "$log" "$work/$lc/serial.txt" 2>/dev/null || : >"$work/$lc/serial.txt"
    net=$(sed -n 's/^# net: //p' "$work/$lc/serial.txt" | head -n 1)
    if [ -n "$net" ]; then
        result ok "$h: dom0's link is up ($net)"
    else
        result "not ok" "$h: dom0's link is up"
    fi
    echo "# --- host $h ---"
    serial_tap "$work/$lc/serial.txt" "$h: "
    if [ $fault = yes ] && [ $h = B ]; then
        if grep -q '^killed ' "$work/fault.txt" && grep -qx "guest-n's migration already done then: no" "$work/fault.txt"; then
            result ok "B: its QEMU was killed during guest-n's migration ($(grep -c '^ok ' "$work/b/serial.txt" || :) results before)"
        else
            sed 's/^/#   /' "$work/fault.txt"
            follows=yes
            result "not ok" "B: its QEMU was killed during guest-n's migration"
            follows=no
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
follows=yes
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

if [ -f "$work/orders.watch" ]; then
    # What the host saw of the orders as they changed (order_events,
    # common.sh).  (etcd no longer holds a finished order five minutes
    # on, xenplmd(8); WORK/orders.txt, read at the end, shows what is left.)
    order_events "$work/orders.watch" >"$work/orders.events"
    leader_events "$work/leader.watch" >"$work/leader.events"
    ev="$work/orders.events"
    # nth_order NAME N: "TIME REASON FROM TO" of NAME's Nth order.
    nth_order() { awk -v d="$1" -v k="$2" '$2 == "order" && $3 == d && ++i == k { print $1, $4, $5, $6 }' "$ev"; }
    # states NAME N: the states of NAME's Nth order, in order, "TIME STATE".
    states() {
        awk -v d="$1" -v k="$2" '$2 == "order" && $3 == d { i++ } $2 == "state" && $3 == d && i == k { print $1, $4 }' "$ev"
    }
    # first_state NAME N STATE: when NAME's Nth order first got STATE.
    first_state() { states "$1" "$2" | awk -v s="$3" '$2 == s { print $1; exit }'; }
    seq_of() { states "$1" "$2" | awk '{ print $2 }' | uniq | tr '\n' ' ' | sed 's/ $//'; }

    first=$(leader_events "$work/leader.watch" | awk '$2 == "put" { print $4; exit }')
    desc="etcd's election: host B's candidate key came first (B led; first: ${first:-none})"
    if [ "$first" = xen-b ]; then result ok "$desc"; else result "not ok" "$desc"; fi

    o1=$(nth_order guest-m 1)
    s1=$(seq_of guest-m 1)
    desc="etcd carried the leader's order for guest-m, xen-a to xen-b, to its state done ($s1)"
    case "$o1" in
    *" xen-a xen-b")
        if [ "${s1##* }" = "done" ]; then result ok "$desc"; else result "not ok" "$desc"; fi
        ;;
    *) result "not ok" "$desc (order: ${o1:-none})" ;;
    esac

    o2=$(nth_order guest-m 2)
    on=$(nth_order guest-n 1)
    t_m2=${o2%% *}
    t_m2done=$(first_state guest-m 2 "done")
    t_n=${on%% *}
    t_nacc=$(first_state guest-n 1 accepted)
    # The leader orders guest-m first; A takes guest-n's order only once
    # guest-m's is done (one migration out of a host at a time).  (The
    # leader may write guest-n's while guest-m's still runs: it counts a
    # domain already published by its destination as there.)
    desc="the drain's orders in priority order: guest-m's (reason ${o2:+$(echo "$o2" | cut -d' ' -f2)}) written first, guest-n's (reason ${on:+$(echo "$on" | cut -d' ' -f2)}) accepted once guest-m's was done"
    if [ -n "$o2" ] && [ -n "$on" ] && [ -n "$t_m2done" ] && [ -n "$t_nacc" ] &&
        [ "$(echo "$o2" | cut -d' ' -f2)" = drain ] && [ "$(echo "$on" | cut -d' ' -f2)" = drain ] &&
        awk -v a="$t_m2" -v b="$t_m2done" -v c="$t_n" -v d="$t_nacc" 'BEGIN { exit !(a < c && b <= d) }'; then
        result ok "$desc"
    else
        sed 's/^/#   /' "$ev"
        result "not ok" "$desc"
    fi

    sn=$(seq_of guest-n 1)
    why=$(awk '$2 == "state" && $3 == "guest-n" && $4 == "failed" { $1 = $2 = $3 = $4 = ""; sub(/^ */, ""); w = $0 } END { print w }' "$ev")
    desc="etcd carried guest-n's order, xen-a to xen-b, to failed with a reason (${sn:-no state})"
    if [ "$(echo "$on" | cut -d' ' -f3-)" = "xen-a xen-b" ] && [ "${sn##* }" = failed ] && [ -n "$why" ]; then
        result ok "$desc"
        echo "#   why: $why"
    else
        result "not ok" "$desc"
    fi
    t_failed=$(first_state guest-n 1 failed)
    # Because B left the pool, and within two lease TTLs and 30 s of its
    # death: B's keys go with its lease, at most a TTL after its last
    # keepalive; A aborts once B has been unlisted for a TTL, at its next
    # plan (2 s); the rest is for a dom0 that stops for a while (up to
    # about 25 s seen: README).  Not at the timeout (25 min), nor at xl's
    # own failure (TCP's retries: about 15 min).  The TTL is the one
    # scenario-pool.sh gives the pool (its lease_ttl line).
    ttl=$(sed -n 's/^lease_ttl=\([0-9][0-9]*\)$/\1/p' "$here/scenario-pool.sh")
    bound=$((2 * ${ttl:-0} + 30))
    t_kill=$(sed -n 's/^killed \([0-9.]*\) .*/\1/p' "$work/fault.txt" 2>/dev/null || :)
    took=$(awk -v a="$t_kill" -v b="$t_failed" 'BEGIN { if (a != "" && b != "") printf "%.1f", b - a }')
    desc="guest-n's order failed ${took:-?} s after B was killed, its destination having left the pool (at most $bound s: two ${ttl:-?} s leases and 30)"
    case "$why" in
    *left%20the%20pool*)
        if [ -z "$ttl" ]; then
            result "not ok" "$desc (no lease_ttl line in $here/scenario-pool.sh)"
        elif [ -n "$took" ] && awk -v t="$took" -v b="$bound" 'BEGIN { exit !(t >= 0 && t <= b) }'; then
            result ok "$desc"
        else
            result "not ok" "$desc"
        fi
        ;;
    *) result "not ok" "$desc (why: ${why:-none})" ;;
    esac
    # Watched until rig2.sh stopped the watch (its last line otherwise).
    t_last=$(sed -n 's/^watch stopped \([0-9.]*\)$/\1/p' "$work/fault.txt" 2>/dev/null || :)
    [ -n "$t_last" ] || t_last=$(tail -n 1 "$work/orders.watch" | cut -d' ' -f1)
    again=$(awk -v f="${t_failed:-0}" '$2 == "order" && $1 > f { n++ } END { print n + 0 }' "$ev")
    if [ -n "$t_failed" ]; then
        desc="no order written after guest-n's failed one (watched $(awk -v a="$t_failed" -v b="${t_last:-0}" 'BEGIN { printf "%.0f", b - a }') s after it)"
    else
        desc="no order written after guest-n's failed one (it never failed)"
    fi
    if [ -n "$t_failed" ] && [ "$again" -eq 0 ]; then result ok "$desc"; else result "not ok" "$desc"; fi

    # The pool as etcd held it once guest-n's order had failed: keys, each
    # followed by its value.
    snap="$work/after-fault.txt"
    # keys_under PREFIX: "KEY FIRST-LINE-OF-VALUE" of the keys under PREFIX.
    keys_under() {
        awk -v p="$1" 'k != "" { print k, $0; k = "" } index($0, p) == 1 { k = $0 }' "$snap" 2>/dev/null
    }
    leaders=$(keys_under /xenplm/rig2/leader/ | awk '{ print $2 }' | sort -u | tr '\n' ' ' | sed 's/ $//')
    desc="after the fault, etcd's election holds host A's candidate key alone (${leaders:-none})"
    if [ "$leaders" = xen-a ]; then result ok "$desc"; else result "not ok" "$desc"; fi
    hosts=$(keys_under /xenplm/rig2/hosts/ | sed 's|^/xenplm/rig2/hosts/\([^/]*\)/.*|\1|' | sort -u | tr '\n' ' ' | sed 's/ $//')
    desc="after the fault, etcd holds host A's records alone: B's went with its lease (${hosts:-none})"
    if [ "$hosts" = xen-a ]; then result ok "$desc"; else result "not ok" "$desc"; fi
    # Every order has a final state: done, failed or refused.
    live=$(awk '/^\/xenplm\/rig2\// { k = $0; if (k ~ /^\/xenplm\/rig2\/orders\/[^\/]*\/[^\/]*$/) o[k] = 1; next }
        k ~ /\/state$/ && $1 == "state" { x = k; sub(/\/state$/, "", x); s[x] = $2 }
        END { for (x in o) if (s[x] != "done" && s[x] != "failed" && s[x] != "refused") n++; print n + 0 }' "$snap" 2>/dev/null || :)
    orders=$(grep -c '^/xenplm/rig2/orders/[^/]*/[^/]*$' "$snap" 2>/dev/null || :)
    desc="after the fault, no order in flight in etcd (${orders:-0} orders, ${live:-?} not finished)"
    if [ -s "$snap" ] && [ "${live:-1}" -eq 0 ] && [ "${orders:-0}" -gt 0 ]; then result ok "$desc"; else result "not ok" "$desc"; fi
fi
echo "1..$n"

if [ $failed -ne 0 ] && [ -n "$emu" ] && { [ $failed_other -eq 0 ] || [ "${triple:-no}" = yes ]; }; then
    echo "# every failure is the emulation's: $emu"
    echo "$emu" >"$work/emulation"
else
    rm -f "$work/emulation"
fi

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
else
    span() { # FROM TO
        if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s\n", b - a }'; else echo none; fi
    }
    t1=${o1%% *}
    echo "# order 1, guest-m (balance), in etcd (the host's clock): written to running $(span "$t1" "$(first_state guest-m 1 running)"), running to done $(span "$(first_state guest-m 1 running)" "$(first_state guest-m 1 "done")"), written to done $(span "$t1" "$(first_state guest-m 1 "done")")"
    echo "# on A, B ready to the migration's start: $(figure A 'pool: B ready to A.s xenplmd migrating'); the migration's start to guest-m gone: $(figure A 'pool: migration start to guest-m gone from A (A.s clock)')"
    echo "# on B, connection accepted to guest-m named there: $(figure B 'pool: on B, connection accepted to guest-m named on B'); named to its grant on B: $(figure B 'pool: guest-m named on B to its grant on B')"
    echo "# baseline, plain xl migrate of the same guest back to A (B's clock): $(figure B 'xl migrate (start to running on A)')"
    echo "# drain, guest-m in etcd: written to running $(span "$t_m2" "$(first_state guest-m 2 running)"), running to done $(span "$(first_state guest-m 2 running)" "$t_m2done"); on A, drain asked to its migration's start $(figure A 'pool: drain asked to guest-m.s migration started'), start to gone $(figure A 'pool: drain: guest-m.s migration start to gone from A (A.s clock)')"
    echo "# drain, guest-n in etcd: guest-m's order written to guest-n's $(span "$t_m2" "$t_n"), guest-m's done to guest-n's accepted $(span "$t_m2done" "$t_nacc"), guest-n's written to running $(span "$t_n" "$(first_state guest-n 1 running)")"
    t_bgone=$(awk -v k="$t_kill" '$2 == "delete" && $1 > k { print $1; exit }' "$work/leader.events" 2>/dev/null)
    echo "# fault (the host's clock): guest-n running to B killed $(span "$(first_state guest-n 1 running)" "$t_kill"), B killed to its candidate key gone (A leads) $(span "$t_kill" "$t_bgone"), B killed to guest-n's order failed $(span "$t_kill" "$t_failed")"
    echo "# on A, guest-n's migration start to its order failed: $(figure A 'pool: fault: guest-n.s migration start to its order failed (A.s clock)')"
fi
[ $failed -le 100 ] || failed=100
exit $failed
