/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sets of physical CPUs, for vcpu affinity: a fixed-size bitmap (no
 * allocation, so it sits in policy rules, engine records and actions by
 * value), xl's cpu-list syntax in and out, and the few set operations the
 * decision step needs.  Pure: no Xen header, no I/O.
 *
 * The syntax (xl.cfg(5) "cpus", without its node: and nodes: forms):
 *
 *   list  := item ("," item)*
 *   item  := ["^"] ("all" | CPU | CPU "-" CPU)
 *
 * Items apply from left to right; "^" takes CPUs out again, so "all,^0"
 * is every pCPU but the first.  CPU numbers are decimal, below
 * PLM_CPUMAP_BITS.  "all" sets every bit: the decision step clamps a map
 * to the pCPUs the host has (plm_cpumap_clamp), so "all" becomes exactly
 * those.
 */
#ifndef XENPLM_CORE_CPUMAP_H
#define XENPLM_CORE_CPUMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pCPUs a map can name: far above the hosts Xen runs on today. */
#define PLM_CPUMAP_BITS 1024
#define PLM_CPUMAP_WORDS (PLM_CPUMAP_BITS / 64)
/* Longest list text accepted (a policy attribute), without its NUL. */
#define PLM_CPUMAP_TEXT_MAX 1024
/* Room for any map plm_cpumap_format writes, with its NUL ("0,2,4,...": at
 * most 5 bytes per CPU). */
#define PLM_CPUMAP_STRLEN (5 * PLM_CPUMAP_BITS + 1)

struct plm_cpumap {
    uint64_t w[PLM_CPUMAP_WORDS];
};

void plm_cpumap_zero(struct plm_cpumap *m);
/* CPUs 0..n-1 (n at most PLM_CPUMAP_BITS). */
void plm_cpumap_first(struct plm_cpumap *m, unsigned n);
void plm_cpumap_set(struct plm_cpumap *m, unsigned cpu);
bool plm_cpumap_test(const struct plm_cpumap *m, unsigned cpu);
bool plm_cpumap_empty(const struct plm_cpumap *m);
bool plm_cpumap_equal(const struct plm_cpumap *a, const struct plm_cpumap *b);
unsigned plm_cpumap_count(const struct plm_cpumap *m);
/* Whether every bit is set (the list said "all"). */
bool plm_cpumap_full(const struct plm_cpumap *m);
/* Drop CPUs at or above ncpus; true when any was dropped. */
bool plm_cpumap_clamp(struct plm_cpumap *m, unsigned ncpus);

/*
 * Parse a cpu list (the grammar above) into *out.  0; PLM_EGRAMMAR for
 * text that does not follow it, PLM_ERANGE for a CPU beyond the map or a
 * range that runs backwards, PLM_EINVAL for a list that leaves no CPU;
 * *out is then untouched and why (may be NULL) says what is wrong.
 */
int plm_cpumap_parse(const char *s, struct plm_cpumap *out, char *why, size_t whylen);

/* The map as a cpu list ("0-3,6"; "all" when full, "none" when empty),
 * written into buf (len >= PLM_CPUMAP_STRLEN never truncates).  Returns buf. */
char *plm_cpumap_format(const struct plm_cpumap *m, char *buf, size_t len);

#endif
