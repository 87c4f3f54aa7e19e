/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arbiter against the worked examples FIG. 4A and 4B (every column of
 * the trace), and each mode, leftover rule and bound on small tables.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arbiter.h"
#include "core/error.h"
#include "tests/unit/suite_run.h"

#define U(x) PLM_UNITS(x)
#define MAXN 16
#define MAXSTEPS 32

/* A recorded walk: one entry per trace step. */
struct walk {
    size_t nsteps;
    struct {
        enum plm_step_kind kind;
        unsigned level;
        plm_amt_t target, remaining;
        plm_amt_t alloc[MAXN];
    } step[MAXSTEPS];
};

static void record(void *arg, const struct plm_step *st)
{
    struct walk *wk = arg;
    ck_assert_uint_lt(wk->nsteps, MAXSTEPS);
    wk->step[wk->nsteps].kind = st->kind;
    wk->step[wk->nsteps].level = st->level;
    wk->step[wk->nsteps].target = st->target;
    wk->step[wk->nsteps].remaining = st->remaining;
    memcpy(wk->step[wk->nsteps].alloc, st->alloc, st->n * sizeof(plm_amt_t));
    wk->nsteps++;
}

/* Build requests from whole-unit rows; -1 ends a row. */
static void fill(struct plm_request *r, size_t n, const int rows[][PLM_MAX_LEVELS + 1])
{
    for (size_t i = 0; i < n; i++) {
        plm_request_init(&r[i]);
        for (unsigned l = 0; rows[i][l] >= 0; l++)
            r[i].level[r[i].nlevels++] = U(rows[i][l]);
    }
}

static void run(const struct plm_params *p, const struct plm_request *r, size_t n,
                struct plm_outcome *o, struct plm_summary *s)
{
    struct plm_work w;
    ck_assert_int_eq(plm_work_init(&w, n), 0);
    ck_assert_int_eq(plm_arbitrate(p, r, 0, n, &w, o, s), 0);
    plm_work_dispose(&w);
}

/* The step of the walk with this kind, level and target, or fail. */
static const plm_amt_t *find_step(const struct walk *wk, enum plm_step_kind kind, unsigned level,
                                  plm_amt_t target)
{
    for (size_t i = 0; i < wk->nsteps; i++)
        if (wk->step[i].kind == kind && wk->step[i].level == level &&
            (kind != PLM_STEP_TARGET || wk->step[i].target == target))
            return wk->step[i].alloc;
    ck_abort_msg("no step kind %d level %u target %lld", (int)kind, level, (long long)target);
    return NULL;
}

static void expect_column(const plm_amt_t *got, const double *want, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == (plm_amt_t)(want[i] * 1000 + 0.5),
                      "%s: partition %zu holds %lld ticks, want %g", name, i + 1, (long long)got[i],
                      want[i]);
}

static const int fig4a[6][PLM_MAX_LEVELS + 1] = {
    {1, 1, 1, 3, -1}, {0, 3, 4, 5, -1}, {2, 4, 4, 4, -1},
    {0, 0, 0, 3, -1}, {2, 3, 4, 5, -1}, {1, 1, 1, 1, -1},
};

START_TEST(test_fig4a_columns)
{
    struct plm_request r[6];
    struct plm_outcome o[6];
    struct plm_summary s;
    struct plm_params p;
    struct walk wk = {0};

    fill(r, 6, fig4a);
    plm_params_init(&p, U(19));
    p.trace = record;
    p.trace_arg = &wk;
    run(&p, r, 6, o, &s);

    expect_column(find_step(&wk, PLM_STEP_FLOOR, 0, 0), (double[]){1, 1, 1, 1, 1, 1}, 6, "401");
    expect_column(find_step(&wk, PLM_STEP_LEVEL, 1, 0), (double[]){1, 1, 2, 1, 2, 1}, 6, "402");
    expect_column(find_step(&wk, PLM_STEP_LEVEL, 2, 0), (double[]){1, 3, 4, 1, 3, 1}, 6, "403");
    expect_column(find_step(&wk, PLM_STEP_LEVEL, 3, 0), (double[]){1, 4, 4, 1, 4, 1}, 6, "404");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 4, U(1)), (double[]){1, 4, 4, 1, 4, 1}, 6, "405");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 4, U(3)), (double[]){3, 4, 4, 3, 4, 1}, 6, "406");

    const long final[6] = {3, 4, 4, 3, 4, 1};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(o[i].raw, U(final[i]));
        ck_assert_int_eq(o[i].rounded, U(final[i]));
    }
    ck_assert_int_eq(s.allocated, U(19));
    ck_assert_int_eq(s.reserve, 0);
    ck_assert_uint_eq(s.levelled, 4);

    /* Why: 1 and 4 reached their level-4 request exactly as the pool ran
     * out; 2 and 5 were cut at level 4; 3 and 6 got all they asked. */
    ck_assert_int_eq(o[0].why, PLM_WHY_SATISFIED);
    ck_assert_uint_eq(o[0].satisfied, 4);
    ck_assert_int_eq(o[1].why, PLM_WHY_LEVELLED);
    ck_assert_uint_eq(o[1].satisfied, 3);
    ck_assert_uint_eq(o[1].levelled, 4);
    ck_assert_int_eq(o[2].why, PLM_WHY_SATISFIED);
    ck_assert_int_eq(o[4].why, PLM_WHY_LEVELLED);
    /* Partition 6 never asked beyond the minimal allotment. */
    ck_assert_int_eq(o[5].why, PLM_WHY_FLOOR);
}
END_TEST

static const int fig4b[5][PLM_MAX_LEVELS + 1] = {
    {1, 9, -1}, {1, 8, -1}, {4, 5, -1}, {1, 2, -1}, {4, 3, -1},
};

START_TEST(test_fig4b_columns)
{
    struct plm_request r[5];
    struct plm_outcome o[5];
    struct plm_summary s;
    struct plm_params p;
    struct walk wk = {0};

    fill(r, 5, fig4b);
    plm_params_init(&p, U(24));
    p.trace = record;
    p.trace_arg = &wk;
    run(&p, r, 5, o, &s);

    expect_column(find_step(&wk, PLM_STEP_FLOOR, 0, 0), (double[]){1, 1, 1, 1, 1}, 5, "408");
    expect_column(find_step(&wk, PLM_STEP_LEVEL, 1, 0), (double[]){1, 1, 4, 1, 4}, 5, "409");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 2, U(1)), (double[]){1, 1, 4, 1, 4}, 5, "410");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 2, U(2)), (double[]){2, 2, 4, 2, 4}, 5, "411");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 2, U(3)), (double[]){3, 3, 4, 2, 4}, 5, "412");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 2, U(4)), (double[]){4, 4, 4, 2, 4}, 5, "413");
    expect_column(find_step(&wk, PLM_STEP_TARGET, 2, U(5)), (double[]){5, 5, 5, 2, 4}, 5, "414");
    expect_column(find_step(&wk, PLM_STEP_SHARE, 2, 0), (double[]){6.5, 6.5, 5, 2, 4}, 5, "415");

    /* Target 8 is out of reach: the walk stops before it. */
    for (size_t i = 0; i < wk.nsteps; i++)
        ck_assert(!(wk.step[i].kind == PLM_STEP_TARGET && wk.step[i].target > U(5)));

    const plm_amt_t raw[5] = {6500, 6500, U(5), U(2), U(4)};
    const plm_amt_t rounded[5] = {U(7), U(6), U(5), U(2), U(4)};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(o[i].raw, raw[i]);
        ck_assert_int_eq(o[i].rounded, rounded[i]);
    }
    ck_assert_int_eq(s.water, 6500);
    ck_assert_uint_eq(s.levelled, 2);
    ck_assert_int_eq(o[0].why, PLM_WHY_LEVELLED);
    ck_assert_int_eq(o[0].water, 6500);
    ck_assert_int_eq(o[0].levelled, 2);
    ck_assert_uint_eq(o[0].satisfied, 1);
    /* Partition 5 asked less at level 2 than at level 1: read as 4. */
    ck_assert_int_eq(o[4].why, PLM_WHY_SATISFIED);
    ck_assert_uint_eq(o[4].satisfied, 2);
    ck_assert_int_eq(s.rounded_allocated, U(24));
}
END_TEST

/* One small table per mode and leftover case, whole-unit inputs. */
struct case_ {
    const char *name;
    long total, minimal;
    enum plm_mode mode;
    enum plm_leftover leftover;
    size_t default_domain;
    size_t n;
    int rows[4][PLM_MAX_LEVELS + 1];
    long min[4], max[4]; /* max 0 = none */
    double raw[4];
    long rounded[4];
    double reserve;
};

static const struct case_ cases[] = {
    {"proportional shares the remainder by shortfall",
     10,
     1,
     PLM_MODE_PROPORTIONAL,
     PLM_LEFTOVER_RESERVE,
     0,
     3,
     {{1, 4, -1}, {1, 7, -1}, {1, 1, -1}},
     {0},
     {0},
     {3.334, 5.666, 1},
     {3, 6, 1},
     0},
    {"max-satisfied serves the smallest shortfall first",
     10,
     1,
     PLM_MODE_MAX_SATISFIED,
     PLM_LEFTOVER_RESERVE,
     0,
     3,
     {{1, 4, -1}, {1, 7, -1}, {1, 1, -1}},
     {0},
     {0},
     {4, 5, 1},
     {4, 5, 1},
     0},
    {"levelling with the same table",
     10,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     3,
     {{1, 4, -1}, {1, 7, -1}, {1, 1, -1}},
     {0},
     {0},
     {4, 5, 1},
     {4, 5, 1},
     0},
    {"reserve keeps what nobody asked for",
     20,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     2,
     {{2, 3, -1}, {1, 4, -1}},
     {0},
     {0},
     {3, 4},
     {3, 4},
     13},
    {"split gives equal increments up to each maximum",
     20,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_SPLIT,
     0,
     3,
     {{2, 3, -1}, {1, 4, -1}, {1, -1}},
     {0, 0, 0},
     {5, 0, 0},
     {5, 9, 6},
     {5, 9, 6},
     0},
    {"default takes the leftover up to its maximum",
     20,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_DEFAULT,
     1,
     2,
     {{2, 3, -1}, {1, 4, -1}},
     {0, 0},
     {0, 10},
     {3, 10},
     {3, 10},
     7},
    {"policy minimum above the request is a floor",
     10,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     2,
     {{1, -1}, {1, 2, -1}},
     {4, 0},
     {0, 0},
     {4, 2},
     {4, 2},
     4},
    {"policy maximum caps a level",
     10,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     2,
     {{8, -1}, {8, -1}},
     {0, 0},
     {3, 0},
     {3, 7},
     {3, 7},
     0},
    {"short pool levels the floors",
     3,
     2,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     2,
     {{5, -1}, {5, -1}},
     {0},
     {0},
     {1.5, 1.5},
     {2, 1},
     0},
    {"a domain asking nothing keeps the minimal allotment",
     10,
     1,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     2,
     {{-1}, {3, -1}},
     {0},
     {0},
     {1, 3},
     {1, 3},
     6},
    {"zero minimal allotment",
     4,
     0,
     PLM_MODE_LEVELLING,
     PLM_LEFTOVER_RESERVE,
     0,
     2,
     {{0, 9, -1}, {0, 9, -1}},
     {0},
     {0},
     {2, 2},
     {2, 2},
     0},
};

START_TEST(test_case)
{
    const struct case_ *c = &cases[_i];
    struct plm_request r[4];
    struct plm_outcome o[4];
    struct plm_summary s;
    struct plm_params p;

    fill(r, c->n, c->rows);
    for (size_t i = 0; i < c->n; i++) {
        r[i].min = U(c->min[i]);
        if (c->max[i])
            r[i].max = U(c->max[i]);
    }
    plm_params_init(&p, U(c->total));
    p.minimal = U(c->minimal);
    p.mode = c->mode;
    p.leftover = c->leftover;
    p.default_domain = c->default_domain;
    run(&p, r, c->n, o, &s);
    for (size_t i = 0; i < c->n; i++) {
        ck_assert_msg(o[i].raw == (plm_amt_t)(c->raw[i] * 1000 + 0.5), "%s: domain %zu raw %lld",
                      c->name, i, (long long)o[i].raw);
        ck_assert_msg(o[i].rounded == U(c->rounded[i]), "%s: domain %zu rounded %lld", c->name, i,
                      (long long)o[i].rounded);
    }
    ck_assert_msg(s.reserve == (plm_amt_t)(c->reserve * 1000 + 0.5), "%s: reserve %lld", c->name,
                  (long long)s.reserve);
}
END_TEST

START_TEST(test_explain)
{
    /* max caps domain 0 at 3, domain 1 is levelled at level 2, domain 2
     * is satisfied at 1 but wanted more at level 3 after the pool ran out. */
    static const int rows[3][PLM_MAX_LEVELS + 1] = {{8, -1}, {1, 9, -1}, {1, 1, 6, -1}};
    struct plm_request r[3];
    struct plm_outcome o[3];
    struct plm_summary s;
    struct plm_params p;

    fill(r, 3, rows);
    r[0].max = U(3);
    plm_params_init(&p, U(10));
    run(&p, r, 3, o, &s);
    ck_assert_int_eq(o[0].why, PLM_WHY_MAXIMUM);
    ck_assert(o[0].flags & PLM_OUT_AT_MAX);
    ck_assert_int_eq(o[1].why, PLM_WHY_LEVELLED);
    ck_assert_int_eq(o[1].raw, U(6));
    ck_assert_int_eq(o[2].why, PLM_WHY_EXHAUSTED);
    ck_assert_uint_eq(o[2].satisfied, 2);
    ck_assert_str_eq(plm_why_name(o[2].why), "exhausted");
}
END_TEST

START_TEST(test_floor_flag)
{
    static const int rows[1][PLM_MAX_LEVELS + 1] = {{0, -1}};
    struct plm_request r[1];
    struct plm_outcome o[1];
    struct plm_params p;

    fill(r, 1, rows);
    plm_params_init(&p, U(5));
    run(&p, r, 1, o, NULL);
    ck_assert_int_eq(o[0].why, PLM_WHY_FLOOR);
    ck_assert(o[0].flags & PLM_OUT_AT_MIN);
    ck_assert_int_eq(o[0].raw, U(1));
}
END_TEST

START_TEST(test_bad_input)
{
    struct plm_request r[2];
    struct plm_outcome o[2];
    struct plm_params p;
    struct plm_work w;

    ck_assert_int_eq(plm_work_init(&w, 1), 0);
    plm_request_init(&r[0]);
    plm_request_init(&r[1]);
    plm_params_init(&p, U(5));
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 2, &w, o, NULL), PLM_ETOOMANY);
    p.unit = 0;
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), PLM_EINVAL);
    plm_params_init(&p, -1);
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), PLM_EINVAL);
    plm_params_init(&p, U(5));
    r[0].min = U(3);
    r[0].max = U(2);
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), PLM_EINVAL);
    plm_request_init(&r[0]);
    r[0].nlevels = PLM_MAX_LEVELS + 1;
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), PLM_ETOOMANY);
    plm_request_init(&r[0]);
    r[0].nlevels = 1;
    r[0].level[0] = PLM_AMT_MAX + 1;
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), PLM_EINVAL);
    plm_request_init(&r[0]);
    p.leftover = PLM_LEFTOVER_DEFAULT;
    p.default_domain = 1;
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), PLM_EINVAL);
    p.default_domain = 0;
    ck_assert_int_eq(plm_arbitrate(&p, r, 0, 1, &w, o, NULL), 0);
    plm_work_dispose(&w);
    plm_work_dispose(&w); /* idempotent */
}
END_TEST

START_TEST(test_unit_and_stride)
{
    /* Two resources per domain, arbitrated from the same table. */
    struct dom {
        struct plm_request cpu, mem;
    } d[2];
    struct plm_outcome o[2];
    struct plm_params p;
    struct plm_work w;

    for (int i = 0; i < 2; i++) {
        plm_request_init(&d[i].cpu);
        plm_request_init(&d[i].mem);
        d[i].cpu.nlevels = d[i].mem.nlevels = 1;
    }
    d[0].cpu.level[0] = U(150);
    d[1].cpu.level[0] = U(450);
    d[0].mem.level[0] = U(1000);
    d[1].mem.level[0] = U(3000);
    ck_assert_int_eq(plm_work_init(&w, 2), 0);

    plm_params_init(&p, U(400));
    ck_assert_int_eq(plm_arbitrate(&p, &d[0].cpu, sizeof(d[0]), 2, &w, o, NULL), 0);
    ck_assert_int_eq(o[0].raw, U(150));
    ck_assert_int_eq(o[1].raw, U(250));

    /* Memory in 128 MiB units from a 2500 MiB pool: usable 2432. */
    plm_params_init(&p, U(2500));
    p.unit = U(128);
    struct plm_summary s;
    ck_assert_int_eq(plm_arbitrate(&p, &d[0].mem, sizeof(d[0]), 2, &w, o, &s), 0);
    ck_assert_int_eq(s.total, U(2432));
    ck_assert_int_eq(o[0].raw, U(1000));
    ck_assert_int_eq(o[1].raw, U(1432));
    ck_assert_int_eq(o[0].rounded % U(128), 0);
    ck_assert_int_eq(o[1].rounded % U(128), 0);
    ck_assert_int_le(o[0].rounded + o[1].rounded, U(2432));
    plm_work_dispose(&w);
}
END_TEST

START_TEST(test_names)
{
    static const struct {
        const char *name;
        enum plm_mode mode;
    } modes[] = {
        {"levelling", PLM_MODE_LEVELLING},
        {"proportional", PLM_MODE_PROPORTIONAL},
        {"max-satisfied", PLM_MODE_MAX_SATISFIED},
    };
    static const struct {
        const char *name;
        enum plm_leftover rule;
    } rules[] = {
        {"reserve", PLM_LEFTOVER_RESERVE},
        {"split", PLM_LEFTOVER_SPLIT},
        {"default", PLM_LEFTOVER_DEFAULT},
    };
    enum plm_mode m;
    enum plm_leftover l;

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        ck_assert_int_eq(plm_mode_parse(modes[i].name, &m), 0);
        ck_assert_int_eq(m, modes[i].mode);
        ck_assert_str_eq(plm_mode_name(modes[i].mode), modes[i].name);
    }
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        ck_assert_int_eq(plm_leftover_parse(rules[i].name, &l), 0);
        ck_assert_int_eq(l, rules[i].rule);
        ck_assert_str_eq(plm_leftover_name(rules[i].rule), rules[i].name);
    }
    ck_assert_int_eq(plm_mode_parse("fair", &m), PLM_EINVAL);
    ck_assert_int_eq(plm_leftover_parse("default=p1", &l), PLM_EINVAL);
    ck_assert_int_eq(plm_leftover_parse(NULL, &l), PLM_EINVAL);
    ck_assert_str_eq(plm_mode_name((enum plm_mode)PLM_MODE_COUNT), "?");
    ck_assert_str_eq(plm_leftover_name((enum plm_leftover)PLM_LEFTOVER_COUNT), "?");
    ck_assert_str_eq(plm_why_name(PLM_WHY_LEVELLED), "levelled");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arbiter");
    TCase *tc = tcase_create("arbiter");
    tcase_add_test(tc, test_fig4a_columns);
    tcase_add_test(tc, test_fig4b_columns);
    tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_explain);
    tcase_add_test(tc, test_floor_flag);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_unit_and_stride);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return check_run(s);
}
