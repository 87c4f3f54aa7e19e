/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orders in etcd (pool_int.h, automatic mode), on the pool thread: the
 * leader writes an order for each new move of its plan, in a txn that
 * holds only while its candidate key keeps its election revision and the
 * order's key is absent, together with the domain's cooldown key (no
 * lease: it outlives restarts and leaders); it deletes a finished order
 * and its state POP_KEEP_MS after the final state was written.  Every
 * host reads the orders under its own name each round: one not of the
 * current leader's revision, not for a domain it holds, or reaching a
 * host not in automatic mode is refused (its state written with why,
 * once: a state written is never looked at again); the first good one is
 * accepted in a txn that holds only while its state key is absent (at
 * most once, across restarts too) and handed to the loop.  The loop's
 * reports are written as the order's state, kept until etcd takes them,
 * over whatever state etcd holds (the executing host knows how its
 * migration goes: a failed state the leader wrote for a source missing
 * two TTLs is its inference) unless the order was cleared
 * (pop_report_to); the order counts as finished only once its final
 * state is written, or, cleared, once the loop's final report is logged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/walltime.h"
#include "core/error.h"
#include "daemon/pool_int.h"
#include "daemon/pool_input.h"
#include "daemon/pool_orderplan.h"
#include "pool/pool_order.h"

/* Reports kept while etcd is down (pool_handoff.c keeps as many). */
#define PEND_MAX 64

static int cmp_known(const void *a, const void *b)
{
    return strcmp(((const struct pop_known *)a)->uuid, ((const struct pop_known *)b)->uuid);
}

int dmn_pool_orders_read(struct dmn_pool *p, struct pop_known **out, size_t *n)
{
    char prefix[PREC_KEY_MAX], src[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1], err[256];
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    enum pord_kind kind;
    int rc;

    *out = NULL;
    *n = 0;
    if (pord_prefix(p->pool, NULL, prefix, sizeof(prefix)))
        return PLM_EINVAL;
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    if (!(*out = calloc(r.n + 1, sizeof(**out)))) {
        etcd_range_free(&r);
        return PLM_ENOMEM;
    }
    /* Keys come sorted: an order's key, then its state's. */
    for (size_t i = 0; i < r.n; i++) {
        const struct etcd_kv *kv = &r.kvs[i];
        if (pord_parse_key(kv->key, kv->key_len, p->pool, src, uuid, &kind, err, sizeof(err))) {
            log_debug("pool '%s': a key under %s skipped: %s", p->pool, prefix, err);
            continue;
        }
        struct pop_known *last = *n ? &(*out)[*n - 1] : NULL;
        if (kind == PORD_STATE) {
            if (last && strcmp(last->uuid, uuid) == 0 && strcmp(last->source, src) == 0) {
                last->have_state = pord_decode_state(kv->value, kv->value_len, &last->state, err,
                                                     sizeof(err)) == 0;
                last->state_mod = kv->mod_revision;
            }
            continue; /* a state without its order: nothing holds the domain */
        }
        struct pop_known *x = &(*out)[(*n)++];
        memcpy(x->uuid, uuid, sizeof(x->uuid));
        memcpy(x->source, src, sizeof(x->source));
        x->have_order =
            pord_decode_order(kv->value, kv->value_len, &x->order, err, sizeof(err)) == 0;
        if (x->have_order)
            memcpy(x->order.uuid, uuid, sizeof(x->order.uuid));
    }
    etcd_range_free(&r);
    qsort(*out, *n, sizeof(**out), cmp_known);
    return 0;
}

/* The fence: our candidate key still has our election revision. */
static struct etcd_cmp fence(const struct dmn_pool *p)
{
    return (struct etcd_cmp){.target = ETCD_CMP_CREATE,
                             .result = ETCD_CMP_EQUAL,
                             .key = p->mykey,
                             .key_len = strlen(p->mykey),
                             .number = p->myrev};
}

/* A txn that failed: was it the fence (another leads) or only the other compares? */
static bool lost_fence(const struct dmn_pool *p, const struct etcd_txn_result *r)
{
    return !(r->nranges >= 1 && r->ranges[0].n == 1 &&
             r->ranges[0].kvs[0].create_revision == p->myrev);
}

/* src into dst, cut to fit (a name too long for dst fails its check later). */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* An order's key and its state's: false when it would not fit. */
static bool state_key(const char *okey, char *skey, size_t len)
{
    size_t n = strlen(okey);
    if (n + 7 > len)
        return false;
    memcpy(skey, okey, n);
    memcpy(skey + n, "/state", 7);
    return true;
}

/* What one order is of: the domain, its hosts, why, its cooldown's end,
 * and the manual request it answers (deleted with it; NULL: none). */
struct issue {
    size_t dom, from, to;
    enum pord_reason reason;
    uint64_t cooldown_until_ms;
    const char *request_key;
};

/* The address host publishes for migrations (as this round read it), else its name. */
static void dest_address(struct dmn_pool *p, const char *host, char *out, size_t len)
{
    snprintf(out, len, "%s", host);
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->pview.nhosts; i++)
        if (strcmp(p->pview.hosts[i].name, host) == 0 && p->pview.hosts[i].rec.address[0]) {
            snprintf(out, len, "%s", p->pview.hosts[i].rec.address);
            break;
        }
    pthread_mutex_unlock(&p->mu);
}

static int issue_one(struct dmn_pool *p, const struct issue *is, const struct pp_host *hosts,
                     const struct pp_domain *doms, bool *fenced)
{
    struct pord_order o = {0};
    char okey[PREC_KEY_MAX], ckey[PREC_KEY_MAX], val[PORD_VALUE_MAX], cool[24], err[256] = "";
    size_t len;
    struct etcd_txn_result r;
    int rc;

    snprintf(o.leader, sizeof(o.leader), "%s", p->host);
    o.revision = p->myrev;
    copy(o.uuid, sizeof(o.uuid), doms[is->dom].uuid);
    copy(o.name, sizeof(o.name), doms[is->dom].name);
    copy(o.from, sizeof(o.from), hosts[is->from].name);
    copy(o.to, sizeof(o.to), hosts[is->to].name);
    /* The destination is reached at the address it publishes, else by its name. */
    dest_address(p, o.to, o.addr, sizeof(o.addr));
    o.reason = is->reason;
    o.at_ms = plm_wall_ms();
    if (pord_order_key(p->pool, o.from, o.uuid, okey, sizeof(okey)) ||
        pord_encode_order(&o, val, sizeof(val), &len, err, sizeof(err))) {
        log_errx("pool '%s': cannot order the move of '%s': %s", p->pool, o.name, err);
        return 0;
    }
    snprintf(ckey, sizeof(ckey), "/xenplm/%s/cooldown/%s", p->pool, o.uuid);
    snprintf(cool, sizeof(cool), "%llu", (unsigned long long)is->cooldown_until_ms);
    struct etcd_cmp cmp[2] = {fence(p),
                              {.target = ETCD_CMP_CREATE,
                               .result = ETCD_CMP_EQUAL,
                               .key = okey,
                               .key_len = strlen(okey)}};
    struct etcd_op ops[3] = {
        {.kind = ETCD_OP_PUT, .keys = etcd_key(okey), .value = val, .value_len = len},
        {.kind = ETCD_OP_PUT, .keys = etcd_key(ckey), .value = cool, .value_len = strlen(cool)},
        {.kind = ETCD_OP_DELETE}};
    if (is->request_key)
        ops[2].keys = etcd_key(is->request_key);
    struct etcd_op get = {.kind = ETCD_OP_RANGE, .keys = etcd_key(p->mykey)};
    struct etcd_txn t = {.cmp = cmp,
                         .ncmp = 2,
                         .success = ops,
                         .nsuccess = is->request_key ? 3 : 2,
                         .failure = &get,
                         .nfailure = 1};
    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    if (r.succeeded)
        log_info("pool '%s': ordered '%s' (%s) from '%s' to '%s' (%s), election revision %lld; "
                 "cooldown until %s",
                 p->pool, o.name, o.uuid, o.from, o.to, pord_reason_name(o.reason),
                 (long long)o.revision, cool);
    else if (lost_fence(p, &r))
        *fenced = true;
    /* Else an order for it was written meanwhile: the next round sees it. */
    etcd_txn_result_free(&r);
    return 0;
}

static int clear_one(struct dmn_pool *p, const struct pop_known *k, bool *fenced);

/* A manual move refused: the answer written, the request deleted, fenced. */
static int refuse_request(struct dmn_pool *p, const char *rkey, const char *dom, const char *why,
                          bool *fenced)
{
    char akey[PREC_KEY_MAX], val[PORD_VALUE_MAX], err[256] = "";
    size_t len;
    struct etcd_txn_result r;
    struct pord_state s = {.revision = p->myrev, .at_ms = plm_wall_ms(), .phase = PORD_REFUSED};
    int rc;

    snprintf(s.why, sizeof(s.why), "%s", why);
    if (pord_move_key(p->pool, dom, true, akey, sizeof(akey)) ||
        pord_encode_state(&s, val, sizeof(val), &len, err, sizeof(err)))
        return 0;
    struct etcd_cmp cmp = fence(p);
    struct etcd_op ops[2] = {
        {.kind = ETCD_OP_PUT, .keys = etcd_key(akey), .value = val, .value_len = len},
        {.kind = ETCD_OP_DELETE, .keys = etcd_key(rkey)}};
    struct etcd_op get = {.kind = ETCD_OP_RANGE, .keys = etcd_key(p->mykey)};
    struct etcd_txn t = {
        .cmp = &cmp, .ncmp = 1, .success = ops, .nsuccess = 2, .failure = &get, .nfailure = 1};
    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    if (r.succeeded)
        log_warnx("pool '%s': the manual move of '%s' is refused: %s", p->pool, dom, why);
    else if (lost_fence(p, &r))
        *fenced = true;
    etcd_txn_result_free(&r);
    return 0;
}

/* A refusal read five minutes ago or more: deleted, fenced, if unchanged. */
static int clear_answer(struct dmn_pool *p, const struct etcd_kv *kv, bool *fenced)
{
    struct etcd_txn_result r;
    int rc;
    struct etcd_cmp cmp[2] = {fence(p),
                              {.target = ETCD_CMP_MOD,
                               .result = ETCD_CMP_EQUAL,
                               .key = kv->key,
                               .key_len = kv->key_len,
                               .number = kv->mod_revision}};
    struct etcd_op del = {.kind = ETCD_OP_DELETE, .keys = {.key = kv->key, .key_len = kv->key_len}};
    struct etcd_op get = {.kind = ETCD_OP_RANGE, .keys = etcd_key(p->mykey)};
    struct etcd_txn t = {
        .cmp = cmp, .ncmp = 2, .success = &del, .nsuccess = 1, .failure = &get, .nfailure = 1};

    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    if (!r.succeeded && lost_fence(p, &r))
        *fenced = true;
    etcd_txn_result_free(&r);
    return 0;
}

/* The manual moves asked (`xenplm pool migrate`), each ordered or refused;
 * refusals cleared five minutes after they were written. */
static int manual_moves(struct dmn_pool *p, const struct pp_host *hosts, size_t nh,
                        const struct pp_domain *doms, size_t nd, const struct pop_known *known,
                        size_t nknown, plm_amt_t *incoming_mib, uint64_t cooldown_ms, bool *fenced)
{
    char prefix[PREC_KEY_MAX], dom[PORD_DOM_MAX + 1], why[PORD_WHY_MAX + 1];
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    struct pord_request req;
    bool answer;
    int rc;

    if (pord_move_key(p->pool, NULL, false, prefix, sizeof(prefix)))
        return 0;
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    for (size_t i = 0; i < r.n && rc == 0 && !*fenced; i++) {
        const struct etcd_kv *kv = &r.kvs[i];
        if (pord_parse_move_key(kv->key, kv->key_len, p->pool, dom, &answer))
            continue;
        if (answer) {
            struct pord_state st;
            if (pord_decode_state(kv->value, kv->value_len, &st, why, sizeof(why)) == 0 &&
                pop_state_over(&st, plm_wall_ms()))
                rc = clear_answer(p, kv, fenced);
            continue;
        }
        struct issue is = {.reason = PORD_MANUAL, .request_key = kv->key};
        int bad = pord_decode_request(kv->value, kv->value_len, true, &req, why, sizeof(why));
        if (bad == 0)
            bad = pop_manual(hosts, nh, doms, nd, known, nknown, incoming_mib, dom, req.to, &is.dom,
                             &is.to, why, sizeof(why));
        if (bad) {
            rc = refuse_request(p, kv->key, dom, why, fenced);
            continue;
        }
        is.from = doms[is.dom].host;
        is.cooldown_until_ms = plm_wall_ms() + cooldown_ms;
        /* A finished order from the same host holds the key: cleared first. */
        const struct pop_known *old =
            pop_finished_at(known, nknown, doms[is.dom].uuid, hosts[is.from].name);
        if (old && ((rc = clear_one(p, old, fenced)) || *fenced))
            continue;
        rc = issue_one(p, &is, hosts, doms, fenced);
        /* Bound for there from now on, whether etcd took it or not: the
         * next manual move counts it (never too little room counted). */
        incoming_mib[is.to] += doms[is.dom].mem_mib;
    }
    etcd_range_free(&r);
    return rc;
}

static int clear_one(struct dmn_pool *p, const struct pop_known *k, bool *fenced)
{
    char okey[PREC_KEY_MAX], skey[PREC_KEY_MAX];
    struct etcd_txn_result r;
    int rc;

    if (pord_order_key(p->pool, k->source, k->uuid, okey, sizeof(okey)) ||
        pord_state_key(p->pool, k->source, k->uuid, skey, sizeof(skey)))
        return 0;
    struct etcd_cmp cmp[2] = {fence(p),
                              {.target = ETCD_CMP_MOD,
                               .result = ETCD_CMP_EQUAL,
                               .key = skey,
                               .key_len = strlen(skey),
                               .number = k->state_mod}};
    struct etcd_op ops[2] = {{.kind = ETCD_OP_DELETE, .keys = etcd_key(okey)},
                             {.kind = ETCD_OP_DELETE, .keys = etcd_key(skey)}};
    struct etcd_op get = {.kind = ETCD_OP_RANGE, .keys = etcd_key(p->mykey)};
    struct etcd_txn t = {
        .cmp = cmp, .ncmp = 2, .success = ops, .nsuccess = 2, .failure = &get, .nfailure = 1};
    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    if (r.succeeded)
        log_debug("pool '%s': cleared the %s order of %s from '%s'", p->pool,
                  pord_phase_name(k->state.phase), k->uuid, k->source);
    else if (lost_fence(p, &r))
        *fenced = true;
    etcd_txn_result_free(&r);
    return 0;
}

static int write_state(struct dmn_pool *p, const char *okey, int64_t mod,
                       const struct pord_state *s, bool *written);
static void say(struct dmn_pool *p, const char *okey, enum pord_phase ph, const char *why);

/* An order whose source left the pool with it in hand: failed, for the
 * planner to count its domain where the records say (nowhere, or home). */
static int fail_orphan(struct dmn_pool *p, const struct pop_known *k)
{
    char okey[PREC_KEY_MAX];
    struct pord_state s = {.at_ms = plm_wall_ms(), .phase = PORD_FAILED};
    bool written;
    int rc;

    if (pord_order_key(p->pool, k->source, k->uuid, okey, sizeof(okey)))
        return 0;
    s.revision = k->have_order ? k->order.revision : k->have_state ? k->state.revision : 1;
    if (s.revision <= 0)
        s.revision = 1;
    snprintf(s.why, sizeof(s.why), "its source '%s' left the pool while it held the order",
             k->source);
    if ((rc = write_state(p, okey, k->state_mod, &s, &written)))
        return rc;
    if (written)
        say(p, okey, s.phase, s.why);
    return 0;
}

int dmn_pool_orders_issue(struct dmn_pool *p, const struct pp_plan *plan,
                          const struct pp_host *hosts, size_t nh, const struct pp_domain *doms,
                          size_t nd, const struct pop_known *known, size_t nknown,
                          uint64_t cooldown_ms, bool *fenced)
{
    size_t pick[PP_MAX_MOVES];
    uint64_t now = plm_wall_ms();
    size_t n = pop_new(plan, hosts, nh, doms, nd, known, nknown, now,
                       POP_SETTLE_INTERVALS * p->interval_ms, pick);
    int rc;

    *fenced = false;
    for (size_t i = 0; i < n && !*fenced; i++) {
        const struct pp_move *mv = &plan->move[pick[i]];
        struct issue is = {.dom = mv->dom,
                           .from = mv->from,
                           .to = mv->to,
                           .reason = mv->reason == PP_DRAIN ? PORD_DRAIN : PORD_BALANCE,
                           .cooldown_until_ms = mv->cooldown_until_ms};
        /* A finished order from the same host holds the key: cleared first. */
        const struct pop_known *old =
            pop_finished_at(known, nknown, doms[mv->dom].uuid, hosts[mv->from].name);
        if (old && ((rc = clear_one(p, old, fenced)) || *fenced))
            return rc;
        if ((rc = issue_one(p, &is, hosts, doms, fenced)))
            return rc;
    }
    /* Manual moves, after the plan's (the plan's own are in known only
     * from the next round: a manual move of a domain just ordered finds
     * its order key taken and waits a round), with the memory those and
     * the orders in flight bind for each destination. */
    if (!*fenced) {
        plm_amt_t *incoming = calloc(nh ? nh : 1, sizeof(*incoming));
        if (!incoming)
            return PLM_ENOMEM;
        pop_incoming(plan, pick, n, nh, doms, nd, known, nknown, hosts, incoming);
        rc = manual_moves(p, hosts, nh, doms, nd, known, nknown, incoming, cooldown_ms, fenced);
        free(incoming);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < nknown && !*fenced; i++)
        if (pop_expired(&known[i], now) && (rc = clear_one(p, &known[i], fenced)))
            return rc;
    /* An orphaned order fails once its source has been missing for two
     * TTLs: long enough for a host whose lease lapsed (a starved dom0) to
     * join again and carry on with it. */
    uint64_t grace_ms = 2 * p->ttl_ms;
    struct pop_missing missing[POP_MISSING_MAX];
    size_t nm = pop_missing_update(known, nknown, hosts, nh, p->missing, p->nmissing, now, missing);
    for (size_t i = 0; i < nm; i++)
        if (missing[i].since_ms == now)
            log_info("pool '%s': host '%s' holds an order and left the pool: its orders fail "
                     "if it is not back within %llu s",
                     p->pool, missing[i].name, (unsigned long long)(grace_ms / 1000));
    for (size_t i = 0; i < p->nmissing; i++)
        if (pop_missing_back(&p->missing[i], missing, nm, hosts, nh))
            log_info("pool '%s': host '%s' is back in the pool after %llu s: its orders stand",
                     p->pool, p->missing[i].name,
                     (unsigned long long)((now - p->missing[i].since_ms) / 1000));
    memcpy(p->missing, missing, nm * sizeof(*missing));
    p->nmissing = nm;
    for (size_t i = 0; i < nknown && !*fenced; i++)
        if (pop_orphan(&known[i], hosts, nh) &&
            pop_orphan_due(&known[i], p->missing, p->nmissing, now, grace_ms) &&
            (rc = fail_orphan(p, &known[i])))
            return rc;
    return 0;
}

/* The executing host's side. */

/* Write a state, in a txn holding only while the state key's mod
 * revision is mod (0: absent).  *written: etcd took it. */
static int write_state(struct dmn_pool *p, const char *okey, int64_t mod,
                       const struct pord_state *s, bool *written)
{
    char skey[PREC_KEY_MAX], val[PORD_VALUE_MAX], err[256] = "the key is too long";
    size_t len;
    struct etcd_txn_result r;
    int rc;

    *written = false;
    if (!state_key(okey, skey, sizeof(skey)) ||
        pord_encode_state(s, val, sizeof(val), &len, err, sizeof(err))) {
        log_errx("pool '%s': cannot write the state of order %s: %s", p->pool, okey, err);
        *written = true; /* nothing to keep: it would fail again */
        return 0;
    }
    struct etcd_cmp cmp = {.target = mod ? ETCD_CMP_MOD : ETCD_CMP_CREATE,
                           .result = ETCD_CMP_EQUAL,
                           .key = skey,
                           .key_len = strlen(skey),
                           .number = mod};
    struct etcd_op put = {
        .kind = ETCD_OP_PUT, .keys = etcd_key(skey), .value = val, .value_len = len};
    struct etcd_txn t = {.cmp = &cmp, .ncmp = 1, .success = &put, .nsuccess = 1};
    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    *written = r.succeeded;
    etcd_txn_result_free(&r);
    return 0;
}

/* An order for this host, in the phase it just wrote: counted for the
 * summary (pool.h; not the leader's orders for others). */
static void tally(struct dmn_pool *p, enum pord_phase ph)
{
    pthread_mutex_lock(&p->mu);
    if (ph == PORD_ACCEPTED)
        p->sum.orders_accepted++;
    else if (ph == PORD_REFUSED)
        p->sum.orders_refused++;
    else if (ph == PORD_DONE)
        p->sum.orders_done++;
    else if (ph == PORD_FAILED)
        p->sum.orders_failed++;
    pthread_mutex_unlock(&p->mu);
}

static void say(struct dmn_pool *p, const char *okey, enum pord_phase ph, const char *why)
{
    if (ph == PORD_REFUSED || ph == PORD_FAILED)
        log_warnx("pool '%s': order %s %s: %s", p->pool, okey, pord_phase_name(ph), why);
    else
        log_info("pool '%s': order %s %s", p->pool, okey, pord_phase_name(ph));
}

/* Said once per order: a report on the order in flight whose state is
 * final in etcd, though this host has not ended it (the leader's, for a
 * source missing two TTLs), written over all the same (pop_report_to). */
static void say_over(struct dmn_pool *p, const char *okey, const struct pord_state *cur)
{
    if (p->run_said)
        return;
    p->run_said = true;
    log_warnx("pool '%s': order %s was written %s in etcd while this host carried it out "
              "(%s); its migration went on here, and its reports are written over that",
              p->pool, okey, pord_phase_name(cur->phase),
              cur->why[0] ? cur->why : "no reason given");
}

/* A report on the order in flight, its order and state no longer in etcd
 * (cleared): not written, said once, and ends the order here when final. */
static void gone(struct dmn_pool *p, const char *okey, const struct pord_state *s)
{
    if (!p->run_said)
        log_warnx("pool '%s': order %s is no longer in etcd while this host carries it out: "
                  "its reports are not written",
                  p->pool, okey);
    p->run_said = true;
    if (!pord_final(s->phase))
        return;
    log_warnx("pool '%s': order %s %s here%s%s%s, and is no longer in etcd: the domain is "
              "where the hosts' records say",
              p->pool, okey, pord_phase_name(s->phase), s->phase == PORD_FAILED ? " (" : "",
              s->phase == PORD_FAILED ? s->why : "", s->phase == PORD_FAILED ? ")" : "");
    p->running = false;
}

/* Whether the key is in etcd (*there). */
static int key_there(struct dmn_pool *p, const char *key, bool *there)
{
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE, .keys_only = true};
    struct etcd_keys k = etcd_key(key);
    int rc = etcd_range(p->etcd, &k, &o, &r);
    if (rc)
        return rc;
    *there = r.n == 1;
    etcd_range_free(&r);
    return 0;
}

/* The loop's reports, oldest first, until etcd stops answering. */
static int write_reports(struct dmn_pool *p)
{
    size_t n = 0;
    struct dmn_pool_order_report *got = dmn_pool_take_reports(p, &n);
    int rc = 0;

    if (n && !p->pend)
        p->pend = calloc(PEND_MAX, sizeof(*p->pend));
    for (size_t i = 0; i < n && p->pend; i++) {
        if (p->npend == PEND_MAX) {
            memmove(p->pend, p->pend + 1, (PEND_MAX - 1) * sizeof(*p->pend));
            p->npend--;
        }
        p->pend[p->npend++] = got[i];
    }
    free(got);
    int tries = 0;
    while (p->npend) {
        const struct dmn_pool_order_report *rep = &p->pend[0];
        bool ours = p->running && strcmp(rep->key, p->run.key) == 0, written = true;
        if (ours) {
            struct pord_state s = {.revision = p->run.revision, .at_ms = plm_wall_ms()};
            s.phase = rep->phase == DMN_ORDER_DONE     ? PORD_DONE
                      : rep->phase == DMN_ORDER_FAILED ? PORD_FAILED
                                                       : PORD_RUNNING;
            s.pct = rep->pct > 100 ? 100 : rep->pct;
            snprintf(s.why, sizeof(s.why), "%s", rep->why[0] ? rep->why : "no reason given");
            /* The loop's word is the latest, over the state as etcd holds
             * it now, unless the order was cleared (pop_report_to). */
            char skey[PREC_KEY_MAX], why[DMN_ORDER_WHY_MAX];
            struct etcd_range r;
            struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
            if (!state_key(rep->key, skey, sizeof(skey)))
                skey[0] = '\0';
            struct etcd_keys k = etcd_key(skey);
            if ((rc = etcd_range(p->etcd, &k, &o, &r)))
                return rc;
            struct pord_state cur = {.phase = PORD_RUNNING};
            bool present = r.n == 1, order_there = true;
            bool decoded = present && pord_decode_state(r.kvs[0].value, r.kvs[0].value_len, &cur,
                                                        why, sizeof(why)) == 0;
            int64_t mod = present ? r.kvs[0].mod_revision : 0;
            etcd_range_free(&r);
            if (!present && (rc = key_there(p, rep->key, &order_there)))
                return rc;
            enum pop_report to = pop_report_to(present, decoded, cur.phase, order_there);
            if (to == POP_REPORT_GONE) {
                gone(p, rep->key, &s);
            } else {
                if (to == POP_REPORT_OVER)
                    say_over(p, rep->key, &cur);
                if ((rc = write_state(p, rep->key, mod, &s, &written)))
                    return rc;
                if (!written) {
                    if (++tries < 3)
                        continue; /* changed since read: read it again */
                    return 0;     /* kept for the next round */
                }
                if (pord_final(s.phase)) {
                    say(p, rep->key, s.phase, s.why);
                    tally(p, s.phase);
                    p->running = false; /* finished once its final state is in etcd */
                }
            }
        } else {
            log_debug("pool '%s': a report on %s, not the order in flight, dropped", p->pool,
                      rep->key);
        }
        memmove(p->pend, p->pend + 1, (p->npend - 1) * sizeof(*p->pend));
        p->npend--;
        tries = 0;
    }
    return 0;
}

int dmn_pool_orders_flush(struct dmn_pool *p)
{
    return write_reports(p);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const struct pop_dest *)a)->name, ((const struct pop_dest *)b)->name);
}

static bool holds(const struct dmn_pool *p, const char *uuid)
{
    for (size_t i = 0; p->took && i < p->ncur; i++)
        if (strcmp(p->cur[i].uuid, uuid) == 0)
            return true;
    return false;
}

/* One order read under our name, with its state's kv (NULL: none). */
static int one_order(struct dmn_pool *p, const struct etcd_kv *kv, const struct etcd_kv *st,
                     const char *src, const char *uuid, const struct pop_host *h)
{
    struct pord_order o;
    struct pord_state s = {.at_ms = plm_wall_ms()};
    char why[DMN_ORDER_WHY_MAX];
    bool written;
    int rc;

    if (st) {
        struct pord_state cur;
        if (pord_decode_state(st->value, st->value_len, &cur, why, sizeof(why)) == 0 &&
            pord_final(cur.phase))
            return 0;
        if (p->running && strcmp(p->run.key, kv->key) == 0)
            return 0; /* ours, in flight */
        /* Accepted by an earlier run of this daemon, never finished: not
         * run again.  That run left xl migrate to end by itself
         * (mig_guard.h), which leaves the guest on one host whatever
         * happens; the state says where it is now, as this host's
         * records (read first) place it, and nothing here is resumed. */
        if (!p->took)
            return 0;
        s.revision = cur.revision > 0 ? cur.revision : 1;
        s.phase = PORD_FAILED;
        snprintf(s.why, sizeof(s.why), "%s",
                 h->holds ? "xenplmd stopped during the migration; the domain runs here"
                          : "xenplmd stopped during the migration; the domain does not run "
                            "here now (xl, left running, may have moved it)");
        if ((rc = write_state(p, kv->key, st->mod_revision, &s, &written)))
            return rc;
        if (written) {
            say(p, kv->key, s.phase, s.why);
            tally(p, s.phase);
        }
        return 0;
    }
    rc = pord_decode_order(kv->value, kv->value_len, &o, why, sizeof(why));
    if (rc == 0) {
        memcpy(o.uuid, uuid, sizeof(o.uuid));
        rc = pop_check(&o, src, h, why, sizeof(why));
    }
    if (rc == PLM_ENOENT)
        return 0; /* no leader known: looked at again next round */
    s.revision = rc == 0 || o.revision > 0 ? o.revision : 1;
    if (rc) {
        s.phase = PORD_REFUSED;
        snprintf(s.why, sizeof(s.why), "%s", why);
    } else if (p->running) {
        return 0; /* one at a time: waits its turn, not yet accepted */
    } else {
        s.phase = PORD_ACCEPTED;
    }
    if ((rc = write_state(p, kv->key, 0, &s, &written)))
        return rc;
    if (!written)
        return 0; /* a state appeared meanwhile: another run of ours took it */
    say(p, kv->key, s.phase, s.why);
    tally(p, s.phase);
    if (s.phase != PORD_ACCEPTED)
        return 0;
    struct dmn_pool_order give = {.revision = o.revision, .timeout_ms = 0};
    snprintf(give.key, sizeof(give.key), "%s", kv->key);
    memcpy(give.uuid, o.uuid, sizeof(give.uuid));
    snprintf(give.dest, sizeof(give.dest), "%s", o.to);
    snprintf(give.dest_addr, sizeof(give.dest_addr), "%s", o.addr);
    if (!dmn_pool_give_order(p, &give)) {
        /* Cannot happen while running is ours to set; said if it does. */
        log_errx("pool '%s': order %s accepted but the loop's slot is taken", p->pool, kv->key);
        return 0;
    }
    p->run = give;
    p->running = true;
    p->run_said = false;
    return 0;
}

int dmn_pool_orders_host(struct dmn_pool *p)
{
    char prefix[PREC_KEY_MAX], src[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1], err[256];
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    enum pord_kind kind;
    int rc;

    if ((rc = write_reports(p)))
        return rc;
    if (pord_prefix(p->pool, p->host, prefix, sizeof(prefix)))
        return 0;
    struct pop_host h = {.self = p->host, .automatic = p->automatic};
    char leader[PLM_POOL_NAME_MAX + 1];
    struct pop_dest *names = NULL;
    pthread_mutex_lock(&p->mu);
    h.leader_known = p->view.known && p->view.host[0];
    h.leader_rev = p->view.rev;
    snprintf(leader, sizeof(leader), "%s", p->view.host);
    if (p->pview.nhosts && (names = calloc(p->pview.nhosts, sizeof(*names)))) {
        for (size_t i = 0; i < p->pview.nhosts; i++) {
            snprintf(names[i].name, sizeof(names[i].name), "%s", p->pview.hosts[i].name);
            snprintf(names[i].address, sizeof(names[i].address), "%s",
                     p->pview.hosts[i].rec.address);
        }
        h.nhosts = p->pview.nhosts;
    }
    pthread_mutex_unlock(&p->mu);
    if (names)
        qsort(names, h.nhosts, sizeof(*names), cmp_names);
    h.leader_host = leader;
    h.hosts = names;
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r))) {
        free(names);
        return rc;
    }
    for (size_t i = 0; i < r.n && rc == 0; i++) {
        const struct etcd_kv *kv = &r.kvs[i];
        if (pord_parse_key(kv->key, kv->key_len, p->pool, src, uuid, &kind, err, sizeof(err)) ||
            kind != PORD_ORDER)
            continue;
        const struct etcd_kv *st = NULL;
        if (i + 1 < r.n && r.kvs[i + 1].key_len == kv->key_len + 6 &&
            memcmp(r.kvs[i + 1].key, kv->key, kv->key_len) == 0 &&
            memcmp(r.kvs[i + 1].key + kv->key_len, "/state", 6) == 0)
            st = &r.kvs[++i];
        h.holds = holds(p, uuid);
        rc = one_order(p, kv, st, src, uuid, &h);
    }
    etcd_range_free(&r);
    free(names);
    return rc;
}

int dmn_pool_cooldowns_clear(struct dmn_pool *p, const struct pin_cooldown *cool, size_t ncool,
                             const struct pop_known *known, size_t nknown, bool *fenced)
{
    uint64_t now = plm_wall_ms();
    size_t done = 0;
    int rc;

    *fenced = false;
    for (size_t i = 0; i < ncool && done < POP_COOL_CLEAR_MAX && !*fenced; i++) {
        char key[PREC_KEY_MAX], val[24];
        struct etcd_txn_result r;
        if (!pop_cooldown_over(cool[i].uuid, cool[i].until_ms, now, known, nknown))
            continue;
        snprintf(key, sizeof(key), "/xenplm/%s/cooldown/%s", p->pool, cool[i].uuid);
        snprintf(val, sizeof(val), "%llu", (unsigned long long)cool[i].until_ms);
        /* Only the value read: a cooldown written anew meanwhile stays. */
        struct etcd_cmp cmp[2] = {fence(p),
                                  {.target = ETCD_CMP_VALUE,
                                   .result = ETCD_CMP_EQUAL,
                                   .key = key,
                                   .key_len = strlen(key),
                                   .value = val,
                                   .value_len = strlen(val)}};
        struct etcd_op del = {.kind = ETCD_OP_DELETE, .keys = etcd_key(key)};
        struct etcd_op get = {.kind = ETCD_OP_RANGE, .keys = etcd_key(p->mykey)};
        struct etcd_txn t = {
            .cmp = cmp, .ncmp = 2, .success = &del, .nsuccess = 1, .failure = &get, .nfailure = 1};
        if ((rc = etcd_txn(p->etcd, &t, &r)))
            return rc;
        if (!r.succeeded && lost_fence(p, &r))
            *fenced = true;
        etcd_txn_result_free(&r);
        done++;
    }
    if (done)
        log_debug("pool '%s': %zu cooldowns over, deleted", p->pool, done);
    return 0;
}
