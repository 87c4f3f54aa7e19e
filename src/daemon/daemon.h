/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd's moving parts, one file each, around one struct dmn.  One turn
 * of the loop reads in one direction:
 *
 *   loop.c      events: watches fired, control clients, signals, the tick
 *   domains.c   the domain table: discovery, adoption (grant subtree with
 *               its permissions, the request watch), departure
 *   requests.c  a guest's request: read, validate, rate-limit (the
 *               intake), and the status answered back to the guest
 *   snapshot.c  what the decision needs from the host this turn: host
 *               facts, the memory of balloons that may have moved, the CPU
 *               time and network and disk counters of agentless domains
 *               (the only port reads besides the intake's)
 *   engine/     the decision, a pure function (src/engine/engine.h)
 *   apply.c     the plan's actions through the port (the only port
 *               writes besides the answers), confirmed to the engine
 *   loop.c      the report: the decision's notes to the log, the answers
 *               owed, the allocation table
 *   metrics.c   the report's metrics file (node_exporter's textfile)
 *   commands.c  the control commands (a table; the server is control.c)
 *
 * An error while handling one domain is logged and contained there; it
 * never stops the loop or the balancing of the other domains.
 */
#ifndef XENPLM_DAEMON_DAEMON_H
#define XENPLM_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/textfile.h"
#include "daemon/control.h"
#include "daemon/state.h"
#include "port/port.h"
#include "pool/pool_record.h"
#include "protocol/keys.h"

/* Pool mode's publisher (pool.h), known here by name only. */
struct dmn_pool;

struct dmn_options {
    const char *policy_path;
    const char *schema_path; /* NULL: the schema built in */
    const char *socket_path; /* NULL: no control socket */
    bool print_table;        /* print the allocation table when it changes */
    bool check_only;         /* -n: load the policy, report, exit */
    const char *metrics_dir; /* --metrics-dir (NULL: the policy's, if any) */
    const char *state_dir;   /* --state-dir: request histories (NULL: not kept) */
};

/*
 * What happened since the last turn: gathered from events, consumed by
 * the next decision, then cleared.  Nothing here outlives a turn.
 */
struct dmn_events {
    bool rescan;       /* list the domains again */
    bool arbitrate;    /* a request or a measurement changed */
    const char *force; /* reallocate whatever the trigger says, and why */
    bool resync_cpu;   /* bring every domain's CPU settings in line */
    bool tick_now;     /* run the time-based step now */
};

/* The wall clock as the request histories' pruning saw it (history.c). */
struct dmn_hist_clock {
    bool anchored;
    int64_t wall_s;    /* at the last look */
    uint64_t mono_ms;  /* the monotonic clock then */
    int64_t skew_s;    /* forward jumps seen, summed */
    int64_t jump_at_s; /* the wall time at the look that saw the last one */
};

struct dmn {
    struct dmn_state st;
    struct dmn_options opt;
    struct port *port;
    struct ctl_server srv;
    bool have_srv;
    bool port_shared; /* the port belongs to the caller (tests) */
    struct dmn_events ev;
    uint64_t wake_at_ms; /* the decision's next turn without events (0: none) */
    uint64_t last_scan_ms;
    bool transit; /* the last listing saw a domain in transit: list again in TRANSIT_SCAN_MS */
    struct dmn_retry host_retry; /* the host's facts could not be read */
    /* Agentless guests' network and disk counters (snapshot.c): one
     * reading of every domain's at most once per sampling period, the
     * backoff while it cannot be read (logged once), the scratch. */
    struct dmn_retry io_retry;
    uint64_t io_read_ms;
    struct port_io *io;
    size_t io_cap;
    uint64_t printed_serial;  /* the allocation whose table was printed last */
    struct port_domain *list; /* scratch for dmn_scan */
    size_t list_cap;
    struct eng_dom **eng; /* the engine's view of the table, in order */
    size_t eng_cap;
    struct eng_scratch scratch;
    struct eng_plan plan;
    struct textfile metrics; /* the metrics file (path "": none) */
    uint64_t metrics_at_ms;  /* its next write, at the latest */
    uint64_t metrics_serial; /* the allocation it last showed */
    bool metrics_bad_dir;    /* the directory was refused (logged) */
    /* Pool mode (pool.h; NULL: not in a pool, or built without it): the
     * publisher, and the last records offered to it (pool_doms holds
     * pool_cap of them, then pool_cap of scratch). */
    struct dmn_pool *pool;
    struct prec_domain *pool_doms;
    size_t pool_cap, pool_n;
    struct prec_host pool_host;
    bool pool_offered;
    /* The counters of the pool threads a reload stopped, for the next. */
    struct dmn_pool_summary pool_before;
    /* The request histories' files (history.c): the next periodic write,
     * and whether the last one failed (logged once). */
    uint64_t hist_save_at_ms;
    uint64_t hist_prune_at_ms; /* the next pruning of the state directory */
    bool hist_failing;
    struct dmn_hist_clock hist_clock;
};

/* Why a reallocation is forced when domains, overrides or the policy change. */
#define DMN_FORCE_CHANGED "domains, overrides or policy changed"

/* domains.c */
int dmn_scan(struct dmn *d);
/* Whether a domain's name says xl is migrating it (NAME--incoming, NAME--migratedaway). */
bool dmn_in_transit(const char *name);
void dmn_forget_all(struct dmn *d);
/* A request history for each domain whose rule anticipates (anticipation). */
void dmn_histories(struct dmn *d);

/* history.c: request histories in the state directory. */
#define DMN_HIST_SAVE_MS (15u * 60 * 1000)
void dmn_history_load(struct dmn *d, struct dmn_domain *dom);
void dmn_history_save(struct dmn *d, const struct dmn_domain *dom);
/* Every history, when DMN_HIST_SAVE_MS has passed since the last (or force);
 * the state directory pruned first: at the first call (leftovers alone),
 * DMN_HIST_PRUNE_FIRST_MS later (the first look that may remove a history:
 * a daemon restarted more often than daily still prunes), then every
 * DMN_HIST_PRUNE_MS. */
#define DMN_HIST_PRUNE_FIRST_MS (15u * 60 * 1000)
#define DMN_HIST_PRUNE_MS (24u * 3600 * 1000)
/* A difference between the wall clock's and the monotonic clock's advance
 * from one look to the next beyond which the wall clock jumped. */
#define DMN_HIST_JUMP_S 3600
/*
 * Pure: the wall clock seen at a look (seconds) against the monotonic one
 * (ms).  The first look anchors; at each later one, a wall clock that moved
 * more than DMN_HIST_JUMP_S away from the monotonic clock jumped: true,
 * the forward part added to skew_s and jump_at_s set to that look's wall
 * time.  Files written before jump_at_s were dated on the clock before.
 * *drift_out (may be NULL): the difference seen, in seconds (0 at the
 * first look).
 */
bool dmn_hist_clock_look(struct dmn_hist_clock *c, int64_t wall_s, uint64_t mono_ms,
                         int64_t *drift_out);
/* Pure: whether a history written at mtime_s is past keeping at wall_s:
 * not written for ANT_DAYS days, the forward jumps seen since it was
 * written left out of its age. */
bool dmn_hist_stale(const struct dmn_hist_clock *c, int64_t wall_s, int64_t mtime_s);
/*
 * Remove the temporary files a killed writer left, and histories not
 * written for ANT_DAYS days (dmn_hist_stale): never at the first look (the
 * daemon has not seen its wall clock run yet), nor at a look that finds
 * it jumped (dmn_hist_clock_look), so that a clock set wrong never deletes
 * what it only seems to make old.
 */
void dmn_history_prune(struct dmn *d, int64_t wall_s, uint64_t mono_ms);
void dmn_history_save_all(struct dmn *d, uint64_t now, bool force);
/* A domain's info as just read; a change of its maxmem or of its vcpus at
 * most (xl mem-max) makes its allocation be worked out again. */
void dmn_info_update(struct dmn *d, struct dmn_domain *dom, const struct port_domain *info);
/* Re-match every domain's policy rule (after a reload). */
void dmn_rematch(struct dmn *d);
/* Make again what xenstored refused of the domains' setup (their grant
 * directories, their watches) whose try is due; when the next such try
 * is (0: none). */
void dmn_setup_due(struct dmn *d, uint64_t now_ms);
uint64_t dmn_setup_at(const struct dmn *d);

/* requests.c: the intake */
void dmn_request_changed(struct dmn *d, struct dmn_domain *dom);
/* Read the requests whose rate-limited read is due now. */
void dmn_requests_due(struct dmn *d, uint64_t now_ms);
/* The periodic listing's safety net: read every watched request once more
 * at dmn_requests_due, acting only on one whose value changed. */
void dmn_requests_recheck(struct dmn *d);
/* Whether a rate-limited read is waiting for its token. */
bool dmn_requests_pending(const struct dmn *d);
bool dmn_managed(const struct dmn_domain *dom);
/* `xenplm set`: an override of a domain's allocation (clear: remove it). */
int dmn_set_override(struct dmn *d, struct dmn_domain *dom, const struct ctl_set *set);

/* snapshot.c: fill every domain's view and the host for the decision. */
void dmn_snapshot(struct dmn *d, uint64_t now_ms, struct eng_input *in);
/* snapshot.c: when a feature key read owed but put off is due (0: none). */
uint64_t dmn_features_at(const struct dmn *d);
/* The fewest milliseconds between two reads of one guest's feature key. */
#define DMN_FEATURE_READ_MS 1000

/* answer.c: what guests read.  Write the grant in force when it differs
 * from the last written; the guest's status value (NULL reason: "ok")
 * and acked seq; the same for an accepted request ("ok", or "ok: <note>"
 * when note is set).  A refused write stays owed: written again when its
 * try is due (dmn_answers_due), at dmn_answers_at (0: nothing owed). */
void dmn_write_grant(struct dmn *d, struct dmn_domain *dom);
void dmn_report(struct dmn *d, struct dmn_domain *dom, const char *reason);
void dmn_report_ok(struct dmn *d, struct dmn_domain *dom, const char *note);
void dmn_answers_due(struct dmn *d, uint64_t now_ms);
uint64_t dmn_answers_at(const struct dmn *d);

/* apply.c: carry out the plan, then write what is owed to guests. */
void dmn_apply(struct dmn *d, const struct eng_plan *plan);
/* When the earliest refused enforcement is due to be tried again (0: none). */
uint64_t dmn_retry_at(const struct dmn *d);
/* retry.c, the backoff: whether a call that failed before may be made at now;
 * and a failure (true when it is the first of a streak, to be logged) or
 * a success (true when it ends a streak) of one that was made. */
bool dmn_retry_due(const struct dmn_retry *r, uint64_t now);
bool dmn_retry_failed(struct dmn_retry *r, uint64_t now);
bool dmn_retry_ok(struct dmn_retry *r);

/* metrics.c: write the metrics file when it is due (the report step), or
 * now whatever is due (last: the daemon stops); when the next write is
 * due at the latest (0: no metrics file). */
void dmn_metrics_report(struct dmn *d, uint64_t now, bool last);
uint64_t dmn_metrics_at(const struct dmn *d);

/* pool_snap.c (built with pool support): this host's records as the
 * turn leaves them, at most max domains; the report step's offer of them
 * to the publisher when they changed. */
size_t dmn_pool_records(const struct dmn *d, struct prec_host *h, struct prec_domain *out,
                        size_t max);
void dmn_pool_report(struct dmn *d);
/* The pool thread's summary into d->st.pool (every turn, before the metrics). */
void dmn_pool_summarize(struct dmn *d);
/* pool_ctl.c (built with pool support): the control socket's `pool` command. */
int dmn_pool_command(struct dmn *d, size_t argc, const char *const *argv, bool json, FILE *out,
                     char *err, size_t errlen);

/* migrate.c: the executor of pool orders (live migration).  order:
 * check an order and start it, or report it FAILED (one at a time);
 * poll: the running one's progress, timeout and end, each reported;
 * at: when the loop must wake to poll (0: none running); stop: abort a
 * running one as the daemon stops. */
void dmn_mig_order(struct dmn *d, const struct dmn_pool_order *o, uint64_t now_ms);
void dmn_mig_poll(struct dmn *d, uint64_t now_ms);
uint64_t dmn_mig_at(const struct dmn *d);
void dmn_mig_stop(struct dmn *d);

/* loop.c */
int dmn_run(const struct dmn_options *opt);
/*
 * The same in pieces, for tests, benchmarks and xenplmd-sim: dmn_init
 * loads the policy and adopts the host's domains (port NULL: open the real
 * Xen host; otherwise use the caller's, which dmn_fini leaves open, as a
 * crashed daemon would);
 * dmn_step runs one turn of the loop and returns 1 when it is time to
 * stop; dmn_fini releases everything.
 */
int dmn_init(struct dmn *d, const struct dmn_options *opt, struct port *port);
int dmn_step(struct dmn *d);
/* Nothing pending: no event waiting for a decision, no memory moving. */
bool dmn_idle(const struct dmn *d);
void dmn_fini(struct dmn *d);
/* Control commands' effects. */
int dmn_reload(struct dmn *d, char *err, size_t errlen);
void dmn_set_paused(struct dmn *d, bool paused);
/* Signal-safe requests from main.c's handlers. */
void dmn_request_stop(void);
void dmn_request_reload(void);
/*
 * What the control commands may change, and nothing else.  dmn_reload
 * loads the policy file again (the last good one stays when it does not
 * load: the reason in err); dmn_set_override sets or clears a manual
 * override (set as ctl_set_parse filled it); dmn_set_paused stops or
 * resumes enforcement.
 */
int dmn_reload(struct dmn *d, char *err, size_t errlen);
int dmn_set_override(struct dmn *d, struct dmn_domain *dom, const struct ctl_set *set);
void dmn_set_paused(struct dmn *d, bool paused);

/* commands.c: the control socket's handler (a ctl_handler_fn, arg the
 * struct dmn) and its report of each connection, for the log. */
int dmn_control(void *arg, const struct ctl_request *req, FILE *out, char *err, size_t errlen);
void dmn_control_done(void *arg, const struct ctl_conn_info *info);
/* For the loop: the control server's descriptors to wait on (at most cap,
 * CTL_MAX_CONN + 1 is enough), with *deadline (port time, now being the
 * port's clock) brought forward to its next deadline; then, after the
 * wait, serve whatever is ready or due.  Neither ever blocks. */
size_t dmn_control_fds(struct dmn *d, struct port_waitfd *wf, size_t cap, uint64_t now,
                       uint64_t *deadline);
void dmn_control_serve(struct dmn *d, const struct port_waitfd *wf, size_t n);

#endif
