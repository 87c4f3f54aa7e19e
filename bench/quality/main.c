/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * make bench-quality: every scenario (scenarios.c) played through every
 * manager (mgr_*.c) on the model host (model.h), one table of figures
 * (stats.h), and the plots' data (plot.h).
 *
 *   bench-quality [--quick] [--seed N] [--plots DIR] [--scenario NAME]
 *                 [--srcdir DIR] [--trace GUEST]
 *
 * --trace prints, every step, the named guest's demand, working set,
 * memory held and targeted, weight and cap, the CPU it could get and
 * whether its goals were met (on stderr): what the plots summarise.
 * --quick plays a few hours of the quick subset.  The run is a pure
 * function of its arguments: the same seed prints the same table.  The
 * exit status is 1 when a manager xenplm ships broke an invariant (host
 * overcommitted, a target under a guest's minimum), 2 on a usage or
 * set-up error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/quality/mgr.h"
#include "bench/quality/plot.h"
#include "bench/quality/scenarios.h"
#include "bench/quality/stats.h"
#include "guest-agent/goals.h"

#ifndef XENPLM_SRCDIR
#define XENPLM_SRCDIR "."
#endif

static const struct qm_mgr *const managers[] = {
    &qm_mgr_static_equal, &qm_mgr_static_peak,  &qm_mgr_squeezed,        &qm_mgr_qmemman,
    &qm_mgr_mom,          &qm_mgr_xenplm,       &qm_mgr_xenplm_keep,     &qm_mgr_xenplm_anticip,
    &qm_mgr_xenplm_cpu,   &qm_mgr_xenplm_boost, &qm_mgr_xenplm_affinity, &qm_mgr_xenplm_pin1,
};
#define NMGR (sizeof(managers) / sizeof(managers[0]))

struct opts {
    bool quick;
    uint64_t seed; /* 0: each scenario's own */
    const char *plots, *only, *srcdir, *trace;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: bench-quality [--quick] [--seed N] [--plots DIR] [--scenario NAME] "
               "[--srcdir DIR] [--trace GUEST]\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->srcdir = XENPLM_SRCDIR;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--quick")) {
            o->quick = true;
        } else if (!strcmp(a, "--seed") && more) {
            char *end;
            o->seed = strtoull(argv[++i], &end, 10);
            if (*end || o->seed == 0) {
                fprintf(stderr, "bench-quality: --seed wants a positive integer\n");
                return -1;
            }
        } else if (!strcmp(a, "--plots") && more) {
            o->plots = argv[++i];
        } else if (!strcmp(a, "--scenario") && more) {
            o->only = argv[++i];
        } else if (!strcmp(a, "--trace") && more) {
            o->trace = argv[++i];
        } else if (!strcmp(a, "--srcdir") && more) {
            o->srcdir = argv[++i];
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

static void print_pct(double v)
{
    if (v < 0)
        printf(" %7s", "-");
    else
        printf(" %7.2f", v);
}

static void trace(const char *name, const char *mgr, const struct qm_world *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const struct qm_guest *g = &w->g[i];
        if (strcmp(g->s->name, name) != 0)
            continue;
        fprintf(stderr,
                "%s %s t=%.3fh demand=%.0f eff=%.0f cap=%.0f ws=%.0f actual=%.0f target=%.0f "
                "weight=%d cpucap=%d cpu=%s mem=%s\n",
                w->sc->name, mgr, w->t / 3600.0, g->demand, g->demand_eff, g->capacity, g->ws,
                g->actual, g->target, g->weight, g->cap, g->cpu_met ? "met" : "MISSED",
                g->mem_met ? "met" : "MISSED");
    }
}

/* One scenario under one manager; 0, or -1 on a set-up failure. */
static int run(const struct qm_scenario *sc, const struct qm_mgr *m, const struct opts *o,
               struct qm_stats *s)
{
    struct qm_world w;
    struct qm_plot plot;
    uint64_t seed = o->seed ? o->seed : sc->seed;
    double t0 = o->quick ? sc->quick_from : 0;
    double len = o->quick ? sc->quick_s : sc->seconds;

    if (qm_world_init(&w, sc, seed, t0) != 0)
        return -1;
    void *st = m->open(&w, o->srcdir);
    if (!st || qm_stats_init(s, &w) != 0 || qm_plot_open(&plot, o->plots, &w, m->name) != 0) {
        if (st)
            m->close(st);
        qm_world_dispose(&w);
        return -1;
    }
    size_t steps = (size_t)(len / QM_DT);
    for (size_t k = 0; k < steps; k++) {
        qm_world_demand(&w);
        qm_stats_demand(s, &w);
        m->step(st, &w);
        qm_stats_enforced(s, &w);
        qm_world_step(&w);
        qm_stats_goals(s, &w);
        qm_plot_step(&plot, &w);
        if (o->trace)
            trace(o->trace, m->name, &w);
    }
    qm_stats_finish(s, &w);
    qm_plot_close(&plot);
    m->close(st);
    qm_world_dispose(&w);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    int bad = 0, found = 0;

    if (parse(argc, argv, &o) != 0)
        return 2;
    printf("%-11s %-15s %7s %7s %7s %8s %8s %7s %8s %7s %6s %6s %6s\n", "scenario", "manager",
           "P1 met%", "P2 met%", "P3 met%", "weighted", "recov s", "peak10", "moved G", "calls",
           "revers", "overc", "<min");
    for (struct qm_scenario *const *scp = qm_scenarios(); *scp; scp++) {
        const struct qm_scenario *sc = *scp;
        const char *names[NMGR];
        if (o.only ? strcmp(o.only, sc->name) != 0 : o.quick && !sc->quick)
            continue;
        found++;
        bool agentless = false, affinity = false;
        for (size_t i = 0; i < sc->n; i++) {
            agentless = agentless || sc->g[i].kind == QM_AGENTLESS;
            affinity = affinity || sc->g[i].aff_hard || sc->g[i].aff_pin1;
        }
        size_t nrun = 0;
        for (size_t k = 0; k < NMGR; k++) {
            struct qm_stats s;
            if ((managers[k]->agentless_only && !agentless) ||
                (managers[k]->affinity_only && !affinity))
                continue;
            names[nrun++] = managers[k]->name;
            if (run(sc, managers[k], &o, &s) != 0) {
                fprintf(stderr, "bench-quality: %s under %s could not be set up\n", sc->name,
                        managers[k]->name);
                qm_scenarios_dispose();
                return 2;
            }
            printf("%-11s %-15s", sc->name, managers[k]->name);
            for (unsigned p = 1; p <= QM_MAX_PRIO; p++)
                print_pct(qm_stats_met(&s, p));
            printf(" %8.2f", qm_stats_weighted(&s));
            double rec = qm_stats_recovery(&s);
            if (rec < 0)
                printf(" %8s", "-");
            else
                printf(" %8.0f", rec);
            print_pct(qm_stats_peak(&s));
            printf(" %8.1f %7llu %6llu %6llu %6llu%s\n", s.moved_mib / 1024.0,
                   (unsigned long long)s.calls, (unsigned long long)s.reversals,
                   (unsigned long long)s.overcommit, (unsigned long long)s.below_min,
                   managers[k]->ships && (s.overcommit || s.below_min) ? "  VIOLATION" : "");
            fflush(stdout);
            if (managers[k]->ships && (s.overcommit || s.below_min))
                bad = 1;
            qm_stats_dispose(&s);
        }
        if (o.plots) {
            struct qm_world w;
            if (qm_world_init(&w, sc, sc->seed, 0) == 0) {
                qm_plot_script(o.plots, &w, names, nrun);
                qm_world_dispose(&w);
            }
        }
    }
    qm_scenarios_dispose();
    agent_goals_cleanup();
    if (!found) {
        fprintf(stderr, "bench-quality: no scenario %s\n", o.only ? o.only : "");
        return 2;
    }
    return bad;
}
