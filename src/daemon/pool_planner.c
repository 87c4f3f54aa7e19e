/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The leader's round (pool_int.h), on the pool thread: read every host's
 * records and the cooldowns from etcd, decode them strictly (a host with
 * a bad record is left out of the plan, and logged once until its
 * records are good again), build the planner's input (pool_input.c),
 * plan (engine/pool_plan.c, bounded) and publish the plan under
 * /xenplm/<pool>/plan in a txn that holds only while our candidate key
 * still has our election revision (fencing), under our lease.  Every
 * host also reads the drains, the orders and the manual moves for its
 * view; in automatic mode the orders not finished are the planner's
 * migrating domains, and the leader then writes its orders
 * (pool_orders.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/walltime.h"
#include "core/error.h"
#include "daemon/pool_int.h"
#include "daemon/pool_input.h"
#include "daemon/pool_orderplan.h"
#include "daemon/pool_plantext.h"
#include "pool/pool_leader.h"

int dmn_pool_plan_init(struct dmn_pool *p)
{
    p->plan_prev = calloc(1, sizeof(*p->plan_prev));
    p->plan_next = calloc(1, sizeof(*p->plan_next));
    p->warned.name = calloc(PP_MAX_HOSTS, sizeof(*p->warned.name));
    p->warned.max = PP_MAX_HOSTS;
    p->seen = calloc(PP_MAX_HOSTS, sizeof(*p->seen));
    return p->plan_prev && p->plan_next && p->warned.name && p->seen ? 0 : PLM_ENOMEM;
}

void dmn_pool_plan_reset(struct dmn_pool *p)
{
    p->plan_have_prev = false;
    free(p->plan_text);
    p->plan_text = NULL;
    p->plan_len = 0;
}

void dmn_pool_plan_dispose(struct dmn_pool *p)
{
    if (p->work_ready)
        pp_work_dispose(&p->work);
    p->work_ready = false;
    free(p->plan_prev);
    free(p->plan_next);
    free(p->warned.name);
    free(p->seen);
    free(p->plan_text);
}

/* A host's bad records: logged once, until they are good again or the host is gone. */
static void bad_host(struct dmn_pool *p, const char *host, const char *why)
{
    if (pin_said_add(&p->warned, host))
        log_warnx("pool '%s': host '%s' is left out of the plan: %s", p->pool, host, why);
}

static void good_host(struct dmn_pool *p, const char *host)
{
    if (pin_said_del(&p->warned, host))
        log_info("pool '%s': host '%s' is in the plan again", p->pool, host);
}

/* What a range read of the hosts' records decodes to. */
struct pool_read {
    struct pin_host *hosts;
    size_t nhosts;
    struct prec_domain *doms;
    size_t ndoms;
};

/* Close the host being read: kept when whole (its host record, as many domains as it says). */
static void close_host(struct dmn_pool *p, struct pool_read *r, bool bad, bool have_rec,
                       const char *why)
{
    struct pin_host *h = &r->hosts[r->nhosts];
    h->n = r->ndoms - h->first;
    if (!bad && !have_rec) {
        bad = true;
        why = "no host record";
    }
    if (!bad && h->rec.ndomains != h->n) {
        /* Mid-publish (more than one txn): not an error, the next read is whole. */
        log_debug("pool '%s': host '%s' has %zu of its %zu domain records; not planned this round",
                  p->pool, h->name, h->n, h->rec.ndomains);
        r->ndoms = h->first;
        return;
    }
    if (bad) {
        bad_host(p, h->name, why);
        r->ndoms = h->first;
        return;
    }
    good_host(p, h->name);
    r->nhosts++;
}

static int read_hosts(struct dmn_pool *p, struct pool_read *out)
{
    char prefix[PREC_KEY_MAX], host[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1];
    char err[256], why[300] = "";
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    enum prec_kind kind;
    int rc;

    snprintf(prefix, sizeof(prefix), "/xenplm/%s/hosts/", p->pool);
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    memset(out, 0, sizeof(*out));
    out->hosts = calloc(r.n + 1, sizeof(*out->hosts));
    out->doms = calloc(r.n + 1, sizeof(*out->doms));
    if (!out->hosts || !out->doms) {
        etcd_range_free(&r);
        return PLM_ENOMEM;
    }
    bool open = false, bad = false, have_rec = false;
    size_t nseen = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct etcd_kv *kv = &r.kvs[i];
        if (prec_parse_key(kv->key, kv->key_len, p->pool, host, &kind, uuid, err, sizeof(err))) {
            /* Whose it is cannot be told: skipped (logged at debug, not per host). */
            log_debug("pool '%s': a key under %s skipped: %s", p->pool, prefix, err);
            continue;
        }
        if (!open || strcmp(host, out->hosts[out->nhosts].name) != 0) {
            if (open)
                close_host(p, out, bad, have_rec, why);
            if (out->nhosts == PP_MAX_HOSTS) {
                open = false;
                break;
            }
            struct pin_host *h = &out->hosts[out->nhosts];
            memset(h, 0, sizeof(*h));
            memcpy(h->name, host, sizeof(h->name));
            if (nseen < PP_MAX_HOSTS)
                memcpy(p->seen[nseen], host, sizeof(*p->seen));
            nseen++;
            h->first = out->ndoms;
            open = true;
            bad = have_rec = false;
        }
        if (bad)
            continue;
        if (kind == PREC_HOST) {
            rc = prec_decode_host(kv->value, kv->value_len, &out->hosts[out->nhosts].rec, err,
                                  sizeof(err));
            have_rec = rc == 0;
        } else {
            struct prec_domain *d = &out->doms[out->ndoms];
            rc = prec_decode_domain(kv->value, kv->value_len, d, err, sizeof(err));
            if (rc == 0) {
                memcpy(d->uuid, uuid, sizeof(d->uuid));
                out->ndoms++;
            }
        }
        if (rc) {
            bad = true;
            snprintf(why, sizeof(why), "%s", err);
        }
    }
    if (open)
        close_host(p, out, bad, have_rec, why);
    etcd_range_free(&r);
    /* A host whose keys are gone (it left the pool, its lease expired) is
     * no longer left out: forgotten, said again if it comes back bad
     * (unless more hosts were seen than the scratch holds: kept then). */
    size_t gone = nseen <= PP_MAX_HOSTS ? pin_said_prune(&p->warned, p->seen, nseen) : 0;
    if (gone)
        log_debug("pool '%s': %zu hosts left out of the plan have left the pool", p->pool, gone);
    return 0;
}

static int cmp_cool(const void *a, const void *b)
{
    return strcmp(((const struct pin_cooldown *)a)->uuid, ((const struct pin_cooldown *)b)->uuid);
}

static int read_cooldowns(struct dmn_pool *p, struct pin_cooldown **out, size_t *n)
{
    char prefix[PREC_KEY_MAX];
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    int rc;

    *out = NULL;
    *n = 0;
    snprintf(prefix, sizeof(prefix), "/xenplm/%s/cooldown/", p->pool);
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    *out = calloc(r.n + 1, sizeof(**out));
    if (!*out) {
        etcd_range_free(&r);
        return PLM_ENOMEM;
    }
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < r.n; i++) {
        const struct etcd_kv *kv = &r.kvs[i];
        struct pin_cooldown *c = &(*out)[*n];
        if (kv->key_len != pl + PREC_UUID_LEN ||
            pin_decode_cooldown(kv->value, kv->value_len, &c->until_ms))
            continue; /* not one: ignored */
        memcpy(c->uuid, kv->key + pl, PREC_UUID_LEN);
        c->uuid[PREC_UUID_LEN] = '\0';
        if (!prec_uuid_ok(c->uuid))
            continue; /* a NUL or another byte no uuid has: not one either */
        (*n)++;
    }
    etcd_range_free(&r);
    qsort(*out, *n, sizeof(**out), cmp_cool);
    return 0;
}

/* The domains of the orders not finished (the planner's migrating
 * ones), sorted by uuid as the orders are. */
static int busy_of(const struct pop_known *known, size_t nknown, char (**busy)[PREC_UUID_LEN + 1],
                   size_t *nbusy)
{
    *nbusy = 0;
    if (!(*busy = calloc(nknown + 1, sizeof(**busy))))
        return PLM_ENOMEM;
    for (size_t i = 0; i < nknown; i++)
        if (pop_live(&known[i]))
            memcpy((*busy)[(*nbusy)++], known[i].uuid, PREC_UUID_LEN + 1);
    return 0;
}

/* Publish the plan while our leadership lasts: false when etcd refused it (another leads). */
static int publish_plan(struct dmn_pool *p, const char *text, size_t len, bool *fenced_out)
{
    char key[PREC_KEY_MAX];
    struct etcd_txn_result r;
    int rc;

    snprintf(key, sizeof(key), "/xenplm/%s/plan", p->pool);
    struct etcd_cmp fence = {.target = ETCD_CMP_CREATE,
                             .result = ETCD_CMP_EQUAL,
                             .key = p->mykey,
                             .key_len = strlen(p->mykey),
                             .number = p->myrev};
    struct etcd_op put = {.kind = ETCD_OP_PUT,
                          .keys = etcd_key(key),
                          .value = text,
                          .value_len = len,
                          .lease = p->lease};
    struct etcd_txn t = {.cmp = &fence, .ncmp = 1, .success = &put, .nsuccess = 1};
    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    *fenced_out = !r.succeeded;
    etcd_txn_result_free(&r);
    return 0;
}

/* The moves' lines of a plan's text (for telling a changed plan). */
static const char *moves_of(const char *text)
{
    const char *m = text ? strstr(text, "\nmove ") : NULL;
    return m ? m : "";
}

/* The hosts read, with their demand per level, for `xenplm pool status`. */
static int set_view(struct dmn_pool *p, const struct pool_read *rd,
                    const char (*drains)[PLM_POOL_NAME_MAX + 1], size_t ndrains,
                    const struct pop_known *known, size_t nknown)
{
    struct dmn_pool_hostview *v = calloc(rd->nhosts + 1, sizeof(*v));
    struct pop_known *o = malloc((nknown + 1) * sizeof(*o));

    if (!v || !o) {
        free(v);
        free(o);
        return PLM_ENOMEM;
    }
    if (nknown)
        memcpy(o, known, nknown * sizeof(*o));
    for (size_t i = 0; i < rd->nhosts; i++) {
        const struct pin_host *h = &rd->hosts[i];
        memcpy(v[i].name, h->name, sizeof(v[i].name));
        v[i].rec = h->rec;
        for (size_t k = 0; k < ndrains; k++)
            v[i].drain |= strcmp(drains[k], h->name) == 0;
        pin_demand(rd->doms + h->first, h->n, v[i].cpu, v[i].mem, &v[i].nlevels);
    }
    pthread_mutex_lock(&p->mu);
    free(p->pview.hosts);
    p->pview.hosts = v;
    p->pview.nhosts = rd->nhosts;
    free(p->pview.orders);
    p->pview.orders = o;
    p->pview.norders = nknown;
    p->pview.left_out = p->warned.n;
    p->pview.read = true;
    p->pview.read_ms = dmn_pool_mono_ms();
    p->pview.reads++;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Not leading: the leader's plan, as etcd holds it (untrusted: decoded strictly). */
static int read_plan(struct dmn_pool *p)
{
    char key[PREC_KEY_MAX];
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    struct pin_plan_read *plan;
    bool have = false;
    int rc;

    snprintf(key, sizeof(key), "/xenplm/%s/plan", p->pool);
    struct etcd_keys k = etcd_key(key);
    if (!(plan = malloc(sizeof(*plan))))
        return PLM_ENOMEM;
    if ((rc = etcd_range(p->etcd, &k, &o, &r))) {
        free(plan);
        return rc;
    }
    if (r.n == 1) {
        have = pin_decode_plan(r.kvs[0].value, r.kvs[0].value_len, plan) == 0;
        if (!have && !p->plan_bad_said)
            log_warnx("pool '%s': the plan under %s does not read as one; not shown", p->pool, key);
        p->plan_bad_said = !have;
    }
    etcd_range_free(&r);
    pthread_mutex_lock(&p->mu);
    p->pview.have_plan = have;
    if (have)
        p->pview.plan = *plan;
    pthread_mutex_unlock(&p->mu);
    free(plan);
    return 0;
}

static bool has_unmet(const struct pp_state *s, const char *host)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->unmet[i].host, host) == 0)
            return true;
    return false;
}

/* Hosts that came to have unmet levels, and those whose levels are met again. */
static void say_unmet(struct dmn_pool *p, const struct pp_state *prev, const struct pp_state *next)
{
    for (size_t i = 0; i < next->n; i++)
        if (!has_unmet(prev, next->unmet[i].host))
            log_info("pool '%s': host '%s' has unmet levels; nothing moves off it for the %llu ms "
                     "hold",
                     p->pool, next->unmet[i].host, (unsigned long long)p->plan_hold_ms);
    for (size_t i = 0; prev && i < prev->n; i++)
        if (!has_unmet(next, prev->unmet[i].host))
            log_info("pool '%s': host '%s' has its levels met again", p->pool, prev->unmet[i].host);
}

int dmn_pool_plan_round(struct dmn_pool *p)
{
    struct pool_read rd = {0};
    struct pin_cooldown *cool = NULL;
    size_t ncool = 0, nh = 0, nd = 0, dups = 0, len = 0;
    struct pp_host *hosts = NULL;
    struct pp_domain *doms = NULL;
    struct pp_plan *plan = NULL;
    char *text = NULL;
    struct pop_known *known = NULL;
    size_t nknown = 0, nbusy = 0;
    char(*busy)[PREC_UUID_LEN + 1] = NULL;
    char(*drains)[PLM_POOL_NAME_MAX + 1] = NULL;
    size_t ndrains = 0;
    int rc;

    if ((rc = read_hosts(p, &rd)))
        goto out;
    if ((rc = dmn_pool_drains_read(p, &drains, &ndrains)))
        goto out;
    if ((rc = dmn_pool_orders_read(p, &known, &nknown)))
        goto out;
    if ((rc = set_view(p, &rd, drains, ndrains, known, nknown)))
        goto out;
    if ((rc = dmn_pool_moves_read(p)))
        goto out;
    if (!p->elected) {
        rc = read_plan(p);
        goto out;
    }
    if ((rc = read_cooldowns(p, &cool, &ncool)))
        goto out;
    if ((rc = busy_of(known, nknown, &busy, &nbusy)))
        goto out;
    struct pp_policy pol;
    pp_policy_init(&pol);
    pol.hold_ms = p->plan_hold_ms;
    struct pin_input in = {.hosts = rd.hosts,
                           .nhosts = rd.nhosts,
                           .doms = rd.doms,
                           .ndoms = rd.ndoms,
                           .cool = cool,
                           .ncool = ncool,
                           .cooldown_ms = pol.cooldown_ms,
                           .busy = busy,
                           .nbusy = nbusy,
                           .drains = drains,
                           .ndrains = ndrains};
    hosts = calloc(rd.nhosts + 1, sizeof(*hosts));
    doms = calloc(rd.ndoms + 1, sizeof(*doms));
    plan = calloc(1, sizeof(*plan));
    text = malloc(PIN_PLAN_MAX);
    if (!hosts || !doms || !plan || !text) {
        rc = PLM_ENOMEM;
        goto out;
    }
    if ((rc = pin_build(&in, hosts, rd.nhosts, doms, rd.ndoms, &nh, &nd, &dups)))
        goto out;
    if (dups)
        log_debug("pool '%s': %zu domains listed by two hosts, planned once", p->pool, dups);
    if (!p->work_ready || p->work_hosts < nh + 1 || p->work_doms < nd + 1) {
        if (p->work_ready)
            pp_work_dispose(&p->work);
        p->work_ready = false;
        p->work_hosts = nh + 16;
        p->work_doms = nd + 256;
        if ((rc = pp_work_init(&p->work, p->work_hosts, p->work_doms)))
            goto out;
        p->work_ready = true;
    }
    struct pp_input pin = {.hosts = hosts,
                           .nhosts = nh,
                           .doms = doms,
                           .ndoms = nd,
                           .policy = &pol,
                           .now_ms = plm_wall_ms(),
                           .hold_now_ms = plm_mono_ms()};
    if ((rc = pp_plan(&pin, p->plan_have_prev ? p->plan_prev : NULL, p->plan_next, &p->work,
                      plan))) {
        log_errx("pool '%s': the planner refused the pool's state (%s)", p->pool, plm_strerror(rc));
        rc = 0; /* not etcd's fault: try again next round */
        goto out;
    }
    say_unmet(p, p->plan_have_prev ? p->plan_prev : NULL, p->plan_next);
    struct pp_state *t = p->plan_prev;
    p->plan_prev = p->plan_next;
    p->plan_next = t;
    p->plan_have_prev = true;
    struct pin_plan_meta meta = {.leader = p->host, .revision = p->myrev, .at_ms = pin.now_ms};
    if ((rc = pin_encode_plan(&meta, plan, hosts, nh, doms, nd, text, PIN_PLAN_MAX, &len)))
        goto out;
    bool fenced = false;
    if ((rc = publish_plan(p, text, len, &fenced)))
        goto out;
    if (fenced) {
        dmn_pool_step_down(p, "etcd refused its plan (another host's election revision)");
        goto out;
    }
    if (p->automatic) {
        if ((rc = dmn_pool_orders_issue(p, plan, hosts, nh, doms, nd, known, nknown,
                                        pol.cooldown_ms, &fenced)))
            goto out;
        if (!fenced && (rc = dmn_pool_cooldowns_clear(p, cool, ncool, known, nknown, &fenced)))
            goto out;
        if (fenced) {
            dmn_pool_step_down(p, "etcd refused its orders (another host's election revision)");
            goto out;
        }
    }
    if (strcmp(moves_of(text), moves_of(p->plan_text)) != 0 || !p->plan_text) {
        log_info("pool '%s': plan at election revision %lld: %zu hosts, %zu domains, %zu moves "
                 "(%zu arbitrations%s)",
                 p->pool, (long long)p->myrev, nh, nd, plan->nmoves, plan->work,
                 plan->cut ? ", cut by the work cap" : "");
        for (size_t i = 0; i < plan->nmoves; i++) {
            const struct pp_move *mv = &plan->move[i];
            log_info("pool '%s': planned move of '%s' from '%s' to '%s' (%s, level %u, gain %lld)",
                     p->pool, doms[mv->dom].name, hosts[mv->from].name, hosts[mv->to].name,
                     pp_reason_name(mv->reason), mv->level, (long long)mv->gain);
        }
    }
    pthread_mutex_lock(&p->mu);
    p->pview.have_plan = pin_decode_plan(text, len, &p->pview.plan) == 0;
    pthread_mutex_unlock(&p->mu);
    free(p->plan_text);
    p->plan_text = text;
    p->plan_len = len;
    text = NULL;
    pthread_mutex_lock(&p->mu);
    p->stats.plans++;
    pthread_mutex_unlock(&p->mu);
out:
    free(rd.hosts);
    free(rd.doms);
    free(cool);
    free(hosts);
    free(doms);
    free(plan);
    free(text);
    free(known);
    free(busy);
    free(drains);
    return rc;
}
