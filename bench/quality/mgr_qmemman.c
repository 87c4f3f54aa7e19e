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
 *    spare memory in proportion to its preference (capped at maxmem, what
 *    the cap cuts off shared equally among the others); when they do not,
 *    guests above their preference by 10 MiB or more are taken down to it,
 *    and the others get Xen's free memory less what those donors give
 *    back, in proportion to their preference (balance_when_low_on_mem,
 *    as algo.py computes it: the donors' pages are shared at the next
 *    balance, once they are free);
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
#define QMM_DONOR_MIN 10.0

static void *open_qmm(const struct qm_world *w, const char *srcdir)
{
    (void)srcdir;
    return calloc(w->n * 2 + 1, sizeof(double));
}

static void step_qmm(void *p, struct qm_world *w)
{
    double *pref = p, *tgt = pref + w->n;
    double xen_free = w->free_mib - QMM_XEN_FREE, need = 0, psum = 0, pacc = 0;

    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        pref[i] = g->ws * QMM_CACHE_FACTOR;
        pref[i] = pref[i] > g->s->maxmem ? g->s->maxmem : pref[i];
        pref[i] = pref[i] < QMM_MIN_PREF ? QMM_MIN_PREF : pref[i];
        need += pref[i] - g->actual;
        psum += pref[i];
        if (pref[i] > g->actual && g->actual < g->s->maxmem)
            pacc += pref[i];
        tgt[i] = g->actual;
    }
    double avail = xen_free - need;
    if (avail > 0) {
        /* Enough: the preference and the rest in proportion to it; what
         * maxmem cuts off is shared equally among the others, in rounds. */
        double left = 0;
        size_t open = 0;
        for (size_t i = 0; i < w->n; i++) {
            tgt[i] = pref[i] + avail * pref[i] / psum;
            if (tgt[i] > w->g[i].s->maxmem) {
                left += tgt[i] - w->g[i].s->maxmem;
                tgt[i] = w->g[i].s->maxmem;
            } else {
                open++;
            }
        }
        while (left > 1.0 && open > 0) {
            double bonus = left / (double)open, more = 0;
            for (size_t i = 0; i < w->n; i++) {
                double max = w->g[i].s->maxmem;
                if (tgt[i] >= max)
                    continue;
                if (tgt[i] + bonus >= max) {
                    more += tgt[i] + bonus - max;
                    tgt[i] = max;
                    open--;
                } else {
                    tgt[i] += bonus;
                }
            }
            left = more;
        }
    } else {
        /* Low: donors (above their preference, or at maxmem) to their
         * preference; the acceptors share what is then free in proportion
         * to their preference, as balance_when_low_on_mem computes it. */
        double squeezed = xen_free;
        for (size_t i = 0; i < w->n; i++) {
            struct qm_guest *g = &w->g[i];
            bool donor = pref[i] < g->actual || g->actual >= g->s->maxmem;
            if (!donor || g->actual - pref[i] < QMM_DONOR_MIN)
                continue;
            squeezed -= g->actual - pref[i];
            tgt[i] = pref[i];
        }
        for (size_t i = 0; squeezed >= 0 && pacc > 0 && i < w->n; i++) {
            struct qm_guest *g = &w->g[i];
            if (!(pref[i] > g->actual && g->actual < g->s->maxmem))
                continue;
            double t = g->actual + squeezed * pref[i] / pacc;
            tgt[i] = t > g->s->maxmem ? g->s->maxmem : t;
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

const struct qm_mgr qm_mgr_qmemman = {"qmemman", false, open_qmm, step_qmm, free, false, false};
