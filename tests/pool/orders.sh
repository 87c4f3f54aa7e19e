#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Orders (issue 14), automatic mode, the etcd side: three xenplmd-sim
# hosts against a real 3-member etcd cluster on loopback ports chosen free
# (tests/pool/etcd-cluster.sh), TAP.  xen-a is overloaded (plan-busy.scn),
# xen-b idle (plan-idle.scn), xen-c roomy (orders-c.scn).  After the 2 s
# hold the leader writes an order moving one of xen-a's guests, at its
# election revision, with the domain's cooldown key; xen-a accepts it
# once (restarted, it does not accept it again); an order written by hand
# at a stale revision is refused, its state says why, logged once.
# Nobody executes orders here (the loop's executor is not part of this
# test): the states checked are those the pool thread writes.  Skipped,
# saying why, without etcd-server/etcd-client, unless CI=true or
# XENPLM_ETCD_REQUIRE=1.
# shellcheck disable=SC2317 # the checks run through ok(), which shellcheck cannot see
me=tests/pool/orders.sh
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
# shellcheck source=tests/pool/etcd-cluster.sh
. "$top_srcdir/tests/pool/etcd-cluster.sh"
etcd_cluster_need
sim="$top_builddir/src/xenplmd-sim"
cli="$top_builddir/src/xenplm"
[ -x "$sim" ] || { echo "$me: $sim not built" >&2; exit 99; }
work="$top_builddir/tests/pool-work/orders"
etcd_cluster_start "$work" || { echo "$me: could not start an etcd cluster" >&2; exit 99; }

policy() { # host
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<xenplm-policy version="1">'
        echo "  <pool name=\"test\" host=\"$1\" mode=\"automatic\">"
        echo "    <endpoint>$TEST_ETCD_EP1</endpoint>"
        echo "    <endpoint>$TEST_ETCD_EP2</endpoint>"
        echo "    <endpoint>$TEST_ETCD_EP3</endpoint>"
        echo '    <lease ttl="3s"/>'
        echo '    <publish interval="1s"/>'
        echo '    <plan interval="1s" hold="2s"/>'
        echo '  </pool>'
        echo '</xenplm-policy>'
    } >"$work/$1.xml"
}

echo "1..6"
n=0
fail=0
ms() {
    echo $(($(date +%s%N) / 1000000))
}
pid_a=''
pids=''
start() { # host scenario
    "$sim" -v --speed 1 -s "$work/$1.sock" -f "$work/$1.xml" \
        --sim "$top_srcdir/tests/pool/$2.scn" >/dev/null 2>>"$work/$1.log" &
    if [ "$1" = xen-a ]; then pid_a=$!; else pids="$pids $!"; fi
}
# wait_for MS CMD...: until CMD succeeds, at most MS.
wait_for() {
    end=$(($(ms) + $1))
    shift
    while [ "$(ms)" -lt "$end" ] && ! "$@" >/dev/null 2>&1; do
        sleep 0.2
    done
    "$@" >/dev/null 2>&1
}
orders_of() { # source
    ctl get --prefix --keys-only "/xenplm/test/orders/$1/" | grep -v '^$' | grep -v /state
}
ctl del --prefix /xenplm/test/ >/dev/null
for h in xen-a:plan-busy xen-b:plan-idle xen-c:orders-c; do
    policy "${h%%:*}"
    start "${h%%:*}" "${h#*:}"
done

# The leader orders one of xen-a's guests to a host with room, at its
# election revision (the plan's), with a cooldown key without a lease.
ordered() {
    wait_for 25000 orders_of xen-a || { echo "no order under /xenplm/test/orders/xen-a/"; return 1; }
    key=$(orders_of xen-a | head -n 1)
    uuid=${key##*/}
    o=$(ctl get "$key" --print-value-only)
    rev=$(ctl get /xenplm/test/plan --print-value-only | sed -n 's/^revision //p')
    leader=$(ctl get /xenplm/test/plan --print-value-only | sed -n 's/^leader //p')
    printf '%s\n' "$o" | grep -qx "revision $rev" || { echo "not at the plan's revision $rev: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx "leader $leader" || { echo "not the leader $leader's: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx 'from xen-a' || { echo "not from xen-a: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx 'to xen-[bc]' || { echo "not to xen-b or xen-c: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx 'reason balance' || { echo "not for balance: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx 'name a[123]' || { echo "not one of xen-a's guests: $o"; return 1; }
    c=$(ctl get "/xenplm/test/cooldown/$uuid" --print-value-only)
    if [ -z "$c" ] || [ "$c" -le "$(ms)" ]; then
        echo "no cooldown in the future for $uuid: '$c'"
        return 1
    fi
    ctl get "/xenplm/test/cooldown/$uuid" -w json | grep -q '"lease"' &&
        { echo "the cooldown key is under a lease"; return 1; }
    ctl get "$key" -w json | grep -q '"lease"' && { echo "the order is under a lease"; return 1; }
    grep -q "ordered '.*' ($uuid) from 'xen-a'.*election revision $rev" "$work/$leader.log" ||
        { echo "the leader's log does not say so"; return 1; }
    printf '%s\n' "$o" | sed 's/^/  /'
    echo "cooldown until $c"
}
ok "the leader orders a move off xen-a at its election revision, with a cooldown key" ordered
key=$(orders_of xen-a | head -n 1)

# xen-a accepts it (its state, written by xen-a), and orders nothing more
# off xen-a while it is in flight (one per source).
accepted() {
    wait_for 10000 sh -c "etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '$key/state' --print-value-only | grep -qx 'state accepted'" ||
        { echo "no accepted state: $(ctl get "$key/state" --print-value-only)"; return 1; }
    grep -q "order $key accepted" "$work/xen-a.log" || { echo "xen-a's log does not say so"; return 1; }
    sleep 3
    c=$(orders_of xen-a | grep -c .)
    [ "$c" = 1 ] || { echo "$c orders off xen-a, not 1"; return 1; }
    ctl get "$key/state" --print-value-only | sed 's/^/  /'
}
ok "xen-a accepts the order; no second order off it while it is in flight" accepted

# A hand-written order at a stale revision: refused by xen-c, which holds
# the domain, with the reason in its state; logged once.
stale() {
    c1=$(ctl get --prefix --keys-only /xenplm/test/hosts/xen-c/domains/ | grep . | head -n 1)
    c1=${c1##*/}
    [ -n "$c1" ] || { echo "xen-c publishes no domain"; return 1; }
    ctl put "/xenplm/test/orders/xen-c/$c1" "xenplm-order 1
leader xen-z
revision 1
name c1
from xen-c
to xen-b
address xen-b
reason manual
at $(ms)
" >/dev/null
    wait_for 10000 sh -c "etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '/xenplm/test/orders/xen-c/$c1/state' --print-value-only | grep -q '^state refused'" ||
        { echo "not refused: $(ctl get "/xenplm/test/orders/xen-c/$c1/state" --print-value-only)"; return 1; }
    s=$(ctl get "/xenplm/test/orders/xen-c/$c1/state" --print-value-only)
    printf '%s\n' "$s" | grep -q '^state refused stale' || { echo "not as stale: $s"; return 1; }
    sleep 3
    l=$(grep -c "order /xenplm/test/orders/xen-c/$c1 refused" "$work/xen-c.log")
    [ "$l" = 1 ] || { echo "$l log lines, not 1"; return 1; }
    printf '%s\n' "$s" | sed 's/^/  /'
}
ok "a hand-written order at a stale revision: refused, its state says why, logged once" stale

# xen-a restarted: the order it accepted is not accepted again (marked
# failed: the migration it held, if any, ended with the daemon).
kill "$pid_a"
wait "$pid_a" 2>/dev/null
: >"$work/xen-a.log"
start xen-a plan-busy
restarted() {
    wait_for 10000 sh -c "etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '$key/state' --print-value-only | grep -q '^state failed'" ||
        { echo "not marked failed: $(ctl get "$key/state" --print-value-only)"; return 1; }
    sleep 2
    grep -q "order $key accepted" "$work/xen-a.log" && { echo "accepted again"; return 1; }
    ctl get "$key/state" --print-value-only | sed 's/^/  /'
}
ok "xen-a restarted: the order it accepted is not accepted again" restarted

# Its domain is not ordered again while its cooldown lasts (the finished
# order stays until it is cleared; the cooldown key outlives it).
not_again() {
    uuid=${key##*/}
    sleep 3
    c=$(ctl get --prefix --keys-only /xenplm/test/orders/ | grep -c "$uuid\$")
    [ "$c" = 1 ] || { echo "$c orders for $uuid"; return 1; }
    [ -n "$(ctl get "/xenplm/test/cooldown/$uuid" --print-value-only)" ] ||
        { echo "its cooldown is gone"; return 1; }
}
ok "the failed order's domain is not ordered again; its cooldown stays" not_again

for p in $pid_a $pids; do
    kill "$p"
    wait "$p" 2>/dev/null
done
# Orders and cooldowns have no lease: what is left once the hosts are gone.
left() {
    k=$(ctl get --prefix --keys-only /xenplm/test/ | grep . | grep -v -e '^/xenplm/test/orders/' -e '^/xenplm/test/cooldown/')
    [ -z "$k" ] || { echo "keys left besides orders and cooldowns: $k"; return 1; }
}
ok "stopped: only orders and cooldowns outlive the hosts' leases" left
ctl del --prefix /xenplm/test/ >/dev/null
[ $fail = 0 ] && rm -rf "$work"
exit $fail
