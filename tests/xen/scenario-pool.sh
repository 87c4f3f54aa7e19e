# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2154,SC2034 # $waited: set by wait_until; GUEST_*: read by make_cfg
# The two-host rig's pool scenario (tests/xen/rig2.sh --pool, issue 15):
# the pool's leader orders live migrations and the two real Xen hosts
# carry them out; then the destination, which is also the leader, dies
# in the middle of one.  Both dom0s run it; XENPLM_HOST (a or b) and
# XENPLM_PEER (the other dom0's address on the link) come from dom0's
# command line, and so does XENPLM_POOL_ETCD, the etcd endpoint
# (https://10.0.2.100:2379: QEMU's user-mode network forwards it to the
# one etcd rig2.sh runs on the host's loopback).  Sourced in dom0 after
# /xenplm/lib.sh.
#
# Each dom0 runs xenplmd with a policy joining the pool "rig2" as xen-a
# or xen-b in automatic mode, over TLS with the certificates rig2.sh made
# (/xenplm/extra/pki), and with the rig's transport,
# <migrate transport="/xenplm/migrate-nc.sh">.  The steps, in one boot
# of each host:
#
#  1. leader: B's xenplmd starts first and leads the pool; A's joins once
#     B says so (port 8004), so that B is both the leader and, later, the
#     destination that dies.
#  2. order: host A leaves its guests 50 hundredths of a pCPU, B 200.  On
#     A, guest-m (a PVH guest that counts on its console) runs the agent
#     with goals-m.xml: a priority-1 CPU goal missed for good, so that it
#     asks up to 100; A cannot give it, B can, and the leader orders the
#     move.  A's xenplmd runs `xl migrate -s migrate-nc.sh`; B's listener
#     (migrate-listen.sh) receives it.  Checked: the guest goes on
#     counting on B with the same boot id (rig2-tap.sh, from the
#     "# migrate:" lines), B's daemon adopts it and answers its agent
#     there (xenplm/status ok for a seq written on B), A's forgets it.
#  3. A reloads its policy leaving its guests all 200 (so that guest-m
#     back on A asks nothing A cannot give, and the leader has nothing to
#     balance) and starts guest-n (PVH, 128 MiB, counting, no agent: it
#     asks nothing, so it ranks after guest-m).
#  4. baseline: B migrates guest-m back to A with a plain `xl migrate`,
#     the same guest in the same boot.
#  5. drain: A asks `xenplm pool drain xen-a`; the leader orders guest-m
#     first (priority 1), then guest-n (one migration per source at a
#     time); the orders' times are checked on the host (rig2-tap.sh).
#  6. fault: once guest-n's order is running, the host kills B's QEMU
#     (rig2.sh): the destination and the leader gone at once.  A checks
#     that its xenplmd aborts the migration because the destination left
#     the pool (xenplmd(8), Migrations: within about a lease TTL, where xl
#     alone would wait for dom0's TCP to give up, tcp_retries2: about 15
#     min) and fails the order, guest-n runs on here as before (same boot
#     id, counting, not paused), A leads the pool alone publishing its one
#     domain, no order is in flight, and no order for guest-n again while
#     watched.  guest-m, which ran on B, is lost with it.
#
# Every migration's timeout is XENPLM_POOL_MIG_TIMEOUT (default 25min),
# the fault's too: the abort, not the timeout, is to end that one.
#
# Ports on the link (TEST RIG ONLY, as in scenario-migrate.sh):
#   8001  "ready": the other host's migration listener is up
#   8002  xl's migration stream (migrate-nc.sh to migrate-listen.sh)
#   8003  A -> B  "abort": A will not go on (its guest never came up)
#   8004  B -> A  "leader": B's xenplmd leads the pool

host=${XENPLM_HOST:-}
peer=${XENPLM_PEER:-}
etcd=${XENPLM_POOL_ETCD:-}
if [ -z "$host" ] || [ -z "$peer" ] || [ -z "$etcd" ]; then
    skip_test "the pool's leader orders a migration" \
        "not on the two-host rig with etcd (no XENPLM_HOST, XENPLM_PEER, XENPLM_POOL_ETCD)"
    return 0
fi
me_name=xen-$host
mig_mib=${XENPLM_MIGRATE_MIB:-128}
mig_timeout=${XENPLM_POOL_MIG_TIMEOUT:-25min}
# The pool's lease TTL in seconds (write_policy says why 45); rig2-tap.sh
# reads this line for the fault's time bound.
lease_ttl=45
SCHEMA=/usr/share/xenplm/xenplm-policy.xsd
POLICY=/tmp/pool-policy.xml
PKI=/xenplm/extra/pki

# g_log, g_counts, g_boot, g_count_above, m_*, cs_of, wait_loud: lib-dom0.sh.
LOUD_TAG=pool

# listen_once: one migration listener on 8002 and "ready" on 8001.
listen_once() {
    rm -f /run/migrate.accepted
    nc -l -p 8002 -e /xenplm/migrate-listen.sh >/dev/null 2>>/tmp/migrate-receive.log &
    listener=$!
    listening() { netstat -ltn 2>/dev/null | grep -q ':8002 '; }
    check "$me_name: the migration listener is up on port 8002" wait_until 10 listening
    (echo ready | nc -l -p 8001 >/dev/null 2>&1) &
}
peer_ready() { [ "$(nc -w 2 "$peer" 8001 </dev/null 2>/dev/null)" = ready ]; }
peer_leads() { [ "$(nc -w 2 "$peer" 8004 </dev/null 2>/dev/null)" = leader ]; }
has() { xl domid "$1" >/dev/null 2>&1; }
has_guest_m() { has guest-m; }
no_guest_m() { ! has_guest_m; }
lists() { xenplm list 2>/dev/null | grep -q "^$1 "; }
daemon_lists() { lists guest-m; }
daemon_forgot() { ! xenplm list 2>/dev/null | grep -q '^guest-m'; }
xs_m() { xenstore-read "/local/domain/$(dom_id guest-m)/$1" 2>/dev/null; }
req_seq() { xs_m data/xenplm/request | sed -n 's/.*\\nseq \([0-9]*\)\\n.*/\1/p'; }
# runs NAME: the domain runs here, neither paused nor suspended (xl list).
runs() { xl list "$1" 2>/dev/null | awk 'NR == 2 { exit !($5 ~ /^[rb-]+$/ && $5 !~ /[psc]/) }'; }
# started_n: how many migrations A's xenplmd has started ("migrating to").
started_n() { grep -c 'migrating to xen-b (.*for order' /tmp/xenplmd.log; }
pool_status() { xenplm pool status >/tmp/pool-status 2>&1; }
# check_loud DESC SECONDS WHAT CMD...: check with wait_loud, its lines on
# the console (check sends a command's output to $WHY).
check_loud() {
    cl_desc=$1
    shift
    if wait_loud "$@"; then
        ok "$cl_desc"
    else
        not_ok "$cl_desc"
        return 1
    fi
}

# write_policy RESERVE: this host's policy, its guests' CPU 200 - RESERVE
# hundredths of a pCPU.  The lease is 45 s, not the default 10 s: once a
# migration's source has sent its domain, this emulated dom0 stops for
# up to about 25 s in all (most likely Xen tearing the domain down under
# TCG: nothing sent to etcd for up to 9 s at a time, not even TCP's
# acknowledgements), which cost a 10 s lease in each of two runs that
# looked, and left a 30 s one 5.4 s to spare in CI (README, "The whole
# flow in one boot pair"); xenplmd says so when it happens (its late
# keepalives, printed at the end).
write_policy() {
    cat >"$POLICY" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<xenplm-policy version="1">
  <host>
    <tick>1s</tick>
    <cpu>
      <pool reserve="$1"/>
      <minimal>10</minimal>
      <unit>1</unit>
      <mode>levelling</mode>
      <leftover rule="reserve"/>
      <trigger min-delta="1"><rule pct="1" samples="1"/></trigger>
    </cpu>
    <memory>
      <pool base="free+domu" headroom="0" limit="512"/>
      <minimal>64</minimal>
      <unit>16</unit>
      <mode>levelling</mode>
      <leftover rule="reserve"/>
      <trigger min-delta="16"><rule pct="1" samples="1"/></trigger>
    </memory>
    <requests rate="5" burst="10"/>
  </host>
  <pool name="rig2" host="$me_name" mode="automatic">
    <endpoint>$etcd</endpoint>
    <tls ca="$PKI/ca.crt" cert="$PKI/$me_name.crt" key="$PKI/$me_name.key"/>
    <lease ttl="${lease_ttl}s"/>
    <publish interval="1s"/>
    <plan interval="2s" hold="4s"/>
    <migrate transport="/xenplm/migrate-nc.sh" timeout="$mig_timeout"/>
  </pool>
  <domain name="guest-*">
    <cpu><min>10</min><enforce>weight</enforce></cpu>
    <memory><min>$mig_mib</min><max>$mig_mib</max></memory>
  </domain>
</xenplm-policy>
EOF
}

# reload_policy RESERVE WHY: write it, check it, have xenplmd load it.
reload_policy() {
    write_policy "$1"
    check "the policy with reserve $1 loads ($2)" xenplmd -n -f "$POLICY" --schema "$SCHEMA" &&
        check "xenplm reload ($2)" xenplm reload
}

# migration_started: the check that A's xenplmd started the migration
# the leader ordered (t_start: when), timed from B being ready.
migration_started() {
    if [ -n "$t_start" ]; then
        ok "A's xenplmd starts the migration the leader ordered"
        timing "pool: B ready to A's xenplmd migrating" $((t_start - t0))
        return 0
    fi
    tail -n 30 /tmp/xenplmd.log >"$WHY"
    not_ok "A's xenplmd starts the migration the leader ordered"
    return 1
}

# wait_gone NAME N LIMIT_CS: wait, every half second, for A's xenplmd to
# start its Nth migration (t_start) and then for NAME to be gone from A
# (t_gone) or its migration to fail (t_failed), at most LIMIT_CS from
# now (t0); a line every 30 s meanwhile.
wait_gone() {
    t0=$(uptime_cs)
    t_start=""
    t_gone=""
    t_failed=""
    said=$t0
    while :; do
        t=$(uptime_cs)
        if [ -z "$t_start" ] && [ "$(started_n)" -ge "$2" ]; then
            t_start=$t
            echo "# pool: A's xenplmd started migration $2 $(secs $((t - t0))) s after it was awaited"
            grep 'migrating to xen-b (.*for order' /tmp/xenplmd.log | sed -n "$2p" | sed 's/^/# xenplmd| /'
        fi
        if [ -n "$t_start" ] && ! has "$1"; then
            t_gone=$t
            return 0
        fi
        if [ -n "$t_start" ] && [ "$(grep -c 'migration to xen-b failed' /tmp/xenplmd.log)" -gt "$failed_before" ]; then
            t_failed=$t
            return 0
        fi
        [ $((t - t0)) -lt "$3" ] || return 0
        if [ $((t - said)) -ge 3000 ]; then
            echo "# pool: waiting for $1's migration ($(((t - t0) / 100)) s)"
            said=$t
        fi
        sleep 0.5
    done
}

# fault_on_a: host A, after the host killed B, the destination and the
# leader, during guest-n's migration: the order failed, guest-n runs here
# as before, A leads the pool alone, publishing its one domain, no order
# is in flight, and no order for guest-n again while watched.
fault_on_a() {
    step "pool: fault: host B (the destination and the leader) died during guest-n's migration"
    echo "# pool: fault: dom0's tcp_retries2 $(cat /proc/sys/net/ipv4/tcp_retries2 2>/dev/null), the migrations' limit $mig_timeout"
    if [ -n "$t_failed" ]; then
        ok "A's xenplmd fails guest-n's order once host B is gone"
        timing "pool: fault: guest-n's migration start to its order failed (A's clock)" $((t_failed - t_start))
    else
        xl list >"$WHY" 2>&1
        not_ok "A's xenplmd fails guest-n's order once host B is gone"
    fi
    left() { grep -q 'migration to xen-b failed.*the destination xen-b left the pool' /tmp/xenplmd.log; }
    if left; then
        ok "the order failed because the destination left the pool (not at its timeout)"
    else
        grep 'xen-b' /tmp/xenplmd.log | tail -n 5 >"$WHY"
        not_ok "the order failed because the destination left the pool (not at its timeout)"
    fi
    grep 'migrat\|order\|leader' /tmp/xenplmd.log | tail -n 12 | sed 's/^/# xenplmd| /'
    # shellcheck disable=SC2009 # busybox: no pgrep -a
    ps | grep '[x]l migrate' | sed 's/^/# ps| /'
    xl list 2>&1 | sed 's/^/# xl list| /'
    check "guest-n is still on host A" has guest-n || return 0
    check "guest-n runs on A, neither paused nor suspended (xl list state)" wait_until 10 runs guest-n
    last=$(g_counts guest-n | tail -n 1)
    check "guest-n goes on counting on A (past $last)" wait_until 30 g_count_above guest-n $((last + 2))
    is "guest-n keeps its boot id on A" "$(g_boot guest-n)" "$n_boot"
    echo "# migrate: guest-n on A boot=$(g_boot guest-n) count=$(g_counts guest-n | tail -n 1) after"
    check "A's xenplmd still lists guest-n" wait_until 30 lists guest-n
    # Counted once: B's records are gone with its lease (lease_ttl), and A's
    # count its one domain (guest-m was on B); A leads, nothing in flight.
    alone() {
        pool_status && grep -q '^hosts: 1,' /tmp/pool-status &&
            ! grep -q '^xen-b ' /tmp/pool-status &&
            [ "$(awk '$1 == "xen-a" { print $6 }' /tmp/pool-status)" = 1 ]
    }
    check "the pool shows host A alone, publishing its one domain (guest-n)" wait_until 60 alone
    a_leads() { pool_status && grep -q '^leader: xen-a .*this host' /tmp/pool-status; }
    check "host A becomes the pool's leader" wait_until 60 a_leads
    none_running() { pool_status && grep -q '^orders in flight: 0$' /tmp/pool-status; }
    check "no order left in flight" wait_until 30 none_running
    sed 's/^/# pool status| /' /tmp/pool-status
    echo "# pool: guest-m ran on host B and is lost with it (not counted as a fault)"
    # No order again before its cooldown (30 min): watched for 60 s, the
    # only order for guest-n the pool holds is the failed one.
    i=0
    again=""
    while [ $i -lt 60 ]; do
        xenplm pool plan >/tmp/pool-plan 2>&1
        if grep 'guest-n' /tmp/pool-plan | grep -qv 'failed'; then
            again=yes
            break
        fi
        sleep 1
        i=$((i + 1))
    done
    sed 's/^/# pool plan| /' /tmp/pool-plan
    if [ -z "$again" ]; then
        ok "no order for guest-n again while watched (60 s after the failure)"
    else
        cp /tmp/pool-plan "$WHY"
        not_ok "no order for guest-n again while watched (60 s after the failure)"
    fi
    check "guest-n still runs on A at the end" runs guest-n
}

step "pool: the link ($peer) and the hosts' names"
check "the other host answers ping on the link ($peer)" wait_loud 300 "$peer to answer ping" ping -c 1 -W 1 "$peer"
# migrate-nc.sh looks the order's address (the destination's pool name)
# up here.
printf '127.0.0.1 localhost\n10.99.0.1 xen-a\n10.99.0.2 xen-b\n' >/etc/hosts

step "pool: xenplmd joins the pool as $me_name ($etcd, TLS)"
case "$host" in
a) write_policy 150 ;;
*) write_policy 0 ;;
esac
check "the pool policy loads in dom0" xenplmd -n -f "$POLICY" --schema "$SCHEMA"
# B first: it leads, and A joins once it says so.
[ "$host" = b ] ||
    check_loud "host B's xenplmd leads the pool before A's joins" 600 "host B to lead the pool" peer_leads
xenplmd -F -v -f "$POLICY" --schema "$SCHEMA" --pidfile /run/xenplmd.pid >/tmp/xenplmd.log 2>&1 &
if [ "$host" = b ]; then
    b_leads() { pool_status && grep -q '^leader: xen-b .*this host' /tmp/pool-status; }
    if check_loud "B's xenplmd leads the pool" 120 "B to lead" b_leads; then
        timing "pool: xenplmd started to leading (B)" "$waited"
        (echo leader | nc -l -p 8004 >/dev/null 2>&1) &
    fi
fi
two_hosts() {
    pool_status && grep -q xen-a /tmp/pool-status && grep -q xen-b /tmp/pool-status &&
        grep -q '^leader: xen-b ' /tmp/pool-status
}
if check_loud "xenplm pool status shows both hosts, B leading" 300 "both hosts in the pool" two_hosts; then
    sed 's/^/# pool status| /' /tmp/pool-status
    timing "pool: both hosts published" "$waited"
else
    tail -n 20 /tmp/xenplmd.log | sed 's/^/# xenplmd| /'
fi

case "$host" in
a)
    GUEST_MEMORY=$mig_mib
    GUEST_MAXMEM=$mig_mib
    guest_type_pick
    AGENT_GOALS=yes
    XENPLM_GUEST_EXTRA="${XENPLM_GUEST_EXTRA:-quiet} XENPLM_COUNTER=1"
    step "pool: guest-m ($GUEST_TYPE, $mig_mib MiB, the agent) starts on host A"
    start_guests guest-m
    if ! check "guest-m counts on its console" wait_until 60 m_count_above 2; then
        echo "guest-m never counted" | nc -w 5 "$peer" 8003 2>/dev/null
        return 0
    fi
    boot=$(m_boot)
    check "xenplmd on A lists guest-m" wait_until 30 daemon_lists
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) before"

    step "pool: waiting for host B's listener"
    check_loud "host B's migration listener is up" 600 "host B's listener" peer_ready || return 0
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) at the start"

    step "pool: the leader orders guest-m to B; A's xenplmd migrates it"
    failed_before=0
    wait_gone guest-m 1 150000
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) last"
    migration_started || return 0
    if [ -n "$t_gone" ]; then
        ok "guest-m is gone from host A"
        timing "pool: migration start to guest-m gone from A (A's clock)" $((t_gone - t_start))
    else
        xl list >"$WHY" 2>&1
        not_ok "guest-m is gone from host A"
        return 0
    fi
    migrated_logged() { grep -q 'migrated to xen-b' /tmp/xenplmd.log; }
    check "A's xenplmd logs the migration done" wait_until 30 migrated_logged
    grep 'migrated to xen-b\|migration to xen-b' /tmp/xenplmd.log | sed 's/^/# xenplmd| /'
    check "A's xenplmd forgets guest-m" wait_until 30 daemon_forgot

    step "pool: A leaves its guests 200; guest-n ($GUEST_TYPE, $mig_mib MiB, no agent) starts on A"
    reload_policy 0 "guest-m back on A will ask nothing A cannot give"
    AGENT_GOALS=no
    start_guests guest-n
    check "guest-n counts on its console" wait_until 60 g_count_above guest-n 2
    n_boot=$(g_boot guest-n)
    check "xenplmd on A lists guest-n" wait_until 30 lists guest-n

    step "pool: baseline: host B migrates guest-m back with a plain xl migrate"
    listen_once
    arrived() { has_guest_m || { [ -f /run/migrate.accepted ] && ! kill -0 "$listener" 2>/dev/null; }; }
    wait_loud 1800 "guest-m back from host B" arrived
    kill "$listener" 2>/dev/null
    if has_guest_m; then
        ok "guest-m is back on host A (plain xl migrate from B)"
        echo "# migrate: on A boot=$(m_boot) count=$(m_counts | tail -n 1) back"
        check "A's xenplmd adopts guest-m again" wait_until 60 daemon_lists
    else
        cat /tmp/migrate-receive.log >"$WHY" 2>&1
        not_ok "guest-m is back on host A (plain xl migrate from B)"
        return 0
    fi

    step "pool: drain: xenplm pool drain xen-a; the leader orders guest-m, then guest-n"
    check_loud "host B's migration listener is up again" 300 "host B's listener" peer_ready || return 0
    two_doms() { pool_status && [ "$(awk '$1 == "xen-a" { print $6 }' /tmp/pool-status)" = 2 ]; }
    check "the pool shows host A's two domains" wait_until 60 two_doms
    if check "xenplm pool drain xen-a" xenplm pool drain xen-a; then
        t_drain=$(uptime_cs)
        echo "# pool: drain asked at uptime $(secs "$t_drain")"
    fi
    # guest-m's first order, done, is still in etcd: the drain's order
    # from A deletes it first, and follows at once (xenplmd(8), Orders).
    wait_gone guest-m 2 150000
    if [ -n "$t_start" ]; then
        ok "A's xenplmd starts the drain's migration of guest-m"
        timing "pool: drain asked to guest-m's migration started" $((t_start - t_drain))
    else
        tail -n 30 /tmp/xenplmd.log >"$WHY"
        not_ok "A's xenplmd starts the drain's migration of guest-m"
        return 0
    fi
    if [ -n "$t_gone" ]; then
        ok "guest-m is gone from host A (drain)"
        timing "pool: drain: guest-m's migration start to gone from A (A's clock)" $((t_gone - t_start))
    else
        xl list >"$WHY" 2>&1
        not_ok "guest-m is gone from host A (drain)"
        return 0
    fi
    # Then guest-n: the host kills B once its order runs (rig2.sh).
    n_id=$(dom_id guest-n)
    failed_before=$(grep -c 'migration to xen-b failed' /tmp/xenplmd.log)
    t_m_gone=$t_gone
    wait_gone guest-n 3 150000
    if [ -n "$t_start" ]; then
        ok "A's xenplmd starts the drain's migration of guest-n, after guest-m's"
        timing "pool: drain: guest-m gone to guest-n's migration started" $((t_start - t_m_gone))
        line=$(grep 'migrating to xen-b (.*for order' /tmp/xenplmd.log | sed -n 3p)
        case "$line" in
        *"Domain $n_id: "*) ok "the third migration is guest-n's (domain $n_id)" ;;
        *) echo "$line" >"$WHY"; not_ok "the third migration is guest-n's (domain $n_id)" ;;
        esac
    else
        tail -n 30 /tmp/xenplmd.log >"$WHY"
        not_ok "A's xenplmd starts the drain's migration of guest-n, after guest-m's"
        return 0
    fi
    fault_on_a
    ;;
b)
    step "pool: host B listens for the migration"
    rm -f /run/from-a
    listen_once
    nc -l -p 8003 >/run/from-a 2>/dev/null &
    aborter=$!

    step "pool: waiting for guest-m from host A"
    arrived_or_not() {
        has_guest_m && return 0
        [ -s /run/from-a ] && return 0
        [ -f /run/migrate.accepted ] && ! kill -0 "$listener" 2>/dev/null
    }
    wait_loud 1800 "guest-m from host A" arrived_or_not
    named=$(uptime_cs)
    kill "$aborter" 2>/dev/null
    [ -s /run/from-a ] && echo "# pool: A says: $(cat /run/from-a)"
    if ! has_guest_m; then
        {
            xl list
            cat /tmp/migrate-receive.log
        } >"$WHY" 2>&1
        not_ok "guest-m arrived on host B, named guest-m"
        return 0
    fi
    ok "guest-m arrived on host B, named guest-m"
    accepted=$(cs_of "$(cat /run/migrate.accepted)")
    timing "pool: on B, connection accepted to guest-m named on B" $((named - accepted))
    echo "# pool: on B, guest-m named at uptime $(secs "$named")"
    if wait_until 30 m_count_above 0; then
        first=$(m_counts | head -n 1)
        echo "# migrate: on B boot=$(m_boot) count=$first first"
        check "guest-m goes on counting on host B" wait_until 30 m_count_above $((first + 2))
    else
        not_ok "guest-m counts on its console on host B"
    fi
    if m_log | grep -q '^xenplm-guest: init at uptime'; then
        m_log | head -n 10 >"$WHY"
        not_ok "guest-m did not boot again on host B (no init line on its console)"
    else
        ok "guest-m did not boot again on host B (no init line on its console)"
    fi
    check "B's xenplmd adopts guest-m" wait_until 60 daemon_lists
    # Granted on B: the daemon answered (status ok) the agent's request
    # written here, a seq that the daemon's answer names.
    answered_on_b() {
        s=$(req_seq)
        [ -n "$s" ] && xs_is "/local/domain/$(dom_id guest-m)/xenplm/seq" "$s\\n" &&
            xs_m xenplm/status | grep -q '^ok'
    }
    if wait_until 90 answered_on_b; then
        ok "B's xenplmd answers guest-m's agent (status ok)"
        timing "pool: guest-m named on B to its grant on B" $(($(uptime_cs) - named))
        echo "# pool: on B, request seq $(req_seq), granted: $(xs_m xenplm/granted)"
    else
        { xenplm show guest-m; xs_m data/xenplm/request; xs_m xenplm/status; } >"$WHY" 2>&1
        not_ok "B's xenplmd answers guest-m's agent (status ok)"
    fi
    xenplm show guest-m 2>&1 | sed 's/^/# show| /'
    echo "# migrate: on B boot=$(m_boot) count=$(m_counts | tail -n 1) last"

    step "pool: baseline: xl migrate guest-m back to host A (plain, B's scenario)"
    if check_loud "host A's migration listener is up" 900 "host A's listener" peer_ready; then
        xl_migrate_loud pool guest-m xen-a
        if [ "$mig_rc" -eq 0 ]; then
            ok "plain xl migrate of guest-m back to host A"
            timing "xl migrate (start to running on A)" "$mig_cs"
        else
            cp /tmp/migrate.log "$WHY"
            not_ok "plain xl migrate of guest-m back to host A"
        fi
        check "B's xenplmd forgets guest-m" wait_until 30 daemon_forgot
    fi

    step "pool: drain: host B listens for guest-m, then guest-n"
    # One listener after the other, at once: guest-n's migration starts
    # seconds after guest-m's has ended (a first run's failed to connect
    # while B was still starting its second listener).
    (
        while :; do
            nc -l -p 8002 -e /xenplm/migrate-listen.sh >/dev/null 2>>/tmp/migrate-receive.log
        done
    ) &
    (echo ready | nc -l -p 8001 >/dev/null 2>&1) &
    wait_loud 1800 "guest-m from host A (drain)" has_guest_m
    if has_guest_m; then
        ok "guest-m arrived on host B again (drain)"
        echo "# migrate: on B boot=$(m_boot) count=$(m_counts | tail -n 1) drained"
    else
        cat /tmp/migrate-receive.log >"$WHY" 2>&1
        not_ok "guest-m arrived on host B again (drain)"
    fi
    # The host kills this QEMU during guest-n's migration: the scenario
    # ends there.
    wait_loud 1800 "guest-n from host A" has guest-n
    ;;
esac

step "pool: xenplmd stops"
kill "$(cat /run/xenplmd.pid 2>/dev/null)" 2>/dev/null
stopped() { [ ! -e /run/xenplmd.pid ]; }
check "xenplmd exits on SIGTERM" wait_until 20 stopped
grep -i 'pool\|order\|migrat\|leader\|error\|warn' /tmp/xenplmd.log | tail -n 40 | sed 's/^/# xenplmd| /'
# Every late keepalive and lost lease of the run, whenever it came (the
# tail above may not reach back to it): what held the pool thread back.
grep "keepalive went out\|lease expired\|no longer the leader" /tmp/xenplmd.log | sed 's/^/# xenplmd lease| /'
