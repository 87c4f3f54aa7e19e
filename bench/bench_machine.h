/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every benchmark prints about the machine it ran on, and the small
 * helpers their statistics share.  Figures mean little without the
 * machine, so both benchmarks describe it the same way.
 */
#ifndef XENPLM_BENCH_MACHINE_H
#define XENPLM_BENCH_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Print "machine:  ARCH, KERNEL, CPU MODEL, N CPUs online[, load L at start]". */
void bench_print_machine(bool with_load);

/* qsort comparator for doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/* CLOCK_MONOTONIC, and the CPU time of the calling thread, in ns. */
double bench_mono_ns(void);
double bench_cpu_ns(void);

/* Nearest-rank percentile p (0..100) of v[0..n), which it sorts. */
double bench_percentile(double *v, size_t n, double p);

/* VmRSS and VmHWM of this process, in KiB; false when unreadable. */
bool bench_read_vm(uint64_t *rss, uint64_t *hwm);

#endif
