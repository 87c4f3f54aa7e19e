# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Helpers for the scenarios that run inside the test dom0 (busybox sh):
# TAP output, timing, waiting, and reading the state of domains.  Installed
# as /xenplm/lib.sh by tests/xen/mkinitrd.sh; dom0-init.sh sources it before
# each scenario.  The TAP counter lives in /run/tap.count, so that numbering
# runs on across scenarios; /run/tap.failed counts the failures.

# PATH puts /usr/lib/xen-4.x/bin first: `xl` is the real one, not the
# /usr/sbin wrapper (which needs /sys/hypervisor).
WHY=/tmp/why
waited=0

# Kernel arguments that only save boot time under TCG, by skipping what a
# throwaway test guest has no use for: the W+X page table walk (rodata=off),
# the crypto self-tests, IPv6, the legacy serial ports, audit, the LSMs and
# the speculation mitigations.  Nothing that a scenario looks at.
FAST_BOOT="rodata=off cryptomgr.notests ipv6.disable=1 8250.nr_uarts=0 audit=0 lsm=capability mitigations=off"

tap_next() {
    read -r tap_n </run/tap.count
    tap_n=$((tap_n + 1))
    echo "$tap_n" >/run/tap.count
}

ok() {
    tap_next
    echo "ok $tap_n - $1"
}

# not_ok DESC: the details, if any, are in $WHY, shown as TAP comments.
not_ok() {
    tap_next
    echo "not ok $tap_n - $1"
    if [ -s "$WHY" ]; then
        tr -d '\r' <"$WHY" | tail -n 20 | sed 's/^/#   /'
    fi
    : >"$WHY"
    echo x >>/run/tap.failed
}

# step TEXT: say what the scenario does next; the host prints it on the
# console as the rig runs (boot.sh), with the time.
step() {
    echo "# step: $*"
}

skip_test() {
    tap_next
    echo "ok $tap_n - $1 # SKIP $2"
}

# check DESC CMD...: one test, passed when CMD succeeds.
check() {
    desc=$1
    shift
    if "$@" >"$WHY" 2>&1; then
        ok "$desc"
        : >"$WHY"
    else
        not_ok "$desc"
        return 1
    fi
}

# is DESC GOT WANT
is() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        printf 'got:  %s\nwant: %s\n' "$2" "$3" >"$WHY"
        not_ok "$1"
        return 1
    fi
}

# --- time -------------------------------------------------------------------
# Dom0's uptime, in hundredths of a second.
uptime_cs() {
    read -r up _ </proc/uptime
    # "12.34": the "1" in front keeps "05" from reading as octal.
    echo $((${up%.*} * 100 + 1${up#*.} - 100))
}

# secs CS: hundredths of a second as seconds, "12.34".
secs() {
    printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# timing NAME CS: record a figure; run.sh gathers these lines.  Written to
# fd 3, which dom0-init.sh opens on the console, so that it gets there from
# inside `check`, whose output goes to $WHY.
timing() {
    echo "# time: $1 $(secs "$2") s" >&3
}

# timed NAME CMD...: run CMD (its output in $WHY), record how long it took.
timed() {
    name=$1
    shift
    t0=$(uptime_cs)
    "$@" >"$WHY" 2>&1
    rc=$?
    timing "$name" $(($(uptime_cs) - t0))
    return $rc
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; sets
# $waited to the hundredths of a second it took.  The last output of CMD is
# in $WHY.
wait_until() {
    limit=$(($1 * 100))
    shift
    w0=$(uptime_cs)
    while :; do
        if "$@" >"$WHY" 2>&1; then
            waited=$(($(uptime_cs) - w0))
            return 0
        fi
        waited=$(($(uptime_cs) - w0))
        [ "$waited" -lt "$limit" ] || return 1
        sleep 0.1
    done
}

# --- domains ----------------------------------------------------------------
# guest_type_pick: GUEST_TYPE and GUEST_BOOT_S for a guest the two-host
# rig migrates live.  Live migration needs log-dirty paging: a PV guest's
# comes from shadow paging, which Debian's Xen builds leave out (the rig
# then boots its own build, tests/xen/xen-shadow.sh), a PVH guest's from
# HAP, which under TCG means QEMU's emulated SVM, where PVH guests have
# crashed in about half the rig's runs.  So: XENPLM_MIGRATE_TYPE when set,
# else PV where Xen offers shadow paging, else PVH where it offers HVM,
# else PV (whose migration then fails, saying why).
guest_type_pick() {
    GUEST_TYPE=${XENPLM_MIGRATE_TYPE:-}
    if [ -z "$GUEST_TYPE" ]; then
        caps=" $(xl info 2>/dev/null | sed -n 's/^virt_caps *: *//p') "
        case "$caps" in
        *" shadow "*) GUEST_TYPE=pv ;;
        *" hvm "*) GUEST_TYPE=pvh ;;
        *) GUEST_TYPE=pv ;;
        esac
    fi
    # A PVH guest under TCG, two QEMUs on two cores: past 90 s to boot.
    GUEST_BOOT_S=180
    echo "# migrate: the migrated guests are $GUEST_TYPE guests (virt_caps:${caps:-?})"
}

# make_cfg NAME [KEY=VALUE...]: write /tmp/NAME.cfg for a test domU: a PV
# guest booting the domU kernel and initramfs, no disk, no network.
# With AGENT_GOALS=yes, a guest named guest-X runs the guest agent with
# the goals file goals-X.xml (see domu-init.sh).  GUEST_MEMORY and
# GUEST_MAXMEM (MiB, default 192 and 384) set its memory and maxmem,
# GUEST_TYPE (default pv) its type.
make_cfg() {
    name=$1
    shift
    goals=""
    if [ "${AGENT_GOALS:-no}" = yes ]; then
        goals="XENPLM_GOALS=${name#guest-}"
    fi
    {
        echo "name = \"$name\""
        echo "type = \"${GUEST_TYPE:-pv}\""
        echo 'kernel = "/domu/vmlinux"'
        echo 'ramdisk = "/domu/initrd.cpio"'
        echo "extra = \"console=hvc0 rdinit=/init $FAST_BOOT ${XENPLM_GUEST_EXTRA:-quiet} $goals\""
        echo "memory = ${GUEST_MEMORY:-192}"
        echo "maxmem = ${GUEST_MAXMEM:-384}"
        echo 'vcpus = 1'
        echo 'maxvcpus = 2'
        echo 'on_poweroff = "destroy"'
        echo 'on_reboot = "destroy"'
        echo 'on_crash = "destroy"'
        for kv in "$@"; do
            echo "$kv"
        done
    } >"/tmp/$name.cfg"
}

dom_id() {
    xl domid "$1" 2>/dev/null
}

# guest_id NAME: the domain id start_guests noted when it made the guest
# (xl is slow under TCG: a second or so a call), else xl's answer.
guest_id() {
    cat "/run/domid.$1" 2>/dev/null || dom_id "$1"
}

# xl_list_field NAME COLUMN: 3 = memory (MiB), 4 = online vcpus.
xl_list_field() {
    xl list "$1" 2>/dev/null | awk -v c="$2" 'NR == 2 { print $c }'
}

# sched_credit NAME: "WEIGHT CAP" as xl sched-credit shows them.
sched_credit() {
    xl sched-credit -d "$1" 2>/dev/null | awk 'NR == 2 { print $3, $4 }'
}

# sched_credit2 NAME: "WEIGHT CAP" as xl sched-credit2 shows them.
sched_credit2() {
    xl sched-credit2 -d "$1" 2>/dev/null | awk 'NR == 2 { print $3, $4 }'
}

# guest_report NAME: the guest's last report on its console,
# "mem_kib=N cpus=N" (see domu-init.sh).
guest_report() {
    log=/var/log/xen/console/guest-$1.log
    [ -f "$log" ] || return 1
    report=$(tr -d '\r' <"$log" | sed -n 's/^xenplm-guest: \(mem_kib=.*\)$/\1/p' | tail -n 1)
    [ -n "$report" ] || return 1
    echo "$report"
}

guest_mem_kib() {
    guest_report "$1" | sed -n 's/^mem_kib=\([0-9]*\) .*/\1/p'
}

guest_cpus() {
    guest_report "$1" | sed -n 's/.* cpus=\([0-9]*\)$/\1/p'
}

# guest_cmd NAME COMMAND: have the guest run COMMAND (see guest-cmd.sh) and
# wait, up to 20 s, for it to be done.  Prints the guest's result.
guest_cmd() {
    id=$(guest_id "$1") || return 1
    base=/local/domain/$id/data/xenplm-test
    gseq=$(($(cat "/run/cmdseq.$1" 2>/dev/null || echo 0) + 1))
    echo "$gseq" >"/run/cmdseq.$1"
    xenstore-write "$base/cmd" "$gseq $2" || return 1
    i=0
    while [ "$(xenstore-read "$base/ack" 2>/dev/null)" != "$gseq" ]; do
        i=$((i + 1))
        [ $i -le 200 ] || { echo "guest $1 did not run: $2"; return 1; }
        sleep 0.1
    done
    xenstore-read "$base/result"
}

# guest_sh NAME COMMAND: have the guest run COMMAND with sh -c (see
# guest-cmd.sh), wait for it, and print what it printed; fails when the
# command did.  No backslashes in COMMAND: xenstore would read them as
# escapes.
guest_sh() {
    gs_result=$(guest_cmd "$1" "sh $2") || return 1
    xenstore-read "/local/domain/$(guest_id "$1")/data/xenplm-test/out" 2>/dev/null |
        awk '{ gsub(/\\n/, "\n"); print }'
    [ "$gs_result" = ok ]
}

# emu_bail WHY: a kernel never came up: stop the scenarios here (dom0-init
# runs no more of them and prints the consoles), with a "Bail out!" that
# run.sh counts as the emulation's, not the product's.
emu_bail() {
    echo "Bail out! $*"
    : >/run/xenplm-bail
    exit 1
}

# start_guests NAME...: create each test domU and wait for its first report
# (GUEST_BOOT_S seconds at most, default 90), one test for each step.
start_guests() {
    for g in "$@"; do
        make_cfg "$g"
        # xenconsoled appends: drop what an earlier domain of that name said.
        rm -f "/var/log/xen/console/guest-$g.log" "/run/domid.$g"
        check "xl create $g" timed "xl create $g" xl create "/tmp/$g.cfg"
        dom_id "$g" >"/run/domid.$g" || rm -f "/run/domid.$g"
    done
    for g in "$@"; do
        if wait_until "${GUEST_BOOT_S:-90}" guest_report "$g"; then
            ok "$g booted and reports on its console"
            timing "$g boot (xl create returned to first report)" "$waited"
        else
            not_ok "$g booted and reports on its console"
            # Nothing after this can be judged with a guest missing: stop
            # here (the consoles and dmesg follow), saying it is the
            # emulation's, which the host's rig.sh may try again.
            emu_bail "$g never came up under emulation (no report in ${GUEST_BOOT_S:-90} s)"
        fi
    done
}

# destroy_guests NAME...
destroy_guests() {
    for g in "$@"; do
        check "xl destroy $g" timed "xl destroy $g" xl destroy "$g"
        rm -f "/run/domid.$g"
    done
}

guest_has_cpus() { [ "$(guest_cpus "$1")" = "$2" ]; }
guest_mem_above() { [ "$(guest_mem_kib "$1")" -ge "$2" ]; }
guest_mem_below() { [ "$(guest_mem_kib "$1")" -le "$2" ]; }
dom_has_vcpus() { [ "$(xl_list_field "$1" 4)" = "$2" ]; }
dom_has_mem() { [ "$(xl_list_field "$1" 3)" = "$2" ]; }

# xs_is PATH VALUE: whether xenstore holds VALUE (as xenstore-read shows it).
xs_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }

# watch_log FILE PATTERN...: from now on, append "SECONDS PATH VALUE" to FILE
# each time a xenstore node under /local/domain whose path matches one of
# the shell PATTERNs is written: dom0's uptime when the watch event came,
# the path, and the value read just after (as xenstore-read shows it).  One
# watch in the background, so every write is stamped within milliseconds
# of reaching xenstore, however slow the writer's tools are.  Stops at the
# first event after watch_stop.  Returns once the watch is set.
# With xenplm-xenmeter in dom0 (the daemon's scenarios have it), the watch
# and the reads are its `watch` mode, one process: the shell's
# xenstore-read for each write, forked in the background, has landed
# seconds late on a loaded host, after a 4 s boost's grant had already
# changed again, and missed it.
watch_log() {
    wl_file=$1
    shift
    rm -f "$wl_file.stop"
    : >"$wl_file"
    if command -v xenplm-xenmeter >/dev/null 2>&1; then
        xenplm-xenmeter watch "$wl_file.stop" "$@" >>"$wl_file" &
    else
        (xenstore-watch /local/domain | while read -r path; do
            [ -e "$wl_file.stop" ] && break
            read -r up _ </proc/uptime
            if [ "$path" = /local/domain ]; then
                printf '%s set\n' "$up" # the watch fires once when set
                continue
            fi
            for pattern in "$@"; do
                # shellcheck disable=SC2254 # the patterns are patterns
                case "$path" in
                $pattern)
                    # Read the value in the background, so that the next event
                    # is stamped at once: lines may land out of order.
                    (printf '%s %s %s\n' "$up" "$path" "$(xenstore-read "$path" 2>/dev/null)") &
                    break
                    ;;
                esac
            done
        done >>"$wl_file") &
    fi
    i=0
    while [ ! -s "$wl_file" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

watch_stop() {
    : >"$1.stop"
}

# logged_at FILE SINCE PATH [VALUE]: the earliest time, in hundredths of a
# second of dom0's uptime, at or after SINCE (same unit), that FILE logged a
# write of PATH (with the value VALUE, if given).
# VALUE goes through the environment: awk -v would expand its backslashes.
logged_at() {
    WANT=${4-} awk -v since="$2" -v path="$3" -v any="${4+no}" '
        $2 == path {
            t = int($1 * 100 + 0.5)
            v = $0
            sub(/^[^ ]* [^ ]* ?/, "", v)
            if (t >= since && (any != "no" || v == ENVIRON["WANT"]) && (best == "" || t < best))
                best = t
        }
        END { if (best != "") print best }' "$1"
}

# xl_migrate_loud WHAT DOMAIN HOST: `xl -vvv migrate -s
# /xenplm/migrate-nc.sh DOMAIN HOST` (the two-host rig's transport) in the
# background, up to 25 minutes, with a line on the console every 30 s
# (boot.sh takes a dom0 silent for 4 minutes for a hung one) that says
# how far libxc's stream got: its last progress line ("Frames iteration
# N of M: DONE/TOTAL PCT").  Sets mig_rc (xl's exit status) and mig_cs
# (hundredths of a second); xl's output is in /tmp/migrate.log.
xl_migrate_loud() {
    rm -f /tmp/migrate.rc
    xm_t0=$(uptime_cs)
    (
        timeout 1500 xl -vvv migrate -s /xenplm/migrate-nc.sh "$2" "$3" >/tmp/migrate.log 2>&1
        echo "$? $(uptime_cs)" >/tmp/migrate.rc
    ) &
    xm_said=$xm_t0
    until [ -s /tmp/migrate.rc ]; do
        sleep 0.2
        xm_t=$(uptime_cs)
        if [ $((xm_t - xm_said)) -ge 3000 ]; then
            xm_last=$(tail -c 300 /tmp/migrate.log 2>/dev/null | tr '\r' '\n' | grep . | tail -n 1)
            echo "# $1: xl migrate still running ($(((xm_t - xm_t0) / 100)) s): $xm_last"
            xm_said=$xm_t
        fi
    done
    # shellcheck disable=SC2034 # mig_rc, mig_cs: read by the scenarios
    read -r mig_rc xm_t1 </tmp/migrate.rc
    # shellcheck disable=SC2034
    mig_cs=$((xm_t1 - xm_t0))
    # libxc's lines, each iteration's progress at its end only.
    tr '\r' '\n' </tmp/migrate.log | grep -v -e '^ *$' -e 'batch' |
        awk '/ [0-9]+%$/ && !/ 100%$/ { next } { print }' | tail -n 40 | sed 's/^/# xl migrate| /'
}

# --- the two-host rig (scenario-migrate.sh, scenario-pool.sh) ---------------
# g_log NAME: a counting guest's console as this dom0's xenconsoled logged
# it (on B, also under the name the domain had when it arrived:
# NAME--incoming).
g_log() {
    cat /var/log/xen/console/guest-"$1".log /var/log/xen/console/guest-"$1"--*.log 2>/dev/null | tr -d '\r'
}
# g_counts NAME: its counts, in order (the logs of several domains, after a
# migration to the same host, come in the order of their names).
g_counts() {
    g_log "$1" | sed -n 's/^xenplm-guest: count=\([0-9]*\) boot=.*/\1/p' | sort -n
}
g_boot() {
    g_log "$1" | sed -n 's/^xenplm-guest: count=[0-9]* boot=\(.*\)$/\1/p' | tail -n 1
}
# g_count_above NAME N: whether the guest's last count is above N.
g_count_above() {
    mc=$(g_counts "$1" | tail -n 1)
    [ -n "$mc" ] && [ "$mc" -gt "$2" ]
}
# The same for guest-m.
m_log() { g_log guest-m; }
m_counts() { g_counts guest-m; }
m_boot() { g_boot guest-m; }
m_count_above() { g_count_above guest-m "$1"; }

# cs_of UPTIME: a /proc/uptime reading ("12.34") in hundredths of a second.
cs_of() {
    echo $((${1%.*} * 100 + 1${1#*.} - 100))
}

# wait_loud SECONDS WHAT CMD...: wait_until, with a line on the console
# every 30 s ("# $LOUD_TAG: still waiting..."), so that the host's watch
# (boot.sh) sees dom0 alive while it waits for the other host.
wait_loud() {
    wl_limit=$1
    wl_what=$2
    shift 2
    wl_spent=0
    while [ "$wl_spent" -lt "$wl_limit" ]; do
        if wait_until 30 "$@"; then
            waited=$((wl_spent * 100 + waited))
            return 0
        fi
        wl_spent=$((wl_spent + 30))
        echo "# ${LOUD_TAG:-wait}: still waiting for $wl_what ($wl_spent s)"
    done
    return 1
}
