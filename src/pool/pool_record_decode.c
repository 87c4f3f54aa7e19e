/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading other hosts' pool records (pool_record.h), as untrusted input:
 * a key must be one the encoder writes, and a value exactly what the
 * encoder would write for what it says: the lines in order, single
 * spaces, each amount and number in its one spelling, every bound held.
 */
#include "config.h"

#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "pool/pool_record.h"

#define PREFIX "/xenplm/"

bool prec_plain_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int prec_parse_key(const char *key, size_t len, const char *pool, char *host, enum prec_kind *kind,
                   char uuid[PREC_UUID_LEN + 1], char *err, size_t errlen)
{
    size_t pl = strlen(pool), at, hl = 0;
    int q = len < 80 ? (int)len : 80; /* the key is not NUL-terminated: quote at most this */

    if (len >= PREC_KEY_MAX || memchr(key, '\0', len))
        return plm_errf(err, errlen, PLM_EINVAL, "a key too long, or holding a NUL");
    if (len < sizeof(PREFIX) - 1 + pl + 7 || memcmp(key, PREFIX, sizeof(PREFIX) - 1) != 0 ||
        memcmp(key + sizeof(PREFIX) - 1, pool, pl) != 0 ||
        memcmp(key + sizeof(PREFIX) - 1 + pl, "/hosts/", 7) != 0)
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': not under " PREFIX "%s/hosts/", q,
                        key, pool);
    at = sizeof(PREFIX) - 1 + pl + 7;
    while (at + hl < len && key[at + hl] != '/' && hl <= PLM_POOL_NAME_MAX)
        hl++;
    if (at + hl >= len || hl > PLM_POOL_NAME_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': no host name", q, key);
    memcpy(host, key + at, hl);
    host[hl] = '\0';
    if (!plm_pool_name_ok(host, PLM_POOL_NAME_MAX))
        return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': a bad host name", q, key);
    at += hl + 1;
    if (len - at == 4 && memcmp(key + at, "host", 4) == 0) {
        *kind = PREC_HOST;
        uuid[0] = '\0';
        return 0;
    }
    if (len - at == 8 + PREC_UUID_LEN && memcmp(key + at, "domains/", 8) == 0) {
        memcpy(uuid, key + at + 8, PREC_UUID_LEN);
        uuid[PREC_UUID_LEN] = '\0';
        for (int i = 0; i < PREC_UUID_LEN; i++) {
            bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            char c = uuid[i];
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': a bad uuid", q, key);
        }
        *kind = PREC_DOMAIN;
        return 0;
    }
    return plm_errf(err, errlen, PLM_EINVAL, "key '%.*s': neither 'host' nor 'domains/<uuid>'", q,
                    key);
}

/* A value being read: where we are, and the current line's words. */
struct in {
    const char *p, *end;
    const char *word[PREC_LEVELS + 2]; /* the line's words after its first */
    size_t wlen[PREC_LEVELS + 2];
    size_t nwords;
    char *err;
    size_t errlen;
};

static int bad(struct in *in, const char *what, const char *why)
{
    return plm_errf(in->err, in->errlen, PLM_EINVAL, "'%s': %s", what, why);
}

/*
 * The next line, which must start with the word name, then hold between
 * min and max more words, each one space apart.
 */
static int line(struct in *in, const char *name, size_t min, size_t max)
{
    size_t n = strlen(name);
    const char *nl = memchr(in->p, '\n', (size_t)(in->end - in->p));

    if (!nl)
        return bad(in, name, "missing, or its line has no end");
    if ((size_t)(nl - in->p) < n || memcmp(in->p, name, n) != 0 ||
        (in->p + n != nl && in->p[n] != ' '))
        return bad(in, name, "expected here");
    in->nwords = 0;
    for (const char *w = in->p + n; w < nl;) {
        const char *e = ++w;
        while (e < nl && *e != ' ')
            e++;
        if (e == w)
            return bad(in, name, "two spaces, or one at the end");
        if (in->nwords == max)
            return bad(in, name, "too many values");
        in->word[in->nwords] = w;
        in->wlen[in->nwords++] = (size_t)(e - w);
        w = e;
    }
    if (in->nwords < min)
        return bad(in, name, "too few values");
    in->p = nl + 1;
    return 0;
}

/* Word i as an amount, in the one spelling plm_amt_format gives it. */
static int amount(struct in *in, const char *name, size_t i, plm_amt_t *out)
{
    char b[PLM_AMT_STRLEN];

    if (in->wlen[i] >= PLM_AMT_STRLEN || plm_amt_parse_n(in->word[i], in->wlen[i], out) != 0)
        return bad(in, name, "not an amount");
    plm_amt_format(*out, b);
    if (strlen(b) != in->wlen[i] || memcmp(b, in->word[i], in->wlen[i]) != 0)
        return bad(in, name, "an amount not in its plain spelling");
    return 0;
}

/* Word i as a whole number up to max, without leading zeros. */
static int number(struct in *in, const char *name, size_t i, uint64_t max, uint64_t *out)
{
    const char *w = in->word[i];
    uint64_t x = 0;

    if (in->wlen[i] > 20 || (in->wlen[i] > 1 && w[0] == '0'))
        return bad(in, name, "not a number in its plain spelling");
    for (size_t k = 0; k < in->wlen[i]; k++) {
        if (w[k] < '0' || w[k] > '9' || x > (max - (uint64_t)(w[k] - '0')) / 10)
            return bad(in, name, "not a number, or out of range");
        x = x * 10 + (uint64_t)(w[k] - '0');
    }
    *out = x;
    return 0;
}

static int levels(struct in *in, const char *name, plm_amt_t *a, unsigned *n)
{
    int rc = line(in, name, 0, PREC_LEVELS);

    for (size_t i = 0; rc == 0 && i < in->nwords; i++) {
        rc = amount(in, name, i, &a[i]);
        if (rc == 0 && i && a[i] < a[i - 1])
            rc = bad(in, name, "a level asking less than the one before");
    }
    *n = (unsigned)in->nwords;
    return rc;
}

static int name_word(struct in *in, char *out)
{
    const char *w = in->word[0];
    size_t n = 0;

    for (size_t k = 0; k < in->wlen[0]; k++) {
        unsigned v = 0;
        if (n == PREC_NAME_MAX)
            return bad(in, "name", "too long");
        if (prec_plain_byte((unsigned char)w[k])) {
            out[n++] = w[k];
            continue;
        }
        if (w[k] != '%' || k + 2 >= in->wlen[0])
            return bad(in, "name", "a byte neither plain nor %XX");
        for (int j = 1; j <= 2; j++) {
            char c = w[k + (size_t)j];
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
                return bad(in, "name", "a bad %XX");
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
        }
        if (v == 0 || prec_plain_byte((unsigned char)v))
            return bad(in, "name", "a %XX that stands for NUL or for a plain byte");
        out[n++] = (char)v;
        k += 2;
    }
    out[n] = '\0';
    return 0;
}

/* The value's bounds, and no NUL in it (a word is compared as a C string at times). */
static int start(struct in *in, const char *v, size_t len, const char *what, char *err,
                 size_t errlen)
{
    in->p = v;
    in->end = v + len;
    in->err = err;
    in->errlen = errlen;
    if (len > PREC_VALUE_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "a %s record of %zu bytes (at most %d)", what, len,
                        PREC_VALUE_MAX);
    if (memchr(v, '\0', len))
        return plm_errf(err, errlen, PLM_EINVAL, "a %s record holding a NUL byte", what);
    return 0;
}

static int finish(struct in *in, int rc)
{
    if (rc == 0 && in->p != in->end)
        rc = bad(in, "end", "more after the last line");
    return rc;
}

int prec_decode_host(const char *v, size_t len, struct prec_host *out, char *err, size_t errlen)
{
    struct in in;
    uint64_t n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = start(&in, v, len, "host", err, errlen)))
        return rc;
    rc = line(&in, "xenplm-host", 1, 1);
    if (rc == 0 && (in.wlen[0] != 1 || in.word[0][0] != '1'))
        rc = bad(&in, "xenplm-host", "not version 1");
    if (rc == 0 && (rc = line(&in, "cpu", 1, 1)) == 0)
        rc = amount(&in, "cpu", 0, &out->cpu);
    if (rc == 0 && (rc = line(&in, "memory", 1, 1)) == 0)
        rc = amount(&in, "memory", 0, &out->memory);
    if (rc == 0 && (rc = line(&in, "free", 1, 1)) == 0)
        rc = amount(&in, "free", 0, &out->free);
    if (rc == 0 && (rc = line(&in, "headroom", 1, 1)) == 0)
        rc = amount(&in, "headroom", 0, &out->headroom);
    if (rc == 0 && (rc = line(&in, "domains", 1, 1)) == 0)
        rc = number(&in, "domains", 0, PREC_MAX_DOMAINS, &n);
    out->ndomains = (size_t)n;
    /* Its address for migrations: a last line only when it gives one. */
    if (rc == 0 && in.p != in.end && (rc = line(&in, "address", 1, 1)) == 0) {
        char why[PLM_MIG_ADDR_MAX + 64];
        if (in.wlen[0] > PLM_MIG_ADDR_MAX)
            return bad(&in, "address", "too long");
        memcpy(out->address, in.word[0], in.wlen[0]);
        out->address[in.wlen[0]] = '\0';
        if (plm_mig_address_check(out->address, why, sizeof(why)))
            rc = bad(&in, "address", "not a host name or an IP address");
    }
    return finish(&in, rc);
}

static int decode_tags(struct in *in, struct prec_domain *out)
{
    int rc = line(in, "tags", 0, PREC_MAX_TAGS);

    for (size_t i = 0; rc == 0 && i < in->nwords; i++) {
        if (in->wlen[i] > PREC_TAG_MAX)
            return bad(in, "tags", "a tag too long");
        memcpy(out->tags[i], in->word[i], in->wlen[i]);
        out->tags[i][in->wlen[i]] = '\0';
        if (!plm_pool_name_ok(out->tags[i], PREC_TAG_MAX))
            return bad(in, "tags", "a tag that is not a name");
        for (size_t k = 0; k < i; k++)
            if (strcmp(out->tags[k], out->tags[i]) == 0)
                return bad(in, "tags", "a tag given twice");
    }
    out->ntags = rc == 0 ? (unsigned)in->nwords : 0;
    return rc;
}

int prec_decode_domain(const char *v, size_t len, struct prec_domain *out, char *err, size_t errlen)
{
    struct in in;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = start(&in, v, len, "domain", err, errlen)))
        return rc;
    rc = line(&in, "xenplm-domain", 1, 1);
    if (rc == 0 && (in.wlen[0] != 1 || in.word[0][0] != '1'))
        rc = bad(&in, "xenplm-domain", "not version 1");
    if (rc == 0 && (rc = line(&in, "name", 1, 1)) == 0)
        rc = name_word(&in, out->name);
    if (rc == 0)
        rc = levels(&in, "cpu", out->cpu, &out->ncpu);
    if (rc == 0)
        rc = levels(&in, "mem", out->mem, &out->nmem);
    if (rc == 0 && (rc = line(&in, "grant", 2, 2)) == 0 &&
        (rc = amount(&in, "grant", 0, &out->grant_cpu)) == 0)
        rc = amount(&in, "grant", 1, &out->grant_mem);
    if (rc == 0 && (rc = line(&in, "memory", 1, 1)) == 0)
        rc = amount(&in, "memory", 0, &out->memory);
    if (rc == 0 && (rc = line(&in, "migratable", 1, 1)) == 0) {
        bool yes = in.wlen[0] == 3 && memcmp(in.word[0], "yes", 3) == 0;
        bool no = in.wlen[0] == 2 && memcmp(in.word[0], "no", 2) == 0;
        if (!yes && !no)
            rc = bad(&in, "migratable", "neither yes nor no");
        out->migratable = yes;
    }
    if (rc == 0)
        rc = decode_tags(&in, out);
    if (rc == 0 && (rc = line(&in, "migrated", 1, 1)) == 0)
        rc = number(&in, "migrated", 0, PREC_MIGRATED_MAX, &out->migrated_at);
    return finish(&in, rc);
}
