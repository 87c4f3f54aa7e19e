/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arbiter: floors first, then the priority levels in order, levelling
 * the co-priority domains at the first level the pool cannot cover, then
 * the leftover rule.  See arbiter.h for the model.  Implementation notes:
 *
 * - Levels are walked in order with two O(N) passes each: one computes
 *   every domain's goal for the level (its cumulative request, never less
 *   than what it already holds, never more than its maximum) and the sum of
 *   shortfalls; the other grants the goals when the pool covers them.  The
 *   first level the pool cannot cover is shared out and ends the walk, so
 *   the sharing step (which sorts) runs at most once per call.
 *
 * - Levelling is water-filling: find the level w such that raising every
 *   co-priority domain to min(max(w, held), goal) costs exactly the pool.
 *   This is where raising the poorest domains toward successive targets
 *   (each held amount and each request, in increasing order) ends: no held amount
 *   and no request lies strictly between two consecutive targets, so the
 *   domains "below the target" that share the last remainder equally all
 *   sit at the same level.  The held amounts and the goals are sorted once
 *   (radix, linear) and swept together; the cost grows linearly between
 *   breakpoints, so the crossing is found by one division.  When the
 *   division leaves ticks over, they go one each to the rising domains in
 *   table order.
 *
 * - Feedback risk: a generous leftover rule makes guests over-achieve,
 *   lower their requests, and trigger another reallocation, and so on.
 *   Reserve is therefore the default, and the trigger module (trigger.c)
 *   damps the loop.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arbiter.h"
#include "error.h"
#include "rounder.h"
#include "sort.h"

static inline const struct plm_request *req_at(const struct plm_request *req, size_t stride,
                                               size_t i)
{
    return (const struct plm_request *)(const void *)((const char *)req + i * stride);
}

static inline plm_amt_t min_amt(plm_amt_t a, plm_amt_t b)
{
    return a < b ? a : b;
}

static inline plm_amt_t max_amt(plm_amt_t a, plm_amt_t b)
{
    return a > b ? a : b;
}

void plm_params_init(struct plm_params *p, plm_amt_t total)
{
    memset(p, 0, sizeof(*p));
    p->total = total;
    p->minimal = PLM_SCALE;
    p->unit = PLM_SCALE;
    p->mode = PLM_MODE_LEVELLING;
    p->leftover = PLM_LEFTOVER_RESERVE;
}

void plm_request_init(struct plm_request *r)
{
    memset(r, 0, sizeof(*r));
    r->max = PLM_AMT_MAX;
}

int plm_work_init(struct plm_work *w, size_t capacity)
{
    memset(w, 0, sizeof(*w));
    if (capacity > PLM_MAX_DOMAINS)
        return PLM_ETOOMANY;
    size_t c = capacity ? capacity : 1;
    w->alloc = malloc(c * sizeof(*w->alloc));
    w->base = malloc(c * sizeof(*w->base));
    w->goal = malloc(c * sizeof(*w->goal));
    w->floor = malloc(c * sizeof(*w->floor));
    w->cap = malloc(c * sizeof(*w->cap));
    /* Tracing sorts held amounts and requests together: 2N keys. */
    w->keys = malloc(2 * c * sizeof(*w->keys));
    w->keys2 = malloc(2 * c * sizeof(*w->keys2));
    w->idx = malloc(c * sizeof(*w->idx));
    w->idx2 = malloc(c * sizeof(*w->idx2));
    if (!w->alloc || !w->base || !w->goal || !w->floor || !w->cap || !w->keys || !w->keys2 ||
        !w->idx || !w->idx2) {
        plm_work_dispose(w);
        return PLM_ENOMEM;
    }
    w->capacity = capacity;
    return 0;
}

void plm_work_dispose(struct plm_work *w)
{
    free(w->alloc);
    free(w->base);
    free(w->goal);
    free(w->floor);
    free(w->cap);
    free(w->keys);
    free(w->keys2);
    free(w->idx);
    free(w->idx2);
    memset(w, 0, sizeof(*w));
}

plm_amt_t plm_request_at(const struct plm_request *r, unsigned level)
{
    plm_amt_t v = 0;
    unsigned last = level < r->nlevels ? level : r->nlevels;
    for (unsigned l = 0; l < last; l++)
        v = max_amt(v, r->level[l]);
    return v;
}

/*
 * Per-call constants for normalising bounds to the unit: floors round up
 * and maximums round down, so that rounding an allocation to the unit can
 * never cross either.  Most domains have no maximum and no minimum above
 * the minimal allotment; those take no division at all.
 */
struct bounds {
    plm_amt_t unit;
    plm_amt_t minimal; /* minimal allotment, rounded up to the unit */
    plm_amt_t nomax;   /* PLM_AMT_MAX rounded down to the unit */
};

static void bounds_init(struct bounds *b, const struct plm_params *p)
{
    b->unit = p->unit;
    b->minimal = (p->minimal + p->unit - 1) / p->unit * p->unit;
    b->nomax = PLM_AMT_MAX / p->unit * p->unit;
}

static inline plm_amt_t cap_of(const struct plm_request *r, const struct bounds *b)
{
    return r->max == PLM_AMT_MAX ? b->nomax : r->max / b->unit * b->unit;
}

static inline plm_amt_t floor_of(const struct plm_request *r, const struct bounds *b, plm_amt_t cap)
{
    plm_amt_t f = b->minimal;
    if (r->min > f)
        f = (r->min + b->unit - 1) / b->unit * b->unit;
    /* The maximum is the operator's hard limit: it wins over a floor. */
    return min_amt(f, cap);
}

/* The amount asked at 1-based level as written (levels past the last
 * repeat it), before any normalisation. */
static inline plm_amt_t asked_at(const struct plm_request *r, unsigned level)
{
    return r->nlevels ? r->level[(level <= r->nlevels ? level : r->nlevels) - 1] : 0;
}

static void emit(const struct plm_params *p, enum plm_step_kind kind, unsigned level,
                 plm_amt_t target, plm_amt_t remaining, const struct plm_work *w, size_t n)
{
    struct plm_step st = {
        .kind = kind,
        .level = level,
        .target = target,
        .remaining = remaining,
        .alloc = w->alloc,
        .n = n,
    };
    p->trace(p->trace_arg, &st);
}

/*
 * Water-fill `amount` into val[] (in place), each element rising from its
 * current value toward hi[i], which must cost more than amount in total.
 * Returns the water level.  keys/keys2 need 2n entries.
 */
static plm_amt_t waterfill(plm_amt_t *val, const plm_amt_t *hi, size_t n, plm_amt_t amount,
                           struct plm_work *w)
{
    uint64_t *lo_keys = w->keys, *hi_keys = w->keys + n;
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        if (hi[i] > val[i]) {
            lo_keys[m] = (uint64_t)val[i];
            hi_keys[m] = (uint64_t)hi[i];
            m++;
        }
    }
    /* Both halves of keys are sorted separately; keys2 is the scratch. */
    plm_radix_sort(lo_keys, NULL, w->keys2, NULL, m);
    plm_radix_sort(hi_keys, NULL, w->keys2, NULL, m);

    plm_amt_t level = (plm_amt_t)lo_keys[0], cost = 0, rising = 0;
    size_t ia = 0, ih = 0;
    for (;;) {
        while (ia < m && (plm_amt_t)lo_keys[ia] <= level) {
            rising++;
            ia++;
        }
        while (ih < m && (plm_amt_t)hi_keys[ih] <= level) {
            rising--;
            ih++;
        }
        /* Total goals exceed the amount, so a goal above level remains. */
        plm_amt_t next = (plm_amt_t)hi_keys[ih];
        if (ia < m && (plm_amt_t)lo_keys[ia] < next)
            next = (plm_amt_t)lo_keys[ia];
        plm_amt_t step = rising * (next - level);
        if (cost + step >= amount) {
            plm_amt_t left = amount - cost;
            plm_amt_t water = level + left / rising;
            plm_amt_t ticks = left % rising;
            for (size_t i = 0; i < n; i++) {
                if (hi[i] <= val[i] || val[i] > water)
                    continue;
                /* Rising domains reach the water; ticks that did not
                 * divide evenly go one each, in table order. */
                val[i] = water;
                if (ticks > 0 && hi[i] > water) {
                    val[i]++;
                    ticks--;
                }
                if (val[i] > hi[i])
                    val[i] = hi[i];
            }
            return water;
        }
        cost += step;
        level = next;
    }
}

/*
 * Trace only: report each target the levelling passes (every held amount
 * and every amount requested at the level, in increasing order) for as
 * long as the pool covers it.  Leaves w->alloc as it found it.
 */
static void trace_targets(const struct plm_params *p, const struct plm_request *req, size_t stride,
                          size_t n, unsigned level, plm_amt_t pool, struct plm_work *w)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        w->keys[k++] = (uint64_t)w->base[i];
        /* The amount as asked, even below what is held: a domain that
         * asks less at a level than it holds from the one before still
         * names a target (fig4b: p5 holds 4 and asks 3 at level 2). */
        const struct plm_request *r = req_at(req, stride, i);
        w->keys[k++] = (uint64_t)asked_at(r, level);
    }
    plm_radix_sort(w->keys, NULL, w->keys2, NULL, k);

    for (size_t j = 0; j < k; j++) {
        plm_amt_t target = (plm_amt_t)w->keys[j], cost = 0;
        if (j > 0 && w->keys[j] == w->keys[j - 1])
            continue;
        for (size_t i = 0; i < n; i++)
            cost += max_amt(min_amt(target, w->goal[i]), w->base[i]) - w->base[i];
        if (cost > pool)
            break;
        for (size_t i = 0; i < n; i++)
            w->alloc[i] = max_amt(min_amt(target, w->goal[i]), w->base[i]);
        emit(p, PLM_STEP_TARGET, level, target, pool - cost, w, n);
        if (cost == pool)
            break;
    }
    memcpy(w->alloc, w->base, n * sizeof(*w->alloc));
}

/* Share `pool` (less than the level's total shortfall) by the mode. */
static plm_amt_t share_level(const struct plm_params *p, const struct plm_request *req,
                             size_t stride, size_t n, unsigned level, plm_amt_t pool,
                             plm_amt_t need, struct plm_work *w)
{
    plm_amt_t *alloc = w->alloc, *goal = w->goal;
    plm_amt_t water = 0;

    switch (p->mode) {
    case PLM_MODE_LEVELLING:
        if (p->trace) {
            memcpy(w->base, alloc, n * sizeof(*alloc));
            trace_targets(p, req, stride, n, level, pool, w);
        }
        water = waterfill(alloc, goal, n, pool, w);
        break;

    case PLM_MODE_PROPORTIONAL: {
        plm_amt_t given = 0;
        for (size_t i = 0; i < n; i++) {
            plm_amt_t s = goal[i] - alloc[i];
            if (s <= 0)
                continue;
            /* pool * s can exceed 64 bits; the quotient cannot. */
            plm_amt_t g = (plm_amt_t)((__int128)pool * s / need);
            w->base[i] = g;
            given += g;
        }
        plm_amt_t ticks = pool - given;
        for (size_t i = 0; i < n; i++) {
            plm_amt_t s = goal[i] - alloc[i];
            if (s <= 0)
                continue;
            plm_amt_t g = w->base[i];
            /* Each quotient lost less than one tick, and g < s. */
            if (ticks > 0 && g < s) {
                g++;
                ticks--;
            }
            alloc[i] += g;
        }
        break;
    }

    case PLM_MODE_MAX_SATISFIED: {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (goal[i] > alloc[i]) {
                w->keys[m] = (uint64_t)(goal[i] - alloc[i]);
                w->idx[m] = (uint32_t)i;
                m++;
            }
        }
        /* Stable: equal shortfalls are served in table order. */
        plm_radix_sort(w->keys, w->idx, w->keys2, w->idx2, m);
        plm_amt_t left = pool;
        for (size_t j = 0; j < m && left > 0; j++) {
            plm_amt_t g = min_amt((plm_amt_t)w->keys[j], left);
            alloc[w->idx[j]] += g;
            left -= g;
        }
        break;
    }
    }
    return water;
}

static int check_params(const struct plm_params *p, size_t n, const struct plm_work *w)
{
    if (p->unit <= 0 || p->unit > PLM_AMT_MAX || p->total < 0 || p->total > PLM_AMT_MAX ||
        p->minimal < 0 || p->minimal > PLM_AMT_MAX)
        return PLM_EINVAL;
    if (p->mode != PLM_MODE_LEVELLING && p->mode != PLM_MODE_PROPORTIONAL &&
        p->mode != PLM_MODE_MAX_SATISFIED)
        return PLM_EINVAL;
    if (p->leftover != PLM_LEFTOVER_RESERVE && p->leftover != PLM_LEFTOVER_SPLIT &&
        p->leftover != PLM_LEFTOVER_DEFAULT)
        return PLM_EINVAL;
    if (n > PLM_MAX_DOMAINS || n > w->capacity)
        return PLM_ETOOMANY;
    if (p->leftover == PLM_LEFTOVER_DEFAULT && n > 0 && p->default_domain >= n)
        return PLM_EINVAL;
    return 0;
}

/*
 * One read of the table: validate every request, record each floor and
 * cap, and add up what the whole table holds once levels 1..l are granted
 * in full (demand[l-1]).  Granting a level in full leaves each domain at
 * min(max(its cumulative request, floor), cap), so these sums tell, before
 * any allocation is made, at which level the pool runs out.
 */
struct plan {
    plm_amt_t floors;                 /* sum of floors */
    plm_amt_t demand[PLM_MAX_LEVELS]; /* held after level l+1 in full */
    unsigned maxlev;                  /* deepest level any domain asks */
};

static int plan_levels(const struct bounds *b, const struct plm_request *req, size_t stride,
                       size_t n, struct plm_work *w, struct plan *pl)
{
    plm_amt_t tail[PLM_MAX_LEVELS + 1];

    memset(pl, 0, sizeof(*pl));
    memset(tail, 0, sizeof(tail));
    for (size_t i = 0; i < n; i++) {
        const struct plm_request *r = req_at(req, stride, i);
        unsigned nl = r->nlevels;
        if (nl > PLM_MAX_LEVELS)
            return PLM_ETOOMANY;
        if (r->min < 0 || r->max < 0 || r->max > PLM_AMT_MAX || r->min > r->max)
            return PLM_EINVAL;
        plm_amt_t cap = cap_of(r, b), floor = floor_of(r, b, cap);
        w->cap[i] = cap;
        w->floor[i] = floor;
        pl->floors += floor;

        plm_amt_t m = 0, held = floor;
        for (unsigned l = 0; l < nl; l++) {
            plm_amt_t q = r->level[l];
            if (q < 0 || q > PLM_AMT_MAX)
                return PLM_EINVAL;
            m = max_amt(m, q);
            held = min_amt(max_amt(m, floor), cap);
            pl->demand[l] += held;
        }
        /* Levels past its last repeat it: counted once, below. */
        tail[nl] += held;
        if (nl > pl->maxlev)
            pl->maxlev = nl;
    }
    plm_amt_t carried = 0;
    for (unsigned l = 0; l < PLM_MAX_LEVELS; l++) {
        carried += tail[l];
        pl->demand[l] += carried;
    }
    return 0;
}

/* Block 316: floors, levelled among all domains if the pool is short. */
static plm_amt_t give_floors(size_t n, plm_amt_t total, plm_amt_t floors, struct plm_work *w)
{
    if (floors <= total) {
        memcpy(w->alloc, w->floor, n * sizeof(*w->alloc));
        return total - floors;
    }
    memset(w->alloc, 0, n * sizeof(*w->alloc));
    waterfill(w->alloc, w->floor, n, total, w);
    return 0;
}

/* Block 308: what no level asked for. */
static plm_amt_t give_leftover(const struct plm_params *p, size_t n, plm_amt_t pool,
                               struct plm_work *w)
{
    plm_amt_t *alloc = w->alloc;

    if (p->leftover == PLM_LEFTOVER_DEFAULT) {
        size_t d = p->default_domain;
        plm_amt_t g = min_amt(max_amt(w->cap[d] - alloc[d], 0), pool);
        alloc[d] += g;
        w->base[d] += g;
        return pool - g;
    }
    /* Split: equal increments, each bounded by the domain's headroom. */
    plm_amt_t room = 0;
    for (size_t i = 0; i < n; i++) {
        w->goal[i] = max_amt(w->cap[i] - alloc[i], 0);
        room += w->goal[i];
    }
    if (room <= pool) {
        for (size_t i = 0; i < n; i++) {
            alloc[i] += w->goal[i];
            w->base[i] = w->goal[i];
        }
        return pool - room;
    }
    memset(w->base, 0, n * sizeof(*w->base));
    waterfill(w->base, w->goal, n, pool, w);
    for (size_t i = 0; i < n; i++)
        alloc[i] += w->base[i];
    return 0;
}

/* Fill one outcome from the final allocation. */
static void explain(const struct plm_request *r, plm_amt_t alloc, plm_amt_t floor, plm_amt_t cap,
                    unsigned maxlev, const struct plm_summary *s, struct plm_outcome *o)
{
    plm_amt_t want = 0;
    unsigned sat = 0;

    /* One running maximum gives both the levels met and the full ask;
     * levels past the request's last repeat it. */
    for (unsigned l = 0; l < r->nlevels; l++) {
        want = max_amt(want, r->level[l]);
        if (alloc >= want && sat == l)
            sat = l + 1;
    }
    if (sat == r->nlevels)
        sat = maxlev > sat ? maxlev : sat;

    o->raw = alloc;
    o->floor = floor;
    o->satisfied = sat;
    o->levelled = 0;
    o->water = 0;
    o->flags = 0;
    if (alloc == floor && floor > want)
        o->flags |= PLM_OUT_AT_MIN;
    if (cap < want && alloc == cap)
        o->flags |= PLM_OUT_AT_MAX;
    if (o->extra > 0)
        o->flags |= PLM_OUT_LEFTOVER;

    if (s->starved && alloc < floor)
        o->why = PLM_WHY_STARVED;
    else if (alloc >= want)
        o->why = want <= floor ? PLM_WHY_FLOOR : PLM_WHY_SATISFIED;
    else if (o->flags & PLM_OUT_AT_MAX)
        o->why = PLM_WHY_MAXIMUM;
    else if (s->levelled && sat < s->levelled) {
        o->why = PLM_WHY_LEVELLED;
        o->levelled = s->levelled;
        o->water = s->water;
    } else
        o->why = PLM_WHY_EXHAUSTED;
}

/*
 * The walk one level at a time, target by target.  Used when a trace
 * is wanted (every step is reported) and when the floors alone exhaust the
 * pool; walk_planned reaches the same result faster otherwise.
 */
static plm_amt_t walk_levels(const struct plm_params *p, const struct plm_request *req,
                             size_t stride, size_t n, unsigned maxlev, plm_amt_t pool,
                             struct plm_work *w, struct plm_summary *s)
{
    for (unsigned l = 1; l <= maxlev && pool > 0; l++) {
        plm_amt_t need = 0;
        for (size_t i = 0; i < n; i++) {
            const struct plm_request *r = req_at(req, stride, i);
            plm_amt_t q = asked_at(r, l);
            /* Never below what it holds (a request that falls from one
             * level to the next), never above its maximum. */
            plm_amt_t g = max_amt(min_amt(max_amt(q, w->alloc[i]), w->cap[i]), w->alloc[i]);
            w->goal[i] = g;
            need += g - w->alloc[i];
        }
        if (need <= pool) {
            memcpy(w->alloc, w->goal, n * sizeof(*w->alloc));
            pool -= need;
            if (p->trace)
                emit(p, PLM_STEP_LEVEL, l, 0, pool, w, n);
            continue;
        }
        s->water = share_level(p, req, stride, n, l, pool, need, w);
        s->levelled = l;
        pool = 0;
        if (p->trace)
            emit(p, PLM_STEP_SHARE, l, s->water, pool, w, n);
    }
    return pool;
}

/* The same walk, jumping straight to the level where the pool runs out. */
static plm_amt_t walk_planned(const struct plm_params *p, const struct plm_request *req,
                              size_t stride, size_t n, const struct plan *pl, plm_amt_t total,
                              struct plm_work *w, struct plm_summary *s)
{
    unsigned out_at = 0;
    for (unsigned l = 1; l <= pl->maxlev; l++) {
        if (pl->demand[l - 1] > total) {
            out_at = l;
            break;
        }
    }
    unsigned granted = out_at ? out_at - 1 : pl->maxlev;
    plm_amt_t held = granted ? pl->demand[granted - 1] : pl->floors;
    plm_amt_t pool = total - held;

    for (size_t i = 0; i < n; i++) {
        const struct plm_request *r = req_at(req, stride, i);
        unsigned nl = r->nlevels, upto = granted < nl ? granted : nl;
        plm_amt_t m = 0, f = w->floor[i], c = w->cap[i];
        unsigned l = 0;
        for (; l < upto; l++)
            m = max_amt(m, r->level[l]);
        w->alloc[i] = min_amt(max_amt(m, f), c);
        if (out_at) {
            /* The level that runs out is the next one, or the last repeated. */
            if (l < nl)
                m = max_amt(m, r->level[l]);
            w->goal[i] = min_amt(max_amt(m, f), c);
        }
    }
    /* A pool emptied exactly by the last full level shares nothing. */
    if (out_at && pool > 0) {
        plm_amt_t need = pl->demand[out_at - 1] - held;
        s->water = share_level(p, req, stride, n, out_at, pool, need, w);
        s->levelled = out_at;
        pool = 0;
    }
    return pool;
}

int plm_arbitrate(const struct plm_params *p, const struct plm_request *req, size_t stride,
                  size_t n, struct plm_work *w, struct plm_outcome *out,
                  struct plm_summary *summary_out)
{
    struct plm_summary s;
    struct bounds b;
    struct plan pl;
    plm_amt_t pool;
    int rc;

    if (stride == 0)
        stride = sizeof(struct plm_request);
    rc = check_params(p, n, w);
    if (rc)
        return rc;
    bounds_init(&b, p);
    rc = plan_levels(&b, req, stride, n, w, &pl);
    if (rc)
        return rc;

    memset(&s, 0, sizeof(s));
    s.total = p->total / p->unit * p->unit;
    s.starved = pl.floors > s.total;
    if (n == 0) {
        s.reserve = s.total;
        if (summary_out)
            *summary_out = s;
        return 0;
    }

    if (p->trace || s.starved) {
        pool = give_floors(n, s.total, pl.floors, w);
        if (p->trace)
            emit(p, PLM_STEP_FLOOR, 0, 0, pool, w, n);
        pool = walk_levels(p, req, stride, n, pl.maxlev, pool, w, &s);
    } else {
        pool = walk_planned(p, req, stride, n, &pl, s.total, w, &s);
    }

    /* Block 308: leftovers. */
    memset(w->base, 0, n * sizeof(*w->base));
    if (pool > 0 && p->leftover != PLM_LEFTOVER_RESERVE) {
        pool = give_leftover(p, n, pool, w);
        if (p->trace)
            emit(p, PLM_STEP_LEFTOVER, 0, 0, pool, w, n);
    }

    s.allocated = s.total - pool;
    s.reserve = pool;
    if (p->mode != PLM_MODE_LEVELLING)
        s.water = 0;
    for (size_t i = 0; i < n; i++) {
        out[i].extra = w->base[i];
        out[i].kept = 0;
        explain(req_at(req, stride, i), w->alloc[i], w->floor[i], w->cap[i], pl.maxlev, &s,
                &out[i]);
    }
    s.rounded_allocated = plm_round_cumulative(&out[0].raw, sizeof(*out), &out[0].rounded,
                                               sizeof(*out), n, p->unit, s.total);
    if (summary_out)
        *summary_out = s;
    return 0;
}

const char *const plm_mode_names[PLM_MODE_COUNT] = {
    [PLM_MODE_LEVELLING] = "levelling",
    [PLM_MODE_PROPORTIONAL] = "proportional",
    [PLM_MODE_MAX_SATISFIED] = "max-satisfied",
};

const char *const plm_leftover_names[PLM_LEFTOVER_COUNT] = {
    [PLM_LEFTOVER_RESERVE] = "reserve",
    [PLM_LEFTOVER_SPLIT] = "split",
    [PLM_LEFTOVER_DEFAULT] = "default",
};

/* The index of s in names[0..n), or -1. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

const char *plm_mode_name(enum plm_mode m)
{
    return (unsigned)m < PLM_MODE_COUNT ? plm_mode_names[m] : "?";
}

const char *plm_leftover_name(enum plm_leftover l)
{
    return (unsigned)l < PLM_LEFTOVER_COUNT ? plm_leftover_names[l] : "?";
}

int plm_mode_parse(const char *s, enum plm_mode *m_out)
{
    int i = name_index(plm_mode_names, PLM_MODE_COUNT, s);

    if (i < 0)
        return PLM_EINVAL;
    *m_out = (enum plm_mode)i;
    return 0;
}

int plm_leftover_parse(const char *s, enum plm_leftover *l_out)
{
    int i = name_index(plm_leftover_names, PLM_LEFTOVER_COUNT, s);

    if (i < 0)
        return PLM_EINVAL;
    *l_out = (enum plm_leftover)i;
    return 0;
}

const char *plm_why_name(enum plm_why w)
{
    static const char *const names[] = {
        [PLM_WHY_SATISFIED] = "satisfied", [PLM_WHY_FLOOR] = "floor",
        [PLM_WHY_STARVED] = "starved",     [PLM_WHY_MAXIMUM] = "maximum",
        [PLM_WHY_LEVELLED] = "levelled",   [PLM_WHY_EXHAUSTED] = "exhausted",
    };

    return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "?";
}
