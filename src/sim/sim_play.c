/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guests and the operator of a simulated host: scenario events played
 * when the clock reaches them, and the guest's own xenstore accesses.
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
#include "sim/sim.h"

#define REQUEST_PATH "data/xenplm/request"

static void count_refusal(struct sim *s, struct sim_dom *d, const char *what, const char *path,
                          int rc)
{
    if (rc == PLM_EIO)
        s->st.guest_denied++;
    else if (rc == PLM_ETOOMANY)
        s->st.guest_quota++;
    else if (rc == PLM_ERANGE)
        s->st.guest_too_large++;
    else
        s->st.guest_invalid++;
    if (d)
        d->guest_refused++;
    sim_log(s, PORT_SIM_LOG_INFO, "dom %u (%s): guest %s %s refused: %s",
            d ? (unsigned)d->domid : 0u, d ? d->name : "?", what, path,
            rc == PLM_EIO ? "permission denied" : plm_strerror(rc));
}

/* The running domain that acts, counting the attempt. */
static int acting(struct sim *s, uint32_t domid, struct sim_dom **out)
{
    struct sim_dom *d = sim_host_find(&s->host, domid);

    s->st.guest_writes++;
    if (d)
        d->guest_writes++;
    *out = d;
    return d && d->state == PORT_SIM_RUNNING && domid != 0 ? 0 : PLM_ENOENT;
}

int sim_guest_write(struct sim *s, uint32_t domid, const char *path, const char *val, size_t len)
{
    struct sim_dom *d;
    int rc = acting(s, domid, &d);

    if (rc == 0)
        rc = sim_xs_write(&s->xs, domid, path, val, len);
    if (rc != 0)
        count_refusal(s, d, "write to", path ? path : "(null)", rc);
    return rc;
}

int sim_guest_rm(struct sim *s, uint32_t domid, const char *path)
{
    struct sim_dom *d;
    int rc = acting(s, domid, &d);

    if (rc == 0)
        rc = sim_xs_rm(&s->xs, domid, path);
    if (rc != 0)
        count_refusal(s, d, "rm of", path ? path : "(null)", rc);
    return rc;
}

int sim_guest_request(struct sim *s, uint32_t domid, const struct proto_request *r)
{
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];
    struct sim_dom *d = sim_host_find(&s->host, domid);
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
    return sim_guest_write(s, domid, REQUEST_PATH, buf, (size_t)len);
}

/* The request a flood repeats: the guest's last, else its CPU demand. */
static void flood(struct sim *s, struct sim_dom *d, uint64_t n)
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
        sim_guest_request(s, d->domid, &r);
}

static void play_domain(struct sim *s, const struct sim_event *ev, struct sim_dom *d)
{
    switch (ev->act) {
    case SIM_ACT_REQUEST:
        sim_guest_request(s, d->domid, &ev->req);
        break;
    case SIM_ACT_WRITE:
        sim_guest_write(s, d->domid, ev->path, ev->value, ev->len);
        break;
    case SIM_ACT_RM:
        sim_guest_rm(s, d->domid, ev->path);
        break;
    case SIM_ACT_CPU:
        d->cpu_demand = (unsigned)ev->num;
        break;
    case SIM_ACT_STUCK:
        d->stuck = ev->num != 0;
        break;
    case SIM_ACT_FLOOR:
        d->floor_kib = ev->num;
        break;
    case SIM_ACT_RATE:
        d->balloon_kib_s = ev->num;
        break;
    case SIM_ACT_DESTROY:
        sim_ts_destroy(s, d->domid);
        break;
    case SIM_ACT_FLOOD:
        flood(s, d, ev->num);
        break;
    default:
        break;
    }
}

/* The event in the scenario's words, for the log. */
static const char *describe(const struct sim_event *ev, char *buf, size_t size)
{
    static const char *const verb[] = {"request", "write",  "rm",           "cpu",
                                       "stuck",   "floor",  "balloon-rate", "destroy",
                                       "flood",   "create", "disconnect",   "end"};
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
        snprintf(buf, size, "%s %llu", v, (unsigned long long)ev->num);
        break;
    case SIM_ACT_STUCK:
        snprintf(buf, size, "%s %s", v, ev->num ? "on" : "off");
        break;
    case SIM_ACT_FLOOR:
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

static void play(struct sim *s, const struct sim_event *ev)
{
    const char *file = s->scn.name;
    struct sim_dom *d;
    char what[PORT_PATH_MAX + 32];
    int rc;

    s->st.scenario_played++;
    switch (ev->act) {
    case SIM_ACT_END:
        s->finished = true;
        sim_log(s, PORT_SIM_LOG_INFO, "%s:%u: end of the scenario", file, ev->line);
        return;
    case SIM_ACT_DISCONNECT:
        s->disconnected = true;
        sim_xs_drop_events(&s->xs);
        sim_log(s, PORT_SIM_LOG_INFO, "%s:%u: xenstore connection broken", file, ev->line);
        return;
    case SIM_ACT_CREATE:
        rc = sim_ts_create(s, &ev->spec, NULL);
        if (rc != 0) {
            s->st.creates_failed++;
            sim_log(s, PORT_SIM_LOG_ERROR, "%s:%u: create %s: %s", file, ev->line, ev->dom,
                    rc == PLM_ENOMEM ? "not enough free memory" : plm_strerror(rc));
        }
        return;
    default:
        break;
    }
    d = sim_host_find_name(&s->host, ev->dom);
    if (!d || d->state != PORT_SIM_RUNNING) {
        /* Its creation failed, or a test destroyed it. */
        s->st.scenario_skipped++;
        sim_log(s, PORT_SIM_LOG_INFO, "%s:%u: %s is not running: event skipped", file, ev->line,
                ev->dom);
        return;
    }
    sim_log(s, PORT_SIM_LOG_INFO, "%s:%u: dom %u (%s): %s", file, ev->line, (unsigned)d->domid,
            d->name, describe(ev, what, sizeof(what)));
    play_domain(s, ev, d);
}

void sim_play_due(struct sim *s)
{
    while (s->next_ev < s->scn.nev && s->scn.ev[s->next_ev].at_ms <= s->now_ms)
        play(s, &s->scn.ev[s->next_ev++]);
}

uint64_t sim_next_event_ms(const struct sim *s)
{
    return s->next_ev < s->scn.nev ? s->scn.ev[s->next_ev].at_ms : UINT64_MAX;
}
