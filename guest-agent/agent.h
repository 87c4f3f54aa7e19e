/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's period: measurements in, request out.
 *
 * agent_period is everything the agent does once per interval, given the
 * metrics of that interval: read what the daemon granted, run the probes
 * that are due, step the controller, publish the request when it changed
 * enough (or the heartbeat is due), and apply the grant inside the guest.
 * It reads no /proc file itself (main.c takes the snapshots), so tests can
 * drive it with made-up metrics against the simulated host.
 */
#ifndef XENPLM_AGENT_AGENT_H
#define XENPLM_AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "guest-agent/controller.h"
#include "guest-agent/exchange.h"
#include "guest-agent/goals.h"
#include "guest-agent/monitor.h"
#include "guest-agent/probe.h"
#include "guest-agent/store.h"
#include "protocol/boost.h"

/* Periods a granted vcpu may stay "not plugged in yet" before a warning. */
#define AGENT_VCPU_PLUG_PERIODS 10

struct agent {
    struct agent_goals goals;
    struct agent_ctl_tuning tuning;
    struct agent_ctl_state ctl;
    struct agent_probe_state probe[AGENT_MAX_PROBES];
    const char *root; /* where /proc, /sys and probe files are read ("/") */
    bool dry_run;     /* compute and report, write nothing anywhere */
    bool apply;       /* online granted vcpus (and set cgroups if the goals say so) */
    struct agent_probe_ctl probe_ctl; /* how probe commands run (main sets the stop flag) */

    struct agent_store *store; /* NULL: no xenstore (dry run) */
    uint64_t seq;              /* the next seq to publish */

    /* The last period. */
    struct agent_ctl_input in;
    bool maxmem_known; /* in.ceiling[mem] is memory/static-max, not MemTotal */
    struct agent_ctl_output out;
    struct agent_answer answer;
    bool have_request;
    struct proto_request request;                     /* built in the last period */
    char request_text[PROTO_REQUEST_ENCODED_MAX + 1]; /* its encoding */
    /* A boost to ask with this period's request (a goal with boost= newly
     * missed: agent_ctl_boost), and what that decides with. */
    bool boost_due;
    struct proto_boost boost;
    struct agent_boost_state boost_st;

    /* The last publication. */
    bool published;
    uint64_t published_ms;
    struct agent_ctl_output published_out;
    uint64_t published_seq;
    uint64_t reported_seq;          /* rejection already logged for this seq */
    char last_error[300];           /* last failure to publish or apply, "" when none */
    unsigned vcpus_pending_periods; /* periods in a row a granted vcpu was not plugged in */
};

/* Start with these goals (copied); store may be NULL. */
void agent_init(struct agent *a, const struct agent_goals *g, struct agent_store *store,
                const char *root, bool dry_run);
/* New goals, e.g. after SIGHUP: the controller starts over. */
void agent_set_goals(struct agent *a, const struct agent_goals *g);

/*
 * One period.  m: this interval's metrics; local: the local time (for
 * windows); now_ms: a monotonic clock.  Returns 1 when a request was
 * published (or, in a dry run, would have been), 0 when not, or a
 * negative PLM_E* code when publishing failed (logged; the next period
 * tries again).
 */
int agent_period(struct agent *a, const struct agent_metrics *m, const struct tm *local,
                 uint64_t now_ms);

/* A human-readable report of the last period: goals, lists, grant. */
void agent_report(const struct agent *a, FILE *f);

#endif
