/* SPDX-License-Identifier: GPL-2.0-only */
/* Decimal parsing and formatting: the grammar shared with guest input. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/amount.h"
#include "core/error.h"
#include "tests/unit/suite_run.h"

static const struct {
    const char *text;
    int rc;
    plm_amt_t value;
} pcases[] = {
    {"0", 0, 0},
    {"7", 0, 7000},
    {"6.5", 0, 6500},
    {"10.1", 0, 10100},
    {"0.125", 0, 125},
    {"1.5000", 0, 1500},
    {"007", 0, 7000},
    {"1000000000", 0, PLM_AMT_MAX},
    {"1000000000.001", PLM_ERANGE, 0},
    {"1000000001", PLM_ERANGE, 0},
    {"99999999999999999999999", PLM_ERANGE, 0},
    {"0.0001", PLM_EPRECISION, 0},
    {"1.2345", PLM_EPRECISION, 0},
    {"", PLM_EGRAMMAR, 0},
    {"-1", PLM_EGRAMMAR, 0},
    {"+1", PLM_EGRAMMAR, 0},
    {"1.", PLM_EGRAMMAR, 0},
    {".5", PLM_EGRAMMAR, 0},
    {"1e3", PLM_EGRAMMAR, 0},
    {"0x10", PLM_EGRAMMAR, 0},
    {" 1", PLM_EGRAMMAR, 0},
    {"1 ", PLM_EGRAMMAR, 0},
    {"1.2.3", PLM_EGRAMMAR, 0},
    {"nan", PLM_EGRAMMAR, 0},
};

START_TEST(test_parse)
{
    plm_amt_t v = -42;
    int rc = plm_amt_parse(pcases[_i].text, &v);
    ck_assert_msg(rc == pcases[_i].rc, "'%s': rc %d, want %d", pcases[_i].text, rc, pcases[_i].rc);
    if (rc == 0)
        ck_assert_int_eq(v, pcases[_i].value);
    else
        ck_assert_int_eq(v, -42); /* untouched on error */
}
END_TEST

START_TEST(test_parse_n_stops_at_length)
{
    plm_amt_t v;
    /* An embedded NUL or trailing bytes beyond len are never read. */
    ck_assert_int_eq(plm_amt_parse_n("12\0"
                                     "5",
                                     4, &v),
                     PLM_EGRAMMAR);
    ck_assert_int_eq(plm_amt_parse_n("12345", 2, &v), 0);
    ck_assert_int_eq(v, 12000);
    ck_assert_int_eq(plm_amt_parse_n("1", 0, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(plm_amt_parse(NULL, &v), PLM_EGRAMMAR);
}
END_TEST

START_TEST(test_format)
{
    char buf[PLM_AMT_STRLEN];
    ck_assert_str_eq(plm_amt_format(0, buf), "0");
    ck_assert_str_eq(plm_amt_format(7000, buf), "7");
    ck_assert_str_eq(plm_amt_format(6500, buf), "6.5");
    ck_assert_str_eq(plm_amt_format(125, buf), "0.125");
    ck_assert_str_eq(plm_amt_format(10010, buf), "10.01");
    ck_assert_str_eq(plm_amt_format(-2000, buf), "-2");
    ck_assert_str_eq(plm_amt_format(-1, buf), "-0.001");
    ck_assert_str_eq(plm_amt_format(PLM_AMT_MAX, buf), "1000000000");
    ck_assert_str_eq(plm_amt_format(INT64_MIN, buf), "-9223372036854775.808");
    ck_assert_str_eq(plm_amt_format(INT64_MAX, buf), "9223372036854775.807");
}
END_TEST

START_TEST(test_round_trip)
{
    char buf[PLM_AMT_STRLEN];
    for (plm_amt_t v = 0; v < 20000; v += 7) {
        plm_amt_t back;
        ck_assert_int_eq(plm_amt_parse(plm_amt_format(v, buf), &back), 0);
        ck_assert_int_eq(back, v);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("amount");
    TCase *tc = tcase_create("amount");
    tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(pcases) / sizeof(pcases[0])));
    tcase_add_test(tc, test_parse_n_stops_at_length);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);
    return check_run(s);
}
