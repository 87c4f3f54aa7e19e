/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pool publisher's thread (pool.h): the lease, the one-slot queue
 * from the loop, and each round's diff written to etcd.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "core/error.h"
#include "daemon/pool.h"
#include "daemon/pool_int.h"
#include "pool/etcd.h"
#include "pool/pool_leader.h"

uint64_t dmn_pool_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void dmn_pool_failed(struct dmn_pool *p, const char *what)
{
    if (atomic_load(&p->cancel))
        return; /* the call was cut short by the stop: not etcd's failure */
    pthread_mutex_lock(&p->mu);
    p->stats.failures++;
    pthread_mutex_unlock(&p->mu);
    if (!p->down)
        log_warnx("pool '%s': etcd %s failed (%s); this host arbitrates alone and tries again",
                  p->pool, what, etcd_client_error(p->etcd));
    p->down = true;
    dmn_pool_step_down(p, "etcd cannot be reached");
    p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : 500;
    if (p->backoff_ms > p->ttl_ms / 3)
        p->backoff_ms = p->ttl_ms / 3;
}

void dmn_pool_answered(struct dmn_pool *p)
{
    if (p->down)
        log_info("pool '%s': etcd answers again (%s)", p->pool, etcd_client_endpoint(p->etcd));
    p->down = false;
    p->backoff_ms = 0;
}

/* What the prefix holds now, as the old side of the next diff (values unknown: all rewritten). */
static int read_prefix(struct dmn_pool *p)
{
    struct etcd_keys k = etcd_prefix(p->prefix);
    struct etcd_range_opts o = {.keys_only = true, .page = DMN_POOL_PAGE};
    struct etcd_range r;
    size_t skipped;
    int rc;

    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    prec_set_free(&p->published);
    rc = prec_set_from_keys(r.kvs, r.n, &p->published, &skipped);
    etcd_range_free(&r);
    if (rc)
        return rc;
    /* Keys no record of ours can have (a NUL, too long): somebody
     * else's, left alone; said once until the prefix is clean again. */
    if (skipped && !p->odd_keys_said)
        log_warnx("pool '%s': %zu keys under %s are not this host's records (a NUL byte, too "
                  "long, or out of order); left alone",
                  p->pool, skipped, p->prefix);
    p->odd_keys_said = skipped > 0;
    p->published_known = true;
    return 0;
}

/* Write ops[0..n) in transactions of at most ETCD_TXN_MAX_OPS. */
static int write_ops(struct dmn_pool *p, const struct etcd_op *ops, size_t n)
{
    for (size_t at = 0; at < n; at += ETCD_TXN_MAX_OPS) {
        struct etcd_txn t = {.success = ops + at,
                             .nsuccess = n - at < ETCD_TXN_MAX_OPS ? n - at : ETCD_TXN_MAX_OPS};
        struct etcd_txn_result r;
        int rc = etcd_txn(p->etcd, &t, &r);
        if (rc)
            return rc;
        etcd_txn_result_free(&r);
    }
    return 0;
}

static int publish(struct dmn_pool *p)
{
    struct prec_set cur;
    char err[256];
    size_t *put = NULL, *del = NULL, nput = 0, ndel = 0;
    struct etcd_op *ops = NULL;
    uint64_t bytes = 0;
    int rc;

    if (!p->published_known && (rc = read_prefix(p)))
        return rc;
    /* The address other hosts migrate to this one at is the policy's, not the loop's. */
    snprintf(p->cur_host.address, sizeof(p->cur_host.address), "%s", p->address ? p->address : "");
    if ((rc = prec_encode(p->pool, p->host, &p->cur_host, p->cur, p->ncur, &cur, err,
                          sizeof(err)))) {
        /* Ours to fix, not etcd's: said each time, nothing written. */
        log_errx("pool '%s': cannot publish this host: %s", p->pool, err);
        p->have_cur = false;
        return 0;
    }
    put = calloc(cur.n + 1, sizeof(*put));
    del = calloc(p->published.n + 1, sizeof(*del));
    ops = calloc(cur.n + p->published.n + 1, sizeof(*ops));
    if (!put || !del || !ops || prec_diff(&p->published, &cur, put, &nput, del, &ndel)) {
        rc = PLM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nput; i++) {
        const struct prec_kv *kv = &cur.kv[put[i]];
        ops[i] = (struct etcd_op){.kind = ETCD_OP_PUT,
                                  .keys = etcd_key(kv->key),
                                  .value = kv->value,
                                  .value_len = kv->len,
                                  .lease = p->lease};
        bytes += strlen(kv->key) + kv->len;
    }
    for (size_t i = 0; i < ndel; i++) {
        ops[nput + i] =
            (struct etcd_op){.kind = ETCD_OP_DELETE, .keys = etcd_key(p->published.kv[del[i]].key)};
        bytes += strlen(p->published.kv[del[i]].key);
    }
    if ((rc = write_ops(p, ops, nput + ndel))) {
        /* Some batches may have gone through: read the prefix again next time. */
        p->published_known = false;
        goto out;
    }
    prec_set_free(&p->published);
    p->published = cur;
    cur.kv = NULL;
    cur.n = 0;
    p->have_cur = false;
    pthread_mutex_lock(&p->mu);
    p->published_ms = dmn_pool_mono_ms();
    pthread_mutex_unlock(&p->mu);
    if (nput + ndel) {
        pthread_mutex_lock(&p->mu);
        p->stats.rounds++;
        p->stats.keys_put += nput;
        p->stats.keys_deleted += ndel;
        p->stats.bytes += bytes;
        pthread_mutex_unlock(&p->mu);
        log_debug("pool '%s': published %zu records, deleted %zu (%llu bytes)", p->pool, nput, ndel,
                  (unsigned long long)bytes);
    }
out:
    prec_set_free(&cur);
    free(put);
    free(del);
    free(ops);
    return rc;
}

/* Take the queue's offer, if any, as the one to publish. */
static void take(struct dmn_pool *p)
{
    struct prec_domain *t = p->cur;
    p->cur = p->slot;
    p->slot = t;
    p->ncur = p->nslot;
    p->cur_host = p->slot_host;
    p->have_cur = true;
    p->took = true;
    p->fresh = false;
}

static void wait_until(struct dmn_pool *p, uint64_t at)
{
    struct timespec ts;
    uint64_t now = dmn_pool_mono_ms();

    if (at <= now)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + (at - now) % 1000 * 1000000;
    ts.tv_sec += (time_t)((at - now) / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* The thread's step of the moment, for say_late; the longest step since
 * the last keepalive is kept. */
static void doing(struct dmn_pool *p, const char *what)
{
    uint64_t now = dmn_pool_mono_ms();

    if (p->doing && now - p->doing_since_ms > p->slowest_ms) {
        p->slowest = p->doing;
        p->slowest_ms = now - p->doing_since_ms;
    }
    p->doing = what;
    p->doing_since_ms = now;
}

/*
 * A keepalive that goes out later than it was due (by a second, or a
 * tenth of the TTL when that is more) is said, with what held it back:
 * the thread's longest step since the last keepalive, and how late a
 * wait of its ended (the process short of CPU: a starved dom0).  A lease
 * that then expires is explained in the log before it goes.
 */
static void say_late(struct dmn_pool *p, uint64_t now)
{
    uint64_t bound = p->ttl_ms / 10 > 1000 ? p->ttl_ms / 10 : 1000;

    if (!p->keepalive_at || now < p->keepalive_at + bound)
        return;
    uint64_t expires = p->keepalive_sent_ms + (uint64_t)p->granted_ttl_s * 1000;
    const char *step = p->doing ? p->doing : "starting";
    uint64_t step_ms = now - p->doing_since_ms;
    char left[64] = "after the lease expired";

    if (p->slowest && p->slowest_ms > step_ms) {
        step = p->slowest;
        step_ms = p->slowest_ms;
    }
    if (expires > now)
        snprintf(left, sizeof(left), "%.1f s before the lease would expire",
                 (double)(expires - now) / 1000.0);
    log_warnx("pool '%s': the lease's keepalive went out %.1f s late, %s; the pool thread's "
              "longest step since the last one: %s, %.1f s; its waits ended up to %.1f s late%s",
              p->pool, (double)(now - p->keepalive_at) / 1000.0, left, step,
              (double)step_ms / 1000.0, (double)p->woke_late_ms / 1000.0,
              p->woke_late_ms >= bound ? " (the process short of CPU)" : "");
}

/*
 * The lease's keepalive: 0; PLM_ENOENT when the lease expired (this host
 * stops leading, and no call is made under the lease any more until the
 * loop drops it and joins again); or etcd's failure.
 */
static int keepalive(struct dmn_pool *p)
{
    int64_t ttl;
    uint64_t sent = dmn_pool_mono_ms();

    say_late(p, sent);
    p->in_keepalive = true;
    int rc = etcd_lease_keepalive(p->etcd, p->lease, &ttl);
    p->in_keepalive = false;
    if (rc == PLM_ENOENT) {
        log_warnx("pool '%s': the lease expired; joining again", p->pool);
        dmn_pool_step_down(p, "its lease expired");
        p->lease_gone = true;
        return rc;
    }
    if (rc)
        return rc;
    dmn_pool_answered(p);
    p->keepalive_sent_ms = sent;
    p->granted_ttl_s = ttl;
    p->slowest = NULL;
    p->slowest_ms = p->woke_late_ms = 0;
    /* Due a third of the TTL after this one was sent, however long it took. */
    p->keepalive_at = sent + p->ttl_ms / 3;
    p->check_leader = true;
    return 0;
}

/*
 * Before each call to etcd (etcd_client_bound): a keepalive that is due
 * is sent first, so that no chain of calls in a round (the pool's read
 * page by page, the plan, the orders) holds it back; and the call must
 * end a third of the TTL before the lease would expire, which leaves
 * the keepalive after it that third (a keepalive itself has its own
 * timeout: it tells whether the lease is still there).  A failed
 * keepalive fails the call (PLM_EIO, etcd's reason in the client's
 * error): the round ends there, as for any failure of etcd.
 */
static int before_call(void *arg, uint64_t *deadline_ms)
{
    struct dmn_pool *p = arg;

    *deadline_ms = 0;
    if (!p->lease)
        return 0;
    if (p->in_keepalive)
        return 0; /* its own timeout: it says whether the lease is still there */
    if (p->lease_gone)
        return PLM_EIO; /* the rest of the round is not made: nothing goes out without the lease */
    if (dmn_pool_mono_ms() >= p->keepalive_at && keepalive(p))
        return PLM_EIO;
    *deadline_ms = p->keepalive_sent_ms + p->ttl_ms - p->ttl_ms / 3;
    return 0;
}

/* The thread's last calls, at its stop: the reports on orders and the
 * lease's revoke, within a second together (etcd may be what is slow). */
static int before_last(void *arg, uint64_t *deadline_ms)
{
    struct dmn_pool *p = arg;

    *deadline_ms = p->last_calls_until_ms;
    return 0;
}

/* How often a candidate looks whether it leads: a twelfth of the TTL, at
 * most half a second (a dead leader's successor takes over at most that
 * long after etcd let the leader's lease go). */
static uint64_t campaign_ms(uint64_t ttl_ms)
{
    uint64_t t = ttl_ms / 12;
    return t < 100 ? 100 : t > 500 ? 500 : t;
}

static void *run(void *arg)
{
    struct dmn_pool *p = arg;
    uint64_t publish_at = 0, retry_at = 0, campaign_at = 0, plan_at = 0;

    etcd_client_bound(p->etcd, &p->cancel, before_call, p);

    for (;;) {
        dmn_pool_sum_sync(p);
        /* Wait for the next thing due: a retry, else the lease, its
         * keepalive or the next publish; a newer offer is taken at once
         * (the newest wins), and published when the interval allows. */
        pthread_mutex_lock(&p->mu);
        doing(p, "waiting for its next step");
        while (!p->stop) {
            uint64_t now = dmn_pool_mono_ms(), due;
            if (p->fresh)
                take(p);
            if (retry_at > now)
                due = retry_at;
            else if (!p->lease || p->lease_gone || p->check_leader)
                due = now; /* a lease to take, or the leader to read after a keepalive */
            else {
                due = p->have_cur && publish_at < p->keepalive_at ? publish_at : p->keepalive_at;
                if (!p->elected && campaign_at < due)
                    due = campaign_at; /* a candidate looks whether it leads */
                if (plan_at < due)
                    due = plan_at; /* the pool read, and the leader's plan */
            }
            if (due <= now)
                break;
            wait_until(p, due);
            /* Woken after the time it asked for: not scheduled (short of
             * CPU), a wait being never late otherwise. */
            uint64_t woke = dmn_pool_mono_ms();
            if (woke > due && woke - due > p->woke_late_ms)
                p->woke_late_ms = woke - due;
        }
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (p->lease_gone) {
            /* Expired at etcd (a keepalive said so): joined again below. */
            p->lease = 0;
            p->lease_gone = false;
        }
        if (stop) {
            /* What the loop said of its orders is written before the
             * thread goes (a reload starts another, which would otherwise
             * take a migration that ended as one it never heard of);
             * within a second, with the revoke, however slow etcd is. */
            p->last_calls_until_ms = dmn_pool_mono_ms() + DMN_POOL_LAST_CALLS_MS;
            etcd_client_bound(p->etcd, NULL, before_last, p);
            if (p->lease && dmn_pool_orders_flush(p))
                log_warnx("pool '%s': the last reports on orders could not be written (%s)",
                          p->pool, etcd_client_error(p->etcd));
            break;
        }
        uint64_t now = dmn_pool_mono_ms();
        retry_at = 0;
        if (!p->lease) {
            int64_t id, ttl;
            doing(p, "taking a lease");
            if (etcd_lease_grant(p->etcd, (int64_t)(p->ttl_ms / 1000), &id, &ttl)) {
                dmn_pool_failed(p, "lease grant");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            dmn_pool_answered(p);
            p->lease = id;
            p->keepalive_sent_ms = now;
            p->granted_ttl_s = ttl;
            p->published_known = false; /* whatever is there is under another lease, or gone */
            /* A host that joins again publishes what it last took, changed
             * or not: its records went with the old lease. */
            if (p->took)
                p->have_cur = true;
            p->keepalive_at = now + p->ttl_ms / 3;
            log_info("pool '%s': host '%s' joined, lease %llx of %llds", p->pool, p->host,
                     (unsigned long long)id, (long long)ttl);
            publish_at = 0;
        }
        if (dmn_pool_mono_ms() >= p->keepalive_at) {
            doing(p, "renewing the lease");
            int rc = keepalive(p);
            if (rc == PLM_ENOENT)
                continue;
            if (rc) {
                dmn_pool_failed(p, "keepalive");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
        }
        if (p->check_leader) {
            /* After each keepalive (sent here or before a call). */
            doing(p, "reading the leader");
            if (dmn_pool_check_leader(p)) {
                dmn_pool_failed(p, "reading the leader");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            p->check_leader = false;
        }
        if (p->have_cur && dmn_pool_mono_ms() >= publish_at) {
            doing(p, "publishing this host's records");
            if (publish(p)) {
                dmn_pool_failed(p, "publishing");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            dmn_pool_answered(p);
            publish_at = dmn_pool_mono_ms() + p->interval_ms;
        }
        if (dmn_pool_mono_ms() >= plan_at) {
            /* At most once per plan interval, from the end of the last round:
             * the drains and moves asked here written, every host reads the
             * pool, the leader plans. */
            doing(p, "writing drains and moves asked here");
            if (dmn_pool_requests_write(p)) {
                dmn_pool_failed(p, "writing a drain or a move");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            doing(p, "reading the pool and planning");
            if (dmn_pool_plan_round(p)) {
                dmn_pool_failed(p, "planning");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            /* Then this host's orders, and the loop's reports on them. */
            doing(p, "reading and answering its orders");
            if (dmn_pool_orders_host(p)) {
                dmn_pool_failed(p, "reading or answering orders");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            plan_at = dmn_pool_mono_ms() + p->plan_interval_ms;
        }
        if (!p->elected && dmn_pool_mono_ms() >= campaign_at) {
            doing(p, "standing for leader");
            if (dmn_pool_campaign(p)) {
                dmn_pool_failed(p, "standing for leader");
                retry_at = dmn_pool_mono_ms() + p->backoff_ms;
                continue;
            }
            dmn_pool_answered(p);
            campaign_at = dmn_pool_mono_ms() + campaign_ms(p->ttl_ms);
            /* A new leader plans at once; a candidate still waiting reads
             * the pool at its plan interval, not after every look (which
             * made each follower read every host's records twice a
             * second: bench_pool_traffic). */
            if (p->elected)
                plan_at = 0;
        }
    }
    if (p->elected)
        log_info("pool '%s': host '%s' steps down as the leader (stopping)", p->pool, p->host);
    dmn_pool_lead_dispose(p);
    if (p->lease && etcd_lease_revoke(p->etcd, p->lease) == 0)
        log_info("pool '%s': host '%s' left (lease revoked)", p->pool, p->host);
    else if (p->lease)
        log_warnx("pool '%s': cannot revoke the lease (%s); its records go within %llu s", p->pool,
                  etcd_client_error(p->etcd), (unsigned long long)p->ttl_ms / 1000);
    return NULL;
}

static void dispose(struct dmn_pool *p)
{
    if (p->etcd)
        etcd_client_free(p->etcd);
    prec_set_free(&p->published);
    dmn_pool_plan_dispose(p);
    dmn_pool_view_free(&p->pview);
    dmn_pool_handoff_dispose(p);
    free(p->reports);
    free(p->pend);
    free(p->slot);
    free(p->cur);
    free(p->pool);
    free(p->host);
    free(p->address);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int dmn_pool_start(struct dmn_pool **out, const struct pol_pool_section *cfg,
                   const struct dmn_pool_order *in_flight)
{
    struct etcd_config ec;
    struct dmn_pool *p = calloc(1, sizeof(*p));
    pthread_condattr_t ca;
    char err[ETCD_ERR_MAX];

    *out = NULL;
    if (!p)
        return PLM_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    atomic_init(&p->cancel, false);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    p->ttl_ms = cfg->lease_ttl_ms;
    p->interval_ms = cfg->publish_interval_ms;
    p->plan_interval_ms = cfg->plan_interval_ms;
    p->plan_hold_ms = cfg->plan_hold_ms;
    p->automatic = cfg->mode == POL_POOL_AUTOMATIC;
    p->pool = strdup(cfg->name);
    p->host = strdup(cfg->host);
    p->address = cfg->address ? strdup(cfg->address) : NULL;
    p->slot = calloc(PREC_MAX_DOMAINS, sizeof(*p->slot));
    p->cur = calloc(PREC_MAX_DOMAINS, sizeof(*p->cur));
    if (!p->pool || !p->host || (cfg->address && !p->address) || !p->slot || !p->cur ||
        dmn_pool_plan_init(p)) {
        dispose(p);
        return PLM_ENOMEM;
    }
    if (prec_prefix(p->pool, p->host, p->prefix, sizeof(p->prefix))) {
        log_errx("pool '%s': host name '%s' cannot name it in etcd", cfg->name, cfg->host);
        dispose(p);
        return PLM_EINVAL;
    }
    if (dmn_pool_lead_init(p)) {
        log_errx("pool '%s': its name cannot name an election in etcd", cfg->name);
        dispose(p);
        return PLM_EINVAL;
    }
    etcd_config_init(&ec);
    for (size_t i = 0; i < cfg->nendpoints; i++)
        ec.endpoints[ec.nendpoints++] = cfg->endpoint[i];
    ec.ca_file = cfg->ca;
    ec.cert_file = cfg->cert;
    ec.key_file = cfg->key;
    if (etcd_client_new(&ec, &p->etcd, err, sizeof(err))) {
        log_errx("pool '%s': %s", cfg->name, err);
        dispose(p);
        return PLM_EINVAL;
    }
    /* Signals are the loop's: with all of them blocked in the thread, a
     * SIGTERM or SIGHUP always interrupts the loop's wait, never a call
     * to etcd that would leave the loop asleep until its next deadline. */
    if (in_flight) {
        p->run = *in_flight;
        p->running = true;
    }
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    int started = pthread_create(&p->thread, NULL, run, p);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    if (started != 0) {
        log_errx("pool '%s': cannot start the publishing thread", cfg->name);
        dispose(p);
        return PLM_ENOMEM;
    }
    log_info("pool '%s' (mode %s): publishing host '%s' to %s%s, at most every %llu ms", cfg->name,
             pol_pool_mode_name(cfg->mode), cfg->host, cfg->endpoint[0],
             cfg->nendpoints > 1 ? " and more" : "", (unsigned long long)p->interval_ms);
    *out = p;
    return 0;
}

void dmn_pool_offer(struct dmn_pool *p, const struct prec_host *h, const struct prec_domain *doms,
                    size_t n)
{
    if (n > PREC_MAX_DOMAINS)
        n = PREC_MAX_DOMAINS;
    pthread_mutex_lock(&p->mu);
    p->slot_host = *h;
    memcpy(p->slot, doms, n * sizeof(*doms));
    p->nslot = n;
    p->fresh = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* to += from, call by call. */
static void counters_add(struct etcd_counters *to, const struct etcd_counters *from)
{
    for (int c = 0; c < ETCD_CALLS; c++) {
        to->call[c].calls += from->call[c].calls;
        to->call[c].failures += from->call[c].failures;
        to->call[c].sent_bytes += from->call[c].sent_bytes;
        to->call[c].received_bytes += from->call[c].received_bytes;
        to->call[c].keys += from->call[c].keys;
    }
}

void dmn_pool_sum_sync(struct dmn_pool *p)
{
    struct etcd_counters k;

    etcd_client_counters(p->etcd, &k);
    pthread_mutex_lock(&p->mu);
    counters_add(&k, &p->etcd_carried);
    p->sum.etcd = k;
    p->sum.member = p->lease != 0 && !p->down; /* etcd unreachable: not to be counted on */
    pthread_mutex_unlock(&p->mu);
}

void dmn_pool_summary(struct dmn_pool *p, struct dmn_pool_summary *out)
{
    struct dmn_pool_leader l;
    uint64_t now = dmn_pool_mono_ms();

    pthread_mutex_lock(&p->mu);
    *out = p->sum;
    out->hosts = p->pview.read ? p->pview.nhosts : 0;
    out->published = p->published_ms != 0;
    out->publish_age_ms = p->published_ms && now > p->published_ms ? now - p->published_ms : 0;
    pthread_mutex_unlock(&p->mu);
    dmn_pool_leader(p, &l);
    out->on = true;
    snprintf(out->pool, sizeof(out->pool), "%s", p->pool);
    snprintf(out->host, sizeof(out->host), "%s", p->host);
    out->leader = l.self;
    snprintf(out->leader_host, sizeof(out->leader_host), "%s", l.known ? l.host : "");
    out->leader_rev = l.known && l.host[0] ? l.rev : 0;
}

void dmn_pool_stats(struct dmn_pool *p, struct dmn_pool_stats *out)
{
    pthread_mutex_lock(&p->mu);
    *out = p->stats;
    pthread_mutex_unlock(&p->mu);
}

void dmn_pool_leader(struct dmn_pool *p, struct dmn_pool_leader *out)
{
    pthread_mutex_lock(&p->mu);
    *out = p->view;
    pthread_mutex_unlock(&p->mu);
    /* The thread may be stuck in a call to etcd: past the deadline, no longer. */
    out->self = plead_acting(out->self, out->until_ms, dmn_pool_mono_ms());
}

int dmn_pool_view(struct dmn_pool *p, struct dmn_pool_view *out)
{
    int rc = 0;

    pthread_mutex_lock(&p->mu);
    *out = p->pview;
    out->hosts = NULL;
    out->orders = NULL;
    if (p->pview.nhosts) {
        out->hosts = malloc(p->pview.nhosts * sizeof(*out->hosts));
        if (out->hosts)
            memcpy(out->hosts, p->pview.hosts, p->pview.nhosts * sizeof(*out->hosts));
        else
            rc = PLM_ENOMEM;
    }
    out->moves = NULL;
    if (p->pview.norders) {
        out->orders = malloc(p->pview.norders * sizeof(*out->orders));
        if (out->orders)
            memcpy(out->orders, p->pview.orders, p->pview.norders * sizeof(*out->orders));
        else
            rc = PLM_ENOMEM;
    }
    if (p->pview.nmoves) {
        out->moves = malloc(p->pview.nmoves * sizeof(*out->moves));
        if (out->moves)
            memcpy(out->moves, p->pview.moves, p->pview.nmoves * sizeof(*out->moves));
        else
            rc = PLM_ENOMEM;
    }
    pthread_mutex_unlock(&p->mu);
    if (rc)
        dmn_pool_view_free(out);
    return rc;
}

int dmn_pool_listed(struct dmn_pool *p, const char *host, uint64_t *reads)
{
    int listed = -1;

    pthread_mutex_lock(&p->mu);
    *reads = p->pview.reads;
    if (p->pview.read) {
        listed = 0;
        for (size_t i = 0; i < p->pview.nhosts && !listed; i++)
            listed = strcmp(p->pview.hosts[i].name, host) == 0;
    }
    pthread_mutex_unlock(&p->mu);
    return listed;
}

uint64_t dmn_pool_mono_now(void)
{
    return dmn_pool_mono_ms();
}

void dmn_pool_view_free(struct dmn_pool_view *v)
{
    free(v->hosts);
    v->hosts = NULL;
    v->nhosts = 0;
    free(v->orders);
    v->orders = NULL;
    v->norders = 0;
    free(v->moves);
    v->moves = NULL;
    v->nmoves = 0;
}

void dmn_pool_carry(struct dmn_pool *p, const struct dmn_pool_summary *before)
{
    pthread_mutex_lock(&p->mu);
    p->sum.orders_accepted += before->orders_accepted;
    p->sum.orders_refused += before->orders_refused;
    p->sum.orders_done += before->orders_done;
    p->sum.orders_failed += before->orders_failed;
    counters_add(&p->etcd_carried, &before->etcd);
    counters_add(&p->sum.etcd, &before->etcd);
    pthread_mutex_unlock(&p->mu);
}

void dmn_pool_stop(struct dmn_pool *p, struct dmn_pool_summary *last)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    /* A call to etcd under way ends now, not at its timeout. */
    atomic_store(&p->cancel, true);
    pthread_join(p->thread, NULL);
    if (last) {
        /* Its lease's revoke counted too. */
        dmn_pool_sum_sync(p);
        dmn_pool_summary(p, last);
    }
    struct dmn_pool_stats s = p->stats;
    log_info("pool '%s': %llu rounds published %llu records and deleted %llu (%llu bytes)", p->pool,
             (unsigned long long)s.rounds, (unsigned long long)s.keys_put,
             (unsigned long long)s.keys_deleted, (unsigned long long)s.bytes);
    dispose(p);
}
