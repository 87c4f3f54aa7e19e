/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd in a pool (issue 14): the publisher, a thread of its own that
 * holds this host's lease in etcd and writes what changed of the host's
 * records at most once per publish interval (built with pool support
 * only: HAVE_POOL).
 *
 * The loop hands it the host as each turn's report leaves it
 * (dmn_pool_offer: a copy into a one-slot queue under a mutex, the
 * newest replacing one not yet taken, and a condition variable to wake
 * the thread), and never waits on etcd: the decision stays a pure
 * function and the host's arbitration goes on whatever etcd does.
 *
 * The thread: grants a lease of the policy's TTL and keeps it alive
 * (every third of the TTL); reads what its prefix holds once after each
 * grant (a previous run's records, still under their lease after a
 * crash), then writes the diff of each offer against what it wrote last,
 * in transactions of at most ETCD_TXN_MAX_OPS operations, every key
 * under the lease.  etcd down: it logs once, retries with a backoff up to
 * a third of the TTL, and when etcd answers again logs so, grants a new
 * lease if the old one expired and publishes everything again.  At a
 * clean stop it revokes the lease, so the records vanish at once; a
 * killed daemon's vanish within the TTL.
 */
#ifndef XENPLM_DAEMON_POOL_H
#define XENPLM_DAEMON_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"
#include "policy/policy.h"
#include "daemon/pool_orderplan.h"
#include "daemon/pool_plantext.h"
#include "pool/etcd.h"
#include "pool/pool_record.h"

struct dmn_pool;

/* What the publisher has done, for the log and tests. */
struct dmn_pool_stats {
    uint64_t rounds;       /* publishing rounds that wrote something */
    uint64_t keys_put;     /* records written */
    uint64_t keys_deleted; /* records deleted */
    uint64_t bytes;        /* key and value bytes written */
    uint64_t failures;     /* etcd calls that failed */
    uint64_t plans;        /* plans published as the leader */
};

/* Who leads the pool, as the thread last read it from etcd. */
struct dmn_pool_leader {
    bool known;                       /* etcd said, at its last answer */
    bool self;                        /* this host leads now */
    char host[PLM_POOL_NAME_MAX + 1]; /* the leader's host ("": none) */
    int64_t rev;                      /* its election revision (fencing token) */
    uint64_t elected;                 /* times this host was elected */
    uint64_t until_ms;                /* self: acting until then (monotonic) */
};

/*
 * The pool thread's figures for the loop (`xenplm status`, the metrics
 * file): a copy taken under the thread's mutex, which the thread holds
 * only between its calls to etcd, never across one.
 */
struct dmn_pool_summary {
    bool on;                          /* a pool section is on (pool support built) */
    char pool[PLM_POOL_NAME_MAX + 1]; /* its name, and this host's in it */
    char host[PLM_POOL_NAME_MAX + 1];
    bool member;                             /* holds its lease: its records are in etcd */
    bool leader;                             /* acts as the pool's leader now */
    char leader_host[PLM_POOL_NAME_MAX + 1]; /* who leads, as last read ("": none known) */
    int64_t leader_rev;                      /* the leader's election revision (0: none) */
    size_t hosts;                            /* hosts in the last read of the pool */
    /* Orders for this host (as the source), by what it wrote of them. */
    uint64_t orders_accepted, orders_refused, orders_done, orders_failed;
    bool migrating;            /* the loop runs an order's migration (the loop's own figure) */
    bool published;            /* etcd took a publishing round of this thread's */
    uint64_t publish_age_ms;   /* since the last one, when the copy was taken */
    struct etcd_counters etcd; /* the thread's client, and those of the threads before it */
};
/* The thread's figures now (on: true); never blocks on etcd. */
void dmn_pool_summary(struct dmn_pool *p, struct dmn_pool_summary *out);
/* The counters (orders, etcd calls) of a thread before this one, which a
 * reload stopped (dmn_pool_stop's last figures), added to this one's: a
 * counter of the metrics never goes back while the daemon runs. */
void dmn_pool_carry(struct dmn_pool *p, const struct dmn_pool_summary *before);

/* Start publishing per cfg (copied); 0, or PLM_E* after logging why.
 * in_flight: the order whose migration the loop is carrying out (a
 * reload restarts the thread): the new thread takes it as its own, and
 * writes the loop's reports on it, instead of failing it as an earlier
 * run's (NULL: none). */
struct dmn_pool_order;
int dmn_pool_start(struct dmn_pool **out, const struct pol_pool_section *cfg,
                   const struct dmn_pool_order *in_flight);
/* Hand the thread the host's newest records (copied; never blocks on etcd). */
void dmn_pool_offer(struct dmn_pool *p, const struct prec_host *h, const struct prec_domain *doms,
                    size_t n);
/* Stop: the thread revokes the lease (bounded by the request timeout) and
 * ends; its last figures into *last (NULL: not wanted). */
void dmn_pool_stop(struct dmn_pool *p, struct dmn_pool_summary *last);
void dmn_pool_stats(struct dmn_pool *p, struct dmn_pool_stats *out);
/* The pool as this host's thread last read it (every plan interval). */
struct dmn_pool_hostview {
    char name[PLM_POOL_NAME_MAX + 1];
    struct prec_host rec;
    plm_amt_t cpu[PREC_LEVELS], mem[PREC_LEVELS]; /* its domains' demand, per level */
    unsigned nlevels;
    bool drain; /* in maintenance (xenplm pool drain) */
};
/* A manual move as etcd holds it: waiting for the leader, or refused. */
struct dmn_pool_move {
    char dom[PORD_DOM_MAX + 1];
    bool refused;             /* an answer, else a request waiting */
    struct pord_request req;  /* waiting: to where, asked by whom, when */
    struct pord_state answer; /* refused: why, when */
};
struct dmn_pool_view {
    bool read;        /* read at least once */
    uint64_t read_ms; /* when (monotonic) */
    uint64_t reads;   /* how many times this thread read it */
    struct dmn_pool_hostview *hosts;
    size_t nhosts;
    size_t left_out; /* hosts whose records did not decode */
    bool have_plan;  /* the leader's last plan, as etcd holds it */
    struct pin_plan_read plan;
    struct pop_known *orders; /* the orders etcd holds, by uuid */
    size_t norders;
    struct dmn_pool_move *moves; /* manual moves waiting or refused, by key */
    size_t nmoves;
};
/* A copy of the view (free it with dmn_pool_view_free); 0 or PLM_ENOMEM. */
int dmn_pool_view(struct dmn_pool *p, struct dmn_pool_view *out);
void dmn_pool_view_free(struct dmn_pool_view *v);
/* Whether the thread's last read of the pool listed host NAME: 1 yes,
 * 0 no, -1 not read yet; *reads: the thread's reads so far (a new read
 * is one that changed it).  Never blocks on etcd. */
int dmn_pool_listed(struct dmn_pool *p, const char *host, uint64_t *reads);
/* The clock read_ms is on (monotonic ms). */
uint64_t dmn_pool_mono_now(void);

/* Who leads (self only while this host may act as the leader now). */
void dmn_pool_leader(struct dmn_pool *p, struct dmn_pool_leader *out);

/*
 * `xenplm pool drain HOST [--off]` and `xenplm pool migrate DOM HOST`:
 * queued for the pool thread, which writes them to etcd (never waits on
 * etcd).  0, or PLM_EINVAL (a bad name; migrate: this host is not in
 * automatic mode), PLM_ETOOMANY (too many waiting), with why in err.
 */
int dmn_pool_drain(struct dmn_pool *p, const char *host, bool off, char *err, size_t errlen);
int dmn_pool_migrate(struct dmn_pool *p, const char *dom, const char *host, char *err,
                     size_t errlen);

/*
 * Orders (automatic mode, and `xenplm pool migrate`): the pool thread
 * reads the orders etcd holds for this host, checks each (fenced on the
 * leader's election revision), and hands the loop one at a time; the loop
 * executes it through the port (a live migration) and reports its
 * progress and outcome back, which the thread writes to etcd.  The loop
 * never waits on etcd, and the thread never calls the port.
 */
#define DMN_ORDER_WHY_MAX 160
struct dmn_pool_order {
    char key[PREC_KEY_MAX];           /* its key in etcd (the thread's; echoed in reports) */
    char uuid[PREC_UUID_LEN + 1];     /* the domain's */
    char dest[PLM_POOL_NAME_MAX + 1]; /* the destination host's name in the pool */
    char dest_addr[PREC_NAME_MAX];    /* where the transport connects (e.g. ssh's host) */
    int64_t revision;                 /* the issuing leader's election revision */
    uint64_t timeout_ms;              /* the migration's own limit */
};
enum dmn_order_phase {
    DMN_ORDER_RUNNING = 0, /* started; pct says how far */
    DMN_ORDER_DONE,        /* the domain runs on the destination, gone from here */
    DMN_ORDER_FAILED,      /* the domain still runs here; why says what happened */
};
struct dmn_pool_order_report {
    char key[PREC_KEY_MAX];
    enum dmn_order_phase phase;
    unsigned pct; /* 0..100, RUNNING only */
    char why[DMN_ORDER_WHY_MAX];
};
/* The next order for the loop, if one is waiting: true and *out (taken off
 * the queue), or false.  Called by the loop once per turn. */
bool dmn_pool_take_order(struct dmn_pool *p, struct dmn_pool_order *out);
/* A descriptor that turns readable when an order is given, for the loop's
 * wait (-1 when it could not be made: the loop then looks every second);
 * the loop empties it with dmn_pool_wake_clear before taking the order. */
int dmn_pool_wake_fd(struct dmn_pool *p);
void dmn_pool_wake_clear(struct dmn_pool *p);
/* The loop's word on an order it took: queued for the thread (the latest
 * report per key replaces an older one not yet written; never blocks on etcd). */
void dmn_pool_order_report(struct dmn_pool *p, const struct dmn_pool_order_report *r);

#endif
