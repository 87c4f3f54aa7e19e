/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The words of a scenario line: bare words separated by spaces or tabs, a
 * '#' comment to the end of the line, decimal numbers, times with a unit,
 * and the quoted strings with C escapes that carry raw guest values
 * (hostile ones included: any byte can be written as \xNN).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "core/error.h"
#include "sim/scenario_int.h"

#define SIM_TIME_MAX_MS 10000000000ull /* about 115 days */

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static void skip_blanks(struct sim_lex *lx)
{
    while (lx->p < lx->end && blank(*lx->p))
        lx->p++;
}

bool sim_lex_word(struct sim_lex *lx, struct sim_word *w)
{
    skip_blanks(lx);
    if (lx->p == lx->end || *lx->p == '#')
        return false;
    w->s = lx->p;
    while (lx->p < lx->end && !blank(*lx->p) && *lx->p != '#')
        lx->p++;
    w->n = (size_t)(lx->p - w->s);
    return true;
}

bool sim_lex_at_string(struct sim_lex *lx)
{
    skip_blanks(lx);
    return lx->p < lx->end && *lx->p == '"';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One escape after a backslash at *pp; the byte, or -1 for a bad one. */
static int unescape(const char **pp, const char *end)
{
    const char *p = *pp;
    int hi, lo;

    if (p == end)
        return -1;
    *pp = p + 1;
    switch (*p) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case '\\':
        return '\\';
    case '"':
        return '"';
    case 'x':
        if (end - p < 3 || (hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0)
            return -1;
        *pp = p + 3;
        return hi * 16 + lo;
    }
    return -1;
}

static int repeat_count(struct sim_lex *lx, uint64_t *count, char *whybuf, size_t whylen)
{
    struct sim_word w = {lx->p, 0};

    *count = 1;
    if (lx->p == lx->end || *lx->p != '*')
        return 0;
    w.s = ++lx->p;
    while (lx->p < lx->end && !blank(*lx->p) && *lx->p != '#')
        lx->p++;
    w.n = (size_t)(lx->p - w.s);
    if (sim_word_u64(&w, 1, SIM_SCN_VALUE_MAX, count) != 0) {
        snprintf(whybuf, whylen, "bad repeat count '%.*s%s' (want 1..%d)", SIM_QUOTE(&w),
                 SIM_SCN_VALUE_MAX);
        return PLM_EGRAMMAR;
    }
    return 0;
}

int sim_lex_string(struct sim_lex *lx, char **out, size_t *len, char *whybuf, size_t whylen)
{
    char one[SIM_SCN_LINE_MAX];
    const char *p = lx->p + 1;
    size_t n = 0;
    uint64_t count;
    int rc;

    for (;;) {
        int c;
        if (p == lx->end) {
            snprintf(whybuf, whylen, "unterminated string");
            return PLM_EGRAMMAR;
        }
        if (*p == '"')
            break;
        c = (unsigned char)*p++;
        if (c == '\\') {
            const char *at = p - 1;
            c = unescape(&p, lx->end);
            if (c < 0) {
                /* Show the backslash and what follows it: \q, \x4g. */
                int want = at + 1 < lx->end && at[1] == 'x' ? 4 : 2, shown = 1;
                while (shown < want && at + shown < lx->end && at[shown] != '"')
                    shown++;
                snprintf(whybuf, whylen, "bad escape '%.*s' (want \\n \\t \\r \\\\ \\\" \\xNN)",
                         shown, at);
                return PLM_EGRAMMAR;
            }
        }
        one[n++] = (char)c; /* never more bytes than the line holds */
    }
    lx->p = p + 1;
    rc = repeat_count(lx, &count, whybuf, whylen);
    if (rc != 0)
        return rc;
    if (lx->p < lx->end && !blank(*lx->p) && *lx->p != '#') {
        snprintf(whybuf, whylen, "junk after the closing quote");
        return PLM_EGRAMMAR;
    }
    if (n * count > SIM_SCN_VALUE_MAX) {
        snprintf(whybuf, whylen, "value too long: %llu bytes (max %d)",
                 (unsigned long long)(n * count), SIM_SCN_VALUE_MAX);
        return PLM_ERANGE;
    }
    *out = malloc(n * count + 1);
    if (!*out)
        return PLM_ENOMEM;
    for (uint64_t i = 0; i < count; i++)
        memcpy(*out + i * n, one, n);
    (*out)[n * count] = '\0';
    *len = n * count;
    return 0;
}

bool sim_word_is(const struct sim_word *w, const char *s)
{
    return strlen(s) == w->n && memcmp(w->s, s, w->n) == 0;
}

int sim_word_u64(const struct sim_word *w, uint64_t min, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    bool big = false;

    if (w->n == 0)
        return PLM_EGRAMMAR;
    for (size_t i = 0; i < w->n; i++) {
        if (w->s[i] < '0' || w->s[i] > '9')
            return PLM_EGRAMMAR;
        if (x > (UINT64_MAX - 9) / 10)
            big = true;
        else
            x = x * 10 + (uint64_t)(w->s[i] - '0');
    }
    if (big || x < min || x > max)
        return PLM_ERANGE;
    *v = x;
    return 0;
}

int sim_word_time(const struct sim_word *w, uint64_t *ms)
{
    uint64_t v;
    int rc = plm_duration_parse(w->s, w->n, &v);

    if (rc != 0)
        return rc;
    if (v > SIM_TIME_MAX_MS)
        return PLM_ERANGE;
    *ms = v;
    return 0;
}
