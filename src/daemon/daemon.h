/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplmd's moving parts, one file each, all working on one struct dmn:
 *
 *   domains.c   the domain table: discovery, adoption (grant subtree with
 *               its permissions, the request watch), departure
 *   requests.c  a guest's request: read, validate, rate-limit, report back;
 *               agentless sampling and manual overrides
 *   allocate.c  pools from host facts, the arbiter per resource, the
 *               reallocation trigger, the reason of every change
 *   enforce.c   CPU (weight, cap, vcpus) and memory (the mover), only the
 *               differences, and the grant written back to the guest
 *   loop.c      the event loop: watches, the control socket, the tick,
 *               signals
 *   commands.c  the control commands (a table; the server is control.c)
 *
 * Data flows one way: watch -> validate -> arbitrate -> trigger -> enforce.
 * An error while handling one domain is logged and contained there; it
 * never stops the loop or the balancing of the other domains.
 */
#ifndef XENPLM_DAEMON_DAEMON_H
#define XENPLM_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arbiter.h"
#include "daemon/control.h"
#include "daemon/state.h"
#include "port/port.h"

struct dmn_options {
    const char *policy_path;
    const char *schema_path;  /* NULL: the installed schema */
    const char *socket_path;  /* NULL: no control socket */
    const char *sim_scenario; /* NULL: the real Xen host */
    double sim_speed;         /* virtual ms per real ms, 0 = flat out */
    bool print_table;         /* print the allocation table when it changes */
    bool check_only;          /* -n: load the policy, report, exit */
};

struct dmn {
    struct dmn_state st;
    struct dmn_options opt;
    struct port *port;
    struct plm_work work;
    struct plm_outcome *out; /* scratch, one per domain */
    size_t out_cap;
    struct ctl_server srv;
    bool have_srv;
    bool port_shared; /* the port belongs to the caller (tests) */
    bool mem_moving;  /* a memory move is under way */
    bool mem_changed; /* a memory grant changed: start moving it */
    uint64_t last_tick_ms;
    uint64_t last_scan_ms;
    uint64_t printed_serial;
    bool dirty;  /* something changed: arbitrate */
    bool force;  /* reallocate whatever the trigger says */
    bool rescan; /* list the domains again */
    uint64_t next_tick_ms;
    uint64_t table_serial;    /* bumps when allocations change */
    struct port_domain *list; /* scratch for dmn_scan */
    size_t list_cap;
    struct bal_dom *bal; /* scratch for the memory mover */
    size_t bal_cap;
};

/*
 * Memory crosses two units here: the port counts KiB, as libxl does; the
 * policy and the arbiter count MiB amounts.  KiB round down to whole MiB
 * and saturate at PLM_AMT_MAX.
 */
static inline plm_amt_t dmn_kib_to_amt(uint64_t kib)
{
    uint64_t mib = kib / 1024;
    return mib > (uint64_t)(PLM_AMT_MAX / PLM_SCALE) ? PLM_AMT_MAX : PLM_UNITS(mib);
}

static inline int64_t dmn_amt_to_kib(plm_amt_t mib)
{
    return mib / PLM_SCALE * 1024;
}

/* Paths in a domain's xenstore area. */
#define DMN_REQUEST_FMT "/local/domain/%u/data/xenplm/request"
#define DMN_GRANT_DIR_FMT "/local/domain/%u/xenplm"

/* domains.c */
int dmn_scan(struct dmn *d);
void dmn_forget_all(struct dmn *d);
/* Re-match every domain's policy rule (after a reload). */
void dmn_rematch(struct dmn *d);

/* requests.c */
void dmn_request_changed(struct dmn *d, struct dmn_domain *dom);
void dmn_requests_tick(struct dmn *d, uint64_t now_ms);
/* Rebuild the arbiter's view of one domain from its request, rule,
 * override and balloon state. */
void dmn_rebuild(struct dmn *d, struct dmn_domain *dom);
/* Write the guest's status value (NULL reason: "ok") and acked seq. */
void dmn_report(struct dmn *d, struct dmn_domain *dom, const char *reason);
/* Write the "ok" of the new requests read in this turn of the loop. */
void dmn_flush_reports(struct dmn *d);
bool dmn_managed(const struct dmn_domain *dom);

/* allocate.c */
void dmn_allocate(struct dmn *d, uint64_t now_ms);

/* enforce.c */
void dmn_enforce_cpu(struct dmn *d, struct dmn_domain *dom);
/* Memory moves one step per tick; returns true while a move is under way. */
bool dmn_enforce_mem(struct dmn *d, uint64_t now_ms, uint64_t dt_ms);
void dmn_write_grant(struct dmn *d, struct dmn_domain *dom);

/* loop.c */
int dmn_run(const struct dmn_options *opt);
/*
 * The same in pieces, for tests: dmn_init loads the policy and adopts
 * the host's domains (port NULL: open it as opt says; otherwise use the
 * caller's, which dmn_fini leaves open, as a crashed daemon would);
 * dmn_step runs one turn of the loop and returns 1 when it is time to
 * stop; dmn_fini releases everything.
 */
int dmn_init(struct dmn *d, const struct dmn_options *opt, struct port *port);
int dmn_step(struct dmn *d);
void dmn_fini(struct dmn *d);
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
