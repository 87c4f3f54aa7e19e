/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host behind port.h's three interfaces: port_sim_open, and each
 * operation of port.h mapped onto the simulator's parts, called from dom0.
 * Every call is counted for port_sim_stats, and every failure is logged
 * with the domain id, as port.h promises.  Reading a node or a domain
 * that is not there is an everyday answer, not a failure worth an error:
 * those go to the info level.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "sim/sim.h"

static const struct port_host_ops sim_host_ops;

struct sim *sim_of(struct port *p)
{
    return p && p->host == &sim_host_ops ? p->priv : NULL;
}

const char *port_sim_op_name(enum port_sim_op op)
{
    static const char *const names[PORT_SIM_NOPS] = {
        "list_domains", "domain_info", "host_info",      "xs_read",    "xs_write_txn",
        "xs_mkdir_ro",  "xs_rm",       "xs_watch",       "xs_unwatch", "next_event",
        "sched_set",    "vcpus_set",   "mem_target_set", "wait",       "reconnect",
        "affinity_set", "dom_io",
    };
    return (unsigned)op < PORT_SIM_NOPS ? names[op] : NULL;
}

/* Whether domid is dying or gone (not merely shut down): a call about it
 * raced with its destruction. */
static bool destroyed(const struct sim *s, uint32_t domid)
{
    const struct sim_dom *d = sim_host_find(&s->pl.m.host, domid);
    return d && (d->state == PORT_SIM_DYING || d->state == PORT_SIM_GONE);
}

/*
 * Count a call; count and log its failure.  next_event's "none pending" is
 * no failure; a missing node or domain is everyday and logged at the info
 * level; wait()'s codes are signals for the daemon, not faults to log.
 */
static int done(struct sim *s, enum port_sim_op op, int rc, uint32_t domid, const char *what)
{
    bool absent = rc == PLM_ENOENT;

    s->pl.st.op[op].calls++;
    if (rc >= 0 || (absent && op == PORT_SIM_OP_NEXT_EVENT))
        return rc;
    s->pl.st.op[op].failures++;
    if (absent && destroyed(s, domid))
        s->pl.st.op[op].absent++;
    if (op == PORT_SIM_OP_WAIT)
        return rc;
    absent = absent && (op == PORT_SIM_OP_XS_READ || op == PORT_SIM_OP_DOMAIN_INFO);
    sim_log(&s->pl.m.clock, absent ? PORT_SIM_LOG_INFO : PORT_SIM_LOG_ERROR, "dom %u: %s %s: %s",
            (unsigned)domid, port_sim_op_name(op), what, plm_strerror(rc));
    return rc;
}

/* The domain a xenstore path is about, for the log. */
static uint32_t path_domid(const char *path)
{
    unsigned long id = 0;

    if (path && sscanf(path, "/local/domain/%lu", &id) == 1)
        return (uint32_t)id;
    return 0;
}

/*
 * Whether a scenario's fault makes this call for domid fail: its code, or
 * 0.  Counted as a call of the domain, as a refused one is.
 */
static int injected(struct sim *s, uint32_t domid, enum port_sim_fault_op op)
{
    static const enum port_sim_op port_op[PORT_SIM_NFAULTS] = {
        PORT_SIM_OP_SCHED_SET,   PORT_SIM_OP_VCPUS_SET, PORT_SIM_OP_MEM_TARGET_SET,
        PORT_SIM_OP_DOMAIN_INFO, PORT_SIM_OP_HOST_INFO, PORT_SIM_OP_AFFINITY_SET,
        PORT_SIM_OP_DOM_IO};
    struct sim_dom *d = sim_host_find(&s->pl.m.host, domid);
    int rc = 0;

    if (op == PORT_SIM_FAULT_HOST_INFO)
        rc = sim_fault_take(&s->pl.m.host.host_fault, s->pl.m.clock.now_ms);
    else if (op == PORT_SIM_FAULT_DOM_IO)
        rc = sim_fault_take(&s->pl.m.host.io_fault, s->pl.m.clock.now_ms);
    else if (d && d->state == PORT_SIM_RUNNING)
        rc = sim_fault_take(&d->fault[op], s->pl.m.clock.now_ms);
    if (rc)
        s->pl.st.op[port_op[op]].injected++;
    if (rc && op == PORT_SIM_FAULT_SCHED_SET)
        d->sched_calls++;
    else if (rc && op == PORT_SIM_FAULT_VCPUS_SET)
        d->vcpus_calls++;
    else if (rc && op == PORT_SIM_FAULT_MEM_TARGET_SET)
        d->mem_calls++;
    else if (rc && op == PORT_SIM_FAULT_AFFINITY_SET)
        d->affinity_calls++;
    return rc;
}

/*
 * Whether an xs-fail line makes this xenstore call fail: its code, or 0.
 * A transaction's attempts that end with EAGAIN are made again, as the Xen
 * port makes them, at most PORT_SIM_TXN_TRIES in all; when every one does,
 * the call fails with PLM_EIO, as there.
 */
static int xs_injected(struct sim *s, enum port_sim_xs_fault_op op, enum port_sim_op port_op)
{
    struct port_sim_fault *f = &s->pl.xs_fault[op];
    int rc = 0;

    for (int i = 0; i < (op == PORT_SIM_XSF_TXN ? PORT_SIM_TXN_TRIES : 1); i++) {
        rc = sim_fault_take(f, s->pl.m.clock.now_ms);
        if (rc)
            s->pl.st.xs_fault.injected[op]++;
        if (rc != PORT_SIM_XS_EAGAIN)
            break;
    }
    if (rc == PORT_SIM_XS_EAGAIN)
        rc = PLM_EIO;
    if (rc)
        s->pl.st.op[port_op].injected++;
    return rc;
}

static uint64_t now_of(const struct sim *s)
{
    return s->pl.m.clock.now_ms;
}

/* xs-slow: a xenstore call of dom0 takes that long, in virtual time
 * (the host, its guests and the scenario go on meanwhile). */
static void xs_slow(struct sim *s)
{
    if (s->pl.xs_slow_ms)
        sim_run(&s->pl, s->pl.m.clock.now_ms + s->pl.xs_slow_ms, false);
}

static int sim_list_domains(struct port *p, struct port_domain *out, size_t cap, size_t *n_out)
{
    struct sim *s = p->priv;
    size_t n = 0;

    sim_sync(&s->pl);
    if (!n_out || (cap && !out))
        return done(s, PORT_SIM_OP_LIST_DOMAINS, PLM_EINVAL, 0, "");
    for (size_t i = 0; i < s->pl.m.host.ndom; i++) {
        const struct sim_dom *d = s->pl.m.host.dom[i];
        if (d->state == PORT_SIM_GONE)
            continue;
        if (n < cap)
            sim_host_fill_info(d, &out[n]);
        n++;
    }
    *n_out = n;
    return done(s, PORT_SIM_OP_LIST_DOMAINS, 0, 0, "");
}

static int sim_domain_info(struct port *p, uint32_t domid, struct port_domain *out)
{
    struct sim *s = p->priv;
    const struct sim_dom *d;
    int rc;

    sim_sync(&s->pl);
    d = sim_host_find(&s->pl.m.host, domid);
    if (!out)
        return done(s, PORT_SIM_OP_DOMAIN_INFO, PLM_EINVAL, domid, "");
    if (!d || d->state == PORT_SIM_GONE)
        return done(s, PORT_SIM_OP_DOMAIN_INFO, PLM_ENOENT, domid, "");
    rc = injected(s, domid, PORT_SIM_FAULT_DOMAIN_INFO);
    if (rc)
        return done(s, PORT_SIM_OP_DOMAIN_INFO, rc, domid, "(injected)");
    sim_host_fill_info(d, out);
    return done(s, PORT_SIM_OP_DOMAIN_INFO, 0, domid, "");
}

static int sim_host_info(struct port *p, struct port_host *out)
{
    struct sim *s = p->priv;
    int rc;

    sim_sync(&s->pl);
    if (!out)
        return done(s, PORT_SIM_OP_HOST_INFO, PLM_EINVAL, 0, "");
    rc = injected(s, 0, PORT_SIM_FAULT_HOST_INFO);
    if (rc)
        return done(s, PORT_SIM_OP_HOST_INFO, rc, 0, "(injected)");
    memset(out, 0, sizeof(*out));
    out->pcpus = s->pl.m.host.pcpus;
    out->cpu_ids = s->pl.m.host.pcpus;
    out->total_kib = s->pl.m.host.total_kib;
    out->free_kib = sim_host_free_kib(&s->pl.m.host);
    snprintf(out->sched, sizeof(out->sched), "%s", s->pl.m.host.sched);
    return done(s, PORT_SIM_OP_HOST_INFO, 0, 0, "");
}

/* Every domain's counters, as libxenstat lists them: dom0 and every
 * running, dying or shut-down domain (not those gone). */
static int sim_dom_io(struct port *p, struct port_io *out, size_t cap, size_t *n_out)
{
    struct sim *s = p->priv;
    size_t n = 0;
    int rc;

    sim_sync(&s->pl);
    if (!n_out || (cap && !out))
        return done(s, PORT_SIM_OP_DOM_IO, PLM_EINVAL, 0, "");
    rc = injected(s, 0, PORT_SIM_FAULT_DOM_IO);
    if (rc)
        return done(s, PORT_SIM_OP_DOM_IO, rc, 0, "(injected)");
    for (size_t i = 0; i < s->pl.m.host.ndom; i++) {
        const struct sim_dom *d = s->pl.m.host.dom[i];
        if (d->state == PORT_SIM_GONE)
            continue;
        if (n < cap)
            sim_host_fill_io(d, &out[n]);
        n++;
    }
    *n_out = n;
    return done(s, PORT_SIM_OP_DOM_IO, 0, 0, "");
}

static int sim_xs_read_op(struct port *p, const char *path, char *buf, size_t cap, size_t *len_out)
{
    struct sim *s = p->priv;
    int rc;

    sim_sync(&s->pl);
    xs_slow(s);
    rc = s->pl.disconnected ? PLM_EIO : sim_xs_read(&s->pl.m.xs, 0, path, buf, cap, len_out);
    return done(s, PORT_SIM_OP_XS_READ, rc, path_domid(path), path ? path : "");
}

static int sim_xs_write_txn_op(struct port *p, const struct port_kv *kv, size_t n)
{
    struct sim *s = p->priv;
    const char *first = kv && n ? kv[0].path : NULL;
    int rc;

    sim_sync(&s->pl);
    xs_slow(s);
    rc = s->pl.disconnected ? PLM_EIO : xs_injected(s, PORT_SIM_XSF_TXN, PORT_SIM_OP_XS_WRITE_TXN);
    if (rc == 0)
        rc = sim_xs_write_txn(&s->pl.m.xs, 0, kv, n);
    if (rc == 0)
        s->pl.st.xs_keys_written += n;
    return done(s, PORT_SIM_OP_XS_WRITE_TXN, rc, path_domid(first), first ? first : "");
}

static int sim_xs_mkdir_ro(struct port *p, const char *path, uint32_t reader)
{
    struct sim *s = p->priv;
    struct sim_xs_perms perms = {.e = {{0, SIM_XS_NONE}, {reader, SIM_XS_READ}}, .n = 2};
    int rc;

    sim_sync(&s->pl);
    xs_slow(s);
    if (reader == 0)
        perms.n = 1; /* dom0 reads everything anyway */
    rc = s->pl.disconnected ? PLM_EIO : xs_injected(s, PORT_SIM_XSF_TXN, PORT_SIM_OP_XS_MKDIR_RO);
    if (rc == 0)
        rc = sim_xs_mkdir(&s->pl.m.xs, 0, path);
    if (rc == 0)
        rc = sim_xs_set_perms(&s->pl.m.xs, 0, path, &perms);
    return done(s, PORT_SIM_OP_XS_MKDIR_RO, rc, path_domid(path), path ? path : "");
}

static int sim_xs_rm_op(struct port *p, const char *path)
{
    struct sim *s = p->priv;
    int rc;

    sim_sync(&s->pl);
    xs_slow(s);
    rc = s->pl.disconnected ? PLM_EIO : sim_xs_rm(&s->pl.m.xs, 0, path);
    return done(s, PORT_SIM_OP_XS_RM, rc, path_domid(path), path ? path : "");
}

static int sim_xs_watch_op(struct port *p, const char *path, const char *token)
{
    struct sim *s = p->priv;
    int rc;

    sim_sync(&s->pl);
    xs_slow(s);
    rc = s->pl.disconnected ? PLM_EIO : xs_injected(s, PORT_SIM_XSF_WATCH, PORT_SIM_OP_XS_WATCH);
    if (rc == 0)
        rc = sim_xs_watch(&s->pl.m.xs, path, token);
    return done(s, PORT_SIM_OP_XS_WATCH, rc, path_domid(path), path ? path : "");
}

static int sim_xs_unwatch_op(struct port *p, const char *path, const char *token)
{
    struct sim *s = p->priv;
    int rc;

    sim_sync(&s->pl);
    xs_slow(s);
    rc = s->pl.disconnected ? PLM_EIO : sim_xs_unwatch(&s->pl.m.xs, path, token);
    return done(s, PORT_SIM_OP_XS_UNWATCH, rc, path_domid(path), path ? path : "");
}

/* The next event xenstore has for dom0, less those watch lose drops. */
static int fetch_event(struct sim *s, struct port_event *ev)
{
    int rc = sim_xs_next_event(&s->pl.m.xs, ev);

    while (rc == 0 && sim_fault_take(&s->pl.xs_fault[PORT_SIM_XSF_LOSE], now_of(s))) {
        s->pl.st.xs_fault.injected[PORT_SIM_XSF_LOSE]++;
        sim_log(&s->pl.m.clock, PORT_SIM_LOG_INFO, "watch event %s (%s) lost", ev->path, ev->token);
        rc = sim_xs_next_event(&s->pl.m.xs, ev);
    }
    return rc;
}

uint64_t sim_late_due(const struct sim *s)
{
    return s->nlate ? s->late[s->late_head].due_ms : UINT64_MAX;
}

/* Whether an event of the same path and token is held already: it will
 * make the daemon read the node, at its value by then, as this one would
 * (xenstored's queue coalesces so too). */
static bool late_has(const struct sim *s, const struct port_event *e)
{
    for (size_t i = 0; i < s->nlate; i++) {
        const struct port_event *h = &s->late[(s->late_head + i) % PORT_SIM_EVQ_MAX].ev;
        if (strcmp(h->path, e->path) == 0 && strcmp(h->token, e->token) == 0)
            return true;
    }
    return false;
}

/*
 * watch delay: an event the fault takes is held for watch_delay_ms, and
 * every event behind a held one waits behind it, so that they are all
 * handed over in the order they fired; one like an event held already is
 * folded into it.  While the ring is full, events stay queued in
 * xenstore (which coalesces them as it does), and do not cut the
 * daemon's wait short (pl.events_blocked): only the first held one's
 * time does.
 */
static int next_in_order(struct sim *s, struct port_event *ev)
{
    uint64_t now = now_of(s);

    for (;;) {
        struct port_event e;
        int rc;

        if (s->nlate && s->late[s->late_head].due_ms <= now) {
            *ev = s->late[s->late_head].ev;
            s->late_head = (s->late_head + 1) % PORT_SIM_EVQ_MAX;
            s->nlate--;
            return 0;
        }
        if (s->nlate == PORT_SIM_EVQ_MAX)
            return PLM_ENOENT;
        rc = fetch_event(s, &e);
        if (rc != 0)
            return rc;
        bool hold = sim_fault_take(&s->pl.xs_fault[PORT_SIM_XSF_DELAY], now) != 0;
        if (!hold && s->nlate == 0) {
            *ev = e;
            return 0;
        }
        uint64_t due = hold ? now + s->pl.watch_delay_ms : now;
        if (s->nlate) {
            uint64_t tail = s->late[(s->late_head + s->nlate - 1) % PORT_SIM_EVQ_MAX].due_ms;
            due = due < tail ? tail : due;
        }
        if (hold) {
            s->pl.st.xs_fault.injected[PORT_SIM_XSF_DELAY]++;
            sim_log(&s->pl.m.clock, PORT_SIM_LOG_INFO, "watch event %s (%s) held until %llu ms",
                    e.path, e.token, (unsigned long long)due);
        }
        if (!late_has(s, &e))
            s->late[(s->late_head + s->nlate++) % PORT_SIM_EVQ_MAX] =
                (struct sim_late){.ev = e, .due_ms = due};
    }
}

static int sim_next_event(struct port *p, struct port_event *ev)
{
    struct sim *s = p->priv;
    int rc;

    sim_sync(&s->pl);
    if (s->have_dup && ev && !s->pl.disconnected) {
        *ev = s->dup;
        s->have_dup = false;
        return done(s, PORT_SIM_OP_NEXT_EVENT, 0, 0, "");
    }
    if (!ev)
        rc = PLM_EINVAL;
    else
        rc = s->pl.disconnected ? PLM_EIO : next_in_order(s, ev);
    s->pl.events_blocked = s->nlate == PORT_SIM_EVQ_MAX;
    /* watch dup: an event delivered twice. */
    if (rc == 0 && sim_fault_take(&s->pl.xs_fault[PORT_SIM_XSF_DUP], now_of(s))) {
        s->pl.st.xs_fault.injected[PORT_SIM_XSF_DUP]++;
        s->dup = *ev;
        s->have_dup = true;
    }
    return done(s, PORT_SIM_OP_NEXT_EVENT, rc, 0, "");
}

static int sim_sched_set(struct port *p, uint32_t domid, int weight, int cap)
{
    struct sim *s = p->priv;
    int rc;
    char what[48];

    sim_sync(&s->pl);
    for (int op = 0; op < PORT_SIM_NOPS; op++)
        s->pl.st.calls_at_sched_set[op] = s->pl.st.op[op].calls;
    snprintf(what, sizeof(what), "weight %d cap %d", weight, cap);
    rc = injected(s, domid, PORT_SIM_FAULT_SCHED_SET);
    if (rc == 0)
        rc = sim_host_set_sched(&s->pl.m.host, domid, weight, cap);
    return done(s, PORT_SIM_OP_SCHED_SET, rc, domid, what);
}

static int sim_vcpus_set(struct port *p, uint32_t domid, unsigned online)
{
    struct sim *s = p->priv;
    int rc;
    char what[32];

    sim_sync(&s->pl);
    snprintf(what, sizeof(what), "%u online", online);
    rc = injected(s, domid, PORT_SIM_FAULT_VCPUS_SET);
    if (rc == 0)
        rc = sim_ts_set_vcpus(&s->pl.m, domid, online);
    return done(s, PORT_SIM_OP_VCPUS_SET, rc, domid, what);
}

static int sim_mem_target_set(struct port *p, uint32_t domid, uint64_t target_kib)
{
    struct sim *s = p->priv;
    int rc;
    char what[48];

    sim_sync(&s->pl);
    snprintf(what, sizeof(what), "target %llu KiB", (unsigned long long)target_kib);
    rc = injected(s, domid, PORT_SIM_FAULT_MEM_TARGET_SET);
    if (rc == 0)
        rc = sim_ts_set_target(&s->pl.m, domid, target_kib);
    return done(s, PORT_SIM_OP_MEM_TARGET_SET, rc, domid, what);
}

static int sim_affinity_set(struct port *p, uint32_t domid, unsigned max_vcpus,
                            const struct plm_cpumap *hard, const struct plm_cpumap *soft)
{
    struct sim *s = p->priv;
    char h[48] = "-", o[48] = "-", what[112];
    int rc;

    sim_sync(&s->pl);
    if (hard)
        plm_cpumap_format(hard, h, sizeof(h));
    if (soft)
        plm_cpumap_format(soft, o, sizeof(o));
    snprintf(what, sizeof(what), "hard %s soft %s", h, o);
    rc = injected(s, domid, PORT_SIM_FAULT_AFFINITY_SET);
    if (rc == 0)
        rc = sim_host_set_affinity(&s->pl.m.host, domid, max_vcpus, hard, soft);
    return done(s, PORT_SIM_OP_AFFINITY_SET, rc, domid, what);
}

static uint64_t sim_now_ms(struct port *p)
{
    struct sim *s = p->priv;

    sim_sync(&s->pl);
    return s->pl.m.clock.now_ms;
}

static int sim_wait_op(struct port *p, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    struct sim *s = p->priv;

    return done(s, PORT_SIM_OP_WAIT, sim_wait(s, fds, nfds, deadline_ms), 0, "");
}

static int sim_reconnect(struct port *p)
{
    struct sim *s = p->priv;

    sim_sync(&s->pl);
    /* A new connection: nothing of the old one's queue survives, and
     * every watch, registered again, fires once. */
    s->pl.disconnected = false;
    s->have_dup = false;
    s->nlate = 0;
    s->pl.events_blocked = false;
    sim_xs_drop_events(&s->pl.m.xs);
    sim_xs_refire_all(&s->pl.m.xs);
    return done(s, PORT_SIM_OP_RECONNECT, 0, 0, "");
}

static void sim_destroy(struct port *p)
{
    struct sim *s = sim_of(p);

    if (!s)
        return;
    sim_player_dispose(&s->pl);
    free(s);
}

static const struct port_host_ops sim_host_ops = {
    .list_domains = sim_list_domains,
    .domain_info = sim_domain_info,
    .host_info = sim_host_info,
    .sched_set = sim_sched_set,
    .vcpus_set = sim_vcpus_set,
    .mem_target_set = sim_mem_target_set,
    .affinity_set = sim_affinity_set,
    .dom_io = sim_dom_io,
};

static const struct port_xs_ops sim_xs_ops = {
    .xs_read = sim_xs_read_op,
    .xs_write_txn = sim_xs_write_txn_op,
    .xs_mkdir_ro = sim_xs_mkdir_ro,
    .xs_rm = sim_xs_rm_op,
    .xs_watch = sim_xs_watch_op,
    .xs_unwatch = sim_xs_unwatch_op,
};

/* The wall clock: virtual time, moved by the clock jump lines. */
static int sim_local_time(struct port *p, int64_t *day, uint32_t *sec)
{
    struct sim *s = p->priv;
    int64_t now = (int64_t)sim_now_ms(p) + s->pl.wall_offset_ms;
    int64_t d = now / 86400000;

    if (now % 86400000 < 0)
        d--; /* before day 0: round toward the past */
    *day = d;
    *sec = (uint32_t)((now - d * 86400000) / 1000);
    return 0;
}

/* Live migration: through the fabric's directory (sim_fabric.c). */
static int sim_mig_start(struct port *p, uint32_t domid, const char *dest, const char *addr,
                         const char *transport, uint32_t *handle_out)
{
    struct sim *s = p->priv;
    int rc;

    (void)addr; /* the fabric reaches hosts by name */
    (void)transport;
    sim_sync(&s->pl);
    rc = sim_fabric_start(&s->pl, domid, dest, handle_out);
    if (rc != 0)
        sim_log(&s->pl.m.clock, PORT_SIM_LOG_ERROR, "dom %u: cannot migrate to %s: %s",
                (unsigned)domid, dest ? dest : "(none)",
                rc == PLM_EINVAL   ? "no fabric, or a bad destination"
                : rc == PLM_ENOENT ? "no such domain, or no such host on the fabric"
                : rc == PLM_EEXIST ? "another migration is running"
                                   : plm_strerror(rc));
    return rc;
}

static int sim_mig_poll(struct port *p, uint32_t handle, struct port_mig_status *out)
{
    struct sim *s = p->priv;

    sim_sync(&s->pl);
    return sim_fabric_poll(&s->pl, handle, out);
}

static int sim_mig_abort(struct port *p, uint32_t handle, const char *why)
{
    struct sim *s = p->priv;

    return sim_fabric_abort(&s->pl, handle, why);
}

static int sim_mig_leave(struct port *p, uint32_t handle)
{
    struct sim *s = p->priv;

    return sim_fabric_leave(&s->pl, handle);
}

static int sim_mig_resume(struct port *p, uint32_t domid)
{
    struct sim *s = p->priv;

    sim_sync(&s->pl);
    return sim_fabric_resume(&s->pl, domid);
}

static bool sim_mig_busy(struct port *p, char *why, size_t whylen)
{
    struct sim *s = p->priv;

    sim_sync(&s->pl);
    return sim_fabric_busy(&s->pl, why, whylen);
}

static const struct port_mig_ops sim_mig_ops = {
    .start = sim_mig_start,
    .poll = sim_mig_poll,
    .abort = sim_mig_abort,
    .leave = sim_mig_leave,
    .resume = sim_mig_resume,
    .busy = sim_mig_busy,
};

static const struct port_event_ops sim_event_ops = {
    .next_event = sim_next_event,
    .now_ms = sim_now_ms,
    .local_time = sim_local_time,
    .wait = sim_wait_op,
    .reconnect = sim_reconnect,
};

/* Build the host of a parsed scenario (taken over, even on failure). */
static int open_scenario(struct sim_scenario *scn, double speed, struct port **out, char *err,
                         size_t errlen)
{
    struct sim *s = calloc(1, sizeof(*s));
    int rc;

    if (!s) {
        sim_scenario_free(scn);
        return plm_errf(err, errlen, PLM_ENOMEM, "out of memory");
    }
    s->port.name = "sim";
    s->port.host = &sim_host_ops;
    s->port.xs = &sim_xs_ops;
    s->port.events = &sim_event_ops;
    s->port.destroy = sim_destroy;
    s->port.priv = s;
    s->port.mig = &sim_mig_ops;
    rc = sim_player_init(&s->pl, scn, speed);
    if (rc != 0) {
        /* The parser checked that everything fits: only malloc can fail. */
        plm_errf(err, errlen, rc, "%s: %s", s->pl.scn.name, plm_strerror(rc));
        sim_destroy(&s->port);
        return rc;
    }
    rc = sim_fabric_init(&s->pl, err, errlen);
    if (rc != 0) {
        sim_destroy(&s->port);
        return rc;
    }
    *out = &s->port;
    return 0;
}

int port_sim_open(const struct port_sim_options *opt, struct port **out, char *err, size_t errlen)
{
    struct sim_scenario scn;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!opt || !opt->scenario || !out)
        return plm_errf(err, errlen, PLM_EINVAL, "no scenario file");
    if (!(opt->speed >= 0) || isinf(opt->speed))
        return plm_errf(err, errlen, PLM_EINVAL, "speed must be 0 or a positive number");
    rc = sim_scenario_load(opt->scenario, &scn, err, errlen);
    return rc ? rc : open_scenario(&scn, opt->speed, out, err, errlen);
}

int port_sim_open_text(const char *name, const char *text, double speed, struct port **out,
                       char *err, size_t errlen)
{
    struct sim_scenario scn;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!name || !text || !out)
        return plm_errf(err, errlen, PLM_EINVAL, "no scenario");
    if (!(speed >= 0) || isinf(speed))
        return plm_errf(err, errlen, PLM_EINVAL, "speed must be 0 or a positive number");
    rc = sim_scenario_parse(name, text, strlen(text), &scn, err, errlen);
    return rc ? rc : open_scenario(&scn, speed, out, err, errlen);
}
