/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The orders' pure decisions (pool_orderplan.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "daemon/pool_orderplan.h"

static int cmp_known(const void *key, const void *k)
{
    return strcmp(key, ((const struct pop_known *)k)->uuid);
}

/* The first entry of known (sorted by uuid) for uuid, or NULL. */
static const struct pop_known *first_of(const struct pop_known *known, size_t nknown,
                                        const char *uuid)
{
    const struct pop_known *k =
        nknown ? bsearch(uuid, known, nknown, sizeof(*known), cmp_known) : NULL;
    while (k && k > known && strcmp(k[-1].uuid, uuid) == 0)
        k--;
    return k;
}

const struct pop_known *pop_finished_at(const struct pop_known *known, size_t nknown,
                                        const char *uuid, const char *source)
{
    const struct pop_known *k = first_of(known, nknown, uuid);
    for (; k && k < known + nknown && strcmp(k->uuid, uuid) == 0; k++)
        if (!pop_live(k) && strcmp(k->source, source) == 0)
            return k;
    return NULL;
}

/* Whether an order of a domain keeps a move of it from source from
 * being ordered now (pop_new). */
static bool holds_move(const struct pop_known *k, const char *source, uint64_t now_ms,
                       uint64_t settle_ms)
{
    /* Not finished, or failed or refused: held (after a failure, until
     * the order is cleared, POP_KEEP_MS later). */
    if (pop_live(k) || k->state.phase != PORD_DONE)
        return true;
    if (strcmp(k->source, source) != 0)
        return false;
    /* Done from there just now: the records may still place it there. */
    return now_ms <= k->state.at_ms || now_ms - k->state.at_ms < settle_ms;
}

size_t pop_new(const struct pp_plan *plan, const struct pp_host *hosts, size_t nhosts,
               const struct pp_domain *doms, size_t ndoms, const struct pop_known *known,
               size_t nknown, uint64_t now_ms, uint64_t settle_ms, size_t *pick)
{
    size_t n = 0;

    for (size_t i = 0; i < plan->nmoves; i++) {
        size_t d = plan->move[i].dom, from = plan->move[i].from;
        if (d >= ndoms || from >= nhosts)
            continue;
        bool held = false;
        const struct pop_known *k = first_of(known, nknown, doms[d].uuid);
        for (; k && k < known + nknown && strcmp(k->uuid, doms[d].uuid) == 0 && !held; k++)
            held = holds_move(k, hosts[from].name, now_ms, settle_ms);
        if (!held)
            pick[n++] = i;
    }
    return n;
}

bool pop_live(const struct pop_known *k)
{
    return !k->have_state || !pord_final(k->state.phase);
}

static size_t host_index(const struct pp_host *hosts, size_t nhosts, const char *name)
{
    for (size_t i = 0; i < nhosts; i++)
        if (strcmp(hosts[i].name, name) == 0)
            return i;
    return nhosts;
}

bool pop_orphan(const struct pop_known *k, const struct pp_host *hosts, size_t nhosts)
{
    return pop_live(k) && host_index(hosts, nhosts, k->source) == nhosts;
}

static const struct pop_missing *missing_of(const struct pop_missing *m, size_t nm,
                                            const char *name)
{
    for (size_t i = 0; i < nm; i++)
        if (strcmp(m[i].name, name) == 0)
            return &m[i];
    return NULL;
}

size_t pop_missing_update(const struct pop_known *known, size_t nknown, const struct pp_host *hosts,
                          size_t nhosts, const struct pop_missing *prev, size_t nprev,
                          uint64_t now_ms, struct pop_missing *out)
{
    size_t n = 0;

    for (size_t i = 0; i < nknown && n < POP_MISSING_MAX; i++) {
        if (!pop_orphan(&known[i], hosts, nhosts) || missing_of(out, n, known[i].source))
            continue;
        const struct pop_missing *was = missing_of(prev, nprev, known[i].source);
        snprintf(out[n].name, sizeof(out[n].name), "%s", known[i].source);
        out[n].since_ms = was ? was->since_ms : now_ms;
        n++;
    }
    return n;
}

bool pop_missing_back(const struct pop_missing *was, const struct pop_missing *m, size_t nm,
                      const struct pp_host *hosts, size_t nhosts)
{
    return !missing_of(m, nm, was->name) && host_index(hosts, nhosts, was->name) < nhosts;
}

bool pop_orphan_due(const struct pop_known *k, const struct pop_missing *m, size_t nm,
                    uint64_t now_ms, uint64_t grace_ms)
{
    const struct pop_missing *was = missing_of(m, nm, k->source);

    return !was || (now_ms >= was->since_ms && now_ms - was->since_ms >= grace_ms);
}

bool pop_state_over(const struct pord_state *s, uint64_t now_ms)
{
    return pord_final(s->phase) && now_ms > s->at_ms && now_ms - s->at_ms > POP_KEEP_MS;
}

bool pop_expired(const struct pop_known *k, uint64_t now_ms)
{
    return k->have_state && pop_state_over(&k->state, now_ms);
}

enum pop_report pop_report_to(bool state_there, bool decoded, enum pord_phase phase,
                              bool order_there)
{
    if (!state_there)
        return order_there ? POP_REPORT_WRITE : POP_REPORT_GONE;
    return decoded && pord_final(phase) ? POP_REPORT_OVER : POP_REPORT_WRITE;
}

bool pop_cooldown_over(const char *uuid, uint64_t until_ms, uint64_t now_ms,
                       const struct pop_known *known, size_t nknown)
{
    if (now_ms <= until_ms || now_ms - until_ms <= POP_KEEP_MS)
        return false;
    return !(nknown && bsearch(uuid, known, nknown, sizeof(*known), cmp_known));
}

static int cmp_host(const void *key, const void *dest)
{
    return strcmp(key, ((const struct pop_dest *)dest)->name);
}

int pop_check(const struct pord_order *o, const char *key_source, const struct pop_host *h,
              char *why, size_t whylen)
{
    if (strcmp(o->from, key_source) != 0)
        return plm_errf(why, whylen, PLM_EINVAL, "its source '%s' is not its key's host '%s'",
                        o->from, key_source);
    if (strcmp(o->from, h->self) != 0)
        return plm_errf(why, whylen, PLM_EINVAL, "its source '%s' is not this host", o->from);
    if (strcmp(o->to, h->self) == 0)
        return plm_errf(why, whylen, PLM_EINVAL, "its destination is this host");
    if (!h->leader_known)
        return plm_errf(why, whylen, PLM_ENOENT, "no leader known now");
    if (o->revision != h->leader_rev)
        return plm_errf(why, whylen, PLM_EINVAL,
                        "stale: issued at election revision %lld, the leader's is %lld",
                        (long long)o->revision, (long long)h->leader_rev);
    /* Anyone who may write to etcd could write an order: only the
     * leader's, to a host of the pool, at the address that host
     * publishes (or its name), is carried out. */
    if (!h->leader_host || strcmp(o->leader, h->leader_host) != 0)
        return plm_errf(why, whylen, PLM_EINVAL, "issued by '%s', not the leader '%s'", o->leader,
                        h->leader_host ? h->leader_host : "");
    const struct pop_dest *d =
        h->hosts ? bsearch(o->to, h->hosts, h->nhosts, sizeof(*h->hosts), cmp_host) : NULL;
    if (!d)
        return plm_errf(why, whylen, PLM_EINVAL, "its destination '%s' is not a host of the pool",
                        o->to);
    if (strcmp(o->addr, d->address[0] ? d->address : d->name) != 0)
        return plm_errf(why, whylen, PLM_EINVAL,
                        "its address '%s' is not the one its destination publishes ('%s')", o->addr,
                        d->address[0] ? d->address : d->name);
    if (!h->automatic)
        return plm_errf(why, whylen, PLM_EINVAL, "this host is not in automatic mode");
    if (!h->holds)
        return plm_errf(why, whylen, PLM_EINVAL, "this host does not hold the domain");
    return 0;
}

static size_t dom_index(const struct pp_domain *doms, size_t ndoms, const char *uuid)
{
    for (size_t i = 0; i < ndoms; i++)
        if (strcmp(doms[i].uuid, uuid) == 0)
            return i;
    return ndoms;
}

void pop_incoming(const struct pp_plan *plan, const size_t *pick, size_t npick, size_t nhosts,
                  const struct pp_domain *doms, size_t ndoms, const struct pop_known *known,
                  size_t nknown, const struct pp_host *hosts, plm_amt_t *incoming_mib)
{
    for (size_t i = 0; i < nhosts; i++)
        incoming_mib[i] = 0;
    for (size_t i = 0; plan && i < npick; i++) {
        const struct pp_move *mv = &plan->move[pick[i]];
        if (mv->dom < ndoms && mv->to < nhosts)
            incoming_mib[mv->to] += doms[mv->dom].mem_mib;
    }
    /* An order in flight: its domain is not there yet unless its
     * destination already publishes it (then its free memory shows it).
     * One whose order did not decode names no destination. */
    for (size_t i = 0; i < nknown; i++) {
        const struct pop_known *k = &known[i];
        if (!pop_live(k) || !k->have_order)
            continue;
        size_t t = host_index(hosts, nhosts, k->order.to), d = dom_index(doms, ndoms, k->uuid);
        if (t < nhosts && d < ndoms && doms[d].host != t)
            incoming_mib[t] += doms[d].mem_mib;
    }
}

int pop_manual(const struct pp_host *hosts, size_t nhosts, const struct pp_domain *doms,
               size_t ndoms, const struct pop_known *known, size_t nknown,
               const plm_amt_t *incoming_mib, const char *dom, const char *to, size_t *dom_out,
               size_t *to_out, char *why, size_t whylen)
{
    size_t d = ndoms, t = nhosts, named = 0;

    for (size_t i = 0; i < ndoms; i++) {
        if (strcmp(doms[i].uuid, dom) == 0) {
            d = i;
            named = 1;
            break;
        }
        if (strcmp(doms[i].name, dom) == 0 && named++ == 0)
            d = i;
    }
    if (named == 0)
        return plm_errf(why, whylen, PLM_ENOENT, "no domain '%s' in the pool", dom);
    if (named > 1)
        return plm_errf(why, whylen, PLM_EINVAL, "%zu domains are named '%s': give its uuid", named,
                        dom);
    t = host_index(hosts, nhosts, to);
    if (t == nhosts)
        return plm_errf(why, whylen, PLM_ENOENT, "no host '%s' in the pool", to);
    const struct pp_domain *x = &doms[d];
    if (x->host == t)
        return plm_errf(why, whylen, PLM_EINVAL, "'%s' already runs on '%s'", dom, to);
    if (!x->migratable)
        return plm_errf(why, whylen, PLM_EINVAL, "'%s' cannot be migrated", dom);
    const struct pop_known *k = first_of(known, nknown, x->uuid);
    for (; k && k < known + nknown && strcmp(k->uuid, x->uuid) == 0; k++)
        if (pop_live(k))
            return plm_errf(why, whylen, PLM_EINVAL, "'%s' is being moved already (from '%s')", dom,
                            k->source);
    if (hosts[t].drain)
        return plm_errf(why, whylen, PLM_EINVAL, "'%s' is draining", to);
    /* Moves already bound there this round or in flight take their part
     * first: each may fit alone and the lot overcommit the host. */
    plm_amt_t bound = incoming_mib ? incoming_mib[t] : 0;
    plm_amt_t room = hosts[t].free_mib - hosts[t].headroom_mib - bound;
    if (room < x->mem_mib) {
        if (room < 0)
            room = 0;
        if (bound > 0)
            return plm_errf(why, whylen, PLM_EINVAL,
                            "'%s' has room for %lld MiB past its headroom and the %lld MiB of "
                            "moves bound for it, '%s' holds %lld MiB",
                            to, (long long)(room / PLM_UNITS(1)), (long long)(bound / PLM_UNITS(1)),
                            dom, (long long)(x->mem_mib / PLM_UNITS(1)));
        return plm_errf(why, whylen, PLM_EINVAL,
                        "'%s' has room for %lld MiB past its headroom, '%s' holds %lld MiB", to,
                        (long long)(room / PLM_UNITS(1)), dom,
                        (long long)(x->mem_mib / PLM_UNITS(1)));
    }
    *dom_out = d;
    *to_out = t;
    return 0;
}
