/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The plots' data (make bench-quality): for every scenario and manager a
 * table DIR/SCENARIO-MANAGER.dat with one row per 5 minutes of simulated
 * time, and per series (each guest; with more than 8 guests, each
 * priority class) the share of its goals met, the CPU it could get
 * (pCPUs) and the memory it held (GiB) over those 5 minutes; and one
 * gnuplot script per scenario, DIR/SCENARIO.gp, which draws
 * DIR/SCENARIO.png: three rows (attainment, CPU, memory), one column per
 * manager.
 */
#ifndef XENPLM_BENCH_QUALITY_PLOT_H
#define XENPLM_BENCH_QUALITY_PLOT_H

#include <stdio.h>

#include "bench/quality/model.h"

#define QM_PLOT_SERIES 8
#define QM_PLOT_BUCKET 300.0

struct qm_plot {
    FILE *f;
    size_t nseries;
    double bucket_end;
    double steps;
    double met[QM_PLOT_SERIES], goals[QM_PLOT_SERIES];
    double cpu[QM_PLOT_SERIES], mem[QM_PLOT_SERIES];
};

/* Open DIR/SCN-MGR.dat (dir NULL: no plot, every call does nothing). */
int qm_plot_open(struct qm_plot *p, const char *dir, const struct qm_world *w, const char *mgr);
void qm_plot_step(struct qm_plot *p, const struct qm_world *w);
void qm_plot_close(struct qm_plot *p);
/* DIR/SCN.gp for the managers named. */
int qm_plot_script(const char *dir, const struct qm_world *w, const char *const *mgr, size_t nmgr);

#endif
