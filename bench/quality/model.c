/* SPDX-License-Identifier: GPL-2.0-only */
/* The host and guest model of the quality benchmark: see model.h. */
#include "bench/quality/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QM_PI 3.14159265358979323846
#define QM_SERVICE_MS 50.0
#define QM_LATENCY_CAP_MS 10000.0

double qm_unit(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                 (c + 0x94D049BB133111EBull) * 0x2545F4914F6CDD1Dull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 32;
    return (double)(x >> 11) / 9007199254740992.0;
}

/* Hours of the day of t, shifted by phase. */
static double tod_h(double t, double phase_h)
{
    double h = fmod(t / 3600.0 - phase_h, 24.0);
    return h < 0 ? h + 24.0 : h;
}

static bool in_window(double h, double from, double to)
{
    return from <= to ? h >= from && h < to : h >= from || h < to;
}

/* Hours from a to b going forward round the clock. */
static double ahead(double a, double b)
{
    double d = fmod(b - a, 24.0);
    return d < 0 ? d + 24.0 : d;
}

static double part_at(const struct qm_part *p, uint64_t seed, size_t gi, unsigned res, unsigned k,
                      double t, double phase_h)
{
    double h = tod_h(t, phase_h);

    switch (p->kind) {
    case QM_DIURNAL:
        return p->amp * (1.0 + cos(2.0 * QM_PI * (h - p->a) / 24.0)) / 2.0;
    case QM_WINDOW: {
        if (!in_window(h, p->a, p->b))
            return 0;
        double edge = p->c > 0 ? p->c / 3600.0 : 0;
        double in = ahead(p->a, h), out = ahead(h, p->b);
        double r = 1.0;
        if (edge > 0 && in < edge)
            r = in / edge;
        if (edge > 0 && out < edge && out / edge < r)
            r = out / edge;
        return p->amp * r;
    }
    case QM_BURSTS: {
        double slot = floor(t / p->b);
        double u = qm_unit(seed, gi * 16 + res * 4 + k, (uint64_t)slot);
        return u < p->b / p->a ? p->amp : 0;
    }
    case QM_RAMP:
        if (in_window(h, p->a, p->b))
            return p->amp * ahead(p->a, h) / ahead(p->a, p->b);
        if (in_window(h, p->b, p->c))
            return p->amp;
        return 0;
    }
    return 0;
}

double qm_trace_at(const struct qm_trace *tr, uint64_t seed, size_t gi, unsigned res, double t,
                   double phase_h)
{
    double v = tr->base;
    for (unsigned k = 0; k < tr->nparts; k++)
        v += part_at(&tr->part[k], seed, gi, res, k, t, phase_h);
    if (tr->noise > 0) {
        double u = qm_unit(seed ^ 0x5eed, gi * 2 + res, (uint64_t)floor(t / 60.0));
        v *= 1.0 + tr->noise * (2.0 * u - 1.0);
    }
    return v > 0 ? v : 0;
}

int qm_world_init(struct qm_world *w, const struct qm_scenario *sc, uint64_t seed, double t0)
{
    memset(w, 0, sizeof(*w));
    w->sc = sc;
    w->seed = seed;
    w->t = t0;
    w->n = sc->n;
    w->g = calloc(sc->n, sizeof(*w->g));
    if (!w->g)
        return -1;
    double held = 0;
    for (size_t i = 0; i < sc->n; i++) {
        struct qm_guest *g = &w->g[i];
        g->s = &sc->g[i];
        g->actual = g->target = g->s->initmem;
        g->weight = 256;
        held += g->actual;
    }
    w->free_mib = sc->host_mib - sc->dom0_mib - held;
    qm_world_demand(w);
    return 0;
}

void qm_world_dispose(struct qm_world *w)
{
    free(w->g);
    w->g = NULL;
}

void qm_world_demand(struct qm_world *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        double cap = g->s->vcpus * 100.0;
        g->demand = qm_trace_at(&g->s->cpu, w->seed, i, 0, w->t, g->s->phase_h);
        if (g->demand > cap)
            g->demand = cap;
        g->ws = floor(qm_trace_at(&g->s->ws, w->seed, i, 1, w->t, g->s->phase_h));
        if (g->ws > g->s->maxmem)
            g->ws = g->s->maxmem;
        g->net = fmax(0, qm_trace_at(&g->s->net, w->seed, i, 2, w->t, g->s->phase_h));
        g->disk = fmax(0, qm_trace_at(&g->s->disk, w->seed, i, 3, w->t, g->s->phase_h));
    }
}

void qm_waterfill(double pool, size_t n, const double *claim, const double *weight, double *out)
{
    double left = pool;
    size_t open = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = 0;
        open += claim[i] > 0 && weight[i] > 0;
    }
    /* Raise every open guest in proportion to its weight until it reaches
     * its claim or the pool runs out; at most n rounds. */
    while (open > 0 && left > 1e-9) {
        double wsum = 0;
        for (size_t i = 0; i < n; i++)
            if (claim[i] - out[i] > 1e-9 && weight[i] > 0)
                wsum += weight[i];
        if (wsum <= 0)
            break;
        double lambda = left / wsum;
        /* The smallest raise that fills someone, per unit of weight. */
        for (size_t i = 0; i < n; i++)
            if (claim[i] - out[i] > 1e-9 && weight[i] > 0 &&
                (claim[i] - out[i]) / weight[i] < lambda)
                lambda = (claim[i] - out[i]) / weight[i];
        open = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(claim[i] - out[i] > 1e-9 && weight[i] > 0))
                continue;
            double add = lambda * weight[i];
            if (add > claim[i] - out[i])
                add = claim[i] - out[i];
            out[i] += add;
            left -= add;
            open += claim[i] - out[i] > 1e-9;
        }
    }
}

static uint64_t all_of(unsigned npcpus)
{
    return npcpus >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << npcpus) - 1;
}

static unsigned ncpus_of(uint64_t m)
{
    return (unsigned)__builtin_popcountll(m);
}

int qm_share(double pool, unsigned npcpus, size_t n, const double *claim, const double *weight,
             const uint64_t *mask, double *out)
{
    uint64_t all = all_of(npcpus), dist[QM_MAX_MASKS];
    unsigned nd = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t m = mask[i] ? mask[i] & all : all;
        unsigned d = 0;
        while (d < nd && dist[d] != m)
            d++;
        if (d == nd) {
            if (nd == QM_MAX_MASKS)
                return -1;
            dist[nd++] = m;
        }
    }
    if (nd <= 1 && (nd == 0 || dist[0] == all)) {
        qm_waterfill(pool, n, claim, weight, out);
        return 0;
    }
    /* One constraint per set S of distinct masks: the guests whose mask is
     * in S get at most 100 per pCPU of the masks' union (and the pool). */
    unsigned ns = 1u << nd;
    unsigned char *idx = malloc(n ? n : 1);
    double *cap = calloc(ns, sizeof(double));
    bool *frozen = calloc(n ? n : 1, sizeof(bool));
    if (!idx || !cap || !frozen) {
        free(idx);
        free(cap);
        free(frozen);
        return -1;
    }
    for (unsigned S = 1; S < ns; S++) {
        uint64_t u = 0;
        for (unsigned d = 0; d < nd; d++)
            if (S & (1u << d))
                u |= dist[d];
        cap[S] = fmin(pool, 100.0 * ncpus_of(u));
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t m = mask[i] ? mask[i] & all : all;
        unsigned char d = 0;
        while (dist[d] != m)
            d++;
        idx[i] = d;
        out[i] = 0;
        frozen[i] = !(claim[i] > 1e-9 && weight[i] > 0);
    }
    /* Progressive filling: raise every open guest in proportion to its
     * weight until one reaches its claim or a constraint is tight, freeze
     * those, and go on; each round freezes someone. */
    for (;;) {
        double lambda = -1;
        for (size_t i = 0; i < n; i++)
            if (!frozen[i] && (lambda < 0 || (claim[i] - out[i]) / weight[i] < lambda))
                lambda = (claim[i] - out[i]) / weight[i];
        if (lambda < 0)
            break;
        for (unsigned S = 1; S < ns; S++) {
            double used = 0, wopen = 0;
            for (size_t i = 0; i < n; i++) {
                if (!(S & (1u << idx[i])))
                    continue;
                used += out[i];
                wopen += frozen[i] ? 0 : weight[i];
            }
            if (wopen > 0 && (cap[S] - used) / wopen < lambda)
                lambda = fmax(0, (cap[S] - used) / wopen);
        }
        for (size_t i = 0; i < n; i++)
            if (!frozen[i])
                out[i] = fmin(claim[i], out[i] + lambda * weight[i]);
        for (size_t i = 0; i < n; i++)
            if (!frozen[i] && claim[i] - out[i] <= 1e-9)
                frozen[i] = true;
        for (unsigned S = 1; S < ns; S++) {
            double used = 0;
            for (size_t i = 0; i < n; i++)
                if (S & (1u << idx[i]))
                    used += out[i];
            if (cap[S] - used > 1e-9)
                continue;
            for (size_t i = 0; i < n; i++)
                if (S & (1u << idx[i]))
                    frozen[i] = true;
        }
    }
    free(idx);
    free(cap);
    free(frozen);
    return 0;
}

/* How busy other guests keep the pCPUs guest i may run on (0..1), their
 * CPU spread evenly over their own masks. */
static double contention_of(const struct qm_world *w, size_t i)
{
    uint64_t all = all_of(w->sc->pcpus);
    uint64_t a = w->g[i].hard ? w->g[i].hard & all : all;
    double others = 0;
    for (size_t j = 0; j < w->n; j++) {
        uint64_t m = w->g[j].hard ? w->g[j].hard & all : all;
        if (j == i || !(m & a))
            continue;
        others += w->g[j].used * ncpus_of(m & a) / ncpus_of(m);
    }
    double room = 100.0 * ncpus_of(a) - w->g[i].used;
    if (others <= 0)
        return 0;
    return room > others ? others / room : 1.0;
}

static void move_balloons(struct qm_world *w)
{
    /* Shrinks first: they give Xen the pages the grows take. */
    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        if (g->target < g->actual) {
            double step = g->s->balloon_rate * QM_DT;
            double d = g->actual - g->target < step ? g->actual - g->target : step;
            g->actual -= d;
            w->free_mib += d;
        }
    }
    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        if (g->target > g->actual) {
            double step = g->s->balloon_rate * QM_DT;
            double d = g->target - g->actual < step ? g->target - g->actual : step;
            if (d > w->free_mib)
                d = w->free_mib > 0 ? w->free_mib : 0;
            g->actual += d;
            w->free_mib -= d;
        }
    }
}

void qm_world_step(struct qm_world *w)
{
    size_t n = w->n;
    double *claim = calloc(n * 5 + 1, sizeof(double));
    uint64_t *mask = calloc(n + 1, sizeof(uint64_t));
    if (!claim || !mask)
        abort();
    double *weight = claim + n, *cap = claim + 2 * n, *want = claim + 3 * n, *use = claim + 4 * n;

    move_balloons(w);
    for (size_t i = 0; i < n; i++) {
        struct qm_guest *g = &w->g[i];
        g->swap_f = g->ws > 0 && g->actual < g->ws ? (g->ws - g->actual) / g->ws : 0;
        g->demand_eff = g->demand * (1.0 + QM_SWAP_K * g->swap_f);
        double c = g->s->vcpus * 100.0;
        if (g->cap > 0 && g->cap < c)
            c = g->cap;
        want[i] = g->demand_eff < c ? g->demand_eff : c;
        if (2.0 * g->demand_eff < c)
            c = 2.0 * g->demand_eff;
        claim[i] = c;
        weight[i] = g->weight > 0 ? g->weight : 1;
        mask[i] = g->hard;
    }
    /* Two shares of the same pool: what each guest could get with every
     * guest's bursts (its capacity: the latency figure), and what it gets
     * done, the scheduler being work-conserving (an idle pCPU runs anyone
     * runnable whatever the weights): the share of the demands. */
    double pool = w->sc->pcpus * 100.0 - w->sc->dom0_cpu;
    if (qm_share(pool, w->sc->pcpus, n, claim, weight, mask, cap) != 0 ||
        qm_share(pool, w->sc->pcpus, n, want, weight, mask, use) != 0)
        abort(); /* a scenario with more distinct masks than the model takes */
    for (size_t i = 0; i < n; i++) {
        struct qm_guest *g = &w->g[i];
        g->capacity = cap[i];
        g->used = use[i];
    }
    for (size_t i = 0; i < n; i++) {
        struct qm_guest *g = &w->g[i];
        /* Only a guest whose requests wake needs it (n^2 per step). */
        g->contention = g->s->wakeups > 0 ? contention_of(w, i) : 0;
        g->wait_ms = g->s->wakeups * g->contention * QM_WAIT_MS;
        if (g->s->util >= 1.0)
            g->cpu_met = g->used + 1e-9 >= g->demand_eff; /* its work gets done */
        else if (g->wait_ms <= 0)
            g->cpu_met = g->demand_eff <= 1e-9 || g->demand_eff <= g->s->util * g->capacity + 1e-9;
        else
            g->cpu_met = g->demand_eff <= 1e-9 ||
                         qm_latency_ms(g) <= QM_SERVICE_MS / (1.0 - g->s->util) + 1e-9;
        g->mem_met = g->actual + 1e-9 >= g->ws;
    }
    free(claim);
    free(mask);
    w->t += QM_DT;
}

double qm_mem_available(const struct qm_guest *g)
{
    if (g->actual >= g->ws)
        return g->actual - g->ws;
    return 0.02 * g->actual; /* what the kernel keeps free while it pages */
}

double qm_latency_ms(const struct qm_guest *g)
{
    if (g->demand_eff <= 0)
        return QM_SERVICE_MS + g->wait_ms;
    double rho = g->capacity > 0 ? g->demand_eff / g->capacity : 2.0;
    if (rho >= 1.0 - QM_SERVICE_MS / QM_LATENCY_CAP_MS)
        return QM_LATENCY_CAP_MS;
    return fmin(QM_LATENCY_CAP_MS, QM_SERVICE_MS / (1.0 - rho) + g->wait_ms);
}
