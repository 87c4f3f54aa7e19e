# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2154,SC2034 # $waited: set by wait_until; GUEST_*: read by make_cfg
# The two-host rig's scenario (tests/xen/rig2.sh): a plain `xl migrate` of a
# guest from host A to host B over the virtual link between the two
# dom0s, the baseline that xenplm's own migrations will be measured
# against.  Both dom0s run it; XENPLM_HOST (a or b), and XENPLM_PEER, the
# other dom0's address on the link, come from dom0's command line.
# Sourced in dom0 after /xenplm/lib.sh (lib-dom0.sh).
#
# Ports on the link (TEST RIG ONLY: unauthenticated, on a link that exists
# only between the rig's two QEMUs):
#   8001  B -> A  "ready": B's migration listener is up
#   8002  A -> B  xl's migration stream (migrate-nc.sh to migrate-listen.sh)
#   8003  A -> B  "abort": A will not migrate (its guest never came up)
#   8004  A -> B  the link's throughput: XENPLM_LINK_MIB (default 32) MiB
#                 of zeros through busybox nc, before the migration
# The guest, guest-m, counts the seconds since its boot on its console
# with its boot id (XENPLM_COUNTER, domu-init.sh).  It is a PVH guest
# (the domUs' kernel, booted directly, as the PV guests are) wherever Xen
# offers HVM, as it does under QEMU's emulated SVM: Debian's Xen 4.17 is
# built without shadow paging (CONFIG_SHADOW_PAGING is not set), which
# the log-dirty mode of a PV guest's live migration needs, so that
# `xl migrate` of a PV guest fails at once ("Failed to enable logdirty:
# 95,22,0"), while HVM and PVH guests get theirs from HAP.
# XENPLM_MIGRATE_TYPE=pv (on dom0's command line: XENPLM_XEN_DOM0_ARGS)
# tries a PV guest all the same.  Each host prints what
# it saw as "# migrate: ..." lines, from which the host (rig2.sh) checks
# that the count went on, with the same boot id, across the two hosts.

host=${XENPLM_HOST:-}
peer=${XENPLM_PEER:-}
if [ -z "$host" ] || [ -z "$peer" ]; then
    skip_test "migration to another host" "not on the two-host rig (no XENPLM_HOST, XENPLM_PEER)"
    return 0
fi

# m_log, m_counts, m_boot, m_count_above, cs_of, wait_loud: lib-dom0.sh.
LOUD_TAG=migrate

step "migrate: the link to the other host ($peer)"
if wait_loud 300 "$peer to answer ping" ping -c 1 -W 1 "$peer"; then
    ok "the other host answers ping on the link ($peer)"
    timing "link: ping answered" "$waited"
else
    not_ok "the other host answers ping on the link ($peer)"
fi

# The guest's memory, MiB (XENPLM_MIGRATE_MIB on dom0's command line, the
# same on both hosts): what the migration copies.  Not under 128 with
# Debian 12's kernel: its image alone takes 58 MiB of the guest's memory,
# and `xl create` of a 64 MiB PVH guest fails ("segment kernel too large").
mig_mib=${XENPLM_MIGRATE_MIB:-128}
link_mib=${XENPLM_LINK_MIB:-32}

case "$host" in
a)
    GUEST_MEMORY=$mig_mib
    GUEST_MAXMEM=$mig_mib
    guest_type_pick
    XENPLM_GUEST_EXTRA="${XENPLM_GUEST_EXTRA:-quiet} XENPLM_COUNTER=1"
    step "migrate: guest-m starts on host A"
    start_guests guest-m
    if ! check "guest-m counts on its console" wait_until 60 m_count_above 2; then
        echo "guest-m never counted" | nc -w 5 "$peer" 8003 2>/dev/null
        echo "# migrate: told B not to wait"
        return 0
    fi
    boot=$(m_boot)
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) before"

    step "migrate: waiting for host B's listener"
    peer_ready() { [ "$(nc -w 2 "$peer" 8001 </dev/null 2>/dev/null)" = ready ]; }
    if ! check "host B's migration listener is up" wait_loud 600 "host B's listener" peer_ready; then
        return 0
    fi

    step "migrate: the link's throughput ($link_mib MiB through nc)"
    t0=$(uptime_cs)
    # -w 1: nc stays a second for the peer's last words once its input ends.
    dd if=/dev/zero bs=64k count=$((link_mib * 16)) 2>/dev/null | nc -w 1 "$peer" 8004
    took=$(($(uptime_cs) - t0))
    timing "link: $link_mib MiB through nc" "$took"
    echo "# migrate: link throughput $((link_mib * 100 * 1024 / (took > 0 ? took : 1))) KiB/s"

    if [ "${XENPLM_MIGRATE_LOCAL:-0}" = 1 ]; then
        # The same live migration without the link: from A to A itself
        # (xl through migrate-nc.sh to a listener on A's loopback).
        step "migrate: xl migrate guest-m to host A itself (no link)"
        nc -l -p 8006 -e /xenplm/migrate-listen.sh >/dev/null 2>/tmp/migrate-local.log &
        local_l=$!
        self_listening() { netstat -ltn 2>/dev/null | grep -q ':8006 '; }
        wait_until 10 self_listening
        XENPLM_MIGRATE_PORT=8006 xl_migrate_loud migrate guest-m 127.0.0.1
        if [ "$mig_rc" -eq 0 ] && wait_until 30 m_count_above "$(m_counts | tail -n 1)"; then
            ok "xl migrate guest-m to host A itself (live, no link)"
            timing "xl migrate to A itself (no link)" "$mig_cs"
        else
            cp /tmp/migrate.log "$WHY"
            not_ok "xl migrate guest-m to host A itself (live, no link)"
        fi
        kill "$local_l" 2>/dev/null
    fi

    step "migrate: xl migrate guest-m to host B"
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) at the start"
    # Up to 25 minutes: seen to take 10 (597 s) with the machine's two
    # cores shared by both QEMUs and other builds (load average 8).
    xl_migrate_loud migrate guest-m "$peer"
    if [ "$mig_rc" -eq 0 ]; then
        ok "xl migrate guest-m to host B (xl's stream over the link through migrate-nc.sh)"
        timing "xl migrate (start to running on B)" "$mig_cs"
    else
        { echo "xl migrate: exit status $mig_rc"; cat /tmp/migrate.log; } >"$WHY"
        not_ok "xl migrate guest-m to host B (xl's stream over the link through migrate-nc.sh)"
    fi
    echo "# migrate: on A boot=$boot count=$(m_counts | tail -n 1) last"
    if xl domid guest-m >/dev/null 2>&1; then
        xl list >"$WHY" 2>&1
        not_ok "guest-m is gone from host A"
        destroy_guests guest-m
    else
        ok "guest-m is gone from host A"
    fi
    ;;
b)
    step "migrate: host B listens for the migration"
    rm -f /run/migrate.accepted /run/from-a
    nc -l -p 8002 -e /xenplm/migrate-listen.sh >/dev/null 2>/tmp/migrate-receive.log &
    listener=$!
    nc -l -p 8003 >/run/from-a 2>/dev/null &
    aborter=$!
    nc -l -p 8004 >/dev/null 2>&1 &
    sink=$!
    listening() { netstat -ltn 2>/dev/null | grep -q ':8002 '; }
    check "the migration listener is up on port 8002" wait_until 10 listening
    (echo ready | nc -l -p 8001 >/dev/null 2>&1) &

    step "migrate: waiting for guest-m from host A"
    # Until it comes, or A says it will not, or the receiver gave up.
    arrived_or_not() {
        xl domid guest-m >/dev/null 2>&1 && return 0
        [ -s /run/from-a ] && return 0
        [ -f /run/migrate.accepted ] && ! kill -0 "$listener" 2>/dev/null
    }
    wait_loud 1800 "guest-m from host A" arrived_or_not
    arrived=$(uptime_cs)
    kill "$aborter" "$sink" 2>/dev/null
    if [ -s /run/from-a ]; then
        echo "# migrate: A says: $(cat /run/from-a)"
    fi
    if xl domid guest-m >/dev/null 2>&1; then
        ok "guest-m arrived on host B, named guest-m"
        if [ -f /run/migrate.accepted ]; then
            timing "migration on B (connection accepted to guest-m named on B)" \
                $((arrived - $(cs_of "$(cat /run/migrate.accepted)")))
        fi
        if wait_until 30 m_count_above 0; then
            first=$(m_counts | head -n 1)
            echo "# migrate: on B boot=$(m_boot) count=$first first"
            if wait_until 30 m_count_above $((first + 2)); then
                ok "guest-m goes on counting on host B"
                timing "guest-m named on B to 3 more counts on its console" "$waited"
            else
                m_log | tail -n 10 >"$WHY"
                not_ok "guest-m goes on counting on host B"
            fi
        else
            m_log | tail -n 10 >"$WHY"
            not_ok "guest-m counts on its console on host B"
        fi
        echo "# migrate: on B boot=$(m_boot) count=$(m_counts | tail -n 1) last"
        if m_log | grep -q '^xenplm-guest: init at uptime'; then
            m_log | head -n 10 >"$WHY"
            not_ok "guest-m did not boot again on host B (no init line on its console)"
        else
            ok "guest-m did not boot again on host B (no init line on its console)"
        fi
        id=$(dom_id guest-m)
        c1=$(xenstore-read "/local/domain/$id/data/xenplm-test/count" 2>/dev/null)
        xs_count_above() {
            c=$(xenstore-read "/local/domain/$id/data/xenplm-test/count" 2>/dev/null)
            [ -n "$c" ] && [ "$c" -gt "${c1:-0}" ]
        }
        check "guest-m writes its count in xenstore on host B" wait_until 10 xs_count_above
        is "guest-m has its $mig_mib MiB on host B" "$(xl_list_field guest-m 3)" "$mig_mib"
        # What copying its memory costs without the link: a checkpoint
        # (the guest runs on) to dom0's tmpfs.
        rm -f /tmp/m.save
        t0=$(uptime_cs)
        if timeout 600 xl save -c guest-m /tmp/m.save >/tmp/save.log 2>&1; then
            timing "xl save -c guest-m to tmpfs (no link)" $(($(uptime_cs) - t0))
            echo "# migrate: save file $(($(wc -c </tmp/m.save) / 1024)) KiB"
        else
            tail -n 5 /tmp/save.log | sed 's/^/# xl save| /'
        fi
        rm -f /tmp/m.save
        destroy_guests guest-m
    else
        {
            echo "xl list:"
            xl list
            echo "xl migrate-receive's log:"
            cat /tmp/migrate-receive.log
        } >"$WHY" 2>&1
        not_ok "guest-m arrived on host B, named guest-m"
    fi
    # xl migrate-receive leaves a child in the background to watch the
    # domain (gone with it); the receiver itself is done.
    if wait_until 30 sh -c "! kill -0 $listener"; then
        wait "$listener"
        rc=$?
        if [ -f /run/migrate.accepted ]; then
            is "xl migrate-receive exited with status 0" "$rc" 0
        fi
    else
        not_ok "xl migrate-receive is done"
        kill "$listener" 2>/dev/null
    fi
    tail -n 20 /tmp/migrate-receive.log | sed 's/^/# migrate-receive| /'
    ;;
*) not_ok "XENPLM_HOST is a or b, not $host" ;;
esac
