/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's master record: every managed domain, what it asked, what it
 * was given and why, and what is being enforced.  The daemon (loop.c and
 * the stages it calls) is its only writer; the control socket renders it
 * read-only.
 */
#ifndef XENPLM_DAEMON_STATE_H
#define XENPLM_DAEMON_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arbiter.h"
#include "core/balloon.h"
#include "core/trigger.h"
#include "policy/policy.h"
#include "port/port.h"
#include "protocol/grant.h"
#include "protocol/ratelimit.h"
#include "protocol/request.h"

/* Resources, indexed as in the policy: POL_CPU (hundredths of a pCPU) and
 * POL_MEMORY (MiB). */
#define DMN_NRES POL_NRES

enum dmn_source {
    DMN_SRC_NONE = 0,  /* no request yet: the domain holds its floor */
    DMN_SRC_AGENT,     /* the guest agent's request */
    DMN_SRC_AGENTLESS, /* synthesized from measured CPU use */
    DMN_SRC_OVERRIDE,  /* `xenplm set`, until it expires */
};

/* A manual override from `xenplm set DOM ...`. */
struct dmn_override {
    bool active[DMN_NRES];
    plm_amt_t amount[DMN_NRES]; /* fixed allocation while active */
    uint64_t until_ms;          /* port clock; 0 = until cleared */
};

struct dmn_domain {
    struct port_domain info;       /* last read from the port */
    const struct pol_domain *rule; /* matched policy rule (never NULL) */
    bool present;                  /* seen in the last domain listing */

    /* What the guest asked (last good request) and how it went. */
    struct proto_request req;
    bool have_req;
    uint64_t req_at_ms;                      /* when the last good request arrived */
    uint64_t requests, rejected;             /* counters */
    bool pending_read;                       /* a write arrived while rate-limited */
    bool report_due;                         /* "ok" for a new request, not yet written */
    char status[PROTO_STATUS_MAX + 1];       /* last status written for the guest */
    uint64_t acked_seq;                      /* last seq written back */
    char grant[PROTO_GRANT_ENCODED_MAX + 1]; /* last granted value written */
    struct proto_ratelimit rl;

    /* What the arbiter sees and decides, per resource. */
    enum dmn_source source;
    struct plm_request plm[DMN_NRES];
    struct plm_outcome outcome[DMN_NRES]; /* last arbitration */
    plm_amt_t granted[DMN_NRES];          /* allocation in force */
    struct plm_trigger_state trig[DMN_NRES];
    char why[DMN_NRES][96]; /* human reason of the last change */
    struct dmn_override override;

    /* What is enforced. */
    int weight, cap;                          /* credit scheduler, as last set (-1 unknown) */
    unsigned vcpus;                           /* online vcpus as last set */
    struct bal_dom mem;                       /* the memory mover's record (KiB) */
    uint64_t cpu_time_prev_ns, cpu_sample_ms; /* agentless sampling */
    plm_amt_t cpu_used_pct;                   /* measured, ticks */
    bool cpu_sampled;                         /* cpu_used_pct holds a measurement */
    uint64_t errors;                          /* port calls that failed */
    bool changed;                             /* grant changed, not yet enforced */
};

struct dmn_stats {
    uint64_t events, arbitrations, reallocations, xs_reads, xs_writes;
    uint64_t enforce_calls, enforce_errors;
};

struct dmn_state {
    struct dmn_domain *dom; /* sorted by domid */
    size_t ndom, cap;
    struct pol_policy policy;
    char policy_path[512];
    bool paused; /* watch and arbitrate, but do not enforce */
    uint64_t started_ms, last_arbitration_ms;
    struct pol_host_facts facts;
    plm_amt_t pool[DMN_NRES];
    struct plm_summary summary[DMN_NRES];
    struct dmn_stats stats;
};

/* Find a domain by id, or by name or id given as text; NULL when absent. */
struct dmn_domain *dmn_find(struct dmn_state *s, uint32_t domid);
const struct dmn_domain *dmn_lookup(const struct dmn_state *s, const char *name_or_id);

const char *dmn_source_name(enum dmn_source src);

#endif
