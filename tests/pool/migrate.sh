#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Orders carried out (issue 14), automatic mode, end to end: three
# xenplmd-sim hosts on one simulated fabric (xenplm-sim(5), LIVE
# MIGRATION) against a real 3-member etcd cluster on loopback ports chosen
# free (tests/pool/etcd-cluster.sh), TAP.  xen-a is overloaded (three
# guests asking more CPU than it has), xen-b idle and roomy, xen-c holds
# one guest whose migrations fail (migrate-fault fail).  Checked:
#   - the leader orders a move off xen-a, to the address its destination
#     publishes for migrations (each host gives one: HOST.pool.test), and
#     xen-a's daemon carries it out, migrating to that address
#     (the order's state goes accepted, running, done), the domain runs on
#     the destination, which adopts it and answers its request, and no
#     longer on xen-a: one host publishes it, at every moment read;
#   - the move is not undone (no order moves it again within its cooldown);
#   - a migration that fails leaves the domain where it was, its order
#     failed with the reason, and it is not ordered again in its cooldown;
#   - xenplm pool drain xen-a moves everything off xen-a, one at a time;
#   - a reload that restarts the pool thread mid-migration (a changed pool
#     section) does not fail the order the loop is carrying out;
#   - a source stopped past its lease mid-migration (SIGSTOP 4 s, lease
#     3 s) and continued: it joins again, and its order ends done, as the
#     leader fails an orphaned order only after a grace of two TTLs;
#   - past the grace (stopped until the leader has failed the order):
#     back, the source says so and writes its reports over that state, and
#     the order ends done;
#   - a source host lost mid-migration (its daemon killed, its simulated
#     host with it): the leader writes the order failed once the host's
#     lease is gone, and the destination never gets the domain;
#   - a destination lost mid-migration (a stalled transfer, as over a dead
#     link): the source aborts it once the pool has stopped listing the
#     destination, long before the order's timeout; the domain runs on.
# Skipped, saying why, without etcd-server/etcd-client, unless CI=true or
# XENPLM_ETCD_REQUIRE=1.
# shellcheck disable=SC2317 # the checks run through ok(), which shellcheck cannot see
me=tests/pool/migrate.sh
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
# shellcheck source=tests/pool/etcd-cluster.sh
. "$top_srcdir/tests/pool/etcd-cluster.sh"
pool_sims_setup migrate
fabric=$(cd "$work" && pwd)/fabric
rm -rf "$fabric"

# Each host gives an address for migrations other than its name: the
# orders to it carry that address, and its source migrates to it.
policy() { # host
    pool_attrs="address=\"$1.pool.test\""
    pool_policy "$1" automatic '<plan interval="1s" hold="2s"/>' '<migrate timeout="60s"/>'
    pool_attrs=
}

# The hosts' scenarios, each on the fabric under its pool name.
{
    echo 'host pcpus=3 memory=16384 dom0=2048'
    for g in a1 a2 a3; do
        echo "domain $g memory=2048 maxmem=4096 vcpus=2 maxvcpus=2 balloon-rate=512 cpu=100"
    done
    echo "fabric \"$fabric\" xen-a"
    echo 'migrate-rate 1024'
    for g in a1 a2 a3; do echo "at 1s $g request cpu=100,200 mem=2048"; done
} >"$work/xen-a.scn"
{
    echo 'host pcpus=8 memory=32768 dom0=2048'
    echo 'domain b1 memory=1024 maxmem=2048 vcpus=1 maxvcpus=2 balloon-rate=512 cpu=10'
    echo "fabric \"$fabric\" xen-b"
    echo 'migrate-rate 256'
    echo 'at 1s b1 request cpu=10 mem=1024'
} >"$work/xen-b.scn"
{
    echo 'host pcpus=4 memory=16384 dom0=2048'
    echo 'domain c1 memory=1024 maxmem=2048 vcpus=1 maxvcpus=2 balloon-rate=512 cpu=10'
    echo "fabric \"$fabric\" xen-c"
    echo 'migrate-rate 1024'
    echo 'migrate-fault fail 1'
    echo 'migrate-fault stall 1'
    echo 'at 1s c1 request cpu=10 mem=1024'
} >"$work/xen-c.scn"

echo "1..12"
# shellcheck disable=SC2034 # n and fail: ok() counts in them
n=0
fail=0
ms() {
    echo $(($(date +%s%N) / 1000000))
}
pids=''
start() { # host
    "$sim" -v --speed 1 -s "$work/$1.sock" -f "$work/$1.xml" \
        --sim "$work/$1.scn" >/dev/null 2>>"$work/$1.log" &
    pids="$pids $!"
    pool_sim_started "$!"
    eval "pid_$(echo "$1" | tr -d -)=\$!"
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
state_of() { # order key
    ctl get "$1/state" --print-value-only | sed -n 's/^state //p'
}
has_state() { # order key, a grep pattern for a line of its state
    ctl get "$1/state" --print-value-only | grep -q "$2"
}
# The phases etcd's history holds for the order's state, oldest first.
state_history() { # order key
    etcd_history "$1/state" | sed -n 's/.*\\nstate \([a-z]*\).*/\1/p' | tr '\n' ' '
}
ask() { # host args...
    h=$1
    shift
    "$cli" -s "$work/$h.sock" "$@"
}
# The hosts whose daemon lists the domain NAME, asked in the order HOSTS
# gives (default xen-a xen-b xen-c).  Each host is asked in turn, not all at
# once: to catch a domain on two hosts at one moment, ask its destination
# before its source (listed there, then still listed at the source later:
# both held it at the source's reading); the other way round, a move that
# lands between the two readings looks like one.
where() { # name [hosts...]
    w_name=$1
    shift
    [ $# -gt 0 ] || set -- xen-a xen-b xen-c
    for h in "$@"; do
        ask "$h" list 2>/dev/null | awk -v n="$w_name" '$1 == n { found = 1 } END { exit !found }' &&
            printf '%s ' "$h"
    done
}
# The uuid of the domain NAME as HOST publishes it (nothing when it does not).
uuid_of() { # host name
    ctl get --prefix --keys-only "/xenplm/test/hosts/$1/domains/" | while read -r u_key; do
        [ -n "$u_key" ] && ctl get "$u_key" --print-value-only | grep -qx "name $2" && echo "${u_key##*/}"
    done
}
# The hosts whose published records name the domain UUID.
published() { # uuid
    ctl get --prefix --keys-only /xenplm/test/hosts/ | grep "/domains/$1\$" |
        sed 's|^/xenplm/test/hosts/\([^/]*\)/.*|\1|' | tr '\n' ' '
}
ctl del --prefix /xenplm/test/ >/dev/null
for h in xen-a xen-b xen-c; do
    policy "$h"
    start "$h"
done

# 1. The leader orders a move off xen-a; xen-a carries it out.
moved() {
    wait_for 25000 orders_of xen-a || { echo "no order off xen-a"; return 1; }
    key=$(orders_of xen-a | head -n 1)
    uuid=${key##*/}
    o=$(ctl get "$key" --print-value-only)
    name=$(printf '%s\n' "$o" | sed -n 's/^name //p')
    dest=$(printf '%s\n' "$o" | sed -n 's/^to //p')
    addr=$(printf '%s\n' "$o" | sed -n 's/^address //p')
    [ "$addr" = "$dest.pool.test" ] ||
        { echo "the order's address is '$addr', not $dest's own, $dest.pool.test"; return 1; }
    seen=''
    end=$(($(ms) + 30000))
    while [ "$(ms)" -lt "$end" ]; do
        s=$(state_of "$key")
        case "$seen" in *"${s%% *}"*) ;; *) seen="$seen ${s%% *}" ;; esac
        # Never on two hosts, at any moment read: the destination first.
        w=$(where "$name" "$dest" xen-a)
        [ "$(printf '%s' "$w" | wc -w)" -le 1 ] || { echo "$name listed by $w at once"; return 1; }
        [ "$s" = "done" ] && break
        case "$s" in failed* | refused*) echo "the order ended: $s"; return 1 ;; esac
        sleep 0.2
    done
    [ "$s" = "done" ] || { echo "the order is not done: '$s' (states seen:$seen)"; return 1; }
    case "$seen" in *running*) ;; *) echo "no running state seen (states:$seen)"; return 1 ;; esac
    grep -q "Domain .*: migrating to $dest ($dest.pool.test)" "$work/xen-a.log" ||
        { echo "xen-a's log does not say it migrates to $dest.pool.test"; return 1; }
    ask xen-a pool status | grep -q "(migrations to $dest.pool.test)" ||
        { echo "xenplm pool status does not show $dest's address"; return 1; }
    ask xen-a pool status -j | grep -q "\"address\":\"$dest.pool.test\"" ||
        { echo "xenplm pool status -j does not show $dest's address"; return 1; }
    echo "  $name ($uuid) to $dest, states:$seen"
}
ok "the leader orders a move off xen-a, to the address its destination gives (pool status shows it), and xen-a carries it out (accepted, running, done)" moved
key=$(orders_of xen-a | head -n 1)
uuid=${key##*/}
o=$(ctl get "$key" --print-value-only)
name=$(printf '%s\n' "$o" | sed -n 's/^name //p')
dest=$(printf '%s\n' "$o" | sed -n 's/^to //p')

# 2. It runs on the destination, which adopts it and answers its request,
# and nowhere else; the destination alone publishes it.
arrived() {
    [ -n "$name" ] || { echo "no domain moved"; return 1; }
    wait_for 10000 sh -c "'$cli' -s '$work/$dest.sock' show '$name' -j | grep -q '\"status\":\"ok'" ||
        { echo "$dest does not answer $name's request: $(ask "$dest" show "$name")"; return 1; }
    w=$(where "$name")
    [ "$w" = "$dest " ] || { echo "$name listed by '$w', not by $dest alone"; return 1; }
    wait_for 5000 sh -c "[ \"\$(etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get --prefix --keys-only /xenplm/test/hosts/ | grep -c '/domains/$uuid\$')\" = 1 ]" ||
        { echo "published by: $(published "$uuid")"; return 1; }
    p=$(published "$uuid")
    [ "$p" = "$dest " ] || { echo "published by '$p', not $dest"; return 1; }
    echo "  $dest lists, answers and publishes $name"
}
ok "the domain runs on the destination alone, which adopts it and publishes it" arrived

# 3. Not undone: for 8 s (past the hold), no other order moves it, and
# its cooldown stands.
kept() {
    c=$(ctl get "/xenplm/test/cooldown/$uuid" --print-value-only)
    if [ -z "$c" ] || [ "$c" -le "$(ms)" ]; then
        echo "no cooldown ahead for $uuid: '$c'"
        return 1
    fi
    sleep 8
    k=$(ctl get --prefix --keys-only /xenplm/test/orders/ | grep -v /state | grep -c "/$uuid\$")
    [ "$k" = 1 ] || { echo "$k orders for $name, not 1"; return 1; }
    w=$(where "$name")
    [ "$w" = "$dest " ] || { echo "$name is on '$w' now"; return 1; }
}
ok "the move is not undone: one order for it, its cooldown ahead" kept

# 4. A migration that fails: xenplm pool migrate c1 xen-b, xen-c's
# migrations fail; c1 stays on xen-c, the order says failed with why, and
# it is not ordered again within its cooldown.
failed() {
    ask xen-b pool migrate c1 xen-b || return 1
    wait_for 10000 orders_of xen-c || { echo "no order off xen-c"; return 1; }
    k=$(orders_of xen-c | head -n 1)
    wait_for 20000 has_state "$k" '^state failed' ||
        { echo "not failed: $(state_of "$k")"; return 1; }
    s=$(state_of "$k")
    [ "$s" != failed ] || { echo "failed without a reason"; return 1; }
    w=$(where c1)
    [ "$w" = "xen-c " ] || { echo "c1 listed by '$w', not by xen-c alone"; return 1; }
    sleep 4
    c=$(orders_of xen-c | grep -c .)
    [ "$c" = 1 ] || { echo "$c orders off xen-c, not 1: retried"; return 1; }
    echo "  $s"
}
ok "a migration that fails leaves the domain where it was, its order failed with why, not retried" failed

# 5. xenplm pool drain xen-a: every domain left on it moves off, one at a
# time (never two of its orders running at once).
drained() {
    ask xen-b pool drain xen-a || return 1
    end=$(($(ms) + 60000))
    while [ "$(ms)" -lt "$end" ]; do
        r=0
        for k in $(orders_of xen-a); do
            case "$(state_of "$k")" in accepted | running*) r=$((r + 1)) ;; esac
        done
        [ "$r" -le 1 ] || { echo "$r orders off xen-a in flight at once"; return 1; }
        left=$(ask xen-a list | awk '$1 ~ /^a[123]$/' | wc -l)
        [ "$left" = 0 ] && break
        sleep 0.3
    done
    [ "$left" = 0 ] || { echo "$left guests still on xen-a: $(ask xen-a list)"; return 1; }
    for g in a1 a2 a3; do
        w=$(where "$g")
        if [ "$(printf '%s' "$w" | wc -w)" != 1 ] || [ "$w" = "xen-a " ]; then
            echo "$g listed by '$w'"
            return 1
        fi
    done
    echo "  xen-a empty; a1 on $(where a1), a2 on $(where a2), a3 on $(where a3)"
}
ok "xenplm pool drain xen-a moves every guest off it, one at a time" drained

# 6. xenplm pool migrate a1 xen-a (the drain over), and while xen-b
# carries it out (256 MiB/s: 8 s), xen-b's policy changes its pool
# section and is reloaded: the pool thread starts again, takes the
# migration under way as its own, and the order ends done.
reloaded() {
    ask xen-b pool drain xen-a --off || return 1
    wait_for 10000 sh -c "! etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get /xenplm/test/drain/xen-a --keys-only | grep -q ." ||
        { echo "the drain key stays"; return 1; }
    from=$(where a1)
    from=${from% }
    [ "$from" = xen-b ] || { echo "a1 is on '$from', not xen-b"; return 1; }
    ask xen-c pool migrate a1 xen-a || return 1
    uuid_a1=$(uuid_of xen-b a1)
    k="/xenplm/test/orders/xen-b/$uuid_a1"
    wait_for 15000 has_state "$k" '^state running' ||
        {
            echo "not running: '$(state_of "$k")' ($k)"
            ask xen-b pool plan
            ctl get --prefix /xenplm/test/moves/
            return 1
        }
    sed -i 's|<publish interval="1s"/>|<publish interval="2s"/>|' "$work/xen-b.xml"
    ask xen-b reload || return 1
    wait_for 30000 has_state "$k" '^state done$' ||
        { echo "not done: $(state_of "$k")"; return 1; }
    # The destination takes it in at its next step (xenplm-sim(5)).
    wait_for 5000 sh -c "'$cli' -s '$work/xen-a.sock' list | grep -q '^a1 '" || true
    w=$(where a1)
    [ "$w" = "xen-a " ] || { echo "a1 listed by '$w', not xen-a"; return 1; }
    grep -q "publishing host 'xen-b' .* every 2000 ms" "$work/xen-b.log" ||
        { echo "xen-b's pool thread did not start again"; return 1; }
}
ok "a reload that restarts the pool thread mid-migration: the order still ends done" reloaded

# 7. a1, back on xen-a by a manual move, and xen-a drained again: a1's
# order off xen-a follows within seconds.  Its order off xen-a (1 or 5,
# done) is still in etcd (the leader clears a finished order five minutes
# on), and holds the new order's key: the leader clears it first.  (A done
# order held its domain until cleared, so a drain waited up to five
# minutes.)  The drain is then turned off again.
drained_again() {
    from=$(where a1)
    [ "$from" = "xen-a " ] || { echo "a1 is on '$from', not xen-a"; return 1; }
    u=$(uuid_of xen-a a1)
    [ -n "$u" ] || { echo "xen-a does not publish a1"; return 1; }
    k=/xenplm/test/orders/xen-a/$u
    s=$(state_of "$k")
    [ "$s" = "done" ] || { echo "a1's drain order from xen-a is not in etcd as done: '$s'"; return 1; }
    old=$(ctl get "$k" --print-value-only | sed -n 's/^at //p')
    t0=$(ms)
    ask xen-b pool drain xen-a || return 1
    wait_for 20000 sh -c "etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '$k' --print-value-only | grep -q '^reason drain' &&
        ! etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get '$k' --print-value-only | grep -qx 'at $old'" ||
        { echo "no new order for a1 off xen-a 20 s after the drain: $(ctl get "$k" --print-value-only | tr '\n' ' ')"; return 1; }
    took=$(($(ms) - t0))
    wait_for 30000 has_state "$k" '^state done$' ||
        { echo "a1's new order is not done: '$(state_of "$k")'"; return 1; }
    ask xen-b pool drain xen-a --off || return 1
    wait_for 10000 sh -c "! etcdctl --endpoints='$TEST_ETCD_ENDPOINTS' get /xenplm/test/drain/xen-a --keys-only | grep -q ." ||
        { echo "the drain key stays"; return 1; }
    echo "  a1 ordered off xen-a ${took} ms after the drain, now on $(where a1)"
}
ok "a domain back on a drained host is ordered off at once: its finished order from there is cleared first" drained_again

# 7b. xenplm pool migrate b1 xen-c (xen-b to xen-c, 4 s at 256 MiB/s), and
# xen-b's daemon stopped (SIGSTOP) for 4 s while it runs, as a dom0 short
# of CPU stops it: its 3 s lease lapses, its records go, and the leader
# sees its order orphaned.  Continued, it joins again and carries on; the
# leader fails an orphaned order only once its source has been missing
# for two TTLs (6 s), so the order ends done, never failed, and the log
# says the host came back.  (Failed at once, a drain waited five minutes
# for the domain's next order: the two-host rig on real Xen.)
stalled() {
    from=$(where b1)
    [ "$from" = "xen-b " ] || { echo "b1 is on '$from', not xen-b"; return 1; }
    ask xen-c pool migrate b1 xen-c || return 1
    k=/xenplm/test/orders/xen-b/$(uuid_of xen-b b1)
    wait_for 15000 has_state "$k" '^state running' ||
        { echo "not running: '$(state_of "$k")' ($k)"; return 1; }
    # shellcheck disable=SC2154 # set by start(), through eval
    kill -STOP "$pid_xenb"
    sleep 4
    gone=$(ctl get --prefix --keys-only /xenplm/test/hosts/xen-b/ | grep -c .)
    kill -CONT "$pid_xenb"
    [ "$gone" = 0 ] || { echo "xen-b's records were still in etcd after 4 s stopped ($gone keys)"; return 1; }
    wait_for 30000 has_state "$k" '^state done$' ||
        { echo "not done: '$(state_of "$k")'"; return 1; }
    # Done at the end, and never failed on the way (the source's own
    # reports would write done over a failed state: etcd's history).
    states=$(state_history "$k")
    echo "  b1's order: $states"
    case " $states" in *" done "*) ;; *) echo "etcd's history has no done state"; return 1 ;; esac
    case " $states" in *" failed "*) echo "failed on the way"; return 1 ;; esac
    grep -h "host 'xen-b' holds an order and left the pool\|host 'xen-b' is back in the pool" "$work"/xen-?.log | sed 's/^/  /'
    grep -q "host 'xen-b' is back in the pool after [0-9]* s: its orders stand" "$work"/xen-?.log ||
        { echo "no leader said xen-b came back"; return 1; }
    wait_for 5000 sh -c "'$cli' -s '$work/xen-c.sock' list | grep -q '^b1 '" || true
    w=$(where b1)
    [ "$w" = "xen-c " ] || { echo "b1 listed by '$w', not xen-c"; return 1; }
}
ok "a source stopped past its lease mid-migration, back within the grace: its order ends done, not failed" stalled

# 7c. The same past the grace: a domain of xen-b's other than a2 (kept
# for 8) ordered to xen-c, and xen-b's daemon stopped while it migrates
# until the leader has written its order failed (its 3 s lease and the
# grace of two TTLs, 6 s, from a new leader's first round when xen-b
# led: about 11 s).  Continued, xen-b's migration goes on: it says the
# order was failed in etcd meanwhile and writes its reports over that,
# so the leader counts the domain as migrating again, and the order ends
# done (the failed state was the leader's inference); the domain runs on
# xen-c.
outlived() {
    g=$(ask xen-b list | awk '$1 ~ /^a[13]$/ { print $1; exit }')
    [ -n "$g" ] || { echo "xen-b holds neither a1 nor a3:"; ask xen-b list; return 1; }
    ask xen-c pool migrate "$g" xen-c || return 1
    k=/xenplm/test/orders/xen-b/$(uuid_of xen-b "$g")
    wait_for 15000 has_state "$k" '^state running' ||
        { echo "not running: '$(state_of "$k")' ($k)"; return 1; }
    t0=$(ms)
    # shellcheck disable=SC2154 # set by start(), through eval
    kill -STOP "$pid_xenb"
    wait_for 25000 has_state "$k" '^state failed'
    s=$(state_of "$k")
    t1=$(ms)
    kill -CONT "$pid_xenb"
    case "$s" in failed*left%20the%20pool*) ;;
    *) echo "$g's order is '$s' $((t1 - t0)) ms after xen-b was stopped, not failed as its source left"; return 1 ;; esac
    wait_for 30000 has_state "$k" '^state done$' ||
        { echo "not done after xen-b went on: '$(state_of "$k")'"; return 1; }
    grep -q "order $k was written failed in etcd while this host carried it out (its source 'xen-b' left the pool while it held the order); its migration went on here" "$work/xen-b.log" ||
        { echo "xen-b's log does not say it wrote over the leader's failed state"; grep "$k" "$work/xen-b.log"; return 1; }
    states=$(state_history "$k")
    echo "  $g's order: $states(failed $((t1 - t0)) ms after xen-b was stopped)"
    case "$states" in *" failed "*" done ") ;; *) echo "etcd's history is not failed, then done at the end"; return 1 ;; esac
    wait_for 5000 sh -c "'$cli' -s '$work/xen-c.sock' list | grep -q '^$g '" || true
    w=$(where "$g")
    [ "$w" = "xen-c " ] || { echo "$g listed by '$w', not xen-c"; return 1; }
}
ok "a source stopped past the grace mid-migration: the leader fails its order; back, the source writes over it, and it ends done" outlived

# 8. xenplm pool migrate a2 xen-c (xen-b to xen-c, 8 s at 256 MiB/s), and
# xen-b's daemon killed (SIGKILL) while it runs: its simulated host, a2
# with it, is gone.  Once xen-b's lease is over (3 s), the leader (xen-b
# itself, maybe: then the next one) writes the order failed, saying why;
# xen-c never lists a2.
lost() {
    ask xen-c pool migrate a2 xen-c || return 1
    k=''
    end=$(($(ms) + 15000))
    while [ "$(ms)" -lt "$end" ] && [ -z "$k" ]; do
        for o in $(orders_of xen-b); do
            case "$(state_of "$o")" in running*) ctl get "$o" --print-value-only | grep -qx 'name a2' && k=$o ;; esac
        done
        sleep 0.2
    done
    [ -n "$k" ] || { echo "no running order for a2 off xen-b"; ask xen-c pool plan; return 1; }
    # shellcheck disable=SC2154 # set by start(), through eval
    kill -9 "$pid_xenb"
    wait_for 20000 has_state "$k" '^state failed' ||
        { echo "not failed: '$(state_of "$k")'"; return 1; }
    s=$(state_of "$k")
    case "$s" in *left%20the%20pool*) ;; *) echo "failed, but not as its source gone: $s"; return 1 ;; esac
    sleep 2
    w=$(where a2)
    [ -z "$w" ] || { echo "a2 listed by '$w'"; return 1; }
    echo "  $s"
}
ok "a source lost mid-migration: the leader writes its order failed; the domain is on no host" lost
pids=$(for p in $pids; do [ "$p" = "$pid_xenb" ] || echo "$p"; done)

# 9. xenplm pool migrate c1 xen-a: xen-c's transfer stalls half way (as
# over a dead link), and xen-a's daemon is killed.  Three reads of the pool
# later (its lease is 3 s, the plan interval 1 s), xen-c no longer waits
# for the order's 60 s timeout: it aborts the migration as its destination
# has left the pool, the order fails saying so, and c1 runs on xen-c.
dest_lost() {
    ask xen-c pool migrate c1 xen-a || return 1
    k=/xenplm/test/orders/xen-c/$(uuid_of xen-c c1)
    wait_for 15000 has_state "$k" '^state running' ||
        { echo "not running: '$(state_of "$k")' ($k)"; return 1; }
    t0=$(ms)
    # shellcheck disable=SC2154 # set by start(), through eval
    kill -9 "$pid_xena"
    wait_for 30000 has_state "$k" '^state failed' ||
        { echo "not failed 30 s after: '$(state_of "$k")'"; return 1; }
    took=$(($(ms) - t0))
    s=$(state_of "$k")
    case "$s" in *destination%20xen-a%20left%20the%20pool*) ;;
    *) echo "failed, but not as its destination gone: $s"; return 1 ;; esac
    grep -q "xen-a, its migration's destination, is no longer in the pool" "$work/xen-c.log" ||
        { echo "xen-c's log does not say xen-a left"; return 1; }
    w=$(where c1)
    [ "$w" = "xen-c " ] || { echo "c1 listed by '$w', not by xen-c alone"; return 1; }
    echo "  failed ${took} ms after the kill: $s"
}
ok "a destination lost mid-migration: the source aborts it once the pool no longer lists it; the domain runs on" dest_lost
pids=$(for p in $pids; do [ "$p" = "$pid_xena" ] || echo "$p"; done)

# 10. Every daemon left still runs, and none logged an error.
alive() {
    for p in $pids; do
        kill -0 "$p" 2>/dev/null || { echo "a daemon exited"; return 1; }
    done
    e=$(grep -l ' error: ' "$work"/xen-?.log)
    [ -z "$e" ] || { echo "errors logged in: $e"; grep ' error: ' "$work"/xen-?.log | head -5; return 1; }
}
ok "every daemon still runs and none logged an error" alive

for p in $pids; do kill "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
ctl del --prefix /xenplm/test/ >/dev/null
[ $fail = 0 ] && rm -rf "$work"
exit $fail
