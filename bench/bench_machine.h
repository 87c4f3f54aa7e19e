/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every benchmark prints about the machine it ran on, and the small
 * helpers their statistics share.  Figures mean little without the
 * machine, so both benchmarks describe it the same way.
 */
#ifndef XENPLM_BENCH_MACHINE_H
#define XENPLM_BENCH_MACHINE_H

#include <stdbool.h>

/* Print "machine:  ARCH, KERNEL, CPU MODEL, N CPUs online[, load L at start]". */
void bench_print_machine(bool with_load);

/* qsort comparator for doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

#endif
