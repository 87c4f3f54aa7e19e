/* SPDX-License-Identifier: GPL-2.0-only */
/* The request-file parser: what it accepts, and every way it refuses. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/reqfile.h"
#include "core/amount.h"
#include "core/error.h"
#include "tests/unit/suite_run.h"

/*
 * A parsed file, written back as text so that one string states the whole
 * expected result: "NAME L1 L2 [min=X] [max=Y] @LINE" per domain, joined
 * by "; ".  Settings appear only when they differ from the defaults.
 */
static void dump(const struct plm_reqfile *f, char *out, size_t outsz)
{
    char a[PLM_AMT_STRLEN];
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < f->n; i++) {
        const struct plm_request *r = &f->req[i];

        o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? "; " : "", plm_reqfile_name(f, i));
        for (unsigned l = 0; l < r->nlevels; l++)
            o += (size_t)snprintf(out + o, outsz - o, " %s", plm_amt_format(r->level[l], a));
        if (r->min != 0)
            o += (size_t)snprintf(out + o, outsz - o, " min=%s", plm_amt_format(r->min, a));
        if (r->max != PLM_AMT_MAX)
            o += (size_t)snprintf(out + o, outsz - o, " max=%s", plm_amt_format(r->max, a));
        o += (size_t)snprintf(out + o, outsz - o, " @%zu", f->line[i]);
        ck_assert_uint_lt(o, outsz);
    }
}

/* Text with its length, so that cases may hold NUL bytes. */
#define T(s) s, sizeof(s) - 1

static const struct {
    const char *text;
    size_t len;
    const char *want;
} good[] = {
    {T("a 1\n"), "a 1 @1"},
    {T("a 1"), "a 1 @1"}, /* no final newline */
    {T("a 1 2 3\nb 4\n"), "a 1 2 3 @1; b 4 @2"},
    {T("p1 1 1 1 3\np2 0 3 4 5\n"), "p1 1 1 1 3 @1; p2 0 3 4 5 @2"},
    {T("a 6.5 0.125 1000000000\n"), "a 6.5 0.125 1000000000 @1"},
    {T("a 1.5000\n"), "a 1.5 @1"},
    {T("a\n"), "a @1"}, /* no levels: only its floor */
    {T("# head\n\n  \t\na 1 # tail\n#\nb 2#glued\n"), "a 1 @4; b 2 @6"},
    {T("a 1\r\nb 2\r\n"), "a 1 @1; b 2 @2"},
    {T("a 1\r\n\r\nb 2"), "a 1 @1; b 2 @3"},
    {T("\ta\t1  2 \t\n"), "a 1 2 @1"},
    {T("a 1 min=2 max=3\n"), "a 1 min=2 max=3 @1"},
    {T("a max=3 1 min=0.5 2\n"), "a 1 2 min=0.5 max=3 @1"},
    {T("a min=2 max=2\n"), "a min=2 max=2 @1"},
    {T("a 5 3\n"), "a 5 3 @1"}, /* a decreasing level is the core's business */
    {T("A.b:c-d_9 1\n"), "A.b:c-d_9 1 @1"},
    {T("9 1\n"), "9 1 @1"}, /* a name may be all digits */
    {T("a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"),
     "a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 @1"},
};

START_TEST(test_good)
{
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    char got[1024];
    size_t line = 99;
    int rc;

    plm_reqfile_init(&f);
    rc = plm_reqfile_parse(&f, good[_i].text, good[_i].len, &line, msg, sizeof(msg));
    ck_assert_msg(rc == 0, "case %d: rc %d: %s", _i, rc, msg);
    ck_assert_uint_eq(line, 0);
    dump(&f, got, sizeof(got));
    ck_assert_str_eq(got, good[_i].want);
    plm_reqfile_dispose(&f);
}
END_TEST

static const struct {
    const char *text;
    size_t len;
    int rc;
    size_t line;
    const char *msg;
} bad[] = {
    {T(""), PLM_EINVAL, 0, "no domains"},
    {T("# only a comment\n\n"), PLM_EINVAL, 0, "no domains"},
    {T("a 1\nb 2\nc x1\n"), PLM_EGRAMMAR, 3, "'x1' is not a number"},
    {T("a 1.\n"), PLM_EGRAMMAR, 1, "'1.' is not a number"},
    {T("a 1,5\n"), PLM_EGRAMMAR, 1, "'1,5' is not a number"},
    {T("a -1\n"), PLM_ERANGE, 1, "'-1' is negative"},
    {T("a --1\n"), PLM_EGRAMMAR, 1, "'--1' is not a number"},
    {T("a -\n"), PLM_EGRAMMAR, 1, "'-' is not a number"},
    {T("a 0.1234\n"), PLM_EPRECISION, 1, "'0.1234' has more than three decimal places"},
    {T("a 1000000000.001\n"), PLM_ERANGE, 1, "'1000000000.001' is too large (at most 1000000000)"},
    {T("a 99999999999999999999999999999\n"), PLM_ERANGE, 1,
     "'99999999999999999999999999999' is too large (at most 1000000000)"},
    {T("a 1 min=x\n"), PLM_EGRAMMAR, 1, "min: 'x' is not a number"},
    {T("a 1 max=-3\n"), PLM_ERANGE, 1, "max: '-3' is negative"},
    {T("a 1 min=\n"), PLM_EGRAMMAR, 1, "min= needs a value"},
    {T("a 1 min=1 min=2\n"), PLM_EGRAMMAR, 1, "min= given twice"},
    {T("a 1 max=1 max=1\n"), PLM_EGRAMMAR, 1, "max= given twice"},
    {T("a 1 maximum=3\n"), PLM_EGRAMMAR, 1, "unknown setting 'maximum=3' (expected min= or max=)"},
    {T("a 1 =3\n"), PLM_EGRAMMAR, 1, "unknown setting '=3' (expected min= or max=)"},
    {T("a 1 min=5 max=2\n"), PLM_EINVAL, 1, "max=2 is below min=5"},
    {T("a 1 max=0.5 min=0.75\n"), PLM_EINVAL, 1, "max=0.5 is below min=0.75"},
    {T("a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"), PLM_ETOOMANY, 1, "more than 16 levels"},
    {T("a 1\nb 2\na 3\n"), PLM_EINVAL, 3, "duplicate domain 'a' (first on line 1)"},
    {T("x\n\n# c\nWeb 1\nweb 1\nWeb 2\n"), PLM_EINVAL, 6,
     "duplicate domain 'Web' (first on line 4)"},
    {T("a/b 1\n"), PLM_EGRAMMAR, 1,
     "'a/b' is not a valid domain name (letters, digits, '_', '.', ':', '-')"},
    {T("min=3 1\n"), PLM_EGRAMMAR, 1,
     "'min=3' is not a valid domain name (letters, digits, '_', '.', ':', '-')"},
    {T("caf\xc3\xa9 1\n"), PLM_EGRAMMAR, 1,
     "'caf\\xc3\\xa9' is not a valid domain name (letters, digits, '_', '.', ':', '-')"},
    {T("it's 1\n"), PLM_EGRAMMAR, 1,
     "'it\\x27s' is not a valid domain name (letters, digits, '_', '.', ':', '-')"},
    {T("a\\b 1\n"), PLM_EGRAMMAR, 1,
     "'a\\\\b' is not a valid domain name (letters, digits, '_', '.', ':', '-')"},
    {T("a\x01 1\n"), PLM_EGRAMMAR, 1,
     "'a\\x01' is not a valid domain name (letters, digits, '_', '.', ':', '-')"},
    {T("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1\n"), PLM_EGRAMMAR, 1,
     "domain name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is longer than 64 characters"},
    {T("a 1\nb\0 2\n"), PLM_EGRAMMAR, 2, "line holds a NUL byte"},
    {T("a 1 # \0\n"), PLM_EGRAMMAR, 1, "line holds a NUL byte"},
    {T("a 1\n\0"), PLM_EGRAMMAR, 2, "line holds a NUL byte"},
    {T("a 1\rb 2\n"), PLM_EGRAMMAR, 1,
     "'b' is not a number"}, /* a lone CR is blank space, not a line end */
};

START_TEST(test_bad)
{
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    size_t line = 99;
    int rc;

    plm_reqfile_init(&f);
    rc = plm_reqfile_parse(&f, bad[_i].text, bad[_i].len, &line, msg, sizeof(msg));
    ck_assert_msg(rc == bad[_i].rc, "case %d: rc %d, want %d (%s)", _i, rc, bad[_i].rc, msg);
    ck_assert_msg(line == bad[_i].line, "case %d: line %zu, want %zu", _i, line, bad[_i].line);
    ck_assert_str_eq(msg, bad[_i].msg);
    plm_reqfile_dispose(&f);
}
END_TEST

START_TEST(test_domains_before_error_kept)
{
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    size_t line;

    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, T("a 1\nb 2\nc x\nd 4\n"), &line, msg, sizeof(msg)),
                     PLM_EGRAMMAR);
    ck_assert_uint_eq(f.n, 2);
    ck_assert_str_eq(plm_reqfile_name(&f, 1), "b");
    plm_reqfile_dispose(&f);
    ck_assert_uint_eq(f.n, 0);
    plm_reqfile_dispose(&f); /* twice is harmless */
}
END_TEST

START_TEST(test_small_message_buffer)
{
    struct plm_reqfile f;
    char msg[8];
    size_t line;

    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, T("a x1\n"), &line, msg, sizeof(msg)), PLM_EGRAMMAR);
    ck_assert_str_eq(msg, "'x1' is");
    ck_assert_int_eq(plm_reqfile_parse(&f, T("a x1\n"), &line, NULL, 0), PLM_EGRAMMAR);
    plm_reqfile_dispose(&f);
}
END_TEST

START_TEST(test_append_and_find)
{
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    size_t line;
    size_t idx = 42;

    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_find(&f, "a", &idx), PLM_ENOENT);
    ck_assert_int_eq(plm_reqfile_parse(&f, T("a 1\nb 2\n"), &line, msg, sizeof(msg)), 0);
    ck_assert_int_eq(plm_reqfile_parse(&f, T("c 3\n"), &line, msg, sizeof(msg)), 0);
    ck_assert_uint_eq(f.n, 3);
    ck_assert_int_eq(plm_reqfile_find(&f, "c", &idx), 0);
    ck_assert_uint_eq(idx, 2);
    ck_assert_int_eq(plm_reqfile_find(&f, "a", &idx), 0);
    ck_assert_uint_eq(idx, 0);
    ck_assert_int_eq(plm_reqfile_find(&f, "A", &idx), PLM_ENOENT);
    ck_assert_int_eq(plm_reqfile_find(&f, "", &idx), PLM_ENOENT);
    /* A second buffer still sees the names of the first. */
    ck_assert_int_eq(plm_reqfile_parse(&f, T("b 4\n"), &line, msg, sizeof(msg)), PLM_EINVAL);
    ck_assert_str_eq(msg, "duplicate domain 'b' (first on line 2)");
    plm_reqfile_dispose(&f);
}
END_TEST

/* Enough domains to grow every array and rehash the index many times. */
START_TEST(test_many_domains)
{
    enum { N = 50000 };
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    size_t cap = (size_t)N * 32;
    char *buf = malloc(cap);
    size_t len = 0;
    size_t line;
    size_t idx;

    ck_assert_ptr_nonnull(buf);
    for (int i = 0; i < N; i++)
        len +=
            (size_t)snprintf(buf + len, cap - len, "dom%d %d.%03d %d\n", i, i % 1000, i % 1000, i);
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, len, &line, msg, sizeof(msg)), 0);
    ck_assert_uint_eq(f.n, N);
    ck_assert_int_eq(plm_reqfile_find(&f, "dom31337", &idx), 0);
    ck_assert_uint_eq(idx, 31337);
    ck_assert_uint_eq(f.line[idx], 31338);
    ck_assert_int_eq(f.req[idx].level[0], 337 * PLM_SCALE + 337);
    ck_assert_int_eq(f.req[idx].level[1], PLM_UNITS(31337));

    /* A duplicate of the very first name, at the end. */
    len += (size_t)snprintf(buf + len, cap - len, "dom0 1\n");
    plm_reqfile_dispose(&f);
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, len, &line, msg, sizeof(msg)), PLM_EINVAL);
    ck_assert_uint_eq(line, N + 1);
    ck_assert_str_eq(msg, "duplicate domain 'dom0' (first on line 1)");
    plm_reqfile_dispose(&f);
    free(buf);
}
END_TEST

/* The core's limit on the table size is enforced while reading. */
START_TEST(test_too_many_domains)
{
    size_t n = PLM_MAX_DOMAINS + 1;
    size_t cap = n * 10;
    char *buf = malloc(cap);
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    size_t len = 0;
    size_t line;

    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%zx\n", i);
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, len, &line, msg, sizeof(msg)), PLM_ETOOMANY);
    ck_assert_uint_eq(line, n);
    ck_assert_str_eq(msg, "more than 1000000 domains");
    ck_assert_uint_eq(f.n, PLM_MAX_DOMAINS);
    plm_reqfile_dispose(&f);
    free(buf);
}
END_TEST

/* Long lines are fine, long tokens are quoted short. */
START_TEST(test_long_lines)
{
    enum { BIG = 1 << 20 };
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    char *buf = malloc(BIG + 64);
    size_t line;
    size_t len;

    ck_assert_ptr_nonnull(buf);
    /* A megabyte of comment after a good line. */
    len = (size_t)snprintf(buf, 64, "a 1 #");
    memset(buf + len, 'c', BIG);
    len += BIG;
    buf[len++] = '\n';
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, len, &line, msg, sizeof(msg)), 0);
    plm_reqfile_dispose(&f);

    /* A megabyte of zeros is the number 0. */
    len = (size_t)snprintf(buf, 64, "a ");
    memset(buf + len, '0', BIG);
    len += BIG;
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, len, &line, msg, sizeof(msg)), 0);
    ck_assert_int_eq(f.req[0].level[0], 0);
    plm_reqfile_dispose(&f);

    /* A megabyte of x: refused, and quoted in 40 characters. */
    len = (size_t)snprintf(buf, 64, "a ");
    memset(buf + len, 'x', BIG);
    len += BIG;
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, len, &line, msg, sizeof(msg)), PLM_EGRAMMAR);
    ck_assert_str_eq(msg, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a number");
    plm_reqfile_dispose(&f);

    /* A megabyte-long name. */
    memset(buf, 'n', BIG);
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, BIG, &line, msg, sizeof(msg)), PLM_EGRAMMAR);
    ck_assert_str_eq(msg,
                     "domain name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is longer than 64 "
                     "characters");
    plm_reqfile_dispose(&f);
    free(buf);
}
END_TEST

START_TEST(test_name_limit)
{
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    char buf[PLM_REQFILE_NAME_MAX + 8];
    size_t line;

    memset(buf, 'n', PLM_REQFILE_NAME_MAX);
    memcpy(buf + PLM_REQFILE_NAME_MAX, " 1\n", 3);
    plm_reqfile_init(&f);
    ck_assert_int_eq(plm_reqfile_parse(&f, buf, PLM_REQFILE_NAME_MAX + 3, &line, msg, sizeof(msg)),
                     0);
    ck_assert_uint_eq(strlen(plm_reqfile_name(&f, 0)), PLM_REQFILE_NAME_MAX);
    plm_reqfile_dispose(&f);
}
END_TEST

static const struct {
    const char *text;
    size_t len;
    const char *want;
} quotes[] = {
    {T("abc"), "'abc'"},
    {T(""), "''"},
    {T("a'b"), "'a\\x27b'"},
    {T("a\\b"), "'a\\\\b'"},
    {T("\t\x7f\xff"), "'\\x09\\x7f\\xff'"},
    {T("a\0b"), "'a\\x00b'"},
    {T("0123456789012345678901234567890123456789"), "'0123456789012345678901234567890123456789'"},
    {T("01234567890123456789012345678901234567890"),
     "'0123456789012345678901234567890123456789...'"},
    /* An escape that would straddle the limit is left out whole. */
    {T("012345678901234567890123456789012345678\x01"),
     "'012345678901234567890123456789012345678...'"},
};

START_TEST(test_quote)
{
    char q[PLM_REQFILE_QUOTE_MAX];

    ck_assert_str_eq(plm_reqfile_quote(q, sizeof(q), quotes[_i].text, quotes[_i].len),
                     quotes[_i].want);
}
END_TEST

START_TEST(test_amount)
{
    char msg[PLM_REQFILE_MSG_MAX];
    plm_amt_t v = 0;

    ck_assert_int_eq(plm_reqfile_amount("6.5", 3, &v, msg, sizeof(msg)), 0);
    ck_assert_int_eq(v, 6500);
    ck_assert_int_eq(plm_reqfile_amount("-6.5", 4, &v, msg, sizeof(msg)), PLM_ERANGE);
    ck_assert_str_eq(msg, "'-6.5' is negative");
    ck_assert_int_eq(plm_reqfile_amount("", 0, &v, msg, sizeof(msg)), PLM_EGRAMMAR);
    ck_assert_str_eq(msg, "'' is not a number");
    ck_assert_int_eq(plm_reqfile_amount("-0.00001", 8, &v, msg, sizeof(msg)), PLM_EGRAMMAR);
    ck_assert_str_eq(msg, "'-0.00001' is not a number");
    ck_assert_int_eq(v, 6500);
}
END_TEST

/* plm_reqfile_read on a temporary file holding len bytes of 'x'. */
static int read_n(size_t len, size_t limit, char **buf, size_t *got)
{
    FILE *fp = tmpfile();
    int rc;

    ck_assert_ptr_nonnull(fp);
    for (size_t i = 0; i < len; i++)
        fputc('x', fp);
    rewind(fp);
    rc = plm_reqfile_read(fp, limit, buf, got);
    fclose(fp);
    return rc;
}

START_TEST(test_read)
{
    char *buf;
    size_t len;

    ck_assert_int_eq(read_n(0, 100, &buf, &len), 0);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(buf, "");
    free(buf);

    ck_assert_int_eq(read_n(100, 100, &buf, &len), 0);
    ck_assert_uint_eq(len, 100);
    ck_assert_uint_eq(strlen(buf), 100);
    free(buf);

    ck_assert_int_eq(read_n(101, 100, &buf, &len), PLM_ERANGE);
    ck_assert_ptr_null(buf);

    /* Larger than the first chunk, so the buffer grows several times. */
    ck_assert_int_eq(read_n(100000, PLM_REQFILE_SIZE_MAX, &buf, &len), 0);
    ck_assert_uint_eq(len, 100000);
    ck_assert_uint_eq(strlen(buf), 100000);
    free(buf);

    ck_assert_int_eq(read_n(5000, 4097, &buf, &len), PLM_ERANGE);
    ck_assert_int_eq(read_n(4097, 4097, &buf, &len), 0);
    ck_assert_uint_eq(len, 4097);
    free(buf);
    ck_assert_int_eq(read_n(0, 0, &buf, &len), 0);
    free(buf);
    ck_assert_int_eq(read_n(1, 0, &buf, &len), PLM_ERANGE);
}
END_TEST

START_TEST(test_read_error)
{
    /* A stream opened for writing only fails to read. */
    FILE *fp = tmpfile();
    FILE *wo;
    char sentinel;
    char *buf = &sentinel;
    size_t len;

    ck_assert_ptr_nonnull(fp);
    wo = fdopen(dup(fileno(fp)), "w");
    ck_assert_ptr_nonnull(wo);
    errno = 0;
    ck_assert_int_eq(plm_reqfile_read(wo, 100, &buf, &len), PLM_EIO);
    ck_assert_int_ne(errno, 0);
    ck_assert_ptr_null(buf);
    fclose(wo);
    fclose(fp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reqfile");
    TCase *tc = tcase_create("parse");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_good, 0, (int)(sizeof(good) / sizeof(good[0])));
    tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, test_domains_before_error_kept);
    tcase_add_test(tc, test_small_message_buffer);
    tcase_add_test(tc, test_append_and_find);
    tcase_add_test(tc, test_many_domains);
    tcase_add_test(tc, test_too_many_domains);
    tcase_add_test(tc, test_long_lines);
    tcase_add_test(tc, test_name_limit);
    tcase_add_loop_test(tc, test_quote, 0, (int)(sizeof(quotes) / sizeof(quotes[0])));
    tcase_add_test(tc, test_amount);
    tcase_add_test(tc, test_read);
    tcase_add_test(tc, test_read_error);
    suite_add_tcase(s, tc);

    return check_run(s);
}
