/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the renderers (render.c and one file per view); not for use
 * outside them.  All read the state (state.h) and never change it.
 */
#ifndef XENPLM_DAEMON_RENDER_INT_H
#define XENPLM_DAEMON_RENDER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/amount.h"
#include "daemon/state.h"
#include "json/jw.h"

/* A cell of the list, or a value of show: long enough for 16 levels. */
#define CELL_MAX 512

/* A column of a text table: its title (with the unit of its numbers, as
 * "CPU(pct)"), and whether it holds numbers, aligned to the right. */
struct rnd_col {
    const char *title;
    bool right;
};
#define RND_GRID_MAX_COLS 16
/* Cell (row, col) of a table into buf, as text. */
typedef void rnd_cell_fn(const void *ctx, size_t row, size_t col, char *buf, size_t size);
/*
 * The one text table printer: a line of titles, then a line per row, each
 * after prefix, the columns two blanks apart and as wide as their widest
 * cell, without blanks at the end of a line.
 */
void rnd_grid(FILE *f, const char *prefix, const struct rnd_col *cols, size_t ncols, size_t nrows,
              rnd_cell_fn *cell, const void *ctx);

/* Short names, as in the guest protocol and the JSON keys, and units. */
const char *rnd_res_name(int r);
extern const char *const rnd_res_unit[DMN_NRES];

/* 0, or PLM_EIO when the stream had an error. */
int rnd_finish(FILE *f);
/* Printable ASCII as is, anything else as '?'; the same into a buffer. */
void rnd_put_safe(FILE *f, const char *s);
void rnd_copy_safe(char *buf, size_t size, const char *s);
/* How long ago `then` was; a time in the future counts as now. */
uint64_t rnd_age_ms(uint64_t now, uint64_t then);
/* KiB to whole MiB, rounded to the nearest; to an exact MiB amount. */
int64_t rnd_mib_of_kib(int64_t kib);
plm_amt_t rnd_mib_amt_of_kib(int64_t kib);
/* "50/120/200", or "-" for no levels. */
void rnd_levels_format(char *buf, size_t size, const plm_amt_t *lv, unsigned n);
/* The levels a domain asked for resource r (NULL and 0: none). */
unsigned rnd_requested(const struct dmn_domain *d, int r, const plm_amt_t **lv);
bool rnd_has_override(const struct dmn_domain *d);
/* The most d may be granted of r, as the next decision sees it (eng_max),
 * and what sets it; the same as "200, its vcpus (2 x 100)". */
plm_amt_t rnd_max(const struct dmn_domain *d, int r, enum eng_max_by *by);
void rnd_max_format(char *buf, size_t size, const struct dmn_domain *d, int r);
/* An active override of r as it takes effect: the amount asked, held to rnd_max. */
plm_amt_t rnd_override_effective(const struct dmn_domain *d, int r);
/* A domain's flags, in a fixed order; returns how many (at most RND_NFLAGS). */
#define RND_NFLAGS 10
size_t rnd_domain_flags(const struct dmn_state *s, const struct dmn_domain *d,
                        const char *names[RND_NFLAGS]);
/* The policy file the state was loaded from, for people. */
const char *rnd_policy_file(const struct dmn_state *s);
/* render_ahead.c: what it anticipates of r, in words or as JSON (null:
 * nothing); for a domain whose rule anticipates. */
void rnd_ahead_format(char *buf, size_t size, const struct dmn_domain *d, int r);
void rnd_ahead_json(struct jw *w, const struct dmn_domain *d, int r);
/* Status: a line for anticipation and one per need anticipated now, or
 * (JSON) the member "anticipating"; nothing when no rule anticipates. */
void rnd_ahead_status_text(FILE *f, const struct dmn_state *s);
void rnd_ahead_status_json(struct jw *w, const struct dmn_state *s);
/* render_affinity.c: whether show has an affinity line for the domain
 * (its rule has <affinity>, or xenplm set some), the line (and one for a
 * problem), and the JSON member's value. */
bool rnd_affinity_shown(const struct dmn_domain *d);
void rnd_affinity_text(FILE *f, const struct dmn_domain *d);
void rnd_affinity_json(struct jw *w, const struct dmn_domain *d);
/* render_boost.c: its boost (running, cooldown, the hour's use), as a
 * line of show or a JSON object; for a domain whose rule says <boost>. */
void rnd_boost_text(FILE *f, const struct dmn_domain *d, uint64_t now_ms);
void rnd_boost_json(struct jw *w, const struct dmn_domain *d, uint64_t now_ms);
/* render_poolsum.c: pool mode's figures (s->pool) in status, as lines or
 * the JSON member "pool_mode" (null outside a pool), and as the
 * xenplm_pool_* metrics (nothing outside a pool). */
void rnd_pool_status_text(FILE *f, const struct dmn_state *s);
void rnd_pool_status_json(struct jw *w, const struct dmn_state *s);
void rnd_pool_metrics(FILE *f, const struct dmn_state *s);
/* "  key            " (depth 0) or "    key          " (depth 1). */
void rnd_key(FILE *f, int depth, const char *k);

/* Levels as an array of amounts (null for none), names as an array of
 * strings, -1 as null, PLM_AMT_MAX as null. */
void rnd_json_levels(struct jw *w, const plm_amt_t *lv, unsigned n);
void rnd_json_names(struct jw *w, const char *const *names, size_t n);
void rnd_json_int_or_null(struct jw *w, int v);
/* The members "weight" and "cap" of a domain, each null when not set. */
void rnd_json_sched(struct jw *w, const struct dmn_domain *d);
void rnd_json_amt_or_null(struct jw *w, plm_amt_t v);

#endif
