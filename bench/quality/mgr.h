/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A manager of the quality benchmark: what an operator would run on the
 * host.  Each step (QM_DT seconds) the harness computes the guests'
 * demand, calls the manager's step, which sets each guest's memory
 * target, credit weight and cap from what that manager can observe, then
 * lets the host model run.  The harness, not the manager, counts what it
 * changed (memory moved, enforcement calls, reversals) and checks the
 * invariants, so every manager is measured the same way.
 *
 * What a manager may read of a guest: its spec (vcpus, maxmem, minmem,
 * balloon rate: what a toolstack knows), its actual memory, and what its
 * own program would measure (qmemman's and MOM's guest reports are
 * derived from the model in their files, as those programs read them).
 * The demand traces themselves only through qm_peak (static sizing).
 */
#ifndef XENPLM_BENCH_QUALITY_MGR_H
#define XENPLM_BENCH_QUALITY_MGR_H

#include <stdbool.h>

#include "bench/quality/model.h"

struct qm_mgr {
    const char *name;
    bool ships; /* shipped by xenplm: its invariants are asserted */
    /* NULL on failure (a message on stderr). */
    void *(*open)(const struct qm_world *w, const char *srcdir);
    void (*step)(void *st, struct qm_world *w);
    void (*close)(void *st);
    /* Played only in scenarios with agentless guests (an ablation that
     * changes nothing elsewhere). */
    bool agentless_only;
    /* Played only in scenarios that give some guest an affinity list for
     * it (qm_guest_spec.aff_hard, aff_pin1). */
    bool affinity_only;
};

extern const struct qm_mgr qm_mgr_static_equal, qm_mgr_static_peak, qm_mgr_squeezed, qm_mgr_qmemman,
    qm_mgr_mom, qm_mgr_xenplm, qm_mgr_xenplm_keep, qm_mgr_xenplm_anticip, qm_mgr_xenplm_cpu,
    qm_mgr_xenplm_boost, qm_mgr_xenplm_affinity, qm_mgr_xenplm_pin1;

/* The largest CPU demand and working set guest i reaches over the whole
 * scenario (sampled every minute): what an operator sizing for peak
 * would have measured beforehand. */
void qm_peak(const struct qm_world *w, size_t i, double *cpu, double *ws);

#endif
