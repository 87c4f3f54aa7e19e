/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arbiter: one pool of one resource, shared among domains by priority.
 *
 * Each domain asks for a cumulative amount per priority level: "to meet my
 * level-1 goals I need Q1, to meet levels 1 and 2 I need Q2, ...".  The
 * arbiter first gives every domain its floor (the minimal allotment, or its
 * policy minimum if larger), then serves the levels in order.  A level that
 * the pool can cover in full is granted in full; the first level that it
 * cannot cover is shared out by the configured mode and ends the walk.
 * Whatever is left after the last level is held in reserve, given to a
 * default domain, or split equally, as configured.
 *
 * The default mode, levelling, raises the poorest co-priority domains first
 * towards a common water level: nobody is taken below what it already holds
 * from higher levels, and a domain that asks for more than its peers cannot
 * push them under the level they would share.  The alternatives give the
 * remainder in proportion to each domain's shortfall, or satisfy the
 * smallest shortfalls first to maximise the number of domains satisfied.
 *
 * All arithmetic is in integer ticks (see amount.h); divisions that do not
 * come out even hand their last ticks, one each, to the first eligible
 * domains in table order, so a result is exact and deterministic.  The
 * function is pure: no I/O, no clock, no allocation beyond the workspace
 * the caller initialised once with plm_work_init.
 */
#ifndef XENPLM_CORE_ARBITER_H
#define XENPLM_CORE_ARBITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amount.h"

/* Priority levels a request may carry; level 1 is the most important. */
#define PLM_MAX_LEVELS 16

enum plm_mode {
    PLM_MODE_LEVELLING = 0, /* water-filling toward successive targets */
    PLM_MODE_PROPORTIONAL,  /* remainder in proportion to each shortfall */
    PLM_MODE_MAX_SATISFIED, /* smallest shortfalls satisfied first */
};
#define PLM_MODE_COUNT 3

enum plm_leftover {
    PLM_LEFTOVER_RESERVE = 0, /* hold what nobody asked for */
    PLM_LEFTOVER_SPLIT,       /* divide it equally, up to each maximum */
    PLM_LEFTOVER_DEFAULT,     /* give it to one domain, up to its maximum */
};
#define PLM_LEFTOVER_COUNT 3

/* One domain's demand for one resource. */
struct plm_request {
    /*
     * Cumulative amount wanted for levels 1..nlevels.  Levels past nlevels
     * repeat the last one; a level that asks less than an earlier one is
     * read as asking the earlier amount (fig4b's p5: 4, then 3).
     */
    plm_amt_t level[PLM_MAX_LEVELS];
    unsigned nlevels; /* 0: asks for nothing beyond its floor */
    plm_amt_t min;    /* policy minimum, 0 for none */
    plm_amt_t max;    /* policy maximum, PLM_AMT_MAX for none */
};

/* Why a domain holds what it holds, most specific reason first. */
enum plm_why {
    PLM_WHY_SATISFIED = 0, /* every level it asked for is met */
    PLM_WHY_FLOOR,         /* its floor already covers everything it asked */
    PLM_WHY_STARVED,       /* the pool cannot cover every floor */
    PLM_WHY_MAXIMUM,       /* held at its policy maximum, below its request */
    PLM_WHY_LEVELLED,      /* shared out at the level the pool ran out */
    PLM_WHY_EXHAUSTED,     /* pool ran out at an earlier level than its next */
};

/* Flags in plm_outcome.flags. */
#define PLM_OUT_AT_MIN 0x1u   /* allocation equals the floor, above the request */
#define PLM_OUT_AT_MAX 0x2u   /* the policy maximum limited it */
#define PLM_OUT_LEFTOVER 0x4u /* received some of the leftover */

/* What one domain got, and why. */
struct plm_outcome {
    plm_amt_t raw;      /* unrounded allocation */
    plm_amt_t rounded;  /* after the cumulative rounder, a multiple of unit */
    plm_amt_t floor;    /* minimal allotment / policy minimum it was given first */
    plm_amt_t extra;    /* part of raw that came from the leftover rule */
    plm_amt_t kept;     /* part of rounded the domain keeps of what it holds
                           (lazy reclaim, core/keep.h; the arbiter sets 0) */
    plm_amt_t water;    /* water level of the levelled level, if levelled */
    unsigned satisfied; /* highest level fully met, 0 for none */
    unsigned levelled;  /* level at which the pool ran out, 0 if it did not */
    unsigned flags;     /* PLM_OUT_* */
    enum plm_why why;
};

/* Whole-pool figures. */
struct plm_summary {
    plm_amt_t total;             /* the pool, as usable (rounded down to the unit) */
    plm_amt_t allocated;         /* sum of raw allocations */
    plm_amt_t reserve;           /* total - allocated */
    plm_amt_t rounded_allocated; /* sum of rounded allocations */
    plm_amt_t water;             /* water level of the levelled level */
    unsigned levelled;           /* level at which the pool ran out, 0 if it did not */
    bool starved;                /* the pool could not cover every floor */
};

/* A step of the walk, for observing it (the columns of `xenplm arbitrate --trace`). */
enum plm_step_kind {
    PLM_STEP_FLOOR,    /* every domain given its floor */
    PLM_STEP_LEVEL,    /* a level the pool covers, granted in full */
    PLM_STEP_TARGET,   /* the poorest raised to the next levelling target */
    PLM_STEP_SHARE,    /* the last remainder shared equally below the target */
    PLM_STEP_LEFTOVER, /* the leftover rule applied to what no level took */
};

struct plm_step {
    enum plm_step_kind kind;
    unsigned level;         /* 1-based, 0 for FLOOR and LEFTOVER */
    plm_amt_t target;       /* TARGET: the target; SHARE: the water level reached */
    plm_amt_t remaining;    /* pool left after this step */
    const plm_amt_t *alloc; /* allocation of every domain after this step */
    size_t n;
};

typedef void plm_trace_fn(void *arg, const struct plm_step *step);

struct plm_params {
    plm_amt_t total;   /* the pool */
    plm_amt_t minimal; /* minimal allotment per domain (the CLI's default: one unit) */
    plm_amt_t unit;    /* granularity of the rounded result, > 0 */
    enum plm_mode mode;
    enum plm_leftover leftover;
    size_t default_domain; /* index, for PLM_LEFTOVER_DEFAULT */
    /*
     * Optional observer.  When set, the arbiter reports every step,
     * including each levelling target (the requested and held amounts of
     * the level, in increasing order); this costs O(N) per step and is meant
     * for explanation and tests, not for the daemon's hot path.
     */
    plm_trace_fn *trace;
    void *trace_arg;
};

/* Scratch space, sized once for the largest table the caller will pass. */
struct plm_work {
    size_t capacity;
    plm_amt_t *alloc; /* working allocation */
    plm_amt_t *base;  /* allocation before the current step */
    plm_amt_t *goal;  /* target of the current level, clamped */
    plm_amt_t *floor; /* per-domain floor after unit normalisation */
    plm_amt_t *cap;   /* per-domain maximum after unit normalisation */
    uint64_t *keys;   /* sort keys */
    uint64_t *keys2;  /* sort scratch */
    uint32_t *idx;    /* sort payload */
    uint32_t *idx2;   /* sort scratch */
};

/* Fill params with the defaults: minimal 1, unit 1, levelling, reserve. */
void plm_params_init(struct plm_params *p, plm_amt_t total);

/* Fill a request with no levels, no minimum and no maximum. */
void plm_request_init(struct plm_request *r);

/* Allocate scratch for up to capacity domains.  0 or PLM_ENOMEM. */
int plm_work_init(struct plm_work *w, size_t capacity);
/* Release it; safe on a zeroed or already disposed workspace. */
void plm_work_dispose(struct plm_work *w);

/* Amount the request asks at 1-based level, normalised to be cumulative. */
plm_amt_t plm_request_at(const struct plm_request *r, unsigned level);

/*
 * Arbitrate one resource among n domains.  req points at the first
 * domain's request, and successive domains are stride bytes apart, so a
 * table holding several resources per domain can be passed as it is
 * (stride 0 means sizeof(struct plm_request)).  out receives n outcomes;
 * summary_out may be NULL.  Returns 0, PLM_EINVAL for bad parameters
 * (unit <= 0, total or an amount outside 0..PLM_AMT_MAX, min > max, a
 * default domain out of range), or PLM_ETOOMANY when n exceeds the
 * workspace capacity or PLM_MAX_DOMAINS.
 */
int plm_arbitrate(const struct plm_params *p, const struct plm_request *req, size_t stride,
                  size_t n, struct plm_work *w, struct plm_outcome *out,
                  struct plm_summary *summary_out);

/*
 * Stable names, used by the CLI, the policy and JSON output: the one
 * place they are spelled.  The tables are indexed by the enum, for
 * parsers that take a list of words.
 */
extern const char *const plm_mode_names[PLM_MODE_COUNT];
extern const char *const plm_leftover_names[PLM_LEFTOVER_COUNT];
const char *plm_mode_name(enum plm_mode m);
const char *plm_leftover_name(enum plm_leftover l);
const char *plm_why_name(enum plm_why w);
/* 0 and *out set, or PLM_EINVAL for an unknown name. */
int plm_mode_parse(const char *s, enum plm_mode *m_out);
int plm_leftover_parse(const char *s, enum plm_leftover *l_out);

#endif
