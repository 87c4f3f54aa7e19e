# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2154 # $waited: set by wait_until
# Scenario 20, xenplmd: the freshly built daemon on real Xen, with the
# rig's policy (/xenplm/policy.xml, from tests/xen/policy.xml: a CPU pool of
# 200, a memory pool of 512 MiB).  The guests write their requests
# themselves (guest-cmd.sh), as an agent would.  Sourced in dom0 after
# /xenplm/lib.sh (lib-dom0.sh).
#
# 1. the daemon starts and discovers both domains: each gets a xenplm/
#    subtree owned by dom0 and readable by the guest (n0,r<domid>);
# 2. guest-b asks for cpu 50 150, mem 160 256, and gets all of it: two
#    vcpus online in the guest, a 256 MiB target;
# 3. guest-a asks for cpu 150, mem 320: its weight rises above guest-b's,
#    its second vcpu comes online, its target and MemTotal rise to 320 MiB,
#    while guest-b shrinks to 50 (one vcpu) and 192 MiB;
# 4. a malformed request is rejected, reported in xenplm/status, and
#    changes nothing;
# 5. SIGTERM stops the daemon cleanly.
# Each effect is timed from the moment the guest's write reached xenstore.

MIB=1024 # KiB
POLICY=/xenplm/policy.xml
SCHEMA=/usr/share/xenplm/xenplm-policy.xsd

check "the shipped default policy loads in dom0" \
    xenplmd -n -f /etc/xenplm/default.xml --schema "$SCHEMA"
check "the rig's policy loads in dom0" xenplmd -n -f "$POLICY" --schema "$SCHEMA"

start_guests guest-a guest-b
a=$(dom_id guest-a)
b=$(dom_id guest-b)
echo "# guest-a is domain $a, guest-b is domain $b"
mem0_a=$(guest_mem_kib guest-a)
mem0_b=$(guest_mem_kib guest-b)

# The host port on its own, through its smoke test.
probe_sees_guests() {
    xenplm-xenprobe >/tmp/probe.out 2>&1 &&
        grep -q guest-a /tmp/probe.out && grep -q guest-b /tmp/probe.out
}
if command -v xenplm-xenprobe >/dev/null 2>&1; then
    check "xenplm-xenprobe: the Xen port sees the host and both guests" probe_sees_guests
    sed 's/^/# xenprobe| /' /tmp/probe.out
else
    skip_test "xenplm-xenprobe: the Xen port sees the host and both guests" "not built"
fi

# The floor under the daemon's reaction times: the Xen calls it makes, each
# timed alone (xs_write+watch, xs_read, sched params set, memory target set).
if command -v xenplm-xenfloor >/dev/null 2>&1; then
    if xenplm-xenfloor "$a" 50 >/tmp/floor.out 2>&1; then
        ok "xenplm-xenfloor: the floor of the Xen calls is measured"
    else
        cp /tmp/floor.out "$WHY"
        not_ok "xenplm-xenfloor: the floor of the Xen calls is measured"
    fi
    sed 's/^/# /' /tmp/floor.out
else
    skip_test "xenplm-xenfloor: the floor of the Xen calls is measured" "not built"
fi

# --- 1. start, discovery, grant subtrees --------------------------------------
t_start=$(uptime_cs)
xenplmd -F -v -f "$POLICY" --schema "$SCHEMA" --pidfile /run/xenplmd.pid \
    >/tmp/xenplmd.log 2>&1 &
daemon=$!
# running: alive, and not a zombie (the scenario's shell has not reaped it).
running() {
    [ -d "/proc/$daemon" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$daemon/status"
}
sleep 2
if running; then
    ok "xenplmd -F runs"
else
    cp /tmp/xenplmd.log "$WHY"
    not_ok "xenplmd -F runs"
fi

# perms PATH: the node's permissions, as xenstore-ls -p shows them (n0,r1).
perms() {
    xenstore-ls -p "${1%/*}" 2>/dev/null |
        sed -n "s/^${1##*/} = .*(\([^()]*\))\$/\1/p"
}
for g in guest-a guest-b; do
    id=$(dom_id "$g")
    if wait_until 30 xenstore-exists "/local/domain/$id/xenplm"; then
        ok "$g: the daemon made its xenplm/ subtree"
        timing "daemon start to $g's xenplm/ subtree" $(($(uptime_cs) - t_start))
    else
        not_ok "$g: the daemon made its xenplm/ subtree"
    fi
    is "$g: xenplm/ is dom0's, readable by the guest only" \
        "$(perms "/local/domain/$id/xenplm")" "n0,r$id"
done
check "xenplm list answers over the control socket" xenplm list
sed 's/^/# xenplm list| /' "$WHY"

# Log the writes of the requests and of the daemon's answers, all along.
WLOG=/tmp/xenstore-writes
watch_log "$WLOG" '*/data/xenplm/request' '*/xenplm/seq' '*/xenplm/status' \
    '*/memory/target' '*/cpu/1/availability'

# request NAME SEQ BODY: have the guest write a request.  Sets $t_written
# to the time the write reached xenstore.
request() {
    rq_name=$1
    t_cmd=$(uptime_cs)
    is "$1 writes request seq $2" \
        "$(guest_cmd "$1" "write data/xenplm/request xenplm-request 1\\nseq $2\\n$3")" ok
    t_written=$(logged_at "$WLOG" "$t_cmd" "/local/domain/$(id_of "$1")/data/xenplm/request")
    t_written=${t_written:-$(uptime_cs)}
}

# watched GUEST KEY VALUE DESC: for the last request, the time from its
# write to the daemon writing VALUE to GUEST's KEY.
watched() {
    wt=$(logged_at "$WLOG" "$t_written" "/local/domain/$(id_of "$1")/$2" "$3")
    if [ -n "$wt" ]; then
        timing "$rq_name request -> $4 [watch]" $((wt - t_written))
    else
        echo "# $4: not seen after the write at $t_written; the log:"
        sed 's/^/#   /' "$WLOG"
    fi
}

# effect SECONDS DESC CMD...: wait for an effect of the last request, as
# dom0 or the guest sees it, timed from the write.  These [polled] times are
# upper bounds: the effects are waited for one after the other, and each
# wait polls (every 0.1 s in dom0 plus the tool's own time, xl's above all,
# and every 0.25 s in the guest).  The [watch] times of `watched` are exact.
effect() {
    e_limit=$1
    e_desc=$2
    shift 2
    if wait_until "$e_limit" "$@"; then
        ok "$e_desc"
        timing "$rq_name request -> $e_desc [polled]" $(($(uptime_cs) - t_written))
    else
        not_ok "$e_desc"
    fi
}

# Domain ids, looked up once: xl is slow under TCG, too slow to poll with.
id_of() {
    case "$1" in
    guest-a) echo "$a" ;;
    guest-b) echo "$b" ;;
    esac
}
target_is() { xs_is "/local/domain/$(id_of "$1")/memory/target" $(($2 * MIB)); }
status_ok() {
    xs_is "/local/domain/$(id_of "$1")/xenplm/seq" "$2\\n" &&
        xs_is "/local/domain/$(id_of "$1")/xenplm/status" 'ok\n'
}
weight_above() { # the credit weight of $1 is above that of $2
    w1=$(sched_credit "$1" | cut -d' ' -f1)
    w2=$(sched_credit "$2" | cut -d' ' -f1)
    [ -n "$w1" ] && [ -n "$w2" ] && [ "$w1" -gt "$w2" ]
}

# --- 2. guest-b alone asks: it gets everything ------------------------------------
request guest-b 1 'cpu pct 50 150\nmem mib 160 256\n'
effect 30 "guest-b's request seq 1 is read and accepted" status_ok guest-b 1
effect 30 "guest-b's second vcpu comes online in the guest" guest_has_cpus guest-b 2
effect 60 "guest-b's memory target rises to 256 MiB" target_is guest-b 256
effect 60 "guest-b's MemTotal rises by 64 MiB" \
    guest_mem_above guest-b $((mem0_b + 60 * MIB))
watched guest-b xenplm/seq '1\n' "guest-b's xenplm/seq (the daemon read it)"
watched guest-b cpu/1/availability online "guest-b's vcpu 1 available"
watched guest-b memory/target $((256 * MIB)) "guest-b's memory target 256 MiB"
is "guest-b's xenplm/granted says cpu 150, 2 vcpus, 256 MiB" \
    "$(xenstore-read "/local/domain/$b/xenplm/granted" 2>/dev/null)" 'cpu 150 vcpus 2 mem 256\n'
echo "# weights: guest-a $(sched_credit guest-a), guest-b $(sched_credit guest-b)"
mem1_b=$(guest_mem_kib guest-b)

# --- 3. guest-a asks: it grows, guest-b shrinks -------------------------------------
request guest-a 1 'cpu pct 150\nmem mib 320\n'
effect 30 "guest-a's request seq 1 is read and accepted" status_ok guest-a 1
effect 30 "guest-a's credit weight rises above guest-b's" weight_above guest-a guest-b
echo "# weights: guest-a $(sched_credit guest-a), guest-b $(sched_credit guest-b)"
effect 30 "guest-a's second vcpu comes online in the guest" guest_has_cpus guest-a 2
effect 30 "guest-b is down to one vcpu in the guest" guest_has_cpus guest-b 1
effect 60 "guest-b's memory target falls to 192 MiB" target_is guest-b 192
effect 60 "guest-b's MemTotal falls by 64 MiB" \
    guest_mem_below guest-b $((mem1_b - 60 * MIB))
effect 60 "guest-a's memory target rises to 320 MiB" target_is guest-a 320
effect 60 "guest-a's MemTotal rises by 128 MiB" \
    guest_mem_above guest-a $((mem0_a + 120 * MIB))
watched guest-a xenplm/seq '1\n' "guest-a's xenplm/seq (the daemon read it)"
watched guest-a cpu/1/availability online "guest-a's vcpu 1 available"
watched guest-b cpu/1/availability offline "guest-b's vcpu 1 unavailable"
watched guest-b memory/target $((192 * MIB)) "guest-b's memory target 192 MiB"
watched guest-a memory/target $((320 * MIB)) "guest-a's memory target 320 MiB"
is "guest-a's xenplm/granted says cpu 150, 2 vcpus, 320 MiB" \
    "$(xenstore-read "/local/domain/$a/xenplm/granted" 2>/dev/null)" 'cpu 150 vcpus 2 mem 320\n'
is "guest-b's xenplm/granted says cpu 50, 1 vcpu, 192 MiB" \
    "$(xenstore-read "/local/domain/$b/xenplm/granted" 2>/dev/null)" 'cpu 50 vcpus 1 mem 192\n'

# --- 4. a malformed request changes nothing ---------------------------------------
state() {
    echo "$(sched_credit guest-a) $(xenstore-read "/local/domain/$a/memory/target")" \
        "$(xl_list_field guest-a 4)"
}
before=$(state)
request guest-a 2 'cpu pct 007\n'
rejected() {
    case "$(xenstore-read "/local/domain/$a/xenplm/status" 2>/dev/null)" in
    rejected:*) return 0 ;;
    esac
    return 1
}
effect 30 "xenplm/status says rejected" rejected
watched guest-a xenplm/status 'rejected: line 3: cpu level 1: leading zero\n' \
    "guest-a's xenplm/status rejected"
echo "# guest-a status: $(xenstore-read "/local/domain/$a/xenplm/status" 2>/dev/null)"
sleep 3 # three ticks
is "the rejected request changed nothing" "$(state)" "$before"

# --- 5. stop -------------------------------------------------------------------------
kill "$daemon" 2>/dev/null
stopped() { ! running; }
check "xenplmd exits on SIGTERM" wait_until 10 stopped
watch_stop "$WLOG"
check "xenplmd removed its pid file" test ! -e /run/xenplmd.pid
echo "# --- xenplmd log (last lines) ---"
tail -n 60 /tmp/xenplmd.log | sed 's/^/# xenplmd| /'

destroy_guests guest-a guest-b
