/* SPDX-License-Identifier: GPL-2.0-only */
/* pCPU sets: xl's cpu-list syntax in and out, clamping to a host. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "core/cpumap.h"
#include "core/error.h"
#include "tests/unit/suite_run.h"

struct pcase {
    const char *text;
    int rc;
    const char *shown; /* plm_cpumap_format of the result (rc 0) */
    unsigned count;
};

static const struct pcase pcases[] = {
    {"0", 0, "0", 1},
    {"0-3,6", 0, "0-3,6", 5},
    {"6,0-3", 0, "0-3,6", 5},
    {"1,1,1", 0, "1", 1},
    {"0-1,2-3", 0, "0-3", 4},
    {"all", 0, "all", PLM_CPUMAP_BITS},
    {"all,^0", 0, "1-1023", PLM_CPUMAP_BITS - 1},
    {"0-7,^2-3", 0, "0-1,4-7", 6},
    {"1023", 0, "1023", 1},
    {"", PLM_EGRAMMAR, NULL, 0},
    {"1024", PLM_ERANGE, NULL, 0},
    {"99999999999999999999", PLM_ERANGE, NULL, 0},
    {"3-1", PLM_ERANGE, NULL, 0},
    {"0,", PLM_EGRAMMAR, NULL, 0},
    {",0", PLM_EGRAMMAR, NULL, 0},
    {"0 ,1", PLM_EGRAMMAR, NULL, 0},
    {"-1", PLM_EGRAMMAR, NULL, 0},
    {"0-", PLM_EGRAMMAR, NULL, 0},
    {"node:0", PLM_EGRAMMAR, NULL, 0},
    {"alls", PLM_EGRAMMAR, NULL, 0},
    {"^0", PLM_EINVAL, NULL, 0},
    {"2,^2", PLM_EINVAL, NULL, 0},
};

START_TEST(test_parse)
{
    const struct pcase *c = &pcases[_i];
    struct plm_cpumap m, before;
    char why[128] = "", buf[PLM_CPUMAP_STRLEN];

    plm_cpumap_first(&m, 3);
    before = m;
    int rc = plm_cpumap_parse(c->text, &m, why, sizeof(why));
    ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d (%s)", c->text, rc, c->rc, why);
    if (rc) {
        ck_assert_msg(plm_cpumap_equal(&m, &before), "'%s': a failed parse changed the map",
                      c->text);
        ck_assert_msg(why[0] != '\0', "'%s': no reason given", c->text);
        return;
    }
    ck_assert_str_eq(plm_cpumap_format(&m, buf, sizeof(buf)), c->shown);
    ck_assert_uint_eq(plm_cpumap_count(&m), c->count);
    /* What is shown parses back to the same map. */
    struct plm_cpumap again;
    ck_assert_int_eq(plm_cpumap_parse(buf, &again, NULL, 0), 0);
    ck_assert(plm_cpumap_equal(&m, &again));
}
END_TEST

struct ccase {
    const char *text;
    unsigned ncpus;
    bool dropped;
    const char *shown;
};

static const struct ccase ccases[] = {
    {"all", 8, true, "0-7"},  {"0-3,6", 8, false, "0-3,6"}, {"0-3,6", 4, true, "0-3"},
    {"6-9", 4, true, "none"}, {"0", 1, false, "0"},
};

START_TEST(test_clamp)
{
    const struct ccase *c = &ccases[_i];
    struct plm_cpumap m;
    char buf[PLM_CPUMAP_STRLEN];

    ck_assert_int_eq(plm_cpumap_parse(c->text, &m, NULL, 0), 0);
    ck_assert_int_eq(plm_cpumap_clamp(&m, c->ncpus), c->dropped);
    ck_assert_str_eq(plm_cpumap_format(&m, buf, sizeof(buf)), c->shown);
    ck_assert_int_eq(plm_cpumap_empty(&m), strcmp(c->shown, "none") == 0);
}
END_TEST

START_TEST(test_format_bounded)
{
    struct plm_cpumap m;
    char small[8];

    plm_cpumap_zero(&m);
    for (unsigned c = 0; c < PLM_CPUMAP_BITS; c += 2)
        plm_cpumap_set(&m, c);
    plm_cpumap_format(&m, small, sizeof(small));
    ck_assert_uint_lt(strlen(small), sizeof(small));
    ck_assert_str_eq(small, "0,2,4,6");
    /* The widest map fits PLM_CPUMAP_STRLEN. */
    char big[PLM_CPUMAP_STRLEN];
    plm_cpumap_format(&m, big, sizeof(big));
    ck_assert(strstr(big, ",1022") != NULL);
    plm_cpumap_first(&m, 4);
    ck_assert(plm_cpumap_test(&m, 3) && !plm_cpumap_test(&m, 4));
    ck_assert(!plm_cpumap_test(&m, PLM_CPUMAP_BITS));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cpumap");
    TCase *tc = tcase_create("cpumap");
    tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(pcases) / sizeof(pcases[0])));
    tcase_add_loop_test(tc, test_clamp, 0, (int)(sizeof(ccases) / sizeof(ccases[0])));
    tcase_add_test(tc, test_format_bounded);
    suite_add_tcase(s, tc);
    return check_run(s);
}
