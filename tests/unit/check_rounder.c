/* SPDX-License-Identifier: GPL-2.0-only */
/* The cumulative rounder against FIG. 5B and 5C, units, limits, strides. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "core/rounder.h"
#include "tests/unit/suite_run.h"

struct rcase {
    const char *name;
    size_t n;
    plm_amt_t unit, limit;
    plm_amt_t raw[6];
    plm_amt_t want[6];
    plm_amt_t total;
};

static const struct rcase rcases[] = {
    {"FIG. 5B", 3, 1000, PLM_AMT_MAX, {3500, 3500, 3000}, {4000, 3000, 3000}, 10000},
    {"FIG. 5C",
     4,
     1000,
     PLM_AMT_MAX,
     {10100, 20200, 30300, 39400},
     {10000, 20000, 31000, 39000},
     100000},
    {"FIG. 4B final",
     5,
     1000,
     PLM_AMT_MAX,
     {6500, 6500, 5000, 2000, 4000},
     {7000, 6000, 5000, 2000, 4000},
     24000},
    {"exact values pass through", 3, 1000, PLM_AMT_MAX, {1000, 7000, 0}, {1000, 7000, 0}, 8000},
    {"thirds", 3, 1000, PLM_AMT_MAX, {333, 333, 334}, {0, 1000, 0}, 1000},
    {"unit of 128",
     3,
     128000,
     PLM_AMT_MAX,
     {1000000, 1432000, 64000},
     {1024000, 1408000, 128000},
     2560000},
    {"odd unit in ticks, exact half", 2, 3, PLM_AMT_MAX, {1, 2}, {0, 3}, 3},
    {"limit caps the running sum", 2, 1000, 3000, {1500, 1600}, {2000, 1000}, 3000},
    {"empty", 0, 1000, 0, {0}, {0}, 0},
};

START_TEST(test_rounder_case)
{
    const struct rcase *c = &rcases[_i];
    plm_amt_t out[6];
    plm_amt_t total = plm_round_cumulative(c->raw, 0, out, 0, c->n, c->unit, c->limit);
    ck_assert_msg(total == c->total, "%s: total %lld", c->name, (long long)total);
    for (size_t i = 0; i < c->n; i++)
        ck_assert_msg(out[i] == c->want[i], "%s: [%zu] = %lld, want %lld", c->name, i,
                      (long long)out[i], (long long)c->want[i]);
}
END_TEST

START_TEST(test_half_up)
{
    ck_assert_int_eq(plm_round_half_up(3500, 1000), 4000);
    ck_assert_int_eq(plm_round_half_up(3499, 1000), 3000);
    ck_assert_int_eq(plm_round_half_up(0, 1000), 0);
    ck_assert_int_eq(plm_round_half_up(60600, 1000), 61000);
    ck_assert_int_eq(plm_round_half_up(64000, 128000), 128000);
    ck_assert_int_eq(plm_round_half_up(63999, 128000), 0);
}
END_TEST

START_TEST(test_in_place_strided)
{
    struct {
        plm_amt_t raw, rounded;
    } v[3] = {{3500, 0}, {3500, 0}, {3000, 0}};
    plm_round_cumulative(&v[0].raw, sizeof(v[0]), &v[0].rounded, sizeof(v[0]), 3, 1000,
                         PLM_AMT_MAX);
    ck_assert_int_eq(v[0].rounded, 4000);
    ck_assert_int_eq(v[1].rounded, 3000);
    ck_assert_int_eq(v[2].rounded, 3000);
    ck_assert_int_eq(v[0].raw, 3500);

    plm_amt_t a[3] = {10100, 20200, 30300};
    plm_round_cumulative(a, 0, a, 0, 3, 1000, PLM_AMT_MAX);
    ck_assert_int_eq(a[0], 10000);
    ck_assert_int_eq(a[1], 20000);
    ck_assert_int_eq(a[2], 31000);
}
END_TEST

/* Each result is the floor or the ceiling of its raw value. */
START_TEST(test_floor_or_ceiling)
{
    unsigned seed = 12345;
    plm_amt_t raw[64], out[64];
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (size_t)(rand_r(&seed) % 64);
        plm_amt_t unit = 1 + rand_r(&seed) % 5000, sum = 0;
        for (size_t i = 0; i < n; i++) {
            raw[i] = rand_r(&seed) % 100000;
            sum += raw[i];
        }
        plm_amt_t total = plm_round_cumulative(raw, 0, out, 0, n, unit, PLM_AMT_MAX);
        ck_assert_int_eq(total, plm_round_half_up(sum, unit));
        for (size_t i = 0; i < n; i++) {
            plm_amt_t lo = raw[i] / unit * unit;
            ck_assert_int_eq(out[i] % unit, 0);
            ck_assert(out[i] == lo || out[i] == lo + unit);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rounder");
    TCase *tc = tcase_create("rounder");
    tcase_add_loop_test(tc, test_rounder_case, 0, (int)(sizeof(rcases) / sizeof(rcases[0])));
    tcase_add_test(tc, test_half_up);
    tcase_add_test(tc, test_in_place_strided);
    tcase_add_test(tc, test_floor_or_ceiling);
    suite_add_tcase(s, tc);
    return check_run(s);
}
