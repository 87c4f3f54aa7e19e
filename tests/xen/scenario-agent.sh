# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2154 # $waited: set by wait_until
# Scenario 30, the guest agent: xenplm-agent runs in both guests with real
# goals (tests/xen/goals-a.xml and goals-b.xml, one sample a second), and
# xenplmd in dom0 with the rig's policy (a CPU pool of 200; a memory pool
# held to what the guests have at the start plus 8 MiB, by a headroom that
# binds).  Nothing in the guests writes a request but the agent, and
# nothing onlines a vcpu but the agent (domu-init.sh leaves that to it
# when it runs one).  Sourced in dom0 after /xenplm/lib.sh (lib-dom0.sh).
#
# 0. both agents start at boot and publish before the daemon runs; the
#    daemon reads and accepts their requests;
# 1. guest-a's latency probe (a file the scenario writes in the guest)
#    goes over its target: the agent asks for more CPU, period after
#    period, up to its two vcpus; the daemon grants it (xenplm/granted,
#    the credit weight) and hot-plugs the second vcpu, which the agent
#    onlines in the guest (cpu1/online, nproc);
# 2. the probe goes well under the target: after a hold, the agent gives
#    the CPU back a little each period, and the grant and the weight
#    follow it down;
# 3. guest-b fills a tmpfs, which takes memory from MemAvailable: its
#    agent asks for more (priority 1), guest-a's priority-2 memory is
#    ballooned down first, then guest-b's target and MemTotal rise; free
#    memory never goes below the headroom (xenplm-xenmeter mem);
# 4. `xenplm-agent status` in each guest shows the request, status ok and
#    the grant; the agents' seq advanced and xenplm/seq acknowledges the
#    last request; no rejection anywhere.
# Each effect is timed from the guest's ack of the command that changed
# the probe or filled the tmpfs (seen by a xenstore watch in dom0).

MIB=1024 # KiB
SCHEMA=/usr/share/xenplm/xenplm-policy.xsd
POLICY=/tmp/policy-agent.xml
WLOG=/tmp/agent-writes
# MiB that guest-b writes to its tmpfs: less than its MemAvailable (about
# 105 MiB at 192 MiB), or the OOM killer would race the balloon.
FILL=64

# phase_done NAME: how long the part of the scenario just over took.
t_phase=$(uptime_cs)
t_scenario=$t_phase
phase_done() {
    timing "agent scenario: $1" $(($(uptime_cs) - t_phase))
    t_phase=$(uptime_cs)
}

# shellcheck disable=SC2034 # read by make_cfg (lib-dom0.sh)
AGENT_GOALS=yes # the guests run xenplm-agent (domu-init.sh)
start_guests guest-a guest-b
a=$(guest_id guest-a)
b=$(guest_id guest-b)
echo "# guest-a is domain $a, guest-b is domain $b"

# --- helpers ---------------------------------------------------------------------
# Domain ids, looked up once: xl is slow under TCG, too slow to poll with.
id_of() {
    case "$1" in
    guest-a) echo "$a" ;;
    guest-b) echo "$b" ;;
    esac
}
# agent_log NAME: the agent's lines on the guest's console.
# Its lines read "HH:MM:SS.mmm xenplm-agent LEVEL: MESSAGE" (the guest's
# clock).
agent_log() {
    tr -d '\r' <"/var/log/xen/console/guest-$1.log" | grep ' xenplm-agent [a-z]*: '
}
agent_started() { agent_log "$1" | grep -q ' xenplm-agent [a-z]*: started: '; }
# gt A B: whether the amount A is above B (amounts may have decimals).
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
# request NAME: the guest's request as xenstore-read shows it (one line).
request() { xenstore-read "/local/domain/$(id_of "$1")/data/xenplm/request" 2>/dev/null; }
# req_levels NAME cpu|mem: the levels of that line of the request.
req_levels() {
    request "$1" | sed -n "s/.*\\\\n$2 [a-z]* \\([0-9. ]*\\)\\\\n.*/\\1/p"
}
# req_top NAME RES: the last level (what all the goals need together).
req_top() { req_levels "$1" "$2" | awk '{ print $NF }'; }
req_seq() { request "$1" | sed -n 's/.*\\nseq \([0-9]*\)\\n.*/\1/p'; }
# granted NAME cpu|vcpus|mem: that field of xenplm/granted.
granted() {
    echo " $(xenstore-read "/local/domain/$(id_of "$1")/xenplm/granted" 2>/dev/null)" |
        sed -n "s/.* $2 \\([0-9.]*\\).*/\\1/p"
}
weight() { sched_credit "$1" | cut -d' ' -f1; }
target_mib() {
    t=$(xenstore-read "/local/domain/$(id_of "$1")/memory/target" 2>/dev/null)
    echo $((${t:-0} / MIB))
}
# answered NAME: the daemon read the guest's current request and took it.
answered() {
    hs=$(req_seq "$1")
    echo "request seq $hs; xenplm/seq $(xenstore-read "/local/domain/$(id_of "$1")/xenplm/seq" 2>/dev/null)"
    [ -n "$hs" ] && xs_is "/local/domain/$(id_of "$1")/xenplm/seq" "$hs\\n" &&
        xs_is "/local/domain/$(id_of "$1")/xenplm/status" 'ok\n'
}
# mem_settled NAME: the memory target is the granted memory.
mem_settled() {
    hm=$(granted "$1" mem)
    echo "granted mem $hm MiB, target $(target_mib "$1") MiB"
    [ -n "$hm" ] && [ "$(target_mib "$1")" = "${hm%.*}" ]
}
req_cpu_above() { hr=$(req_top "$1" cpu); echo "cpu request $hr"; gt "$hr" "$2"; }
req_cpu_below() { hr=$(req_top "$1" cpu); echo "cpu request $hr"; gt "$2" "$hr"; }
req_cpu_is() { hr=$(req_top "$1" cpu); echo "cpu request $hr"; [ "$hr" = "$2" ]; }
req_mem_at_least() { hr=$(req_top "$1" mem); echo "mem request $hr"; ge "$hr" "$2"; }
grant_above() { hg=$(granted "$1" "$2"); echo "granted $2 $hg"; [ -n "$hg" ] && gt "$hg" "$3"; }
grant_below() { hg=$(granted "$1" "$2"); echo "granted $2 $hg"; [ -n "$hg" ] && gt "$3" "$hg"; }
grant_at_least() { hg=$(granted "$1" "$2"); echo "granted $2 $hg"; [ -n "$hg" ] && ge "$hg" "$3"; }
weight_above() { hw=$(weight "$1"); echo "weight $hw"; [ -n "$hw" ] && [ "$hw" -gt "$2" ]; }
weight_below() { hw=$(weight "$1"); echo "weight $hw"; [ -n "$hw" ] && [ "$hw" -lt "$2" ]; }
target_below() { echo "target $(target_mib "$1") MiB"; [ "$(target_mib "$1")" -lt "$2" ]; }
target_at_least() { echo "target $(target_mib "$1") MiB"; [ "$(target_mib "$1")" -ge "$2" ]; }

# set_probe VALUE: guest-a's latency probe now reads VALUE (written aside
# and renamed, so that the agent never reads half a file).  Sets $t_ref to
# the moment the guest marked the change in xenstore, just before making
# it, as dom0's watch saw it.
set_probe() {
    t_cmd=$(uptime_cs)
    is "guest-a: the probe reads $1" \
        "$(guest_sh guest-a "xenstore-write data/xenplm-test/mark probe-$1 && echo $1 >/run/latency.new && mv /run/latency.new /run/latency && cat /run/latency")" "$1"
    t_ref=$(logged_at "$WLOG" "$t_cmd" "/local/domain/$a/data/xenplm-test/mark" "probe-$1")
    t_ref=${t_ref:-$t_cmd}
}

# first_write PATH TEST: the time (dom0's uptime, cs) of the first write
# of PATH at or after $t_ref whose line passes the awk TEST ($3 is the
# value), as dom0's watch logged it.
first_write() {
    awk -v since="$t_ref" -v path="$1" "\$2 == path && int(\$1 * 100 + 0.5) >= since && $2 {
        t = int(\$1 * 100 + 0.5); if (best == \"\" || t < best) best = t }
        END { if (best != \"\") print best }" "$WLOG"
}

# watched_at NAME DESC PATH TEST: a figure, from $t_ref to that write.
watched_at() {
    wa=$(first_write "$3" "$4")
    if [ -n "$wa" ]; then
        timing "$ref_name -> $1: $2 [watch]" $((wa - t_ref))
    else
        echo "# $1: $2: not seen in the watch log"
    fi
}

# effect SECONDS DESC CMD...: wait for an effect, timed from $t_ref (in
# $ref_name); polled, so an upper bound (0.1 s plus the tools' own time).
effect() {
    e_limit=$1
    e_desc=$2
    shift 2
    if wait_until "$e_limit" "$@"; then
        ok "$e_desc"
        timing "$ref_name -> $e_desc [polled]" $(($(uptime_cs) - t_ref))
    else
        not_ok "$e_desc"
    fi
}

# mem_watch TAG / mem_done TAG: sample free memory and every domain's
# pages (xenplm-xenmeter mem) in between; mem_free_min TAG: the least free.
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
mem_free_min() { awk '$2 == "free" && $4 ~ /^[0-9]+$/ { print $4 }' "/tmp/mem-$1.out"; }
at_least() { # at_least DESC KIB FLOOR_KIB
    if [ -n "$2" ] && [ "$2" -ge "$3" ]; then
        ok "$1"
    else
        printf 'got:  %s KiB\nwant: at least %s KiB\n' "${2:-nothing}" "$3" >"$WHY"
        not_ok "$1"
    fi
}

phase_done "the guests boot"

# --- 0. the agents start, publish, and are answered ------------------------------------
step "agent: 0. the agents start, publish, and are answered"
for g in guest-a guest-b; do
    if wait_until 60 agent_started "$g"; then
        ok "$g: xenplm-agent started with its goals"
    else
        tr -d '\r' <"/var/log/xen/console/guest-$g.log" | tail -n 20 >"$WHY"
        not_ok "$g: xenplm-agent started with its goals"
    fi
    agent_log "$g" | head -n 3 | sed "s/^/# $g| /"
    check "$g: the agent publishes a request before the daemon runs" \
        wait_until 30 xenstore-exists "/local/domain/$(id_of "$g")/data/xenplm/request"
    echo "# $g's request: $(request "$g")"
done
seq0_a=$(req_seq guest-a)
seq0_b=$(req_seq guest-b)
# In the band where the goal is met (200 - 40 < 180 <= 200): the agent
# holds what the guest has.
WLOG_PATTERNS="*/data/xenplm/request */xenplm/seq */xenplm/status */xenplm/granted */memory/target */cpu/1/availability */data/xenplm-test/ack */data/xenplm-test/mark */data/xenplm-test/state"
# shellcheck disable=SC2086 # the patterns are words
watch_log "$WLOG" $WLOG_PATTERNS
set_probe 180

# The memory pool becomes what the guests hold now plus 8 MiB: the
# headroom is what Xen has free, less 8 MiB.  Whatever guest-b gains after
# that, guest-a must give up first.
check "the rig's policy loads in dom0" xenplmd -n -f /xenplm/policy.xml --schema "$SCHEMA"
free_now=$(xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }')
headroom=$((free_now - 8))
sed "s/headroom=\"0\"/headroom=\"$headroom\"/" /xenplm/policy.xml >"$POLICY"
echo "# xl info free_memory: $free_now MiB; the headroom is $headroom MiB"

t_start=$(uptime_cs)
xenplmd -F -v -f "$POLICY" --schema "$SCHEMA" --pidfile /run/xenplmd.pid \
    >/tmp/xenplmd-agent.log 2>&1 &
daemon=$!
running() {
    [ -d "/proc/$daemon" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$daemon/status"
}
t_ref=$t_start
ref_name="daemon start"
for g in guest-a guest-b; do
    effect 30 "$g: the daemon accepts the agent's request (xenplm/status ok, xenplm/seq)" \
        answered "$g"
done
check "xenplmd -F runs" running
# Any memory the daemon moves now moves on during step 1: step 3 waits
# for it.

phase_done "0, the agents start and the daemon answers them"

# --- 1. the latency goal is missed: more CPU, a second vcpu onlined by the agent -------
step "agent: 1. the latency goal is missed: more CPU, a second vcpu onlined by the agent"
wa0=$(weight guest-a)
ga0=$(granted guest-a cpu)
is "guest-a: one vcpu online in the guest before" "$(guest_cpus guest-a)" 1
echo "# guest-a before: granted cpu $ga0, weight $wa0, request $(request guest-a)"
set_probe 400
ref_name="probe over target"
effect 30 "guest-a: the agent asks for more CPU" req_cpu_above guest-a "$ga0"
effect 30 "guest-a: xenplm/granted cpu rises above $ga0" grant_above guest-a cpu "$ga0"
effect 30 "guest-a: its credit weight rises above $wa0" weight_above guest-a "$wa0"
effect 30 "guest-a: granted 2 vcpus" grant_at_least guest-a vcpus 2
effect 30 "guest-a: 2 vcpus (xl list)" dom_has_vcpus guest-a 2
effect 30 "guest-a: the agent onlines the second vcpu (2 CPUs online in the guest)" \
    guest_has_cpus guest-a 2
is "guest-a: cpu1/online is 1, nproc says 2" \
    "$(guest_sh guest-a 'cat /sys/devices/system/cpu/cpu1/online; nproc' | tr '\n' ' ')" "1 2 "
vcpu_onlined() { agent_log guest-a | grep 'brought 1 granted vcpu online'; }
check "guest-a: the agent logged bringing the granted vcpu online" wait_until 10 vcpu_onlined
effect 60 "guest-a: the request keeps rising while the goal is missed, to its ceiling (200)" \
    req_cpu_is guest-a 200
# Levelled: guest-a asks for more than is left, so it gets all of it.
grant_rest() {
    hg=$(granted guest-a cpu)
    hb=$(granted guest-b cpu)
    echo "granted cpu: guest-a $hg, guest-b $hb"
    [ -n "$hg" ] && [ -n "$hb" ] && awk -v a="$hg" -v b="$hb" 'BEGIN { exit !(a + b == 200) }'
}
effect 30 "guest-a: its grant follows, to all guest-b leaves (the two add up to 200)" grant_rest
watched_at guest-a "a higher request" "/local/domain/$a/data/xenplm/request" 1
watched_at guest-a "xenplm/granted with 2 vcpus" "/local/domain/$a/xenplm/granted" '/vcpus 2/'
watched_at guest-a "vcpu 1 made available" "/local/domain/$a/cpu/1/availability" "\$3 == \"online\""
watched_at guest-a "2 CPUs online in the guest (its report)" \
    "/local/domain/$a/data/xenplm-test/state" "\$4 == \"cpus=2\""
# What went on, in dom0's time from the probe: the agent's requests, the
# daemon's answers, the vcpu made available.
awk -v t0="$t_ref" -v dom="/local/domain/$a/" '
    index($2, dom) == 1 && $2 !~ /xenplm-test/ && int($1 * 100 + 0.5) >= t0 {
        v = $0; sub(/^[^ ]* [^ ]* ?/, "", v); gsub(/xenplm-request 1\\n/, "", v)
        printf "# guest-a +%.2f s %s %s\n", $1 - t0 / 100, substr($2, length(dom) + 1), v
    }' "$WLOG" | sort -t+ -k2 -n
peak_g=$(granted guest-a cpu)
peak_w=$(weight guest-a)
echo "# guest-a at the peak: granted $(xenstore-read "/local/domain/$a/xenplm/granted"), weight $peak_w;" \
    "guest-b: granted $(xenstore-read "/local/domain/$b/xenplm/granted"), weight $(weight guest-b)"

phase_done "1, CPU up"

# --- 2. the goal is over-achieved: the CPU goes back, slowly ----------------------------
step "agent: 2. the goal is over-achieved: the CPU goes back, slowly"
# The probe stays there: the agent goes on giving CPU back during steps 3
# and 4.
set_probe 50
t_under=$t_ref
ref_name="probe under target"
effect 60 "guest-a: the agent asks for less CPU" req_cpu_below guest-a 200
effect 30 "guest-a: xenplm/granted cpu falls below $peak_g" grant_below guest-a cpu "$peak_g"
effect 30 "guest-a: its credit weight falls below $peak_w" weight_below guest-a "$peak_w"
effect 60 "guest-a: its request falls to 172 or less" req_cpu_below guest-a 172.001
# That check read the request from xenstore; the watch log below reads it
# in the background, a moment behind, and on a loaded dom0 it had not yet
# logged the request at 172 or less when the count was made (a CI run:
# "2 publishes down", the log ending at 181).  Wait until it holds the
# request the check saw (its seq), so that the count sees the whole way.
seq_down=$(req_seq guest-a)
logged_seq() {
    awk -v path="/local/domain/$a/data/xenplm/request" -v want="$1" '
        $2 == path && match($0, /seq [0-9]+/) && substr($0, RSTART + 4, RLENGTH - 4) + 0 >= want { f = 1 }
        END { exit !f }' "$WLOG"
}
if [ -n "$seq_down" ] && ! wait_until 10 logged_seq "$seq_down"; then
    echo "# the watch log never showed guest-a's request seq $seq_down"
fi
# The cpu levels guest-a published, keyed by the request's own seq: "SEQ
# CS LEVEL" a line, one per seq, in seq order.  The watch log stamps each
# write when its event comes but reads the value a moment later (in the
# background), so on a loaded dom0 a value may be read after the next
# write has replaced it: a publish can be missing from the log, or logged
# twice.  Each request carries its seq, so a gap in the seqs counts the
# publishes the log did not see, and a fall across a gap of G publishes is
# judged per publish (the G-th root of the ratio).  CS is the earliest
# event that read that seq: a lower bound of when it was written.
awk -v path="/local/domain/$a/data/xenplm/request" '
    $2 == path && match($0, /seq [0-9]+/) {
        s = substr($0, RSTART + 4, RLENGTH - 4) + 0
        if (!match($0, /cpu pct [0-9.]+/))
            next
        t = int($1 * 100 + 0.5)
        if (!(s in at) || t < at[s]) at[s] = t
        lvl[s] = substr($0, RSTART + 8, RLENGTH - 8)
    }
    END { for (s in at) print s, at[s], lvl[s] }' "$WLOG" | sort -n >/tmp/agent-down
sed 's/^/# guest-a request (seq, cs, cpu level): /' /tmp/agent-down
# steps: how many publishes it took from the last one at the peak (200)
# to the first at 172 or less; biggest: the largest fall per publish, in %
# of the level before; first: from the probe to the earliest event that
# read a seq past the peak.
# Down to 172 only: 5 % of a level below 100 is no more than the
# deadband, and then one publish carries two periods' falls.
# root(R, G): the G-th root of R (0 < R <= 1), by bisection: dom0's
# busybox awk has no exp() or log().
down=$(awk -v t0="$t_under" '
    function root(r, g,    lo, hi, m, p, k, n) {
        lo = 0; hi = 1
        for (n = 0; n < 40; n++) {
            m = (lo + hi) / 2; p = 1
            for (k = 0; k < g; k++) p *= m
            if (p < r) lo = m; else hi = m
        }
        return lo
    }
    { seq[NR] = $1; at[NR] = $2; lvl[NR] = $3 }
    END {
        peak = 0
        for (i = 1; i <= NR; i++)
            if (lvl[i] >= 200) peak = i
        steps = 0; big = 0; first = -1
        for (i = peak + 1; peak > 0 && i <= NR; i++) {
            if (first < 0 || at[i] - t0 < first) first = at[i] - t0
            if (lvl[i - 1] <= 172) continue
            gap = seq[i] - seq[i - 1]
            if (lvl[i] < lvl[i - 1] && gap > 0) {
                steps += gap
                f = (1 - root(lvl[i] / lvl[i - 1], gap)) * 100
                if (f > big) big = f
            }
        }
        printf "%d %d %d\n", steps, big + 0.999, first
    }' /tmp/agent-down)
steps=${down%% *}
biggest=$(echo "$down" | cut -d' ' -f2)
first_fall=${down##* }
echo "# $steps publishes down (counted by seq), the largest fall $biggest % a publish," \
    "the first $(secs "${first_fall#-}") s after the probe"
is "guest-a: slowly: at least 3 requests on the way down to 172" "$((steps >= 3))" 1
is "guest-a: slowly: no step down by more than 10 %" "$((biggest <= 10))" 1
is "guest-a: not at once: the first step down comes 2 s or more after the probe" \
    "$((first_fall >= 200))" 1
timing "probe under target -> the agent's first lower request" "$first_fall"

phase_done "2, CPU down"

# --- 3. memory pressure in guest-b: guest-a shrinks first, then guest-b grows ---------
step "agent: 3. memory pressure in guest-b: guest-a shrinks first, then guest-b grows"
# First what the daemon's start set moving: each target at its grant.
t_ref=$t_start
ref_name="daemon start"
for g in guest-a guest-b; do
    effect 60 "$g: its memory target is its grant" mem_settled "$g"
done
tA0=$(target_mib guest-a)
tB0=$(target_mib guest-b)
mB0=$(guest_mem_kib guest-b)
rB0=$(req_top guest-b mem)
# Free memory and every domain's, sampled every 10 ms from here to the end
# of the move (not all along: the sampler competes for dom0's vcpus).
mem_watch fill
# What the pool has spare: guest-b may grow by that much with no one
# shrinking; beyond it, only with what guest-a gives up.
free_fill=$(xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }')
spare=$((free_fill - headroom))
echo "# before the fill: guest-a target $tA0 MiB, guest-b target $tB0 MiB," \
    "MemTotal $mB0 KiB, mem request $rB0 MiB; $spare MiB spare in the pool"
t_cmd=$(uptime_cs)
# The guest marks the start in xenstore: the agent sees MemAvailable fall
# while dd still writes, and the daemon moves before the command is over.
# (One line: guest-cmd.sh's commands cannot hold a line feed.)
guest_sh guest-b "xenstore-write data/xenplm-test/mark fill && dd if=/dev/zero of=/dev/shm/fill bs=1M count=$FILL 2>&1 | tail -n 1; grep MemAvailable /proc/meminfo" \
    >/tmp/fill.out 2>&1
sed 's/^/# guest-b| /' /tmp/fill.out
cp /tmp/fill.out "$WHY"
check "guest-b: $FILL MiB written to its tmpfs" grep -q "^$FILL+0 records out" /tmp/fill.out
t_ref=$(logged_at "$WLOG" "$t_cmd" "/local/domain/$b/data/xenplm-test/mark")
t_ref=${t_ref:-$t_cmd}
ref_name="tmpfs fill started"
# Not by all of it: MemAvailable counts some memory the kernel keeps
# back, and the guest grows while dd writes.
effect 30 "guest-b: the agent asks for more memory (by $((FILL / 2)) MiB or more)" \
    req_mem_at_least guest-b "$(awk -v r="$rB0" -v f="$FILL" 'BEGIN { print r + f / 2 }')"
effect 60 "guest-a is ballooned down (its target falls below $tA0 MiB)" target_below guest-a "$tA0"
rB1=$(req_top guest-b mem)
effect 60 "guest-b's target rises to its request ($rB1 MiB, less the 16 MiB unit)" \
    target_at_least guest-b "$(awk -v r="$rB1" 'BEGIN { printf "%d", r - 16 }')"
grow=$(($(target_mib guest-b) - tB0))
effect 60 "guest-b's MemTotal rises with it (by $((grow - 8)) MiB or more)" \
    guest_mem_above guest-b $((mB0 + (grow - 8) * MIB))
watched_at guest-b "its MemTotal up by $((grow - 8)) MiB (its report)" \
    "/local/domain/$b/data/xenplm-test/state" \
    "substr(\$3, 9) + 0 >= $((mB0 + (grow - 8) * MIB))"
effect 60 "guest-a: its grant is its memory target" mem_settled guest-a
effect 60 "guest-b: its grant is its memory target" mem_settled guest-b
tA1=$(target_mib guest-a)
tB1=$(target_mib guest-b)
echo "# after: guest-a target $tA1 MiB, guest-b target $tB1 MiB," \
    "MemTotal $(guest_mem_kib guest-b) KiB, request $(request guest-b)"
is "guest-b grew beyond the pool's spare ($spare MiB) by what guest-a gave up" \
    "$((tB1 - tB0 > spare && tB1 - tB0 - spare <= tA0 - tA1))" 1
# Shrink before grow: guest-b's target went past what the spare allows
# only after guest-a's had fallen (from the daemon's writes, as dom0's
# watch saw them).
t_fell=$(first_write "/local/domain/$a/memory/target" "\$3 < $((tA0 * MIB))")
t_past=$(first_write "/local/domain/$b/memory/target" "\$3 > $(((tB0 + spare) * MIB))")
echo "# after the fill began: guest-a's target first fell at +$(secs $((${t_fell:-0} - t_ref))) s," \
    "guest-b's first went past the spare at +$(secs $((${t_past:-0} - t_ref))) s"
if [ -n "$t_fell" ] && [ -n "$t_past" ] && [ "$t_fell" -le "$t_past" ]; then
    ok "guest-a was ballooned down before guest-b grew past the spare"
else
    echo "guest-a down at ${t_fell:-never}, guest-b past the spare at ${t_past:-never}" >"$WHY"
    not_ok "guest-a was ballooned down before guest-b grew past the spare"
fi
mem_done fill
at_least "host free memory never went below the headroom ($headroom MiB)" \
    "$(mem_free_min fill)" $((headroom * MIB))

phase_done "3, memory"

# --- 4. status, seq, no rejection -------------------------------------------------------
step "agent: 4. status, seq, no rejection"
for g in guest-a guest-b; do
    guest_sh "$g" 'xenplm-agent status' >/tmp/status-$g.out 2>&1
    sed "s/^/# $g status| /" /tmp/status-$g.out
    status_shows() {
        grep -q '^request (data/xenplm/request):' "/tmp/status-$1.out" &&
            grep -q -E '^(cpu pct|mem mib) [0-9]' "/tmp/status-$1.out" &&
            grep -q '^status: ok$' "/tmp/status-$1.out" &&
            grep -q '^granted: cpu [0-9.]* vcpus [0-9]* mem [0-9.]*$' "/tmp/status-$1.out"
    }
    check "$g: xenplm-agent status shows the request, status ok and the grant" status_shows "$g"
    check "$g: xenplm/seq acknowledges the agent's last request" wait_until 10 answered "$g"
    seq_now=$(req_seq "$g")
    # guest-a asked for more CPU and then gave it back in 3 or more steps:
    # 4 publishes at least.  guest-b raised its memory request, in one
    # publish or more (the deadband and the wait for a raise to be granted
    # decide how many; 2 and 3 were both seen).
    if [ "$g" = guest-a ]; then
        seq0=$seq0_a
        least=4
    else
        seq0=$seq0_b
        least=1
    fi
    echo "# $g: seq $seq0 before the daemon, $seq_now now"
    is "$g: the agent's request seq advanced ($least or more publishes)" \
        "$((${seq_now:-0} >= ${seq0:-0} + least))" 1
    rejections() { agent_log "$1" | grep -i 'reject'; }
    if rejections "$g" >"$WHY"; then
        not_ok "$g: the agent logged no rejection"
    else
        ok "$g: the agent logged no rejection"
    fi
done
if grep 'xenplm/status' "$WLOG" | grep -v 'status ok\\n$' >"$WHY"; then
    not_ok "every xenplm/status the daemon wrote was ok"
else
    ok "every xenplm/status the daemon wrote was ok"
fi
if grep -i 'reject' /tmp/xenplmd-agent.log >"$WHY"; then
    not_ok "the daemon logged no rejection"
else
    ok "the daemon logged no rejection"
fi

phase_done "4, status"

# --- stop ---------------------------------------------------------------------------------
step "agent: stop"
watch_stop "$WLOG"
kill "$daemon" 2>/dev/null
stopped() { ! running; }
check "xenplmd exits on SIGTERM" wait_until 10 stopped
echo "# --- xenplmd log: the memory moves, and the last lines ---"
grep -E 'memory|MiB' /tmp/xenplmd-agent.log | sed 's/^/# xenplmd| /'
tail -n 10 /tmp/xenplmd-agent.log | sed 's/^/# xenplmd| /'
for g in guest-a guest-b; do
    echo "# --- $g's agent (last lines) ---"
    agent_log "$g" | tail -n 15 | sed "s/^/# $g| /"
done
destroy_guests guest-a guest-b
phase_done "stop"
timing "agent scenario, all of it" $(($(uptime_cs) - t_scenario))
