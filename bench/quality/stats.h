/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The figures of one run (a scenario under a manager), and the invariants
 * the harness checks at every step.
 *
 *  - met[p]: the share of guest-time the goals of priority p were met
 *    (every goal of that priority, every step, counted alike);
 *  - weighted attainment: the same over all goals, a goal of priority p
 *    weighing 2^(QM_MAX_PRIO - p) (4, 2, 1);
 *  - recovery: after a demand step (the CPU demand up by a quarter and 20
 *    hundredths, or the working set up by a tenth and 256 MiB, within a
 *    minute), how long a goal that goes missed within two minutes of it
 *    stays missed; the mean over such episodes, in seconds;
 *  - memory moved: the sum of every change of a memory target, GiB;
 *    enforcement calls: every target, weight or cap changed;
 *  - reversals: a target moved the other way within 60 s of its last move;
 *  - overcommit: steps where the targets add up to more than the host's
 *    memory less dom0's (they cannot all be honoured);
 *  - below-minimum: guest-steps with a target under the guest's minimum.
 */
#ifndef XENPLM_BENCH_QUALITY_STATS_H
#define XENPLM_BENCH_QUALITY_STATS_H

#include <stdint.h>

#include "bench/quality/model.h"

#define QM_HIST 12 /* one minute of steps */

struct qm_track {
    double target;
    int weight, cap;
    int dir;       /* of the last target move: -1, 0, 1 */
    double move_t; /* when */
    double hist[2][QM_HIST];
    double step_t;      /* the last demand step */
    double miss_t[2];   /* goal missed since (-1: met) */
    bool after_step[2]; /* that miss began right after a demand step */
};

struct qm_stats {
    double goals[QM_MAX_PRIO + 1], met[QM_MAX_PRIO + 1];
    double wgoals, wmet;
    double moved_mib;
    uint64_t calls, reversals, overcommit, below_min, steps;
    double recover_sum;
    uint64_t recover_n;
    double peak_goals, peak_met; /* P1 goals in the recurring peak's first minutes */
    size_t n;
    struct qm_track *tr;
};

int qm_stats_init(struct qm_stats *s, const struct qm_world *w);
void qm_stats_dispose(struct qm_stats *s);
/* After the demand of w->t is known: demand steps. */
void qm_stats_demand(struct qm_stats *s, const struct qm_world *w);
/* After the manager's step: what it changed, and the invariants. */
void qm_stats_enforced(struct qm_stats *s, const struct qm_world *w);
/* After the host's step: the goals. */
void qm_stats_goals(struct qm_stats *s, const struct qm_world *w);
/* At the end: misses still open count to the end. */
void qm_stats_finish(struct qm_stats *s, const struct qm_world *w);

double qm_stats_met(const struct qm_stats *s, unsigned prio); /* percent, -1: no goal */
double qm_stats_weighted(const struct qm_stats *s);           /* percent */
double qm_stats_recovery(const struct qm_stats *s);           /* seconds, -1: no episode */
/* P1 goals met in the first QM_PEAK_S of a recurring peak, from the third
 * day on: percent, -1 when the scenario has none. */
#define QM_PEAK_S 600.0
double qm_stats_peak(const struct qm_stats *s);

#endif
