# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh disable=SC2154 # $waited: set by wait_until
# Scenario 10, xl only: what the daemon will do, done by hand with xl, to
# prove the rig (credit weight and cap, vcpu hot-plug seen in the guest,
# a memory target seen as MemTotal in the guest).  Sourced in dom0 after
# /xenplm/lib.sh (lib-dom0.sh).

echo "# xl: $(xl info 2>/dev/null | grep -E '^(xen_version|xen_scheduler|nr_cpus|total_memory|free_memory)' | tr -s ' ' | tr '\n' ' ')"
is "xl info: Xen runs the credit scheduler" \
    "$(xl info 2>/dev/null | awk '$1 == "xen_scheduler" { print $3 }')" credit

step "xl: two guests start"
start_guests guest-a guest-b

a=$(dom_id guest-a)
b=$(dom_id guest-b)
echo "# guest-a is domain $a, guest-b is domain $b"
is "guest-a starts with 192 MiB" "$(xl_list_field guest-a 3)" 192
is "guest-a starts with 1 vcpu" "$(xl_list_field guest-a 4)" 1
is "guest-a starts with the default weight and no cap" "$(sched_credit guest-a)" "256 0"
is "guest-a reports 1 CPU online" "$(guest_cpus guest-a)" 1
mem0=$(guest_mem_kib guest-a)
echo "# guest-a MemTotal at boot: $mem0 KiB"

# Credit weight and cap.
step "xl: credit weight and cap"
check "xl sched-credit -w 512" timed "xl sched-credit -w" xl sched-credit -d guest-a -w 512
check "xl sched-credit -c 50" timed "xl sched-credit -c" xl sched-credit -d guest-a -c 50
is "guest-a: weight 512, cap 50" "$(sched_credit guest-a)" "512 50"
is "guest-b keeps weight 256, no cap" "$(sched_credit guest-b)" "256 0"

# A vcpu hot-plugged by dom0 comes online in the guest.
step "xl: a vcpu hot-plugged by dom0"
check "xl vcpu-set guest-a 2" timed "xl vcpu-set" xl vcpu-set guest-a 2
is "xenstore: cpu/1/availability is online" \
    "$(xenstore-read "/local/domain/$a/cpu/1/availability" 2>/dev/null)" online
if wait_until 30 guest_has_cpus guest-a 2; then
    ok "guest-a reports 2 CPUs online"
    timing "vcpu-set to 2 CPUs online in the guest" "$waited"
else
    echo "guest-a reports: $(guest_report guest-a)" >"$WHY"
    not_ok "guest-a reports 2 CPUs online"
fi
check "xl list: guest-a has 2 vcpus" wait_until 10 dom_has_vcpus guest-a 2
is "guest-b keeps 1 vcpu" "$(xl_list_field guest-b 4)" 1

# A memory target below maxmem: the balloon driver in the guest reaches it.
step "xl: memory targets"
check "xl mem-set guest-a 320" timed "xl mem-set" xl mem-set guest-a 320
is "xenstore: memory/target is 320 MiB" \
    "$(xenstore-read "/local/domain/$a/memory/target" 2>/dev/null)" 327680
# 128 MiB more: MemTotal must rise by it, give or take a little.
if wait_until 60 guest_mem_above guest-a $((mem0 + 120 * 1024)); then
    ok "guest-a MemTotal rose by 128 MiB"
    timing "mem-set to MemTotal in the guest" "$waited"
else
    echo "guest-a reports: $(guest_report guest-a), at boot $mem0 KiB" >"$WHY"
    not_ok "guest-a MemTotal rose by 128 MiB"
fi
echo "# guest-a MemTotal now: $(guest_mem_kib guest-a) KiB"
check "xl list: guest-a has 320 MiB" wait_until 30 dom_has_mem guest-a 320
is "guest-b keeps 192 MiB" "$(xl_list_field guest-b 3)" 192

# A target above maxmem is refused and changes nothing.
if xl mem-set guest-b 512 >"$WHY" 2>&1; then
    not_ok "xl mem-set above maxmem is refused"
else
    ok "xl mem-set above maxmem is refused"
fi
is "guest-b's target is still 192 MiB" \
    "$(xenstore-read "/local/domain/$b/memory/target" 2>/dev/null)" 196608

destroy_guests guest-a guest-b
is "only Domain-0 is left" "$(xl list 2>/dev/null | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "Domain-0 "
