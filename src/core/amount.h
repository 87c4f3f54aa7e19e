/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resource amounts in fixed point.
 *
 * Every quantity the arbiter handles (a request, a minimum, a pool total, an
 * allocation) is a plm_amt_t: a signed 64-bit count of thousandths of the
 * resource's natural unit (hundredths of a pCPU, MiB, ...).  Decimal input
 * with up to three fractional digits is therefore represented exactly, and
 * so is every half produced by dividing an odd amount between two domains.
 * The arbiter never uses floating point, so halves such as 6.5, 1.5 and
 * 3.5 are exact and always round the same way, with no drift at .5.
 *
 * Limits keep every sum inside int64_t: a single amount is at most
 * PLM_AMT_MAX (10^9 units) and a table holds at most PLM_MAX_DOMAINS
 * domains, so a sum over the table stays below 10^18 ticks.
 */
#ifndef XENPLM_CORE_AMOUNT_H
#define XENPLM_CORE_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t plm_amt_t;

/* Ticks per unit: amounts carry three decimal places. */
#define PLM_SCALE ((plm_amt_t)1000)
/* Largest amount accepted anywhere: 10^9 units. */
#define PLM_AMT_MAX ((plm_amt_t)1000000000 * PLM_SCALE)
/* Largest number of domains in one arbitration. */
#define PLM_MAX_DOMAINS ((size_t)1000000)

/* Longest text plm_amt_format writes, with its NUL. */
#define PLM_AMT_STRLEN 24

/* Whole units to an amount (no range check: callers pass small constants). */
#define PLM_UNITS(u) ((plm_amt_t)(u)*PLM_SCALE)

/*
 * Parse a non-negative decimal ("12", "6.5", "0.125") into *amt_out.
 * The whole string must be the number.  Returns 0, or a negative
 * PLM_E* code: PLM_EGRAMMAR for anything that is not a plain decimal,
 * PLM_EPRECISION for more than three fractional digits, PLM_ERANGE for
 * a value above PLM_AMT_MAX.  *amt_out is untouched on error.
 */
int plm_amt_parse(const char *s, plm_amt_t *amt_out);

/* Same, for the first len bytes of s (which need not be NUL-terminated). */
int plm_amt_parse_n(const char *s, size_t len, plm_amt_t *amt_out);

/*
 * Write amt as the shortest exact decimal ("7", "6.5", "0.125", "-2").
 * Returns buf.
 */
char *plm_amt_format(plm_amt_t amt, char buf[PLM_AMT_STRLEN]);

#endif
