/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Applying the grant inside the guest.
 *
 * vcpus: Xen marks a hot-plugged vcpu present, but a PV kernel leaves it
 * offline unless something (udev, or this agent) writes 1 to its online
 * file.  The agent onlines the granted number of vcpus; it never offlines
 * one, since the toolstack's unplug goes through xenbus and the kernel
 * takes the vcpu down itself.
 *
 * workloads: with apply-cgroups set, the guest's grant is shared among the
 * workloads its goals name (cgroup v2 directories), highest priority
 * first, by the same arbiter xenplmd uses among domains: each workload
 * asks, level by level, what its goals need, and the grant is the pool.
 * The shares become cpu.weight (proportional under contention, so nothing
 * is wasted while a workload is idle) and, for workloads with memory
 * goals, memory.high (where the kernel starts reclaiming from it).
 */
#ifndef XENPLM_AGENT_APPLY_H
#define XENPLM_AGENT_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/amount.h"
#include "guest-agent/controller.h"
#include "guest-agent/goals.h"

/* What onlining granted vcpus did. */
struct agent_vcpus_result {
    unsigned onlined; /* brought online now */
    unsigned pending; /* not plugged in the guest yet (see below): try again later */
};

/*
 * Online vcpus 1..want-1 that are present and offline, below root ("/" live).
 * 0, or PLM_EIO with the first failure in err (the others are still tried).
 *
 * The grant reaches the guest before the hot-plug is over: Xen's toolstack
 * writes cpu/N/availability, and the guest's kernel registers the cpu
 * device, marks it present and only then can bring it up.  A write to
 * cpuN/online in between fails with ENODEV (the device is not, or no
 * longer, fully there) or ENOENT (it went away): that vcpu counts as
 * pending, not as a failure, and the next period tries again.
 */
int agent_vcpus_online(const char *root, unsigned want, struct agent_vcpus_result *res, char *err,
                       size_t errlen);

/* The same with the write of "1" to an online file done by write_one,
 * which returns 0 or an errno value (the tests' seam). */
int agent_vcpus_online_with(const char *root, unsigned want, int (*write_one)(const char *path),
                            struct agent_vcpus_result *res, char *err, size_t errlen);

/* Whether an errno from writing cpuN/online means "not plugged yet". */
bool agent_vcpu_not_plugged_yet(int e);

struct agent_share {
    const char *workload; /* points into the goals */
    bool has[AGENT_NRES]; /* the workload has goals on this resource */
    plm_amt_t amount[AGENT_NRES];
};

/*
 * Divide granted[res] (cpu hundredths, mem MiB) among the named workloads
 * of the active goals, highest priority first.  Fills up to cap shares and
 * returns how many there are; a negative PLM_E* code on failure.
 */
int agent_shares(const struct agent_goals *g, const struct agent_ctl_output *o,
                 const plm_amt_t granted[AGENT_NRES], struct agent_share *out, size_t cap);

/*
 * Write the shares to cgroup v2 below root/sys/fs/cgroup: cpu.weight from
 * the CPU share (1..10000, the share in hundredths of a CPU), memory.high
 * from the memory share in bytes.  0, or PLM_EIO with the first failure.
 */
int agent_shares_apply(const char *root, const struct agent_share *sh, size_t n, char *err,
                       size_t errlen);

#endif
