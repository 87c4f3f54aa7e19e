/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The request decoder's error texts (the status a guest reads back) and
 * their list in xenplm-protocol(7), ERRORS, kept one: every text the
 * decoder produces on a corpus that reaches each of its refusals matches
 * a documented text under the same code, every documented text is
 * produced by the corpus, and every refusal in the decoder's sources
 * (src/protocol/request.c and text.c) is reached by the corpus, so that a
 * new or reworded text cannot go undocumented.
 *
 * Run from $top_srcdir (as `make check` sets it), where the man page and
 * the sources are.
 */
#include "config.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "protocol/request.h"
#include "protocol/text.h"
#include "tests/unit/suite_run.h"

#define MAN "man/xenplm-protocol.7"
#define MAXDOC 128
#define MAXLINE 512

#define HDR "xenplm-request 1\n"
#define P HDR "seq 1\n"
/* A literal and its length, NUL bytes included. */
#define V(s) s, sizeof(s) - 1

/* The corpus: one value for each refusal of the decoder. */
static const struct {
    const char *buf;
    size_t len;
} corpus[] = {
    {V("")},
    {V("xenplm-request 1\0\n")},
    {V("xenplm-request 1\r\n")},
    {V("xenplm-request\t1\n")},
    {V("xenplm-request 1\x01\n")},
    {V("xenplm-request 1")},
    {V(HDR "\nseq 1\n")},
    {V("xenplm-request  1\n")},
    {V("xenplm-request 1 \n")},
    {V("seq 1\n")},
    {V("xenplm-request\n")},
    {V("xenplm-request 1 x\n")},
    {V("xenplm-request x\n")},
    {V("xenplm-request 01\n")},
    {V(HDR)},
    {V(HDR "cpu pct 1\n")},
    {V(HDR "seq\n")},
    {V(HDR "seq x\n")},
    {V(HDR "seq 01\n")},
    {V(HDR "seq 1 2\n")},
    {V(P "foo 1\n")},
    {V(P "seq 2\n")},
    {V(P "xenplm-request 1\n")},
    {V(P "cpu pct 1\ncpu pct 2\n")},
    {V(P "mem mib 1\nmem mib 2\n")},
    {V(P "cpu\n")},
    {V(P "mem\n")},
    {V(P "cpu mib 1\n")},
    {V(P "mem pct 1\n")},
    {V(P "cpu pct\n")},
    {V(P "mem mib\n")},
    {V(P "cpu pct x\n")},
    {V(P "mem mib 01\n")},
    {V(P "cpu pct 01\n")},
    {V(P "mem mib x\n")},
    {V(P)},
    {V("xenplm-request 2\n")},
    {V("xenplm-request 99999999999999999999\n")},
    {V(HDR "seq 99999999999999999999\n")},
    {V(P "cpu pct 1000000001\n")},
    {V(P "mem mib 1000000001\n")},
    {V(P "cpu pct 1.2345\n")},
    {V(P "mem mib 1.2345\n")},
    {V(P "cpu pct 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n")},
    {V(P "mem mib 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n")},
};
#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

/* What the corpus produced: a text and the code it came with. */
static struct proto_error got[NCORPUS + 1];
static size_t ngot;

/* A documented text: its code, and a regular expression for it. */
static struct {
    int rc;
    char text[MAXLINE];
    regex_t re;
} doc[MAXDOC];
static size_t ndoc;

static const struct {
    const char *name;
    int rc;
} codes[] = {
    {"PLM_EGRAMMAR", PLM_EGRAMMAR},
    {"PLM_ERANGE", PLM_ERANGE},
    {"PLM_EPRECISION", PLM_EPRECISION},
    {"PLM_ETOOMANY", PLM_ETOOMANY},
};

static void replace_all(char *s, size_t size, const char *from, const char *to)
{
    char out[MAXLINE];
    size_t o = 0, nf = strlen(from), nt = strlen(to);

    for (const char *p = s; *p && o + nt < sizeof(out);) {
        if (strncmp(p, from, nf) == 0) {
            memcpy(out + o, to, nt);
            o += nt;
            p += nf;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    snprintf(s, size, "%s", out);
}

/* One documented text: roff escapes out, \fIX\fP as a placeholder. */
static void add_doc(int rc, const char *line)
{
    char re[MAXLINE * 4];
    size_t o = 0;
    int err;

    ck_assert_uint_lt(ndoc, MAXDOC);
    doc[ndoc].rc = rc;
    snprintf(doc[ndoc].text, MAXLINE, "%s", line);
    re[o++] = '^';
    for (const char *p = line; *p && o < sizeof(re) - 16;) {
        if (strncmp(p, "\\fI", 3) == 0) {
            const char *end = strstr(p, "\\fP");
            ck_assert_msg(end != NULL, MAN ": unclosed \\fI in '%s'", line);
            o += (size_t)snprintf(re + o, sizeof(re) - o, "[^ ]+");
            p = end + 3;
        } else if (strncmp(p, "\\-", 2) == 0) {
            re[o++] = '-';
            p += 2;
        } else if (strchr(".[]()*+?{}|^$\\", *p)) {
            re[o++] = '\\';
            re[o++] = *p++;
        } else {
            re[o++] = *p++;
        }
    }
    re[o++] = '$';
    re[o] = '\0';
    err = regcomp(&doc[ndoc].re, re, REG_EXTENDED | REG_NOSUB);
    ck_assert_msg(err == 0, "cannot compile '%s'", re);
    ndoc++;
}

/* A line of the list: "A | B" is two texts, B replacing A's last word(s)
 * after the last ": "; each also for mem (and mib) in place of cpu (pct). */
static void add_line(int rc, const char *line)
{
    char forms[2][MAXLINE];
    const char *bar = strstr(line, " | ");
    size_t nforms = 1;

    snprintf(forms[0], MAXLINE, "%s", line);
    if (bar) {
        const char *colon;
        forms[0][bar - line] = '\0';
        colon = strrchr(forms[0], ':');
        ck_assert_msg(colon != NULL, MAN ": alternative without ': ' in '%s'", line);
        snprintf(forms[1], MAXLINE, "%.*s%s", (int)(colon + 2 - forms[0]), forms[0], bar + 3);
        nforms = 2;
    }
    for (size_t i = 0; i < nforms; i++) {
        add_doc(rc, forms[i]);
        if (strstr(forms[i], "cpu") && !strstr(forms[i], "mem")) {
            replace_all(forms[i], MAXLINE, "cpu", "mem");
            replace_all(forms[i], MAXLINE, "pct", "mib");
            add_doc(rc, forms[i]);
        }
    }
}

/* The list in the man page's ERRORS section: ".B PLM_E... (...)" and the
 * texts between .nf and .fi under it. */
static void read_man(void)
{
    FILE *f = fopen(MAN, "r");
    char line[MAXLINE];
    bool in_errors = false, in_list = false;
    int rc = 0;

    ck_assert_msg(f != NULL, "cannot open " MAN);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, ".SH ", 4) == 0) {
            in_errors = strcmp(line, ".SH ERRORS") == 0;
            continue;
        }
        if (!in_errors)
            continue;
        if (strncmp(line, ".B PLM_", 7) == 0) {
            rc = 0;
            for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
                size_t n = strlen(codes[i].name);
                if (strncmp(line + 3, codes[i].name, n) == 0 && line[3 + n] == ' ')
                    rc = codes[i].rc;
            }
            ck_assert_msg(rc != 0, MAN ": unknown code in '%s'", line);
        } else if (strcmp(line, ".nf") == 0) {
            in_list = true;
        } else if (strcmp(line, ".fi") == 0) {
            in_list = false;
        } else if (in_list) {
            ck_assert_msg(rc != 0, MAN ": a text before any code: '%s'", line);
            add_line(rc, line);
        }
    }
    fclose(f);
    ck_assert_uint_ge(ndoc, 30);
}

static void decode_corpus(void)
{
    static char big[PROTO_VALUE_MAX + 1];
    struct proto_request r;

    /* One byte over the size a value may have. */
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(proto_request_decode(big, sizeof(big), &r, &got[ngot]), PLM_ERANGE);
    ngot++;
    for (size_t i = 0; i < NCORPUS; i++) {
        int rc = proto_request_decode(corpus[i].buf, corpus[i].len, &r, &got[ngot]);

        ck_assert_msg(rc < 0, "corpus value %zu is accepted", i);
        ngot++;
    }
}

static void setup(void)
{
    const char *top = getenv("top_srcdir");

    ck_assert_int_eq(chdir(top && *top ? top : "."), 0);
    ndoc = ngot = 0;
    read_man();
    decode_corpus();
}

static void teardown(void)
{
    for (size_t i = 0; i < ndoc; i++)
        regfree(&doc[i].re);
}

static const char *code_name(int rc)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (codes[i].rc == rc)
            return codes[i].name;
    }
    return plm_strerror(rc);
}

/* Every text produced is documented, under its code. */
START_TEST(every_text_documented)
{
    for (size_t i = 0; i < ngot; i++) {
        bool found = false;

        for (size_t k = 0; k < ndoc && !found; k++)
            found = doc[k].rc == got[i].rc && regexec(&doc[k].re, got[i].text, 0, NULL, 0) == 0;
        ck_assert_msg(found, "'%s' (%s) is not in " MAN, got[i].text, code_name(got[i].rc));
    }
}
END_TEST

/* Every documented text is produced, with its code. */
START_TEST(every_documented_text_produced)
{
    for (size_t k = 0; k < ndoc; k++) {
        bool found = false;

        for (size_t i = 0; i < ngot && !found; i++)
            found = doc[k].rc == got[i].rc && regexec(&doc[k].re, got[i].text, 0, NULL, 0) == 0;
        ck_assert_msg(found, MAN ": '%s' (%s) is never produced", doc[k].text,
                      code_name(doc[k].rc));
    }
}
END_TEST

/*
 * The longest run of plain text in a format (between conversions), so
 * "%s level %u: too many levels (max %d)" gives ": too many levels (max ".
 */
static void longest_piece(const char *fmt, size_t n, char *out, size_t size)
{
    size_t best = 0, start = 0;

    out[0] = '\0';
    for (size_t i = 0; i <= n; i++) {
        if (i < n && fmt[i] != '%')
            continue;
        if (i - start > best && i - start < size) {
            best = i - start;
            memcpy(out, fmt + start, best);
            out[best] = '\0';
        }
        if (i < n) {
            i++; /* past '%', then flags, width, precision, length, conversion */
            while (i < n && strchr("-+ #0123456789.*lhjzt", fmt[i]))
                i++;
            start = i + 1;
        }
    }
}

/* The first string literal from p on, into buf; p past it. */
static bool next_literal(const char **p, const char *end, char *buf, size_t size)
{
    const char *q = memchr(*p, '"', (size_t)(end - *p)), *e;

    if (!q)
        return false;
    for (e = q + 1; e < end && *e != '"'; e++) {
        if (*e == '\\')
            e++;
    }
    snprintf(buf, size, "%.*s", (int)(e - q - 1), q + 1);
    *p = e + 1;
    return true;
}

/* Whether some text of the corpus holds piece (quotes unescaped). */
static bool reached(const char *piece)
{
    char plain[MAXLINE];

    snprintf(plain, sizeof(plain), "%s", piece);
    replace_all(plain, sizeof(plain), "\\'", "'");
    replace_all(plain, sizeof(plain), "\\\"", "\"");
    for (size_t i = 0; i < ngot; i++) {
        if (strstr(got[i].text, plain))
            return true;
    }
    return false;
}

/*
 * Every refusal the decoder's sources write (a proto_fail format, or a
 * reason "*why = ..." a format quotes) is reached by the corpus, so the
 * two tests above see every text; PLM_EINVAL (a caller's mistake, never a
 * guest's) is left out.
 */
START_TEST(corpus_reaches_every_refusal)
{
    static const char *const files[] = {"src/protocol/request.c", "src/protocol/text.c"};
    static char src[1 << 17];
    size_t checked = 0;

    for (size_t fi = 0; fi < 2; fi++) {
        FILE *f = fopen(files[fi], "r");
        size_t n;

        ck_assert_msg(f != NULL, "cannot open %s", files[fi]);
        n = fread(src, 1, sizeof(src) - 1, f);
        fclose(f);
        src[n] = '\0';
        for (const char *p = src; (p = strstr(p, "proto_fail(")) != NULL;) {
            const char *call = p, *end = strstr(p, ");");
            char lit[MAXLINE], piece[MAXLINE];

            p += 11;
            if (call >= src + 4 && strncmp(call - 4, "int ", 4) == 0)
                continue; /* the definition */
            ck_assert_ptr_nonnull(end);
            if (memmem(call, (size_t)(end - call), "PLM_EINVAL", 10))
                continue;
            ck_assert_msg(next_literal(&p, end, lit, sizeof(lit)), "%s: a proto_fail without text",
                          files[fi]);
            longest_piece(lit, strlen(lit), piece, sizeof(piece));
            ck_assert_msg(reached(piece), "%s: '%s' is reached by no value of the corpus",
                          files[fi], lit);
            checked++;
        }
        for (const char *p = src; (p = strstr(p, "*why = ")) != NULL;) {
            char lit[MAXLINE];

            ck_assert(next_literal(&p, p + strcspn(p, ";"), lit, sizeof(lit)));
            ck_assert_msg(reached(lit), "%s: '%s' is reached by no value of the corpus", files[fi],
                          lit);
            checked++;
        }
    }
    ck_assert_uint_ge(checked, 30);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status_texts");
    TCase *tc = tcase_create("status_texts");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_text_documented);
    tcase_add_test(tc, every_documented_text_produced);
    tcase_add_test(tc, corpus_reaches_every_refusal);
    suite_add_tcase(s, tc);
    return check_run(s);
}
