/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Static managers: what an operator does without any balancer.  Targets
 * and weights are set once, at the first step, and never changed.
 *
 *  - static-equal: the memory guests may hold (the host's less dom0's) is
 *    split equally, each share held to [minmem, maxmem]; every weight is
 *    Xen's default, 256, no caps.
 *  - static-peak: each guest is given the largest working set it reaches
 *    (measured beforehand: qm_peak) and weight 256 per pCPU of its peak
 *    CPU demand.  When the peaks do not all fit, what each asks above its
 *    minimum is scaled down by the same factor ("what fits").
 */
#include <math.h>
#include <stdlib.h>

#include "bench/quality/mgr.h"

struct st_static {
    bool peak;
    bool done;
};

static void *open_equal(const struct qm_world *w, const char *srcdir)
{
    (void)w;
    (void)srcdir;
    return calloc(1, sizeof(struct st_static));
}

static void *open_peak(const struct qm_world *w, const char *srcdir)
{
    struct st_static *s = open_equal(w, srcdir);
    if (s)
        s->peak = true;
    return s;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void step(void *p, struct qm_world *w)
{
    struct st_static *s = p;
    double avail = w->sc->host_mib - w->sc->dom0_mib;

    if (s->done)
        return;
    s->done = true;
    if (!s->peak) {
        for (size_t i = 0; i < w->n; i++) {
            struct qm_guest *g = &w->g[i];
            g->target = floor(clamp(avail / (double)w->n, g->s->minmem, g->s->maxmem));
        }
        return;
    }
    double want = 0, floor_sum = 0;
    double *ws = calloc(w->n, sizeof(double));
    if (!ws)
        abort();
    for (size_t i = 0; i < w->n; i++) {
        double cpu;
        qm_peak(w, i, &cpu, &ws[i]);
        ws[i] = clamp(ws[i], w->g[i].s->minmem, w->g[i].s->maxmem);
        want += ws[i];
        floor_sum += w->g[i].s->minmem;
        int wt = (int)lround(cpu * 256.0 / 100.0);
        w->g[i].weight = wt < 1 ? 1 : wt > 65535 ? 65535 : wt;
    }
    double k = want <= avail || want <= floor_sum ? 1.0 : (avail - floor_sum) / (want - floor_sum);
    for (size_t i = 0; i < w->n; i++) {
        double m = w->g[i].s->minmem;
        w->g[i].target = floor(m + (ws[i] - m) * k);
    }
    free(ws);
}

const struct qm_mgr qm_mgr_static_equal = {"static-equal", false, open_equal, step,
                                           free,           false, false};
const struct qm_mgr qm_mgr_static_peak = {"static-peak", false, open_peak, step,
                                          free,          false, false};

void qm_peak(const struct qm_world *w, size_t i, double *cpu, double *ws)
{
    const struct qm_guest_spec *g = w->g[i].s;
    double end = w->sc->seconds;
    *cpu = *ws = 0;
    for (double t = 0; t < end; t += 60.0) {
        double c = qm_trace_at(&g->cpu, w->seed, i, 0, t, g->phase_h);
        double m = qm_trace_at(&g->ws, w->seed, i, 1, t, g->phase_h);
        *cpu = c > *cpu ? c : *cpu;
        *ws = m > *ws ? m : *ws;
    }
    if (*cpu > g->vcpus * 100.0)
        *cpu = g->vcpus * 100.0;
}
