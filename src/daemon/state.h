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

#include "common/prom.h"
#include "daemon/pool.h"
#include "engine/engine.h"
#include "policy/policy.h"
#include "port/port.h"
#include "protocol/feature.h"
#include "protocol/grant.h"
#include "protocol/ratelimit.h"
#include "protocol/request.h"

/* Resources, indexed as in the policy: POL_CPU (hundredths of a pCPU) and
 * POL_MEMORY (MiB). */
#define DMN_NRES ENG_NRES

/* A host call that failed: the failures in a row (0: none), and when it
 * is next tried (retry.c's backoff). */
struct dmn_retry {
    uint32_t fails;
    uint32_t wait_ms; /* at most apply.c's RETRY_MAX_MS */
    uint64_t at_ms;
};

/* The calls retried per domain: its four enforcements (indexed as the
 * engine's action kinds), the reading of its domain info, its setup in
 * xenstore (grant directory, watches), and the writes of its grant and
 * status. */
enum dmn_retry_kind {
    DMN_RETRY_SCHED,
    DMN_RETRY_VCPUS,
    DMN_RETRY_TARGET,
    DMN_RETRY_AFFINITY,
    DMN_RETRY_INFO,
    DMN_RETRY_SETUP,
    DMN_RETRY_GRANT,
    DMN_RETRY_STATUS,
    DMN_NRETRY
};

/* What adopting a domain sets up in xenstore, as bits of
 * dmn_domain.setup_missing: its grant directory, and its three watches. */
#define DMN_SETUP_GRANT_DIR 1u /* xenplm/, read-only for the guest */
#define DMN_SETUP_REQUEST 2u   /* the watch on data/xenplm/request */
#define DMN_SETUP_FEATURE 4u   /* the watch on control/feature-balloon */
#define DMN_SETUP_BOOST 8u     /* the watch on data/xenplm/boost */

/*
 * One domain: what the port said of it, what its guest asked and how the
 * daemon answered (the intake's side), and the engine's record of what
 * it decided and what is enforced (eng).
 */
struct dmn_domain {
    struct port_domain info;       /* last read from the port */
    const struct pol_domain *rule; /* matched policy rule (never NULL) */
    bool present;                  /* seen in the last domain listing */

    /* What the guest asked (last good request) and how it went. */
    struct proto_request req;
    bool have_req;
    uint64_t req_at_ms; /* when the last good request arrived */
    /* The boost value read with the last new request (have_boost: there
     * was one for it), or why it was refused (boost_bad: this turn's). */
    struct proto_boost boost;
    bool have_boost, boost_bad;
    /* Its boost key may have changed since it was last read: its watch
     * fired (or was registered: it fires then), the connection was made
     * again, or the periodic check found a request whose event was lost.
     * A new request reads the key only then, or while the watch is
     * missing; a read that gets an answer (a value, or no key) clears
     * it.  So a guest that never boosts costs its request one xenstore
     * round trip, not two. */
    bool boost_due;
    char boost_err[PROTO_ERR_LEN];
    uint64_t requests, rejected; /* counters */
    bool pending_read;           /* a write arrived while rate-limited */
    /* The periodic scan's safety net for a lost watch event: read the
     * request once more at the next turn, acting only if its value is not
     * the one read last (raw_hash, a hash of its bytes and length). */
    bool recheck, raw_known;
    uint64_t raw_hash;
    /* A watch said its request changed, at seen_at_ms, and its answer is
     * not written yet: the start of the daemon's reaction.  pending_at_ms:
     * when the first watch put off by the rate limit fired (the read that
     * is owed for it starts its reaction there; pending_watch: one did). */
    bool seen, pending_watch;
    uint64_t seen_at_ms, pending_at_ms;
    bool answer_due;                         /* "ok" owed for the request read */
    bool changed;                            /* its request, rule or override changed */
    char status[PROTO_STATUS_MAX + 1];       /* last status written for the guest */
    uint64_t acked_seq;                      /* last seq written back */
    char grant[PROTO_GRANT_ENCODED_MAX + 1]; /* last granted value written */
    /* Writes xenstored refused, owed until they go through (answer.c):
     * the grant (its value is the engine's), the status and seq. */
    bool grant_owed, status_owed;
    char owed_status[PROTO_STATUS_MAX + 1];
    uint64_t owed_seq;
    struct proto_ratelimit rl;
    uint64_t errors; /* port calls that failed */
    /* Calls Xen refused, per kind: the failures in a row, and when the
     * next try is due. */
    struct dmn_retry retry[DMN_NRETRY];
    bool grant_held; /* its grant waits for Xen to accept its CPU settings */
    /* What xenstored refused of its setup (DMN_SETUP_* bits): made again
     * with the backoff of retry[DMN_RETRY_SETUP], and the keys read once
     * they are there. */
    unsigned setup_missing;
    /* Its control/feature-balloon (a guest-written key, watched): as last
     * read; a read owed (the watch fired), and when the last one was made
     * (reads are at most one per DMN_FEATURE_READ_MS, whatever the guest
     * writes). */
    enum proto_feature balloon_key;
    bool feature_due;
    uint64_t feature_read_ms;

    struct eng_dom eng; /* the decision's record: allocations, enforcement */
};

struct dmn_stats {
    uint64_t events, arbitrations, reallocations, xs_reads, xs_writes;
    uint64_t enforce_calls, enforce_errors;
    /* Requests found changed by the periodic check, not by a watch event:
     * watch events lost (requests.c). */
    uint64_t watch_missed;
    uint64_t xs_rechecks; /* of xs_reads, those the periodic check made */
    uint64_t allocations; /* decisions that changed an allocation in force: the table's number */
    /* From a request seen (its watch fired) to its answer written, after
     * the enforcement of its turn (xenplmd(8), PROMETHEUS METRICS). */
    struct prom_hist reaction;
};

/*
 * The live migration this host runs for a pool order (migrate.c), at most
 * one at a time: the order, the domain, the port's handle, its deadline,
 * the progress last reported; and the last report made (for the log,
 * `xenplm show` and tests).
 */
struct dmn_migration {
    bool running;
    struct dmn_pool_order order;
    uint32_t domid, handle;
    uint64_t started_ms, deadline_ms, next_poll_ms;
    bool aborted;
    bool settling;             /* past its timeout, suspended here: said once */
    uint64_t now_ms;           /* the time of the last look at it */
    enum port_mig_stage stage; /* where the domain stood here at the last poll */
    int pct;                   /* -1: not known */
    /* The destination in this host's reads of the pool since the start
     * (engine/mig_guard.h): the thread's read count last looked at, the
     * reads in a row that missed it, since when (port clock). */
    uint64_t pool_reads;
    unsigned dest_missed;
    uint64_t dest_missed_ms;
    bool reported;
    struct dmn_pool_order_report last;
    uint64_t started, done, failed; /* counters */
};

struct dmn_state {
    struct dmn_domain *dom; /* sorted by domid */
    size_t ndom, cap;
    struct pol_policy policy;
    char policy_path[512];
    bool paused; /* watch and arbitrate, but do not enforce */
    uint64_t started_ms;
    struct eng_state eng; /* pools, facts, the mover's and trigger's timing */
    struct eng_host host; /* the host's facts as the snapshot last read them (ok: ever) */
    struct dmn_stats stats;
    struct dmn_migration mig;
    /* Pool mode's figures, as the pool thread last handed them (pool.h;
     * on: false outside a pool). */
    struct dmn_pool_summary pool;
};

/* Find a domain by id, or by name or id given as text; NULL when absent. */
struct dmn_domain *dmn_find(struct dmn_state *s, uint32_t domid);
const struct dmn_domain *dmn_lookup(const struct dmn_state *s, const char *name_or_id);

#endif
