/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's metrics (render_prom.h).  Names as xenplmd's: xenplm_agent_
 * first, base units last (cpus, bytes), _total on counters.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/prom.h"
#include "core/error.h"
#include "guest-agent/render_prom.h"

#define BYTES_PER_MIB ((int64_t)1024 * 1024)

/* An amount of resource r (CPU hundredths, MiB; thousandths of those) in
 * its base unit: CPUs or bytes. */
static void amount(FILE *f, const char *name, const char *lab, enum agent_resource r, plm_amt_t v)
{
    if (r == AGENT_RES_CPU) {
        prom_ratio(f, name, lab, v, PLM_SCALE * 100);
        return;
    }
    /* To the nearest byte; an amount is at most 10^12, so v x 2^20 fits. */
    if (v > (INT64_MAX - PLM_SCALE) / BYTES_PER_MIB)
        v = (INT64_MAX - PLM_SCALE) / BYTES_PER_MIB;
    prom_i64(f, name, lab, (v * BYTES_PER_MIB + PLM_SCALE / 2) / PLM_SCALE);
}

static const char *const res_word[AGENT_NRES] = {
    [AGENT_RES_CPU] = "cpu", [AGENT_RES_MEM] = "memory"};

static void goal_labels(const struct agent_goal *g, char *buf, size_t size)
{
    buf[0] = '\0';
    prom_label(buf, size, "goal", g->name);
    prom_label_u(buf, size, "priority", g->priority);
    prom_label(buf, size, "resource", res_word[g->res]);
}

static const enum agent_goal_state states[] = {AGENT_GOAL_INACTIVE, AGENT_GOAL_NODATA,
                                               AGENT_GOAL_MISSED, AGENT_GOAL_MET, AGENT_GOAL_OVER};

static void goals(FILE *f, const struct agent *a)
{
    char lab[PROM_LABELS_MAX], more[PROM_LABELS_MAX];
    const struct agent_goals *g = &a->goals;

    prom_family(f, "xenplm_agent_goal_met", "gauge",
                "1 while the goal is met (or over-achieved), 0 while it is missed, inactive or "
                "without data.");
    for (unsigned i = 0; i < g->ngoals; i++) {
        enum agent_goal_state st = a->out.state[i];
        goal_labels(&g->goal[i], lab, sizeof(lab));
        prom_u64(f, "xenplm_agent_goal_met", lab, st == AGENT_GOAL_MET || st == AGENT_GOAL_OVER);
    }
    prom_family(f, "xenplm_agent_goal_state", "gauge",
                "1 for the goal's state (inactive, nodata, missed, met, over), 0 for the others.");
    for (unsigned i = 0; i < g->ngoals; i++) {
        goal_labels(&g->goal[i], lab, sizeof(lab));
        for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
            snprintf(more, sizeof(more), "%s", lab);
            prom_label(more, sizeof(more), "state", agent_goal_state_name(states[k]));
            prom_u64(f, "xenplm_agent_goal_state", more, a->out.state[i] == states[k]);
        }
    }
    static const char *const need[AGENT_NRES] = {"xenplm_agent_goal_need_cpus",
                                                 "xenplm_agent_goal_need_bytes"};
    static const char *const need_help[AGENT_NRES] = {"The CPU the goal needs, in CPUs.",
                                                      "The memory the goal needs, in bytes."};
    for (int r = 0; r < AGENT_NRES; r++) {
        prom_family(f, need[r], "gauge", need_help[r]);
        for (unsigned i = 0; i < g->ngoals; i++) {
            if (g->goal[i].res != (enum agent_resource)r)
                continue;
            goal_labels(&g->goal[i], lab, sizeof(lab));
            amount(f, need[r], lab, (enum agent_resource)r, a->out.need[i]);
        }
    }
}

static void request(FILE *f, const struct agent *a)
{
    static const char *const name[AGENT_NRES] = {"xenplm_agent_cpu_requested_cpus",
                                                 "xenplm_agent_memory_requested_bytes"};
    static const char *const help[AGENT_NRES] = {
        "CPU the request last published asks for the goals of priority 1 to level, in CPUs.",
        "Memory the request last published asks for the goals of priority 1 to level, in "
        "bytes."};
    const struct agent_ctl_output *o = &a->published_out;
    char lab[PROM_LABELS_MAX];

    for (int r = 0; r < AGENT_NRES; r++) {
        prom_family(f, name[r], "gauge", help[r]);
        if (!a->published || !o->present[r])
            continue;
        for (unsigned k = 0; k < o->nlevels[r] && k < AGENT_MAX_PRIORITY; k++) {
            lab[0] = '\0';
            prom_label_u(lab, sizeof(lab), "level", k + 1);
            amount(f, name[r], lab, (enum agent_resource)r, o->level[r][k]);
        }
    }
    prom_family(f, "xenplm_agent_request_seq", "gauge",
                "The seq of the request last published (0: none yet).");
    prom_u64(f, "xenplm_agent_request_seq", NULL, a->published ? a->published_seq : 0);
}

static void answer(FILE *f, const struct agent *a)
{
    const struct agent_answer *ans = &a->answer;
    const struct proto_grant *g = &ans->grant;
    static const char *const statuses[] = {"none", "ok", "rejected"};
    const char *st = !ans->have_status ? "none" : ans->ok ? "ok" : "rejected";
    char lab[PROM_LABELS_MAX];

    prom_family(f, "xenplm_agent_cpu_granted_cpus", "gauge",
                "The CPU xenplmd granted, as last read, in CPUs.");
    if (ans->have_grant && (g->flags & PROTO_GRANT_CPU))
        amount(f, "xenplm_agent_cpu_granted_cpus", NULL, AGENT_RES_CPU, g->cpu);
    prom_family(f, "xenplm_agent_memory_granted_bytes", "gauge",
                "The memory xenplmd granted, as last read, in bytes.");
    if (ans->have_grant && (g->flags & PROTO_GRANT_MEM))
        amount(f, "xenplm_agent_memory_granted_bytes", NULL, AGENT_RES_MEM, g->mem);
    prom_family(f, "xenplm_agent_vcpus_granted", "gauge",
                "The vcpus xenplmd granted online, as last read.");
    if (ans->have_grant && (g->flags & PROTO_GRANT_VCPUS))
        prom_u64(f, "xenplm_agent_vcpus_granted", NULL, g->vcpus);
    prom_family(f, "xenplm_agent_request_status", "gauge",
                "1 for xenplmd's verdict on the last request (none yet, ok, rejected), 0 for "
                "the others.");
    for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
        lab[0] = '\0';
        prom_label(lab, sizeof(lab), "status", statuses[k]);
        prom_u64(f, "xenplm_agent_request_status", lab, strcmp(st, statuses[k]) == 0);
    }
}

int agent_render_prom(FILE *f, const struct agent *a)
{
    goals(f, a);
    request(f, a);
    answer(f, a);
    fflush(f);
    return ferror(f) ? PLM_EIO : 0;
}
