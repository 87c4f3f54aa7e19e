#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test domUs (busybox sh; a PV guest with no disk, no network).
# Put in the domU initramfs by tests/xen/mkinitrd.sh.
#
# - Onlines every vcpu that dom0 hot-plugs: a PV guest only marks a new
#   vcpu present; something in the guest must write its `online`.  Not
#   with XENPLM_GOALS (below): then the agent must do it, and this script
#   only counts the online vcpus.
# - With XENPLM_GOALS=NAME on the kernel command line (the kernel hands it
#   to /init as environment; lib-dom0.sh's make_cfg puts it there), starts
#   the guest agent in the foreground, logging to the console:
#       xenplm-agent -F -v -f /etc/xenplm/goals-NAME.xml
#   and mounts a tmpfs on /dev/shm that a scenario may fill, to take
#   memory away from the guest.
# - Reports MemTotal and the number of online CPUs on the console (hvc0,
#   which xenconsoled logs in dom0) and in xenstore (data/xenplm-test/state)
#   at boot and whenever either changes:
#       xenplm-guest: mem_kib=196608 cpus=1
# - Runs the commands dom0 writes to data/xenplm-test/cmd (see guest-cmd.sh).
# - With XENPLM_COUNTER=1 on the kernel command line (the two-host rig's
#   migration scenario), counts the seconds from its boot, once a second,
#   on the console and in xenstore (data/xenplm-test/count), with the
#   kernel's boot id: a guest that is live-migrated goes on counting with
#   the same boot id; one that restarted would count from 1 with another.
#       xenplm-guest: count=12 boot=2b0c6f1e-...
export PATH=/bin:/usr/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
read -r up _ </proc/uptime
echo "xenplm-guest: init at uptime $up"
# Keep the kernel's messages off the console: the reports must stay whole.
echo 1 >/proc/sys/kernel/printk

# The guest makes data/xenplm-test itself, so that it owns the directory
# and what dom0 writes in it stays readable here.
xenstore-write data/xenplm-test/ack 0 ||
    echo "xenplm-guest: cannot write to xenstore"
/bin/guest-cmd.sh &

if [ -n "${XENPLM_GOALS:-}" ]; then
    # A tmpfs that may take most of the guest's memory (the default is
    # half of it): whatever is written there stays, unreclaimable without
    # swap, and MemAvailable falls by as much.
    mkdir -p /dev/shm /run
    mount -t tmpfs -o size=90% tmpfs /dev/shm
    # Its log goes to the console, as dom0's scenario reads it; one line
    # per write, so it never splits the reports below.
    xenplm-agent -F -v -f "/etc/xenplm/goals-$XENPLM_GOALS.xml" \
        --schema /usr/share/xenplm/xenplm-goals.xsd --pidfile /run/xenplm-agent.pid &
    echo "xenplm-guest: agent started with goals-$XENPLM_GOALS.xml"
fi

if [ "${XENPLM_COUNTER:-0}" = 1 ]; then
    read -r boot_id </proc/sys/kernel/random/boot_id
    (
        count=0
        while :; do
            count=$((count + 1))
            echo "xenplm-guest: count=$count boot=$boot_id"
            xenstore-write data/xenplm-test/count "$count" 2>/dev/null
            sleep 1
        done
    ) &
fi

default_ifs=$IFS

# in_list N LIST: whether CPU N is in a kernel CPU list such as "0-1,3".
# Splits on IFS, set to "," around the loop: no process is forked.
in_list() {
    IFS=,
    for range in $2; do
        if [ "$1" -ge "${range%-*}" ] && [ "$1" -le "${range#*-}" ]; then
            IFS=$default_ifs
            return 0
        fi
    done
    IFS=$default_ifs
    return 1
}

# online_cpus: online every present but offline vcpu (the kernel marks a vcpu
# present when dom0 makes it available, and not present when dom0 takes it
# away), unless the agent is the one to do it; sets $cpus to the number
# online.
online_cpus() {
    read -r present </sys/devices/system/cpu/present
    read -r online </sys/devices/system/cpu/online
    if [ "$present" != "$online" ] && [ -z "${XENPLM_GOALS:-}" ]; then
        for c in /sys/devices/system/cpu/cpu[0-9]*; do
            n=${c##*/cpu}
            if [ -f "$c/online" ] && in_list "$n" "$present" && ! in_list "$n" "$online"; then
                echo 1 >"$c/online" 2>/dev/null
            fi
        done
        read -r online </sys/devices/system/cpu/online
    fi
    cpus=0
    IFS=,
    for range in $online; do
        cpus=$((cpus + ${range#*-} - ${range%-*} + 1))
    done
    IFS=$default_ifs
}

memtotal() {
    while read -r key value _; do
        if [ "$key" = MemTotal: ]; then
            mem=$value
            return
        fi
    done </proc/meminfo
}

last=""
while :; do
    online_cpus
    memtotal
    now="mem_kib=$mem cpus=$cpus"
    if [ "$now" != "$last" ]; then
        echo "xenplm-guest: $now"
        xenstore-write data/xenplm-test/state "$now" 2>/dev/null
        last=$now
    fi
    sleep 0.25
done
