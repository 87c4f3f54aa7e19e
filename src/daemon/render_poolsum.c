/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pool mode's figures (state.h: s->pool, the pool thread's summary) in
 * `xenplm status`, as text or JSON, and in the metrics file as the
 * xenplm_pool_* families of xenplmd(8), PROMETHEUS METRICS.  Nothing is
 * written outside a pool (s->pool.on false).  Host names come from the
 * policy and from etcd: printed safe, as every name.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/prom.h"
#include "daemon/render.h"
#include "daemon/render_int.h"
#include "json/jw.h"

/* Bytes for people: B, KiB, MiB, GiB, one decimal past B. */
static void bytes_text(FILE *f, uint64_t b)
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = -1;

    if (b < 1024) {
        fprintf(f, "%" PRIu64 " B", b);
        return;
    }
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    fprintf(f, "%.1f %s", v, unit[u]);
}

void rnd_pool_status_text(FILE *f, const struct dmn_state *s)
{
    const struct dmn_pool_summary *p = &s->pool;
    char dur[RENDER_DURATION_MAX];

    if (!p->on)
        return;
    rnd_key(f, 0, "pool");
    if (!p->pool[0]) {
        fputs("not joined (see the log)\n", f);
        return;
    }
    fputc('\'', f);
    rnd_put_safe(f, p->pool);
    fputs("' as '", f);
    rnd_put_safe(f, p->host);
    fprintf(f, "': %s, ", p->member ? "member" : "not a member (etcd unreachable?)");
    if (p->leader)
        fprintf(f, "the leader (revision %" PRId64 ")", p->leader_rev);
    else if (p->leader_host[0]) {
        fputs("led by '", f);
        rnd_put_safe(f, p->leader_host);
        fprintf(f, "' (revision %" PRId64 ")", p->leader_rev);
    } else
        fputs("no leader known", f);
    fprintf(f, ", %zu host%s seen\n", p->hosts, p->hosts == 1 ? "" : "s");
    rnd_key(f, 0, "pool orders");
    fprintf(f,
            "%" PRIu64 " accepted, %" PRIu64 " refused, %" PRIu64 " done, %" PRIu64 " failed; %s\n",
            p->orders_accepted, p->orders_refused, p->orders_done, p->orders_failed,
            p->migrating ? "a migration running" : "no migration running");
    rnd_key(f, 0, "pool publish");
    if (p->published)
        fprintf(f, "%s ago\n", render_duration(p->publish_age_ms, dur));
    else
        fputs("never\n", f);
    struct etcd_count t = etcd_counters_total(&p->etcd);
    rnd_key(f, 0, "etcd");
    fprintf(f, "%" PRIu64 " calls, %" PRIu64 " failed, %" PRIu64 " keys, ", t.calls, t.failures,
            t.keys);
    bytes_text(f, t.sent_bytes);
    fputs(" sent, ", f);
    bytes_text(f, t.received_bytes);
    fputs(" received\n", f);
}

void rnd_pool_status_json(struct jw *w, const struct dmn_state *s)
{
    const struct dmn_pool_summary *p = &s->pool;

    jw_key(w, "pool_mode");
    if (!p->on) {
        jw_null(w);
        return;
    }
    jw_object(w);
    jw_key(w, "name");
    jw_string_or_null(w, p->pool[0] ? p->pool : NULL);
    jw_key(w, "host");
    jw_string_or_null(w, p->host[0] ? p->host : NULL);
    jw_kbool(w, "member", p->member);
    jw_kbool(w, "leader", p->leader);
    jw_key(w, "leader_host");
    jw_string_or_null(w, p->leader_host[0] ? p->leader_host : NULL);
    jw_kint(w, "leader_revision", p->leader_rev);
    jw_kuint(w, "hosts", p->hosts);
    jw_key(w, "orders");
    jw_object(w);
    jw_kuint(w, "accepted", p->orders_accepted);
    jw_kuint(w, "refused", p->orders_refused);
    jw_kuint(w, "done", p->orders_done);
    jw_kuint(w, "failed", p->orders_failed);
    jw_object_end(w);
    jw_kbool(w, "migrating", p->migrating);
    jw_key(w, "last_publish_ms_ago");
    if (p->published)
        jw_uint(w, p->publish_age_ms);
    else
        jw_null(w);
    jw_key(w, "etcd");
    jw_object(w);
    for (int k = 0; k < ETCD_CALLS; k++) {
        const struct etcd_count *c = &p->etcd.call[k];
        jw_key(w, etcd_call_name((enum etcd_call)k));
        jw_object(w);
        jw_kuint(w, "calls", c->calls);
        jw_kuint(w, "failures", c->failures);
        jw_kuint(w, "sent_bytes", c->sent_bytes);
        jw_kuint(w, "received_bytes", c->received_bytes);
        jw_kuint(w, "keys", c->keys);
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_object_end(w);
}

static uint64_t calls(const struct etcd_count *c)
{
    return c->calls;
}
static uint64_t failures(const struct etcd_count *c)
{
    return c->failures;
}
static uint64_t sent(const struct etcd_count *c)
{
    return c->sent_bytes;
}
static uint64_t received(const struct etcd_count *c)
{
    return c->received_bytes;
}
static uint64_t keys(const struct etcd_count *c)
{
    return c->keys;
}

/* One counter family over the kinds of etcd calls, label call. */
static void per_call(FILE *f, const struct dmn_pool_summary *p, const char *name, const char *help,
                     uint64_t (*get)(const struct etcd_count *))
{
    char lab[PROM_LABELS_MAX];

    prom_family(f, name, "counter", help);
    for (int k = 0; k < ETCD_CALLS; k++) {
        lab[0] = '\0';
        prom_label(lab, sizeof(lab), "call", etcd_call_name((enum etcd_call)k));
        prom_u64(f, name, lab, get(&p->etcd.call[k]));
    }
}

void rnd_pool_metrics(FILE *f, const struct dmn_state *s)
{
    const struct dmn_pool_summary *p = &s->pool;
    char lab[PROM_LABELS_MAX];
    static const char *const outcome[] = {"accepted", "refused", "done", "failed"};
    const uint64_t count[] = {p->orders_accepted, p->orders_refused, p->orders_done,
                              p->orders_failed};

    if (!p->on)
        return;
    prom_family(f, "xenplm_pool_member", "gauge",
                "1 while this host holds its lease in the pool's etcd (its records are there).");
    prom_u64(f, "xenplm_pool_member", NULL, p->member);
    prom_family(f, "xenplm_pool_leader", "gauge", "1 while this host acts as the pool's leader.");
    prom_u64(f, "xenplm_pool_leader", NULL, p->leader);
    prom_family(f, "xenplm_pool_leader_revision", "gauge",
                "The pool leader's election revision (its fencing token), as last read.");
    if (p->leader_rev > 0)
        prom_i64(f, "xenplm_pool_leader_revision", NULL, p->leader_rev);
    prom_family(f, "xenplm_pool_hosts", "gauge", "Hosts in the pool, as this host last read it.");
    prom_u64(f, "xenplm_pool_hosts", NULL, p->hosts);
    prom_family(f, "xenplm_pool_orders_total", "counter",
                "Orders to migrate a domain from this host, by what this host wrote of them.");
    for (size_t i = 0; i < sizeof(outcome) / sizeof(outcome[0]); i++) {
        lab[0] = '\0';
        prom_label(lab, sizeof(lab), "outcome", outcome[i]);
        prom_u64(f, "xenplm_pool_orders_total", lab, count[i]);
    }
    prom_family(f, "xenplm_pool_migration_running", "gauge",
                "1 while this host migrates a domain for a pool order.");
    prom_u64(f, "xenplm_pool_migration_running", NULL, p->migrating);
    prom_family(f, "xenplm_pool_publish_age_seconds", "gauge",
                "Since etcd last took a publishing round of this host's records.");
    if (p->published)
        prom_ratio(f, "xenplm_pool_publish_age_seconds", NULL, (int64_t)p->publish_age_ms, 1000);
    per_call(f, p, "xenplm_pool_etcd_calls_total", "Calls to etcd, by kind of call.", calls);
    per_call(f, p, "xenplm_pool_etcd_failures_total",
             "Calls to etcd that got no successful reply, by kind of call.", failures);
    per_call(f, p, "xenplm_pool_etcd_sent_bytes_total",
             "Bytes sent to etcd (HTTP headers and bodies, every attempt), by kind of call.", sent);
    per_call(f, p, "xenplm_pool_etcd_received_bytes_total",
             "Bytes received from etcd (HTTP headers and bodies), by kind of call.", received);
    per_call(f, p, "xenplm_pool_etcd_keys_total",
             "Key-value pairs read from etcd and written or deleted there, by kind of call.", keys);
}
