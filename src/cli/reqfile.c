/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request-file parser (see reqfile.h for the format).
 */
#include "config.h"

#include "cli/reqfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/amount.h"
#include "core/error.h"

/* Visible characters of a quoted token before it is cut. */
#define QUOTE_WIDTH 40

void plm_reqfile_init(struct plm_reqfile *f)
{
    memset(f, 0, sizeof(*f));
}

void plm_reqfile_dispose(struct plm_reqfile *f)
{
    free(f->req);
    free(f->line);
    free(f->name_off);
    free(f->names);
    free(f->slots);
    plm_reqfile_init(f);
}

const char *plm_reqfile_name(const struct plm_reqfile *f, size_t i)
{
    return f->names + f->name_off[i];
}

/* The message below spells the limit out. */
_Static_assert(PLM_AMT_MAX == (plm_amt_t)1000000000 * PLM_SCALE, "update the ERANGE message");

const char *plm_reqfile_amt_error(int rc)
{
    switch (rc) {
    case PLM_EPRECISION:
        return "has more than three decimal places";
    case PLM_ERANGE:
        return "is too large (at most 1000000000)";
    default:
        return "is not a number";
    }
}

char *plm_reqfile_quote(char *dst, size_t dstsz, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[PLM_REQFILE_QUOTE_MAX];
    size_t o = 0;
    size_t i;

    tmp[o++] = '\'';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t need = (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') ? 1 : (c == '\\' ? 2 : 4);

        if (o - 1 + need > QUOTE_WIDTH)
            break;
        if (need == 1) {
            tmp[o++] = (char)c;
        } else if (need == 2) {
            tmp[o++] = '\\';
            tmp[o++] = '\\';
        } else {
            tmp[o++] = '\\';
            tmp[o++] = 'x';
            tmp[o++] = hex[c >> 4];
            tmp[o++] = hex[c & 0xf];
        }
    }
    if (i < len) {
        memcpy(tmp + o, "...", 3);
        o += 3;
    }
    tmp[o++] = '\'';
    tmp[o] = '\0';
    if (dstsz > 0)
        snprintf(dst, dstsz, "%s", tmp);
    return dst;
}

/*
 * FNV-1a.  The index only has to be fast on ordinary names; a file crafted
 * to collide degrades it to quadratic time, which for a file the operator
 * hands to a command of their own is an acceptable worst case.
 */
static uint64_t name_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/*
 * Slot where name lives, or the free slot where it would go.  The table
 * is never more than half full, so the probe always ends.
 */
static size_t slot_of(const struct plm_reqfile *f, const char *name, size_t len)
{
    size_t mask = f->nslots - 1;
    size_t s = (size_t)name_hash(name, len) & mask;

    while (f->slots[s] != 0) {
        const char *other = f->names + f->name_off[f->slots[s] - 1];

        if (strncmp(other, name, len) == 0 && other[len] == '\0')
            break;
        s = (s + 1) & mask;
    }
    return s;
}

static int grow_slots(struct plm_reqfile *f)
{
    size_t nslots = f->nslots ? f->nslots * 2 : 64;
    size_t *slots;
    size_t *old = f->slots;

    if (nslots > SIZE_MAX / sizeof(*slots))
        return PLM_ENOMEM;
    slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return PLM_ENOMEM;
    f->slots = slots;
    f->nslots = nslots;
    for (size_t i = 0; i < f->n; i++) {
        const char *name = plm_reqfile_name(f, i);

        f->slots[slot_of(f, name, strlen(name))] = i + 1;
    }
    free(old);
    return 0;
}

int plm_reqfile_find(const struct plm_reqfile *f, const char *name, size_t *idx_out)
{
    size_t s;

    if (f->nslots == 0)
        return PLM_ENOENT;
    s = slot_of(f, name, strlen(name));
    if (f->slots[s] == 0)
        return PLM_ENOENT;
    *idx_out = f->slots[s] - 1;
    return 0;
}

/* Make room for one more domain. */
static int grow_domains(struct plm_reqfile *f)
{
    size_t cap;
    void *p;

    if (f->n < f->cap)
        return 0;
    cap = f->cap ? f->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof(struct plm_request))
        return PLM_ENOMEM;
    /* Each array is replaced as soon as it has grown, so a failure part
     * way leaves every array at least f->n long and dispose still works. */
    p = realloc(f->req, cap * sizeof(*f->req));
    if (!p)
        return PLM_ENOMEM;
    f->req = p;
    p = realloc(f->line, cap * sizeof(*f->line));
    if (!p)
        return PLM_ENOMEM;
    f->line = p;
    p = realloc(f->name_off, cap * sizeof(*f->name_off));
    if (!p)
        return PLM_ENOMEM;
    f->name_off = p;
    f->cap = cap;
    return 0;
}

/* Copy a name into the pool; *off_out receives its offset. */
static int store_name(struct plm_reqfile *f, const char *name, size_t len, size_t *off_out)
{
    if (f->names_cap - f->names_len < len + 1) {
        size_t cap = f->names_cap ? f->names_cap : 1024;
        char *p;

        while (cap - f->names_len < len + 1) {
            if (cap > SIZE_MAX / 2)
                return PLM_ENOMEM;
            cap *= 2;
        }
        p = realloc(f->names, cap);
        if (!p)
            return PLM_ENOMEM;
        f->names = p;
        f->names_cap = cap;
    }
    memcpy(f->names + f->names_len, name, len);
    f->names[f->names_len + len] = '\0';
    *off_out = f->names_len;
    f->names_len += len + 1;
    return 0;
}

/* State of one call to plm_reqfile_parse, to keep helper signatures short. */
struct parser {
    struct plm_reqfile *f;
    size_t line;
    char *msg;
    size_t msgsz;
};

#if defined(__GNUC__)
static int fail(struct parser *ps, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif

/* Fill the caller's message buffer; returns rc for a one-line bail-out. */
static int fail(struct parser *ps, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    plm_verrf(ps->msg, ps->msgsz, rc, fmt, ap);
    va_end(ap);
    return rc;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
}

/* Next token of [*pos, end): sets *tok and *toklen, false at the end. */
static bool next_token(const char **pos, const char *end, const char **tok, size_t *toklen)
{
    const char *p = *pos;

    while (p < end && is_space(*p))
        p++;
    if (p == end)
        return false;
    *tok = p;
    while (p < end && !is_space(*p))
        p++;
    *toklen = (size_t)(p - *tok);
    *pos = p;
    return true;
}

int plm_reqfile_amount(const char *s, size_t len, plm_amt_t *amt_out, char *msg, size_t msgsz)
{
    char q[PLM_REQFILE_QUOTE_MAX];
    plm_amt_t ignored;
    int rc;

    rc = plm_amt_parse_n(s, len, amt_out);
    if (rc == 0)
        return 0;
    plm_reqfile_quote(q, sizeof(q), s, len);
    /* The core's grammar has no sign; say why rather than "not a number"
     * when the rest would have been one. */
    if (rc == PLM_EGRAMMAR && len > 1 && s[0] == '-' &&
        plm_amt_parse_n(s + 1, len - 1, &ignored) == 0) {
        snprintf(msg, msgsz, "%s is negative", q);
        return PLM_ERANGE;
    }
    snprintf(msg, msgsz, "%s %s", q, plm_reqfile_amt_error(rc));
    return rc;
}

/*
 * Parse an amount.  what prefixes the message ("" for a level, "min: "
 * for a setting) so that the operator sees which value is wrong.
 */
static int parse_amount(struct parser *ps, const char *what, const char *tok, size_t len,
                        plm_amt_t *amt_out)
{
    char m[PLM_REQFILE_MSG_MAX];
    int rc;

    rc = plm_reqfile_amount(tok, len, amt_out, m, sizeof(m));
    if (rc < 0)
        return fail(ps, rc, "%s%s", what, m);
    return 0;
}

static int parse_name(struct parser *ps, const char *tok, size_t len)
{
    char q[PLM_REQFILE_QUOTE_MAX];

    plm_reqfile_quote(q, sizeof(q), tok, len);
    for (size_t i = 0; i < len; i++) {
        if (!is_name_char(tok[i]))
            return fail(ps, PLM_EGRAMMAR,
                        "%s is not a valid domain name (letters, digits, '_', '.', ':', '-')", q);
    }
    if (len > PLM_REQFILE_NAME_MAX)
        return fail(ps, PLM_EGRAMMAR, "domain name %s is longer than %d characters", q,
                    PLM_REQFILE_NAME_MAX);
    return 0;
}

/* A "key=value" setting after the name. */
static int parse_setting(struct parser *ps, struct plm_request *r, const char *tok, size_t len,
                         bool *have_min, bool *have_max)
{
    char q[PLM_REQFILE_QUOTE_MAX];
    const char *eq = memchr(tok, '=', len);
    size_t klen = (size_t)(eq - tok);
    const char *val = eq + 1;
    size_t vlen = len - klen - 1;
    bool *seen;
    plm_amt_t *dst;
    const char *key;
    const char *prefix; /* for a bad value: "min: 'x' is not a number" */

    if (klen == 3 && memcmp(tok, "min", 3) == 0) {
        key = "min";
        prefix = "min: ";
        seen = have_min;
        dst = &r->min;
    } else if (klen == 3 && memcmp(tok, "max", 3) == 0) {
        key = "max";
        prefix = "max: ";
        seen = have_max;
        dst = &r->max;
    } else {
        plm_reqfile_quote(q, sizeof(q), tok, len);
        return fail(ps, PLM_EGRAMMAR, "unknown setting %s (expected min= or max=)", q);
    }
    if (*seen)
        return fail(ps, PLM_EGRAMMAR, "%s= given twice", key);
    if (vlen == 0)
        return fail(ps, PLM_EGRAMMAR, "%s= needs a value", key);
    *seen = true;
    return parse_amount(ps, prefix, val, vlen, dst);
}

/* One line, without its end of line.  Blank and comment lines add nothing. */
static int parse_line(struct parser *ps, const char *p, size_t len)
{
    struct plm_reqfile *f = ps->f;
    const char *end = p + len;
    const char *hash;
    const char *name;
    size_t namelen;
    const char *tok;
    size_t toklen;
    struct plm_request r;
    bool have_min = false;
    bool have_max = false;
    size_t slot;
    size_t off;
    int rc;

    if (memchr(p, '\0', len))
        return fail(ps, PLM_EGRAMMAR, "line holds a NUL byte");
    hash = memchr(p, '#', len);
    if (hash)
        end = hash;
    if (!next_token(&p, end, &name, &namelen))
        return 0;

    rc = parse_name(ps, name, namelen);
    if (rc < 0)
        return rc;
    if (f->nslots == 0 || (f->n + 1) * 2 > f->nslots) {
        rc = grow_slots(f);
        if (rc < 0)
            return fail(ps, rc, "out of memory");
    }
    slot = slot_of(f, name, namelen);
    if (f->slots[slot] != 0) {
        char q[PLM_REQFILE_QUOTE_MAX];

        plm_reqfile_quote(q, sizeof(q), name, namelen);
        return fail(ps, PLM_EINVAL, "duplicate domain %s (first on line %zu)", q,
                    f->line[f->slots[slot] - 1]);
    }
    if (f->n >= PLM_MAX_DOMAINS)
        return fail(ps, PLM_ETOOMANY, "more than %zu domains", PLM_MAX_DOMAINS);

    plm_request_init(&r);
    while (next_token(&p, end, &tok, &toklen)) {
        if (memchr(tok, '=', toklen)) {
            rc = parse_setting(ps, &r, tok, toklen, &have_min, &have_max);
            if (rc < 0)
                return rc;
            continue;
        }
        if (r.nlevels == PLM_MAX_LEVELS)
            return fail(ps, PLM_ETOOMANY, "more than %d levels", PLM_MAX_LEVELS);
        rc = parse_amount(ps, "", tok, toklen, &r.level[r.nlevels]);
        if (rc < 0)
            return rc;
        r.nlevels++;
    }
    if (r.max < r.min) {
        char smin[PLM_AMT_STRLEN];
        char smax[PLM_AMT_STRLEN];

        return fail(ps, PLM_EINVAL, "max=%s is below min=%s", plm_amt_format(r.max, smax),
                    plm_amt_format(r.min, smin));
    }

    rc = grow_domains(f);
    if (rc == 0)
        rc = store_name(f, name, namelen, &off);
    if (rc < 0)
        return fail(ps, rc, "out of memory");
    f->req[f->n] = r;
    f->line[f->n] = ps->line;
    f->name_off[f->n] = off;
    f->slots[slot] = f->n + 1;
    f->n++;
    return 0;
}

int plm_reqfile_parse(struct plm_reqfile *f, const char *buf, size_t len, size_t *line_out,
                      char *msg, size_t msgsz)
{
    struct parser ps = {.f = f, .line = 0, .msg = msg, .msgsz = msgsz};
    size_t pos = 0;
    int rc;

    if (msgsz > 0)
        msg[0] = '\0';
    while (pos < len) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - start) : len - pos;

        pos += llen + (nl ? 1 : 0);
        ps.line++;
        rc = parse_line(&ps, start, llen);
        if (rc < 0) {
            *line_out = ps.line;
            return rc;
        }
    }
    if (f->n == 0) {
        *line_out = 0;
        return fail(&ps, PLM_EINVAL, "no domains");
    }
    *line_out = 0;
    return 0;
}

int plm_reqfile_read(FILE *fp, size_t limit, char **buf_out, size_t *len_out)
{
    size_t cap = 0;
    size_t len = 0;
    char *buf = NULL;

    *buf_out = NULL;
    *len_out = 0;
    if (limit > SIZE_MAX - 2)
        limit = SIZE_MAX - 2;
    for (;;) {
        size_t got;

        /* Keep one byte past limit in view, to tell "exactly limit bytes"
         * from "more", and one for the terminating NUL. */
        if (cap - len < 2) {
            size_t ncap = cap ? cap * 2 : 4096;
            char *p;

            if (ncap > limit + 2)
                ncap = limit + 2;
            if (ncap <= cap) {
                free(buf);
                return PLM_ERANGE;
            }
            p = realloc(buf, ncap);
            if (!p) {
                free(buf);
                return PLM_ENOMEM;
            }
            buf = p;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (len > limit) {
            free(buf);
            return PLM_ERANGE;
        }
        if (got == 0) {
            if (ferror(fp)) {
                int saved = errno;

                free(buf);
                errno = saved ? saved : EIO;
                return PLM_EIO;
            }
            if (feof(fp))
                break;
        }
    }
    buf[len] = '\0';
    *buf_out = buf;
    *len_out = len;
    return 0;
}
