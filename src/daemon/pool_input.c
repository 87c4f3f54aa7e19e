/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The planner's input from the pool's records, and the published plan
 * (pool_input.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/pool_input.h"

static int cmp_cool(const void *a, const void *b)
{
    return strcmp(((const struct pin_cooldown *)a)->uuid, ((const struct pin_cooldown *)b)->uuid);
}

static uint64_t cooldown_until(const struct pin_input *in, const struct prec_domain *d)
{
    uint64_t until = 0;
    struct pin_cooldown key;

    if (d->migrated_at && d->migrated_at <= UINT64_MAX / 1000 - in->cooldown_ms)
        until = d->migrated_at * 1000 + in->cooldown_ms;
    if (in->ncool) {
        memcpy(key.uuid, d->uuid, sizeof(key.uuid));
        const struct pin_cooldown *c = bsearch(&key, in->cool, in->ncool, sizeof(*c), cmp_cool);
        if (c && c->until_ms > until)
            until = c->until_ms;
    }
    return until;
}

/* Strings: uuids, host names. */
static int cmp_uuid(const void *a, const void *b)
{
    return strcmp(a, b);
}

static bool busy(const struct pin_input *in, const char *uuid)
{
    return in->nbusy && bsearch(uuid, in->busy, in->nbusy, sizeof(*in->busy), cmp_uuid);
}

/* src into dst, cut to fit (a label only: the uuid names the domain). */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void request(struct plm_request *r, const plm_amt_t *lv, unsigned n)
{
    plm_request_init(r);
    if (n > PLM_MAX_LEVELS)
        n = PLM_MAX_LEVELS;
    for (unsigned l = 0; l < n; l++)
        r->level[l] = lv[l];
    r->nlevels = n;
}

struct at {
    const char *uuid;
    size_t i;
};

/* By uuid, then by position (the earlier host first). */
static int cmp_at(const void *a, const void *b)
{
    const struct at *x = a, *y = b;
    int c = strcmp(x->uuid, y->uuid);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Keep each uuid once, on the first host that lists it; the count dropped. */
static int dedup(struct pp_domain *doms, size_t *nd, size_t *dups)
{
    size_t n = *nd;
    struct at *ix;
    bool *drop;

    if (n < 2)
        return 0;
    ix = malloc(n * sizeof(*ix));
    drop = calloc(n, sizeof(*drop));
    if (!ix || !drop) {
        free(ix);
        free(drop);
        return PLM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        ix[i] = (struct at){doms[i].uuid, i};
    qsort(ix, n, sizeof(*ix), cmp_at);
    for (size_t i = 1; i < n; i++)
        if (strcmp(ix[i].uuid, ix[i - 1].uuid) == 0)
            drop[ix[i].i] = true;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i]) {
            (*dups)++;
            continue;
        }
        if (k != i)
            doms[k] = doms[i];
        k++;
    }
    *nd = k;
    free(ix);
    free(drop);
    return 0;
}

int pin_build(const struct pin_input *in, struct pp_host *hosts, size_t max_hosts,
              struct pp_domain *doms, size_t max_doms, size_t *nhosts, size_t *ndoms, size_t *dups)
{
    size_t nd = 0;

    *nhosts = *ndoms = *dups = 0;
    if (in->nhosts > max_hosts)
        return PLM_ETOOMANY;
    for (size_t h = 0; h < in->nhosts; h++) {
        const struct pin_host *src = &in->hosts[h];
        struct pp_host *o = &hosts[h];
        if (src->first > in->ndoms || src->n > in->ndoms - src->first)
            return PLM_EINVAL;
        memset(o, 0, sizeof(*o));
        copy(o->name, sizeof(o->name), src->name);
        o->cpu = src->rec.cpu;
        o->free_mib = src->rec.free;
        o->headroom_mib = src->rec.headroom;
        o->drain = in->ndrains &&
                   bsearch(src->name, in->drains, in->ndrains, sizeof(*in->drains), cmp_uuid);
        for (size_t i = src->first; i < src->first + src->n; i++) {
            const struct prec_domain *d = &in->doms[i];
            if (nd == max_doms)
                return PLM_ETOOMANY;
            struct pp_domain *x = &doms[nd++];
            memset(x, 0, sizeof(*x));
            copy(x->uuid, sizeof(x->uuid), d->uuid);
            copy(x->name, sizeof(x->name), d->name);
            x->host = h;
            request(&x->cpu, d->cpu, d->ncpu);
            request(&x->mem, d->mem, d->nmem);
            x->mem_mib = d->memory;
            x->migratable = d->migratable;
            for (unsigned t = 0; t < d->ntags && t < PP_MAX_TAGS; t++)
                copy(x->tags[x->ntags++], PP_TAG_MAX, d->tags[t]);
            x->cooldown_until_ms = cooldown_until(in, d);
            x->migrating = busy(in, d->uuid);
        }
    }
    int rc = dedup(doms, &nd, dups);
    if (rc)
        return rc;
    *nhosts = in->nhosts;
    *ndoms = nd;
    return 0;
}

int pin_decode_cooldown(const char *v, size_t len, uint64_t *until_ms)
{
    uint64_t x = 0;

    if (!v || len == 0 || len > 16)
        return PLM_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return PLM_EINVAL;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *until_ms = x;
    return 0;
}

static plm_amt_t at(const plm_amt_t *lv, unsigned n, unsigned l)
{
    return n == 0 ? 0 : lv[l < n ? l : n - 1];
}

void pin_demand(const struct prec_domain *d, size_t n, plm_amt_t cpu[PREC_LEVELS],
                plm_amt_t mem[PREC_LEVELS], unsigned *nlevels)
{
    unsigned top = 0;

    for (size_t i = 0; i < n; i++) {
        if (d[i].ncpu > top)
            top = d[i].ncpu;
        if (d[i].nmem > top)
            top = d[i].nmem;
    }
    if (top > PREC_LEVELS)
        top = PREC_LEVELS;
    for (unsigned l = 0; l < PREC_LEVELS; l++)
        cpu[l] = mem[l] = 0;
    for (size_t i = 0; i < n; i++)
        for (unsigned l = 0; l < top; l++) {
            plm_amt_t c = at(d[i].cpu, d[i].ncpu, l), m = at(d[i].mem, d[i].nmem, l);
            cpu[l] = c > PLM_AMT_MAX - cpu[l] ? PLM_AMT_MAX : cpu[l] + c;
            mem[l] = m > PLM_AMT_MAX - mem[l] ? PLM_AMT_MAX : mem[l] + m;
        }
    *nlevels = top;
}

bool pin_said_add(struct pin_said *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0)
            return false;
    if (s->n < s->max)
        copy(s->name[s->n++], sizeof(*s->name), name);
    return true;
}

bool pin_said_del(struct pin_said *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0) {
            memmove(s->name[i], s->name[i + 1], (s->n - i - 1) * sizeof(*s->name));
            s->n--;
            return true;
        }
    return false;
}

size_t pin_said_prune(struct pin_said *s, pin_name_t *seen, size_t nseen)
{
    size_t k = 0;

    if (nseen)
        qsort(seen, nseen, sizeof(*seen), cmp_uuid);
    for (size_t i = 0; i < s->n; i++) {
        if (!nseen || !bsearch(s->name[i], seen, nseen, sizeof(*seen), cmp_uuid))
            continue;
        if (k != i)
            memcpy(s->name[k], s->name[i], sizeof(*s->name));
        k++;
    }
    size_t gone = s->n - k;
    s->n = k;
    return gone;
}
