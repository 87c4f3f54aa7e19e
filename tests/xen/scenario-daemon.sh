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
#    then the daemon's CPU reaction is timed in dom0 (xenplm-xenmeter
#    react), against the floor timed before the daemon started
#    (xenplm-xenfloor) and against a minimal reactor in its place on
#    dom0, timed the same way just before (xenplm-xenfloor reactor,
#    xenplm-xenmeter react 0); guest-b boosts 100 pct for 4 s (a time-critical
#    boost): both guests get 100, and at its end, with no write from
#    guest-b, 140 and 60 again; then the policy is reloaded with slow
#    balloons and a headroom that binds (free memory now, less 8 MiB);
# 5. guest-b asks for 320 MiB too (levelled: 256 each); at guest-a's first
#    step down xenplmd is killed (SIGKILL) and started again: it finishes
#    the move to the same grants, every domain stays above its floor and
#    above the grant it is moving to, free memory stays above the
#    headroom, and free + every domain's pages stays the same;
# 6. guest-b goes back to 160 256 (guest-a to grow to 320, guest-b to
#    shrink to 192) and is destroyed (xl destroy) at its first step down:
#    the daemon forgets it, still answers, gives guest-a its 320 MiB, and
#    logs no error loop;
#    then the policy is reloaded with <affinity hard="0" soft="0"> for
#    guest-*: xl vcpu-list shows every vcpu of guest-a, offline ones too,
#    on pCPU 0 (hard and soft), and xenplm show says so; reloaded without
#    it, guest-a's vcpus are back on every pCPU;
# 7. the policy is reloaded with weight and cap: guest-a's weight and cap
#    are set under credit (Pool-0), then pCPU 1 goes to a new cpupool
#    running credit2, guest-a moves there, and its weight and cap are set
#    under credit2 (xl sched-credit2);
# and SIGTERM stops the daemon cleanly.  All along the daemon writes its
# Prometheus metrics to /tmp/prom (--metrics-dir); the file it leaves at
# the stop is checked for a few of the scenario's values here, and printed
# to the console ("# prom| " lines), where run.sh picks it up on the host
# and runs `promtool check metrics` on it.
# Each effect is timed from the moment the guest's write reached xenstore.
#
# Figures on a 2-core machine under TCG (README, "Testing on real Xen"):
# reaction medians 16-36 ms against floors of 10-15 ms (58 ms before the
# daemon answered requests after enforcing them); a restart finishes the
# interrupted move in 4-8 s; destroy to guest-a holding 320 MiB, 1.5-9 s;
# free + every domain's pages constant to the KiB over the moves.

MIB=1024 # KiB
# The daemon's policy file, a copy of the rig's, which steps 5 and 7
# change: /xenplm/policy.xml stays as it is for the scenarios after this.
POLICY=/tmp/policy-daemon.xml
cp /xenplm/policy.xml "$POLICY"
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
step "daemon: 1. start, discovery, grant subtrees"
PROM=/tmp/prom
mkdir -p "$PROM"
t_start=$(uptime_cs)
xenplmd -F -v -f "$POLICY" --schema "$SCHEMA" --pidfile /run/xenplmd.pid \
    --metrics-dir "$PROM" >/tmp/xenplmd.log 2>&1 &
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

# Linux's xen-balloon writes nothing to control/feature-balloon, and xl
# (4.17) creates no such key: a PV guest that says nothing has a balloon
# driver (xenplmd(8)), and the daemon says so (xenplm show -j:
# "balloon":true; xenplm list: no "no balloon").
for g in guest-a guest-b; do
    id=$(dom_id "$g")
    if xenstore-exists "/local/domain/$id/control/feature-balloon"; then
        echo "# $g: control/feature-balloon = '$(xenstore-read \
            "/local/domain/$id/control/feature-balloon")'" \
            "($(perms "/local/domain/$id/control/feature-balloon"))"
    else
        echo "# $g: no control/feature-balloon (a PV guest: taken as having a balloon)"
    fi
done
sees_balloon() { xenplm -j show "$1" 2>/dev/null | grep -q '"balloon":true'; }
for g in guest-a guest-b; do
    check "the daemon sees $g's balloon (xenplm show -j)" wait_until 10 sees_balloon "$g"
done
no_balloon_listed() { xenplm list 2>/dev/null | grep "^$1 " | grep -q 'no balloon'; }
if no_balloon_listed guest-a || no_balloon_listed guest-b; then
    xenplm list >"$WHY" 2>&1
    not_ok "xenplm list says no guest is without a balloon"
else
    ok "xenplm list says no guest is without a balloon"
fi

# Log the writes of the requests and of the daemon's answers, all along.
WLOG=/tmp/xenstore-writes
watch_log "$WLOG" '*/data/xenplm/request' '*/xenplm/seq' '*/xenplm/status' \
    '*/memory/target' '*/cpu/1/availability'

# request NAME SEQ BODY: have the guest write a request.  Sets $t_written
# to the time the write reached xenstore.
request() {
    rq_name=$1
    t_cmd=$(uptime_cs)
    rq_got=$(guest_cmd "$1" "write data/xenplm/request xenplm-request 1\\nseq $2\\n$3")
    t_written=$(logged_at "$WLOG" "$t_cmd" "/local/domain/$(id_of "$1")/data/xenplm/request")
    # A guest destroyed as its target starts to fall (step 6's on_fall)
    # can be gone before its command loop acknowledges the write: under
    # load the daemon's reaction and the destroy beat the guest's two
    # xenstore-writes after it (seen once, the request accepted 1.3 s
    # before the destroy).  The watch saw the write: that is the check.
    if [ "$rq_got" != ok ] && [ -n "$t_written" ] && ! xl domid "$1" >/dev/null 2>&1; then
        echo "# $1 wrote request seq $2 (the watch saw it) and was destroyed before acknowledging it ($rq_got)"
        rq_got=ok
    fi
    is "$1 writes request seq $2" "$rq_got" ok
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
step "daemon: 2. guest-b alone asks: it gets everything"
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
step "daemon: 3. guest-a asks: it grows, guest-b shrinks"
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
step "daemon: 4. a malformed request changes nothing"
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

# --- the daemon's CPU reaction, timed in dom0 --------------------------------------
step "daemon: the daemon's CPU reaction, timed in dom0"
# xenplm-xenmeter writes guest-a's request itself, as dom0, alternating
# between 120 and 140 pct (two vcpus either way, memory unchanged), and
# times each write to the weight change it polls for: the same dom0 clock
# and the same kind of write as the floor above, so the two compare.  The
# guest-side [watch] times above go through busybox processes under TCG and
# say little about the daemon.  Ends with guest-a asking 140 and guest-b
# getting 60.  The shell watch that logs xenstore writes is stopped
# meanwhile: it forks for every write, and would compete with the daemon
# for dom0's two vcpus.
watch_stop "$WLOG"
xenstore-write /local/domain/0/data/xenplm-wake 1 # its last event
if command -v xenplm-xenmeter >/dev/null 2>&1; then
    # The floor again, now: the load on dom0 and on the host has changed
    # since the first (the guests are busier, other builds come and go).
    if command -v xenplm-xenfloor >/dev/null 2>&1 &&
        xenplm-xenfloor "$a" 20 >/tmp/floor-now.out 2>&1; then
        sed 's/^floor:/floor now:/; s/^/# /' /tmp/floor-now.out
    else
        cp /tmp/floor.out /tmp/floor-now.out 2>/dev/null
    fi
    # The floor timed as the reaction is: the same meter's rounds on dom0,
    # answered by a minimal reactor (one read, one sched set, the seq) in
    # place of xenplmd, just before xenplmd's own.  A figure: its failure
    # is said here and fails nothing.
    floor_react=
    if command -v xenplm-xenfloor >/dev/null 2>&1; then
        rm -f /tmp/reactor.stop
        xenplm-xenfloor reactor /tmp/reactor.stop >/tmp/reactor.out 2>&1 &
        reactor=$!
        sleep 0.5
        if xenplm-xenmeter react 0 20 10 320 120 140 >/tmp/react0.out 2>&1; then
            floor_react=$(awk '/^react: sched / { print $4 }' /tmp/react0.out)
        fi
        touch /tmp/reactor.stop
        wait "$reactor" || echo "# the minimal reactor failed"
        sed 's/^react:/react, minimal reactor:/; s/^/# /' /tmp/react0.out /tmp/reactor.out
    fi
    if xenplm-xenmeter react "$a" 20 10 320 120 140 >/tmp/react.out 2>&1; then
        ok "xenplm-xenmeter: every request changed the weight within 5 s"
    else
        cp /tmp/react.out "$WHY"
        not_ok "xenplm-xenmeter: every request changed the weight within 5 s"
    fi
    sed 's/^/# /' /tmp/react.out
    # floor_sum CALLS: the sum of the floor's medians of the calls CALLS
    # (an awk alternation of their names).
    floor_sum() {
        awk -v calls="^floor: ($1) " '$0 ~ calls { s += $4 } END { printf "%.3f", s }' \
            /tmp/floor-now.out 2>/dev/null
    }
    ratio() { # A B: A / B, one decimal
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'
    }
    # The floor of the reaction: watch + read + sched set, medians.
    floor=$(floor_sum 'xs_write\\+watch|xs_read|sched_set')
    # What the daemon's path costs, call by call: the floor, plus the
    # port's read of the sched params before it sets them, plus the host
    # facts the arbitration reads.
    path=$(floor_sum 'xs_write\\+watch|xs_read|sched_set|sched_get|host_facts')
    react=$(awk '/^react: sched / { print $4 }' /tmp/react.out)
    if [ -n "$react" ] && [ -n "$floor" ]; then
        echo "# reaction: request write -> weight set, median $react ms;" \
            "floor (watch + read + sched set) $floor ms;" \
            "ratio $(ratio "$react" "$floor");" \
            "the daemon's calls (floor + sched get + host facts) $path ms"
    fi
    if [ -n "$react" ] && [ -n "$floor_react" ]; then
        echo "# reaction against a minimal reactor timed the same way: $react ms against" \
            "$floor_react ms, ratio $(ratio "$react" "$floor_react")"
    fi
else
    skip_test "xenplm-xenmeter: every request changed the weight within 5 s" "not built"
fi
watch_log "$WLOG" '*/data/xenplm/request' '*/xenplm/seq' '*/xenplm/status' \
    '*/memory/target' '*/cpu/1/availability' '*/xenplm/granted'
state_a='cpu 140 vcpus 2'
state_b='cpu 60 vcpus 1'
effect 10 "guest-b's grant follows: cpu 60" xs_is "/local/domain/$b/xenplm/granted" \
    "$state_b mem 192\\n"

# --- a time-critical boost, served and taken back on time ---------------------------
step "daemon: a time-critical boost, served and taken back on time"
# The rig's rule allows boosts (<boost max="10s">).  guest-b marks 100 pct
# of its request time-critical for 4 s: served at its first level's
# priority, it is levelled with guest-a's 140 there, 100 each, and guest-a
# drops to one vcpu; at the end, with no write from guest-b, the grants go
# back to 140 (two vcpus) and 60.  The same case in the simulator gives the
# same figures.  The boost's length is printed (dom0's clock, from the
# watch log) and checked loosely (4 s, ended within 10 s): TCG makes every
# step slow.
is "guest-b writes its boost for seq 2: cpu 100 for 4000 ms" \
    "$(guest_cmd guest-b 'write data/xenplm/boost xenplm-boost 1\nseq 2\ncpu pct 100\nfor ms 4000\n')" ok
request guest-b 2 'cpu pct 50 150\nmem mib 160 256\n'
boost_said() {
    xenstore-read "/local/domain/$b/xenplm/status" 2>/dev/null | grep -q '^ok: boost: cpu 100 for 4000 ms'
}
effect 30 "guest-b's status says the boost is served" boost_said
echo "# guest-b status: $(xenstore-read "/local/domain/$b/xenplm/status" 2>/dev/null)"
# The boosted grants last 4 s, less than TCG may take to poll for them:
# the watch log (every write, stamped as it reaches xenstore) says
# whether and when they were written, once the end is seen.
effect 30 "the boost ends with no write: guest-b back to cpu 60" \
    xs_is "/local/domain/$b/xenplm/granted" 'cpu 60 vcpus 1 mem 192\n'
effect 10 "the boost ends: guest-a back to cpu 140, two vcpus" \
    xs_is "/local/domain/$a/xenplm/granted" 'cpu 140 vcpus 2 mem 320\n'
effect 30 "the boost ends: guest-a's second vcpu is online again in the guest" \
    guest_has_cpus guest-a 2
sleep 1 # the watch's last lines
t_b=$(logged_at "$WLOG" "$t_written" "/local/domain/$b/xenplm/granted" 'cpu 100 vcpus 1 mem 192\n')
t_a=$(logged_at "$WLOG" "$t_written" "/local/domain/$a/xenplm/granted" 'cpu 100 vcpus 1 mem 320\n')
cp "$WLOG" "$WHY"
is "boosted: guest-b's grant was cpu 100 (xenstore's log)" "$([ -n "$t_b" ] && echo 1)" 1
is "boosted: guest-a's grant was cpu 100, one vcpu (xenstore's log)" "$([ -n "$t_a" ] && echo 1)" 1
[ -n "$t_b" ] && timing "guest-b request -> its boosted grant written [watch]" $((t_b - t_written))
# Its length: from the daemon's write of guest-a's boosted grant to its
# write of the grant after (both the daemon's, so their lags cancel; the
# vcpu's availability lags the grant by a variable hot-plug step).
t_end=$(logged_at "$WLOG" "${t_a:-0}" "/local/domain/$a/xenplm/granted" 'cpu 140 vcpus 2 mem 320\n')
if [ -n "$t_a" ] && [ -n "$t_end" ]; then
    timing "the boost, served (guest-a's grant 100 -> 140 again)" $((t_end - t_a))
    is "the boost lasted 4 s, ended within 10 s" \
        "$((t_end - t_a >= 300 && t_end - t_a <= 1000))" 1
else
    not_ok "the boost lasted 4 s, ended within 10 s (guest-a's grant not seen going and coming)"
fi
xenplm show guest-b 2>/dev/null | grep -E '^ +boost ' | sed 's/^/# xenplm show guest-b| /'

# --- memory moves from here on: slow, with a headroom that binds -------------------
step "daemon: memory moves from here on: slow, with a headroom that binds"
# The headroom becomes what Xen has free now, less 8 MiB of slack: the pool
# is still 512 MiB (free + domU - headroom > 512), and free memory may only
# go below what it is now by those 8 MiB.  Growing a guest before the
# other released its memory would take free memory 64 MiB lower.  The
# balloon rates drop to 8-16 MiB/s, so that a 64 MiB move takes seconds
# and can be interrupted.  Reloaded through the control socket.
free_now=$(xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }')
headroom=$((free_now - 8))
echo "# xl info free_memory: $free_now MiB; the headroom becomes $headroom MiB"
sed -e "s/headroom=\"0\"/headroom=\"$headroom\"/" \
    -e 's/min-rate="64" max-rate="512"/min-rate="8" max-rate="16"/' \
    /xenplm/policy.xml >/tmp/policy-slow.xml
cp /tmp/policy-slow.xml "$POLICY"
check "xenplm reload: the slow policy with a headroom of $headroom MiB" xenplm reload

# mem_watch TAG: sample free memory and every domain's pages until mem_done.
mem_watch() {
    rm -f "/tmp/mem-$1.stop"
    xenplm-xenmeter mem "/tmp/mem-$1.stop" >"/tmp/mem-$1.out" 2>&1 &
    mem_pid=$!
}
mem_done() {
    : >"/tmp/mem-$1.stop"
    wait "$mem_pid"
    sed 's/^/# /' "/tmp/mem-$1.out"
}
# mem_range TAG WHAT: set $lo and $hi to the least and the most (KiB) of
# free, total, or a domain id, in the sampler's output; empty if missing.
mem_range() {
    case "$2" in
    free | total) mr=$(awk -v w="$2" '$2 == w && $4 ~ /^[0-9]+$/ { print $4, $6 }' "/tmp/mem-$1.out") ;;
    *) mr=$(awk -v d="$2" '$2 == "domain" && $3 == d { print $5, $7 }' "/tmp/mem-$1.out") ;;
    esac
    lo=${mr% *}
    hi=${mr#* }
}
target_mib() {
    t=$(xenstore-read "/local/domain/$(id_of "$1")/memory/target" 2>/dev/null)
    echo $((${t:-0} / MIB))
}
target_below() { [ "$(target_mib "$1")" -lt "$2" ]; }
# at_least DESC KIB FLOOR_KIB
at_least() {
    if [ -n "$2" ] && [ "$2" -ge "$3" ]; then
        ok "$1"
    else
        printf 'got:  %s KiB\nwant: at least %s KiB\n' "${2:-nothing}" "$3" >"$WHY"
        not_ok "$1"
    fi
}
# on_fall NAME MIB WHEN CMD...: in the background, run CMD as soon as
# NAME's memory target falls below MIB MiB, then write "rc=STATUS" and the
# two guests' targets to /tmp/on-fall.out, read just before CMD (WHEN
# "before") or just after it (WHEN "after").  A watch, not a poll: CMD runs
# within a few tens of milliseconds of the daemon's first step on a quiet
# dom0.  On a loaded one each xenstore-read costs a fork and an exec under
# TCG, and reading first let a 64 MiB move finish before a kill: when CMD
# stops the daemon the targets cannot move after it, so "after" shows where
# CMD left them, with nothing between the event and CMD.
on_fall() {
    of_path=/local/domain/$(id_of "$1")/memory/target
    of_below=$(($2 * MIB))
    of_when=$3
    shift 3
    rm -f /tmp/on-fall.out
    (xenstore-watch "$of_path" | while read -r _; do
        t=$(xenstore-read "$of_path" 2>/dev/null) || continue
        if [ "$t" -lt "$of_below" ]; then
            [ "$of_when" = before ] &&
                of_at="guest-a $(target_mib guest-a) MiB, guest-b $(target_mib guest-b) MiB"
            "$@" >/tmp/on-fall.cmd 2>&1
            of_rc=$?
            [ "$of_when" = after ] &&
                of_at="guest-a $(target_mib guest-a) MiB, guest-b $(target_mib guest-b) MiB"
            echo "rc=$of_rc $of_at" >/tmp/on-fall.out
            break
        fi
    done) &
}
fired() { [ -s /tmp/on-fall.out ]; }
start_daemon() {
    xenplmd -F -v -f "$POLICY" --schema "$SCHEMA" --pidfile /run/xenplmd.pid \
        --metrics-dir "$PROM" >>/tmp/xenplmd.log 2>&1 &
    daemon=$!
}

# --- 5. killed (SIGKILL) mid-move and restarted: it converges, nothing lost -------
step "daemon: 5. killed (SIGKILL) mid-move and restarted: it converges, nothing lost"
# guest-b asks for 320 MiB too: levelled, each gets 256, so guest-a gives
# 64 MiB to guest-b.  Once guest-a's target has made its first step down,
# xenplmd is killed; a new one adopts the domains as it finds them (targets
# half-way) and must finish the move to the same grants.
mem_watch move5
on_fall guest-a 320 after kill -9 "$daemon"
request guest-b 3 'cpu pct 50 150\nmem mib 320\n'
# mid_move RESULT A_TO B_TO: whether the targets in RESULT (on_fall's
# line), which have begun to move, were not yet A_TO and B_TO.
mid_move() {
    mm_a=$(echo "$1" | sed -n 's/.*guest-a \([0-9]*\) MiB.*/\1/p')
    mm_b=$(echo "$1" | sed -n 's/.*guest-b \([0-9]*\) MiB.*/\1/p')
    [ -n "$mm_a" ] && [ -n "$mm_b" ] && { [ "$mm_a" != "$2" ] || [ "$mm_b" != "$3" ]; }
}
if wait_until 60 fired; then
    killed_at=$(cat /tmp/on-fall.out)
    echo "# SIGKILL with the targets at $killed_at"
    if mid_move "$killed_at" 256 256; then
        ok "xenplmd killed (SIGKILL) mid-move"
    else
        echo "not mid-move: $killed_at" >"$WHY"
        not_ok "xenplmd killed (SIGKILL) mid-move"
    fi
else
    not_ok "xenplmd killed (SIGKILL) mid-move"
    kill -9 "$daemon"
fi
wait "$daemon" 2>/dev/null
check "its pid file is left behind" test -e /run/xenplmd.pid
t_restart=$(uptime_cs)
start_daemon
# Up to 30 s, as for the first start's xenplm/ subtrees: the start takes
# 4-5 s at load 2, and a loaded host (two README runs and a two-host rig
# on the 2-core machine) made the rig 5 to 7 times slower (its reaction
# median 94 ms against 16; the restart's convergence 54 s against 4-8),
# when 10 s was not enough.
if wait_until 30 xenplm list; then
    ok "xenplmd restarts over the stale pid file and socket"
    timing "restart to the control socket answering" $(($(uptime_cs) - t_restart))
else
    not_ok "xenplmd restarts over the stale pid file and socket"
fi
effect 60 "restarted: guest-a's target reaches 256 MiB" target_is guest-a 256
effect 60 "restarted: guest-b's target reaches 256 MiB" target_is guest-b 256
timing "restart to both targets at 256 MiB" $(($(uptime_cs) - t_restart))
effect 60 "restarted: guest-a holds 256 MiB (xl list)" dom_has_mem guest-a 256
effect 60 "restarted: guest-b holds 256 MiB (xl list)" dom_has_mem guest-b 256
is "guest-a's grant: mem 256" "$(xenstore-read "/local/domain/$a/xenplm/granted" 2>/dev/null)" \
    "$state_a mem 256\\n"
is "guest-b's grant: mem 256" "$(xenstore-read "/local/domain/$b/xenplm/granted" 2>/dev/null)" \
    "$state_b mem 256\\n"
mem_done move5
# Counted in the samples where free memory stood still while the domains
# were read; Xen's own allocations may move a few pages: 4 MiB of slack.
mem_range move5 total
if [ -n "$lo" ] && [ $((hi - lo)) -le 4096 ]; then
    ok "the kill and the restart lost no memory (free + domains: $lo..$hi KiB)"
else
    echo "free + domains: ${lo:-never steady}..$hi KiB" >"$WHY"
    not_ok "the kill and the restart lost no memory"
fi
is "the targets add up to the pool (512 MiB)" $(($(target_mib guest-a) + $(target_mib guest-b))) 512
mem_range move5 free
at_least "host free memory never went below the headroom ($headroom MiB)" "$lo" \
    $((headroom * MIB))
mem_range move5 "$a"
at_least "guest-a never went below its new grant (256 MiB, less 2 MiB)" "$lo" $((254 * MIB))
at_least "guest-a never went below its floor (128 MiB)" "$lo" $((128 * MIB))
mem_range move5 "$b"
at_least "guest-b never went below where it was (192 MiB, less 2 MiB)" "$lo" $((190 * MIB))
at_least "guest-b never went below its floor (128 MiB)" "$lo" $((128 * MIB))

# --- 6. a domain destroyed mid-move: the daemon carries on -------------------------
step "daemon: 6. a domain destroyed mid-move: the daemon carries on"
# guest-b goes back to 160 256: guest-a is to grow back to 320, guest-b to
# shrink to 192.  Once guest-b's target is on its way down, guest-b is
# destroyed.  guest-a, alone, must still get its 320 MiB.
mem_watch move6
mark=$(wc -l </tmp/xenplmd.log)
on_fall guest-b 256 before xl destroy guest-b
request guest-b 4 'cpu pct 50 150\nmem mib 160 256\n'
if wait_until 60 fired; then
    destroyed_at=$(cat /tmp/on-fall.out)
    echo "# xl destroy guest-b with the targets at $destroyed_at"
    cp /tmp/on-fall.cmd "$WHY"
    is "xl destroy guest-b" "${destroyed_at%% *}" rc=0
    if mid_move "$destroyed_at" 320 192; then
        ok "guest-b destroyed mid-move"
    else
        echo "not mid-move: $destroyed_at" >"$WHY"
        not_ok "guest-b destroyed mid-move"
    fi
else
    not_ok "guest-b destroyed mid-move"
    xl destroy guest-b >/dev/null 2>&1
fi
t_destroy=$(uptime_cs)
gone() { ! xenplm list 2>/dev/null | grep -q guest-b; }
effect 30 "the daemon forgets guest-b (xenplm list)" gone
check "xenplm list still answers" xenplm list
sed 's/^/# xenplm list| /' "$WHY"
if xenplm show guest-b >"$WHY" 2>&1; then
    not_ok "xenplm show guest-b: no such domain"
else
    ok "xenplm show guest-b: no such domain"
fi
effect 60 "guest-a's target reaches 320 MiB without guest-b" target_is guest-a 320
effect 60 "guest-a holds 320 MiB (xl list)" dom_has_mem guest-a 320
timing "destroy to guest-a holding 320 MiB" $(($(uptime_cs) - t_destroy))
is "guest-a's grant: mem 320" "$(xenstore-read "/local/domain/$a/xenplm/granted" 2>/dev/null)" \
    "$state_a mem 320\\n"
check "xenplmd still runs" running
mem_done move6
mem_range move6 free
at_least "host free memory never went below the headroom ($headroom MiB)" "$lo" \
    $((headroom * MIB))
mem_range move6 "$a"
at_least "guest-a never went below its floor (128 MiB)" "$lo" $((128 * MIB))
sleep 3 # three ticks: would an error repeat?
tail -n +$((mark + 1)) /tmp/xenplmd.log >/tmp/after-destroy.log
echo "# the daemon's log after the destroy:"
sed 's/^/# xenplmd| /' /tmp/after-destroy.log
n_after=$(wc -l </tmp/after-destroy.log)
# Lines logged at the warning or error level: the debug lines name
# libxl's error codes too ("libxl error -16"), and are not warnings.
n_warn=$(grep -c -E '^[0-9:.]+ [^ ]+ (warning|error): ' /tmp/after-destroy.log)
cp /tmp/after-destroy.log "$WHY"
is "no error loop: at most 3 warnings after the destroy" "$((n_warn <= 3))" 1
is "no error loop: at most 30 log lines after the destroy" "$((n_after <= 30))" 1

# --- vcpu affinity, set by the policy ----------------------------------------------
step "daemon: vcpu affinity from the policy (xl vcpu-list)"
# guest-a alone is left.  Its rule pins it to pCPU 0, hard and soft; the
# daemon sets it on every vcpu up to its maximum, online or not, which xl
# vcpu-list lists all.  Then the rule goes again, and what the daemon set
# goes back to every pCPU (before step 7 moves guest-a to a cpupool of
# pCPU 1 alone, where a hard pin on pCPU 0 could not hold).
# affinity_is NAME "HARD / SOFT" [OR]: every vcpu xl vcpu-list lists for
# NAME shows that affinity (or OR); the listing goes to $WHY on failure.
affinity_is() {
    xl vcpu-list "$1" >/tmp/vcpu-list.out 2>&1 || return 1
    cat /tmp/vcpu-list.out
    n_vcpus=$(awk -v n="$1" '$1 == n' /tmp/vcpu-list.out | wc -l)
    n_want=$(awk -v n="$1" -v w="$2" -v o="${3:-$2}" \
        '$1 == n && ($(NF-2) " / " $NF == w || $(NF-2) " / " $NF == o)' /tmp/vcpu-list.out | wc -l)
    [ "$n_vcpus" -ge 1 ] && [ "$n_vcpus" -eq "$n_want" ]
}
shows_affinity() { xenplm show "$1" | grep -E "^ +affinity +$2\$"; }
sed 's#</domain>#<affinity hard="0" soft="0"/></domain>#' /tmp/policy-slow.xml >/tmp/policy-aff.xml
cp /tmp/policy-aff.xml "$POLICY"
check "xenplm reload: guest-* pinned to pCPU 0" xenplm reload
check "xl vcpu-list: every vcpu of guest-a on pCPU 0, hard and soft" \
    wait_until 30 affinity_is guest-a "0 / 0"
sed 's/^/# xl vcpu-list| /' /tmp/vcpu-list.out
check "xenplm show guest-a: affinity hard 0, soft 0" \
    wait_until 10 shows_affinity guest-a "hard 0, soft 0"
# Back to every pCPU: xl prints "all" for a full map, or the range when
# its map is wider than the host's pCPU numbers.
max_id=$(xl info 2>/dev/null | awk '$1 == "max_cpu_id" { print $3 }')
cp /tmp/policy-slow.xml "$POLICY"
check "xenplm reload: no affinity" xenplm reload
check "xl vcpu-list: guest-a's vcpus back on every pCPU" \
    wait_until 30 affinity_is guest-a "all / all" "0-${max_id:-1} / 0-${max_id:-1}"
sed 's/^/# xl vcpu-list| /' /tmp/vcpu-list.out

# --- 7. caps, under credit and then credit2 (a second cpupool) --------------------
step "daemon: 7. caps, under credit and then credit2 (a second cpupool)"
# The CPU enforcement becomes weight and cap.  guest-a asks 120 pct in
# Pool-0 (credit); then pCPU 1 leaves Pool-0 for a new cpupool running
# credit2, guest-a moves there, and asks 60 pct.
sed 's#<enforce>weight</enforce>#<enforce>both</enforce>#' /tmp/policy-slow.xml >/tmp/policy-cap.xml
cp /tmp/policy-cap.xml "$POLICY"
check "xenplm reload: weight and cap" xenplm reload
request guest-a 40 'cpu pct 120\nmem mib 320\n'
# sched_is / sched2_is NAME "WEIGHT CAP": what xl shows (in $WHY on failure).
sched_is() {
    si=$(sched_credit "$1")
    echo "xl sched-credit: weight and cap $si"
    [ "$si" = "$2" ]
}
sched2_is() {
    si=$(sched_credit2 "$1")
    echo "xl sched-credit2: weight and cap $si"
    [ "$si" = "$2" ]
}
effect 30 "credit: guest-a's weight 307 and cap 120" sched_is guest-a "307 120"
check "xl cpupool-cpu-remove Pool-0 1" xl cpupool-cpu-remove Pool-0 1
printf 'name = "xenplm-c2"\nsched = "credit2"\ncpus = "1"\n' >/tmp/c2.cfg
check "xl cpupool-create: a credit2 pool on pCPU 1" xl cpupool-create /tmp/c2.cfg
check "xl cpupool-migrate guest-a to it" xl cpupool-migrate guest-a xenplm-c2
xl cpupool-list 2>/dev/null | sed 's/^/# cpupools| /'
echo "# guest-a in the credit2 pool: xl sched-credit2 says $(sched_credit2 guest-a)" \
    "(Xen starts a migrated domain with its new scheduler's defaults)"
request guest-a 41 'cpu pct 60\nmem mib 320\n'
effect 30 "credit2: guest-a's weight 153 and cap 60" sched2_is guest-a "153 60"
effect 30 "credit2: guest-a is down to one vcpu in the guest" guest_has_cpus guest-a 1
is "guest-a's grant: cpu 60, 1 vcpu" "$(xenstore-read "/local/domain/$a/xenplm/granted" 2>/dev/null)" \
    'cpu 60 vcpus 1 mem 320\n'

# --- 8. a guest without a balloon driver ---------------------------------------------
step "daemon: 8. a guest without a balloon driver"
# dom0 says guest-a has none (as a RHEL guest, whose kernel has no
# xen-balloon, would leave it): guest-a keeps the memory it holds, its
# target is never set, its memory levels are answered "ok: no balloon";
# the key back to 1 (a driver loaded late), its memory moves again.
target_a=$(xenstore-read "/local/domain/$a/memory/target" 2>/dev/null)
check "dom0 writes guest-a's control/feature-balloon = 0" \
    xenstore-write "/local/domain/$a/control/feature-balloon" 0
check "xenplm list says guest-a has no balloon" wait_until 10 no_balloon_listed guest-a
sed 's/^/# xenplm list| /' "$WHY"
request guest-a 42 'cpu pct 60\nmem mib 192\n'
status_nobal() {
    xs_is "/local/domain/$a/xenplm/seq" "$1\\n" &&
        xenstore-read "/local/domain/$a/xenplm/status" 2>/dev/null | grep -q '^ok: no balloon'
}
effect 30 "guest-a's request seq 42 is answered 'ok: no balloon ...'" status_nobal 42
sleep 5 # five ticks: would the daemon move it?
is "guest-a's memory target is not moved without a balloon" \
    "$(xenstore-read "/local/domain/$a/memory/target" 2>/dev/null)" "$target_a"
grant_a=$(xenstore-read "/local/domain/$a/xenplm/granted" 2>/dev/null)
echo "# guest-a's grant without a balloon: $grant_a (target $target_a KiB)"
# What it holds (xl's actual, in MiB, as the arbiter rounds it), within a
# few MiB of its target: not the 192 it asked.
held_mib=$(echo "$grant_a" | sed -n 's/.* mem \([0-9]*\).*/\1/p')
is "guest-a's grant is what it holds, not the 192 MiB it asked" \
    "$((${held_mib:-0} > target_a / MIB - 32 && ${held_mib:-0} <= target_a / MIB + 16))" 1
check "dom0 writes guest-a's control/feature-balloon = 1" \
    xenstore-write "/local/domain/$a/control/feature-balloon" 1
t_written=$(uptime_cs)
rq_name=guest-a
effect 60 "with its balloon back, guest-a's target falls to 192 MiB" target_is guest-a 192

# --- 9. a PVH guest, where Xen under QEMU offers HVM ---------------------------------
step "daemon: 9. a PVH guest"
virt_caps=$(xl info 2>/dev/null | sed -n 's/^virt_caps *: *//p')
xen_caps=$(xl info 2>/dev/null | sed -n 's/^xen_caps *: *//p')
echo "# xl info: virt_caps: $virt_caps"
echo "# xl info: xen_caps: $xen_caps"
xl dmesg 2>/dev/null | grep -i -E 'svm|hvm|vmx|hap' | head -n 12 | sed 's/^/# xl dmesg| /'
# Left out unless XENPLM_XEN_PVH=1 (boot.sh passes it as XENPLM_PVH): under
# QEMU's emulated SVM (TCG), a PVH guest has hung Xen for good, dom0 with
# it, on both rows: Debian 13's (Xen 4.20) in 2 of 6 boots, its console
# silent right after `xl create`; Xen 4.17's once, in a CI run at a load
# of 13, where the guest triple-faulted in its early boot and Xen stopped
# in the middle of dumping its state.  That is the emulation, not xenplm:
# nothing of the guest had reached the daemon but its domain id.
case "${XENPLM_PVH:-0} $virt_caps " in
"0 "*)
    skip_test "a PVH guest" "left out (XENPLM_XEN_PVH=1 runs it): under QEMU's emulated SVM a PVH guest has hung Xen for good, dom0 with it (4.20: 2 of 6 boots; 4.17: once, a triple fault in the guest's early boot)"
    ;;
*" hvm "*)
    make_cfg guest-p
    sed -i 's/^type = "pv"$/type = "pvh"/' /tmp/guest-p.cfg
    rm -f /var/log/xen/console/guest-guest-p.log
    if xl create /tmp/guest-p.cfg >"$WHY" 2>&1; then
        ok "xl create a PVH guest (type = \"pvh\")"
        p=$(dom_id guest-p)
        if wait_until 120 guest_report guest-p; then
            ok "the PVH guest booted and reports on its console"
            timing "PVH guest boot" "$waited"
        else
            not_ok "the PVH guest booted and reports on its console"
        fi
        # A PVH guest that says nothing is not counted on; one whose key
        # says 1 (as Windows PV drivers write it) is.
        check "the daemon takes the PVH guest, which says nothing, as without a balloon" \
            wait_until 20 no_balloon_listed guest-p
        xenstore-write "/local/domain/$p/control/feature-balloon" 1
        check "with control/feature-balloon = 1, the daemon sees the PVH guest's balloon" \
            wait_until 10 sees_balloon guest-p
        xl list guest-p 2>/dev/null | sed 's/^/# xl list| /'
        xl destroy guest-p >/dev/null 2>&1
    else
        sed 's/^/# xl create| /' "$WHY"
        not_ok "xl create a PVH guest (type = \"pvh\")"
    fi
    ;;
*)
    skip_test "a PVH guest" "Xen offers no HVM here (virt_caps: ${virt_caps:-none})"
    ;;
esac
# Back to step 7's state for the metrics checked at the stop: guest-a at
# 320 MiB (the PVH guest took memory behind the daemon's back, and step 8
# shrank it).
request guest-a 43 'cpu pct 60\nmem mib 320\n'
effect 90 "guest-a's target is back at 320 MiB" target_is guest-a 320
effect 90 "guest-a holds 320 MiB again (xl list)" dom_has_mem guest-a 320

# --- stop ----------------------------------------------------------------------------
step "daemon: stop"
kill "$daemon" 2>/dev/null
stopped() { ! running; }
check "xenplmd exits on SIGTERM" wait_until 10 stopped
watch_stop "$WLOG"
check "xenplmd removed its pid file" test ! -e /run/xenplmd.pid

# The metrics file the daemon left at its stop: step 7's grants, guest-a
# answered (the restarted daemon's reactions: requests 40 and 41 at
# least), and only the file itself in the directory.
prom_has() { # (the file's samples of that name, on failure)
    grep -qxF "$1" "$PROM/xenplm.prom" || { grep "^${1%%\{*}" "$PROM/xenplm.prom"; return 1; }
}
prom_value() { sed -n "s/^$1 //p" "$PROM/xenplm.prom"; }
check "the daemon left its metrics file, $PROM/xenplm.prom" test -s "$PROM/xenplm.prom"
is "no temporary file left in $PROM" "$(ls -A "$PROM")" xenplm.prom
for want in \
    "xenplm_domain_cpu_granted_cpus{domain=\"guest-a\",domid=\"$a\"} 0.6" \
    "xenplm_domain_memory_granted_bytes{domain=\"guest-a\",domid=\"$a\"} $((320 * 1048576))" \
    "xenplm_domain_vcpus_online{domain=\"guest-a\",domid=\"$a\"} 1" \
    "xenplm_domain_status{domain=\"guest-a\",domid=\"$a\",status=\"ok\"} 1"; do
    check "metrics: $want" prom_has "$want"
done
n_react=$(prom_value xenplm_reaction_seconds_count)
is "metrics: the restarted daemon's reactions counted (at least 2)" "$((${n_react:-0} >= 2))" 1
echo "# metrics: reactions ${n_react:-none}, in $(prom_value xenplm_reaction_seconds_sum) s"
sed 's/^/# prom| /' "$PROM/xenplm.prom"
echo "# --- xenplmd log (last lines) ---"
tail -n 60 /tmp/xenplmd.log | sed 's/^/# xenplmd| /'

destroy_guests guest-a

# Leave the host as the next scenario expects it: both pCPUs in Pool-0.
restore_pool() {
    xl cpupool-destroy xenplm-c2 && xl cpupool-cpu-add Pool-0 1 &&
        [ "$(xl cpupool-list Pool-0 2>/dev/null | awk 'NR == 2 { print $2 }')" = 2 ]
}
if xl cpupool-list xenplm-c2 >/dev/null 2>&1; then
    check "xl cpupool-destroy xenplm-c2: pCPU 1 back in Pool-0" restore_pool
fi
