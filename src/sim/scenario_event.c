/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The events of a scenario: what follows "at TIME".  Either a host-wide
 * event (create, fail host-info or dom-io, xs-fail, xs-slow, watch,
 * disconnect, end) or a domain's name and one action: what its guest does
 * (request, write, rm, flood, grow, crash, shutdown), how its workload and
 * balloon behave (cpu, net, disk, stuck, balloon, hotplug, floor,
 * balloon-rate), what the operator does to it (pause, unpause, maxmem,
 * destroy), what changes under it (maxvcpus), or the faults of its host-control calls (fail).
 *
 * A request is checked here as the guest agent would build it, levels
 * cumulative and encodable, so that hostile values have to be spelled out
 * with write: a scenario never produces a malformed value by accident.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "core/error.h"
#include "sim/scenario_int.h"

#define MIB_MAX (1ull << 30)
#define ACTIONS                                                                                    \
    "request, write, rm, cpu, net, disk, stuck, balloon, hotplug, floor, balloon-rate, destroy, "  \
    "flood, fail, grow, pause, unpause, crash, shutdown, maxmem, maxvcpus"
#define FAULT_COUNT_MAX 1000000
#define NET_MAX_KIB_S (1ull << 30) /* 1 TiB/s */
#define DISK_MAX_REQ_S 100000000ull
#define XS_SLOW_MAX_MS 10000
#define WATCH_DELAY_MAX_MS 60000
#define CLOCK_JUMP_MAX_MS (400ull * 86400 * 1000) /* beyond anything a history keeps */

/* The calls a fail line names, and the libxl errors they may fail with,
 * as port_xen.c reports them. */
static const struct {
    const char *word;
    enum port_sim_fault_op op;
} fault_ops[] = {
    {"sched-set", PORT_SIM_FAULT_SCHED_SET},
    {"vcpus-set", PORT_SIM_FAULT_VCPUS_SET},
    {"mem-target-set", PORT_SIM_FAULT_MEM_TARGET_SET},
    {"domain-info", PORT_SIM_FAULT_DOMAIN_INFO},
    {"host-info", PORT_SIM_FAULT_HOST_INFO},
    {"affinity-set", PORT_SIM_FAULT_AFFINITY_SET},
    {"dom-io", PORT_SIM_FAULT_DOM_IO},
};

static const struct {
    const char *word;
    int rc;
} fault_errors[] = {
    {"fail", PLM_EIO},     /* ERROR_FAIL and every other libxl error */
    {"inval", PLM_EINVAL}, /* ERROR_INVAL */
    {"nomem", PLM_ENOMEM}, /* ERROR_NOMEM */
};

static int no_more(struct sim_parser *ps, struct sim_lex *lx)
{
    struct sim_word w;

    if (sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "extra word '%.*s%s'", SIM_QUOTE(&w));
    return 0;
}

static int one_number(struct sim_parser *ps, struct sim_lex *lx, const char *what, uint64_t min,
                      uint64_t max, uint64_t *v)
{
    struct sim_word w;
    int rc;

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing %s", what);
    rc = sim_word_u64(&w, min, max, v);
    if (rc == PLM_EGRAMMAR)
        return sim_scn_fail(ps, "not a number '%.*s%s'", SIM_QUOTE(&w));
    if (rc != 0)
        return sim_scn_fail(ps, "'%.*s%s' out of range (%llu..%llu)", SIM_QUOTE(&w),
                            (unsigned long long)min, (unsigned long long)max);
    return 0;
}

static int parse_levels(struct sim_parser *ps, enum proto_resource res, const struct sim_word *v,
                        struct proto_levels *lv)
{
    const char *name = proto_resource_name(res);
    const char *p = v->s, *end = v->s + v->n;
    unsigned k = 0;

    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        struct sim_word lw = {p, comma ? (size_t)(comma - p) : (size_t)(end - p)};
        plm_amt_t a;
        int rc;

        if (k == PLM_MAX_LEVELS)
            return sim_scn_fail(ps, "%s: more than %d levels", name, PLM_MAX_LEVELS);
        k++;
        if (lw.n == 0)
            return sim_scn_fail(ps, "%s level %u: empty", name, k);
        rc = plm_amt_parse_n(lw.s, lw.n, &a);
        if (rc == PLM_EPRECISION)
            return sim_scn_fail(ps, "%s level %u: more than 3 decimal places", name, k);
        if (rc == PLM_ERANGE)
            return sim_scn_fail(ps, "%s level %u: above 1000000000", name, k);
        if (rc != 0)
            return sim_scn_fail(ps, "%s level %u: not an amount '%.*s%s'", name, k, SIM_QUOTE(&lw));
        if (k > 1 && a < lv->level[k - 2])
            return sim_scn_fail(ps,
                                "%s level %u: '%.*s%s' is below level %u (levels are cumulative; "
                                "use write for raw values)",
                                name, k, SIM_QUOTE(&lw), k - 1);
        lv->level[k - 1] = a;
        if (!comma)
            break;
        p = comma + 1;
    }
    lv->nlevels = k;
    return 0;
}

static int parse_request(struct sim_parser *ps, struct sim_lex *lx, struct proto_request *r)
{
    char buf[PROTO_REQUEST_ENCODED_MAX + 1];
    struct sim_word w;

    memset(r, 0, sizeof(*r));
    while (sim_lex_word(lx, &w)) {
        struct sim_word v = {w.s + 4, w.n >= 4 ? w.n - 4 : 0};
        enum proto_resource res;
        if (w.n >= 4 && memcmp(w.s, "cpu=", 4) == 0)
            res = PROTO_RES_CPU;
        else if (w.n >= 4 && memcmp(w.s, "mem=", 4) == 0)
            res = PROTO_RES_MEM;
        else
            return sim_scn_fail(ps, "expected cpu=LEVELS or mem=LEVELS, found '%.*s%s'",
                                SIM_QUOTE(&w));
        if (r->flags & PROTO_REQ_HAS(res))
            return sim_scn_fail(ps, "duplicate %s=", proto_resource_name(res));
        if (parse_levels(ps, res, &v, &r->res[res]) != 0)
            return PLM_EGRAMMAR;
        r->flags |= PROTO_REQ_HAS(res);
    }
    if (!(r->flags & PROTO_REQ_HAS_ANY))
        return sim_scn_fail(ps, "missing cpu= or mem=");
    /* seq is the guest's own at play time; any value checks the rest. */
    if (proto_request_encode(r, buf, sizeof(buf)) < 0)
        return sim_scn_fail(ps, "cannot be encoded");
    return 0;
}

static int parse_path(struct sim_parser *ps, struct sim_lex *lx, char **path)
{
    struct sim_word w;

    if (sim_lex_at_string(lx) || !sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing path");
    if (w.n >= PORT_PATH_MAX)
        return sim_scn_fail(ps, "path too long (max %d bytes)", PORT_PATH_MAX - 1);
    *path = strndup(w.s, w.n);
    return *path ? 0 : PLM_ENOMEM;
}

static int parse_write(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    char why[128];
    int rc = parse_path(ps, lx, &ev->path);

    if (rc != 0)
        return rc;
    if (!sim_lex_at_string(lx))
        return sim_scn_fail(ps, "missing value (a quoted string)");
    rc = sim_lex_string(lx, &ev->value, &ev->len, why, sizeof(why));
    if (rc == PLM_ENOMEM)
        return rc;
    if (rc != 0)
        return sim_scn_fail(ps, "value: %s", why);
    return 0;
}

/* "COUNT|for TIME" of a fail or xs-fail line. */
static int parse_amount(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    struct sim_word w;

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing COUNT or 'for TIME'");
    if (sim_word_is(&w, "for")) {
        if (!sim_lex_word(lx, &w))
            return sim_scn_fail(ps, "missing time after 'for'");
        if (sim_word_time(&w, &ev->for_ms) != 0 || ev->for_ms == 0)
            return sim_scn_fail(ps, "bad time '%.*s%s' (want a duration such as %s)", SIM_QUOTE(&w),
                                PLM_DURATION_EXAMPLES);
    } else {
        int rc = sim_word_u64(&w, 0, FAULT_COUNT_MAX, &ev->num);
        if (rc == PLM_EGRAMMAR)
            return sim_scn_fail(ps, "not a count '%.*s%s' (want COUNT or 'for TIME')",
                                SIM_QUOTE(&w));
        if (rc != 0)
            return sim_scn_fail(ps, "'%.*s%s' out of range (0..%d)", SIM_QUOTE(&w),
                                FAULT_COUNT_MAX);
    }
    return 0;
}

/* "OP COUNT|for TIME [ERROR]" after fail; host says whether the line is
 * host-wide (host-info, dom-io) or a domain's (every other call). */
static int parse_fail(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev, bool host)
{
    struct sim_word w;
    size_t i, n = sizeof(fault_ops) / sizeof(fault_ops[0]);

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing call (want %s)",
                            host ? "host-info or dom-io"
                                 : "sched-set, vcpus-set, mem-target-set or domain-info");
    for (i = 0; i < n; i++)
        if (sim_word_is(&w, fault_ops[i].word))
            break;
    if (i == n || host != (fault_ops[i].op == PORT_SIM_FAULT_HOST_INFO ||
                           fault_ops[i].op == PORT_SIM_FAULT_DOM_IO))
        return sim_scn_fail(ps, "unknown call '%.*s%s' (want %s)", SIM_QUOTE(&w),
                            host ? "host-info or dom-io"
                                 : "sched-set, vcpus-set, mem-target-set or domain-info");
    ev->fault_op = fault_ops[i].op;
    if (parse_amount(ps, lx, ev) != 0)
        return PLM_EGRAMMAR;
    ev->fault_rc = PLM_EIO;
    if (!sim_lex_word(lx, &w))
        return 0;
    for (i = 0; i < sizeof(fault_errors) / sizeof(fault_errors[0]); i++)
        if (sim_word_is(&w, fault_errors[i].word)) {
            ev->fault_rc = fault_errors[i].rc;
            return no_more(ps, lx);
        }
    return sim_scn_fail(ps, "unknown error '%.*s%s' (want fail, inval or nomem)", SIM_QUOTE(&w));
}

/* "OP COUNT|for TIME [ERROR]" after xs-fail: what fails on dom0's
 * xenstore connection, and how. */
static int parse_xs_fail(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    struct sim_word w;
    int rc;

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing operation (want watch or txn)");
    if (sim_word_is(&w, "watch")) {
        ev->xs_op = PORT_SIM_XSF_WATCH;
        ev->fault_rc = PLM_EIO;
    } else if (sim_word_is(&w, "txn")) {
        ev->xs_op = PORT_SIM_XSF_TXN;
        ev->fault_rc = PORT_SIM_XS_EAGAIN;
    } else {
        return sim_scn_fail(ps, "unknown operation '%.*s%s' (want watch or txn)", SIM_QUOTE(&w));
    }
    snprintf(ps->prefix, sizeof(ps->prefix), "xs-fail %.*s", (int)w.n, w.s);
    rc = parse_amount(ps, lx, ev);
    if (rc != 0 || !sim_lex_word(lx, &w))
        return rc;
    if (sim_word_is(&w, "fail"))
        ev->fault_rc = PLM_EIO;
    else if (sim_word_is(&w, "quota"))
        ev->fault_rc = PLM_ETOOMANY;
    else if (sim_word_is(&w, "eagain") && ev->xs_op == PORT_SIM_XSF_TXN)
        ev->fault_rc = PORT_SIM_XS_EAGAIN;
    else
        return sim_scn_fail(ps, "unknown error '%.*s%s' (want %s)", SIM_QUOTE(&w),
                            ev->xs_op == PORT_SIM_XSF_TXN ? "eagain, quota or fail"
                                                          : "fail or quota");
    return no_more(ps, lx);
}

/* "lose|dup COUNT|for TIME" or "delay DURATION COUNT|for TIME" after
 * watch: what happens to fired events. */
static int parse_watch_fault(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    struct sim_word w;
    int rc;

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing lose, dup or delay");
    if (sim_word_is(&w, "lose"))
        ev->xs_op = PORT_SIM_XSF_LOSE;
    else if (sim_word_is(&w, "dup"))
        ev->xs_op = PORT_SIM_XSF_DUP;
    else if (sim_word_is(&w, "delay"))
        ev->xs_op = PORT_SIM_XSF_DELAY;
    else
        return sim_scn_fail(ps, "unknown '%.*s%s' (want lose, dup or delay)", SIM_QUOTE(&w));
    snprintf(ps->prefix, sizeof(ps->prefix), "watch %.*s", (int)w.n, w.s);
    ev->fault_rc = 1; /* any code: the event is dropped, doubled or held, not failed */
    if (ev->xs_op == PORT_SIM_XSF_DELAY) {
        if (!sim_lex_word(lx, &w))
            return sim_scn_fail(ps, "missing duration");
        if (sim_word_time(&w, &ev->delay_ms) != 0 || ev->delay_ms == 0 ||
            ev->delay_ms > WATCH_DELAY_MAX_MS)
            return sim_scn_fail(ps, "bad duration '%.*s%s' (want 1ms to 60s, such as 500ms)",
                                SIM_QUOTE(&w));
    }
    rc = parse_amount(ps, lx, ev);
    return rc != 0 ? rc : no_more(ps, lx);
}

/* "jump +DURATION|-DURATION" after clock. */
static int parse_clock(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    struct sim_word w, d;
    uint64_t ms;

    if (!sim_lex_word(lx, &w) || !sim_word_is(&w, "jump"))
        return sim_scn_fail(ps, "want jump +DURATION or jump -DURATION");
    snprintf(ps->prefix, sizeof(ps->prefix), "clock jump");
    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(ps, "missing +DURATION or -DURATION");
    d.s = w.s + 1;
    d.n = w.n - 1;
    if ((w.s[0] != '+' && w.s[0] != '-') || sim_word_time(&d, &ms) != 0 || ms == 0 ||
        ms > CLOCK_JUMP_MAX_MS)
        return sim_scn_fail(ps,
                            "bad jump '%.*s%s' (want a sign and 1ms to 400d, such as +1h or "
                            "-10min)",
                            SIM_QUOTE(&w));
    ev->jump_ms = w.s[0] == '-' ? -(int64_t)ms : (int64_t)ms;
    return no_more(ps, lx);
}

static int parse_action(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    struct sim_word w;

    switch (ev->act) {
    case SIM_ACT_REQUEST:
        return parse_request(ps, lx, &ev->req);
    case SIM_ACT_WRITE:
        return parse_write(ps, lx, ev);
    case SIM_ACT_RM:
        return parse_path(ps, lx, &ev->path);
    case SIM_ACT_CPU:
        return one_number(ps, lx, "demand", 0, 1000000, &ev->num);
    case SIM_ACT_NET:
        return one_number(ps, lx, "KiB/s", 0, NET_MAX_KIB_S, &ev->num);
    case SIM_ACT_DISK:
        return one_number(ps, lx, "requests/s", 0, DISK_MAX_REQ_S, &ev->num);
    case SIM_ACT_FLOOR:
        if (one_number(ps, lx, "MiB", 0, MIB_MAX, &ev->num) != 0)
            return PLM_EGRAMMAR;
        ev->num *= 1024;
        return 0;
    case SIM_ACT_RATE:
        if (one_number(ps, lx, "MiB/s", 1, 1u << 20, &ev->num) != 0)
            return PLM_EGRAMMAR;
        ev->num *= 1024;
        return 0;
    case SIM_ACT_FLOOD:
        return one_number(ps, lx, "count", 1, SIM_SCN_FLOOD_MAX, &ev->num);
    case SIM_ACT_GROW:
    case SIM_ACT_MAXMEM:
        if (one_number(ps, lx, "MiB", 1, MIB_MAX, &ev->num) != 0)
            return PLM_EGRAMMAR;
        ev->num *= 1024;
        return 0;
    case SIM_ACT_MAXVCPUS:
        return one_number(ps, lx, "vcpus", 1, SIM_SCN_VCPUS_MAX, &ev->num);
    case SIM_ACT_FAIL:
        return parse_fail(ps, lx, ev, false);
    case SIM_ACT_STUCK:
    case SIM_ACT_BALLOON:
    case SIM_ACT_HOTPLUG:
        if (!sim_lex_word(lx, &w) || !(sim_word_is(&w, "on") || sim_word_is(&w, "off")))
            return sim_scn_fail(ps, "want on or off");
        ev->num = sim_word_is(&w, "on");
        return 0;
    default:
        return 0;
    }
}

static const struct {
    const char *word;
    enum sim_act act;
} actions[] = {
    {"request", SIM_ACT_REQUEST},   {"write", SIM_ACT_WRITE},     {"rm", SIM_ACT_RM},
    {"cpu", SIM_ACT_CPU},           {"net", SIM_ACT_NET},         {"disk", SIM_ACT_DISK},
    {"stuck", SIM_ACT_STUCK},       {"floor", SIM_ACT_FLOOR},     {"balloon-rate", SIM_ACT_RATE},
    {"destroy", SIM_ACT_DESTROY},   {"flood", SIM_ACT_FLOOD},     {"fail", SIM_ACT_FAIL},
    {"balloon", SIM_ACT_BALLOON},   {"hotplug", SIM_ACT_HOTPLUG}, {"grow", SIM_ACT_GROW},
    {"pause", SIM_ACT_PAUSE},       {"unpause", SIM_ACT_UNPAUSE}, {"crash", SIM_ACT_CRASH},
    {"shutdown", SIM_ACT_SHUTDOWN}, {"maxmem", SIM_ACT_MAXMEM},   {"maxvcpus", SIM_ACT_MAXVCPUS},
};

static int domain_event(struct sim_parser *ps, struct sim_lex *lx, const struct sim_word *name,
                        struct sim_event *ev)
{
    struct sim_scn_name *nm = sim_scn_find_name(ps, name);
    struct sim_word a;
    size_t i;
    int rc;

    if (!nm)
        return sim_scn_fail(ps, "no domain '%.*s%s'", SIM_QUOTE(name));
    if (nm->destroyed)
        return sim_scn_fail(ps, "domain '%s' was destroyed on line %u", nm->name, nm->destroyed);
    snprintf(ev->dom, sizeof(ev->dom), "%s", nm->name);
    snprintf(ps->prefix, sizeof(ps->prefix), "%s", nm->name);
    if (!sim_lex_word(lx, &a))
        return sim_scn_fail(ps, "missing action (want " ACTIONS ")");
    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (sim_word_is(&a, actions[i].word))
            break;
    if (i == sizeof(actions) / sizeof(actions[0]))
        return sim_scn_fail(ps, "unknown action '%.*s%s' (want " ACTIONS ")", SIM_QUOTE(&a));
    ev->act = actions[i].act;
    snprintf(ps->prefix, sizeof(ps->prefix), "%s %s", nm->name, actions[i].word);
    rc = parse_action(ps, lx, ev);
    if (rc == 0)
        rc = no_more(ps, lx);
    /* A guest shut down is destroyed by the toolstack: gone as well. */
    if (rc == 0 && (ev->act == SIM_ACT_DESTROY || ev->act == SIM_ACT_SHUTDOWN))
        nm->destroyed = ps->line;
    return rc;
}

int sim_scn_event(struct sim_parser *ps, struct sim_lex *lx, struct sim_event *ev)
{
    struct sim_word w;
    int rc;

    if (!sim_lex_word(lx, &w))
        return sim_scn_fail(
            ps, "missing event (want a domain name, create, fail, xs-fail, xs-slow, watch, "
                "clock, disconnect or end)");
    if (sim_word_is(&w, "fail")) {
        ev->act = SIM_ACT_FAIL;
        snprintf(ps->prefix, sizeof(ps->prefix), "fail");
        return parse_fail(ps, lx, ev, true);
    }
    if (sim_word_is(&w, "xs-slow")) {
        ev->act = SIM_ACT_XS_SLOW;
        snprintf(ps->prefix, sizeof(ps->prefix), "xs-slow");
        if (!sim_lex_word(lx, &w))
            return sim_scn_fail(ps, "missing duration");
        if (sim_word_time(&w, &ev->num) != 0 || ev->num > XS_SLOW_MAX_MS)
            return sim_scn_fail(ps, "bad duration '%.*s%s' (want 0ms to 10s, such as 50ms)",
                                SIM_QUOTE(&w));
        return no_more(ps, lx);
    }
    if (sim_word_is(&w, "watch")) {
        ev->act = SIM_ACT_XS_FAIL;
        snprintf(ps->prefix, sizeof(ps->prefix), "watch");
        return parse_watch_fault(ps, lx, ev);
    }
    if (sim_word_is(&w, "clock")) {
        ev->act = SIM_ACT_CLOCK_JUMP;
        snprintf(ps->prefix, sizeof(ps->prefix), "clock");
        return parse_clock(ps, lx, ev);
    }
    if (sim_word_is(&w, "xs-fail")) {
        ev->act = SIM_ACT_XS_FAIL;
        snprintf(ps->prefix, sizeof(ps->prefix), "xs-fail");
        return parse_xs_fail(ps, lx, ev);
    }
    if (sim_word_is(&w, "end") || sim_word_is(&w, "disconnect")) {
        ev->act = sim_word_is(&w, "end") ? SIM_ACT_END : SIM_ACT_DISCONNECT;
        snprintf(ps->prefix, sizeof(ps->prefix), "%.*s", (int)w.n, w.s);
        return no_more(ps, lx);
    }
    if (sim_word_is(&w, "create")) {
        ev->act = SIM_ACT_CREATE;
        rc = sim_scn_new_name(ps, lx, "create", ev->dom);
        if (rc == 0)
            rc = sim_scn_spec(ps, lx, &ev->spec);
        if (rc == 0)
            snprintf(ev->spec.name, sizeof(ev->spec.name), "%s", ev->dom);
        return rc;
    }
    return domain_event(ps, lx, &w, ev);
}
