#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test dom0 (busybox sh), put in the dom0 initramfs by
# tests/xen/mkinitrd.sh.  Brings up the Xen toolstack (xenstored,
# xen-init-dom0, xenconsoled), runs every /xenplm/scenarios/*.sh in order,
# each printing TAP lines on the console (hvc0, which Xen copies to the
# serial port), then powers the machine off.
#
# The two-host rig (tests/xen/rig2.sh) puts XENPLM_NET_ADDR=ADDRESS/PREFIX
# on dom0's command line (the kernel hands it to /init as environment):
# the first Ethernet interface, QEMU's NIC on the link between the two
# dom0s, gets that static address before XENPLM-READY.  Without it (the
# single-host rig) dom0 has no network.  XENPLM_ETCD_NET=ADDRESS/PREFIX
# does the same for a second NIC, the pool scenario's way to etcd.
#
# Markers for the host (tests/xen/boot.sh, run.sh), each on a line of its own:
#   XENPLM-READY uptime=SECONDS   the toolstack is up
#   XENPLM-DONE                   the scenarios are over
# Xen's tools: /usr/lib/xen-4.17/bin or /usr/lib/xen-4.20/bin, as the image has.
for xenbin in /usr/lib/xen-*/bin; do :; done
export PATH="$xenbin:/bin:/usr/sbin:/usr/bin"
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
export HOME=/root

finish() {
    for log in /var/log/xen/console/guest-*.log; do
        [ -f "$log" ] || continue
        name=${log##*/guest-}
        name=${name%.log}
        echo "# --- console of $name ---"
        tr -d '\r' <"$log" | tail -n "${XENPLM_CONSOLE_LINES:-40}" | sed "s/^/# $name| /"
    done
    if [ -f /run/xenplm-bail ]; then
        echo "# --- dom0 kernel log ---"
        dmesg | tail -n 60 | sed 's/^/# dmesg| /'
    fi
    echo "XENPLM-DONE"
    sync
    poweroff -f
    # Should poweroff return, make sure that the machine stops all the same.
    echo o >/proc/sysrq-trigger
    sleep 60
}

bail() {
    echo "Bail out! $*"
    : >/run/xenplm-bail
    finish
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/xenstored /run/xen /var/lib/xen /var/lib/xenstored /var/log/xen/console \
    /var/lock /tmp /root
# Only warnings and worse from the kernel on the console: TAP lines stay whole.
echo 4 >/proc/sys/kernel/printk

while read -r mod; do
    insmod "/lib/modules/$mod.ko" || bail "insmod $mod failed"
done </lib/modules/xenplm.order

mount -t xenfs xenfs /proc/xen || bail "cannot mount xenfs on /proc/xen"
grep -q control_d /proc/xen/capabilities || bail "not running as dom0 under Xen"

xenstored --pid-file /run/xenstored.pid || bail "xenstored failed to start"
tries=0
until [ -S /run/xenstored/socket ]; do
    tries=$((tries + 1))
    [ $tries -le 100 ] || bail "xenstored made no socket in 10 s"
    sleep 0.1
done
xen-init-dom0 >/tmp/xen-init-dom0.log 2>&1 ||
    bail "xen-init-dom0 failed: $(cat /tmp/xen-init-dom0.log)"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
    --log-dir=/var/log/xen/console || bail "xenconsoled failed to start"

# nic_up PREFIX ADDRESS WHAT: give the Ethernet interface whose MAC
# address starts with PREFIX (rig2.sh's: 52:54:00:99 for the link,
# 52:54:00:98 for etcd's network) the static ADDRESS; for the link,
# without one, the first interface.
nic_up() {
    nic=""
    for d in /sys/class/net/eth*; do
        [ -e "$d" ] || continue
        case "$(cat "$d/address")" in
        "$1"*) nic=${d##*/} && break ;;
        esac
    done
    if [ -z "$nic" ] && [ "$1" = 52:54:00:99 ]; then
        for d in /sys/class/net/eth*; do
            [ -e "$d" ] && nic=${d##*/} && break
        done
    fi
    [ -n "$nic" ] || bail "$3 $2 but no Ethernet interface (no NIC, or no driver)"
    ip link set "$nic" up || bail "ip link set $nic up failed"
    ip addr add "$2" dev "$nic" || bail "ip addr add $2 dev $nic failed"
    echo "# net: $nic $2 ($(cat "/sys/class/net/$nic/address"))"
}
if [ -n "${XENPLM_NET_ADDR:-}" ]; then
    ip link set lo up
    nic_up 52:54:00:99 "$XENPLM_NET_ADDR" XENPLM_NET_ADDR=
fi
# The pool scenario's way to etcd (rig2.sh --pool): a second NIC on
# QEMU's user-mode network, whose 10.0.2.100:2379 QEMU forwards to etcd.
if [ -n "${XENPLM_ETCD_NET:-}" ]; then
    nic_up 52:54:00:98 "$XENPLM_ETCD_NET" XENPLM_ETCD_NET=
fi

read -r up _ </proc/uptime
echo "XENPLM-READY uptime=$up"

echo 0 >/run/tap.count
for s in /xenplm/scenarios/*.sh; do
    [ -f "$s" ] || continue
    echo "# scenario ${s##*/}"
    sh -c '. /xenplm/lib.sh && . "$1"' scenario "$s" 3>&1 ||
        echo "# scenario ${s##*/} ended with status $?"
    # A scenario that bailed out (lib.sh's emu_bail) ends the run.
    [ -f /run/xenplm-bail ] && finish
done
echo "1..$(cat /run/tap.count)"
finish
