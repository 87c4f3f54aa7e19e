/* SPDX-License-Identifier: GPL-2.0-only */
/* The figures of a run and the invariants: see stats.h. */
#include "bench/quality/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int qm_stats_init(struct qm_stats *s, const struct qm_world *w)
{
    memset(s, 0, sizeof(*s));
    s->n = w->n;
    s->tr = calloc(w->n, sizeof(*s->tr));
    if (!s->tr)
        return -1;
    for (size_t i = 0; i < w->n; i++) {
        struct qm_track *t = &s->tr[i];
        t->target = w->g[i].target;
        t->weight = w->g[i].weight;
        t->cap = w->g[i].cap;
        t->move_t = t->step_t = -1e9;
        t->miss_t[0] = t->miss_t[1] = -1;
        for (unsigned k = 0; k < QM_HIST; k++) {
            t->hist[0][k] = w->g[i].demand;
            t->hist[1][k] = w->g[i].ws;
        }
    }
    return 0;
}

void qm_stats_dispose(struct qm_stats *s)
{
    free(s->tr);
    s->tr = NULL;
}

void qm_stats_demand(struct qm_stats *s, const struct qm_world *w)
{
    unsigned slot = (unsigned)(s->steps % QM_HIST);
    for (size_t i = 0; i < s->n; i++) {
        struct qm_track *t = &s->tr[i];
        const struct qm_guest *g = &w->g[i];
        double c0 = t->hist[0][slot], m0 = t->hist[1][slot];
        if ((g->demand > 1.25 * c0 && g->demand - c0 > 20) ||
            (g->ws > 1.1 * m0 && g->ws - m0 > 256))
            t->step_t = w->t;
        t->hist[0][slot] = g->demand;
        t->hist[1][slot] = g->ws;
    }
}

void qm_stats_enforced(struct qm_stats *s, const struct qm_world *w)
{
    double sum = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct qm_track *t = &s->tr[i];
        const struct qm_guest *g = &w->g[i];
        if (g->target != t->target) {
            int dir = g->target > t->target ? 1 : -1;
            s->moved_mib += fabs(g->target - t->target);
            s->calls++;
            if (t->dir == -dir && w->t - t->move_t <= 60.0)
                s->reversals++;
            t->dir = dir;
            t->move_t = w->t;
            t->target = g->target;
        }
        if (g->weight != t->weight || g->cap != t->cap) {
            s->calls++;
            t->weight = g->weight;
            t->cap = g->cap;
        }
        if (g->target + 1e-9 < g->s->minmem)
            s->below_min++;
        sum += g->target;
    }
    if (sum > w->sc->host_mib - w->sc->dom0_mib + 1e-6)
        s->overcommit++;
}

static void account(struct qm_stats *s, unsigned prio, bool met)
{
    double wt = (double)(1u << (QM_MAX_PRIO - prio));
    s->goals[prio] += 1;
    s->wgoals += wt;
    if (met) {
        s->met[prio] += 1;
        s->wmet += wt;
    }
}

void qm_stats_goals(struct qm_stats *s, const struct qm_world *w)
{
    double t0 = w->t - QM_DT;
    for (size_t i = 0; i < s->n; i++) {
        struct qm_track *t = &s->tr[i];
        const struct qm_guest *g = &w->g[i];
        bool met[2] = {g->cpu_met, g->mem_met};
        account(s, g->s->cpu_prio, g->cpu_met);
        account(s, g->s->mem_prio, g->mem_met);
        if (w->sc->peak && t0 >= 2 * 86400.0) {
            double into = fmod(t0, 86400.0) - w->sc->peak_h * 3600.0;
            for (unsigned r = 0; into >= 0 && into < QM_PEAK_S && r < 2; r++)
                if ((r ? g->s->mem_prio : g->s->cpu_prio) == 1) {
                    s->peak_goals++;
                    s->peak_met += met[r];
                }
        }
        for (unsigned r = 0; r < 2; r++) {
            if (!met[r] && t->miss_t[r] < 0) {
                t->miss_t[r] = t0;
                t->after_step[r] = t0 - t->step_t <= 120.0;
            } else if (met[r] && t->miss_t[r] >= 0) {
                if (t->after_step[r]) {
                    s->recover_sum += w->t - t->miss_t[r];
                    s->recover_n++;
                }
                t->miss_t[r] = -1;
            }
        }
    }
    s->steps++;
}

void qm_stats_finish(struct qm_stats *s, const struct qm_world *w)
{
    for (size_t i = 0; i < s->n; i++)
        for (unsigned r = 0; r < 2; r++)
            if (s->tr[i].miss_t[r] >= 0 && s->tr[i].after_step[r]) {
                s->recover_sum += w->t - s->tr[i].miss_t[r];
                s->recover_n++;
            }
}

double qm_stats_peak(const struct qm_stats *s)
{
    return s->peak_goals > 0 ? 100.0 * s->peak_met / s->peak_goals : -1;
}

double qm_stats_met(const struct qm_stats *s, unsigned prio)
{
    return s->goals[prio] > 0 ? 100.0 * s->met[prio] / s->goals[prio] : -1;
}

double qm_stats_weighted(const struct qm_stats *s)
{
    return s->wgoals > 0 ? 100.0 * s->wmet / s->wgoals : -1;
}

double qm_stats_recovery(const struct qm_stats *s)
{
    return s->recover_n > 0 ? s->recover_sum / (double)s->recover_n : -1;
}
