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
#include "common/errbuf.h"
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

int main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("common");

    tcase_add_loop_test(tc, test_errbuf, 0, (int)(sizeof(errbuf_cases) / sizeof(errbuf_cases[0])));
    tcase_add_test(tc, test_errbuf_fronts);
    tcase_add_test(tc, test_clock);
    suite_add_tcase(s, tc);
    return check_run(s);
}
