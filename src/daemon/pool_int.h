/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pool thread's state (pool.h), shared by its files: pool.c (the
 * lease, the queue, publishing) and pool_lead.c (the election).
 */
#ifndef XENPLM_DAEMON_POOL_INT_H
#define XENPLM_DAEMON_POOL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/pool.h"
#include "daemon/pool_input.h"
#include "daemon/pool_orderplan.h"
#include "engine/pool_plan.h"
#include "pool/etcd.h"

/*
 * The thread's reads of the pool go in pages of this many keys (a
 * domain's record is some 300 bytes): each page is a call of its own,
 * and a keepalive due goes before the next (pool.c, before_call).
 */
#define DMN_POOL_PAGE 512
/* The calls the thread makes at its stop (reports, the revoke), in all. */
#define DMN_POOL_LAST_CALLS_MS 1000

/* A drain or a manual move asked through the control socket. */
#define DMN_POOL_REQS_MAX 16
struct dmn_pool_req {
    bool move, off;
    char dom[PORD_DOM_MAX + 1];
    char host[PLM_POOL_NAME_MAX + 1]; /* the drained host, or the move's destination */
};

struct dmn_pool {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Under mu: the queue's one slot, and the stop request. */
    bool stop, fresh;
    struct prec_host slot_host;
    struct prec_domain *slot;
    size_t nslot;
    struct dmn_pool_stats stats;
    /* The thread's own. */
    struct etcd_client *etcd;
    char *pool, *host;
    char *address; /* this host's for migrations, published (NULL: its name serves) */
    uint64_t ttl_ms, interval_ms;
    char prefix[PREC_KEY_MAX];
    struct prec_host cur_host;
    struct prec_domain *cur; /* the offer being published */
    size_t ncur;
    bool have_cur;
    bool took; /* an offer was taken once: p->cur holds the host's records */
    int64_t lease;
    struct prec_set published; /* what etcd holds of ours, as far as we know */
    bool published_known;
    bool odd_keys_said; /* keys under our prefix that are not ours: said once */
    bool down;          /* etcd unreachable: said once */
    uint64_t backoff_ms;
    /* The election (pool_lead.c): its name, our candidacy's outcome, and
     * when the last successful keepalive was sent, with the TTL etcd gave. */
    char lname[PREC_KEY_MAX];
    char mykey[PREC_KEY_MAX]; /* our candidacy: <lname>/<lease in hex> */
    int64_t myrev;            /* its creation revision: the fencing token when elected */
    bool elected;
    uint64_t keepalive_sent_ms;
    int64_t granted_ttl_s;
    /* When the next keepalive is due; whether one is being sent; and
     * whether the leader is to be read again (after each keepalive). */
    uint64_t keepalive_at;
    bool in_keepalive, check_leader;
    /* What the thread is doing and since when; since the last keepalive,
     * its longest step and how late a wait of its ended at most: said
     * when a keepalive goes out late (pool.c). */
    const char *doing, *slowest;
    uint64_t doing_since_ms, slowest_ms, woke_late_ms;
    bool lease_gone; /* a keepalive found it expired: dropped at the top of the loop */
    /* Set by dmn_pool_stop, read by the etcd client during a call: the
     * call under way ends (within a second), the thread stops. */
    atomic_bool cancel;
    uint64_t last_calls_until_ms; /* the deadline of the calls made at the stop */
    /* Under mu, for the loop and `xenplm pool status`: who leads, as last read. */
    struct dmn_pool_leader view;
    /* The leader's planning (pool_planner.c). */
    uint64_t plan_interval_ms, plan_hold_ms;
    struct pp_state *plan_prev, *plan_next;
    bool plan_have_prev;
    struct pp_work work;
    bool work_ready;
    size_t work_hosts, work_doms;
    struct pin_said warned; /* hosts whose bad records were logged */
    pin_name_t *seen;       /* scratch: the hosts a read found keys of */
    char *plan_text;        /* the last plan published (for the log: said when its moves change) */
    size_t plan_len;
    bool plan_bad_said; /* a plan in etcd that does not decode: said once */
    /* The leader's: sources of orphaned orders, since when missing. */
    struct pop_missing missing[POP_MISSING_MAX];
    size_t nmissing;
    /* Under mu: the order handed to the loop (at most one waits: a host
     * runs one migration at a time), and the loop's reports not yet
     * written to etcd (pool_handoff.c). */
    struct dmn_pool_order order;
    bool order_waiting;
    int wake[2]; /* a pipe the loop waits on: written when an order is given */
    bool wake_made;
    struct dmn_pool_order_report *reports;
    size_t nreports;
    /* Orders (pool_orders.c, the thread's own): this host's mode, the
     * order handed to the loop and not yet finished, and the loop's
     * reports not yet written to etcd (kept while etcd is down). */
    bool automatic;
    struct dmn_pool_order run;
    bool running;
    bool run_said; /* its state written over, or the order cleared: said once */
    struct dmn_pool_order_report *pend;
    size_t npend;
    /* Under mu: drains and manual moves asked, not yet written (pool_requests.c). */
    struct dmn_pool_req reqs[DMN_POOL_REQS_MAX];
    size_t nreqs;
    /* Under mu: what `xenplm pool status` and `pool plan` show. */
    struct dmn_pool_view pview;
    /* Under mu: the summary's own figures (orders counted by say() in
     * pool_orders.c, the last publish), the client's counters as copied
     * after each round of calls, and whether the lease is held. */
    struct dmn_pool_summary sum;
    struct etcd_counters etcd_carried; /* the threads' before this one (dmn_pool_carry) */
    uint64_t published_ms;             /* monotonic, 0: never */
};

/* Copy the client's counters and the lease's state into the summary
 * (the thread, between its calls). */
void dmn_pool_sum_sync(struct dmn_pool *p);

uint64_t dmn_pool_mono_ms(void);
/* etcd failed at what: counted, said once until it answers again. */
void dmn_pool_failed(struct dmn_pool *p, const char *what);
void dmn_pool_answered(struct dmn_pool *p);

/* pool_handoff.c: the thread's side of the orders' queue.  Offer an
 * order to the loop: false while another still waits. */
bool dmn_pool_give_order(struct dmn_pool *p, const struct dmn_pool_order *o);
/* Take the reports the loop left (a malloc'd array, NULL when none). */
struct dmn_pool_order_report *dmn_pool_take_reports(struct dmn_pool *p, size_t *n);
/* Close the wake pipe (at dispose, once the thread has ended). */
void dmn_pool_handoff_dispose(struct dmn_pool *p);

/* pool_lead.c, on the thread. */
int dmn_pool_lead_init(struct dmn_pool *p);
/* Stand (once per lease) and see whether we lead; 0, or PLM_E* when etcd failed. */
int dmn_pool_campaign(struct dmn_pool *p);
/* After each keepalive: read who leads; an elected host that etcd no longer names steps down. */
int dmn_pool_check_leader(struct dmn_pool *p);
/* Stop acting as the leader now (etcd lost, the lease gone), saying why once. */
void dmn_pool_step_down(struct dmn_pool *p, const char *why);
void dmn_pool_lead_dispose(struct dmn_pool *p);

/* pool_planner.c, on the thread: the leader's round (read, plan, publish fenced). */
int dmn_pool_plan_init(struct dmn_pool *p);
/* Forget the previous round's state (a new leadership starts afresh). */
void dmn_pool_plan_reset(struct dmn_pool *p);
/* Every host, every plan interval: read the pool (and, leading, plan). */
int dmn_pool_plan_round(struct dmn_pool *p);
void dmn_pool_plan_dispose(struct dmn_pool *p);

/* pool_orders.c, on the thread. */
struct pop_known;
/* The leader: every order etcd holds, sorted by uuid (*out malloc'd). */
int dmn_pool_orders_read(struct dmn_pool *p, struct pop_known **out, size_t *n);
/* The leader: order the plan's new moves and the manual moves asked
 * (refusing, with an answer, those that cannot be made), fenced on its
 * election revision, each with its cooldown key; clear expired finished
 * orders.
 * *fenced when etcd said another leads. */
int dmn_pool_orders_issue(struct dmn_pool *p, const struct pp_plan *plan,
                          const struct pp_host *hosts, size_t nh, const struct pp_domain *doms,
                          size_t nd, const struct pop_known *known, size_t nknown,
                          uint64_t cooldown_ms, bool *fenced);
/* pool_requests.c: write the drains and moves asked (kept while etcd
 * fails); read the hosts drained, sorted (*out malloc'd). */
int dmn_pool_requests_write(struct dmn_pool *p);
int dmn_pool_drains_read(struct dmn_pool *p, char (**out)[PLM_POOL_NAME_MAX + 1], size_t *n);
/* The manual moves waiting and refused, into the view. */
int dmn_pool_moves_read(struct dmn_pool *p);
/* The leader: delete cooldown keys long over whose domain has no order
 * (at most POP_COOL_CLEAR_MAX a round), fenced. */
struct pin_cooldown;
int dmn_pool_cooldowns_clear(struct dmn_pool *p, const struct pin_cooldown *cool, size_t ncool,
                             const struct pop_known *known, size_t nknown, bool *fenced);
/* Every host, every round: write the loop's reports, then read the
 * orders for this host, refuse or accept them, and hand one to the loop. */
int dmn_pool_orders_host(struct dmn_pool *p);
/* Write the loop's reports on orders now (at the thread's stop). */
int dmn_pool_orders_flush(struct dmn_pool *p);

#endif
