/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reallocation trigger: when a newly computed allocation replaces the
 * current one.
 *
 * Moving resources has a cost (ballooning, vcpu hotplug, cache warmth), so a
 * newly computed allocation replaces the current one only when the
 * difference is large, or has persisted.  The rules form a table: each says
 * "a difference of at least pct percent of the current allocation, seen in
 * `samples` consecutive evaluations, or held for `duration_ms`, fires".
 * With the default table (10% at once, 9% twice, 8% three times) a large
 * change moves resources immediately and a small one must persist.
 *
 * Each rule keeps its own streak.  A sample whose difference falls below a
 * rule's percentage, or whose direction (grow or shrink) differs from the
 * streak's, restarts that rule's streak: a persistent change is one that
 * keeps pointing the same way.  Firing resets every streak.  The module is
 * pure: the caller passes the time.
 */
#ifndef XENPLM_CORE_TRIGGER_H
#define XENPLM_CORE_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amount.h"

#define PLM_TRIGGER_MAX_RULES 8

struct plm_trigger_rule {
    uint32_t pct100;      /* threshold in hundredths of a percent (1000 = 10%) */
    uint32_t samples;     /* consecutive samples needed, 0 = not by count */
    uint64_t duration_ms; /* or held this long, 0 = not by time */
};

struct plm_trigger {
    struct plm_trigger_rule rule[PLM_TRIGGER_MAX_RULES];
    size_t nrules;
    /* Differences smaller than this never count (e.g. one rounding unit). */
    plm_amt_t min_delta;
};

/* Per domain and resource. Zero-initialise, or use plm_trigger_state_reset. */
struct plm_trigger_state {
    uint32_t streak[PLM_TRIGGER_MAX_RULES];
    uint64_t since_ms[PLM_TRIGGER_MAX_RULES];
    int direction; /* +1 grow, -1 shrink, 0 no streak */
};

/* What made a sample fire. */
struct plm_trigger_why {
    size_t rule;      /* index of the rule that fired */
    uint32_t pct100;  /* the difference seen, in hundredths of a percent */
    uint32_t samples; /* its streak length, this sample included */
    uint64_t held_ms; /* how long the streak had lasted */
};

/* The default table: >=10% once, >=9% twice, >=8% three times. */
void plm_trigger_init_default(struct plm_trigger *t);

/*
 * Validate a table: 1..PLM_TRIGGER_MAX_RULES rules, each with a pct100 in
 * 1..1000000 and at least one of samples/duration_ms set, min_delta >= 0.
 * Returns 0 or PLM_EINVAL.
 */
int plm_trigger_check(const struct plm_trigger *t);

void plm_trigger_state_reset(struct plm_trigger_state *s);

/*
 * The difference between current and proposed, in hundredths of a percent
 * of current, saturated at UINT32_MAX (a current of 0 with any proposed
 * amount above it counts as saturated).
 */
uint32_t plm_trigger_diff_pct100(plm_amt_t current, plm_amt_t proposed);

/*
 * Feed one evaluation.  Returns true when the proposed allocation should
 * replace the current one now; *why_out (may be NULL) then says which rule
 * fired.  now_ms must not go backwards between calls for one state.
 */
bool plm_trigger_sample(const struct plm_trigger *t, struct plm_trigger_state *s, plm_amt_t current,
                        plm_amt_t proposed, uint64_t now_ms, struct plm_trigger_why *why_out);

#endif
