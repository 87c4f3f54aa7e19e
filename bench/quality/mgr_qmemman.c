/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qmemman-style: a model of the Qubes memory manager (QubesOS
 * qubes-core-admin, qubes/qmemman/algo.py and systemstate.py; its design
 * in qubes-doc developer/services/qmemman.md), from the rules as issue 13
 * summarises them:
 *
 *  - event-driven: each guest reports its memory use (the meminfo-writer
 *    in the guest), and every report is balanced at once;
 *  - a guest's use is MemTotal - MemFree - Cached - Buffers plus swap in
 *    use: in the model, its working set, whether held or swapped out;
 *  - preferred memory = use x 1.3 (CACHE_FACTOR), at least 200 MiB, at
 *    most the guest's maxmem;
 *  - 50 MiB of Xen's free memory kept out of balancing;
 *  - when the preferences fit, every guest gets its preference and the
 *    spare memory in proportion to its preference (capped at maxmem);
 *    when they do not, guests above their preference are taken down to it
 *    and what is free is shared among the others in proportion to what
 *    they lack;
 *  - a balance whose moves add up to under 150 MiB
 *    (MIN_TOTAL_MEMORY_TRANSFER) is skipped;
 *  - no CPU control.
 *
 * Departures: reports are taken every step (5 s) rather than as the
 * meminfo-writer sends them (on a change of its own threshold); the
 * "balloon slower than 100 MB/s over 3 s fails" rule guards qmemman's
 * requests for memory to start a domain, which no scenario makes; dom0
 * is not balanced (its memory is fixed in every manager).  qmemman has no
 * per-guest floor but its 200 MiB: a preference under the scenario's
 * minmem is set as it is, and counted by the harness as below-minimum.
 */
#include <math.h>
#include <stdlib.h>

#include "bench/quality/mgr.h"

#define QMM_CACHE_FACTOR 1.3
#define QMM_MIN_PREF 200.0
#define QMM_XEN_FREE 50.0
#define QMM_MIN_TRANSFER 150.0

static void *open_qmm(const struct qm_world *w, const char *srcdir)
{
    (void)srcdir;
    return calloc(w->n * 2 + 1, sizeof(double));
}

static void step_qmm(void *p, struct qm_world *w)
{
    double *pref = p, *tgt = pref + w->n;
    double total = w->free_mib - QMM_XEN_FREE, psum = 0;

    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        pref[i] = g->ws * QMM_CACHE_FACTOR;
        pref[i] = pref[i] < QMM_MIN_PREF ? QMM_MIN_PREF : pref[i];
        pref[i] = pref[i] > g->s->maxmem ? g->s->maxmem : pref[i];
        psum += pref[i];
        total += g->actual;
    }
    if (psum <= total) {
        for (size_t i = 0; i < w->n; i++) {
            double t = pref[i] + (total - psum) * pref[i] / psum;
            tgt[i] = t > w->g[i].s->maxmem ? w->g[i].s->maxmem : t;
        }
    } else {
        /* Low on memory: donors down to their preference, the freed
         * memory and Xen's free shared by what the others lack. */
        double spare = w->free_mib - QMM_XEN_FREE, need = 0;
        for (size_t i = 0; i < w->n; i++) {
            struct qm_guest *g = &w->g[i];
            if (g->actual > pref[i])
                spare += g->actual - pref[i];
            else
                need += pref[i] - g->actual;
        }
        spare = spare < 0 ? 0 : spare;
        for (size_t i = 0; i < w->n; i++) {
            struct qm_guest *g = &w->g[i];
            if (g->actual >= pref[i] || need <= 0) {
                tgt[i] = g->actual >= pref[i] ? pref[i] : g->actual;
                continue;
            }
            double give = spare * (pref[i] - g->actual) / need;
            tgt[i] = g->actual + (give < pref[i] - g->actual ? give : pref[i] - g->actual);
        }
    }
    double moved = 0;
    for (size_t i = 0; i < w->n; i++)
        moved += fabs(floor(tgt[i]) - w->g[i].actual);
    if (moved < QMM_MIN_TRANSFER)
        return;
    for (size_t i = 0; i < w->n; i++)
        w->g[i].target = floor(tgt[i]);
}

const struct qm_mgr qm_mgr_qmemman = {"qmemman", false, open_qmm, step_qmm, free};
