/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared helpers (src/common/): the error buffer and the clock.  The
 * xenstore helpers are tested by check_xen_util, logging by every program
 * that logs.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/errbuf.h"
#include "common/walltime.h"
#include "core/error.h"
#include "tests/unit/suite_run.h"

/* plm_verrf_line through its variadic front, as every caller wraps it. */
__attribute__((format(printf, 5, 6))) static int via_va_list(char *err, size_t errlen, int rc,
                                                             unsigned line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf_line(err, errlen, rc, line, fmt, ap);
    va_end(ap);
    return rc;
}

/* What each call leaves in a buffer of errlen bytes (0: the buffer is not touched). */
static const struct {
    size_t errlen;
    unsigned line;
    const char *want;
} errbuf_cases[] = {
    {64, 0, "domain 'web' is unknown"},
    {64, 3, "line 3: domain 'web' is unknown"},
    {12, 0, "domain 'web"}, /* cut to fit, NUL-terminated */
    {12, 3, "line 3: dom"}, /* the prefix counts */
    {6, 12345, "line "},    /* no room for the message after the prefix */
    {1, 0, ""},
    {0, 0, "untouched"},
};

/* Run once per row of errbuf_cases (_i). */
START_TEST(test_errbuf)
{
    char err[64] = "untouched";

    ck_assert_int_eq(via_va_list(err, errbuf_cases[_i].errlen, PLM_EINVAL, errbuf_cases[_i].line,
                                 "domain '%s' is unknown", "web"),
                     PLM_EINVAL);
    ck_assert_str_eq(err, errbuf_cases[_i].want);
}
END_TEST

START_TEST(test_errbuf_fronts)
{
    char err[32];

    /* The code comes back whatever happens to the message. */
    ck_assert_int_eq(plm_errf(err, sizeof(err), PLM_ERANGE, "%d is too large", 7), PLM_ERANGE);
    ck_assert_str_eq(err, "7 is too large");
    ck_assert_int_eq(plm_errf_line(err, sizeof(err), PLM_EGRAMMAR, 2, "bad"), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "line 2: bad");
    ck_assert_int_eq(plm_errf(NULL, 0, PLM_ENOMEM, "out of memory"), PLM_ENOMEM);
    ck_assert_int_eq(plm_errf_line(NULL, 10, PLM_EIO, 1, "x"), PLM_EIO);
}
END_TEST

START_TEST(test_clock)
{
    uint64_t a = plm_mono_ms(), b = plm_mono_ms();

    ck_assert_uint_ge(b, a);
    ck_assert_uint_gt(a, 0);
}
END_TEST

/* The one duration grammar: every unit, both spellings of minutes. */
static const struct {
    const char *in;
    int rc;
    uint64_t ms;
} duration_cases[] = {
    {"500ms", 0, 500},
    {"120s", 0, 120000},
    {"2m", 0, 120000},
    {"2min", 0, 120000},
    {"1h", 0, 3600000},
    {"1d", 0, 86400000},
    {"0s", 0, 0}, /* the range is the caller's */
    {"007s", 0, 7000},
    {"18446744073709551615ms", 0, UINT64_MAX},
    {"18446744073709551616ms", PLM_ERANGE, 0},
    {"213503982335d", PLM_ERANGE, 0},
    {"99999999999999999999999x", PLM_EGRAMMAR, 0},
    {"", PLM_EGRAMMAR, 0},
    {"s", PLM_EGRAMMAR, 0},
    {"10", PLM_EGRAMMAR, 0},
    {"10 s", PLM_EGRAMMAR, 0},
    {"10S", PLM_EGRAMMAR, 0},
    {"10mins", PLM_EGRAMMAR, 0},
    {"1.5h", PLM_EGRAMMAR, 0},
    {"-1s", PLM_EGRAMMAR, 0},
    {"+1s", PLM_EGRAMMAR, 0},
    {"10sec", PLM_EGRAMMAR, 0},
};

START_TEST(test_duration)
{
    uint64_t ms = 42;
    int rc = plm_duration_parse(duration_cases[_i].in, strlen(duration_cases[_i].in), &ms);

    ck_assert_msg(rc == duration_cases[_i].rc, "'%s': rc %d, want %d", duration_cases[_i].in, rc,
                  duration_cases[_i].rc);
    ck_assert_uint_eq(ms, rc == 0 ? duration_cases[_i].ms : 42);
}
END_TEST

/* Only the n bytes given are read: a word inside a longer line. */
START_TEST(test_duration_span)
{
    uint64_t ms = 0;

    ck_assert_int_eq(plm_duration_parse("2min later", 4, &ms), 0);
    ck_assert_uint_eq(ms, 120000);
    ck_assert_int_eq(plm_duration_parse("2min later", 3, &ms), PLM_EGRAMMAR);
    ck_assert_int_eq(plm_duration_parse("2min later", 2, &ms), 0);
    ck_assert_uint_eq(ms, 120000);
}
END_TEST

/* Days from 1970-01-01 to civil dates (the local day anticipation counts),
 * and a reading of the local time in range. */
START_TEST(test_walltime)
{
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t days;
    } t[] = {
        {1970, 1, 1, 0},     {1970, 1, 2, 1},      {1969, 12, 31, -1},
        {1972, 2, 29, 789},  {1972, 3, 1, 790},    {2000, 2, 29, 11016},
        {2000, 3, 1, 11017}, {2024, 10, 6, 20002}, {2100, 3, 1, 47541},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(plm_days_from_civil(t[i].y, t[i].m, t[i].d) == t[i].days, "%lld-%u-%u: %lld",
                      (long long)t[i].y, t[i].m, t[i].d,
                      (long long)plm_days_from_civil(t[i].y, t[i].m, t[i].d));
    int64_t day;
    uint32_t sec;
    ck_assert_int_eq(plm_local_time(&day, &sec), 0);
    ck_assert_int_gt(day, 20000); /* after 2024-10-04 */
    ck_assert_uint_lt(sec, 86400);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("common");

    tcase_add_loop_test(tc, test_errbuf, 0, (int)(sizeof(errbuf_cases) / sizeof(errbuf_cases[0])));
    tcase_add_test(tc, test_errbuf_fronts);
    tcase_add_test(tc, test_clock);
    tcase_add_test(tc, test_walltime);
    tcase_add_loop_test(tc, test_duration, 0,
                        (int)(sizeof(duration_cases) / sizeof(duration_cases[0])));
    tcase_add_test(tc, test_duration_span);
    suite_add_tcase(s, tc);
    return check_run(s);
}
