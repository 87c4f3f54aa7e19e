/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario player (see sim.h for the layers): time run forward
 * (sim_run: the physics, dying domains reaped, scripted events played as
 * the clock reaches them), the guests and the operator of the scenario,
 * and the guests' own xenstore accesses.
 *
 * A guest writes through the same permission checks xenstored applies to
 * an unprivileged domain, so a hostile write outside its data/ fails here
 * as on Xen; every failure is counted, by kind, for tests to assert on.
 * A request is what the guest agent writes: encoded with
 * proto_request_encode, with the guest's next seq, at
 * data/xenplm/request.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "protocol/keys.h"
#include "sim/sim_play.h"

static void count_refusal(struct sim_player *pl, struct sim_dom *d, const char *what,
                          const char *path, int rc)
{
    if (rc == PLM_EIO)
        pl->st.guest_denied++;
    else if (rc == PLM_ETOOMANY)
        pl->st.guest_quota++;
    else if (rc == PLM_ERANGE)
        pl->st.guest_too_large++;
    else
        pl->st.guest_invalid++;
    if (d)
        d->guest_refused++;
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): guest %s %s refused: %s",
            d ? (unsigned)d->domid : 0u, d ? d->name : "?", what, path,
            rc == PLM_EIO ? "permission denied" : plm_strerror(rc));
}

/* The running domain that acts, counting the attempt. */
static int acting(struct sim_player *pl, uint32_t domid, struct sim_dom **out)
{
    struct sim_dom *d = sim_host_find(&pl->m.host, domid);

    pl->st.guest_writes++;
    if (d)
        d->guest_writes++;
    *out = d;
    return d && d->state == PORT_SIM_RUNNING && domid != 0 ? 0 : PLM_ENOENT;
}

int sim_guest_write(struct sim_player *pl, uint32_t domid, const char *path, const char *val,
                    size_t len)
{
    struct sim_dom *d;
    int rc = acting(pl, domid, &d);

    if (rc == 0)
        rc = sim_xs_write(&pl->m.xs, domid, path, val, len);
    if (rc != 0)
        count_refusal(pl, d, "write to", path ? path : "(null)", rc);
    return rc;
}

int sim_guest_rm(struct sim_player *pl, uint32_t domid, const char *path)
{
    struct sim_dom *d;
    int rc = acting(pl, domid, &d);

    if (rc == 0)
        rc = sim_xs_rm(&pl->m.xs, domid, path);
    if (rc != 0)
        count_refusal(pl, d, "rm of", path ? path : "(null)", rc);
    return rc;
}

int sim_guest_request(struct sim_player *pl, uint32_t domid, const struct proto_request *r)
{
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];
    struct sim_dom *d = sim_host_find(&pl->m.host, domid);
    struct proto_request req;
    int len;

    if (!r)
        return PLM_EINVAL;
    req = *r;
    if (d) {
        req.seq = d->guest_seq + 1;
        len = proto_request_encode(&req, buf, sizeof(buf));
        if (len < 0)
            return len;
        d->guest_seq = req.seq;
        d->last_req = req;
        d->have_req = true;
    } else {
        buf[0] = '\0';
        len = 0; /* no such domain: sim_guest_write counts and refuses it */
    }
    return sim_guest_write(pl, domid, PROTO_KEY_REQUEST, buf, (size_t)len);
}

/* The request a flood repeats: the guest's last, else its CPU demand. */
static void flood(struct sim_player *pl, struct sim_dom *d, uint64_t n)
{
    struct proto_request r;

    if (d->have_req) {
        r = d->last_req;
    } else {
        memset(&r, 0, sizeof(r));
        r.flags = PROTO_REQ_HAS(PROTO_RES_CPU);
        r.res[PROTO_RES_CPU].nlevels = 1;
        r.res[PROTO_RES_CPU].level[0] = PLM_UNITS(d->cpu_demand);
    }
    for (uint64_t i = 0; i < n; i++)
        sim_guest_request(pl, d->domid, &r);
}

/* A fail line: the next num calls fail, or every call for for_ms; a
 * count of 0 ends the fault. */
static void arm_fault(struct sim_player *pl, struct port_sim_fault *f, const struct sim_event *ev)
{
    f->rc = ev->fault_rc;
    f->count = ev->for_ms ? 0 : ev->num;
    f->until_ms = ev->for_ms ? pl->m.clock.now_ms + ev->for_ms : 0;
}

static void play_domain(struct sim_player *pl, const struct sim_event *ev, struct sim_dom *d)
{
    switch (ev->act) {
    case SIM_ACT_REQUEST:
        sim_guest_request(pl, d->domid, &ev->req);
        break;
    case SIM_ACT_WRITE:
        sim_guest_write(pl, d->domid, ev->path, ev->value, ev->len);
        break;
    case SIM_ACT_RM:
        sim_guest_rm(pl, d->domid, ev->path);
        break;
    case SIM_ACT_CPU:
        d->cpu_demand = (unsigned)ev->num;
        break;
    case SIM_ACT_NET:
        d->net_kib_s = ev->num;
        break;
    case SIM_ACT_DISK:
        d->disk_req_s = ev->num;
        break;
    case SIM_ACT_STUCK:
        d->stuck = ev->num != 0;
        break;
    case SIM_ACT_BALLOON:
        if (d->no_balloon == (ev->num != 0)) {
            d->no_balloon = ev->num == 0;
            sim_ts_guest_balloon(&pl->m, d->domid, ev->num != 0);
        }
        break;
    case SIM_ACT_HOTPLUG:
        d->no_hotplug = ev->num == 0;
        /* A guest that starts following catches up with what was set. */
        if (!d->no_hotplug && d->last_vcpus)
            d->online_vcpus = d->last_vcpus;
        break;
    case SIM_ACT_FLOOR:
        d->floor_kib = ev->num;
        break;
    case SIM_ACT_RATE:
        d->balloon_kib_s = ev->num;
        break;
    case SIM_ACT_DESTROY:
        sim_ts_destroy(&pl->m, d->domid);
        break;
    case SIM_ACT_FLOOD:
        flood(pl, d, ev->num);
        break;
    case SIM_ACT_FAIL:
        arm_fault(pl, &d->fault[ev->fault_op], ev);
        break;
    case SIM_ACT_PAUSE:
    case SIM_ACT_UNPAUSE:
        d->paused = ev->act == SIM_ACT_PAUSE;
        break;
    case SIM_ACT_CRASH:
    case SIM_ACT_SHUTDOWN:
        sim_ts_shutdown(&pl->m, d->domid, ev->act == SIM_ACT_CRASH);
        break;
    case SIM_ACT_MAXMEM: {
        int rc = sim_ts_set_maxmem(&pl->m, d->domid, ev->num);
        if (rc != 0)
            sim_log(&pl->m.clock, PORT_SIM_LOG_ERROR, "dom %u (%s): maxmem %llu MiB refused: %s",
                    (unsigned)d->domid, d->name, (unsigned long long)ev->num / 1024,
                    rc == PLM_EINVAL ? "below its target, or above host memory" : plm_strerror(rc));
        break;
    }
    case SIM_ACT_MAXVCPUS: {
        int rc = sim_ts_set_max_vcpus(&pl->m, d->domid, (unsigned)ev->num);
        if (rc != 0)
            sim_log(&pl->m.clock, PORT_SIM_LOG_ERROR, "dom %u (%s): maxvcpus %llu: %s",
                    (unsigned)d->domid, d->name, (unsigned long long)ev->num, plm_strerror(rc));
        break;
    }
    case SIM_ACT_GROW: {
        uint64_t took = sim_host_grow(&pl->m.host, d, ev->num);
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): took %llu KiB more, holds %llu KiB",
                (unsigned)d->domid, d->name, (unsigned long long)took,
                (unsigned long long)d->actual_kib);
        break;
    }
    default:
        break;
    }
}

static const char *fault_name(enum port_sim_fault_op op)
{
    static const char *const names[PORT_SIM_NFAULTS] = {
        "sched-set", "vcpus-set",    "mem-target-set", "domain-info",
        "host-info", "affinity-set", "dom-io"};
    return names[op];
}

static const char *xs_fault_name(enum port_sim_xs_fault_op op)
{
    static const char *const names[PORT_SIM_NXSFAULTS] = {"watch", "txn", "lose", "dup", "delay"};
    return names[op];
}

static const char *xs_fault_error(int rc)
{
    return rc == PORT_SIM_XS_EAGAIN ? "EAGAIN" : plm_strerror(rc);
}

/* The event in the scenario's words, for the log. */
static const char *describe(const struct sim_event *ev, char *buf, size_t size)
{
    static const char *const verb[] = {
        "request", "write",      "rm",      "cpu",          "net",     "disk",  "stuck",
        "balloon", "hotplug",    "floor",   "balloon-rate", "destroy", "flood", "fail",
        "create",  "disconnect", "xs-fail", "pause",        "unpause", "crash", "shutdown",
        "grow",    "maxmem",     "xs-slow", "maxvcpus",     "clock",   "end"};
    const char *v = verb[ev->act];

    _Static_assert(sizeof(verb) / sizeof(verb[0]) == SIM_ACT_END + 1, "a verb per action");

    switch (ev->act) {
    case SIM_ACT_WRITE:
        snprintf(buf, size, "%s %s (%zu bytes)", v, ev->path, ev->len);
        break;
    case SIM_ACT_RM:
        snprintf(buf, size, "%s %s", v, ev->path);
        break;
    case SIM_ACT_CPU:
    case SIM_ACT_FLOOD:
    case SIM_ACT_MAXVCPUS:
        snprintf(buf, size, "%s %llu", v, (unsigned long long)ev->num);
        break;
    case SIM_ACT_NET:
        snprintf(buf, size, "%s %llu KiB/s", v, (unsigned long long)ev->num);
        break;
    case SIM_ACT_DISK:
        snprintf(buf, size, "%s %llu requests/s", v, (unsigned long long)ev->num);
        break;
    case SIM_ACT_XS_SLOW:
        snprintf(buf, size, "%s %llu ms", v, (unsigned long long)ev->num);
        break;
    case SIM_ACT_STUCK:
    case SIM_ACT_BALLOON:
    case SIM_ACT_HOTPLUG:
        snprintf(buf, size, "%s %s", v, ev->num ? "on" : "off");
        break;
    case SIM_ACT_FAIL:
        if (ev->for_ms)
            snprintf(buf, size, "%s %s for %llu ms: %s", v, fault_name(ev->fault_op),
                     (unsigned long long)ev->for_ms, plm_strerror(ev->fault_rc));
        else
            snprintf(buf, size, "%s %s %llu: %s", v, fault_name(ev->fault_op),
                     (unsigned long long)ev->num, plm_strerror(ev->fault_rc));
        break;
    case SIM_ACT_CLOCK_JUMP:
        snprintf(buf, size, "clock jump %+lld ms", (long long)ev->jump_ms);
        break;
    case SIM_ACT_XS_FAIL:
        if (ev->xs_op == PORT_SIM_XSF_DELAY)
            snprintf(buf, size, "watch delay %llu ms, %llu%s%s", (unsigned long long)ev->delay_ms,
                     (unsigned long long)(ev->for_ms ? ev->for_ms : ev->num),
                     ev->for_ms ? " ms" : "", ev->for_ms ? "" : " events");
        else if (ev->xs_op == PORT_SIM_XSF_LOSE || ev->xs_op == PORT_SIM_XSF_DUP)
            snprintf(buf, size, "watch %s %llu%s%s", xs_fault_name(ev->xs_op),
                     (unsigned long long)(ev->for_ms ? ev->for_ms : ev->num),
                     ev->for_ms ? " ms" : "", ev->for_ms ? "" : " events");
        else if (ev->for_ms)
            snprintf(buf, size, "%s %s for %llu ms: %s", v, xs_fault_name(ev->xs_op),
                     (unsigned long long)ev->for_ms, xs_fault_error(ev->fault_rc));
        else
            snprintf(buf, size, "%s %s %llu: %s", v, xs_fault_name(ev->xs_op),
                     (unsigned long long)ev->num, xs_fault_error(ev->fault_rc));
        break;
    case SIM_ACT_FLOOR:
    case SIM_ACT_GROW:
    case SIM_ACT_MAXMEM:
        snprintf(buf, size, "%s %llu MiB", v, (unsigned long long)ev->num / 1024);
        break;
    case SIM_ACT_RATE:
        snprintf(buf, size, "%s %llu MiB/s", v, (unsigned long long)ev->num / 1024);
        break;
    default:
        snprintf(buf, size, "%s", v);
        break;
    }
    return buf;
}

static void play(struct sim_player *pl, const struct sim_event *ev)
{
    const char *file = pl->scn.name;
    struct sim_dom *d;
    char what[PORT_PATH_MAX + 32];
    int rc;

    pl->st.scenario_played++;
    switch (ev->act) {
    case SIM_ACT_END:
        pl->finished = true;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: end of the scenario", file, ev->line);
        return;
    case SIM_ACT_DISCONNECT:
        pl->disconnected = true;
        sim_xs_drop_events(&pl->m.xs);
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: xenstore connection broken", file,
                ev->line);
        return;
    case SIM_ACT_FAIL:
        if (ev->dom[0])
            break; /* a domain's: below */
        arm_fault(pl,
                  ev->fault_op == PORT_SIM_FAULT_DOM_IO ? &pl->m.host.io_fault
                                                        : &pl->m.host.host_fault,
                  ev);
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: %s", file, ev->line,
                describe(ev, what, sizeof(what)));
        return;
    case SIM_ACT_XS_FAIL:
        arm_fault(pl, &pl->xs_fault[ev->xs_op], ev);
        if (ev->xs_op == PORT_SIM_XSF_DELAY)
            pl->watch_delay_ms = ev->delay_ms;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: %s", file, ev->line,
                describe(ev, what, sizeof(what)));
        return;
    case SIM_ACT_CLOCK_JUMP:
        pl->wall_offset_ms += ev->jump_ms;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: %s", file, ev->line,
                describe(ev, what, sizeof(what)));
        return;
    case SIM_ACT_XS_SLOW:
        pl->xs_slow_ms = ev->num;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: %s", file, ev->line,
                describe(ev, what, sizeof(what)));
        return;
    case SIM_ACT_CREATE:
        rc = sim_ts_create(&pl->m, &ev->spec, NULL);
        if (rc != 0) {
            pl->st.creates_failed++;
            sim_log(&pl->m.clock, PORT_SIM_LOG_ERROR, "%s:%u: create %s: %s", file, ev->line,
                    ev->dom, rc == PLM_ENOMEM ? "not enough free memory" : plm_strerror(rc));
        }
        return;
    default:
        break;
    }
    d = sim_host_find_name(&pl->m.host, ev->dom);
    /* A crashed domain waits for its destroy, and does nothing else. */
    if (!d || (d->state != PORT_SIM_RUNNING &&
               !(d->state == PORT_SIM_SHUTDOWN && ev->act == SIM_ACT_DESTROY))) {
        /* Its creation failed, or a test destroyed it. */
        pl->st.scenario_skipped++;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: %s is not running: event skipped", file,
                ev->line, ev->dom);
        return;
    }
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "%s:%u: dom %u (%s): %s", file, ev->line,
            (unsigned)d->domid, d->name, describe(ev, what, sizeof(what)));
    play_domain(pl, ev, d);
}

static void play_due(struct sim_player *pl)
{
    while (pl->next_ev < pl->scn.nev && pl->scn.ev[pl->next_ev].at_ms <= pl->m.clock.now_ms)
        play(pl, &pl->scn.ev[pl->next_ev++]);
}

uint64_t sim_next_event_ms(const struct sim_player *pl)
{
    return pl->next_ev < pl->scn.nev ? pl->scn.ev[pl->next_ev].at_ms : UINT64_MAX;
}

bool sim_must_stop(const struct sim_player *pl)
{
    return pl->finished || pl->disconnected || (sim_xs_pending(&pl->m.xs) && !pl->events_blocked);
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a < b ? a : b;
    return m < c ? m : c;
}

void sim_run(struct sim_player *pl, uint64_t target_ms, bool stop)
{
    struct sim_clock *c = &pl->m.clock;
    uint64_t reap = sim_ts_reap(&pl->m);

    play_due(pl);
    while (c->now_ms < target_ms && !(stop && sim_must_stop(pl))) {
        uint64_t next = min3(target_ms, sim_next_event_ms(pl), c->now_ms + SIM_STEP_MS);
        next = reap < next ? reap : next;
        if (next <= c->now_ms)
            next = c->now_ms + 1;
        sim_host_step(&pl->m.host, next - c->now_ms);
        c->now_ms = next;
        reap = sim_ts_reap(&pl->m);
        play_due(pl);
        sim_fabric_step(pl);
    }
}

void sim_sync(struct sim_player *pl)
{
    uint64_t t = sim_clock_real_now(&pl->m.clock);

    if (t > pl->m.clock.now_ms)
        sim_run(pl, t, false);
}

int sim_player_init(struct sim_player *pl, struct sim_scenario *scn, double speed)
{
    int rc;

    memset(pl, 0, sizeof(*pl));
    pl->scn = *scn;
    sim_clock_init(&pl->m.clock, speed);
    rc = sim_xs_init(&pl->m.xs);
    if (rc == 0)
        rc = sim_ts_init(&pl->m, pl->scn.pcpus, pl->scn.total_kib, pl->scn.dom0_kib, pl->scn.sched);
    for (size_t i = 0; rc == 0 && i < pl->scn.ndom; i++)
        rc = sim_ts_create(&pl->m, &pl->scn.dom[i], NULL);
    /* Virtual time starts now, once the host is built. */
    pl->m.clock.real_base_ns = sim_real_ns();
    return rc;
}

void sim_player_dispose(struct sim_player *pl)
{
    sim_xs_dispose(&pl->m.xs);
    sim_host_dispose(&pl->m.host);
    sim_scenario_free(&pl->scn);
}
