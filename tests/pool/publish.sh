#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplmd in a pool (issue 14), against a real etcd cluster started here
# on loopback ports chosen free (tests/pool/etcd-cluster.sh), TAP: a
# xenplmd-sim whose policy has a pool section publishes its host and its
# domains under its lease; after a SIGKILL the records vanish within the
# lease's TTL; a restart publishes them again; a clean stop (SIGTERM)
# revokes the lease, so they vanish at once; its metrics file carries the
# pool families (a member, the leader of its pool of one, etcd's bytes
# counted).  Skipped, saying why,
# without etcd-server/etcd-client, unless CI=true or XENPLM_ETCD_REQUIRE=1.
# shellcheck disable=SC2317 # the checks run through ok(), which shellcheck cannot see
me=tests/pool/publish.sh
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
# shellcheck source=tests/pool/etcd-cluster.sh
. "$top_srcdir/tests/pool/etcd-cluster.sh"
pool_sims_setup publish

# The policy: the pool on the three members, a 3 s lease, publishing at
# most every second.
mkdir -p "$work/metrics"
pol="$work/pool.xml"
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<xenplm-policy version="1">'
    echo '  <host><metrics interval="1s"/></host>'
    echo '  <pool name="test" host="xen-a" mode="advise">'
    echo "    <endpoint>$TEST_ETCD_EP1</endpoint>"
    echo "    <endpoint>$TEST_ETCD_EP2</endpoint>"
    echo "    <endpoint>$TEST_ETCD_EP3</endpoint>"
    echo '    <lease ttl="3s"/>'
    echo '    <publish interval="1s"/>'
    echo '  </pool>'
    echo '</xenplm-policy>'
} >"$pol"
prefix=/xenplm/test/hosts/xen-a/

echo "1..12"
n=0
fail=0
keys() {
    ctl get --prefix --keys-only "$prefix" | grep -c .
}
daemon=
start() { # log
    "$sim" -v --speed 1 -s "$work/sock" -f "$pol" --sim "$top_srcdir/tests/pool/publish.scn" \
        --metrics-dir "$work/metrics" >/dev/null 2>"$work/$1" &
    daemon=$!
    pool_sim_started "$!"
}
# Wait up to $2 tenths of a second for `keys` to print $1.
wait_keys() {
    i=0
    while [ "$(keys)" != "$1" ] && [ $i -lt "$2" ]; do
        sleep 0.1
        i=$((i + 1))
    done
    got=$(keys)
    [ "$got" = "$1" ] || { echo "$got keys under $prefix, not $1 (after $i tenths)"; return 1; }
    echo "$1 keys after $i tenths of a second"
}
# The host record and db's, as another host would read them once the
# agents' requests (at 1 s) are arbitrated and published (within 5 s).
records_now() {
    v=$(ctl get --prefix "$prefix" --print-value-only)
    printf '%s\n' "$v" | grep -qx 'domains 3' && printf '%s\n' "$v" | grep -qx 'name db' &&
        printf '%s\n' "$v" | grep -qx 'cpu 100 200' && printf '%s\n' "$v" | grep -qx 'name web1'
}
records() {
    i=0
    while ! records_now && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    records_now || { ctl get --prefix "$prefix"; return 1; }
}
# Every record under a lease, the same one.
leased() {
    ctl get --prefix "$prefix" -w json | python3 -c '
import json, sys
kvs = json.load(sys.stdin).get("kvs", [])
leases = {kv.get("lease", 0) for kv in kvs}
print("%d records, leases %s" % (len(kvs), sorted(leases)))
sys.exit(0 if kvs and 0 not in leases and len(leases) == 1 else 1)'
}

start first.log
ok "the daemon publishes its host and 3 domains (4 records)" wait_keys 4 100
ok "the records say what the daemon arbitrates (db asks cpu 100 200)" records
ok "every record is under one lease" leased
# The metrics file (written at least every second): a member, the leader
# of its pool of one at a positive revision, bytes sent in transactions
# (the publishing) and received from range reads (the pool read).
sample() { # name: its value in the file, or nothing
    sed -n "s/^$1 //p" "$work/metrics/xenplm.prom" 2>/dev/null
}
pool_metrics_now() {
    [ "$(sample xenplm_pool_member)" = 1 ] && [ "$(sample xenplm_pool_leader)" = 1 ] &&
        [ "$(sample xenplm_pool_leader_revision)" -gt 0 ] 2>/dev/null &&
        [ "$(sample 'xenplm_pool_etcd_sent_bytes_total{call="txn"}')" -gt 0 ] 2>/dev/null &&
        [ "$(sample 'xenplm_pool_etcd_received_bytes_total{call="range"}')" -gt 0 ] 2>/dev/null &&
        grep -qx '# TYPE xenplm_pool_etcd_sent_bytes_total counter' "$work/metrics/xenplm.prom"
}
pool_metrics() {
    i=0
    while ! pool_metrics_now && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep '^xenplm_pool_\(member\|leader\|etcd_sent\|etcd_received\)' "$work/metrics/xenplm.prom"
    pool_metrics_now || return 1
    # And xenplm status says the same.
    st=$("$top_builddir/src/xenplm" -s "$work/sock" status) || return 1
    printf '%s\n' "$st" | grep "^  pool\|^  etcd"
    printf '%s\n' "$st" | grep -q "^  pool  *'test' as 'xen-a': member, the leader (revision [1-9]" &&
        printf '%s\n' "$st" | grep -q "^  etcd  *[1-9][0-9]* calls, "
}
ok "its metrics and status: member, leader, etcd bytes sent (txn) and received (range)" \
    pool_metrics
kill -9 "$daemon"
wait "$daemon" 2>/dev/null
ok "killed (SIGKILL): its records are gone within the 3 s TTL" wait_keys 0 50
start second.log
ok "restarted: it publishes again" wait_keys 4 100
# etcd gone for longer than the TTL: the daemon says so once, goes on
# arbitrating (its control socket answers), and when etcd is back joins
# again under a new lease and publishes everything.
etcd_member_stop 1
etcd_member_stop 2
etcd_member_stop 3
sleep 5
alone() {
    kill -0 "$daemon" || { echo "the daemon died"; return 1; }
    "$top_builddir/src/xenplm" -s "$work/sock" list >/dev/null || return 1
    w=$(grep -c "etcd .* failed" "$work/second.log")
    [ "$w" = 1 ] || { echo "$w warnings about etcd, not 1:"; grep "etcd" "$work/second.log"; return 1; }
    # Its metrics (written every second) say it is no member now, and count the failures.
    sleep 1.5
    [ "$(sample xenplm_pool_member)" = 0 ] || { echo "still a member by its metrics"; return 1; }
    [ "$(sample xenplm_pool_leader)" = 0 ] || { echo "still the leader by its metrics"; return 1; }
    grep '^xenplm_pool_etcd_failures_total{call="lease_keepalive"} [1-9]' "$work/metrics/xenplm.prom"
}
ok "etcd down: one warning, the daemon arbitrates on (its socket answers), its metrics say so" \
    alone
etcd_member_start 1
etcd_member_start 2
etcd_member_start 3
# etcd keeps a lease alive across its own restart (it renews every lease
# when a leader takes over): the daemon keeps its own, or joins anew if
# it expired meanwhile; either way its records come back under a lease.
back() {
    i=0
    while ! grep -q "etcd answers again" "$work/second.log" && [ $i -lt 150 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep "etcd answers again" "$work/second.log" || return 1
    wait_keys 4 50 && leased
}
ok "etcd back: the daemon says so, and its records are there under a lease" back
# Its lease revoked behind its back (etcdctl lease revoke, as an operator
# or etcd's own expiry would end it): the records go with it; the daemon's
# next keepalive finds the lease gone, it joins again and publishes all
# it holds, though nothing it arbitrates changed meanwhile.
revoked() {
    lease=$(ctl get --prefix "$prefix" -w json | python3 -c '
import json, sys
kvs = json.load(sys.stdin).get("kvs", [])
print("%x" % kvs[0]["lease"] if kvs and kvs[0].get("lease") else "")')
    [ -n "$lease" ] || { echo "no lease on the records"; return 1; }
    ctl lease revoke "$lease" >/dev/null || return 1
    i=0
    while ! grep -q "the lease expired; joining again" "$work/second.log" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep "the lease expired" "$work/second.log" || return 1
    wait_keys 4 50 && leased
}
ok "its lease revoked: it joins again and publishes its records anew" revoked
# A reload that changes the pool section (publish every 2 s) starts the
# pool thread again: its counters of the metrics go on from the stopped
# thread's, never back (a Prometheus counter that drops reads as a
# restart of the daemon, which did not happen).
etcd_calls() { # the sum of xenplm_pool_etcd_calls_total over its calls
    awk '/^xenplm_pool_etcd_calls_total\{/ { n += $2 } END { print n + 0 }' "$work/metrics/xenplm.prom"
}
counted_on() {
    before=$(etcd_calls)
    [ "$before" -gt 0 ] || { echo "no etcd call counted before the reload"; return 1; }
    sed -i 's|<publish interval="1s"/>|<publish interval="2s"/>|' "$pol"
    "$cli" -s "$work/sock" reload || return 1
    i=0
    while ! grep -q "publishing host 'xen-a' .* every 2000 ms" "$work/second.log" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep -q "publishing host 'xen-a' .* every 2000 ms" "$work/second.log" ||
        { echo "the pool thread did not start again"; return 1; }
    # Two metrics intervals: the file now comes from the new thread.
    sleep 2.5
    after=$(etcd_calls)
    echo "etcd calls counted: $before before the reload, $after after"
    [ "$after" -ge "$before" ]
}
ok "a reload that restarts the pool thread: its etcd counters go on, never back" counted_on
kill "$daemon"
wait "$daemon" 2>/dev/null
ok "stopped (SIGTERM): the lease is revoked, the records gone at once" wait_keys 0 5
ok "the daemon said it joined and left" grep -q "left (lease revoked)" "$work/second.log"
[ $fail = 0 ] && rm -rf "$work"
exit $fail
