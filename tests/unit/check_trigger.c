/* SPDX-License-Identifier: GPL-2.0-only */
/* The reallocation trigger: the default table, durations, direction, bounds. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/trigger.h"
#include "tests/unit/suite_run.h"

#define U(x) PLM_UNITS(x)

/* Feed (current, proposed) pairs one second apart; return the sample
 * index that fired, or -1. */
static int feed(const struct plm_trigger *t, const plm_amt_t (*pairs)[2], int n,
                struct plm_trigger_why *why)
{
    struct plm_trigger_state s;
    plm_trigger_state_reset(&s);
    for (int i = 0; i < n; i++)
        if (plm_trigger_sample(t, &s, pairs[i][0], pairs[i][1], (uint64_t)i * 1000, why))
            return i;
    return -1;
}

static const struct {
    const char *name;
    int n;
    plm_amt_t pairs[5][2];
    int fires_at;
    size_t rule;
} tcases[] = {
    {"10% fires at once", 1, {{U(100), U(110)}}, 0, 0},
    {"10% down fires at once", 1, {{U(100), U(90)}}, 0, 0},
    {"9% needs two samples", 2, {{U(100), U(109)}, {U(100), U(109)}}, 1, 1},
    {"9% once does not fire", 1, {{U(100), U(109)}}, -1, 0},
    {"8% needs three samples", 3, {{U(100), U(108)}, {U(100), U(108)}, {U(100), U(108)}}, 2, 2},
    {"8% twice does not fire", 2, {{U(100), U(108)}, {U(100), U(108)}}, -1, 0},
    {"9% then 8% then 8% fires on the 8% rule",
     3,
     {{U(100), U(109)}, {U(100), U(108)}, {U(100), U(108)}},
     2,
     2},
    {"a quiet sample breaks the streak",
     3,
     {{U(100), U(109)}, {U(100), U(100)}, {U(100), U(109)}},
     -1,
     0},
    {"7% never fires",
     5,
     {{U(100), U(107)}, {U(100), U(107)}, {U(100), U(107)}, {U(100), U(107)}, {U(100), U(107)}},
     -1,
     0},
    {"a change of direction restarts",
     3,
     {{U(100), U(109)}, {U(100), U(91)}, {U(100), U(109)}},
     -1,
     0},
    {"from zero anything fires", 1, {{0, 1}}, 0, 0},
    {"no difference never fires", 2, {{U(5), U(5)}, {0, 0}}, -1, 0},
};

START_TEST(test_seed_table)
{
    struct plm_trigger t;
    struct plm_trigger_why why = {0};
    plm_trigger_init_default(&t);
    ck_assert_int_eq(plm_trigger_check(&t), 0);
    int got = feed(&t, tcases[_i].pairs, tcases[_i].n, &why);
    ck_assert_msg(got == tcases[_i].fires_at, "%s: fired at %d", tcases[_i].name, got);
    if (got >= 0)
        ck_assert_msg(why.rule == tcases[_i].rule, "%s: rule %zu", tcases[_i].name, why.rule);
}
END_TEST

START_TEST(test_duration_rule)
{
    struct plm_trigger t = {0};
    struct plm_trigger_state s = {0};
    struct plm_trigger_why why;
    t.rule[0] = (struct plm_trigger_rule){.pct100 = 500, .duration_ms = 10 * 60 * 1000};
    t.nrules = 1;
    ck_assert_int_eq(plm_trigger_check(&t), 0);
    ck_assert(!plm_trigger_sample(&t, &s, U(100), U(106), 0, &why));
    ck_assert(!plm_trigger_sample(&t, &s, U(100), U(106), 9 * 60 * 1000, &why));
    ck_assert(plm_trigger_sample(&t, &s, U(100), U(106), 10 * 60 * 1000, &why));
    ck_assert_uint_eq(why.held_ms, 10 * 60 * 1000);
    ck_assert_uint_eq(why.samples, 3);
    ck_assert_uint_eq(why.pct100, 600);
    /* Firing resets: the next sample starts a new streak. */
    ck_assert(!plm_trigger_sample(&t, &s, U(100), U(106), 11 * 60 * 1000, &why));
}
END_TEST

START_TEST(test_min_delta)
{
    struct plm_trigger t;
    struct plm_trigger_state s = {0};
    plm_trigger_init_default(&t);
    t.min_delta = U(1);
    /* 0.5 unit on 2 units is 25%, but below one unit: ignored. */
    ck_assert(!plm_trigger_sample(&t, &s, U(2), 2500, 0, NULL));
    ck_assert(plm_trigger_sample(&t, &s, U(2), U(3), 1, NULL));
}
END_TEST

START_TEST(test_check_rejects)
{
    struct plm_trigger t = {0};
    ck_assert_int_eq(plm_trigger_check(&t), PLM_EINVAL);
    t.nrules = 1;
    t.rule[0].pct100 = 100;
    ck_assert_int_eq(plm_trigger_check(&t), PLM_EINVAL); /* neither count nor time */
    t.rule[0].samples = 1;
    ck_assert_int_eq(plm_trigger_check(&t), 0);
    t.rule[0].pct100 = 0;
    ck_assert_int_eq(plm_trigger_check(&t), PLM_EINVAL);
    t.rule[0].pct100 = 100;
    t.nrules = PLM_TRIGGER_MAX_RULES + 1;
    ck_assert_int_eq(plm_trigger_check(&t), PLM_EINVAL);
    t.nrules = 1;
    t.min_delta = -1;
    ck_assert_int_eq(plm_trigger_check(&t), PLM_EINVAL);
}
END_TEST

START_TEST(test_diff_pct)
{
    ck_assert_uint_eq(plm_trigger_diff_pct100(U(100), U(110)), 1000);
    ck_assert_uint_eq(plm_trigger_diff_pct100(U(100), U(91)), 900);
    ck_assert_uint_eq(plm_trigger_diff_pct100(U(3), U(3)), 0);
    ck_assert_uint_eq(plm_trigger_diff_pct100(0, 1), UINT32_MAX);
    ck_assert_uint_eq(plm_trigger_diff_pct100(1, PLM_AMT_MAX), UINT32_MAX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trigger");
    TCase *tc = tcase_create("trigger");
    tcase_add_loop_test(tc, test_seed_table, 0, (int)(sizeof(tcases) / sizeof(tcases[0])));
    tcase_add_test(tc, test_duration_rule);
    tcase_add_test(tc, test_min_delta);
    tcase_add_test(tc, test_check_rejects);
    tcase_add_test(tc, test_diff_pct);
    suite_add_tcase(s, tc);
    return check_run(s);
}
