/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Properties of the arbiter over thousands of seeded random tables, and a
 * comparison with a slow, literal oracle of the levelling: raise the
 * poorest to each successive target while the pool covers it, then split
 * what is left equally among those below the next one.  Set XENPLM_TEST_SEED to explore other
 * tables; a failure message names the seed and case to replay.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arbiter.h"
#include "tests/unit/suite_run.h"

#define U(x) PLM_UNITS(x)
#define MAXN 40
#define CASES 3000

struct table {
    size_t n;
    struct plm_params p;
    struct plm_request r[MAXN];
};

static unsigned base_seed(void)
{
    const char *s = getenv("XENPLM_TEST_SEED");
    return s ? (unsigned)strtoul(s, NULL, 10) : 20261121u;
}

static plm_amt_t rnd(unsigned *seed, plm_amt_t lo, plm_amt_t hi)
{
    return lo + (plm_amt_t)((unsigned long)rand_r(seed) % (unsigned long)(hi - lo + 1));
}

/* A random table; amounts in whole units or thousandths. */
static void make_table(unsigned *seed, struct table *t)
{
    bool fine = rand_r(seed) % 4 == 0;
    plm_amt_t scale = fine ? 1 : PLM_SCALE;
    unsigned nlev = 1 + (unsigned)(rand_r(seed) % 8);

    memset(t, 0, sizeof(*t));
    t->n = 1 + (size_t)(rand_r(seed) % MAXN);
    plm_params_init(&t->p, 0);
    t->p.minimal = rnd(seed, 0, 2) * PLM_SCALE;
    t->p.unit = rand_r(seed) % 3 == 0 ? rnd(seed, 1, 4) * PLM_SCALE : PLM_SCALE;
    t->p.mode = (enum plm_mode)(rand_r(seed) % 3);
    t->p.leftover = (enum plm_leftover)(rand_r(seed) % 3);
    t->p.default_domain = (size_t)(rand_r(seed) % t->n);
    plm_amt_t demand = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct plm_request *r = &t->r[i];
        plm_request_init(r);
        r->nlevels = rand_r(seed) % 10 == 0 ? 0 : 1 + (unsigned)(rand_r(seed) % nlev);
        plm_amt_t q = 0;
        for (unsigned l = 0; l < r->nlevels; l++) {
            /* Mostly cumulative, sometimes a level asking less. */
            if (rand_r(seed) % 6 == 0)
                q = rnd(seed, 0, q);
            else
                q += rnd(seed, 0, 20) * scale;
            r->level[l] = q;
        }
        if (rand_r(seed) % 5 == 0)
            r->min = rnd(seed, 0, 6) * PLM_SCALE;
        if (rand_r(seed) % 5 == 0)
            r->max = r->min + rnd(seed, 0, 30) * PLM_SCALE;
        demand += plm_request_at(r, PLM_MAX_LEVELS);
    }
    t->p.total = rnd(seed, 0, demand + (plm_amt_t)t->n * 3 * PLM_SCALE);
}

static plm_amt_t cap_of(const struct table *t, size_t i)
{
    return t->r[i].max / t->p.unit * t->p.unit;
}

static plm_amt_t floor_of(const struct table *t, size_t i)
{
    plm_amt_t f = t->r[i].min > t->p.minimal ? t->r[i].min : t->p.minimal;
    f = (f + t->p.unit - 1) / t->p.unit * t->p.unit;
    return f < cap_of(t, i) ? f : cap_of(t, i);
}

static plm_amt_t goal_of(const struct table *t, size_t i, unsigned level)
{
    plm_amt_t q = plm_request_at(&t->r[i], level), f = floor_of(t, i), c = cap_of(t, i);
    if (q < f)
        q = f;
    return q < c ? q : c;
}

static void arbitrate(const struct table *t, struct plm_outcome *o, struct plm_summary *s)
{
    struct plm_work w;
    ck_assert_int_eq(plm_work_init(&w, t->n), 0);
    ck_assert_int_eq(plm_arbitrate(&t->p, t->r, 0, t->n, &w, o, s), 0);
    plm_work_dispose(&w);
}

/* The levelling, literally: successive targets, then an equal split. */
static void oracle(const struct table *t, plm_amt_t *alloc)
{
    plm_amt_t pool = t->p.total / t->p.unit * t->p.unit, goal[MAXN];
    unsigned maxlev = 0;
    for (size_t i = 0; i < t->n; i++) {
        alloc[i] = floor_of(t, i);
        pool -= alloc[i];
        if (t->r[i].nlevels > maxlev)
            maxlev = t->r[i].nlevels;
    }
    for (unsigned l = 1; l <= maxlev && pool > 0; l++) {
        plm_amt_t need = 0;
        for (size_t i = 0; i < t->n; i++) {
            goal[i] = goal_of(t, i, l);
            if (goal[i] < alloc[i])
                goal[i] = alloc[i];
            need += goal[i] - alloc[i];
        }
        if (need <= pool) {
            memcpy(alloc, goal, t->n * sizeof(*alloc));
            pool -= need;
            continue;
        }
        for (;;) {
            /* Block 310: the lowest held or requested amount above the
             * lowest held amount of those still short. */
            plm_amt_t target = -1, low = -1;
            for (size_t i = 0; i < t->n; i++)
                if (alloc[i] < goal[i] && (low < 0 || alloc[i] < low))
                    low = alloc[i];
            for (size_t i = 0; i < t->n; i++) {
                if (alloc[i] > low && (target < 0 || alloc[i] < target))
                    target = alloc[i];
                if (goal[i] > low && (target < 0 || goal[i] < target))
                    target = goal[i];
            }
            plm_amt_t cost = 0;
            size_t below = 0;
            for (size_t i = 0; i < t->n; i++) {
                plm_amt_t up = (goal[i] < target ? goal[i] : target) - alloc[i];
                if (up > 0) {
                    cost += up;
                    below++;
                }
            }
            if (cost <= pool) { /* the pool covers this target: raise everyone below it */
                for (size_t i = 0; i < t->n; i++) {
                    plm_amt_t to = goal[i] < target ? goal[i] : target;
                    if (to > alloc[i])
                        alloc[i] = to;
                }
                pool -= cost;
                if (pool == 0)
                    break;
                continue;
            }
            /* Block 314: equal division among those below the target. */
            plm_amt_t each = pool / (plm_amt_t)below, extra = pool % (plm_amt_t)below;
            for (size_t i = 0; i < t->n; i++) {
                if (alloc[i] < (goal[i] < target ? goal[i] : target)) {
                    alloc[i] += each;
                    if (extra > 0) {
                        alloc[i]++;
                        extra--;
                    }
                }
            }
            pool = 0;
            break;
        }
    }
}

START_TEST(test_invariants)
{
    unsigned seed = base_seed() + (unsigned)_i;
    struct table t;
    struct plm_outcome o[MAXN];
    struct plm_summary s;

    for (int c = 0; c < CASES / 10; c++) {
        make_table(&seed, &t);
        arbitrate(&t, o, &s);
        plm_amt_t usable = t.p.total / t.p.unit * t.p.unit, sum = 0, sumr = 0, floors = 0;
        for (size_t i = 0; i < t.n; i++) {
            sum += o[i].raw;
            sumr += o[i].rounded;
            floors += floor_of(&t, i);
        }
        ck_assert_msg(sum <= usable, "seed %u case %d: raw sum over total", base_seed(), c);
        ck_assert_msg(sumr <= usable, "seed %u case %d: rounded sum over total", base_seed(), c);
        ck_assert_int_eq(sum, s.allocated);
        ck_assert_int_eq(usable - sum, s.reserve);
        ck_assert_int_eq(s.starved, floors > usable);
        for (size_t i = 0; i < t.n; i++) {
            plm_amt_t f = floor_of(&t, i), cap = cap_of(&t, i);
            plm_amt_t want = goal_of(&t, i, PLM_MAX_LEVELS);
            ck_assert_int_le(o[i].raw, cap);
            ck_assert_int_le(o[i].rounded, cap);
            if (!s.starved) {
                ck_assert_msg(o[i].raw >= f, "seed %u case %d: below floor", base_seed(), c);
                ck_assert_int_ge(o[i].rounded, f);
            }
            if (t.p.leftover == PLM_LEFTOVER_RESERVE)
                ck_assert_msg(o[i].raw <= want, "seed %u case %d: more than asked", base_seed(), c);
            /* Rounding moves a value by less than one unit. */
            ck_assert_int_lt(llabs(o[i].rounded - o[i].raw), t.p.unit);
            ck_assert_int_eq(o[i].rounded % t.p.unit, 0);
            /* Nothing from a level below the one the pool ran out at. */
            if (s.levelled) {
                plm_amt_t upto = goal_of(&t, i, s.levelled);
                ck_assert_msg(o[i].raw - o[i].extra <= (upto > f ? upto : f),
                              "seed %u case %d: domain %zu served past level %u", base_seed(), c, i,
                              s.levelled);
                /* Every higher level is met in full. */
                for (unsigned l = 1; l < s.levelled; l++)
                    ck_assert_int_ge(o[i].raw, goal_of(&t, i, l));
            }
        }
    }
}
END_TEST

START_TEST(test_oracle)
{
    unsigned seed = base_seed() * 7 + (unsigned)_i;
    struct table t;
    struct plm_outcome o[MAXN];
    plm_amt_t want[MAXN];

    for (int c = 0; c < CASES / 10; c++) {
        make_table(&seed, &t);
        t.p.mode = PLM_MODE_LEVELLING;
        t.p.leftover = PLM_LEFTOVER_RESERVE;
        plm_amt_t floors = 0;
        for (size_t i = 0; i < t.n; i++)
            floors += floor_of(&t, i);
        if (floors > t.p.total / t.p.unit * t.p.unit)
            continue;
        arbitrate(&t, o, NULL);
        oracle(&t, want);
        for (size_t i = 0; i < t.n; i++)
            ck_assert_msg(o[i].raw == want[i],
                          "seed %u case %d domain %zu: arbiter %lld, seed walk %lld", base_seed(),
                          c, i, (long long)o[i].raw, (long long)want[i]);
    }
}
END_TEST

/* Raising one domain's request at the level being shared cannot take a
 * co-priority domain below the level the two end up sharing. */
START_TEST(test_no_push_below_shared_level)
{
    unsigned seed = base_seed() * 13 + (unsigned)_i;
    struct table t;
    struct plm_outcome before[MAXN], after[MAXN];
    struct plm_summary s;
    int checked = 0;

    for (int c = 0; c < CASES / 10; c++) {
        make_table(&seed, &t);
        t.p.mode = PLM_MODE_LEVELLING;
        t.p.leftover = PLM_LEFTOVER_RESERVE;
        arbitrate(&t, before, &s);
        if (!s.levelled || s.starved || t.n < 2)
            continue;
        size_t j = (size_t)(rand_r(&seed) % t.n);
        unsigned l = s.levelled;
        struct plm_request *r = &t.r[j];
        if (r->nlevels < l) {
            for (unsigned k = r->nlevels; k < l; k++)
                r->level[k] = r->nlevels ? r->level[r->nlevels - 1] : 0;
            r->nlevels = l;
        }
        r->level[l - 1] += rnd(&seed, 1, 20) * PLM_SCALE;
        if (r->level[l - 1] > PLM_AMT_MAX)
            continue;
        arbitrate(&t, after, NULL);
        for (size_t i = 0; i < t.n; i++) {
            if (i == j)
                continue;
            plm_amt_t shared = before[i].raw < after[j].raw ? before[i].raw : after[j].raw;
            ck_assert_msg(
                after[i].raw >= shared - 1,
                "seed %u case %d: raising %zu pushed %zu from %lld to %lld (%zu has %lld)",
                base_seed(), c, j, i, (long long)before[i].raw, (long long)after[i].raw, j,
                (long long)after[j].raw);
        }
        checked++;
    }
    ck_assert_int_gt(checked, 0);
}
END_TEST

/* Table order only decides who gets a division's last ticks. */
START_TEST(test_order_independent)
{
    unsigned seed = base_seed() * 31 + (unsigned)_i;
    struct table t, u;
    struct plm_outcome a[MAXN], b[MAXN];
    size_t perm[MAXN];

    for (int c = 0; c < CASES / 10; c++) {
        make_table(&seed, &t);
        if (t.p.mode == PLM_MODE_MAX_SATISFIED) /* ties are served in table order */
            t.p.mode = PLM_MODE_LEVELLING;
        for (size_t i = 0; i < t.n; i++)
            perm[i] = i;
        for (size_t i = t.n; i > 1; i--) {
            size_t k = (size_t)(rand_r(&seed) % i), x = perm[i - 1];
            perm[i - 1] = perm[k];
            perm[k] = x;
        }
        u = t;
        for (size_t i = 0; i < t.n; i++)
            u.r[i] = t.r[perm[i]];
        for (size_t i = 0; i < t.n; i++)
            if (t.p.default_domain == perm[i]) {
                u.p.default_domain = i;
                break;
            }
        arbitrate(&t, a, NULL);
        arbitrate(&u, b, NULL);
        for (size_t i = 0; i < t.n; i++)
            ck_assert_msg(llabs(b[i].raw - a[perm[i]].raw) <= 1,
                          "seed %u case %d: order changed %lld to %lld", base_seed(), c,
                          (long long)a[perm[i]].raw, (long long)b[i].raw);
    }
}
END_TEST

static void ignore_step(void *arg, const struct plm_step *st)
{
    (void)arg;
    (void)st;
}

/* The traced walk (one level at a time) and the planned walk agree. */
START_TEST(test_trace_agrees)
{
    unsigned seed = base_seed() * 57 + (unsigned)_i;
    struct table t;
    struct plm_outcome a[MAXN], b[MAXN];
    struct plm_summary sa, sb;

    for (int c = 0; c < CASES / 10; c++) {
        make_table(&seed, &t);
        arbitrate(&t, a, &sa);
        t.p.trace = ignore_step;
        arbitrate(&t, b, &sb);
        ck_assert_msg(sa.allocated == sb.allocated && sa.reserve == sb.reserve &&
                          sa.rounded_allocated == sb.rounded_allocated && sa.water == sb.water &&
                          sa.levelled == sb.levelled && sa.starved == sb.starved,
                      "seed %u case %d: summaries differ", base_seed(), c);
        for (size_t i = 0; i < t.n; i++)
            ck_assert_msg(memcmp(&a[i], &b[i], sizeof(a[i])) == 0,
                          "seed %u case %d domain %zu: raw %lld vs traced %lld", base_seed(), c, i,
                          (long long)a[i].raw, (long long)b[i].raw);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("properties");
    TCase *tc = tcase_create("properties");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_invariants, 0, 10);
    tcase_add_loop_test(tc, test_oracle, 0, 10);
    tcase_add_loop_test(tc, test_no_push_below_shared_level, 0, 10);
    tcase_add_loop_test(tc, test_order_independent, 0, 10);
    tcase_add_loop_test(tc, test_trace_agrees, 0, 10);
    suite_add_tcase(s, tc);
    return check_run(s);
}
