/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's period: see agent.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "core/error.h"
#include "guest-agent/agent.h"
#include "guest-agent/apply.h"

void agent_init(struct agent *a, const struct agent_goals *g, struct agent_store *store,
                const char *root, bool dry_run)
{
    memset(a, 0, sizeof(*a));
    a->goals = *g;
    agent_ctl_tuning_default(&a->tuning);
    agent_ctl_reset(&a->ctl);
    a->root = root ? root : "/";
    a->dry_run = dry_run;
    a->apply = !dry_run;
    a->store = store;
    a->seq = store ? agent_next_seq(store) : 1;
}

void agent_set_goals(struct agent *a, const struct agent_goals *g)
{
    a->goals = *g;
    agent_ctl_reset(&a->ctl);
    memset(a->probe, 0, sizeof(a->probe));
    agent_boost_reset(&a->boost_st);
    /* Publish at the next period whatever the deadband says. */
    a->published = false;
}

/*
 * What the guest holds now and the most it could hold, which bounds every
 * level it asks: its vcpus times 100 (the possible ones, no more than the
 * toolstack lists in xenstore) and its maxmem (memory/static-max; when
 * that is unknown, as in a dry run off Xen, only the absolute bound: what
 * the guest holds now is no limit, its balloon may grow past it).  The metrics
 * are bounded already (agent_metrics_derive); the bounds are applied
 * again here, since the metrics may come from elsewhere.
 */
static void fill_resources(struct agent *a, const struct agent_metrics *m)
{
    plm_amt_t maxmem = 0, memtotal;
    unsigned online = m->vcpus_online < AGENT_MAX_VCPUS ? m->vcpus_online : AGENT_MAX_VCPUS;
    unsigned vmax = m->vcpus_max > 0 ? m->vcpus_max : online, listed = 0;

    if (vmax > AGENT_MAX_VCPUS)
        vmax = AGENT_MAX_VCPUS;
    if (vmax == 0)
        vmax = 1;
    if (a->store && agent_read_maxvcpus(a->store, vmax, &listed) == 0)
        vmax = listed;
    memtotal = m->mem_total < 0 ? 0 : m->mem_total;
    if (memtotal > (plm_amt_t)(AGENT_MAX_MEM_KIB / 1024) * PLM_SCALE)
        memtotal = (plm_amt_t)(AGENT_MAX_MEM_KIB / 1024) * PLM_SCALE;

    if (a->answer.have_grant && (a->answer.grant.flags & PROTO_GRANT_CPU))
        a->in.held[AGENT_RES_CPU] = a->answer.grant.cpu;
    else
        a->in.held[AGENT_RES_CPU] = (plm_amt_t)(online < vmax ? online : vmax) * 100 * PLM_SCALE;
    a->in.held[AGENT_RES_MEM] = memtotal;

    a->in.ceiling[AGENT_RES_CPU] = (plm_amt_t)vmax * 100 * PLM_SCALE;
    /* From inside, a PV guest's maxmem is memory/static-max. */
    a->maxmem_known = a->store && agent_read_maxmem(a->store, &maxmem) == 0 && maxmem > 0;
    if (!a->maxmem_known)
        maxmem = (plm_amt_t)(AGENT_MAX_MEM_KIB / 1024) * PLM_SCALE;
    a->in.ceiling[AGENT_RES_MEM] = maxmem;
}

/*
 * Whole hundredths of a CPU and whole MiB: the controller works in
 * thousandths, but a request of 2360.625 MiB says nothing 2361 does not,
 * and whole units keep the published value readable.  Rounded up, as a
 * need is, except past the ceiling.
 */
static void round_levels(struct agent *a)
{
    for (unsigned r = 0; r < AGENT_NRES; r++) {
        plm_amt_t top = a->in.ceiling[r] > 0 ? a->in.ceiling[r] / PLM_SCALE * PLM_SCALE : 0;

        for (unsigned l = 0; a->out.present[r] && l < a->out.nlevels[r]; l++) {
            plm_amt_t v = a->out.level[r][l];
            plm_amt_t up = (v + PLM_SCALE - 1) / PLM_SCALE * PLM_SCALE;

            if (top > 0 && up > top)
                up = v > top ? v : top;
            a->out.level[r][l] = up <= PLM_AMT_MAX ? up : PLM_AMT_MAX;
        }
    }
}

static void read_answer(struct agent *a)
{
    if (!a->store)
        return;
    agent_read_answer(a->store, &a->answer);
    if (a->answer.bad[0] != '\0')
        log_warnx("the daemon's answer does not decode: %s", a->answer.bad);
    if (a->answer.have_status && !a->answer.ok && a->answer.have_seq &&
        a->answer.seq != a->reported_seq) {
        a->reported_seq = a->answer.seq;
        log_warnx("request seq %" PRIu64 " rejected by the daemon: %s", a->answer.seq,
                  a->answer.reason);
    }
}

static void apply_grant(struct agent *a)
{
    char err[256];

    if (!a->apply || !a->answer.have_grant)
        return;
    if (a->answer.grant.flags & PROTO_GRANT_VCPUS) {
        struct agent_vcpus_result vr;
        if (agent_vcpus_online(a->root, a->answer.grant.vcpus, &vr, err, sizeof(err)) != 0) {
            log_warnx("cannot online granted vcpus: %s", err);
            snprintf(a->last_error, sizeof(a->last_error), "vcpus: %s", err);
        }
        if (vr.onlined > 0)
            log_info("brought %u granted vcpu%s online", vr.onlined, vr.onlined == 1 ? "" : "s");
        /* A vcpu the guest's kernel is still plugging: again next period,
         * and only a hot-plug that never ends is worth a warning. */
        if (vr.pending == 0) {
            a->vcpus_pending_periods = 0;
        } else if (++a->vcpus_pending_periods == AGENT_VCPU_PLUG_PERIODS) {
            log_warnx("%u granted vcpu%s not plugged in after %u periods", vr.pending,
                      vr.pending == 1 ? "" : "s", AGENT_VCPU_PLUG_PERIODS);
            snprintf(a->last_error, sizeof(a->last_error), "vcpus: %u not plugged in", vr.pending);
        } else {
            log_debug("%u granted vcpu%s not plugged in yet", vr.pending,
                      vr.pending == 1 ? "" : "s");
        }
    }
    if (a->goals.apply_cgroups) {
        struct agent_share sh[AGENT_MAX_GOALS];
        plm_amt_t granted[AGENT_NRES] = {a->in.held[AGENT_RES_CPU], a->in.held[AGENT_RES_MEM]};
        int n;

        if (a->answer.grant.flags & PROTO_GRANT_MEM)
            granted[AGENT_RES_MEM] = a->answer.grant.mem;
        n = agent_shares(&a->goals, &a->out, granted, sh, AGENT_MAX_GOALS);
        if (n > 0 && agent_shares_apply(a->root, sh, (size_t)n, err, sizeof(err)) != 0) {
            log_warnx("cannot apply workload shares: %s", err);
            snprintf(a->last_error, sizeof(a->last_error), "cgroups: %s", err);
        }
    }
}

/* The levels of resource r as the CLI prints them, "0/0/200", into buf. */
static const char *levels_text(const struct agent_ctl_output *o, enum agent_resource r, char *buf,
                               size_t cap)
{
    char b[PLM_AMT_STRLEN];
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned l = 0; l < o->nlevels[r] && used < cap; l++) {
        int n = snprintf(buf + used, cap - used, "%s%s", l ? "/" : "",
                         plm_amt_format(o->level[r][l], b));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* One line per request written, at -v: what the agent asked, in order
 * (the real-Xen rig reads the sequence from here). */
static void log_published(const struct agent *a)
{
    char cpu[AGENT_MAX_PRIORITY * (PLM_AMT_STRLEN + 1)], mem[sizeof(cpu)];

    log_info("published seq %" PRIu64 ": cpu %s mem %s", a->request.seq,
             a->out.present[AGENT_RES_CPU] ? levels_text(&a->out, AGENT_RES_CPU, cpu, sizeof(cpu))
                                           : "-",
             a->out.present[AGENT_RES_MEM] ? levels_text(&a->out, AGENT_RES_MEM, mem, sizeof(mem))
                                           : "-");
}

/* A goal with boost= newly missed: a boost asked with this period's
 * request, whose CPU list has the extra level (agent_ctl_boost). */
static void want_boost(struct agent *a, uint64_t now_ms)
{
    uint64_t for_ms = 0;
    plm_amt_t cpu = 0;
    char amt[PLM_AMT_STRLEN];

    a->boost_due = agent_ctl_boost(&a->goals, &a->in, &a->boost_st, now_ms, &a->out, &for_ms, &cpu);
    if (!a->boost_due)
        return;
    a->boost.cpu = cpu;
    a->boost.for_ms = for_ms;
    log_info("a goal with boost= missed: asking a boost of cpu %s for %" PRIu64 " ms",
             plm_amt_format(cpu, amt), for_ms);
}

/* The boost value, written before the request it goes with. */
static int publish_boost(struct agent *a)
{
    char buf[PROTO_BOOST_ENCODED_MAX + 1];
    int n = proto_boost_encode(&a->boost, buf, sizeof(buf));

    if (n < 0)
        return n;
    return agent_store_write(a->store, PROTO_KEY_BOOST, buf, (size_t)n);
}

static int publish(struct agent *a, uint64_t now_ms)
{
    int rc = 0;

    if (!a->dry_run && a->store && a->boost_due) {
        rc = publish_boost(a);
        if (rc != 0)
            log_warnx("cannot write %s: %s", PROTO_KEY_BOOST, plm_strerror(rc));
    }
    if (!a->dry_run && a->store) {
        rc = agent_publish(a->store, &a->request, NULL, 0);
        if (rc != 0) {
            log_warnx("cannot write %s: %s", PROTO_KEY_REQUEST, plm_strerror(rc));
            snprintf(a->last_error, sizeof(a->last_error), "publish: %s", plm_strerror(rc));
            return rc;
        }
    }
    log_published(a);
    a->published = true;
    a->published_ms = now_ms;
    a->published_out = a->out;
    a->published_seq = a->request.seq;
    a->seq = a->request.seq == UINT64_MAX ? 1 : a->request.seq + 1;
    return 1;
}

int agent_period(struct agent *a, const struct agent_metrics *m, const struct tm *local,
                 uint64_t now_ms)
{
    int rc;

    a->last_error[0] = '\0';
    read_answer(a);
    fill_resources(a, m);
    a->in.m = m;

    agent_probes_poll(&a->goals, a->root, &a->probe_ctl, now_ms, a->probe);
    for (unsigned i = 0; i < a->goals.nprobes; i++)
        a->in.probe_ok[i] =
            agent_probe_value(&a->goals.probe[i], &a->probe[i], now_ms, &a->in.probe_value[i]);
    for (unsigned i = 0; i < a->goals.ngoals; i++)
        a->in.active[i] = agent_goal_active(&a->goals.goal[i], local);

    rc = agent_ctl_step(&a->goals, &a->tuning, &a->ctl, &a->in, &a->out);
    if (rc != 0)
        return rc;
    round_levels(a);
    want_boost(a, now_ms);

    a->have_request = agent_request_build(&a->out, a->seq, &a->request) == 0;
    if (a->have_request &&
        proto_request_encode(&a->request, a->request_text, sizeof(a->request_text)) < 0)
        a->have_request = false;
    if (!a->have_request) {
        a->request_text[0] = '\0';
        apply_grant(a);
        return 0; /* no goals on any resource: nothing to ask */
    }

    rc = 0;
    a->boost.seq = a->request.seq;
    if (a->boost_due || agent_ctl_should_publish(&a->goals, a->published ? &a->published_out : NULL,
                                                 a->published_ms, &a->out, now_ms))
        rc = publish(a, now_ms);
    apply_grant(a);
    return rc;
}

static void print_list(FILE *f, const struct agent_ctl_output *o, enum agent_resource r)
{
    char buf[AGENT_MAX_PRIORITY * (PLM_AMT_STRLEN + 1)];

    if (!o->present[r]) {
        fprintf(f, "  %-4s -\n", agent_resource_name(r));
        return;
    }
    /* Levels as the CLI prints them: "0/0/200", level 1 first. */
    fprintf(f, "  %-4s %s", agent_resource_name(r), levels_text(o, r, buf, sizeof(buf)));
    fprintf(f, " %s\n",
            r == AGENT_RES_CPU ? "(hundredths of a CPU, levels 1..n)" : "(MiB, levels 1..n)");
}

void agent_report(const struct agent *a, FILE *f)
{
    char b1[PLM_AMT_STRLEN], b2[PLM_AMT_STRLEN];

    fprintf(f, "goals:\n");
    for (unsigned i = 0; i < a->goals.ngoals; i++) {
        const struct agent_goal *g = &a->goals.goal[i];
        fprintf(f, "  %-16s p%-2u %-4s %-13s %-8s need %s\n", g->name, g->priority,
                agent_resource_name(g->res), agent_metric_name(g->metric),
                agent_goal_state_name(a->out.state[i]), plm_amt_format(a->out.need[i], b1));
    }
    fprintf(f, "request:\n");
    print_list(f, &a->out, AGENT_RES_CPU);
    print_list(f, &a->out, AGENT_RES_MEM);
    fprintf(f, "holds: cpu %s mem %s\n", plm_amt_format(a->in.held[AGENT_RES_CPU], b1),
            plm_amt_format(a->in.held[AGENT_RES_MEM], b2));
    if (a->maxmem_known)
        fprintf(f, "can hold: cpu %s mem %s (possible vcpus, memory/static-max)\n",
                plm_amt_format(a->in.ceiling[AGENT_RES_CPU], b1),
                plm_amt_format(a->in.ceiling[AGENT_RES_MEM], b2));
    else
        fprintf(f, "can hold: cpu %s mem - (possible vcpus; memory/static-max unknown)\n",
                plm_amt_format(a->in.ceiling[AGENT_RES_CPU], b1));
    if (a->answer.have_grant) {
        char g[PROTO_GRANT_ENCODED_MAX + 1];
        if (proto_grant_encode(&a->answer.grant, g, sizeof(g)) > 0)
            fprintf(f, "granted: %s", g);
    }
    if (a->answer.have_status && a->answer.ok && a->answer.reason[0])
        fprintf(f, "status: ok: %s (seq %" PRIu64 ")\n", a->answer.reason, a->answer.seq);
    else if (a->answer.have_status && a->answer.ok)
        fprintf(f, "status: ok (seq %" PRIu64 ")\n", a->answer.seq);
    else if (a->answer.have_status)
        fprintf(f, "status: rejected: %s (seq %" PRIu64 ")\n", a->answer.reason, a->answer.seq);
    if (a->last_error[0])
        fprintf(f, "error: %s\n", a->last_error);
}
