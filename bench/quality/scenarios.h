/* SPDX-License-Identifier: GPL-2.0-only */
/* The quality benchmark's scenarios (scenarios.c). */
#ifndef XENPLM_BENCH_QUALITY_SCENARIOS_H
#define XENPLM_BENCH_QUALITY_SCENARIOS_H

#include "bench/quality/model.h"

/* The scenarios, built (allocated) on first use; NULL-terminated. */
struct qm_scenario *const *qm_scenarios(void);
void qm_scenarios_dispose(void);

#endif
