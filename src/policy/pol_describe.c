/* SPDX-License-Identifier: GPL-2.0-only */
/* pol_describe: a loaded policy in words, for people (xenplm policy-check, xenplmd). */
#include "config.h"

#include <stdio.h>

#include "policy/pol_int.h"

static const char *amt_or_none(plm_amt_t a, char buf[PLM_AMT_STRLEN])
{
    if (a == PLM_AMT_MAX) {
        snprintf(buf, PLM_AMT_STRLEN, "none");
        return buf;
    }
    return plm_amt_format(a, buf);
}

static void describe_share(const struct pol_share *s, enum pol_resource r, FILE *f)
{
    static const char *const base_text[] = {"pCPUs x 100", "free + guests' memory", "host memory"};
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN], d[32];

    fprintf(f, "  %s (%s):\n", pol_resource_name(r), r == POL_CPU ? "hundredths of a pCPU" : "MiB");
    fprintf(f, "    pool      %s - reserve %s - headroom %s, limit %s\n", base_text[s->pool.base],
            plm_amt_format(s->pool.reserve, a), plm_amt_format(s->pool.headroom, b),
            amt_or_none(s->pool.limit, c));
    fprintf(f, "    minimal   %s, unit %s, mode %s\n", plm_amt_format(s->minimal, a),
            plm_amt_format(s->unit, b), plm_mode_name(s->mode));
    if (s->leftover == PLM_LEFTOVER_DEFAULT)
        fprintf(f, "    leftover  to domain %s\n", s->leftover_domain);
    else
        fprintf(f, "    leftover  %s\n", plm_leftover_name(s->leftover));
    if (s->reclaim_needed)
        fprintf(f, "    reclaim   when needed (what a domain holds above its allocation "
                   "stays with it until then)\n");
    fprintf(f, "    trigger   ignore changes below %s;", plm_amt_format(s->trigger.min_delta, a));
    for (size_t i = 0; i < s->trigger.nrules; i++) {
        const struct plm_trigger_rule *rule = &s->trigger.rule[i];
        fprintf(f, "%s %s%%", i ? "," : "", plm_amt_format((plm_amt_t)rule->pct100 * 10, a));
        if (rule->samples)
            fprintf(f, " x%lu", (unsigned long)rule->samples);
        if (rule->duration_ms)
            fprintf(f, "%s for %s", rule->samples ? " or" : "",
                    px_duration_format(rule->duration_ms, d, sizeof(d)));
    }
    fputc('\n', f);
}

static void describe_domain(const struct pol_domain *d, FILE *f)
{
    /* One buffer per value printed by a single call: they are all live at once. */
    char cmin[PLM_AMT_STRLEN], cmax[PLM_AMT_STRLEN], mmin[PLM_AMT_STRLEN], mmax[PLM_AMT_STRLEN];
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], t[32];

    fprintf(f, "    cpu %s..%s, enforced by %s, vcpu hotplug %s; memory %s..%s\n",
            plm_amt_format(d->min[POL_CPU], cmin), amt_or_none(d->max[POL_CPU], cmax),
            pol_enforce_name(d->cpu_enforce), d->vcpu_hotplug ? "on" : "off",
            plm_amt_format(d->min[POL_MEMORY], mmin), amt_or_none(d->max[POL_MEMORY], mmax));
    if (d->nlevels) {
        fprintf(f, "    levels   ");
        for (unsigned g = 1; g <= d->nlevels; g++) {
            fprintf(f, " %u->%u", g, d->host_level[g - 1]);
            if (d->cap[POL_CPU][g - 1] != PLM_AMT_MAX || d->cap[POL_MEMORY][g - 1] != PLM_AMT_MAX)
                fprintf(f, " (cpu <= %s, memory <= %s)", amt_or_none(d->cap[POL_CPU][g - 1], a),
                        amt_or_none(d->cap[POL_MEMORY][g - 1], b));
        }
        fprintf(f, "%s\n",
                d->nlevels < PLM_MAX_LEVELS ? ", then one host level per guest level" : "");
    }
    if (d->agentless)
        fprintf(
            f, "    agentless: after %s without an agent, measured cpu + %s%% at guest level %u\n",
            px_duration_format(d->agentless_after_ms, t, sizeof(t)),
            plm_amt_format((plm_amt_t)d->agentless_headroom_pct100 * 10, a), d->agentless_level);
    if (d->agentless && d->agentless_io_cpu)
        fprintf(f,
                "    agentless io: at least %s cpu while its network reaches %lu KiB/s or its "
                "disks %lu requests/s\n",
                plm_amt_format(d->agentless_io_cpu, a), (unsigned long)d->agentless_net_busy_kib_s,
                (unsigned long)d->agentless_disk_busy_req_s);
    else if (d->agentless)
        fprintf(f, "    agentless io: not used (io-cpu 0)\n");
    if (d->anticipate) {
        char u[32];
        fprintf(f,
                "    anticipate: recurring requests asked ahead by their lead + %s, up to %s "
                "ahead\n",
                px_duration_format(d->anticipate_margin_ms, t, sizeof(t)),
                px_duration_format(d->anticipate_max_lead_ms, u, sizeof(u)));
    }
    if (d->affinity_hard || d->affinity_soft) {
        char h[PLM_CPUMAP_STRLEN], s[PLM_CPUMAP_STRLEN];
        fprintf(f, "    affinity: hard %s, soft %s\n",
                d->affinity_hard ? plm_cpumap_format(&d->hard, h, sizeof(h)) : "as Xen has it",
                d->affinity_soft ? plm_cpumap_format(&d->soft, s, sizeof(s)) : "as Xen has it");
    }
    if (d->boost) {
        char u[32], v[32];
        fprintf(f, "    boost: at most %s at a time, %s apart, %s in any hour\n",
                px_duration_format(d->boost_max_ms, t, sizeof(t)),
                px_duration_format(d->boost_cooldown_ms, u, sizeof(u)),
                px_duration_format(d->boost_per_hour_ms, v, sizeof(v)));
    }
}

static void describe_pool(const struct pol_pool_section *p, FILE *f)
{
    char t[32], u[32];

    if (!p->line) {
        fprintf(f, "pool: none (this host alone)\n");
        return;
    }
    fprintf(f, "pool '%s' (line %u): mode %s, this host '%s'%s\n", p->name, p->line,
            pol_pool_mode_name(p->mode), p->host, p->host_default ? " (its hostname)" : "");
    for (size_t i = 0; i < p->nendpoints; i++)
        fprintf(f, "  endpoint  %s\n", p->endpoint[i]);
    fprintf(f, "  address   %s%s\n", p->address ? p->address : p->host,
            p->address ? "" : " (its name in the pool)");
    if (p->cert)
        fprintf(f, "  tls       cert %s, key %s, CA %s\n", p->cert, p->key,
                p->ca ? p->ca : "the system's");
    fprintf(f, "  lease     TTL %s; publish at most every %s\n",
            px_duration_format(p->lease_ttl_ms, t, sizeof(t)),
            px_duration_format(p->publish_interval_ms, u, sizeof(u)));
    fprintf(f, "  plan      the leader plans at most every %s; a move waits a hold of %s\n",
            px_duration_format(p->plan_interval_ms, t, sizeof(t)),
            px_duration_format(p->plan_hold_ms, u, sizeof(u)));
    fprintf(f, "  migrate   through %s%s%s, at most %s each unless an order says\n",
            p->mig_transport ? "'" : "xl's own ssh", p->mig_transport ? p->mig_transport : "",
            p->mig_transport ? "'" : "", px_duration_format(p->mig_timeout_ms, t, sizeof(t)));
}

void pol_describe(const struct pol_policy *p, FILE *f)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], t[32];
    const struct pol_host *h = &p->host;

    fprintf(f, "policy %s\n", p->source ? p->source : "(built-in defaults)");
    fprintf(f, "host:\n  tick every %s\n", px_duration_format(h->tick_ms, t, sizeof(t)));
    describe_share(&h->share[POL_CPU], POL_CPU, f);
    describe_share(&h->share[POL_MEMORY], POL_MEMORY, f);
    fprintf(f, "  balloon   %s..%s MiB/s%s\n", plm_amt_format(h->balloon_min_rate, a),
            plm_amt_format(h->balloon_max_rate, b), h->balloon_adaptive ? ", adaptive" : "");
    fprintf(f, "  requests  %s per second per guest, bursts of %lu\n",
            plm_amt_format(h->request_rate, a), (unsigned long)h->request_burst);
    if (h->metrics_dir)
        fprintf(f, "  metrics   %s/xenplm.prom, at least every %s\n", h->metrics_dir,
                px_duration_format(h->metrics_interval_ms, t, sizeof(t)));
    describe_pool(&p->pool, f);
    fprintf(f, "domains (%zu entries, first match wins):\n", p->ndomains);
    for (size_t i = 0; i < p->ndomains; i++) {
        const struct pol_domain *d = &p->domain[i];
        if (d->kind == POL_MATCH_NAME)
            fprintf(f, "  %zu. name '%s' (line %u)\n", i + 1, d->name, d->line);
        else
            fprintf(f, "  %zu. uuid %s (line %u)\n", i + 1, d->uuid, d->line);
        describe_domain(d, f);
    }
    fprintf(f, "  any other domain:\n");
    describe_domain(&p->unmatched, f);
}
