/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The JSON writer over yajl; see jw.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "core/error.h"
#include "json/jw.h"

static void print_to_stream(void *ctx, const char *str, size_t len)
{
    fwrite(str, 1, len, ctx);
}

int jw_begin(struct jw *w, FILE *f)
{
    yajl_gen g = yajl_gen_alloc(NULL);

    memset(w, 0, sizeof(*w));
    w->f = f;
    if (!g) {
        w->failed = true;
        return PLM_ENOMEM;
    }
    yajl_gen_config(g, yajl_gen_print_callback, print_to_stream, (void *)f);
    w->gen = g;
    return 0;
}

int jw_end(struct jw *w)
{
    if (w->gen) {
        /* One document, one line. */
        if (!w->failed)
            fputc('\n', w->f);
        yajl_gen_free(w->gen);
    }
    w->gen = NULL;
    return w->failed || ferror(w->f) ? PLM_EIO : 0;
}

/* Note the first failure; later calls do nothing. */
static bool ready(struct jw *w)
{
    return w->gen && !w->failed;
}

static void check(struct jw *w, yajl_gen_status st)
{
    if (st != yajl_gen_status_ok)
        w->failed = true;
}

void jw_object(struct jw *w)
{
    if (ready(w))
        check(w, yajl_gen_map_open(w->gen));
}

void jw_object_end(struct jw *w)
{
    if (ready(w))
        check(w, yajl_gen_map_close(w->gen));
}

void jw_array(struct jw *w)
{
    if (ready(w))
        check(w, yajl_gen_array_open(w->gen));
}

void jw_array_end(struct jw *w)
{
    if (ready(w))
        check(w, yajl_gen_array_close(w->gen));
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;

    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/*
 * yajl writes the bytes of a string as they are (escaping only what JSON
 * requires), so anything that is not UTF-8 is replaced here first.
 */
static void put_string(struct jw *w, const char *s)
{
    static const char fffd[] = "\xef\xbf\xbd";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), n = 0;
    unsigned char *buf;

    /* At most three bytes for each byte in. */
    buf = malloc(len * 3 + 1);
    if (!buf) {
        w->failed = true;
        return;
    }
    while (*p) {
        size_t k = *p < 0x80 ? 1 : utf8_len(p);

        if (k == 0) {
            memcpy(buf + n, fffd, 3);
            n += 3;
            p++;
            continue;
        }
        memcpy(buf + n, p, k);
        n += k;
        p += k;
    }
    check(w, yajl_gen_string(w->gen, buf, n));
    free(buf);
}

void jw_key(struct jw *w, const char *key)
{
    if (ready(w))
        put_string(w, key);
}

void jw_string(struct jw *w, const char *s)
{
    if (ready(w))
        put_string(w, s);
}

void jw_string_or_null(struct jw *w, const char *s)
{
    if (s)
        jw_string(w, s);
    else
        jw_null(w);
}

void jw_bool(struct jw *w, bool v)
{
    if (ready(w))
        check(w, yajl_gen_bool(w->gen, v));
}

void jw_null(struct jw *w)
{
    if (ready(w))
        check(w, yajl_gen_null(w->gen));
}

static void put_number(struct jw *w, const char *s)
{
    if (ready(w))
        check(w, yajl_gen_number(w->gen, s, strlen(s)));
}

void jw_int(struct jw *w, int64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%" PRId64, v);
    put_number(w, buf);
}

void jw_uint(struct jw *w, uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    put_number(w, buf);
}

void jw_amt(struct jw *w, plm_amt_t v)
{
    char a[PLM_AMT_STRLEN];

    put_number(w, plm_amt_format(v, a));
}

/* jw_kstring, jw_kbool, ...: a member's name, then its value. */
#define JW_MEMBER(name, type, writer)                                                              \
    void name(struct jw *w, const char *key, type v)                                               \
    {                                                                                              \
        jw_key(w, key);                                                                            \
        writer(w, v);                                                                              \
    }
JW_MEMBER(jw_kstring, const char *, jw_string)
JW_MEMBER(jw_kbool, bool, jw_bool)
JW_MEMBER(jw_kint, int64_t, jw_int)
JW_MEMBER(jw_kuint, uint64_t, jw_uint)
JW_MEMBER(jw_kamt, plm_amt_t, jw_amt)
