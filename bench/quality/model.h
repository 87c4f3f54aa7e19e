/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The quality benchmark's model of a Xen host and its guests
 * (make bench-quality, bench/quality/README).
 *
 * Time is virtual: the world advances in steps of QM_DT seconds, and
 * nothing reads a clock.  Every random draw is a hash of (seed, guest,
 * time slot), so a run is a pure function of its scenario and seed.
 *
 * A guest has, per resource, a demand trace: CPU in hundredths of a pCPU
 * (what its work would use if nothing held it back) and a memory working
 * set in MiB.  Its goals, each with a priority (1 most important):
 *
 *  - a CPU goal.  A latency goal (web, database, time-critical) is met
 *    while the utilisation of the CPU the guest can get stays at or under
 *    its target u (0.75 unless the scenario says otherwise).  This is the
 *    M/M/1 queueing approximation: the response time is S / (1 - rho),
 *    rho = demand / capacity, so "p99 at most 4 x the service time" is
 *    rho <= 0.75.  A throughput goal (batch) is met while the CPU it
 *    gets done covers the demand (u = 1).
 *  - a memory goal, missed while the memory the guest holds (its balloon's
 *    actual size, not the target it was given) is under its working set.
 *
 * What a guest can get of the CPU is Xen's credit scheduler, as a
 * work-conserving weighted max-min share: the pool (pCPUs less dom0's)
 * is filled in proportion to each guest's weight, no guest taking more
 * than its claim: the least of its cap, its vcpus x 100 and twice its
 * demand (the room its bursts take, so that an idle host lets a guest
 * run well under its target utilisation).  That share is its capacity
 * (the latency goal's).  What it gets done (used; a throughput goal is met
 * while it covers the demand) is the same share of the demands
 * themselves: the scheduler is work-conserving, so a guest with a small
 * weight still runs in the time the others leave idle.
 *
 * Affinity (what a hard vcpu affinity changes; xenplm+affinity and
 * xenplm+pin1 set it, no other manager can).  A guest's vcpus run only on
 * the pCPUs of its hard map (default: all).  Its share is then the
 * weighted max-min share under those maps: no set of guests gets more
 * than 100 per pCPU their maps cover between them (qm_share).  And a
 * latency guest whose requests block and wake (wakeups per request, 0
 * unless the scenario says) waits at each wake-up, with the probability
 * that the pCPUs it may run on are busy with other guests' vcpus (their
 * contention c, other guests' CPU spread evenly over their own maps), for
 * the running vcpu's slice to end: on average half of credit's 30 ms
 * timeslice (CSCHED_DEFAULT_TSLICE_MS in Xen's xen/common/sched/credit.c),
 * QM_WAIT_MS.  Its response time is S / (1 - rho) + wakeups x c x
 * QM_WAIT_MS, and its latency goal is met while that is at most
 * S / (1 - u), the same bound as rho <= u when nothing waits.  This leaves
 * out credit's BOOST (a waking vcpu with credit left preempts a running
 * one), which shortens the wait while the guest is within its share but
 * not when several woken vcpus queue or its credit is spent, and cache
 * and NUMA locality (no number the model could justify).  Hard affinity
 * can hurt: a guest pinned to fewer pCPUs than its demand needs cannot
 * get its share, whatever its weight.
 *
 * Swap penalty: a guest holding less than its working set pages.  With
 * f = the missing fraction of the working set, its CPU demand becomes
 * demand x (1 + QM_SWAP_K x f): every page brought back costs CPU time, so
 * a memory shortfall misses CPU goals too.  The guest's agent sees it as
 * swap-ins (QM_SWAPIN_RATE x f pages/s) and memory pressure (400 x f %).
 *
 * Balloons move at a finite rate (the guest's balloon_rate, MiB/s):
 * a shrink returns its pages to Xen's free memory, a grow takes only what
 * is free, after the shrinks of the same step.  So a grown target is
 * reached only after a while, and never by overcommitting the host.
 *
 * The host: pCPUs, memory, and dom0's share of each (not managed).
 */
#ifndef XENPLM_BENCH_QUALITY_MODEL_H
#define XENPLM_BENCH_QUALITY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QM_DT 5.0            /* seconds per step */
#define QM_DAY 86400.0       /* seconds */
#define QM_SWAP_K 4.0        /* CPU demand x (1 + K f) while f of the working set is out */
#define QM_SWAPIN_RATE 2000. /* pages/s the agent sees swapped in at f = 1 */
#define QM_WAIT_MS 15.0      /* mean wait for a busy pCPU: half of credit's 30 ms slice */
#define QM_MAX_PRIO 3
#define QM_MAX_PARTS 4
#define QM_NAME 32

/* One component of a demand trace; times are hours of the day unless said. */
enum qm_part_kind {
    QM_DIURNAL, /* amp x (1 + cos(2 pi (tod - a h) / day)) / 2: peak at a h */
    QM_WINDOW,  /* amp from a h to b h (wrapping midnight), edges ramped over c s */
    QM_BURSTS,  /* amp in bursts of b s, one starting in a slot of b s with chance b / a */
    QM_RAMP,    /* 0 -> amp linearly from a h to b h, held to c h, then 0 */
};

struct qm_part {
    enum qm_part_kind kind;
    double amp, a, b, c;
};

struct qm_trace {
    double base;
    double noise; /* relative, +-, redrawn every minute */
    unsigned nparts;
    struct qm_part part[QM_MAX_PARTS];
};

/* What the guest's agent states under xenplm (the goals XML it runs). */
enum qm_kind {
    QM_LATENCY, /* latency probe goal on CPU, mem-available and swap-in goals */
    QM_BATCH,   /* cpu-util goal on CPU, the same memory goals */
    QM_GREEDY,  /* no agent goals: a hostile request for everything, at level 1 */
    /* No agent at all (a latency goal all the same): xenplm judges it by
     * what dom0 sees of it, its CPU time and its network and disk
     * activity (issue 13, point 5). */
    QM_AGENTLESS,
};

struct qm_guest_spec {
    char name[QM_NAME];
    enum qm_kind kind;
    unsigned vcpus;
    double maxmem, minmem, initmem; /* MiB */
    double balloon_rate;            /* MiB/s */
    struct qm_trace cpu, ws;
    /* Its network traffic (KiB/s, both ways) and disk requests (per
     * second): what libxenstat would count; no effect on the goals, whose
     * CPU cost is in the cpu trace already. */
    struct qm_trace net, disk;
    unsigned cpu_prio, mem_prio; /* 1..QM_MAX_PRIO */
    /* What its agent's mem-available goal asks under xenplm, MiB (0: 512,
     * as policies/goals/web.xml and batch.xml ask). */
    double mem_avail_mib;
    double util;    /* CPU goal met while rho <= util */
    double phase_h; /* shifts every daily part of both traces */
    /* Wake-ups per request that may each wait for a busy pCPU (0: none,
     * the request waits for nothing but its share). */
    unsigned wakeups;
    /* The hard affinity (an xl cpu-list) the rule of xenplm+affinity and
     * of xenplm+pin1 gives it; NULL: none. */
    const char *aff_hard, *aff_pin1;
};

struct qm_scenario {
    const char *name;
    const char *title;
    unsigned pcpus;
    double dom0_cpu;            /* hundredths of a pCPU kept by dom0 */
    double host_mib, dom0_mib;  /* dom0's memory is never moved */
    double seconds;             /* full run */
    double quick_from, quick_s; /* --quick: from this time, for this long */
    bool quick;                 /* part of the --quick subset */
    /* A peak that recurs daily at peak_h o'clock (peak: there is one): the
     * figure "peak10" is the share of P1 goals met in its first ten
     * minutes, from the third day on (two peaks before it to learn from). */
    bool peak;
    double peak_h;
    uint64_t seed;
    size_t n;
    struct qm_guest_spec *g; /* owned */
};

/* The guest as it runs. */
struct qm_guest {
    const struct qm_guest_spec *s;
    /* This step's demand (before the swap penalty) and working set, and
     * its network (KiB/s) and disk (requests/s) activity. */
    double demand, ws, net, disk;
    /* Set by the manager: memory target (MiB), credit weight and cap
     * (hundredths, 0 = none). */
    double target;
    int weight, cap;
    /* The host's answer: the balloon's size, the CPU it could get, the
     * demand with the swap penalty, the CPU it used. */
    double actual, capacity, demand_eff, used;
    double swap_f; /* missing fraction of the working set */
    /* Set by the manager: its hard affinity, a mask of pCPUs (0: all).
     * The host's answer: how busy other guests keep those pCPUs (0..1;
     * computed only for a guest with wakeups) and the wait for a pCPU a
     * request adds (ms). */
    uint64_t hard;
    double contention, wait_ms;
    bool cpu_met, mem_met;
};

struct qm_world {
    const struct qm_scenario *sc;
    uint64_t seed;
    double t; /* seconds since the start of day 0 */
    size_t n;
    struct qm_guest *g;
    double free_mib; /* Xen's free memory */
};

/* The world at time t0 with every guest at its initial memory, weight
 * 256 and no cap. 0, or -1 when out of memory. */
int qm_world_init(struct qm_world *w, const struct qm_scenario *sc, uint64_t seed, double t0);
void qm_world_dispose(struct qm_world *w);

/* Demand and working set at w->t (call before the manager's step). */
void qm_world_demand(struct qm_world *w);
/* One step of QM_DT: balloons move toward their targets, then the CPU is
 * shared and every goal evaluated.  w->t advances. */
void qm_world_step(struct qm_world *w);

/* A trace's value for guest index gi at time t (deterministic). */
double qm_trace_at(const struct qm_trace *tr, uint64_t seed, size_t gi, unsigned res, double t,
                   double phase_h);
/* Weighted max-min water-filling of pool over claims and weights: out[i]. */
void qm_waterfill(double pool, size_t n, const double *claim, const double *weight, double *out);

/* qm_waterfill under hard affinity: guest i runs only on the pCPUs of
 * mask[i] (0: all of the host's npcpus, at most 64), and no set of guests
 * gets more than 100 per pCPU their masks cover, nor more than pool in
 * all.  With every mask all, exactly qm_waterfill.  0, or -1 with more
 * than QM_MAX_MASKS distinct masks or out of memory. */
#define QM_MAX_MASKS 6
int qm_share(double pool, unsigned npcpus, size_t n, const double *claim, const double *weight,
             const uint64_t *mask, double *out);

/* The memory the guest could use to back its working set, as a guest
 * kernel reports it: MemAvailable (MiB), and a response time ratio. */
double qm_mem_available(const struct qm_guest *g);
/* The latency the model gives (ms), with service time 50 ms; capped. */
double qm_latency_ms(const struct qm_guest *g);

/* A deterministic hash of three integers into [0, 1). */
double qm_unit(uint64_t a, uint64_t b, uint64_t c);

#endif
