/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text rules shared by the protocol codecs.  Everything here works on
 * (pointer, length) pairs and never reads outside them: xenstore values
 * are not NUL-terminated, and a guest controls every byte of its own.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "protocol/text.h"

void proto_error_clear(struct proto_error *err)
{
    if (!err)
        return;
    err->rc = 0;
    err->line = 0;
    err->offset = 0;
    err->text[0] = '\0';
}

int proto_fail(struct proto_error *err, int rc, unsigned line, size_t offset, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return rc;
    err->rc = rc;
    err->line = line;
    err->offset = offset;
    va_start(ap, fmt);
    plm_verrf_line(err->text, sizeof(err->text), rc, line, fmt, ap);
    va_end(ap);
    return rc;
}

int proto_check_text(const char *buf, size_t len, size_t max, struct proto_error *err)
{
    unsigned line = 1;

    /* Refuse by size before looking at a single byte. */
    if (len > max)
        return proto_fail(err, PLM_ERANGE, 0, 0, "value too large: %zu bytes (max %zu)", len, max);
    if (len == 0)
        return proto_fail(err, PLM_EGRAMMAR, 0, 0, "empty value");

    /*
     * Bytes are checked over the whole value before any line is parsed, so
     * a value with a stray byte is always refused for that byte, whatever
     * else is wrong with it, and later stages may quote guest text freely.
     */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c == '\n') {
            line++;
            continue;
        }
        if (c == '\0')
            return proto_fail(err, PLM_EGRAMMAR, line, i, "NUL byte at offset %zu", i);
        if (c == '\r')
            return proto_fail(err, PLM_EGRAMMAR, line, i,
                              "carriage return at offset %zu (lines end in LF alone)", i);
        if (c == '\t')
            return proto_fail(err, PLM_EGRAMMAR, line, i,
                              "tab at offset %zu (fields are separated by one space)", i);
        if (c < 0x20 || c > 0x7e)
            return proto_fail(err, PLM_EGRAMMAR, line, i,
                              "byte 0x%02x at offset %zu: not printable ASCII", c, i);
    }
    /*
     * A final LF is required: a writer that cut its value short (a full
     * buffer, a truncated snprintf) is caught instead of being read as a
     * shorter but well-formed request.
     */
    if (buf[len - 1] != '\n')
        return proto_fail(err, PLM_EGRAMMAR, line, len, "missing final newline");
    return 0;
}

void proto_lines_init(struct proto_lines *it, const char *buf, size_t len)
{
    it->buf = buf;
    it->len = len;
    it->pos = 0;
    it->no = 0;
}

bool proto_lines_next(struct proto_lines *it, struct proto_span *line)
{
    const char *nl;

    if (it->pos >= it->len)
        return false;
    nl = memchr(it->buf + it->pos, '\n', it->len - it->pos);
    line->s = it->buf + it->pos;
    line->off = it->pos;
    /* proto_check_text guarantees a final LF; be safe without one too. */
    line->n = nl ? (size_t)(nl - line->s) : it->len - it->pos;
    it->pos += line->n + 1;
    it->no++;
    return true;
}

void proto_fields_init(struct proto_fields *f, const char *base, const struct proto_span *line,
                       unsigned lineno)
{
    f->base = base;
    f->p = line->s;
    f->end = line->s + line->n;
    f->after_space = false;
    f->line = lineno;
}

int proto_fields_next(struct proto_fields *f, struct proto_span *out, struct proto_error *err)
{
    const char *sp;
    size_t off = (size_t)(f->p - f->base);

    if (f->p == f->end) {
        if (f->after_space)
            return proto_fail(err, PLM_EGRAMMAR, f->line, off - 1, "trailing space at offset %zu",
                              off - 1);
        return 0;
    }
    if (*f->p == ' ')
        return proto_fail(err, PLM_EGRAMMAR, f->line, off,
                          "extra space at offset %zu (fields are separated by one space)", off);
    sp = memchr(f->p, ' ', (size_t)(f->end - f->p));
    out->s = f->p;
    out->off = off;
    out->n = sp ? (size_t)(sp - f->p) : (size_t)(f->end - f->p);
    f->p += out->n;
    f->after_space = sp != NULL;
    if (sp)
        f->p++;
    return 1;
}

bool proto_span_is(const struct proto_span *sp, const char *word)
{
    size_t n = strlen(word);
    return sp->n == n && memcmp(sp->s, word, n) == 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int proto_lex_u64(const struct proto_span *sp, uint64_t *v, const char **why)
{
    uint64_t acc = 0;

    if (sp->n == 0) {
        *why = "not a number";
        return PLM_EGRAMMAR;
    }
    for (size_t i = 0; i < sp->n; i++) {
        if (!is_digit(sp->s[i])) {
            *why = "not a number";
            return PLM_EGRAMMAR;
        }
    }
    if (sp->s[0] == '0' && sp->n > 1) {
        *why = "leading zero";
        return PLM_EGRAMMAR;
    }
    for (size_t i = 0; i < sp->n; i++) {
        unsigned d = (unsigned)(sp->s[i] - '0');
        /* Check before multiplying: acc * 10 + d must not wrap. */
        if (acc > (UINT64_MAX - d) / 10) {
            *why = "out of range";
            return PLM_ERANGE;
        }
        acc = acc * 10 + d;
    }
    *v = acc;
    return 0;
}

int proto_lex_amount(const struct proto_span *sp, plm_amt_t *v, const char **why)
{
    size_t i = 0, whole, frac = 0;
    int rc;

    while (i < sp->n && is_digit(sp->s[i]))
        i++;
    whole = i;
    if (i < sp->n && sp->s[i] == '.') {
        size_t start = ++i;
        while (i < sp->n && is_digit(sp->s[i]))
            i++;
        frac = i - start;
        if (frac == 0)
            whole = 0; /* "1." and "1.x" are not numbers */
    }
    if (whole == 0 || i != sp->n) {
        *why = "not a number";
        return PLM_EGRAMMAR;
    }
    if (sp->s[0] == '0' && whole > 1) {
        *why = "leading zero";
        return PLM_EGRAMMAR;
    }
    if (frac > 3) {
        *why = "more than 3 decimal places";
        return PLM_EPRECISION;
    }
    /* The grammar is now a subset of plm_amt_parse_n's; it checks the range. */
    rc = plm_amt_parse_n(sp->s, sp->n, v);
    if (rc == PLM_ERANGE)
        *why = "out of range";
    else if (rc < 0)
        *why = "not a number";
    return rc;
}

void proto_out_init(struct proto_out *o, char *buf, size_t size)
{
    o->buf = buf;
    o->size = size;
    o->len = 0;
    o->overflow = size == 0;
}

static void out_bytes(struct proto_out *o, const char *s, size_t n)
{
    /* Keep one byte for the NUL that proto_out_finish writes. */
    if (o->overflow || n >= o->size - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void proto_out_str(struct proto_out *o, const char *s)
{
    out_bytes(o, s, strlen(s));
}

void proto_out_u64(struct proto_out *o, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    out_bytes(o, tmp, (size_t)n);
}

void proto_out_amount(struct proto_out *o, plm_amt_t v)
{
    char tmp[PLM_AMT_STRLEN];
    proto_out_str(o, plm_amt_format(v, tmp));
}

int proto_out_finish(struct proto_out *o)
{
    if (o->overflow)
        return PLM_ERANGE;
    o->buf[o->len] = '\0';
    return (int)o->len;
}
