/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memory mover: single steps with exact targets, edge cases, the
 * adaptive rate and stuck detection, and simulations of guests whose
 * balloons move at their own pace against a host free-memory account.
 * Set XENPLM_TEST_SEED to explore other simulated hosts.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/balloon.h"
#include "tests/unit/suite_run.h"

#define MIB 1024
#define NOW 100000u
#define MAXD 4

/* ---- single steps ------------------------------------------------------ */

/* Fixed rate 1000 KiB/s (not adaptive), dt 1 s: every step is 1000 KiB. */
static const struct bal_params fixed = {
    .rate_min_kib_s = 1000,
    .rate_max_kib_s = 1000,
    .headroom_kib = 1000,
    .tolerance_kib = 0,
    .stuck_after_ms = 10000,
    .adaptive = false,
};

struct dcase {
    int64_t actual, target, want, floor, max;
    int64_t expect; /* new_target_kib */
};

#define D(a, t, w, f, m, e)                                                                        \
    {                                                                                              \
        (a), (t), (w), (f), (m), (e)                                                               \
    }
#define BIG (1024 * MIB)

static const struct {
    const char *name;
    int64_t free;
    uint64_t dt;
    size_t n;
    struct dcase d[MAXD];
    int64_t granted, released, budget;
} scases[] = {
    {"at goal: nothing moves",
     1000000,
     1000,
     1,
     {D(50000, 50000, 50000, 0, BIG, 50000)},
     0,
     0,
     999000},
    {"shrink one step", 1000000, 1000, 1, {D(50000, 50000, 10000, 0, BIG, 49000)}, 0, 1000, 999000},
    {"shrink stops at the goal",
     1000000,
     1000,
     1,
     {D(50000, 50000, 49500, 0, BIG, 49500)},
     0,
     500,
     999000},
    {"grow one step", 1000000, 1000, 1, {D(50000, 50000, 90000, 0, BIG, 51000)}, 1000, 0, 999000},
    {"grow stops at the goal",
     1000000,
     1000,
     1,
     {D(50000, 50000, 50400, 0, BIG, 50400)},
     400,
     0,
     999000},
    {"grow limited by free minus headroom",
     1300,
     1000,
     1,
     {D(50000, 50000, 90000, 0, BIG, 50300)},
     300,
     0,
     300},
    {"free below headroom: no growth, shrink goes on",
     500,
     1000,
     2,
     {D(50000, 50000, 90000, 0, BIG, 50000), D(60000, 60000, 0, 20000, BIG, 59000)},
     0,
     1000,
     0},
    {"want above max: goal is max",
     1000000,
     1000,
     1,
     {D(99500, 99500, 200000, 0, 100000, 100000)},
     500,
     0,
     999000},
    {"want below floor: goal is floor",
     1000000,
     1000,
     1,
     {D(20500, 20500, 0, 20000, BIG, 20000)},
     0,
     500,
     999000},
    {"memory above a donor's target is not free",
     1000,
     1000,
     2,
     {D(60000, 40000, 40000, 0, BIG, 40000), D(50000, 50000, 90000, 0, BIG, 50000)},
     0,
     0,
     0},
    {"two receivers: equal shares, odd KiB to the first",
     2501,
     1000,
     2,
     {D(50000, 50000, 90000, 0, BIG, 50751), D(70000, 70000, 90000, 0, BIG, 70750)},
     1501,
     0,
     1501},
    {"equal shares capped by need",
     2000,
     1000,
     2,
     {D(50000, 50000, 50200, 0, BIG, 50200), D(70000, 70000, 90000, 0, BIG, 70800)},
     1000,
     0,
     1000},
    {"three receivers share 1000",
     2000,
     1000,
     3,
     {D(10000, 10000, 90000, 0, BIG, 10334), D(20000, 20000, 90000, 0, BIG, 20333),
      D(30000, 30000, 90000, 0, BIG, 30333)},
     1000,
     0,
     1000},
    {"want turns down mid-grow: untaken growth withdrawn, still charged",
     11500,
     1000,
     2,
     {D(50000, 60000, 40000, 0, BIG, 49000), D(50000, 50000, 90000, 0, BIG, 50500)},
     500,
     11000,
     500},
    {"want turns up mid-shrink: the raise is charged from the old target",
     6000,
     1000,
     1,
     {D(60000, 40000, 100000, 0, BIG, 45000)},
     5000,
     0,
     5000},
    {"lagging grower: target held, no new promise",
     1000000,
     1000,
     1,
     {D(50000, 53000, 90000, 0, BIG, 53000)},
     0,
     0,
     996000},
    {"lagging donor: target held one step ahead at most",
     1000000,
     1000,
     1,
     {D(50000, 45000, 0, 0, BIG, 45000)},
     0,
     0,
     999000},
    {"donor one step behind: next step from actual",
     1000000,
     1000,
     1,
     {D(50000, 49500, 0, 0, BIG, 49000)},
     0,
     500,
     999000},
    {"target above max comes down at once",
     1000000,
     1000,
     1,
     {D(150000, 200000, 100000, 0, 120000, 120000)},
     0,
     80000,
     949000},
    {"floor deficit served first",
     1600,
     1000,
     2,
     {D(50000, 50000, 90000, 0, BIG, 50000), D(40000, 40000, 60000, 50000, BIG, 40600)},
     600,
     0,
     600},
    {"floor deficit first, the rest shared",
     2600,
     1000,
     2,
     {D(50000, 50000, 90000, 0, BIG, 50600), D(40000, 40000, 60000, 50000, BIG, 41000)},
     1600,
     0,
     1600},
    {"floor above max: max wins",
     1000000,
     1000,
     1,
     {D(50000, 50000, 0, 90000, 60000, 51000)},
     1000,
     0,
     999000},
    {"host short: shortfall withdrawn in equal shares",
     7000,
     1000,
     2,
     {D(50000, 60000, 90000, 0, BIG, 56000), D(50000, 52000, 90000, 0, BIG, 50000)},
     0,
     6000,
     0},
    {"host short: never withdrawn below the floor",
     1000,
     1000,
     1,
     {D(50000, 60000, 90000, 55000, BIG, 55000)},
     0,
     5000,
     0},
    {"dt = 0: nothing moves",
     1000000,
     0,
     2,
     {D(50000, 50000, 90000, 0, BIG, 50000), D(50000, 50000, 0, 0, BIG, 50000)},
     0,
     0,
     999000},
    {"dt = 0: untaken growth is still withdrawn",
     1000000,
     0,
     1,
     {D(50000, 60000, 0, 0, BIG, 50000)},
     0,
     10000,
     989000},
    {"negative inputs read as zero", -5, 1000, 1, {D(-7, -3, 90000, -1, BIG, 0)}, 0, 0, 0},
};

static void dom_from(struct bal_dom *d, const struct dcase *c, int64_t rate)
{
    memset(d, 0, sizeof(*d));
    d->actual_kib = c->actual;
    d->target_kib = c->target;
    d->want_kib = c->want;
    d->floor_kib = c->floor;
    d->max_kib = c->max;
    d->rate_kib_s = rate;
    d->last_actual_kib = c->actual;
    d->last_progress_ms = NOW - 1000;
}

START_TEST(test_single_step)
{
    struct bal_dom d[MAXD];
    struct bal_summary sum;
    size_t n = scases[_i].n;

    for (size_t i = 0; i < n; i++)
        dom_from(&d[i], &scases[_i].d[i], 1000);
    bal_step(&fixed, d, n, scases[_i].free, NOW, scases[_i].dt, &sum);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(d[i].new_target_kib == scases[_i].d[i].expect,
                      "%s: domain %zu: %lld, not %lld", scases[_i].name, i,
                      (long long)d[i].new_target_kib, (long long)scases[_i].d[i].expect);
    ck_assert_msg(sum.granted_kib == scases[_i].granted, "%s: granted %lld", scases[_i].name,
                  (long long)sum.granted_kib);
    ck_assert_msg(sum.released_kib == scases[_i].released, "%s: released %lld", scases[_i].name,
                  (long long)sum.released_kib);
    ck_assert_msg(sum.budget_kib == scases[_i].budget, "%s: budget %lld", scases[_i].name,
                  (long long)sum.budget_kib);
    ck_assert_uint_eq(sum.newly_stuck, 0);
}
END_TEST

START_TEST(test_no_domains)
{
    struct bal_summary sum;
    memset(&sum, 0xff, sizeof(sum));
    bal_step(&fixed, NULL, 0, 5000, NOW, 1000, &sum);
    ck_assert_int_eq(sum.granted_kib, 0);
    ck_assert_int_eq(sum.released_kib, 0);
    ck_assert_int_eq(sum.budget_kib, 4000);
    ck_assert_uint_eq(sum.newly_stuck, 0);
    bal_step(&fixed, NULL, 0, 5000, NOW, 1000, NULL); /* summary is optional */
}
END_TEST

/* Amounts near INT64_MAX: no overflow (UBSan checks), saturating results. */
START_TEST(test_huge_values)
{
    const struct bal_params p = {.rate_min_kib_s = 1,
                                 .rate_max_kib_s = INT64_MAX,
                                 .headroom_kib = 0,
                                 .tolerance_kib = 0,
                                 .stuck_after_ms = UINT64_MAX,
                                 .adaptive = false};
    struct bal_dom d[3];
    struct bal_summary sum;
    const struct dcase grow = D(INT64_MAX - 10, INT64_MAX - 10, INT64_MAX, 0, INT64_MAX, 0);
    const struct dcase shrink = D(INT64_MAX, INT64_MAX, 0, 0, INT64_MAX, 0);
    const struct dcase promise = D(0, INT64_MAX, INT64_MAX, 0, INT64_MAX, 0);

    /* One huge step, huge budget. */
    dom_from(&d[0], &grow, INT64_MAX);
    bal_step(&p, d, 1, INT64_MAX, UINT64_MAX, UINT64_MAX, &sum);
    ck_assert_int_eq(d[0].new_target_kib, INT64_MAX);
    ck_assert_int_eq(sum.granted_kib, 10);

    /* A huge shrink all the way down in one step. */
    dom_from(&d[0], &shrink, INT64_MAX);
    bal_step(&p, d, 1, 0, NOW, UINT64_MAX, &sum);
    ck_assert_int_eq(d[0].new_target_kib, 0);
    ck_assert_int_eq(sum.released_kib, INT64_MAX);

    /* Promises summing past INT64_MAX: the shortfall saturates at
     * INT64_MAX and that much untaken growth is withdrawn, equal shares. */
    for (int i = 0; i < 3; i++)
        dom_from(&d[i], &promise, INT64_MAX);
    bal_step(&p, d, 3, INT64_MAX, NOW, 999, &sum);
    ck_assert_int_eq(d[0].new_target_kib, INT64_MAX - INT64_MAX / 3 - 1);
    ck_assert_int_eq(d[1].new_target_kib, INT64_MAX - INT64_MAX / 3);
    ck_assert_int_eq(d[2].new_target_kib, INT64_MAX - INT64_MAX / 3);
    ck_assert_int_eq(sum.granted_kib, 0);
    ck_assert_int_eq(sum.released_kib, INT64_MAX);
    ck_assert_int_eq(sum.budget_kib, 0);

    /* Odd milliseconds with a huge rate: rate * ms / 1000 without wrap. */
    const struct dcase mid = D(0, 0, INT64_MAX, 0, INT64_MAX, 0);
    dom_from(&d[0], &mid, INT64_MAX);
    bal_step(&p, d, 1, INT64_MAX, NOW, 999, &sum);
    ck_assert_int_eq(d[0].new_target_kib,
                     (INT64_MAX / 1000) * 999 + (INT64_MAX % 1000) * 999 / 1000);
}
END_TEST

/* ---- adaptive rate and stuck detection ------------------------------- */

static const struct bal_params adaptive = {
    .rate_min_kib_s = 1024,
    .rate_max_kib_s = 8192,
    .headroom_kib = 0,
    .tolerance_kib = 16,
    .stuck_after_ms = 5000,
    .adaptive = true,
};

START_TEST(test_rate_init)
{
    struct bal_dom d;
    struct bal_params p = adaptive;

    memset(&d, 0, sizeof(d));
    d.actual_kib = d.target_kib = 100000;
    d.want_kib = 0;
    d.max_kib = BIG;
    bal_step(&p, &d, 1, 0, NOW, 1000, NULL);
    ck_assert_int_eq(d.rate_kib_s, 1024); /* a new move starts at the slowest rate */
    ck_assert_int_eq(d.last_actual_kib, 100000);
    ck_assert_uint_eq(d.last_progress_ms, NOW);
    ck_assert_int_eq(d.new_target_kib, 100000 - 1024); /* and move at once */

    memset(&d, 0, sizeof(d));
    d.actual_kib = d.target_kib = 100000;
    d.max_kib = BIG;
    p.adaptive = false;
    bal_step(&p, &d, 1, 0, NOW, 1000, NULL);
    ck_assert_int_eq(d.rate_kib_s, 8192);
}
END_TEST

static const struct {
    const char *name;
    int64_t rate, last_actual, actual, target;
    uint64_t dt;
    int64_t expect_rate;
} rcases[] = {
    {"kept up: doubles", 2048, 50000, 48000, 48000, 1000, 4096},
    {"kept up within tolerance: doubles", 2048, 50000, 48010, 48000, 1000, 4096},
    {"kept up at the top: stays at max", 8192, 50000, 48000, 48000, 1000, 8192},
    {"kept up near the top: capped at max", 6000, 50000, 48000, 48000, 1000, 8192},
    {"lagged: halves", 4096, 50000, 49000, 46000, 1000, 2048},
    {"lagged at the bottom: stays at min", 1024, 50000, 49000, 46000, 1000, 1024},
    {"did not move at all: halves", 4096, 50000, 50000, 46000, 1000, 2048},
    {"idle at its target: unchanged", 2048, 50000, 50000, 50000, 1000, 2048},
    {"no time passed: unchanged", 2048, 50000, 49000, 46000, 0, 2048},
    {"rate above max (params changed): clamped", 100000, 50000, 50000, 50000, 1000, 8192},
    {"rate below min (params changed): clamped", 10, 50000, 50000, 50000, 1000, 1024},
};

START_TEST(test_rate_rule)
{
    struct bal_dom d;

    memset(&d, 0, sizeof(d));
    d.rate_kib_s = rcases[_i].rate;
    d.last_actual_kib = rcases[_i].last_actual;
    d.last_progress_ms = NOW - 1000;
    d.actual_kib = rcases[_i].actual;
    d.target_kib = rcases[_i].target;
    d.want_kib = 0;
    d.max_kib = BIG;
    bal_step(&adaptive, &d, 1, 0, NOW, rcases[_i].dt, NULL);
    ck_assert_msg(d.rate_kib_s == rcases[_i].expect_rate, "%s: rate %lld", rcases[_i].name,
                  (long long)d.rate_kib_s);
}
END_TEST

START_TEST(test_stuck)
{
    struct bal_dom d;
    struct bal_summary sum;
    struct bal_params p = adaptive;
    uint64_t t0 = NOW;

    memset(&d, 0, sizeof(d));
    d.rate_kib_s = 1024;
    d.last_actual_kib = 100000;
    d.last_progress_ms = t0;
    d.actual_kib = 100000;
    d.target_kib = 90000; /* asked, and the balloon does not move */
    d.want_kib = 0;
    d.max_kib = BIG;

    for (uint64_t t = t0 + 1000; t < t0 + 5000; t += 1000) {
        bal_step(&p, &d, 1, 0, t, 1000, &sum);
        ck_assert(!d.uncooperative);
        ck_assert_uint_eq(sum.newly_stuck, 0);
        ck_assert_int_eq(d.new_target_kib, 90000); /* held: already a step ahead */
        d.target_kib = d.new_target_kib;
    }
    bal_step(&p, &d, 1, 0, t0 + 5000, 1000, &sum);
    ck_assert(d.uncooperative);
    ck_assert_uint_eq(sum.newly_stuck, 1);
    bal_step(&p, &d, 1, 0, t0 + 6000, 1000, &sum);
    ck_assert(d.uncooperative);
    ck_assert_uint_eq(sum.newly_stuck, 0); /* reported once */
    ck_assert_int_eq(d.stuck_kib, 100000);

    /* A target set where it stands is "reached", but proves nothing. */
    int64_t asked = d.target_kib;
    d.target_kib = d.actual_kib;
    bal_step(&p, &d, 1, 0, t0 + 6500, 500, &sum);
    ck_assert(d.uncooperative);
    d.target_kib = asked;

    /* Moving again, even slowly, clears it and restarts the clock. */
    d.actual_kib = 99000;
    bal_step(&p, &d, 1, 0, t0 + 7000, 1000, &sum);
    ck_assert(!d.uncooperative);
    ck_assert_uint_eq(d.last_progress_ms, t0 + 7000);
    ck_assert_int_eq(d.last_actual_kib, 99000);

    /* Moving away from the target is not progress. */
    d.actual_kib = 99500;
    bal_step(&p, &d, 1, 0, t0 + 20000, 1000, &sum);
    ck_assert(d.uncooperative);

    /* stuck_after_ms = 0 disables the check. */
    p.stuck_after_ms = 0;
    d.uncooperative = false;
    bal_step(&p, &d, 1, 0, t0 + 900000, 1000, &sum);
    ck_assert(!d.uncooperative);
}
END_TEST

START_TEST(test_idle_never_stuck)
{
    struct bal_dom d;
    struct bal_summary sum;

    memset(&d, 0, sizeof(d));
    d.rate_kib_s = 1024;
    d.last_actual_kib = d.actual_kib = d.target_kib = d.want_kib = 100000;
    d.last_progress_ms = NOW;
    d.max_kib = BIG;
    bal_step(&adaptive, &d, 1, 0, NOW + 3600000, 1000, &sum);
    ck_assert(!d.uncooperative);
    ck_assert_uint_eq(d.last_progress_ms, NOW + 3600000);
}
END_TEST

/* ---- simulation --------------------------------------------------------- */

#define MAXG 8

struct guest {
    int64_t actual, target;
    int64_t pace;         /* true balloon rate, KiB/s */
    int64_t refuse_below; /* the guest will not shrink below this */
    bool stuck;           /* the balloon does not move at all */
};

struct sim {
    struct bal_params p;
    size_t n;
    struct guest g[MAXG];
    struct bal_dom d[MAXG];
    int64_t total, external; /* host memory; held by others (dom0, new domains) */
    uint64_t now;
    uint64_t lag_read, lag_set; /* ms between reading actuals and free; before targets land */
    int64_t free_seen;          /* free memory as the last step saw it */
    int64_t actual_at_free[MAXG];
    struct bal_summary sum;
    unsigned long steps;
    unsigned seed;
};

static uint64_t rng(unsigned *s)
{
    /* xorshift32, in 64 bits so that no shift loses bits (clean even
     * under -fsanitize=integer): enough for test tables, reproducible. */
    uint64_t x = *s ? *s : 1u;
    x ^= (x << 13) & 0xffffffffu;
    x ^= x >> 17;
    x ^= (x << 5) & 0xffffffffu;
    *s = (unsigned)x;
    return x;
}

static int64_t rnd(unsigned *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng(s) % (uint64_t)(hi - lo + 1));
}

static unsigned base_seed(void)
{
    const char *s = getenv("XENPLM_TEST_SEED");
    return s ? (unsigned)strtoul(s, NULL, 10) : 20261121u;
}

static int64_t host_free(const struct sim *s)
{
    int64_t used = s->external;
    for (size_t i = 0; i < s->n; i++)
        used += s->g[i].actual;
    return s->total - used;
}

/* The guests' balloons move for ms toward their targets, each at its own
 * pace; growth only out of what the host has free (Xen refuses the rest).
 * Guests move in table order, so a receiver listed before a donor grabs
 * memory before the donor's release in the same interval shows up. */
static void advance(struct sim *s, uint64_t ms)
{
    for (size_t i = 0; i < s->n && ms > 0; i++) {
        struct guest *g = &s->g[i];
        int64_t amount = g->pace * (int64_t)ms / 1000;
        if (g->stuck)
            continue;
        if (g->target < g->actual) {
            int64_t lim = g->target > g->refuse_below ? g->target : g->refuse_below;
            int64_t next = g->actual - amount;
            if (g->actual > lim)
                g->actual = next > lim ? next : lim;
        } else if (g->target > g->actual) {
            int64_t take = g->target - g->actual, f = host_free(s);
            take = take < amount ? take : amount;
            take = take < f ? take : f;
            g->actual += take > 0 ? take : 0;
        }
        /* After every single move: a grant must never count on a release
         * that has not happened yet. */
        ck_assert_msg(host_free(s) >= s->p.headroom_kib,
                      "seed %u step %lu: free %lld below headroom %lld", s->seed, s->steps,
                      (long long)host_free(s), (long long)s->p.headroom_kib);
    }
}

static int64_t clampv(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static int64_t span_step(int64_t rate, uint64_t dt)
{
    return rate * (int64_t)dt / 1000; /* simulated values are small */
}

/* Everything one step must satisfy, judged from its inputs and outputs. */
static void check_step(const struct sim *s, const struct bal_dom *before, uint64_t dt)
{
    const struct bal_params *p = &s->p;
    int64_t promised = 0, raised = 0, lowered = 0;

    for (size_t i = 0; i < s->n; i++) {
        const struct bal_dom *b = &before[i], *a = &s->d[i];
        int64_t hi = b->max_kib, lo = b->floor_kib < hi ? b->floor_kib : hi;
        int64_t goal = clampv(b->want_kib, lo, hi);
        int64_t t = b->target_kib, act = b->actual_kib, nt = a->new_target_kib;
        int64_t step = span_step(a->rate_kib_s, dt);
        int64_t near = t < act ? t : act, far = t > act ? t : act;

        ck_assert_msg(nt <= hi, "seed %u: %zu above max", s->seed, i);
        ck_assert_msg(nt >= (t < lo ? t : lo), "seed %u: %zu lowered below floor", s->seed, i);
        ck_assert_msg(nt >= near - step && nt <= far + step,
                      "seed %u step %lu dom %zu: moved %lld -> %lld, actual %lld, step %lld",
                      s->seed, s->steps, i, (long long)t, (long long)nt, (long long)act,
                      (long long)step);
        if (nt > t)
            ck_assert_msg(goal > t && nt <= goal, "seed %u: %zu raised past its goal", s->seed, i);
        if (nt < t)
            ck_assert_msg((goal < t && nt >= goal) ||
                              (s->sum.granted_kib == 0 && nt >= (act > lo ? act : lo)),
                          "seed %u: %zu lowered past its goal", s->seed, i);

        /* The adaptive rate: doubles when the guest kept up with a move,
         * halves when it lags, always within [rate_min, rate_max]. */
        ck_assert(a->rate_kib_s >= p->rate_min_kib_s && a->rate_kib_s <= p->rate_max_kib_s);
        if (b->rate_kib_s == 0) {
            ck_assert_int_eq(a->rate_kib_s, p->adaptive ? p->rate_min_kib_s : p->rate_max_kib_s);
        } else if (dt > 0 && p->adaptive) {
            int64_t r = b->rate_kib_s, want_rate = r;
            bool reached = llabs(act - t) <= p->tolerance_kib;
            bool asked = llabs(t - b->last_actual_kib) > p->tolerance_kib;
            if (!reached)
                want_rate = r / 2 < p->rate_min_kib_s ? p->rate_min_kib_s : r / 2;
            else if (asked)
                want_rate = r * 2 > p->rate_max_kib_s ? p->rate_max_kib_s : r * 2;
            ck_assert_msg(a->rate_kib_s == want_rate,
                          "seed %u step %lu dom %zu: rate %lld not %lld", s->seed, s->steps, i,
                          (long long)a->rate_kib_s, (long long)want_rate);
        }

        if (t > act)
            promised += t - act;
        if (nt > t)
            raised += nt - t;
        else
            lowered += t - nt;
    }
    ck_assert_int_eq(s->sum.granted_kib, raised);
    ck_assert_int_eq(s->sum.released_kib, lowered);
    /* Growth only out of measured free memory minus headroom minus growth
     * promised and not yet taken. */
    if (raised > 0)
        ck_assert_msg(promised + raised <= s->free_seen - p->headroom_kib,
                      "seed %u step %lu: promised %lld + raised %lld > free %lld - headroom",
                      s->seed, s->steps, (long long)promised, (long long)raised,
                      (long long)s->free_seen);
}

/* One daemon tick: read actuals, (time passes), read free, step, (time
 * passes), set targets, let the guests move until the next tick. */
static void tick(struct sim *s, uint64_t dt)
{
    struct bal_dom before[MAXG];

    for (size_t i = 0; i < s->n; i++)
        s->d[i].actual_kib = s->g[i].actual;
    advance(s, s->lag_read);
    s->free_seen = host_free(s);
    for (size_t i = 0; i < s->n; i++)
        s->actual_at_free[i] = s->g[i].actual;
    memcpy(before, s->d, sizeof(before));
    bal_step(&s->p, s->d, s->n, s->free_seen, s->now, dt, &s->sum);
    check_step(s, before, dt);
    advance(s, s->lag_set);
    for (size_t i = 0; i < s->n; i++)
        s->g[i].target = s->d[i].target_kib = s->d[i].new_target_kib;
    advance(s, dt - s->lag_read - s->lag_set);
    s->now += dt;
    s->steps++;
}

static void add_guest(struct sim *s, int64_t actual, int64_t floor, int64_t max, int64_t pace)
{
    struct guest *g = &s->g[s->n];
    struct bal_dom *d = &s->d[s->n];
    memset(g, 0, sizeof(*g));
    memset(d, 0, sizeof(*d));
    g->actual = g->target = actual;
    g->pace = pace;
    d->actual_kib = d->target_kib = d->want_kib = actual;
    d->floor_kib = floor;
    d->max_kib = max;
    s->n++;
}

static void sim_init(struct sim *s, unsigned seed)
{
    memset(s, 0, sizeof(*s));
    s->p = (struct bal_params){.rate_min_kib_s = 1024,
                               .rate_max_kib_s = 64 * MIB,
                               .headroom_kib = 64 * MIB,
                               .tolerance_kib = 0,
                               .stuck_after_ms = 10000,
                               .adaptive = true};
    s->now = 1000000;
    s->seed = seed;
}

static int64_t goal_of(const struct bal_dom *d)
{
    int64_t lo = d->floor_kib < d->max_kib ? d->floor_kib : d->max_kib;
    return clampv(d->want_kib, lo, d->max_kib);
}

static bool converged(const struct sim *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->d[i].target_kib != goal_of(&s->d[i]) || s->g[i].actual != goal_of(&s->d[i]))
            return false;
    return true;
}

/* Random wants; when feasible is set, the goals fit the host. */
static void random_wants(struct sim *s, unsigned *seed, bool feasible)
{
    int64_t cap = s->total - s->external - s->p.headroom_kib, sum = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct bal_dom *d = &s->d[i];
        d->want_kib = rnd(seed, d->floor_kib - 8 * MIB, d->max_kib + 8 * MIB);
        sum += goal_of(d);
    }
    for (size_t i = 0; feasible && sum > cap && i < s->n; i++) {
        struct bal_dom *d = &s->d[i];
        int64_t cut = goal_of(d) - d->floor_kib;
        cut = cut < sum - cap ? cut : sum - cap;
        d->want_kib = goal_of(d) - cut;
        sum -= cut;
    }
}

/* Cooperative guests at random paces, wants changing direction mid-move,
 * read/set races: safe at every step, and converges once wants hold. */
START_TEST(test_sim_cooperative)
{
    unsigned seed = base_seed() + 7919u * (unsigned)_i;
    struct sim s;
    int64_t held = 0;

    sim_init(&s, seed);
    size_t n = (size_t)rnd(&seed, 2, MAXG);
    for (size_t i = 0; i < n; i++) {
        int64_t floor = rnd(&seed, 16, 64) * MIB, max = floor + rnd(&seed, 64, 448) * MIB;
        int64_t actual = rnd(&seed, floor, max);
        add_guest(&s, actual, floor, max, rnd(&seed, 4, 256) * MIB);
        held += actual;
    }
    s.external = 512 * MIB;
    s.total = held + s.external + s.p.headroom_kib + rnd(&seed, 0, 64) * MIB;
    s.lag_read = (uint64_t)rnd(&seed, 0, 50);
    s.lag_set = (uint64_t)rnd(&seed, 0, 50);

    for (int phase = 0; phase < 4; phase++) {
        random_wants(&s, &seed, phase % 2 == 1);
        for (int k = 0; k < 20; k++)
            tick(&s, (uint64_t)rnd(&seed, 500, 2000));
    }
    random_wants(&s, &seed, true);
    for (int k = 0; k < 3000 && !converged(&s); k++)
        tick(&s, 1000);
    ck_assert_msg(converged(&s), "seed %u: no convergence after %lu steps", seed, s.steps);
    for (size_t i = 0; i < s.n; i++)
        ck_assert(!s.d[i].uncooperative);
}
END_TEST

/* No spare memory: the receiver grows only as the donor releases, and the
 * donor's target goes down first. */
START_TEST(test_sim_shrink_before_grow)
{
    struct sim s;

    sim_init(&s, 1);
    add_guest(&s, 512 * MIB, 64 * MIB, 1024 * MIB, 8 * MIB);  /* donor */
    add_guest(&s, 256 * MIB, 64 * MIB, 1024 * MIB, 64 * MIB); /* receiver */
    s.total = 768 * MIB + s.p.headroom_kib;
    s.lag_read = 20;
    s.lag_set = 30;
    s.d[0].want_kib = 256 * MIB;
    s.d[1].want_kib = 512 * MIB;

    tick(&s, 1000);
    ck_assert_int_lt(s.d[0].target_kib, 512 * MIB);
    ck_assert_int_eq(s.d[1].target_kib, 256 * MIB);
    for (int k = 0; k < 400 && !converged(&s); k++) {
        int64_t released = 512 * MIB - s.actual_at_free[0];
        int64_t grown = s.d[1].target_kib - 256 * MIB;
        ck_assert_msg(grown <= released, "step %lu: receiver promised %lld, donor released %lld",
                      s.steps, (long long)grown, (long long)released);
        tick(&s, 1000);
    }
    ck_assert(converged(&s));
}
END_TEST

/* A stuck donor is marked after stuck_after_ms and its memory is never
 * handed out; the cooperative donor's memory is. */
START_TEST(test_sim_stuck_donor)
{
    struct sim s;
    uint64_t t_start;
    bool marked = false;

    sim_init(&s, 2);
    add_guest(&s, 512 * MIB, 64 * MIB, 1024 * MIB, 16 * MIB); /* stuck donor */
    add_guest(&s, 512 * MIB, 64 * MIB, 1024 * MIB, 16 * MIB); /* good donor */
    add_guest(&s, 256 * MIB, 64 * MIB, 1024 * MIB, 16 * MIB); /* receiver */
    s.g[0].stuck = true;
    s.total = 1280 * MIB + s.p.headroom_kib;
    s.d[0].want_kib = 256 * MIB;
    s.d[1].want_kib = 256 * MIB;
    s.d[2].want_kib = 768 * MIB;

    tick(&s, 1000); /* first sight: the mover records progress now */
    t_start = s.now - 1000;
    for (int k = 0; k < 300; k++) {
        uint64_t at = s.now;
        tick(&s, 1000);
        if (!marked && s.d[0].uncooperative) {
            marked = true;
            ck_assert_uint_eq(s.sum.newly_stuck, 1);
            ck_assert_uint_ge(at - t_start, s.p.stuck_after_ms);
            ck_assert_uint_lt(at - t_start, s.p.stuck_after_ms + 1000);
        } else {
            ck_assert_uint_eq(s.sum.newly_stuck, 0);
        }
        ck_assert_int_le(s.d[2].target_kib - 256 * MIB, 512 * MIB - s.g[1].actual);
        /* the stuck donor's target never runs far ahead of it */
        ck_assert_int_ge(s.d[0].target_kib, s.g[0].actual - 64 * MIB);
    }
    ck_assert(marked && s.d[0].uncooperative && !s.d[1].uncooperative);
    ck_assert_int_eq(s.g[1].actual, 256 * MIB);
    ck_assert_int_eq(s.d[2].target_kib, 512 * MIB);
    ck_assert_int_eq(s.g[0].actual, 512 * MIB);

    /* It wakes up: the flag clears and everyone converges. */
    s.g[0].stuck = false;
    for (int k = 0; k < 600 && !converged(&s); k++)
        tick(&s, 1000);
    ck_assert(converged(&s));
    ck_assert(!s.d[0].uncooperative);
}
END_TEST

/* A guest that refuses to shrink below its own limit is marked once it
 * stops, and what it keeps is never promised to the receiver. */
START_TEST(test_sim_refusing_donor)
{
    struct sim s;

    sim_init(&s, 3);
    add_guest(&s, 512 * MIB, 64 * MIB, 1024 * MIB, 32 * MIB);
    add_guest(&s, 256 * MIB, 64 * MIB, 1024 * MIB, 32 * MIB);
    s.g[0].refuse_below = 384 * MIB;
    s.total = 768 * MIB + s.p.headroom_kib;
    s.d[0].want_kib = 128 * MIB;
    s.d[1].want_kib = 640 * MIB;
    for (int k = 0; k < 200; k++)
        tick(&s, 1000);
    ck_assert(s.d[0].uncooperative);
    ck_assert_int_eq(s.g[0].actual, 384 * MIB);
    ck_assert_int_eq(s.d[1].target_kib, 384 * MIB);
    ck_assert_int_eq(s.g[1].actual, 384 * MIB);
}
END_TEST

/* The adaptive rate tracks the guest's pace: it climbs to rate_max for a
 * fast guest, stays at rate_min for a very slow one, and saw-tooths within
 * (pace/2, 2*pace] for one in between. */
START_TEST(test_sim_adaptive)
{
    static const int64_t paces[] = {1 * MIB, 16 * MIB, 10 * MIB, 256 * MIB};
    struct sim s;
    int64_t pace = paces[_i];

    sim_init(&s, 4);
    s.p.rate_min_kib_s = 2 * MIB;
    s.p.rate_max_kib_s = 64 * MIB;
    add_guest(&s, 2048 * MIB, 64 * MIB, 4096 * MIB, pace);
    s.total = 4096 * MIB;
    s.d[0].want_kib = 64 * MIB;
    for (int k = 0; k < 60; k++) {
        tick(&s, 1000);
        if (k < 10)
            continue;
        int64_t r = s.d[0].rate_kib_s;
        if (pace <= s.p.rate_min_kib_s / 2)
            ck_assert_int_eq(r, s.p.rate_min_kib_s);
        else if (pace >= s.p.rate_max_kib_s)
            ck_assert_int_eq(r, s.p.rate_max_kib_s);
        else
            ck_assert_msg(r > pace / 2 && r <= 2 * pace, "pace %lld: rate %lld", (long long)pace,
                          (long long)r);
    }
    /* Its balloon was never idle for want of a target: every step it moved
     * at its own pace or the mover's. */
    ck_assert_int_le(s.g[0].actual, 2048 * MIB - 50 * (pace < 2 * MIB ? pace : 2 * MIB));
}
END_TEST

/* Something outside the mover takes memory while growth is promised: the
 * untaken growth is withdrawn so growers do not eat into the headroom. */
START_TEST(test_sim_external_shock)
{
    struct sim s;

    sim_init(&s, 5);
    add_guest(&s, 256 * MIB, 64 * MIB, 2048 * MIB, 8 * MIB); /* slow grower */
    add_guest(&s, 256 * MIB, 64 * MIB, 2048 * MIB, 4 * MIB); /* slower grower */
    s.total = 512 * MIB + s.p.headroom_kib + 512 * MIB;
    s.d[0].want_kib = 1024 * MIB;
    s.d[1].want_kib = 1024 * MIB;
    s.p.rate_min_kib_s = 32 * MIB; /* let targets run ahead of the guests */
    s.p.adaptive = false;
    s.p.rate_max_kib_s = 32 * MIB;
    for (int k = 0; k < 5; k++)
        tick(&s, 1000);
    ck_assert_int_gt(s.d[0].target_kib, s.g[0].actual);
    /* A new domain appears and takes all but 8 MiB of the spare memory. */
    s.external = host_free(&s) - s.p.headroom_kib - 8 * MIB;
    tick(&s, 1000);
    ck_assert_int_eq(s.sum.granted_kib, 0);
    ck_assert_int_eq(s.sum.budget_kib, 0);
    for (int k = 0; k < 100; k++)
        tick(&s, 1000); /* advance() asserts free >= headroom after every move */
    ck_assert_int_eq(host_free(&s), s.p.headroom_kib);
}
END_TEST

/* Direction changes while the daemon's reads and writes race the guests:
 * a grower keeps taking its old promise until its lowered target lands,
 * and a donor keeps releasing until its raised target lands (and grows
 * back).  Either would push the host below its headroom if the mover
 * handed the memory out early. */
static void race_setup(struct sim *s, unsigned seed)
{
    sim_init(s, seed);
    s->p.adaptive = false;
    s->p.rate_min_kib_s = s->p.rate_max_kib_s = 64 * MIB;
    s->lag_read = 300;
    s->lag_set = 300;
}

static void race_guest(struct sim *s, int64_t actual, int64_t target, int64_t want, int64_t pace)
{
    add_guest(s, actual, 0, 2048 * MIB, pace);
    s->g[s->n - 1].target = target;
    s->d[s->n - 1].target_kib = target;
    s->d[s->n - 1].want_kib = want;
    s->d[s->n - 1].rate_kib_s = 64 * MIB;
    s->d[s->n - 1].last_progress_ms = s->now;
}

START_TEST(test_sim_races)
{
    struct sim s;

    /* A grower with 24 MiB untaken turns into a donor; a fast receiver
     * waits.  Free is exactly the headroom plus that promise. */
    race_setup(&s, 6);
    race_guest(&s, 256 * MIB, 256 * MIB, 1024 * MIB, 256 * MIB);
    race_guest(&s, 512 * MIB, 536 * MIB, 256 * MIB, 16 * MIB);
    s.total = 768 * MIB + 24 * MIB + s.p.headroom_kib;
    for (int k = 0; k < 60; k++)
        tick(&s, 1000);
    ck_assert_int_eq(s.g[0].actual, 256 * MIB + 24 * MIB + 256 * MIB);

    /* A donor still releasing towards its target turns into a receiver;
     * another receiver waits.  Free is exactly the headroom. */
    race_setup(&s, 7);
    race_guest(&s, 256 * MIB, 256 * MIB, 1024 * MIB, 256 * MIB);
    race_guest(&s, 512 * MIB, 480 * MIB, 600 * MIB, 16 * MIB);
    s.total = 768 * MIB + s.p.headroom_kib;
    for (int k = 0; k < 60; k++)
        tick(&s, 1000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("balloon");
    TCase *tc = tcase_create("step");
    tcase_add_loop_test(tc, test_single_step, 0, (int)(sizeof(scases) / sizeof(scases[0])));
    tcase_add_test(tc, test_no_domains);
    tcase_add_test(tc, test_huge_values);
    tcase_add_test(tc, test_rate_init);
    tcase_add_loop_test(tc, test_rate_rule, 0, (int)(sizeof(rcases) / sizeof(rcases[0])));
    tcase_add_test(tc, test_stuck);
    tcase_add_test(tc, test_idle_never_stuck);
    suite_add_tcase(s, tc);

    TCase *sim = tcase_create("simulation");
    tcase_set_timeout(sim, 60);
    tcase_add_loop_test(sim, test_sim_cooperative, 0, 12);
    tcase_add_test(sim, test_sim_shrink_before_grow);
    tcase_add_test(sim, test_sim_stuck_donor);
    tcase_add_test(sim, test_sim_refusing_donor);
    tcase_add_loop_test(sim, test_sim_adaptive, 0, 4);
    tcase_add_test(sim, test_sim_external_shock);
    tcase_add_test(sim, test_sim_races);
    suite_add_tcase(s, sim);

    return check_run(s);
}
