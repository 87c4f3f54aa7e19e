# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2154,SC2034 # $waited: set by wait_until; GUEST_*: read by make_cfg
# The two-host rig's pool scenario (tests/xen/rig2.sh --pool, issue 15):
# the pool's leader orders a live migration and the two real Xen hosts
# carry it out.  Both dom0s run it; XENPLM_HOST (a or b) and XENPLM_PEER
# (the other dom0's address on the link) come from dom0's command line,
# and so does XENPLM_POOL_ETCD, the etcd endpoint (https://10.0.2.100:2379:
# QEMU's user-mode network forwards it to the one etcd rig2.sh runs on
# the host's loopback).  Sourced in dom0 after /xenplm/lib.sh.
#
# Each dom0 runs xenplmd with a policy joining the pool "rig2" as xen-a
# or xen-b in automatic mode, over TLS with the certificates rig2.sh made
# (/xenplm/extra/pki), and with the rig's transport,
# <migrate transport="/xenplm/migrate-nc.sh">.  Host A leaves its guests
# 50 hundredths of a pCPU, host B 200.  On A, guest-m (a PVH guest that
# counts on its console, as in scenario-migrate.sh) runs the agent with
# goals-m.xml: a priority-1 CPU goal missed for good, so that it asks
# up to 100; A (50) cannot give it, B can, and the leader (whichever host it
# is) orders the move.  A's xenplmd runs `xl migrate -s migrate-nc.sh`;
# B's listener (migrate-listen.sh, one connection) receives it.  Checked:
# the guest goes on counting on B with the same boot id (rig2-tap.sh,
# from the "# migrate:" lines), B's daemon adopts it and answers its
# agent's request there (xenplm/status ok for a seq written on B), A's
# forgets it.  The order's state in etcd is read on the host afterwards
# (rig2.sh).  Then, as the baseline in the same boot, B migrates the
# same guest back to A with a plain `xl migrate` (XENPLM_POOL_BASELINE=0
# leaves it out).
#
# Ports on the link (TEST RIG ONLY, as in scenario-migrate.sh):
#   8001  "ready": the other host's migration listener is up
#   8002  xl's migration stream (migrate-nc.sh to migrate-listen.sh)
#   8003  A -> B  "abort": A will not go on (its guest never came up)

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
# XENPLM_POOL_FAULT=dest-dies (rig2.sh --fault dest-dies): the host kills
# B's QEMU while A migrates guest-m; A then checks that the order fails
# and the guest goes on running here, and skips the baseline.
fault=${XENPLM_POOL_FAULT:-}
mig_timeout=${XENPLM_POOL_MIG_TIMEOUT:-25min}
SCHEMA=/usr/share/xenplm/xenplm-policy.xsd
POLICY=/tmp/pool-policy.xml
PKI=/xenplm/extra/pki

# m_log, m_counts, m_boot, m_count_above, cs_of, wait_loud: lib-dom0.sh.
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
has_guest_m() { xl domid guest-m >/dev/null 2>&1; }
no_guest_m() { ! has_guest_m; }
daemon_lists() { xenplm list 2>/dev/null | grep -q '^guest-m '; }
daemon_forgot() { ! xenplm list 2>/dev/null | grep -q '^guest-m'; }
xs_m() { xenstore-read "/local/domain/$(dom_id guest-m)/$1" 2>/dev/null; }
req_seq() { xs_m data/xenplm/request | sed -n 's/.*\\nseq \([0-9]*\)\\n.*/\1/p'; }

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

# fault_on_a: host A, after the host killed B mid-migration (--fault
# dest-dies): the order failed, guest-m runs here as before, listed and
# published once, and no order for it again while watched.
fault_on_a() {
    step "pool: fault: host B died during the migration; A keeps guest-m"
    echo "# pool: fault: dom0's tcp_retries2 $(cat /proc/sys/net/ipv4/tcp_retries2 2>/dev/null), order timeout $mig_timeout"
    migration_started || return 0
    if [ -n "$t_failed" ]; then
        ok "A's xenplmd fails the order once host B is gone"
        timing "pool: fault: migration start to the order failed (A's clock)" $((t_failed - t_start))
    else
        xl list >"$WHY" 2>&1
        not_ok "A's xenplmd fails the order once host B is gone"
    fi
    grep 'migrat\|order' /tmp/xenplmd.log | tail -n 12 | sed 's/^/# xenplmd| /'
    # shellcheck disable=SC2009 # busybox: no pgrep -a
    ps | grep '[x]l migrate' | sed 's/^/# ps| /'
    xl list 2>&1 | sed 's/^/# xl list| /'
    check "guest-m is still on host A" has_guest_m || return 0
    running() { xl list guest-m 2>/dev/null | awk 'NR == 2 { exit !($5 ~ /^[rb-]+$/ && $5 !~ /[psc]/) }'; }
    check "guest-m runs on A, neither paused nor suspended (xl list state)" wait_until 10 running
    last=$(m_counts | tail -n 1)
    check "guest-m goes on counting on A (past $last)" wait_until 30 m_count_above $((last + 2))
    is "guest-m keeps its boot id on A" "$(m_boot)" "$boot"
    echo "# migrate: on A boot=$(m_boot) count=$(m_counts | tail -n 1) after"
    check "A's xenplmd still lists guest-m" wait_until 30 daemon_lists
    # Published once: B's records are gone with its lease (10 s), and A's
    # count its one domain (the status's DOMS column; it names none).
    once() {
        xenplm pool status >/tmp/pool-status 2>&1 && grep -q '^hosts: 1,' /tmp/pool-status &&
            ! grep -q '^xen-b ' /tmp/pool-status &&
            [ "$(awk '$1 == "xen-a" { print $6 }' /tmp/pool-status)" = 1 ]
    }
    check "the pool shows host A alone, publishing its one domain" wait_until 60 once
    sed 's/^/# pool status| /' /tmp/pool-status
    # No order again before its cooldown (30 min): watched for 60 s, the
    # order the leader keeps is the failed one alone.
    i=0
    again=""
    while [ $i -lt 60 ]; do
        xenplm pool plan >/tmp/pool-plan 2>&1
        if grep 'guest-m' /tmp/pool-plan | grep -qv 'failed'; then
            again=yes
            break
        fi
        sleep 1
        i=$((i + 1))
    done
    sed 's/^/# pool plan| /' /tmp/pool-plan
    if [ -z "$again" ]; then
        ok "no order for guest-m again while watched (60 s after the failure)"
    else
        cp /tmp/pool-plan "$WHY"
        not_ok "no order for guest-m again while watched (60 s after the failure)"
    fi
    check "guest-m still runs on A at the end" running
}

step "pool: the link ($peer) and the hosts' names"
check "the other host answers ping on the link ($peer)" wait_loud 300 "$peer to answer ping" ping -c 1 -W 1 "$peer"
# migrate-nc.sh looks the order's address (the destination's pool name)
# up here.
printf '127.0.0.1 localhost\n10.99.0.1 xen-a\n10.99.0.2 xen-b\n' >/etc/hosts

step "pool: xenplmd joins the pool as $me_name ($etcd, TLS)"
case "$host" in
a) reserve=150 ;;
*) reserve=0 ;;
esac
cat >"$POLICY" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<xenplm-policy version="1">
  <host>
    <tick>1s</tick>
    <cpu>
      <pool reserve="$reserve"/>
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
    <lease ttl="10s"/>
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
check "the pool policy loads in dom0" xenplmd -n -f "$POLICY" --schema "$SCHEMA"
xenplmd -F -v -f "$POLICY" --schema "$SCHEMA" --pidfile /run/xenplmd.pid >/tmp/xenplmd.log 2>&1 &
two_hosts() {
    xenplm pool status >/tmp/pool-status 2>&1 &&
        grep -q xen-a /tmp/pool-status && grep -q xen-b /tmp/pool-status &&
        grep -q '^leader: xen-' /tmp/pool-status
}
if check "xenplm pool status shows both hosts and a leader" wait_loud 180 "both hosts in the pool" two_hosts; then
    sed 's/^/# pool status| /' /tmp/pool-status
    timing "pool: both hosts published" "$waited"
else
    tail -n 20 /tmp/xenplmd.log | sed 's/^/# xenplmd| /'
fi

case "$host" in
a)
    GUEST_MEMORY=$mig_mib
    GUEST_MAXMEM=$mig_mib
    GUEST_TYPE=pvh
    GUEST_BOOT_S=180
    AGENT_GOALS=yes
    XENPLM_GUEST_EXTRA="${XENPLM_GUEST_EXTRA:-quiet} XENPLM_COUNTER=1"
    step "pool: guest-m (PVH, $mig_mib MiB, the agent) starts on host A"
    start_guests guest-m
    if ! check "guest-m counts on its console" wait_until 60 m_count_above 2; then
        echo "guest-m never counted" | nc -w 5 "$peer" 8003 2>/dev/null
        return 0
    fi
    boot=$(m_boot)
    check "xenplmd on A lists guest-m" wait_until 30 daemon_lists
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) before"

    step "pool: waiting for host B's listener"
    check "host B's migration listener is up" wait_loud 600 "host B's listener" peer_ready || return 0
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) at the start"

    step "pool: the leader orders guest-m to B; A's xenplmd migrates it"
    # Every half second: when A's daemon logs the migration's start, and
    # when guest-m is gone from A; a line every 30 s meanwhile.
    t0=$(uptime_cs)
    t_start=""
    t_gone=""
    t_failed=""
    said=$t0
    while [ -z "$t_gone" ]; do
        t=$(uptime_cs)
        if [ -z "$t_start" ] && grep -q 'migrating to xen-b' /tmp/xenplmd.log; then
            t_start=$t
            echo "# pool: A's xenplmd started the migration $(secs $((t - t0))) s after B was ready"
            grep 'migrating to xen-b' /tmp/xenplmd.log | head -n 1 | sed 's/^/# xenplmd| /'
        fi
        if [ -n "$t_start" ] && ! has_guest_m; then
            t_gone=$t
            break
        fi
        if [ -n "$fault" ] && [ -n "$t_start" ] && grep -q 'migration to xen-b failed' /tmp/xenplmd.log; then
            t_failed=$t
            break
        fi
        if [ $((t - t0)) -ge 150000 ]; then
            break
        fi
        if [ $((t - said)) -ge 3000 ]; then
            echo "# pool: waiting for the order's migration ($(((t - t0) / 100)) s)"
            said=$t
        fi
        sleep 0.5
    done
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) last"
    if [ -n "$fault" ]; then
        fault_on_a
    else
        migration_started
        if [ -n "$t_gone" ]; then
            ok "guest-m is gone from host A"
            timing "pool: migration start to guest-m gone from A (A's clock)" $((t_gone - t_start))
        else
            xl list >"$WHY" 2>&1
            not_ok "guest-m is gone from host A"
        fi
        migrated_logged() { grep -q 'migrated to xen-b' /tmp/xenplmd.log; }
        check "A's xenplmd logs the migration done" wait_until 30 migrated_logged
        grep 'migrated to xen-b\|migration to xen-b' /tmp/xenplmd.log | sed 's/^/# xenplmd| /'
        check "A's xenplmd forgets guest-m" wait_until 30 daemon_forgot

        if [ "${XENPLM_POOL_BASELINE:-1}" = 1 ]; then
            step "pool: baseline: host B migrates guest-m back with a plain xl migrate"
            listen_once
            arrived() { has_guest_m || { [ -f /run/migrate.accepted ] && ! kill -0 "$listener" 2>/dev/null; }; }
            wait_loud 1800 "guest-m back from host B" arrived
            if has_guest_m; then
                ok "guest-m is back on host A (plain xl migrate from B)"
                echo "# migrate: on A boot=$(m_boot) count=$(m_counts | tail -n 1) back"
                check "A's xenplmd adopts guest-m again" wait_until 60 daemon_lists
                destroy_guests guest-m
            else
                cat /tmp/migrate-receive.log >"$WHY" 2>&1
                not_ok "guest-m is back on host A (plain xl migrate from B)"
            fi
            kill "$listener" 2>/dev/null
        fi
    fi
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
    if has_guest_m; then
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

        if [ "${XENPLM_POOL_BASELINE:-1}" = 1 ]; then
            step "pool: baseline: xl migrate guest-m back to host A (plain, B's scenario)"
            if check "host A's migration listener is up" wait_loud 300 "host A's listener" peer_ready; then
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
        else
            destroy_guests guest-m
        fi
    else
        {
            xl list
            cat /tmp/migrate-receive.log
        } >"$WHY" 2>&1
        not_ok "guest-m arrived on host B, named guest-m"
    fi
    ;;
esac

step "pool: xenplmd stops"
kill "$(cat /run/xenplmd.pid 2>/dev/null)" 2>/dev/null
stopped() { [ ! -e /run/xenplmd.pid ]; }
check "xenplmd exits on SIGTERM" wait_until 20 stopped
grep -i 'pool\|order\|migrat\|leader\|error\|warn' /tmp/xenplmd.log | tail -n 40 | sed 's/^/# xenplmd| /'
