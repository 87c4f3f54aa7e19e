/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * squeezed-style: a model of xapi's memory ballooning daemon
 * (xapi-project/xen-api: ocaml/squeezed/lib/squeeze.ml, the algorithm,
 * and ocaml/squeezed/src/squeeze_xen.ml, its Xen side), from the rules as
 * issue 13 summarises them:
 *
 *  - a balance loop every 10 s (squeezed's balance check interval);
 *  - every domain has a dynamic range [dynamic-min, dynamic-max] set by
 *    the administrator; squeezed gives every domain the same fraction f
 *    of its range, target = dmin + f x (dmax - dmin), with the largest f
 *    that fits the host's memory;
 *  - 64 + 8 MiB kept free (target_host_free_mem_kib, plus the slack);
 *  - a domain whose balloon makes no progress toward its target is
 *    "stuck" after 5 s and, after 20 s without progress, "uncooperative":
 *    its memory is then taken as fixed at what it holds and the others
 *    share the rest.
 *  - no CPU control: every weight stays Xen's default, 256.
 *
 * Departures: the administrator's range is taken as [minmem, maxmem] of
 * the scenario's guest (the widest a careful operator would set: with
 * xapi's default of dynamic-min = dynamic-max = static-max squeezed would
 * not move anything); squeezed's two-phase protocol (reserve memory, then
 * allocate) for new domains is not modelled (no scenario creates one);
 * progress is judged on what the model's balloon did in the last 10 s.
 */
#include <math.h>
#include <stdlib.h>

#include "bench/quality/mgr.h"

#define SQ_PERIOD 10.0
#define SQ_FREE_MIB (64.0 + 8.0)
#define SQ_STUCK_S 5.0
#define SQ_UNCOOP_S 20.0

struct st_sq {
    double next;
    size_t n;
    double *last_actual, *since; /* since: no progress since (-1: moving or done) */
};

static void close_sq(void *p)
{
    struct st_sq *s = p;
    if (s)
        free(s->last_actual);
    free(s);
}

static void *open_sq(const struct qm_world *w, const char *srcdir)
{
    (void)srcdir;
    struct st_sq *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->n = w->n;
    s->last_actual = calloc(2 * w->n + 1, sizeof(double));
    if (!s->last_actual) {
        free(s);
        return NULL;
    }
    s->since = s->last_actual + w->n;
    for (size_t i = 0; i < w->n; i++) {
        s->last_actual[i] = w->g[i].actual;
        s->since[i] = -1;
    }
    s->next = w->t;
    return s;
}

static void step_sq(void *p, struct qm_world *w)
{
    struct st_sq *s = p;
    if (w->t + 1e-9 < s->next)
        return;
    s->next = w->t + SQ_PERIOD;

    double avail = w->sc->host_mib - w->sc->dom0_mib - SQ_FREE_MIB;
    double dmin = 0, range = 0;
    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        bool off = fabs(g->actual - g->target) > 1.0;
        bool moved = fabs(g->actual - s->last_actual[i]) > 1.0;
        s->last_actual[i] = g->actual;
        if (!off || moved)
            s->since[i] = -1;
        else if (s->since[i] < 0)
            s->since[i] = w->t - SQ_PERIOD; /* no progress over the last period */
        bool uncoop = s->since[i] >= 0 && w->t - s->since[i] >= SQ_UNCOOP_S;
        if (uncoop) {
            avail -= g->actual;
            continue;
        }
        dmin += g->s->minmem;
        range += g->s->maxmem - g->s->minmem;
    }
    double f = range > 0 ? (avail - dmin) / range : 0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        if (s->since[i] >= 0 && w->t - s->since[i] >= SQ_UNCOOP_S)
            continue;
        g->target = floor(g->s->minmem + f * (g->s->maxmem - g->s->minmem));
    }
}

const struct qm_mgr qm_mgr_squeezed = {"squeezed", false, open_sq, step_sq, close_sq, false, false};
