/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A host's pool records (pool_record.h): the keys, the encoder and the
 * diff against what was last published.  The decoders are in
 * pool_record_decode.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "pool/etcd.h"
#include "pool/pool_record.h"

int prec_prefix(const char *pool, const char *host, char *buf, size_t len)
{
    if (!plm_pool_name_ok(pool, PLM_POOL_NAME_MAX) || !plm_pool_name_ok(host, PLM_POOL_NAME_MAX))
        return PLM_EINVAL;
    int n = snprintf(buf, len, "/xenplm/%s/hosts/%s/", pool, host);
    return n < 0 || (size_t)n >= len ? PLM_EINVAL : 0;
}

/* A value being written: its buffer, and the writer over it. */
struct out {
    char buf[PREC_VALUE_MAX];
    struct prec_out w;
};

static void out_reset(struct out *o)
{
    o->w = (struct prec_out){.buf = o->buf, .len = sizeof(o->buf)};
    o->buf[0] = '\0';
}

void prec_put(struct prec_out *o, const char *fmt, ...)
{
    va_list ap;

    if (o->full)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->len - o->at)
        o->full = true;
    else
        o->at += (size_t)n;
}

void prec_put_name(struct prec_out *o, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (prec_plain_byte(c))
            prec_put(o, "%c", c);
        else
            prec_put(o, "%%%02X", c);
    }
}

static bool amount_ok(plm_amt_t a)
{
    return a >= 0 && a <= PLM_AMT_MAX;
}

static void put_amount(struct out *o, plm_amt_t a)
{
    char b[PLM_AMT_STRLEN];
    prec_put(&o->w, " %s", plm_amt_format(a, b));
}

bool prec_uuid_ok(const char *u)
{
    for (int i = 0; i < PREC_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? u[i] != '-' : !((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'f')))
            return false;
    }
    return u[PREC_UUID_LEN] == '\0';
}

static bool levels_ok(const plm_amt_t *a, unsigned n)
{
    if (n > PREC_LEVELS)
        return false;
    for (unsigned l = 0; l < n; l++)
        if (!amount_ok(a[l]) || (l && a[l] < a[l - 1]))
            return false;
    return true;
}

static int check_domain(const struct prec_domain *d, char *err, size_t errlen)
{
    if (!prec_uuid_ok(d->uuid))
        return plm_errf(err, errlen, PLM_EINVAL, "domain uuid '%.40s': not a lower-case uuid",
                        d->uuid);
    if (memchr(d->name, '\0', sizeof(d->name)) == NULL || d->name[0] == '\0')
        return plm_errf(err, errlen, PLM_EINVAL, "domain %s: no name, or one too long", d->uuid);
    if (!levels_ok(d->cpu, d->ncpu) || !levels_ok(d->mem, d->nmem))
        return plm_errf(err, errlen, PLM_EINVAL,
                        "domain %s: more than %d levels, an amount out of range, or a level "
                        "asking less than the one before",
                        d->uuid, PREC_LEVELS);
    if (!amount_ok(d->grant_cpu) || !amount_ok(d->grant_mem) || !amount_ok(d->memory))
        return plm_errf(err, errlen, PLM_EINVAL, "domain %s: an amount out of range", d->uuid);
    if (d->ntags > PREC_MAX_TAGS)
        return plm_errf(err, errlen, PLM_EINVAL, "domain %s: more than %d tags", d->uuid,
                        PREC_MAX_TAGS);
    for (unsigned t = 0; t < d->ntags; t++)
        if (!plm_pool_name_ok(d->tags[t], PREC_TAG_MAX))
            return plm_errf(err, errlen, PLM_EINVAL, "domain %s: tag '%.40s' is not a name",
                            d->uuid, d->tags[t]);
    if (d->migrated_at > PREC_MIGRATED_MAX)
        return plm_errf(err, errlen, PLM_EINVAL, "domain %s: a migration time out of range",
                        d->uuid);
    return 0;
}

static void encode_domain(const struct prec_domain *d, struct out *o)
{
    prec_put(&o->w, "xenplm-domain 1\nname ");
    prec_put_name(&o->w, d->name);
    prec_put(&o->w, "\ncpu");
    for (unsigned l = 0; l < d->ncpu; l++)
        put_amount(o, d->cpu[l]);
    prec_put(&o->w, "\nmem");
    for (unsigned l = 0; l < d->nmem; l++)
        put_amount(o, d->mem[l]);
    prec_put(&o->w, "\ngrant");
    put_amount(o, d->grant_cpu);
    put_amount(o, d->grant_mem);
    prec_put(&o->w, "\nmemory");
    put_amount(o, d->memory);
    prec_put(&o->w, "\nmigratable %s\ntags", d->migratable ? "yes" : "no");
    for (unsigned t = 0; t < d->ntags; t++)
        prec_put(&o->w, " %s", d->tags[t]);
    prec_put(&o->w, "\nmigrated %llu\n", (unsigned long long)d->migrated_at);
}

static void encode_host(const struct prec_host *h, size_t ndoms, struct out *o)
{
    prec_put(&o->w, "xenplm-host 1\ncpu");
    put_amount(o, h->cpu);
    prec_put(&o->w, "\nmemory");
    put_amount(o, h->memory);
    prec_put(&o->w, "\nfree");
    put_amount(o, h->free);
    prec_put(&o->w, "\nheadroom");
    put_amount(o, h->headroom);
    prec_put(&o->w, "\ndomains %zu\n", ndoms);
    if (h->address[0])
        prec_put(&o->w, "address %s\n", h->address);
}

static int set_kv(struct prec_kv *kv, const char *prefix, const char *tail, const struct out *o)
{
    snprintf(kv->key, sizeof(kv->key), "%s%s", prefix, tail);
    if (o->w.full || !(kv->value = malloc(o->w.at + 1)))
        return o->w.full ? PLM_ERANGE : PLM_ENOMEM;
    memcpy(kv->value, o->buf, o->w.at + 1);
    kv->len = o->w.at;
    return 0;
}

static int cmp_uuid(const void *a, const void *b)
{
    const struct prec_domain *x = *(const struct prec_domain *const *)a;
    const struct prec_domain *y = *(const struct prec_domain *const *)b;
    return strcmp(x->uuid, y->uuid);
}

void prec_set_free(struct prec_set *s)
{
    for (size_t i = 0; s->kv && i < s->n; i++)
        free(s->kv[i].value);
    free(s->kv);
    s->kv = NULL;
    s->n = 0;
}

int prec_encode(const char *pool, const char *host, const struct prec_host *h,
                const struct prec_domain *doms, size_t ndoms, struct prec_set *out, char *err,
                size_t errlen)
{
    char prefix[PREC_KEY_MAX], tail[64];
    const struct prec_domain **order = NULL;
    struct out *o = NULL;
    int rc = 0;

    out->kv = NULL;
    out->n = 0;
    if (prec_prefix(pool, host, prefix, sizeof(prefix)))
        return plm_errf(err, errlen, PLM_EINVAL, "pool '%.70s' or host '%.70s': not a name",
                        pool ? pool : "", host ? host : "");
    if (ndoms > PREC_MAX_DOMAINS)
        return plm_errf(err, errlen, PLM_ETOOMANY, "%zu domains: at most %d are published", ndoms,
                        PREC_MAX_DOMAINS);
    if (!amount_ok(h->cpu) || !amount_ok(h->memory) || !amount_ok(h->free) ||
        !amount_ok(h->headroom))
        return plm_errf(err, errlen, PLM_EINVAL, "the host: an amount out of range");
    if (memchr(h->address, '\0', sizeof(h->address)) == NULL ||
        (h->address[0] && (rc = plm_mig_address_check(h->address, err, errlen))))
        return rc ? rc : plm_errf(err, errlen, PLM_EINVAL, "the host: an address not ended");
    for (size_t i = 0; i < ndoms; i++)
        if ((rc = check_domain(&doms[i], err, errlen)))
            return rc;
    if (!(order = calloc(ndoms + 1, sizeof(*order))) || !(o = malloc(sizeof(*o))) ||
        !(out->kv = calloc(ndoms + 1, sizeof(*out->kv)))) {
        rc = plm_errf(err, errlen, PLM_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < ndoms; i++)
        order[i] = &doms[i];
    qsort(order, ndoms, sizeof(*order), cmp_uuid);
    /* Keys in order: ".../domains/<uuid>" sort before ".../host". */
    for (size_t i = 0; i < ndoms; i++) {
        if (i && strcmp(order[i]->uuid, order[i - 1]->uuid) == 0) {
            rc = plm_errf(err, errlen, PLM_EINVAL, "two domains with uuid %s", order[i]->uuid);
            goto done;
        }
        out_reset(o);
        encode_domain(order[i], o);
        snprintf(tail, sizeof(tail), "domains/%s", order[i]->uuid);
        if ((rc = set_kv(&out->kv[out->n], prefix, tail, o))) {
            rc = plm_errf(err, errlen, rc, "domain %s: %s", order[i]->uuid,
                          rc == PLM_ERANGE ? "its record is too large" : "out of memory");
            goto done;
        }
        out->n++;
    }
    out_reset(o);
    encode_host(h, ndoms, o);
    if ((rc = set_kv(&out->kv[out->n], prefix, "host", o)))
        rc = plm_errf(err, errlen, rc, "out of memory");
    else
        out->n++;
done:
    if (rc)
        prec_set_free(out);
    free(order);
    free(o);
    return rc;
}

static bool sorted(const struct prec_set *s)
{
    for (size_t i = 1; i < s->n; i++)
        if (strcmp(s->kv[i - 1].key, s->kv[i].key) >= 0)
            return false;
    return true;
}

int prec_set_from_keys(const struct etcd_kv *kvs, size_t n, struct prec_set *out, size_t *skipped)
{
    *skipped = 0;
    out->n = 0;
    if (!(out->kv = calloc(n + 1, sizeof(*out->kv))))
        return PLM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct prec_kv *kv = &out->kv[out->n];
        if (kvs[i].key_len >= sizeof(kv->key) || memchr(kvs[i].key, '\0', kvs[i].key_len)) {
            (*skipped)++;
            continue;
        }
        memcpy(kv->key, kvs[i].key, kvs[i].key_len);
        kv->key[kvs[i].key_len] = '\0';
        if (out->n && strcmp(out->kv[out->n - 1].key, kv->key) >= 0) {
            (*skipped)++;
            continue;
        }
        kv->value = NULL;
        kv->len = SIZE_MAX; /* matches no value */
        out->n++;
    }
    return 0;
}

int prec_diff(const struct prec_set *old, const struct prec_set *cur, size_t *put_idx, size_t *nput,
              size_t *del, size_t *ndel)
{
    size_t i = 0, j = 0;

    *nput = *ndel = 0;
    if (!sorted(old) || !sorted(cur))
        return PLM_EINVAL;
    while (i < old->n || j < cur->n) {
        int c = i == old->n ? 1 : j == cur->n ? -1 : strcmp(old->kv[i].key, cur->kv[j].key);
        if (c < 0) {
            del[(*ndel)++] = i++;
        } else if (c > 0) {
            put_idx[(*nput)++] = j++;
        } else {
            if (old->kv[i].len != cur->kv[j].len ||
                memcmp(old->kv[i].value, cur->kv[j].value, cur->kv[j].len) != 0)
                put_idx[(*nput)++] = j;
            i++;
            j++;
        }
    }
    return 0;
}
