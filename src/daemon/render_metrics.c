/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's state as Prometheus metrics (render.h: render_metrics),
 * for node_exporter's textfile collector.  Every family and its meaning
 * is listed in xenplmd(8), PROMETHEUS METRICS; the names follow Prometheus's
 * conventions: xenplm_ first, base units (cpus, bytes, seconds) last,
 * _total on counters.  Per domain, the labels domain (its name) and domid.
 * A figure the daemon does not know (a weight Xen has not accepted yet)
 * is left out rather than made up.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/prom.h"
#include "daemon/render.h"
#include "daemon/render_int.h"

#define BYTES_PER_MIB ((int64_t)1024 * 1024)

/* Amounts: CPU in hundredths of a pCPU, memory in MiB, both in thousandths. */
static void cpus(FILE *f, const char *name, const char *lab, plm_amt_t v)
{
    prom_ratio(f, name, lab, v, PLM_SCALE * 100);
}

static void bytes_of_mib(FILE *f, const char *name, const char *lab, plm_amt_t v)
{
    /* v thousandths of a MiB, to the nearest byte; an amount is at most
     * 10^12, so v x 2^20 fits. */
    if (v > (INT64_MAX - PLM_SCALE) / BYTES_PER_MIB)
        v = (INT64_MAX - PLM_SCALE) / BYTES_PER_MIB;
    prom_i64(f, name, lab, (v * BYTES_PER_MIB + PLM_SCALE / 2) / PLM_SCALE);
}

static void bytes_of_kib(FILE *f, const char *name, const char *lab, uint64_t kib)
{
    prom_u64(f, name, lab, kib > UINT64_MAX / 1024 ? UINT64_MAX : kib * 1024);
}

/* The domain's labels: domain="NAME",domid="N". */
static void dom_labels(const struct dmn_domain *d, char *buf, size_t size)
{
    buf[0] = '\0';
    prom_label(buf, size, "domain", d->info.name);
    prom_label_u(buf, size, "domid", d->info.domid);
}

/* A domain's status, one of these, in this order of precedence. */
static const char *const statuses[] = {"unmanaged", "rejected", "no_balloon", "uncooperative",
                                       "ok"};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

static const char *status_of(const struct dmn_domain *d)
{
    if (!eng_managed(&d->eng))
        return "unmanaged";
    if (strncmp(d->status, "rejected", 8) == 0)
        return "rejected";
    /* No balloon driver: its memory is never moved (engine/kinds.c). */
    if (!d->eng.balloon)
        return "no_balloon";
    if (d->eng.mem.uncooperative)
        return "uncooperative";
    return "ok";
}

static void requested(FILE *f, const struct dmn_state *s)
{
    static const char *const name[DMN_NRES] = {
        [POL_CPU] = "xenplm_domain_cpu_requested_cpus",
        [POL_MEMORY] = "xenplm_domain_memory_requested_bytes",
    };
    static const char *const help[DMN_NRES] = {
        [POL_CPU] = "CPU the domain asks for to meet its goals of priority 1 to level, in pCPUs.",
        [POL_MEMORY] = "Memory the domain asks for to meet its goals of priority 1 to level, in "
                       "bytes.",
    };
    char lab[PROM_LABELS_MAX], lv[PROM_LABELS_MAX];

    for (int r = 0; r < DMN_NRES; r++) {
        prom_family(f, name[r], "gauge", help[r]);
        for (size_t i = 0; i < s->ndom; i++) {
            const plm_amt_t *levels;
            unsigned n = rnd_requested(&s->dom[i], r, &levels);
            dom_labels(&s->dom[i], lab, sizeof(lab));
            for (unsigned k = 0; k < n; k++) {
                snprintf(lv, sizeof(lv), "%s", lab);
                prom_label_u(lv, sizeof(lv), "level", k + 1);
                if (r == POL_CPU)
                    cpus(f, name[r], lv, levels[k]);
                else
                    bytes_of_mib(f, name[r], lv, levels[k]);
            }
        }
    }
}

static void per_domain(FILE *f, const struct dmn_state *s)
{
    char lab[PROM_LABELS_MAX], more[PROM_LABELS_MAX];
    const struct dmn_domain *d;

    prom_family(f, "xenplm_domain_info", "gauge",
                "Always 1: a domain the daemon knows, and where its request comes from (source).");
    for (size_t i = 0; i < s->ndom; i++) {
        d = &s->dom[i];
        dom_labels(d, more, sizeof(more));
        prom_label(more, sizeof(more), "source", eng_source_name(d->eng.source));
        prom_u64(f, "xenplm_domain_info", more, 1);
    }
    prom_family(f, "xenplm_domain_status", "gauge",
                "1 for the domain's status (unmanaged, rejected, no_balloon, uncooperative, ok), 0 "
                "for the "
                "others.");
    for (size_t i = 0; i < s->ndom; i++) {
        d = &s->dom[i];
        const char *st = status_of(d);
        dom_labels(d, lab, sizeof(lab));
        for (size_t k = 0; k < NSTATUS; k++) {
            snprintf(more, sizeof(more), "%s", lab);
            prom_label(more, sizeof(more), "status", statuses[k]);
            prom_u64(f, "xenplm_domain_status", more, strcmp(st, statuses[k]) == 0);
        }
    }
    requested(f, s);
    prom_family(f, "xenplm_domain_cpu_granted_cpus", "gauge",
                "The CPU allocation in force, in pCPUs.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        cpus(f, "xenplm_domain_cpu_granted_cpus", lab, s->dom[i].eng.granted[POL_CPU]);
    }
    prom_family(f, "xenplm_domain_memory_granted_bytes", "gauge",
                "The memory allocation in force, in bytes.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        bytes_of_mib(f, "xenplm_domain_memory_granted_bytes", lab,
                     s->dom[i].eng.granted[POL_MEMORY]);
    }
    prom_family(f, "xenplm_domain_credit_weight", "gauge",
                "The credit scheduler weight Xen accepted from the daemon.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        if (s->dom[i].eng.weight >= 0)
            prom_i64(f, "xenplm_domain_credit_weight", lab, s->dom[i].eng.weight);
    }
    prom_family(f, "xenplm_domain_cpu_cap_cpus", "gauge",
                "The credit scheduler cap Xen accepted from the daemon, in pCPUs (0: no cap).");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        if (s->dom[i].eng.cap >= 0)
            prom_ratio(f, "xenplm_domain_cpu_cap_cpus", lab, s->dom[i].eng.cap, 100);
    }
    prom_family(f, "xenplm_domain_vcpus_online", "gauge", "The domain's vcpus online.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        prom_u64(f, "xenplm_domain_vcpus_online", lab, s->dom[i].eng.vcpus);
    }
    prom_family(f, "xenplm_domain_memory_target_bytes", "gauge",
                "The domain's memory target (its balloon's goal), in bytes.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        bytes_of_kib(f, "xenplm_domain_memory_target_bytes", lab, s->dom[i].info.mem_target_kib);
    }
    prom_family(f, "xenplm_domain_memory_actual_bytes", "gauge",
                "The memory the domain holds, as last read, in bytes.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        bytes_of_kib(f, "xenplm_domain_memory_actual_bytes", lab, s->dom[i].info.mem_actual_kib);
    }
    /* Host-side activity, for the domains whose rates are measured. */
    prom_family(f, "xenplm_domain_network_bytes_per_second", "gauge",
                "An agentless domain's network traffic, both ways, over the last sampling "
                "period.");
    for (size_t i = 0; i < s->ndom; i++) {
        if (!s->dom[i].eng.io_rated)
            continue;
        dom_labels(&s->dom[i], lab, sizeof(lab));
        prom_u64(f, "xenplm_domain_network_bytes_per_second", lab,
                 s->dom[i].eng.net_kib_s > UINT64_MAX / 1024 ? UINT64_MAX
                                                             : s->dom[i].eng.net_kib_s * 1024);
    }
    prom_family(f, "xenplm_domain_disk_requests_per_second", "gauge",
                "An agentless domain's disk requests, read and written, over the last sampling "
                "period.");
    for (size_t i = 0; i < s->ndom; i++) {
        if (!s->dom[i].eng.io_rated)
            continue;
        dom_labels(&s->dom[i], lab, sizeof(lab));
        prom_u64(f, "xenplm_domain_disk_requests_per_second", lab, s->dom[i].eng.disk_req_s);
    }
    prom_family(f, "xenplm_domain_requests_accepted_total", "counter",
                "Requests of the guest accepted that changed what it asks.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        prom_u64(f, "xenplm_domain_requests_accepted_total", lab, s->dom[i].requests);
    }
    prom_family(f, "xenplm_domain_requests_rejected_total", "counter",
                "Requests of the guest refused as invalid or out of bounds.");
    for (size_t i = 0; i < s->ndom; i++) {
        dom_labels(&s->dom[i], lab, sizeof(lab));
        prom_u64(f, "xenplm_domain_requests_rejected_total", lab, s->dom[i].rejected);
    }
}

static void per_host(FILE *f, const struct dmn_state *s)
{
    const struct pol_host *h = &s->policy.host;
    char lab[PROM_LABELS_MAX];

    prom_family(f, "xenplm_pool_cpus", "gauge", "The CPU pool the daemon shares out, in pCPUs.");
    cpus(f, "xenplm_pool_cpus", NULL, s->eng.pool[POL_CPU]);
    prom_family(f, "xenplm_pool_memory_bytes", "gauge",
                "The memory pool the daemon shares out, in bytes.");
    bytes_of_mib(f, "xenplm_pool_memory_bytes", NULL, s->eng.pool[POL_MEMORY]);
    prom_family(f, "xenplm_pool_headroom_cpus", "gauge",
                "CPU the policy keeps out of the pool, in pCPUs.");
    cpus(f, "xenplm_pool_headroom_cpus", NULL, h->share[POL_CPU].pool.headroom);
    prom_family(f, "xenplm_pool_headroom_bytes", "gauge",
                "Memory the policy keeps free, out of the pool, in bytes.");
    bytes_of_mib(f, "xenplm_pool_headroom_bytes", NULL, h->share[POL_MEMORY].pool.headroom);
    prom_family(f, "xenplm_host_cpus", "gauge", "The host's pCPUs, as last read.");
    prom_u64(f, "xenplm_host_cpus", NULL, s->eng.facts.pcpus);
    prom_family(f, "xenplm_host_memory_bytes", "gauge",
                "The host's memory, as last read, in bytes.");
    bytes_of_mib(f, "xenplm_host_memory_bytes", NULL, s->eng.facts.mem_total);
    prom_family(f, "xenplm_host_memory_free_bytes", "gauge",
                "Memory free in Xen, as last read, in bytes.");
    if (s->host.ok)
        bytes_of_kib(f, "xenplm_host_memory_free_bytes", NULL, (uint64_t)s->host.free_kib);
    else
        bytes_of_mib(f, "xenplm_host_memory_free_bytes", NULL, s->eng.facts.mem_free);
    prom_family(f, "xenplm_paused", "gauge", "1 while enforcement is paused (xenplm pause).");
    prom_u64(f, "xenplm_paused", NULL, s->paused);
    prom_family(f, "xenplm_arbitrations_total", "counter", "Arbitrations run.");
    prom_u64(f, "xenplm_arbitrations_total", NULL, s->eng.arbitrations);
    prom_family(f, "xenplm_reallocations_total", "counter",
                "Arbitrations whose allocations replaced those in force.");
    prom_u64(f, "xenplm_reallocations_total", NULL, s->eng.reallocations);
    prom_family(f, "xenplm_enforce_calls_total", "counter", "Calls to Xen to enforce a setting.");
    prom_u64(f, "xenplm_enforce_calls_total", NULL, s->stats.enforce_calls);
    prom_family(f, "xenplm_enforce_errors_total", "counter", "Calls to Xen that Xen refused.");
    prom_u64(f, "xenplm_enforce_errors_total", NULL, s->stats.enforce_errors);
    prom_family(f, "xenplm_watch_events_lost_total", "counter",
                "Guest requests found changed by the periodic check, whose watch event was lost.");
    prom_u64(f, "xenplm_watch_events_lost_total", NULL, s->stats.watch_missed);
    prom_family(f, "xenplm_reaction_seconds", "histogram",
                "From a guest's request seen (its xenstore watch) to its answer, written once "
                "the turn that took it has enforced it.");
    lab[0] = '\0';
    prom_hist_write(f, "xenplm_reaction_seconds", lab, &s->stats.reaction);
}

int render_metrics(FILE *f, const struct dmn_state *s)
{
    per_domain(f, s);
    per_host(f, s);
    rnd_pool_metrics(f, s);
    return rnd_finish(f);
}
