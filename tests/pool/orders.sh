#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Orders (issue 14), automatic mode, the etcd side: three xenplmd-sim
# hosts against a real 3-member etcd cluster on loopback ports chosen free
# (tests/pool/etcd-cluster.sh), TAP.  xen-a is overloaded (plan-busy.scn),
# xen-b idle (orders-b.scn), xen-c roomy (orders-c.scn).  After the 2 s
# hold the leader writes an order moving one of xen-a's guests, at its
# election revision, with the domain's cooldown key; xen-a accepts it
# once (restarted, it does not accept it again); xenplm pool drain xen-c
# makes the leader order its guest off it; an order written by hand at a
# stale revision is refused, its state says why, logged once; xenplm pool
# migrate becomes an order, or is refused with the reason written back;
# a cooldown long over and an old answer are deleted by the leader.
# The hosts share a simulated fabric at 1 MiB/s, so that an order once
# accepted stays running for the whole test (tests/pool/migrate.sh carries
# orders through to their end): the states checked here are those the pool
# thread writes, and the one a restart leaves.  Skipped,
# saying why, without etcd-server/etcd-client, unless CI=true or
# XENPLM_ETCD_REQUIRE=1.
# shellcheck disable=SC2317 # the checks run through ok(), which shellcheck cannot see
me=tests/pool/orders.sh
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
# shellcheck source=tests/pool/etcd-cluster.sh
. "$top_srcdir/tests/pool/etcd-cluster.sh"
pool_sims_setup orders
fabric=$(cd "$work" && pwd)/fabric
rm -rf "$fabric"

policy() { # host
    pool_policy "$1" automatic '<plan interval="1s" hold="2s"/>'
}

echo "1..9"
n=0
fail=0
ms() {
    echo $(($(date +%s%N) / 1000000))
}
pid_a=''
pids=''
start() { # host scenario
    { cat "$top_srcdir/tests/pool/$2.scn"; echo "fabric \"$fabric\" $1"; echo 'migrate-rate 1'; } \
        >"$work/$1.scn"
    "$sim" -v --speed 1 -s "$work/$1.sock" -f "$work/$1.xml" \
        --sim "$work/$1.scn" >/dev/null 2>>"$work/$1.log" &
    if [ "$1" = xen-a ]; then pid_a=$!; else pids="$pids $!"; fi
    pool_sim_started "$!"
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
uuid_of() { # host name: the uuid of the domain its records name so
    for k in $(ctl get --prefix --keys-only "/xenplm/test/hosts/$1/domains/" | grep .); do
        ctl get "$k" --print-value-only | grep -qx "name $2" && { echo "${k##*/}"; return 0; }
    done
    return 1
}
has() { # key: etcd holds it
    [ -n "$(ctl get "$1" --keys-only)" ]
}
orders_of() { # source
    ctl get --prefix --keys-only "/xenplm/test/orders/$1/" | grep -v '^$' | grep -v /state
}
ctl del --prefix /xenplm/test/ >/dev/null
for h in xen-a:plan-busy xen-b:orders-b xen-c:orders-c; do
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
    wait_for 10000 sh -c "etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '$key/state' --print-value-only | grep -Eqx 'state (accepted|running [0-9]+)'" ||
        { echo "no accepted state: $(ctl get "$key/state" --print-value-only)"; return 1; }
    grep -q "order $key accepted" "$work/xen-a.log" || { echo "xen-a's log does not say so"; return 1; }
    sleep 3
    c=$(orders_of xen-a | grep -c .)
    [ "$c" = 1 ] || { echo "$c orders off xen-a, not 1"; return 1; }
    ctl get "$key/state" --print-value-only | sed 's/^/  /'
}
ok "xen-a accepts the order; no second order off it while it is in flight" accepted

# xenplm pool drain xen-c (asked of xen-b's daemon): the key, every host
# shows xen-c draining, and the leader orders c1 off it (reason drain).
ask() { # host args...
    h=$1
    shift
    "$cli" -s "$work/$h.sock" pool "$@"
}
drained() {
    ask xen-b drain xen-c || return 1
    wait_for 10000 has /xenplm/test/drain/xen-c || { echo "no drain key"; return 1; }
    ctl get /xenplm/test/drain/xen-c --print-value-only | grep -qx 'by xen-b' ||
        { echo "the drain key does not say who asked: $(ctl get /xenplm/test/drain/xen-c)"; return 1; }
    for h in xen-a xen-b xen-c; do
        wait_for 5000 sh -c "'$cli' -s '$work/$h.sock' pool status | grep -q '^xen-c .*(draining)\$'" ||
            { echo "$h does not show xen-c draining: $(ask "$h" status)"; return 1; }
    done
    ask xen-a status -j | python3 -c '
import json, sys
s = json.load(sys.stdin)
d = {h["name"]: h["drain"] for h in s["hosts"]}
assert d == {"xen-a": False, "xen-b": False, "xen-c": True}, d' || return 1
    wait_for 15000 orders_of xen-c || { echo "no order off xen-c"; return 1; }
    k=$(orders_of xen-c | head -n 1)
    o=$(ctl get "$k" --print-value-only)
    printf '%s\n' "$o" | grep -qx 'reason drain' || { echo "not for the drain: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx 'name c1' || { echo "not c1: $o"; return 1; }
    ask xen-b drain xen-c --off || return 1
    end=$(($(ms) + 10000))
    while [ "$(ms)" -lt "$end" ] && has /xenplm/test/drain/xen-c; do sleep 0.2; done
    has /xenplm/test/drain/xen-c && { echo "--off left the drain key"; return 1; }
    printf '%s\n' "$o" | grep -e '^name' -e '^to' -e '^reason' | sed 's/^/  /'
}
ok "xenplm pool drain xen-c: every host shows it, the leader orders c1 off it; --off ends it" drained

# A hand-written order at a stale revision: refused by xen-b, which holds
# the domain, with the reason in its state; logged once.
stale() {
    b1=$(uuid_of xen-b b1)
    [ -n "$b1" ] || { echo "xen-b publishes no b1"; return 1; }
    ctl put "/xenplm/test/orders/xen-b/$b1" "xenplm-order 1
leader xen-z
revision 1
name b1
from xen-b
to xen-c
address xen-c
reason manual
at $(ms)
" >/dev/null
    wait_for 10000 sh -c "etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '/xenplm/test/orders/xen-b/$b1/state' --print-value-only | grep -q '^state refused'" ||
        { echo "not refused: $(ctl get "/xenplm/test/orders/xen-b/$b1/state" --print-value-only)"; return 1; }
    s=$(ctl get "/xenplm/test/orders/xen-b/$b1/state" --print-value-only)
    printf '%s\n' "$s" | grep -q '^state refused stale' || { echo "not as stale: $s"; return 1; }
    sleep 3
    l=$(grep -c "order /xenplm/test/orders/xen-b/$b1 refused" "$work/xen-b.log")
    [ "$l" = 1 ] || { echo "$l log lines, not 1"; return 1; }
    printf '%s\n' "$s" | sed 's/^/  /'
}
ok "a hand-written order at a stale revision: refused, its state says why, logged once" stale

# xenplm pool migrate (asked of xen-c's daemon): b2 to xen-a becomes an
# order (reason manual) at the leader's revision, shown by pool plan; a
# move to a host not in the pool is refused, the reason written back.
migrated() {
    b2=$(uuid_of xen-b b2)
    ask xen-c migrate b2 xen-a || return 1
    wait_for 10000 has "/xenplm/test/orders/xen-b/$b2" ||
        { echo "no order for b2"; return 1; }
    o=$(ctl get "/xenplm/test/orders/xen-b/$b2" --print-value-only)
    rev=$(ctl get /xenplm/test/plan --print-value-only | sed -n 's/^revision //p')
    printf '%s\n' "$o" | grep -qx 'reason manual' || { echo "not manual: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx 'to xen-a' || { echo "not to xen-a: $o"; return 1; }
    printf '%s\n' "$o" | grep -qx "revision $rev" || { echo "not at $rev: $o"; return 1; }
    has /xenplm/test/moves/b2 && { echo "the request is still there"; return 1; }
    wait_for 5000 sh -c "'$cli' -s '$work/xen-c.sock' pool plan | grep -q '^b2  *xen-b  *xen-a  *manual '" ||
        { echo "pool plan does not show it: $(ask xen-c plan)"; return 1; }
    ask xen-c migrate b1 xen-z || return 1
    wait_for 10000 has /xenplm/test/moves/b1/answer ||
        { echo "no answer to the move to xen-z"; return 1; }
    a=$(ctl get /xenplm/test/moves/b1/answer --print-value-only)
    printf '%s\n' "$a" | grep -q '^state refused no%20host%20%27xen-z%27%20in%20the%20pool$' ||
        { echo "not refused as no such host: $a"; return 1; }
    wait_for 5000 sh -c "'$cli' -s '$work/xen-a.sock' pool plan | grep -q \"^  b1: refused: no host 'xen-z' in the pool\$\"" ||
        { echo "pool plan does not show the refusal: $(ask xen-a plan)"; return 1; }
    ask xen-a plan -j | python3 -c '
import json, sys
p = json.load(sys.stdin)
m = [x for x in p["manual"] if x["domain"] == "b1"]
assert m and m[0]["refused"] and "xen-z" in m[0]["why"], p["manual"]
o = [x for x in p["orders"] if x["order"] and x["order"]["name"] == "b2"]
assert o and o[0]["order"]["reason"] == "manual" and o[0]["order"]["to"] == "xen-a", p["orders"]' ||
        return 1
    ask xen-c migrate 'b 1' xen-a 2>/dev/null && { echo "a bad name accepted"; return 1; }
    ask xen-c plan | sed -n '/^orders/,$p'
}
ok "xenplm pool migrate: an order (manual) at the leader's revision; a move to no host refused with why" migrated

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

# A cooldown long over, of a domain without an order, and an old answer
# to a manual move are deleted by the leader; a running cooldown stays.
cleared() {
    old=/xenplm/test/cooldown/00000000-0000-4000-8000-00000000beef
    ans=/xenplm/test/moves/old1/answer
    ctl put "$old" 1000 >/dev/null
    ctl put "$ans" "xenplm-order-state 1
revision 1
at 1000
state refused old
" >/dev/null
    end=$(($(ms) + 10000))
    while [ "$(ms)" -lt "$end" ] && { has "$old" || has "$ans"; }; do sleep 0.2; done
    has "$old" && { echo "the old cooldown is still there"; return 1; }
    has "$ans" && { echo "the old answer is still there"; return 1; }
    has "/xenplm/test/cooldown/${key##*/}" || { echo "a running cooldown went too"; return 1; }
    has /xenplm/test/moves/b1/answer || { echo "a fresh answer went too"; return 1; }
}
ok "an old cooldown and an old answer are deleted by the leader; fresh ones stay" cleared

for p in $pid_a $pids; do
    kill "$p"
    wait "$p" 2>/dev/null
done
# Orders, cooldowns and answers have no lease: what is left once the hosts are gone.
left() {
    k=$(ctl get --prefix --keys-only /xenplm/test/ | grep . |
        grep -v -e '^/xenplm/test/orders/' -e '^/xenplm/test/cooldown/' -e '^/xenplm/test/moves/[^/]*/answer$')
    [ -z "$k" ] || { echo "keys left besides orders, cooldowns and answers: $k"; return 1; }
}
ok "stopped: only orders, cooldowns and answers outlive the hosts' leases" left
ctl del --prefix /xenplm/test/ >/dev/null
[ $fail = 0 ] && rm -rf "$work"
exit $fail
