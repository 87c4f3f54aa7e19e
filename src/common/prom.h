/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus's text exposition format (version 0.0.4), as node_exporter's
 * textfile collector reads it: what xenplmd's and xenplm-agent's metrics
 * renderers share.  Pure: writing to the given stream is all they do.
 *
 * A family is written as "# HELP name text" and "# TYPE name type", then
 * its samples, "name{labels} value".  Label values are escaped as the
 * format says (backslash, double quote and newline as \\, \" and \n),
 * and every other byte that is not printable ASCII becomes '?', so that
 * a hostile name (a domain's, which a guest may influence) can neither
 * end a label early, start a line of its own nor make the file invalid
 * UTF-8.
 *
 * The histogram keeps its counts per bucket in a fixed array: observing
 * costs a few comparisons and no allocation.
 */
#ifndef XENPLM_COMMON_PROM_H
#define XENPLM_COMMON_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room enough for the longest label set a sample carries. */
#define PROM_LABELS_MAX 512

/* "# HELP" and "# TYPE" of a family; type is "gauge", "counter",
 * "histogram" (or "untyped"). */
void prom_family(FILE *f, const char *name, const char *type, const char *help);

/*
 * Append label name="value" to buf (size bytes, NUL-terminated, a comma
 * before it unless buf is empty), the value escaped as above.  A value
 * that does not fit is cut short at a character boundary; the result is
 * always a well-formed label set.
 */
void prom_label(char *buf, size_t size, const char *name, const char *value);
/* The same with an unsigned number as the value. */
void prom_label_u(char *buf, size_t size, const char *name, uint64_t value);

/* A sample: name{labels} value ("name value" when labels is NULL or ""). */
void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v);
void prom_i64(FILE *f, const char *name, const char *labels, int64_t v);
/* v / div, exactly as far as a decimal can say it (at most 9 places, no
 * trailing zeros): 1500 / 1000 is "1.5", 7 / 1 is "7". */
void prom_ratio(FILE *f, const char *name, const char *labels, int64_t v, int64_t div);

/* A histogram of durations in milliseconds, exposed in seconds. */
#define PROM_HIST_BUCKETS 13
extern const uint32_t prom_hist_le_ms[PROM_HIST_BUCKETS]; /* upper bounds, ascending */
struct prom_hist {
    uint64_t count;
    uint64_t sum_ms;
    uint64_t bucket[PROM_HIST_BUCKETS]; /* observations in (le[i-1], le[i]], not cumulative */
};
void prom_hist_observe(struct prom_hist *h, uint64_t ms);
/* name_bucket{labels,le="..."} (cumulative, then le="+Inf"), name_sum,
 * name_count; the family's HELP and TYPE are the caller's. */
void prom_hist_write(FILE *f, const char *name, const char *labels, const struct prom_hist *h);

#endif
